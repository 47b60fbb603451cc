"""Free energy with Gaussians: the primer chapter's maths.

The model is the conjugate pair used throughout the primer:

* prior       ``x ~ N(m0, 1/pi0)``        (``prior_mean``, ``prior_precision``)
* likelihood  ``y | x ~ N(x, 1/piy)``     (``likelihood_precision``)

and the recognition density is ``q(x) = N(mean, var)``, optimised over ``mean`` and
``log_sd = ln sqrt(var)``. Variational free energy ``F(q) = E_q[ln q(x) - ln p(x, y)]`` is an upper
bound on surprise ``-ln p(y)``; it is computed here in three algebraically equal forms.

The module also reproduces, faithfully, a popular blog post's computation of "free energy"
(``F = KL + ln p(y)`` with a Riemann sum lacking ``dx`` and a never-optimised ``q``) next to the
corrected computation, and reports the size of each error.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._validation import choice, count, finite_array, flag, positive, positive_array

_LOG_2PI = np.log(2.0 * np.pi)

FORMS = ("kl-evidence", "complexity-accuracy", "energy-entropy")
# descend: |mean| beyond this counts as diverged (and is no valid start)
MAX_ABS_MEAN = 1e100
# descend: |log_sd| beyond this counts as diverged (and is no valid start)
MAX_ABS_LOG_SD = 300.0


def _join(names):
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _broadcast(**arrays):
    """Check that the named arrays broadcast together; a ValueError naming every one otherwise."""
    try:
        return np.broadcast_shapes(*(a.shape for a in arrays.values()))
    except ValueError:
        got = ", ".join(f"{name} {a.shape}" for name, a in arrays.items())
        raise ValueError(f"{_join(arrays)} must have shapes that broadcast together, "
                         f"got {got}") from None


def _representable(out, what, names):
    """``out`` if every entry is finite; else a ValueError naming the arguments that overflowed
    it."""
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{what} overflows (is not representable in double precision) for these "
                         f"arguments: reduce the magnitude of {_join(names)}")
    return out


# --------------------------------------------------------------------------------------------
# Densities, KL divergence and the conjugate model
def normal_pdf(x, mean, var):
    """Density of ``N(mean, var)`` at ``x``: ``exp(-(x - mean)^2 / (2 var)) / sqrt(2 pi var)``.

    Parameters
    ----------
    x, mean : array_like, finite
    var : array_like, positive (the variance, not the standard deviation)
        All three broadcast together (a ``ValueError`` naming them otherwise).

    Returns
    -------
    float or ndarray with the broadcast shape; 0 where the density underflows.
    """
    x = finite_array(x, "x")
    mean = finite_array(mean, "mean")
    var = positive_array(var, "var")
    _broadcast(x=x, mean=mean, var=var)
    with np.errstate(over="ignore", under="ignore"):       # far tails: exp(-inf) = 0
        out = np.exp(-0.5 * (x - mean) ** 2 / var) / np.sqrt(2 * np.pi * var)
    return out[()] if out.ndim == 0 else out


def kl(mean_q, var_q, mean_p, var_p):
    """``KL[N(mean_q, var_q) || N(mean_p, var_p)]`` in nats (closed form; broadcasts).

    ``KL = ln(s_p/s_q) + (var_q + (mean_q - mean_p)^2) / (2 var_p) - 1/2``, written with
    variances. Arguments are scalars or arrays whose shapes broadcast together (a ``ValueError``
    naming them otherwise); variances must be positive. Empty arrays are allowed where they
    broadcast: the result is then empty.
    """
    mean_q = finite_array(mean_q, "mean_q")
    mean_p = finite_array(mean_p, "mean_p")
    var_q = positive_array(var_q, "var_q")
    var_p = positive_array(var_p, "var_p")
    _broadcast(mean_q=mean_q, var_q=var_q, mean_p=mean_p, var_p=var_p)
    ratio = var_q / var_p
    # ratio - 1 - ln(ratio): near ratio = 1 the terms cancel, so use log1p(ratio - 1) there;
    # far from 1, ratio - 1 itself loses digits of a tiny ratio, so use log(ratio).
    near = np.abs(ratio - 1.0) < 0.5
    log_ratio = np.where(near, np.log1p(np.where(near, ratio - 1.0, 0.0)), np.log(ratio))
    out = 0.5 * ((ratio - 1.0) - log_ratio + (mean_q - mean_p) ** 2 / var_p)
    return out[()] if out.ndim == 0 else out


def _model(prior_mean, prior_precision, likelihood_precision):
    return (float(finite_array(prior_mean, "prior_mean", ndim=0)),
            positive(prior_precision, "prior_precision"),
            positive(likelihood_precision, "likelihood_precision"))


def posterior(y, *, prior_mean=0.0, prior_precision=1.0, likelihood_precision=1.0):
    """Exact posterior ``p(x | y) = N(mean, var)``; returns ``(mean, var)``.

    ``mean = (pi0 m0 + piy y) / (pi0 + piy)``, ``var = 1 / (pi0 + piy)``. ``y`` may be an array.
    """
    m0, pi0, piy = _model(prior_mean, prior_precision, likelihood_precision)
    y = finite_array(y, "y")
    mean = (pi0 * m0 + piy * y) / (pi0 + piy)
    return (mean[()] if mean.ndim == 0 else mean), 1.0 / (pi0 + piy)


def log_evidence(y, *, prior_mean=0.0, prior_precision=1.0, likelihood_precision=1.0):
    """``ln p(y)`` with ``p(y) = N(y; m0, 1/pi0 + 1/piy)`` (the marginal likelihood)."""
    m0, pi0, piy = _model(prior_mean, prior_precision, likelihood_precision)
    y = finite_array(y, "y")
    var = 1.0 / pi0 + 1.0 / piy
    out = -0.5 * (_LOG_2PI + np.log(var) + (y - m0) ** 2 / var)
    return out[()] if out.ndim == 0 else out


def free_energy(mean, var, y, *, prior_mean=0.0, prior_precision=1.0, likelihood_precision=1.0,
                form="energy-entropy"):
    """Variational free energy of ``q = N(mean, var)`` for observation ``y`` (nats).

    ``form`` selects one of three algebraically equal expressions (they agree to rounding):

    * ``"kl-evidence"``: ``KL[q || p(x|y)] - ln p(y)``
    * ``"complexity-accuracy"``: ``KL[q || p(x)] - E_q[ln p(y|x)]``
    * ``"energy-entropy"``: ``E_q[-ln p(x, y)] - H[q]``

    ``mean``, ``var`` and ``y`` broadcast against each other (a ``ValueError`` naming them
    otherwise; empty arrays give an empty result). A ``ValueError`` is raised where F overflows
    (magnitudes near the largest double).
    """
    choice(form, "form", FORMS)
    m0, pi0, piy = _model(prior_mean, prior_precision, likelihood_precision)
    mean = finite_array(mean, "mean")
    var = positive_array(var, "var")
    y = finite_array(y, "y")
    _broadcast(mean=mean, var=var, y=y)
    model = dict(prior_mean=m0, prior_precision=pi0, likelihood_precision=piy)
    with np.errstate(over="ignore", invalid="ignore"):     # an overflow is raised below
        # E_q[ln p(y|x)] = ln N(y; mean, 1/piy) - piy var / 2
        accuracy = 0.5 * (np.log(piy) - _LOG_2PI - piy * ((y - mean) ** 2 + var))
        if form == "kl-evidence":
            post_mean, post_var = posterior(y, **model)
            out = kl(mean, var, post_mean, post_var) - log_evidence(y, **model)
        elif form == "complexity-accuracy":
            out = kl(mean, var, m0, 1.0 / pi0) - accuracy
        else:
            prior_term = 0.5 * (np.log(pi0) - _LOG_2PI - pi0 * ((mean - m0) ** 2 + var))
            energy = -(accuracy + prior_term)
            entropy = 0.5 * (_LOG_2PI + 1.0 + np.log(var))
            out = energy - entropy
    out = _representable(np.asarray(out), "F",
                         ("mean", "var", "y", "prior_mean", "prior_precision",
                          "likelihood_precision"))
    return out[()] if out.ndim == 0 else out


def gradient(mean, log_sd, y, *, prior_mean=0.0, prior_precision=1.0, likelihood_precision=1.0):
    """Gradient of ``F`` with respect to q's ``mean`` and ``log_sd``; returns
    ``(dF/dmean, dF/dlog_sd)``.

    ``dF/dmean = -[piy (y - mean) - pi0 (mean - m0)]`` is minus the precision-weighted
    prediction error (predictive coding); ``dF/dlog_sd = (pi0 + piy) var - 1``.

    ``mean``, ``log_sd`` and ``y`` broadcast against each other (a ``ValueError`` naming them
    otherwise). A ``ValueError`` is raised where a component overflows: for ``dF/dlog_sd``, where
    ``(pi0 + piy) exp(2 log_sd)`` exceeds the largest double (``log_sd`` above about 354 at unit
    precisions); very negative ``log_sd`` is fine (``dF/dlog_sd -> -1``).
    """
    m0, pi0, piy = _model(prior_mean, prior_precision, likelihood_precision)
    mean = finite_array(mean, "mean")
    log_sd = finite_array(log_sd, "log_sd")
    y = finite_array(y, "y")
    _broadcast(mean=mean, log_sd=log_sd, y=y)
    with np.errstate(over="ignore", invalid="ignore"):
        d_mean, d_log_sd = _gradient(mean, log_sd, y, m0, pi0, piy)
    _representable(d_mean, "dF/dmean",
                   ("mean", "y", "prior_mean", "prior_precision", "likelihood_precision"))
    _representable(d_log_sd,
                   "dF/dlog_sd = (prior_precision + likelihood_precision) exp(2 log_sd) - 1",
                   ("log_sd", "prior_precision", "likelihood_precision"))
    return ((d_mean[()] if d_mean.ndim == 0 else d_mean),
            (d_log_sd[()] if d_log_sd.ndim == 0 else d_log_sd))


def _gradient(mean, log_sd, y, m0, pi0, piy):
    """The gradient of :func:`gradient`, unchecked (validated arguments; may overflow)."""
    d_mean = -(piy * (y - mean) - pi0 * (mean - m0))
    d_log_sd = (pi0 + piy) * np.exp(2.0 * log_sd) - 1.0
    return d_mean, d_log_sd


def stability_limit(*, prior_precision=1.0, likelihood_precision=1.0):
    """Largest stable step size of gradient descent on F, as ``(for_mean, for_log_sd)``.

    The mean update is linear: the error ``mean - posterior_mean`` is multiplied by
    ``1 - step (pi0 + piy)`` each step, so it converges iff ``step < 2 / (pi0 + piy)``
    (and oscillates, with a sign flip each step, when ``1/(pi0+piy) < step < 2/(pi0+piy)``).
    Linearised at the optimum, the log-sd error is multiplied by ``1 - 2 step``: stable iff
    ``step < 1``, whatever the precisions.
    """
    pi0 = positive(prior_precision, "prior_precision")
    piy = positive(likelihood_precision, "likelihood_precision")
    return 2.0 / (pi0 + piy), 1.0


@dataclass
class Descent:
    """A gradient-descent belief trajectory (arrays of length ``n_steps + 1`` or fewer).

    ``diverged`` is True when the iterate left the region where F is representable
    (``|mean| > MAX_ABS_MEAN = 1e100`` or ``|log_sd| > MAX_ABS_LOG_SD = 300``); the trajectory
    then stops at that point.
    """

    mean: np.ndarray
    log_sd: np.ndarray
    free_energy: np.ndarray
    diverged: bool

    @property
    def var(self):
        return np.exp(2.0 * self.log_sd)


def descend(y, *, mean0=0.0, log_sd0=0.0, learning_rate=0.1, n_steps=50, prior_mean=0.0,
            prior_precision=1.0, likelihood_precision=1.0, update_log_sd=True):
    """Gradient descent on F over q's mean and log-std (step ``learning_rate``); returns a
    :class:`Descent`.

    ``mean <- mean + lr [piy (y - mean) - pi0 (mean - m0)]`` and
    ``log_sd <- log_sd - lr ((pi0 + piy) var - 1)``. With ``update_log_sd=False`` (a bool) the
    width stays at ``exp(log_sd0)``. The start must lie in the region where the descent runs:
    ``|mean0| <= MAX_ABS_MEAN`` and ``|log_sd0| <= MAX_ABS_LOG_SD`` (see :class:`Descent`).
    """
    model = dict(prior_mean=prior_mean, prior_precision=prior_precision,
                 likelihood_precision=likelihood_precision)
    m0, pi0, piy = _model(**model)
    y = float(finite_array(y, "y", ndim=0))
    lr = positive(learning_rate, "learning_rate")
    n_steps = count(n_steps, "n_steps", minimum=0)
    mu = float(finite_array(mean0, "mean0", ndim=0))
    rho = float(finite_array(log_sd0, "log_sd0", ndim=0))
    if abs(mu) > MAX_ABS_MEAN:
        raise ValueError(f"mean0 must lie within +/-{MAX_ABS_MEAN:g} (beyond it a descent counts "
                         f"as diverged), got {mu:g}")
    if abs(rho) > MAX_ABS_LOG_SD:
        raise ValueError(f"log_sd0 must lie within +/-{MAX_ABS_LOG_SD:g} (beyond it the variance "
                         f"exp(2 log_sd0) is not representable), got {rho:g}")
    flag(update_log_sd, "update_log_sd")
    means, rhos = [mu], [rho]
    diverged = False
    for _ in range(n_steps):
        g_mu, g_rho = _gradient(mu, rho, y, m0, pi0, piy)
        mu = mu - lr * g_mu
        if update_log_sd:
            rho = rho - lr * g_rho
        if not (abs(mu) <= MAX_ABS_MEAN and abs(rho) <= MAX_ABS_LOG_SD):     # NaN: diverged too
            diverged = True
            break
        means.append(mu)
        rhos.append(rho)
    means, rhos = np.array(means), np.array(rhos)
    fe = free_energy(means, np.exp(2.0 * rhos), y, **model)
    return Descent(means, rhos, np.atleast_1d(fe), diverged)


# --------------------------------------------------------------------------------------------
# The blog's computation next to the corrected one
BLOG_Q = (0.0, 1.0)          # q(x) = N(0, 1): (mean, var)
BLOG_POSTERIOR_SD = 0.5      # p(x|y) = N(y, 0.5^2)
MAX_BLOG_GRID = 10 ** 7      # most grid values (n_grid times the number of observations)
MAX_BLOG_ABS = 1e100         # largest |lower|, |upper|, |y|: squared distances stay finite


def _blog_grid(n_grid, lower, upper, n_y):
    n_grid = count(n_grid, "n_grid", minimum=2)
    lower = float(finite_array(lower, "lower", ndim=0))
    upper = float(finite_array(upper, "upper", ndim=0))
    if upper <= lower:
        raise ValueError(f"upper must exceed lower, got lower={lower}, upper={upper}")
    if max(abs(lower), abs(upper)) > MAX_BLOG_ABS:
        raise ValueError(f"lower and upper must lie within +/-{MAX_BLOG_ABS:g}, "
                         f"got lower={lower}, upper={upper}")
    if n_grid * max(n_y, 1) > MAX_BLOG_GRID:
        raise ValueError(f"n_grid times the number of observations must be at most "
                         f"{MAX_BLOG_GRID:,}, got n_grid = {n_grid} for {n_y} observation(s)")
    return n_grid, lower, upper


def _blog_y(value, name, ndim=None):
    y = finite_array(value, name, ndim=ndim)
    if np.any(np.abs(y) > MAX_BLOG_ABS):
        raise ValueError(f"{name} must lie within +/-{MAX_BLOG_ABS:g}")
    return y


def _blog_kl_no_dx(x, y):
    """``sum_x q ln(q/p)`` (no ``dx``) for each ``y`` (1-D), with ``ln(q/p)`` in closed form.

    ``ln q - ln p = (x - y)^2 / (2 sd_p^2) - (x - m_q)^2 / (2 var_q) + ln(sd_p / sd_q)``: finite
    wherever the densities themselves underflow (beyond ``|x| ~ 38``), where the blog's
    ``ln(q / p)`` of the densities gives ``ln(0/0)`` or ``0 * inf`` = NaN; there ``q = 0`` and the
    term is exactly 0.
    """
    mean_q, var_q = BLOG_Q
    sd_p = BLOG_POSTERIOR_SD
    q = normal_pdf(x, mean_q, var_q)
    log_ratio = ((x[:, None] - y[None, :]) ** 2 / (2 * sd_p ** 2)
                 - ((x - mean_q) ** 2 / (2 * var_q))[:, None]
                 + np.log(sd_p / np.sqrt(var_q)))
    return np.sum(q[:, None] * log_ratio, axis=0)


def blog_free_energy(y, *, n_grid=1000, lower=-5.0, upper=5.0):
    """The blog's "free energy", reproduced faithfully: ``sum(q log(q/p)) + log p(y)``.

    ``q = N(0, 1)``, ``p(x|y) = N(y, 0.5^2)`` on ``linspace(lower, upper, n_grid)``, the sum has
    no grid step ``dx``, ``log p(y)`` is the standard-normal log density, and ``q`` is fixed.
    ``log(q/p)`` is evaluated from the log densities (equal to the blog's to rounding, and finite
    where the densities underflow on wide grids). ``upper > lower``; ``lower``, ``upper`` and ``y``
    within ``+/-MAX_BLOG_ABS``; ``n_grid * y.size`` at most :data:`MAX_BLOG_GRID`.
    """
    y = _blog_y(y, "y")
    n_grid, lower, upper = _blog_grid(n_grid, lower, upper, y.size)
    x = np.linspace(lower, upper, n_grid)
    kl_no_dx = _blog_kl_no_dx(x, y.ravel())
    log_prob = -np.log(np.sqrt(2 * np.pi)) - 0.5 * y.ravel() ** 2
    return (kl_no_dx + log_prob).reshape(y.shape)[()]


def blog_comparison(y_values=None, *, n_grid=1000, lower=-5.0, upper=5.0):
    """The blog's computation next to the corrected one, per observation ``y``; a DataFrame.

    The blog's objects define a valid joint density: ``p(y) = N(0, 1)`` and
    ``p(x|y) = N(y, 0.5^2)``. The corrections are applied one at a time, so the errors telescope
    (``blog - optimal = dx_error + sign_error + q_error``):

    ``blog``        ``sum(q ln(q/p)) + ln p(y)`` (no ``dx``, wrong sign, fixed q)
    ``with_dx``     ``sum(q ln(q/p)) dx + ln p(y)``               -> ``dx_error = blog - with_dx``
    ``fixed_q``     ``KL[q || p(x|y)] - ln p(y)`` (closed-form KL)
                    -> ``sign_error = with_dx - fixed_q``
                    (``= 2 ln p(y)`` plus the Riemann sum's own tiny quadrature error)
    ``optimal``     ``min_q F = -ln p(y)`` (q = the posterior)
                    -> ``q_error = fixed_q - optimal = KL``

    Also returned: the Riemann sum without and with ``dx``, the exact KL, ``ln p(y)``, ``dx``
    and the ratio ``kl_no_dx / kl_exact`` (about ``1/dx``). Default ``y_values`` are the blog's
    ``linspace(-3, 3, 10)``. The Riemann sum uses ``ln(q/p)`` in closed form (see
    :func:`blog_free_energy`), so any grid, however wide, gives finite numbers; the argument
    limits are those of :func:`blog_free_energy`.
    """
    y = np.linspace(-3, 3, 10) if y_values is None else _blog_y(y_values, "y_values", ndim=1)
    if y.size == 0:
        raise ValueError("y_values must contain at least one observation")
    n_grid, lower, upper = _blog_grid(n_grid, lower, upper, y.size)
    x, dx = np.linspace(lower, upper, n_grid, retstep=True)
    kl_no_dx = _blog_kl_no_dx(x, y)
    log_p_y = -0.5 * (_LOG_2PI + y ** 2)
    kl_exact = kl(BLOG_Q[0], BLOG_Q[1], y, BLOG_POSTERIOR_SD ** 2)
    blog = blog_free_energy(y, n_grid=n_grid, lower=lower, upper=upper)
    with_dx = kl_no_dx * dx + log_p_y
    fixed_q = kl_exact - log_p_y
    optimal = -log_p_y
    return pd.DataFrame({
        "y": y, "blog": blog, "with_dx": with_dx, "fixed_q": fixed_q, "optimal": optimal,
        "dx_error": blog - with_dx, "sign_error": with_dx - fixed_q, "q_error": fixed_q - optimal,
        "kl_no_dx": kl_no_dx, "kl_riemann": kl_no_dx * dx, "kl_exact": kl_exact,
        "log_p_y": log_p_y, "dx": dx, "kl_ratio": kl_no_dx / kl_exact,
    })


def blog_errors(table: pd.DataFrame) -> pd.Series:
    """Summarise :func:`blog_comparison`: the size of each error over the ``y`` range.

    Returns the factor by which the blog's KL is too large (median of ``kl_ratio``, ~``1/dx``),
    the largest absolute error in nats of each kind, and the largest total error.
    """
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be the DataFrame of blog_comparison, "
                        f"got {type(table).__name__}")
    missing = ({"blog", "optimal", "kl_ratio", "dx", "dx_error", "sign_error", "q_error"}
               - set(table.columns))
    if missing or len(table) == 0:
        raise ValueError(f"table must be a non-empty blog_comparison table "
                         f"(missing columns: {sorted(missing)})")
    total = table["blog"] - table["optimal"]
    return pd.Series({
        "kl_factor": float(table["kl_ratio"].median()),
        "one_over_dx": float(1.0 / table["dx"].iloc[0]),
        "dx_error_max": float(table["dx_error"].abs().max()),
        "sign_error_max": float(table["sign_error"].abs().max()),
        "q_error_max": float(table["q_error"].abs().max()),
        "total_error_max": float(total.abs().max()),
    })
