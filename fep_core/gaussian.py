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

from ._validation import count, finite_array, positive, positive_array

_LOG_2PI = np.log(2.0 * np.pi)

FORMS = ("kl-evidence", "complexity-accuracy", "energy-entropy")


# --------------------------------------------------------------------------------------------
# KL divergence and the conjugate model
def kl(mean_q, var_q, mean_p, var_p):
    """``KL[N(mean_q, var_q) || N(mean_p, var_p)]`` in nats (closed form; broadcasts).

    ``KL = ln(s_p/s_q) + (var_q + (mean_q - mean_p)^2) / (2 var_p) - 1/2``, written with
    variances. Arguments are scalars or arrays of any broadcastable shapes; variances must be
    positive.
    """
    mean_q = finite_array(mean_q, "mean_q")
    mean_p = finite_array(mean_p, "mean_p")
    var_q = positive_array(var_q, "var_q")
    var_p = positive_array(var_p, "var_p")
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

    ``mean``, ``var`` and ``y`` broadcast against each other.
    """
    if form not in FORMS:
        raise ValueError(f"form must be one of {list(FORMS)}, got {form!r}")
    m0, pi0, piy = _model(prior_mean, prior_precision, likelihood_precision)
    mean = finite_array(mean, "mean")
    var = positive_array(var, "var")
    y = finite_array(y, "y")
    model = dict(prior_mean=m0, prior_precision=pi0, likelihood_precision=piy)
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
    out = np.asarray(out)
    return out[()] if out.ndim == 0 else out


def gradient(mean, log_sd, y, *, prior_mean=0.0, prior_precision=1.0, likelihood_precision=1.0):
    """Gradient of ``F`` with respect to q's ``mean`` and ``log_sd``; returns ``(dF/dmean, dF/dlog_sd)``.

    ``dF/dmean = -[piy (y - mean) - pi0 (mean - m0)]`` is minus the precision-weighted
    prediction error (predictive coding); ``dF/dlog_sd = (pi0 + piy) var - 1``.
    """
    m0, pi0, piy = _model(prior_mean, prior_precision, likelihood_precision)
    mean = finite_array(mean, "mean")
    log_sd = finite_array(log_sd, "log_sd")
    y = finite_array(y, "y")
    d_mean = -(piy * (y - mean) - pi0 * (mean - m0))
    d_log_sd = (pi0 + piy) * np.exp(2.0 * log_sd) - 1.0
    return ((d_mean[()] if d_mean.ndim == 0 else d_mean),
            (d_log_sd[()] if d_log_sd.ndim == 0 else d_log_sd))


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
    (``|mean| > 1e100`` or ``|log_sd| > 300``); the trajectory then stops at that point.
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
    """Gradient descent on F over q's mean and log-std (step ``learning_rate``); returns a :class:`Descent`.

    ``mean <- mean + lr [piy (y - mean) - pi0 (mean - m0)]`` and
    ``log_sd <- log_sd - lr ((pi0 + piy) var - 1)``. With ``update_log_sd=False`` the width stays
    at ``exp(log_sd0)``.
    """
    model = dict(prior_mean=prior_mean, prior_precision=prior_precision,
                 likelihood_precision=likelihood_precision)
    _model(**model)
    y = float(finite_array(y, "y", ndim=0))
    lr = positive(learning_rate, "learning_rate")
    n_steps = count(n_steps, "n_steps", minimum=0)
    mu = float(finite_array(mean0, "mean0", ndim=0))
    rho = float(finite_array(log_sd0, "log_sd0", ndim=0))
    means, rhos = [mu], [rho]
    diverged = False
    for _ in range(n_steps):
        g_mu, g_rho = gradient(mu, rho, y, **model)
        mu = mu - lr * g_mu
        if update_log_sd:
            rho = rho - lr * g_rho
        if abs(mu) > 1e100 or abs(rho) > 300.0:
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


def _normal_pdf(x, mean, sd):
    return np.exp(-((x - mean) ** 2) / (2 * sd ** 2)) / (np.sqrt(2 * np.pi) * sd)


def blog_free_energy(y, *, n_grid=1000, lower=-5.0, upper=5.0):
    """The blog's "free energy", reproduced faithfully: ``sum(q log(q/p)) + log p(y)``.

    ``q = N(0, 1)``, ``p(x|y) = N(y, 0.5^2)`` on ``linspace(lower, upper, n_grid)``, the sum has
    no grid step ``dx``, ``log p(y)`` is the standard-normal log density, and ``q`` is fixed.
    """
    y = finite_array(y, "y")
    n_grid = count(n_grid, "n_grid", minimum=2)
    x = np.linspace(lower, upper, n_grid)
    q = _normal_pdf(x, *BLOG_Q)
    p = _normal_pdf(x[:, None], y.ravel()[None, :], BLOG_POSTERIOR_SD)
    kl_no_dx = np.sum(q[:, None] * np.log(q[:, None] / p), axis=0)
    log_prob = -np.log(np.sqrt(2 * np.pi)) - 0.5 * y.ravel() ** 2
    return (kl_no_dx + log_prob).reshape(y.shape)[()]


def blog_comparison(y_values=None, *, n_grid=1000, lower=-5.0, upper=5.0):
    """The blog's computation next to the corrected one, per observation ``y``; a DataFrame.

    The blog's objects define a valid joint density: ``p(y) = N(0, 1)`` and
    ``p(x|y) = N(y, 0.5^2)``. The corrections are applied one at a time, so the errors telescope
    (``blog - optimal = dx_error + sign_error + q_error``):

    ``blog``        ``sum(q ln(q/p)) + ln p(y)`` (no ``dx``, wrong sign, fixed q)
    ``with_dx``     ``sum(q ln(q/p)) dx + ln p(y)``               -> ``dx_error = blog - with_dx``
    ``fixed_q``     ``KL[q || p(x|y)] - ln p(y)`` (closed-form KL) -> ``sign_error = with_dx - fixed_q``
                    (``= 2 ln p(y)`` plus the Riemann sum's own tiny quadrature error)
    ``optimal``     ``min_q F = -ln p(y)`` (q = the posterior)   -> ``q_error = fixed_q - optimal = KL``

    Also returned: the Riemann sum without and with ``dx``, the exact KL, ``ln p(y)``, ``dx``
    and the ratio ``kl_no_dx / kl_exact`` (about ``1/dx``). Default ``y_values`` are the blog's
    ``linspace(-3, 3, 10)``.
    """
    y = np.linspace(-3, 3, 10) if y_values is None else finite_array(y_values, "y_values", ndim=1)
    n_grid = count(n_grid, "n_grid", minimum=2)
    lower = float(finite_array(lower, "lower", ndim=0))
    upper = float(finite_array(upper, "upper", ndim=0))
    if upper <= lower:
        raise ValueError(f"upper must exceed lower, got lower={lower}, upper={upper}")
    x, dx = np.linspace(lower, upper, n_grid, retstep=True)
    q = _normal_pdf(x, *BLOG_Q)
    p = _normal_pdf(x[:, None], y[None, :], BLOG_POSTERIOR_SD)
    kl_no_dx = np.sum(q[:, None] * np.log(q[:, None] / p), axis=0)
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
    total = table["blog"] - table["optimal"]
    return pd.Series({
        "kl_factor": float(table["kl_ratio"].median()),
        "one_over_dx": float(1.0 / table["dx"].iloc[0]),
        "dx_error_max": float(table["dx_error"].abs().max()),
        "sign_error_max": float(table["sign_error"].abs().max()),
        "q_error_max": float(table["q_error"].abs().max()),
        "total_error_max": float(total.abs().max()),
    })


# --------------------------------------------------------------------------------------------
# Widget callback
def explore(likelihood_precision=4.0, learning_rate=0.1, prior_precision=1.0, observation=2.0,
            n_steps=40):
    """Interactive figure: gradient descent on F for the slider values; returns a Figure.

    Left: q's mean (band: +/- one sd) per step, against the posterior. Right: F per step
    against the bound ``-ln p(y)`` (log scale of the gap). The title states the stability limit.
    """
    from .plotting import primers

    traj = descend(observation, learning_rate=learning_rate, n_steps=n_steps,
                   prior_precision=prior_precision, likelihood_precision=likelihood_precision)
    return primers.plot_descent_panel(traj, observation, prior_precision=prior_precision,
                                      likelihood_precision=likelihood_precision,
                                      learning_rate=learning_rate)
