"""Variational Bayes: free energy as the negative ELBO, and mean-field CAVI for a Gaussian mixture.

Two models, both with every quantity in closed form:

* **A Gaussian mean with known noise** (the Gaussian primer's model, :mod:`fep_core.gaussian`,
  with ``N`` observations instead of one): prior ``x ~ N(m0, 1/pi0)``, observations
  ``y_n | x ~ N(x, 1/piy)``. For any Gaussian belief ``q(x) = N(mean, var)``,
  :func:`gaussian_mean_free_energy` computes ``F[q] = E_q[ln q(x) - ln p(x, y)]`` and each of its
  decompositions, so that the identity ``F = KL[q || p(x|y)] - ln p(y) >= -ln p(y)`` (free
  energy is the negative evidence lower bound, the ELBO) can be checked against the closed-form
  evidence of :func:`gaussian_mean_log_evidence`.
* **A Bayesian Gaussian mixture** (Bishop, *Pattern Recognition and Machine Learning*, §10.2): a
  Dirichlet prior on the weights and a Gaussian-Wishart prior on each component's mean and
  precision matrix (full covariances). :func:`cavi_gmm` runs coordinate-ascent variational
  inference (CAVI) under the mean-field factorisation ``q(Z) q(pi) q(mu, Lambda)``, alternating
  the update of the responsibilities (:func:`gmm_e_step`) and of the parameters
  (:func:`gmm_m_step`), and records the full lower bound (:func:`gmm_lower_bound`, every
  constant included) after each iteration. scikit-learn's ``BayesianGaussianMixture`` implements
  the same model and updates; :func:`fit_sklearn_gmm` runs it from given responsibilities, and
  :func:`sklearn_bound_offset` is the constant its lower bound leaves out.

Notation (Bishop's, with scikit-learn's argument names): ``alpha0`` =
``weight_concentration_prior``, ``beta0`` = ``mean_precision_prior`` (kappa_0 in the book's
chapter: the book does not use the letter beta), ``m0`` =
``mean_prior``, ``nu0`` = ``degrees_of_freedom_prior``, ``W0^{-1}`` = ``covariance_prior``; the
variational posterior has ``alpha_k, beta_k, m_k, nu_k, W_k`` per component ``k``. The mixture
code works with the Cholesky factors of ``W_k^{-1}`` and their triangular inverses (no covariance
or precision matrix is inverted, and log-determinants come from the factors' diagonals), and
normalises responsibilities with log-sum-exp.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy import linalg, special

from . import gaussian
from ._validation import count, finite_array, positive

__all__ = ["FreeEnergyTerms", "gaussian_mean_posterior", "gaussian_mean_log_evidence",
           "gaussian_mean_free_energy", "GMMPriors", "GMMPosterior", "CAVIResult", "gmm_priors",
           "random_responsibilities", "gmm_m_step", "gmm_e_step", "gmm_lower_bound", "cavi_gmm",
           "sklearn_bound_offset", "fit_sklearn_gmm", "COUNT_FLOOR"]

_LOG_2PI = math.log(2.0 * math.pi)

COUNT_FLOOR = 10 * np.finfo(float).eps
"""Added to each component's responsibility count ``N_k`` in the parameter update, as
scikit-learn does: it keeps the component mean ``x̄_k = sum_n r_nk x_n / N_k`` defined when a
component has lost every point (its parameters then equal the prior's to rounding)."""


# --------------------------------------------------------------------------------------------
# A Gaussian mean with known noise: the ELBO identity in closed form
def _mean_model(y, prior_mean, prior_precision, likelihood_precision):
    y = finite_array(y, "y", ndim=1)
    if y.size == 0:
        raise ValueError("y must hold at least one observation")
    return (y, float(finite_array(prior_mean, "prior_mean", ndim=0)),
            positive(prior_precision, "prior_precision"),
            positive(likelihood_precision, "likelihood_precision"))


def gaussian_mean_posterior(y, *, prior_mean=0.0, prior_precision=1.0, likelihood_precision=1.0):
    """Exact posterior ``p(x | y) = N(mean, var)`` of the mean ``x`` after observations ``y``.

    Parameters
    ----------
    y : array (N,), N >= 1 — the observations
    prior_mean, prior_precision, likelihood_precision : the model's ``m0``, ``pi0``, ``piy``

    Returns
    -------
    (mean, var) : floats — ``var = 1 / (pi0 + N piy)``,
    ``mean = var (pi0 m0 + piy sum_n y_n)``.
    """
    y, m0, pi0, piy = _mean_model(y, prior_mean, prior_precision, likelihood_precision)
    precision = pi0 + y.size * piy
    return float((pi0 * m0 + piy * y.sum()) / precision), 1.0 / precision


def gaussian_mean_log_evidence(y, *, prior_mean=0.0, prior_precision=1.0,
                               likelihood_precision=1.0):
    """``ln p(y)``, the log evidence of observations ``y`` (N,), in closed form (a float).

    With ``ybar`` the sample mean, ``ss = sum_n (y_n - ybar)^2`` and ``P = pi0 + N piy``::

        ln p(y) = N/2 ln(piy / 2 pi) - piy ss / 2 + 1/2 ln(pi0 / P)
                  - (pi0 N piy / P) (ybar - m0)^2 / 2

    (for ``N = 1``: ``N(y; m0, 1/pi0 + 1/piy)``, :func:`fep_core.gaussian.log_evidence`).
    """
    y, m0, pi0, piy = _mean_model(y, prior_mean, prior_precision, likelihood_precision)
    n = y.size
    ybar = y.mean()
    ss = np.sum((y - ybar) ** 2)
    total = pi0 + n * piy
    return float(0.5 * n * (math.log(piy) - _LOG_2PI) - 0.5 * piy * ss
                 + 0.5 * math.log(pi0 / total) - 0.5 * pi0 * n * piy / total * (ybar - m0) ** 2)


@dataclass(frozen=True)
class FreeEnergyTerms:
    """Variational free energy of a belief ``q(x)`` and its decompositions (nats).

    ``free_energy = energy - entropy`` (computed so), and, algebraically equal,
    ``complexity - accuracy`` and ``divergence - log_evidence``: ``complexity`` is
    ``KL[q(x) || p(x)]``, ``accuracy`` ``E_q[ln p(y | x)]``, ``divergence``
    ``KL[q(x) || p(x | y)]``, ``energy`` ``E_q[-ln p(x, y)]``, ``entropy`` ``H[q]``. The ELBO is
    ``-free_energy``. Arrays of the shape of the beliefs given (floats for one belief).
    """

    free_energy: object
    energy: object
    entropy: object
    complexity: object
    accuracy: object
    divergence: object
    log_evidence: float

    @property
    def elbo(self):
        """The evidence lower bound ``-F``."""
        return -self.free_energy


def gaussian_mean_free_energy(mean, var, y, *, prior_mean=0.0, prior_precision=1.0,
                              likelihood_precision=1.0) -> FreeEnergyTerms:
    """``F[q] = E_q[ln q(x) - ln p(x, y)]`` for ``q(x) = N(mean, var)`` and its decompositions.

    Every term is in closed form: with ``s2 = sum_n (y_n - mean)^2``,
    ``E_q[ln p(y | x)] = N/2 ln(piy / 2 pi) - piy (s2 + N var) / 2``,
    ``E_q[ln p(x)] = 1/2 ln(pi0 / 2 pi) - pi0 ((mean - m0)^2 + var) / 2`` and
    ``H[q] = 1/2 ln(2 pi e var)``.

    Parameters
    ----------
    mean : array_like, finite — q's mean (any shape broadcasting with ``var``)
    var : array_like, positive — q's variance
    y : array (N,), N >= 1 — the observations
    prior_mean, prior_precision, likelihood_precision : ``m0``, ``pi0``, ``piy``

    Returns
    -------
    FreeEnergyTerms
    """
    y, m0, pi0, piy = _mean_model(y, prior_mean, prior_precision, likelihood_precision)
    mean = finite_array(mean, "mean")
    var = finite_array(var, "var")
    if np.any(var <= 0):
        raise ValueError(f"var must be positive, got minimum {var.min()}")
    try:
        np.broadcast_shapes(mean.shape, var.shape)
    except ValueError:
        raise ValueError(f"mean and var must have shapes that broadcast together, got "
                         f"{mean.shape} and {var.shape}") from None
    n = y.size
    # sum_n (y_n - mean)^2 = ss + N (ybar - mean)^2: no (N, *shape) array
    ybar = y.mean()
    ss = np.sum((y - ybar) ** 2)
    with np.errstate(over="ignore", invalid="ignore"):
        accuracy = 0.5 * n * (math.log(piy) - _LOG_2PI) - 0.5 * piy * (
            ss + n * (ybar - mean) ** 2 + n * var)
        log_prior = 0.5 * (math.log(pi0) - _LOG_2PI) - 0.5 * pi0 * ((mean - m0) ** 2 + var)
        entropy = 0.5 * (_LOG_2PI + 1.0 + np.log(var))
        energy = -(accuracy + log_prior)
        free = energy - entropy
    if not np.all(np.isfinite(free)):
        raise ValueError("F overflows for these arguments: reduce the magnitude of mean, var, y "
                         "or the precisions")
    post_mean, post_var = gaussian_mean_posterior(y, prior_mean=m0, prior_precision=pi0,
                                                  likelihood_precision=piy)
    complexity = gaussian.kl(mean, var, m0, 1.0 / pi0)
    divergence = gaussian.kl(mean, var, post_mean, post_var)

    def out(a):
        a = np.asarray(a, dtype=float)
        return float(a) if a.ndim == 0 else a

    return FreeEnergyTerms(free_energy=out(free), energy=out(energy), entropy=out(entropy),
                           complexity=out(complexity), accuracy=out(accuracy),
                           divergence=out(divergence),
                           log_evidence=gaussian_mean_log_evidence(
                               y, prior_mean=m0, prior_precision=pi0, likelihood_precision=piy))


# --------------------------------------------------------------------------------------------
# Bayesian Gaussian mixture: priors, posterior, updates
@dataclass(frozen=True)
class GMMPriors:
    """The mixture's priors: ``Dir(pi | alpha0)`` on the weights and, per component,
    ``N(mu | m0, (beta0 Lambda)^-1) W(Lambda | W0, nu0)``; ``covariance`` is ``W0^{-1}`` (D, D)
    (scikit-learn's ``covariance_prior``)."""

    n_components: int
    weight_concentration: float
    mean_precision: float
    mean: np.ndarray
    degrees_of_freedom: float
    covariance: np.ndarray

    @property
    def n_features(self) -> int:
        return self.mean.shape[0]


@dataclass(frozen=True)
class GMMPosterior:
    """The variational posterior's parameters, one entry per component (K of them):
    ``q(pi) = Dir(weight_concentration)``, ``q(mu_k, Lambda_k) = N(mu_k | means_k,
    (mean_precision_k Lambda_k)^-1) W(Lambda_k | W_k, degrees_of_freedom_k)`` with
    ``W_k^{-1} = scale_inverse[k]`` (D, D) and its lower Cholesky factor ``scale_cholesky[k]``."""

    weight_concentration: np.ndarray
    mean_precision: np.ndarray
    means: np.ndarray
    degrees_of_freedom: np.ndarray
    scale_inverse: np.ndarray
    scale_cholesky: np.ndarray

    @property
    def weights(self) -> np.ndarray:
        """Posterior mean weights ``E_q[pi_k] = alpha_k / sum_j alpha_j`` (K,)."""
        return self.weight_concentration / self.weight_concentration.sum()

    @property
    def covariances(self) -> np.ndarray:
        """``E_q[Lambda_k]^{-1} = W_k^{-1} / nu_k`` (K, D, D), scikit-learn's ``covariances_``."""
        return self.scale_inverse / self.degrees_of_freedom[:, None, None]


def _data(X, name="X"):
    X = finite_array(X, name, ndim=2)
    if X.shape[0] < 2 or X.shape[1] < 1:
        raise ValueError(f"{name} must have at least 2 samples and 1 feature, got shape {X.shape}")
    return X


def _cholesky(matrix, what):
    """Lower Cholesky factor of a symmetric positive definite matrix; a ValueError naming
    ``what`` otherwise."""
    try:
        return np.linalg.cholesky(0.5 * (matrix + matrix.T))
    except np.linalg.LinAlgError:
        raise ValueError(f"{what} is not positive definite") from None


def gmm_priors(X, n_components, *, weight_concentration_prior=None, mean_precision_prior=None,
               mean_prior=None, degrees_of_freedom_prior=None, covariance_prior=None) -> GMMPriors:
    """The priors of :func:`cavi_gmm`, each defaulting to scikit-learn's choice for ``X``.

    Parameters
    ----------
    X : array (N, D) — the data (the defaults depend on it)
    n_components : int >= 1 — K
    weight_concentration_prior : float > 0, default ``1 / K`` — ``alpha0``
    mean_precision_prior : float > 0, default 1 — ``beta0``
    mean_prior : array (D,), default the data's mean — ``m0``
    degrees_of_freedom_prior : float > D - 1, default D — ``nu0``
    covariance_prior : array (D, D) symmetric positive definite, default the data's covariance
        (``numpy.cov``, ddof 1) — ``W0^{-1}``

    Returns
    -------
    GMMPriors
    """
    X = _data(X)
    k = count(n_components, "n_components")
    d = X.shape[1]
    alpha0 = (1.0 / k if weight_concentration_prior is None
              else positive(weight_concentration_prior, "weight_concentration_prior"))
    beta0 = (1.0 if mean_precision_prior is None
             else positive(mean_precision_prior, "mean_precision_prior"))
    m0 = (X.mean(axis=0) if mean_prior is None
          else finite_array(mean_prior, "mean_prior", shape=(d,)))
    nu0 = float(d) if degrees_of_freedom_prior is None else positive(
        degrees_of_freedom_prior, "degrees_of_freedom_prior")
    if not nu0 > d - 1:
        raise ValueError(f"degrees_of_freedom_prior must exceed n_features - 1 = {d - 1}, "
                         f"got {nu0}")
    if covariance_prior is None:
        cov = np.atleast_2d(np.cov(X.T))
        what = ("covariance_prior (by default the data's covariance, singular here: constant or "
                "collinear features, or fewer samples than features; pass covariance_prior)")
    else:
        cov = finite_array(covariance_prior, "covariance_prior", shape=(d, d))
        if not np.allclose(cov, cov.T, rtol=1e-12, atol=0):
            raise ValueError("covariance_prior must be symmetric")
        what = "covariance_prior"
    _cholesky(cov, what)
    return GMMPriors(k, alpha0, beta0, np.array(m0, float), nu0, np.array(cov, float))


def random_responsibilities(n_samples, n_components, *, rng):
    """Random initial responsibilities (N, K): uniform draws normalised per row, as
    scikit-learn's ``init_params="random"`` draws them (``rng`` a seed or Generator)."""
    from ._validation import as_generator

    n = count(n_samples, "n_samples")
    k = count(n_components, "n_components")
    r = as_generator(rng).uniform(size=(n, k))
    return r / r.sum(axis=1, keepdims=True)


def _responsibilities(resp, n, k):
    r = finite_array(resp, "init_responsibilities", shape=(n, k))
    if np.any(r < 0):
        raise ValueError("init_responsibilities must be non-negative")
    if not np.allclose(r.sum(axis=1), 1.0, rtol=0, atol=1e-8):
        raise ValueError("init_responsibilities must have rows that sum to 1 (one distribution "
                         "over the components per sample)")
    return r


def gmm_m_step(X, resp, priors: GMMPriors) -> GMMPosterior:
    """Update ``q(pi)`` and ``q(mu, Lambda)`` given responsibilities (Bishop eqs. 10.58,
    10.60-10.63).

    ``N_k = sum_n r_nk`` (plus :data:`COUNT_FLOOR`), ``x̄_k``, ``S_k`` the weighted mean and
    covariance; ``alpha_k = alpha0 + N_k``, ``beta_k = beta0 + N_k``,
    ``m_k = (beta0 m0 + N_k x̄_k) / beta_k``, ``nu_k = nu0 + N_k`` and
    ``W_k^{-1} = W0^{-1} + N_k S_k + beta0 N_k / (beta0 + N_k) (x̄_k - m0)(x̄_k - m0)^T``.

    Parameters
    ----------
    X : array (N, D)
    resp : array (N, K) — responsibilities (rows on the simplex)
    priors : GMMPriors

    Returns
    -------
    GMMPosterior
    """
    nk = resp.sum(axis=0) + COUNT_FLOOR
    xbar = (resp.T @ X) / nk[:, None]
    beta = priors.mean_precision + nk
    means = (priors.mean_precision * priors.mean + nk[:, None] * xbar) / beta[:, None]
    k, d = xbar.shape
    scale_inv = np.empty((k, d, d))
    chol = np.empty((k, d, d))
    for j in range(k):
        diff = X - xbar[j]
        scatter = (resp[:, j] * diff.T) @ diff                      # N_k S_k
        offset = xbar[j] - priors.mean
        scale_inv[j] = (priors.covariance + scatter
                        + priors.mean_precision * nk[j] / beta[j] * np.outer(offset, offset))
        scale_inv[j] = 0.5 * (scale_inv[j] + scale_inv[j].T)
        chol[j] = _cholesky(scale_inv[j], f"the scale matrix W^-1 of component {j}")
    return GMMPosterior(weight_concentration=priors.weight_concentration + nk, mean_precision=beta,
                        means=means, degrees_of_freedom=priors.degrees_of_freedom + nk,
                        scale_inverse=scale_inv, scale_cholesky=chol)


def _expected_log_det(post: GMMPosterior):
    """``E_q[ln |Lambda_k|] = sum_i psi((nu_k + 1 - i)/2) + D ln 2 + ln |W_k|`` (K,)."""
    d = post.means.shape[1]
    log_det_w = -2.0 * np.log(np.diagonal(post.scale_cholesky, axis1=1, axis2=2)).sum(axis=1)
    i = np.arange(1, d + 1)
    return (special.digamma(0.5 * (post.degrees_of_freedom[:, None] + 1 - i)).sum(axis=1)
            + d * math.log(2.0) + log_det_w)


def _whiteners(post: GMMPosterior):
    """``chol(W_k^{-1})^{-1}`` (K, D, D), lower triangular: ``|whitener (x - m)|^2 =
    (x - m)^T W_k (x - m)``; one small triangular solve per component."""
    # LAPACK's triangular inverse: scipy.linalg.solve_triangular costs milliseconds per call
    # in SciPy 1.17 for these tiny matrices, dtrtri microseconds
    out = np.empty_like(post.scale_cholesky)
    for k, c in enumerate(post.scale_cholesky):
        out[k], info = linalg.lapack.dtrtri(c, lower=1)
        if info != 0:                                  # pragma: no cover - c is a Cholesky factor
            raise ValueError(f"the scale matrix W^-1 of component {k} is singular")
    return out


def _mahalanobis(X, post: GMMPosterior, whiteners=None):
    """``(x_n - m_k)^T W_k (x_n - m_k)`` (N, K), through the whiteners of ``chol(W_k^{-1})``."""
    w = _whiteners(post) if whiteners is None else whiteners
    y = np.einsum("kij,knj->kni", w, X[None, :, :] - post.means[:, None, :])
    return np.sum(y * y, axis=2).T


def _log_rho(X, post: GMMPosterior, whiteners=None):
    """``ln rho_nk`` (Bishop eq. 10.46): ``E[ln pi_k] + E[ln|Lambda_k|]/2 - D/2 ln 2 pi -
    (D / beta_k + nu_k (x_n - m_k)^T W_k (x_n - m_k)) / 2`` (N, K)."""
    d = X.shape[1]
    alpha = post.weight_concentration
    log_pi = special.digamma(alpha) - special.digamma(alpha.sum())
    quad = d / post.mean_precision + post.degrees_of_freedom * _mahalanobis(X, post, whiteners)
    return log_pi + 0.5 * _expected_log_det(post) - 0.5 * d * _LOG_2PI - 0.5 * quad


def _normalise(log_rho):
    return log_rho - special.logsumexp(log_rho, axis=1, keepdims=True)


def gmm_e_step(X, posterior: GMMPosterior):
    """Update ``q(Z)``: log responsibilities ``ln r_nk = ln rho_nk - logsumexp_k ln rho_nk``.

    Returns
    -------
    log_resp : array (N, K)
    """
    return _normalise(_log_rho(X, posterior))


def _log_wishart_norm(cholesky_of_inverse, nu):
    """``ln B(W, nu)`` of the Wishart density (Bishop eq. B.79), from ``chol(W^{-1})``."""
    d = cholesky_of_inverse.shape[-1]
    log_det_w = -2.0 * np.log(np.diagonal(cholesky_of_inverse, axis1=-2, axis2=-1)).sum(axis=-1)
    return (-0.5 * nu * log_det_w - 0.5 * nu * d * math.log(2.0)
            - special.multigammaln(0.5 * np.asarray(nu, float), d))


def _log_dirichlet_norm(alpha):
    """``ln C(alpha) = ln Gamma(sum alpha) - sum ln Gamma(alpha_k)`` (Bishop eq. B.23)."""
    return special.gammaln(np.sum(alpha)) - np.sum(special.gammaln(alpha))


def gmm_lower_bound(X, resp, posterior: GMMPosterior, priors: GMMPriors) -> float:
    """The evidence lower bound ``L(q) = E_q[ln p(X, Z, pi, mu, Lambda)] - E_q[ln q]`` with every
    constant (Bishop eqs. 10.70-10.77), for any responsibilities and parameters.

    ``E[ln p(X|Z,mu,Lambda)] + E[ln p(Z|pi)] - E[ln q(Z)] = sum_nk r_nk (ln rho_nk - ln r_nk)``;
    the remaining terms compare ``q(pi)`` and ``q(mu, Lambda)`` with their priors.

    Parameters
    ----------
    X : array (N, D)
    resp : array (N, K) — ``q(Z)``
    posterior : GMMPosterior — ``q(pi) q(mu, Lambda)``
    priors : GMMPriors

    Returns
    -------
    float (nats)
    """
    whiteners = _whiteners(posterior)
    return _lower_bound(X, resp, posterior, priors, _log_rho(X, posterior, whiteners), whiteners)


def _lower_bound(X, resp, post, priors, log_rho, whiteners):
    """:func:`gmm_lower_bound` given ``ln rho`` and the whiteners of ``post``."""
    d = X.shape[1]
    k = post.means.shape[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        # r ln r = 0 at r = 0
        r_log_r = np.where(resp > 0, resp * np.log(np.where(resp > 0, resp, 1.0)), 0.0)
    data_terms = float(np.sum(resp * log_rho) - np.sum(r_log_r))
    alpha, beta, nu = post.weight_concentration, post.mean_precision, post.degrees_of_freedom
    log_pi = special.digamma(alpha) - special.digamma(alpha.sum())
    log_lambda = _expected_log_det(post)
    alpha0, beta0, nu0 = priors.weight_concentration, priors.mean_precision, \
        priors.degrees_of_freedom
    # E[ln p(pi)] - E[ln q(pi)]
    weights = (_log_dirichlet_norm(np.full(k, alpha0)) + (alpha0 - 1) * log_pi.sum()
               - np.sum((alpha - 1) * log_pi) - _log_dirichlet_norm(alpha))
    # E[ln p(mu, Lambda)]
    prior_chol = np.linalg.cholesky(priors.covariance)
    offset_quad = np.empty(k)
    trace = np.empty(k)
    for j in range(k):
        y = whiteners[j] @ (post.means[j] - priors.mean)
        offset_quad[j] = y @ y                                   # (m_k - m0)^T W_k (m_k - m0)
        z = whiteners[j] @ prior_chol
        trace[j] = np.sum(z * z)                                 # Tr(W0^{-1} W_k)
    log_b0 = _log_wishart_norm(prior_chol, nu0)
    e_prior = (0.5 * np.sum(d * math.log(beta0 / (2 * math.pi)) + log_lambda - d * beta0 / beta
                            - beta0 * nu * offset_quad)
               + k * log_b0 + 0.5 * (nu0 - d - 1) * log_lambda.sum() - 0.5 * np.sum(nu * trace))
    # E[ln q(mu, Lambda)]
    log_b = _log_wishart_norm(post.scale_cholesky, nu)
    entropy_lambda = -log_b - 0.5 * (nu - d - 1) * log_lambda + 0.5 * nu * d
    e_q = np.sum(0.5 * log_lambda + 0.5 * d * np.log(beta / (2 * math.pi)) - 0.5 * d
                 - entropy_lambda)
    return float(data_terms + weights + e_prior - e_q)


# --------------------------------------------------------------------------------------------
# CAVI
@dataclass
class CAVIResult:
    """What :func:`cavi_gmm` returns.

    ``lower_bound`` (n_iter,): the full ELBO after each iteration's parameter update;
    ``posterior``: the final :class:`GMMPosterior`; ``responsibilities`` (N, K): ``q(Z)`` from
    a last update under the final parameters (what scikit-learn's ``predict_proba`` gives);
    ``converged``: the last change of the bound was below ``tol``; ``priors``.
    """

    lower_bound: np.ndarray
    posterior: GMMPosterior
    responsibilities: np.ndarray
    n_iter: int
    converged: bool
    priors: GMMPriors

    @property
    def labels(self) -> np.ndarray:
        """The most responsible component of each sample (N,)."""
        return np.argmax(self.responsibilities, axis=1)

    def predict_proba(self, X) -> np.ndarray:
        """Responsibilities of new data ``X`` (M, D) under the final posterior (M, K)."""
        X = finite_array(X, "X", shape=(None, self.priors.n_features))
        return np.exp(gmm_e_step(X, self.posterior))


def cavi_gmm(X, n_components, *, init_responsibilities, weight_concentration_prior=None,
             mean_precision_prior=None, mean_prior=None, degrees_of_freedom_prior=None,
             covariance_prior=None, max_iter=100, tol=1e-3) -> CAVIResult:
    """Mean-field CAVI for a Bayesian Gaussian mixture with full covariances.

    From ``init_responsibilities`` the parameters are updated once (:func:`gmm_m_step`); then
    each iteration updates the responsibilities (:func:`gmm_e_step`) and the parameters, and
    records the lower bound (:func:`gmm_lower_bound`), until it changes by less than ``tol``
    or after ``max_iter`` iterations: scikit-learn's ``BayesianGaussianMixture`` loop.

    Parameters
    ----------
    X : array (N, D), N >= 2
    n_components : int >= 1 — K
    init_responsibilities : array (N, K), rows on the simplex (e.g.
        :func:`random_responsibilities`)
    weight_concentration_prior, mean_precision_prior, mean_prior, degrees_of_freedom_prior,
    covariance_prior : the priors, scikit-learn's defaults when None (:func:`gmm_priors`)
    max_iter : int >= 1
    tol : float >= 0 — on the change of the bound (nats; the whole data set's bound)

    Returns
    -------
    CAVIResult
    """
    X = _data(X)
    priors = gmm_priors(X, n_components, weight_concentration_prior=weight_concentration_prior,
                        mean_precision_prior=mean_precision_prior, mean_prior=mean_prior,
                        degrees_of_freedom_prior=degrees_of_freedom_prior,
                        covariance_prior=covariance_prior)
    resp = _responsibilities(init_responsibilities, X.shape[0], priors.n_components)
    max_iter = count(max_iter, "max_iter")
    tol = positive(tol, "tol", allow_zero=True)
    post = gmm_m_step(X, resp, priors)
    whiteners = _whiteners(post)
    log_rho = _log_rho(X, post, whiteners)
    bounds = []
    converged = False
    for _ in range(max_iter):
        resp = np.exp(_normalise(log_rho))
        post = gmm_m_step(X, resp, priors)
        # ln rho under the new parameters serves the bound now and the next update of q(Z)
        whiteners = _whiteners(post)
        log_rho = _log_rho(X, post, whiteners)
        bounds.append(_lower_bound(X, resp, post, priors, log_rho, whiteners))
        if len(bounds) > 1 and abs(bounds[-1] - bounds[-2]) < tol:
            converged = True
            break
    final = np.exp(_normalise(log_rho))
    return CAVIResult(np.array(bounds), post, final, len(bounds), converged, priors)


# --------------------------------------------------------------------------------------------
# scikit-learn's implementation of the same model
def sklearn_bound_offset(priors: GMMPriors, n_samples) -> float:
    """The constant scikit-learn's ``BayesianGaussianMixture`` leaves out of its lower bound
    (``lower_bounds_``; Dirichlet weights, full covariances): the full bound is scikit-learn's
    plus this.

    Right after a parameter update the bound reduces to ``-sum r ln r - ln C(alpha)
    - sum_k ln B(W_k, nu_k) - D/2 sum_k ln beta_k`` plus terms of the priors and the data size
    only. scikit-learn keeps the first four (its Wishart normaliser without the
    ``D (D - 1)/4 ln pi`` of the multivariate gamma function) and drops::

        ln C(alpha0) + K ln B(W0, nu0) + K D/2 ln beta0 - N D/2 ln 2 pi + K D (D - 1)/4 ln pi
    """
    if not isinstance(priors, GMMPriors):
        raise TypeError(f"priors must be a GMMPriors, got {type(priors).__name__}")
    n = count(n_samples, "n_samples")
    k, d = priors.n_components, priors.n_features
    log_b0 = _log_wishart_norm(np.linalg.cholesky(priors.covariance),
                               priors.degrees_of_freedom)
    return float(_log_dirichlet_norm(np.full(k, priors.weight_concentration)) + k * log_b0
                 + 0.5 * k * d * math.log(priors.mean_precision) - 0.5 * n * d * _LOG_2PI
                 + 0.25 * k * d * (d - 1) * math.log(math.pi))


@functools.lru_cache(maxsize=1)
def _sklearn_class():
    """``BayesianGaussianMixture`` started from given responsibilities: its own initialisation
    (``_initialize``, a parameter update from responsibilities) applied to ours instead of those
    of k-means or random draws."""
    from sklearn.mixture import BayesianGaussianMixture

    class GivenResponsibilities(BayesianGaussianMixture):
        def __init__(self, *, init_responsibilities=None, n_components=1,
                     covariance_type="full", tol=1e-3, reg_covar=1e-6, max_iter=100,
                     weight_concentration_prior_type="dirichlet_process",
                     weight_concentration_prior=None, mean_precision_prior=None,
                     mean_prior=None, degrees_of_freedom_prior=None, covariance_prior=None):
            super().__init__(n_components=n_components, covariance_type=covariance_type,
                             tol=tol, reg_covar=reg_covar, max_iter=max_iter,
                             weight_concentration_prior_type=weight_concentration_prior_type,
                             weight_concentration_prior=weight_concentration_prior,
                             mean_precision_prior=mean_precision_prior, mean_prior=mean_prior,
                             degrees_of_freedom_prior=degrees_of_freedom_prior,
                             covariance_prior=covariance_prior)
            self.init_responsibilities = init_responsibilities

        def _initialize_parameters(self, X, random_state, xp=None):
            self._initialize(X, np.asarray(self.init_responsibilities, dtype=X.dtype))

    return GivenResponsibilities


def fit_sklearn_gmm(X, n_components, *, init_responsibilities, weight_concentration_prior=None,
                    mean_precision_prior=None, mean_prior=None, degrees_of_freedom_prior=None,
                    covariance_prior=None, max_iter=100, tol=1e-3):
    """scikit-learn's ``BayesianGaussianMixture`` (``weight_concentration_prior_type=
    "dirichlet_distribution"``, ``covariance_type="full"``, ``reg_covar=0``), fitted from the
    given responsibilities with the priors of :func:`gmm_priors` (the same arguments and
    defaults as :func:`cavi_gmm`). A ``ConvergenceWarning`` of scikit-learn is passed on.

    Returns
    -------
    the fitted estimator (``lower_bounds_``, ``weight_concentration_``, ``means_``, ...)
    """
    X = _data(X)
    priors = gmm_priors(X, n_components, weight_concentration_prior=weight_concentration_prior,
                        mean_precision_prior=mean_precision_prior, mean_prior=mean_prior,
                        degrees_of_freedom_prior=degrees_of_freedom_prior,
                        covariance_prior=covariance_prior)
    resp = _responsibilities(init_responsibilities, X.shape[0], priors.n_components)
    model = _sklearn_class()(
        init_responsibilities=resp, n_components=priors.n_components, covariance_type="full",
        tol=positive(tol, "tol", allow_zero=True), reg_covar=0.0,
        max_iter=count(max_iter, "max_iter"),
        weight_concentration_prior_type="dirichlet_distribution",
        weight_concentration_prior=priors.weight_concentration,
        mean_precision_prior=priors.mean_precision, mean_prior=priors.mean,
        degrees_of_freedom_prior=priors.degrees_of_freedom, covariance_prior=priors.covariance)
    return model.fit(X)
