"""The continuous Bernoulli (CB) distribution on [-1, 1] in its natural parameter ``b``.

Density ``p(x | b) = b exp(b x) / (2 sinh b)`` (uniform, 1/2, at ``b = 0``), the distribution of a
node's state in the attractor network (Spisak & Friston 2025, section 1 of the spec). All
functions broadcast over NumPy arrays, return float64, and are accurate to about 1e-13 relative
for every finite input (``b = 0``, ``|b| = 1e-300 ... 1e300``); the numerically delicate work is
in :mod:`fep_core._numerics`. Non-finite input raises ``ValueError`` naming the argument, and so
do two arguments whose shapes do not broadcast (checked before anything is computed). Empty
arrays are valid input and give empty results (e.g. ``kl([], 0.5)`` is an empty array).

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

import numbers

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


def _broadcast(first, first_name, second, second_name):
    """Check that the two array arguments broadcast against each other (ValueError naming both
    otherwise, before any work); return them unchanged."""
    try:
        np.broadcast_shapes(first.shape, second.shape)
    except ValueError:
        raise ValueError(f"{first_name} and {second_name} must broadcast against each other, got "
                         f"shapes {first.shape} ({first_name}) and {second.shape} ({second_name})"
                         ) from None
    return first, second


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
    return _result(_kl(*_broadcast(finite_array(bq, "bq"), "bq", finite_array(bp, "bp"), "bp")))


def log_pdf(x, b):
    """Log density of CB(b) at ``x`` in [-1, 1] (broadcast)."""
    return _result(_log_pdf(*_broadcast(_unit_interval(x, "x"), "x", finite_array(b, "b"), "b")))


def pdf(x, b):
    """Density ``b exp(b x) / (2 sinh b)`` of CB(b) at ``x`` in [-1, 1] (broadcast)."""
    return _result(np.exp(_log_pdf(*_broadcast(_unit_interval(x, "x"), "x",
                                               finite_array(b, "b"), "b"))))


def cdf(x, b):
    """Distribution function ``P(X <= x)`` of CB(b) for ``x`` in [-1, 1] (broadcast)."""
    return _result(_cdf(*_broadcast(_unit_interval(x, "x"), "x", finite_array(b, "b"), "b")))


def ppf(u, b):
    """Inverse distribution function of CB(b): ``u`` in [0, 1] to a state in [-1, 1]."""
    u = finite_array(u, "u")
    if np.any((u < 0.0) | (u > 1.0)):
        raise ValueError("u must lie in [0, 1]")
    return _result(_ppf(*_broadcast(u, "u", finite_array(b, "b"), "b")))


def sample(b, *, rng, size=None):
    """Draw states from CB(b) by inverse-CDF sampling.

    Parameters
    ----------
    b : array_like
        Natural parameter(s).
    rng : int or numpy.random.Generator
        Seed or generator; the same seed gives identical samples.
    size : int or tuple of int, optional
        Output shape (non-negative integers); must broadcast with ``b``'s shape, and the samples
        have the broadcast shape. Defaults to ``b``'s shape.

    Returns
    -------
    float or ndarray
        Samples in [-1, 1].
    """
    b = finite_array(b, "b")
    gen = as_generator(rng)
    shape = b.shape
    if size is not None:
        dims = _size(size)
        try:
            shape = np.broadcast_shapes(b.shape, dims)
        except ValueError:
            raise ValueError(f"size {dims} must broadcast with the shape {b.shape} of b") from None
    u = gen.random(shape)
    return _result(_ppf(u, b))


def _size(size):
    """``size`` of :func:`sample` as a tuple of non-negative ints (TypeError/ValueError naming
    it)."""
    if isinstance(size, np.ndarray) and size.ndim == 0:
        size = size.item()
    if isinstance(size, (numbers.Integral, np.integer)) and not isinstance(size, (bool, np.bool_)):
        dims = (size,)
    elif isinstance(size, (tuple, list, np.ndarray)):
        if isinstance(size, np.ndarray) and size.ndim != 1:
            raise ValueError(f"size must be an int or a 1-D sequence of ints, got an array of "
                             f"shape {size.shape}")
        dims = tuple(size.tolist() if isinstance(size, np.ndarray) else size)
        if not all(isinstance(d, (numbers.Integral, np.integer))
                   and not isinstance(d, (bool, np.bool_))
                   for d in dims):
            raise TypeError(f"size must be an int or a sequence of ints, got {size!r}")
    else:
        raise TypeError(f"size must be an int or a sequence of ints, got {type(size).__name__}")
    if any(d < 0 for d in dims):
        raise ValueError(f"size must hold non-negative integers, got {size!r}")
    return tuple(int(d) for d in dims)
