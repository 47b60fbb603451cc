"""fep_core.vb: free energy as the negative ELBO on a conjugate model (against the closed-form
evidence, a multivariate normal density and quadrature), and mean-field CAVI for a Bayesian
Gaussian mixture (against scikit-learn's BayesianGaussianMixture run from the same priors and
responsibilities, against the exact evidence of the one-component model computed by sequential
Student-t predictions, monotone bound, invariances, degenerate inputs, validation)."""
import math
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import integrate, special, stats

from fep_core import gaussian, vb

# ---------------------------------------------------------------------------------------------
# Free energy is the negative ELBO
MODELS = [dict(prior_mean=0.0, prior_precision=1.0, likelihood_precision=4.0),
          dict(prior_mean=-2.0, prior_precision=0.1, likelihood_precision=0.5),
          dict(prior_mean=3.0, prior_precision=25.0, likelihood_precision=100.0)]
OBSERVATIONS = [np.array([2.0]), np.array([0.3, -1.2, 2.5, 0.7]),
                np.random.default_rng(5).normal(1.0, 2.0, 50)]


def _log_joint(x, y, m0, pi0, piy):
    return (stats.norm.logpdf(x, m0, 1 / math.sqrt(pi0))
            + np.sum(stats.norm.logpdf(y[:, None], np.atleast_1d(x)[None], 1 / math.sqrt(piy)),
                     axis=0))


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("y", OBSERVATIONS, ids=["N=1", "N=4", "N=50"])
def test_log_evidence_is_a_multivariate_normal_density_and_an_integral(model, y):
    m0, pi0, piy = model["prior_mean"], model["prior_precision"], model["likelihood_precision"]
    got = vb.gaussian_mean_log_evidence(y, **model)
    cov = np.eye(y.size) / piy + np.ones((y.size, y.size)) / pi0
    assert_allclose(got, stats.multivariate_normal(np.full(y.size, m0), cov).logpdf(y),
                    rtol=1e-12)
    # quadrature of p(y|x) p(x), scaled by the joint's maximum (at the posterior mean)
    post_mean, post_var = vb.gaussian_mean_posterior(y, **model)
    peak = _log_joint(post_mean, y, m0, pi0, piy)[0]
    sd = math.sqrt(post_var)
    area, _ = integrate.quad(lambda x: np.exp(_log_joint(x, y, m0, pi0, piy)[0] - peak),
                             post_mean - 40 * sd, post_mean + 40 * sd, epsabs=0, epsrel=1e-12,
                             points=[post_mean], limit=200)
    assert_allclose(got, peak + math.log(area), rtol=1e-10)


@pytest.mark.parametrize("model", MODELS)
def test_one_observation_is_the_gaussian_primers_model(model):
    for y in (-1.0, 0.0, 2.5):
        assert_allclose(vb.gaussian_mean_log_evidence([y], **model),
                        gaussian.log_evidence(y, **model), rtol=1e-14)
        post = vb.gaussian_mean_posterior([y], **model)
        assert_allclose(post, gaussian.posterior(y, **model), rtol=1e-14)
        means, var = np.array([-1.0, 0.3, 4.0]), np.array([0.2, 1.0, 3.0])
        assert_allclose(vb.gaussian_mean_free_energy(means, var, [y], **model).free_energy,
                        gaussian.free_energy(means, var, y, **model), rtol=1e-13)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("y", OBSERVATIONS, ids=["N=1", "N=4", "N=50"])
def test_free_energy_identity_and_bound(model, y):
    post_mean, post_var = vb.gaussian_mean_posterior(y, **model)
    means = post_mean + np.array([-3.0, -0.5, 0.0, 0.0, 1.0, 7.0]) * math.sqrt(post_var)
    var = post_var * np.array([0.01, 1.0, 1.0, 4.0, 0.5, 100.0])
    t = vb.gaussian_mean_free_energy(means, var, y, **model)
    scale = float(np.max(np.maximum(np.abs(t.free_energy), 1.0)))
    # three algebraically equal forms, computed separately
    assert_allclose(t.free_energy, t.complexity - t.accuracy, rtol=0, atol=1e-12 * scale)
    assert_allclose(t.free_energy, t.divergence - t.log_evidence, rtol=0, atol=1e-12 * scale)
    assert_allclose(t.elbo, -t.free_energy, rtol=0, atol=0)
    # F >= -ln p(y), with equality exactly at the posterior (the third belief)
    assert np.all(t.free_energy >= -t.log_evidence - 1e-12 * scale)
    assert t.divergence[2] == 0.0
    assert_allclose(t.free_energy[2], -t.log_evidence, rtol=1e-13)
    assert np.all(t.divergence[[0, 1, 3, 4, 5]] > 0)


@pytest.mark.parametrize("y", OBSERVATIONS[:2], ids=["N=1", "N=4"])
@pytest.mark.parametrize("belief", [(0.0, 1.0), (1.7, 0.05), (-2.0, 4.0)])
def test_free_energy_against_quadrature(y, belief):
    model = MODELS[0]
    mean, var = belief
    sd = math.sqrt(var)

    def integrand(x):
        logq = stats.norm.logpdf(x, mean, sd)
        return math.exp(logq) * (logq - _log_joint(x, y, 0.0, 1.0, 4.0)[0])

    quad, _ = integrate.quad(integrand, mean - 30 * sd, mean + 30 * sd, epsabs=1e-13,
                             epsrel=1e-12, limit=200)
    t = vb.gaussian_mean_free_energy(mean, var, y, **model)
    assert isinstance(t.free_energy, float)
    assert_allclose(t.free_energy, quad, rtol=1e-10)
    # and KL to the posterior by quadrature
    pm, pv = vb.gaussian_mean_posterior(y, **model)
    kl, _ = integrate.quad(lambda x: stats.norm.pdf(x, mean, sd)
                           * (stats.norm.logpdf(x, mean, sd) - stats.norm.logpdf(x, pm, pv ** .5)),
                           mean - 30 * sd, mean + 30 * sd, epsabs=1e-14, epsrel=1e-12, limit=200)
    assert_allclose(t.divergence, kl, rtol=1e-9, atol=1e-13)


def test_posterior_is_the_normalised_joint():
    y = OBSERVATIONS[1]
    x = np.linspace(-10, 10, 400_001)
    w = np.exp(_log_joint(x, y, 0.0, 1.0, 4.0) - _log_joint(x, y, 0.0, 1.0, 4.0).max())
    mean = np.sum(x * w) / np.sum(w)
    var = np.sum((x - mean) ** 2 * w) / np.sum(w)
    assert_allclose(vb.gaussian_mean_posterior(y, **MODELS[0]), (mean, var), rtol=1e-9)


def test_free_energy_extremes_stay_finite_or_are_refused():
    y = np.array([1e6, 1e6 + 1])
    t = vb.gaussian_mean_free_energy(1e6, 1e-12, y, prior_mean=1e6, prior_precision=1e-8,
                                     likelihood_precision=1e8)
    assert np.isfinite(t.free_energy) and t.free_energy >= -t.log_evidence - 1e-6
    with pytest.raises(ValueError, match="overflows"):
        vb.gaussian_mean_free_energy(1e200, 1.0, [0.0], likelihood_precision=1e10)


@pytest.mark.parametrize("call, match", [
    (lambda: vb.gaussian_mean_log_evidence([]), "y must hold"),
    (lambda: vb.gaussian_mean_log_evidence([[1.0]]), "y must have 1"),
    (lambda: vb.gaussian_mean_log_evidence([np.nan]), "y must be finite"),
    (lambda: vb.gaussian_mean_log_evidence([1.0], prior_precision=0.0), "prior_precision"),
    (lambda: vb.gaussian_mean_posterior([1.0], likelihood_precision=-1.0), "likelihood_precision"),
    (lambda: vb.gaussian_mean_free_energy(0.0, 0.0, [1.0]), "var must be positive"),
    (lambda: vb.gaussian_mean_free_energy([0.0, 1.0], [1.0, 2.0, 3.0], [1.0]), "broadcast"),
    (lambda: vb.gaussian_mean_free_energy(np.inf, 1.0, [1.0]), "mean must be finite"),
])
def test_conjugate_model_validation(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


# ---------------------------------------------------------------------------------------------
# CAVI against scikit-learn
def _standardised(name):
    from sklearn import datasets as skd

    X = {"iris": skd.load_iris, "wine": skd.load_wine}[name]().data
    return (X - X.mean(0)) / X.std(0)


def _blobs(n=120, d=2, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0] * d, [6.0] * d, [0.0] * (d - 1) + [-7.0]])
    return np.vstack([c + rng.normal(size=(n // 3, d)) for c in centres])


CASES = [("iris", 10, dict(weight_concentration_prior=0.01), 0),
         ("iris", 3, dict(), 1),
         ("wine", 4, dict(weight_concentration_prior=1.0, mean_precision_prior=0.5), 2),
         ("blobs", 6, dict(weight_concentration_prior=1e-3, degrees_of_freedom_prior=5.0,
                           covariance_prior=0.3 * np.eye(2), mean_prior=[1.0, -1.0]), 3)]


def _data(name):
    return _blobs() if name == "blobs" else _standardised(name)


def _both(name, k, priors, seed, **kw):
    X = _data(name)
    r0 = vb.random_responsibilities(len(X), k, rng=seed)
    ours = vb.cavi_gmm(X, k, init_responsibilities=r0, **priors, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # ConvergenceWarning where max_iter is small
        theirs = vb.fit_sklearn_gmm(X, k, init_responsibilities=r0, **priors, **kw)
    return X, ours, theirs


@pytest.mark.parametrize("name, k, priors, seed", CASES, ids=[f"{c[0]}-K{c[1]}" for c in CASES])
def test_cavi_agrees_with_scikit_learn(name, k, priors, seed):
    X, ours, sk = _both(name, k, priors, seed, max_iter=400, tol=1e-6)
    assert ours.n_iter == sk.n_iter_ and ours.converged and sk.converged_
    offset = vb.sklearn_bound_offset(ours.priors, len(X))
    theirs = np.asarray(sk.lower_bounds_) + offset
    # per iteration, up to the constant scikit-learn drops
    assert_allclose(ours.lower_bound, theirs, rtol=1e-12, atol=0)
    post = ours.posterior
    assert_allclose(post.weight_concentration, sk.weight_concentration_, rtol=1e-10)
    assert_allclose(post.mean_precision, sk.mean_precision_, rtol=1e-10)
    assert_allclose(post.degrees_of_freedom, sk.degrees_of_freedom_, rtol=1e-10)
    assert_allclose(post.means, sk.means_, rtol=1e-9, atol=1e-12)
    assert_allclose(post.covariances, sk.covariances_, rtol=1e-9, atol=1e-12)
    assert_allclose(post.weights, sk.weights_, rtol=1e-10)
    assert_allclose(ours.responsibilities, sk.predict_proba(X), rtol=0, atol=1e-9)
    assert_array_equal(ours.labels, sk.predict(X))


def test_the_dropped_constant_is_the_same_at_every_iteration_even_far_from_convergence():
    X, ours, sk = _both("wine", 5, dict(), 7, max_iter=6, tol=0.0)
    assert ours.n_iter == len(sk.lower_bounds_) == 6 and not ours.converged
    diff = ours.lower_bound - np.asarray(sk.lower_bounds_)
    assert_allclose(diff, vb.sklearn_bound_offset(ours.priors, len(X)), rtol=1e-12)


def test_offset_formula_by_hand_for_one_feature():
    # D = 1: ln C(alpha0) + K ln B(W0, nu0) + K/2 ln beta0 - N/2 ln 2 pi, no pi term
    X = np.array([[0.0], [1.0], [3.0]])
    p = vb.gmm_priors(X, 2, weight_concentration_prior=0.5, mean_precision_prior=2.0,
                      degrees_of_freedom_prior=3.0, covariance_prior=[[1.5]])
    w0 = 1 / 1.5
    log_b0 = -1.5 * math.log(w0) - 1.5 * math.log(2) - special.gammaln(1.5)
    want = (special.gammaln(1.0) - 2 * special.gammaln(0.5) + 2 * log_b0 + math.log(2.0)
            - 1.5 * math.log(2 * math.pi))
    assert_allclose(vb.sklearn_bound_offset(p, 3), want, rtol=1e-14)


# ---------------------------------------------------------------------------------------------
# The bound itself: exact for one component, monotone, invariant
def _student_t_chain(X, p):
    """ln p(X) of the Normal-Wishart model by the chain rule of posterior predictive
    (multivariate Student-t) densities, updating the posterior one point at a time."""
    d = X.shape[1]
    m, beta, nu, s_inv = p.mean.copy(), p.mean_precision, p.degrees_of_freedom, p.covariance.copy()
    total = 0.0
    for x in X:
        dof = nu - d + 1
        shape = (beta + 1) / (beta * dof) * s_inv
        total += stats.multivariate_t(loc=m, shape=shape, df=dof).logpdf(x)
        diff = x - m
        s_inv = s_inv + beta / (beta + 1) * np.outer(diff, diff)
        m = (beta * m + x) / (beta + 1)
        beta, nu = beta + 1, nu + 1
    return total


@pytest.mark.parametrize("name, d", [("blobs", 2), ("iris", 4), ("blobs1", 1)])
def test_one_component_bound_is_the_exact_log_evidence(name, d):
    # K = 1: q(mu, Lambda) is the exact posterior, so the bound is ln p(X)
    X = _blobs(d=max(d, 2))[:, :d] if name.startswith("blobs") else _data(name)
    ours = vb.cavi_gmm(X, 1, init_responsibilities=np.ones((len(X), 1)), max_iter=3, tol=0.0)
    exact = _student_t_chain(X, ours.priors)
    assert_allclose(ours.lower_bound, exact, rtol=1e-11)


@pytest.mark.parametrize("name, k, alpha0, seed", [
    ("iris", 10, 0.01, s) for s in range(4)] + [("wine", 6, 0.1, s) for s in range(3)]
    + [("blobs", 8, 1.0, s) for s in range(3)])
def test_the_bound_never_decreases(name, k, alpha0, seed):
    X = _data(name)
    r0 = vb.random_responsibilities(len(X), k, rng=seed)
    res = vb.cavi_gmm(X, k, init_responsibilities=r0, weight_concentration_prior=alpha0,
                      max_iter=300, tol=1e-9)
    steps = np.diff(res.lower_bound)
    # rounding of a sum of ~N*K terms of size |L|/N: a few ulps of |L| at most
    assert np.all(steps >= -1e-10 * np.abs(res.lower_bound[1:])), steps.min()
    assert res.lower_bound[-1] > res.lower_bound[0]


def test_the_general_bound_is_below_its_value_after_each_update():
    # from any responsibilities, a parameter update and then a responsibility update raise it
    X = _standardised("iris")
    p = vb.gmm_priors(X, 4)
    r = vb.random_responsibilities(len(X), 4, rng=3)
    post = vb.gmm_m_step(X, r, p)
    base = vb.gmm_lower_bound(X, r, post, p)
    perturbed = vb.GMMPosterior(post.weight_concentration * 1.3, post.mean_precision + 2.0,
                                post.means + 0.1, post.degrees_of_freedom + 1.0,
                                post.scale_inverse * 1.2, post.scale_cholesky * math.sqrt(1.2))
    assert vb.gmm_lower_bound(X, r, perturbed, p) < base
    r_new = np.exp(vb.gmm_e_step(X, post))
    assert vb.gmm_lower_bound(X, r_new, post, p) > base


@pytest.mark.parametrize("scale", [1e-6, 1e6])
def test_bound_is_equivariant_under_rescaling_the_data(scale):
    # x -> c x with the priors transformed alike: ln p changes by -N D ln c, q moves with it
    X = _standardised("iris")
    r0 = vb.random_responsibilities(len(X), 4, rng=0)
    a = vb.cavi_gmm(X, 4, init_responsibilities=r0, max_iter=20, tol=0.0)
    b = vb.cavi_gmm(scale * X, 4, init_responsibilities=r0, max_iter=20, tol=0.0)
    assert_allclose(b.lower_bound, a.lower_bound - X.size * math.log(scale), rtol=1e-9)
    assert_allclose(b.posterior.means, scale * a.posterior.means, rtol=1e-8, atol=1e-8 * scale)
    assert_allclose(b.responsibilities, a.responsibilities, atol=1e-8)


@pytest.mark.parametrize("seed", range(3))
def test_surplus_components_fall_back_to_the_prior(seed):
    from sklearn.cluster import KMeans

    X = _blobs(n=150)                                # three clusters, eight components
    r0 = np.eye(8)[KMeans(8, n_init=1, random_state=seed).fit(X).labels_]
    res = vb.cavi_gmm(X, 8, init_responsibilities=r0, weight_concentration_prior=1e-3,
                      covariance_prior=np.eye(2), max_iter=1000, tol=1e-8)
    counts = res.posterior.weight_concentration - 1e-3
    assert np.sum(counts > 1) == 3
    unused = counts < 1e-6
    assert np.sum(unused) == 5
    # an unused component's posterior is its prior (to the count floor)
    assert_allclose(res.posterior.weight_concentration[unused], 1e-3, rtol=1e-6)
    assert_allclose(res.posterior.mean_precision[unused], 1.0, rtol=1e-6)
    assert_allclose(res.posterior.scale_inverse[unused], np.broadcast_to(np.eye(2), (5, 2, 2)),
                    rtol=1e-6, atol=1e-9)
    assert_allclose(res.posterior.weights[unused], 1e-3 / (8e-3 + len(X)), rtol=1e-5)


def test_predict_proba_and_labels_on_new_data():
    X = _blobs()
    res = vb.cavi_gmm(X, 3, init_responsibilities=np.eye(3)[np.repeat(np.arange(3), 40)],
                      covariance_prior=np.eye(2))
    new = np.array([[0.0, 0.0], [6.0, 6.0], [0.0, -7.0]])
    p = res.predict_proba(new)
    assert_allclose(p.sum(axis=1), 1.0, rtol=1e-14)
    assert len(set(np.argmax(p, axis=1))) == 3
    assert_array_equal(res.labels, np.argmax(res.responsibilities, axis=1))


# ---------------------------------------------------------------------------------------------
# Degenerate and extreme inputs
def test_duplicate_points_with_a_proper_covariance_prior():
    X = np.ones((20, 3))
    res = vb.cavi_gmm(X, 2, init_responsibilities=vb.random_responsibilities(20, 2, rng=0),
                      covariance_prior=np.eye(3), max_iter=50)
    assert np.all(np.isfinite(res.lower_bound)) and np.all(np.isfinite(res.responsibilities))
    assert np.all(np.diff(res.lower_bound) >= -1e-10 * np.abs(res.lower_bound[1:]))


def test_more_components_than_points_and_two_points():
    X = np.array([[0.0, 1.0], [2.0, -1.0]])
    res = vb.cavi_gmm(X, 5, init_responsibilities=vb.random_responsibilities(2, 5, rng=0),
                      covariance_prior=np.eye(2), max_iter=30)
    assert np.all(np.isfinite(res.lower_bound))
    assert_allclose(res.responsibilities.sum(axis=1), 1.0, rtol=1e-14)


def test_hard_one_hot_initial_responsibilities_give_finite_bounds():
    # r ln r at r = 0 is 0, and log-sum-exp keeps far points' responsibilities finite
    X = np.vstack([_blobs(), [[1e3, -1e3]]])
    r0 = np.zeros((len(X), 3))
    r0[np.arange(len(X)), np.arange(len(X)) % 3] = 1.0
    res = vb.cavi_gmm(X, 3, init_responsibilities=r0, max_iter=50)
    assert np.all(np.isfinite(res.lower_bound)) and np.all(np.isfinite(res.responsibilities))


def test_random_responsibilities_are_seeded_rows_on_the_simplex():
    a = vb.random_responsibilities(7, 3, rng=4)
    assert_array_equal(a, vb.random_responsibilities(7, 3, rng=4))
    assert_allclose(a.sum(axis=1), 1.0, rtol=1e-15)
    assert np.all(a > 0)


@pytest.mark.parametrize("kwargs, match", [
    (dict(X=np.ones(5)), "X must have 2"),
    (dict(X=np.ones((1, 2))), "at least 2 samples"),
    (dict(X=[[0.0, np.nan], [1.0, 2.0]]), "X must be finite"),
    (dict(n_components=0), "n_components must be at least 1"),
    (dict(init=np.ones((150, 2))), r"init_responsibilities must have shape \(150, 3\)"),
    (dict(init=np.full((150, 3), 0.5)), "sum to 1"),
    (dict(init=np.tile([1.5, -0.5, 0.0], (150, 1))), "non-negative"),
    (dict(degrees_of_freedom_prior=3.0), "degrees_of_freedom_prior must exceed"),
    (dict(weight_concentration_prior=0.0), "weight_concentration_prior must be positive"),
    (dict(mean_precision_prior=-1.0), "mean_precision_prior must be positive"),
    (dict(mean_prior=[0.0, 1.0]), r"mean_prior must have shape \(4\)"),
    (dict(covariance_prior=-np.eye(4)), "covariance_prior is not positive definite"),
    (dict(covariance_prior=np.triu(np.ones((4, 4)))), "covariance_prior must be symmetric"),
    (dict(X=np.c_[_standardised("iris"), np.ones(150)], init=np.full((150, 3), 1 / 3)),
     "covariance_prior .by default the data's covariance, singular"),
    (dict(max_iter=0), "max_iter must be at least 1"),
    (dict(tol=-1.0), "tol must be non-negative"),
])
def test_cavi_names_a_bad_argument(kwargs, match):
    X = kwargs.pop("X", _standardised("iris"))
    k = kwargs.pop("n_components", 3)
    init = kwargs.pop("init", None)
    if init is None:
        n = np.shape(X)[0] if np.ndim(X) == 2 else 5
        init = np.full((n, max(k, 1)), 1 / max(k, 1))
    with pytest.raises((ValueError, TypeError), match=match):
        vb.cavi_gmm(X, k, init_responsibilities=init, **kwargs)


def test_sklearn_offset_and_fit_name_bad_arguments():
    with pytest.raises(TypeError, match="priors must be a GMMPriors"):
        vb.sklearn_bound_offset({}, 10)
    with pytest.raises(ValueError, match="sum to 1"):
        vb.fit_sklearn_gmm(_blobs(), 2, init_responsibilities=np.ones((120, 2)))
