"""The continuous Bernoulli (CB) distribution on [-1, 1] in its natural parameter ``b``.

Density ``p(x | b) = b exp(b x) / (2 sinh b)`` (uniform, 1/2, at ``b = 0``), the distribution of a
node's state in the attractor network (Spisak & Friston 2025, section 1 of the spec). All
functions broadcast over NumPy arrays, return float64, and are accurate to about 1e-13 relative
for every finite input (``b = 0``, ``|b| = 1e-300 ... 1e300``); the numerically delicate work is
in :mod:`fep_core._numerics`. Non-finite input raises ``ValueError`` naming the argument.

=====================  ===========================================================
``langevin(b)``         mean ``L(b) = coth b - 1/b``
``langevin_prime(b)``   variance = Fisher information ``L'(b) = 1/b^2 - 1/sinh^2 b``
``inverse_langevin(m)`` exact inverse of ``L`` on (-1, 1)
``log_partition(b)``    ``A(b) = ln(2 sinh(b)/b)``
``entropy(b)``          ``H(b) = A(b) - b L(b)`` (nats)
``kl(bq, bp)``          ``KL[CB(bq) || CB(bp)]``
``log_pdf``, ``pdf``    density at ``x`` in [-1, 1]
``cdf``, ``ppf``        distribution function and its inverse
``sample(b, rng=)``     inverse-CDF sampling
=====================  ===========================================================
"""
from __future__ import annotations

import numpy as np
from numba import vectorize

from . import _numerics as nx
from ._validation import as_generator, finite_array

__all__ = ["langevin", "langevin_prime", "fisher_information", "inverse_langevin", "log_partition",
           "entropy", "kl", "log_pdf", "pdf", "cdf", "ppf", "sample"]

_F1 = ["float64(float64)"]
_F2 = ["float64(float64, float64)"]


@vectorize(_F1, cache=True)
def _langevin(b):
    return nx.langevin(b)


@vectorize(_F1, cache=True)
def _langevin_prime(b):
    return nx.langevin_prime(b)


@vectorize(_F1, cache=True)
def _log_partition(b):
    return nx.log_partition(b)


@vectorize(_F1, cache=True)
def _entropy(b):
    return nx.entropy(b)


@vectorize(_F1, cache=True)
def _inverse_langevin(m):
    return nx.inverse_langevin(m)


@vectorize(_F2, cache=True)
def _kl(bq, bp):
    return nx.kl(bq, bp)


@vectorize(_F2, cache=True)
def _log_pdf(x, b):
    return nx.log_pdf(x, b)


@vectorize(_F2, cache=True)
def _cdf(x, b):
    return nx.cdf(x, b)


@vectorize(_F2, cache=True)
def _ppf(u, b):
    return nx.ppf(u, b)


def _result(out):
    """Return a Python float for scalar results, an array otherwise."""
    out = np.asarray(out)
    return float(out) if out.ndim == 0 else out


def _unit_interval(value, name, *, closed=True):
    arr = finite_array(value, name)
    if closed:
        bad = (arr < -1.0) | (arr > 1.0)
        span = "[-1, 1]"
    else:
        bad = (arr <= -1.0) | (arr >= 1.0)
        span = "the open interval (-1, 1)"
    if np.any(bad):
        raise ValueError(f"{name} must lie in {span}; got a value {arr[bad].flat[0]!r}")
    return arr


def langevin(b):
    """Mean of CB(b): the Langevin function ``L(b) = coth(b) - 1/b`` (``L(0) = 0``).

    Parameters
    ----------
    b : array_like
        Natural parameter(s), any shape.

    Returns
    -------
    float or ndarray
        ``L(b)`` with the shape of ``b``, in (-1, 1).
    """
    return _result(_langevin(finite_array(b, "b")))


def langevin_prime(b):
    """Variance of CB(b), which is also its Fisher information: ``L'(b) = 1/b^2 - 1/sinh^2 b``.

    Equals 1/3 at ``b = 0`` and decays as ``1/b^2``: the family saturates for large ``|b|``.
    """
    return _result(_langevin_prime(finite_array(b, "b")))


fisher_information = langevin_prime


def inverse_langevin(mean):
    """Natural parameter ``b`` with ``L(b) = mean`` (exact, by safeguarded Newton iteration).

    Parameters
    ----------
    mean : array_like
        Values in the open interval (-1, 1).

    Notes
    -----
    The inverse is ill-conditioned near ``|mean| = 1``: there a relative change ``eps`` of
    ``mean`` changes ``b`` by about ``eps * b`` relative, so ``L(inverse_langevin(m)) == m`` is
    the meaningful round trip.
    """
    return _result(_inverse_langevin(_unit_interval(mean, "mean", closed=False)))


def log_partition(b):
    """Log-partition (cumulant) function ``A(b) = ln(2 sinh(b) / b)``; ``A(0) = ln 2``."""
    return _result(_log_partition(finite_array(b, "b")))


def entropy(b):
    """Differential entropy of CB(b) in nats, ``A(b) - b L(b)``; at most ``ln 2`` (at ``b = 0``)."""
    return _result(_entropy(finite_array(b, "b")))


def kl(bq, bp):
    """Kullback-Leibler divergence ``KL[CB(bq) || CB(bp)] = (bq - bp) L(bq) - A(bq) + A(bp)``.

    Broadcasts ``bq`` against ``bp``. Accurate also for nearly equal arguments, where the
    closed form cancels (see :func:`fep_core._numerics.kl`).
    """
    return _result(_kl(finite_array(bq, "bq"), finite_array(bp, "bp")))


def log_pdf(x, b):
    """Log density of CB(b) at ``x`` in [-1, 1] (broadcast)."""
    return _result(_log_pdf(_unit_interval(x, "x"), finite_array(b, "b")))


def pdf(x, b):
    """Density ``b exp(b x) / (2 sinh b)`` of CB(b) at ``x`` in [-1, 1] (broadcast)."""
    return _result(np.exp(_log_pdf(_unit_interval(x, "x"), finite_array(b, "b"))))


def cdf(x, b):
    """Distribution function ``P(X <= x)`` of CB(b) for ``x`` in [-1, 1] (broadcast)."""
    return _result(_cdf(_unit_interval(x, "x"), finite_array(b, "b")))


def ppf(u, b):
    """Inverse distribution function of CB(b): ``u`` in [0, 1] to a state in [-1, 1]."""
    u = finite_array(u, "u")
    if np.any((u < 0.0) | (u > 1.0)):
        raise ValueError("u must lie in [0, 1]")
    return _result(_ppf(u, finite_array(b, "b")))


def sample(b, *, rng, size=None):
    """Draw states from CB(b) by inverse-CDF sampling.

    Parameters
    ----------
    b : array_like
        Natural parameter(s).
    rng : int or numpy.random.Generator
        Seed or generator; the same seed gives identical samples.
    size : int or tuple of int, optional
        Output shape; must broadcast with ``b``. Defaults to ``b``'s shape.

    Returns
    -------
    float or ndarray
        Samples in [-1, 1].
    """
    b = finite_array(b, "b")
    gen = as_generator(rng)
    shape = b.shape if size is None else np.broadcast_shapes(b.shape, np.atleast_1d(size).tolist()
                                                             if not isinstance(size, int) else (size,))
    u = gen.random(shape)
    return _result(_ppf(u, b))
