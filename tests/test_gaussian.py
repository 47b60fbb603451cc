"""Tests of fep_core.gaussian against independent computations (quadrature, Monte Carlo,
finite differences, mpmath) and of its bad-input handling."""
import mpmath
import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import integrate, stats

from fep_core import explore, gaussian as G

MODELS = [  # (y, prior_mean, prior_precision, likelihood_precision)
    (2.0, 0.0, 1.0, 4.0),
    (-1.3, 0.5, 0.2, 0.7),
    (10.0, -3.0, 50.0, 0.01),
    (0.0, 0.0, 1e-3, 1e3),
]


def _model(m):
    y, m0, pi0, piy = m
    return y, dict(prior_mean=m0, prior_precision=pi0, likelihood_precision=piy)


# ---------------------------------------------------------------------------------------------
# KL divergence
@pytest.mark.parametrize("mq, vq, mp, vp", [(0, 1, 0, 1), (0, 1, 2, 0.25), (1.5, 0.3, -0.5, 2.0),
                                             (3, 0.01, 3.1, 0.02), (-2, 5.0, 0, 0.5)])
def test_kl_against_quadrature(mq, vq, mp, vp):
    q, p = stats.norm(mq, np.sqrt(vq)), stats.norm(mp, np.sqrt(vp))
    sd = np.sqrt(vq)
    ref, _ = integrate.quad(lambda x: q.pdf(x) * (q.logpdf(x) - p.logpdf(x)),
                            mq - 12 * sd, mq + 12 * sd, epsabs=1e-13, epsrel=1e-12, limit=200)
    assert_allclose(G.kl(mq, vq, mp, vp), ref, rtol=1e-9, atol=1e-12)


def test_kl_against_monte_carlo():
    rng = np.random.default_rng(1)
    mq, vq, mp, vp = 0.7, 0.5, -0.4, 1.7
    x = rng.normal(mq, np.sqrt(vq), size=400_000)
    terms = stats.norm.logpdf(x, mq, np.sqrt(vq)) - stats.norm.logpdf(x, mp, np.sqrt(vp))
    se = terms.std() / np.sqrt(x.size)
    assert abs(G.kl(mq, vq, mp, vp) - terms.mean()) < 4 * se


def test_kl_against_mpmath_for_nearly_equal_variances():
    # The log1p form keeps relative accuracy when var_q/var_p -> 1 (naive form cancels).
    vq, vp = 1.0 + 1e-7, 1.0
    mpmath.mp.dps = 40
    r = mpmath.mpf(vq) / mpmath.mpf(vp)
    ref = float(0.5 * (r - 1 - mpmath.log(r)))
    assert_allclose(G.kl(0.0, vq, 0.0, vp), ref, rtol=1e-8)


def test_kl_properties():
    assert G.kl(1.0, 2.0, 1.0, 2.0) == 0.0
    rng = np.random.default_rng(0)
    mq, mp = rng.normal(size=(2, 200))
    vq, vp = rng.uniform(0.05, 5, size=(2, 200))
    k = G.kl(mq, vq, mp, vp)
    assert k.shape == (200,) and np.all(k > 0)
    # asymmetric in general
    assert abs(G.kl(0, 1, 1, 4) - G.kl(1, 4, 0, 1)) > 0.1


@pytest.mark.parametrize("args, name", [((0, -1, 0, 1), "var_q"), ((0, 1, 0, 0), "var_p"),
                                        ((np.nan, 1, 0, 1), "mean_q"),
                                        ((0, 1, np.inf, 1), "mean_p"),
                                        (("a", 1, 0, 1), "mean_q")])
def test_kl_bad_input(args, name):
    with pytest.raises((ValueError, TypeError), match=name):
        G.kl(*args)


# ---------------------------------------------------------------------------------------------
# Conjugate model
@pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")  # m3: 1e6 precision ratio
@pytest.mark.parametrize("m", MODELS)
def test_posterior_and_evidence_against_quadrature(m):
    y, kw = _model(m)
    m0, pi0, piy = kw["prior_mean"], kw["prior_precision"], kw["likelihood_precision"]
    prior = stats.norm(m0, 1 / np.sqrt(pi0))

    def joint(x):
        return prior.pdf(x) * stats.norm.pdf(y, x, 1 / np.sqrt(piy))

    mean, var = G.posterior(y, **kw)
    width = 12 * np.sqrt(var)
    opts = dict(epsabs=0, epsrel=1e-12, limit=200)
    z, _ = integrate.quad(joint, mean - width, mean + width, **opts)
    m1, _ = integrate.quad(lambda x: x * joint(x), mean - width, mean + width, **opts)
    m2, _ = integrate.quad(lambda x: (x - m1 / z) ** 2 * joint(x), mean - width, mean + width,
                           **opts)
    assert_allclose(G.log_evidence(y, **kw), np.log(z), rtol=1e-9)
    assert_allclose(mean, m1 / z, rtol=1e-9, atol=1e-12)
    assert_allclose(var, m2 / z, rtol=1e-8)


@pytest.mark.parametrize("m", MODELS)
def test_three_forms_agree_and_bound(m):
    y, kw = _model(m)
    post_mean, post_var = G.posterior(y, **kw)
    rng = np.random.default_rng(3)
    means = post_mean + rng.normal(scale=3, size=50)
    variances = post_var * np.exp(rng.normal(scale=1.5, size=50))
    forms = [G.free_energy(means, variances, y, form=f, **kw) for f in G.FORMS]
    scale = np.max(np.abs(forms[0]))
    for f in forms[1:]:
        assert_allclose(f, forms[0], rtol=1e-10, atol=1e-12 * scale)
    surprise = -G.log_evidence(y, **kw)
    assert np.all(forms[0] > surprise)
    for f in G.FORMS:
        assert_allclose(G.free_energy(post_mean, post_var, y, form=f, **kw), surprise,
                        rtol=1e-12, atol=1e-12)


def test_free_energy_against_quadrature():
    y, kw = 1.2, dict(prior_mean=-0.5, prior_precision=0.8, likelihood_precision=3.0)
    mq, vq = 0.3, 0.4
    q = stats.norm(mq, np.sqrt(vq))

    def integrand(x):
        log_joint = (stats.norm.logpdf(x, -0.5, 1 / np.sqrt(0.8))
                     + stats.norm.logpdf(y, x, 1 / np.sqrt(3.0)))
        return q.pdf(x) * (q.logpdf(x) - log_joint)

    ref, _ = integrate.quad(integrand, mq - 15, mq + 15, epsabs=1e-13, epsrel=1e-12, limit=200)
    assert_allclose(G.free_energy(mq, vq, y, **kw), ref, rtol=1e-10)


@pytest.mark.parametrize("m", MODELS)
def test_gradient_against_finite_differences(m):
    y, kw = _model(m)
    post_mean, post_var = G.posterior(y, **kw)
    mu = post_mean + 0.37 / np.sqrt(kw["prior_precision"] + kw["likelihood_precision"])
    rho = np.log(np.sqrt(post_var)) + 0.4

    def f(mu, rho):
        return G.free_energy(mu, np.exp(2 * rho), y, **kw)

    h = 1e-5 * max(1.0, abs(mu))
    fd_mu = (f(mu + h, rho) - f(mu - h, rho)) / (2 * h)
    fd_rho = (f(mu, rho + 1e-5) - f(mu, rho - 1e-5)) / 2e-5
    g_mu, g_rho = G.gradient(mu, rho, y, **kw)
    scale = abs(f(mu, rho)) + 1.0
    assert_allclose(g_mu, fd_mu, rtol=1e-6, atol=1e-7 * scale / h)
    assert_allclose(g_rho, fd_rho, rtol=1e-6, atol=1e-5 * scale)
    # the mean gradient is minus the precision-weighted prediction error
    pe = kw["likelihood_precision"] * (y - mu) - kw["prior_precision"] * (mu - kw["prior_mean"])
    assert_allclose(g_mu, -pe, rtol=1e-13, atol=1e-13)
    # both gradients vanish at the posterior
    g0 = G.gradient(post_mean, np.log(np.sqrt(post_var)), y, **kw)
    assert_allclose(g0, [0.0, 0.0],
                    atol=1e-9 * (abs(y) + 1) * (kw["prior_precision"] + kw["likelihood_precision"]))


# ---------------------------------------------------------------------------------------------
# Gradient descent and its stability limit
@pytest.mark.parametrize("pi0, piy", [(1.0, 4.0), (0.3, 0.5), (10.0, 30.0)])
def test_descent_converges_below_limit_and_diverges_above(pi0, piy):
    kw = dict(prior_mean=0.3, prior_precision=pi0, likelihood_precision=piy)
    limit_mean, limit_rho = G.stability_limit(prior_precision=pi0, likelihood_precision=piy)
    assert_allclose(limit_mean, 2 / (pi0 + piy))
    assert limit_rho == 1.0
    post_mean, post_var = G.posterior(1.5, **kw)
    lr = 0.9 * min(limit_mean, limit_rho)
    traj = G.descend(1.5, learning_rate=lr, n_steps=400, **kw)
    assert not traj.diverged
    assert_allclose(traj.mean[-1], post_mean, rtol=1e-8, atol=1e-10)
    assert_allclose(traj.var[-1], post_var, rtol=1e-6)
    assert_allclose(traj.free_energy[-1], -G.log_evidence(1.5, **kw), rtol=1e-10)
    # above the mean's limit the mean error grows by |1 - lr (pi0 + piy)| per step (width frozen)
    lr_bad = 1.05 * limit_mean
    bad = G.descend(1.5, learning_rate=lr_bad, n_steps=30, update_log_sd=False, **kw)
    err = np.abs(bad.mean - post_mean)
    assert_allclose(err[1:] / err[:-1], abs(1 - lr_bad * (pi0 + piy)), rtol=1e-6)
    assert err[-1] > err[0]
    # just below the limit it converges, with sign-alternating error
    good = G.descend(1.5, learning_rate=0.95 * limit_mean, n_steps=300, update_log_sd=False, **kw)
    e = good.mean - post_mean
    assert abs(e[-1]) < 1e-5 * abs(e[0]) and np.all(e[1:-1][:20] * e[2:][:20] < 0)


def test_log_sd_limit():
    kw = dict(prior_precision=0.4, likelihood_precision=0.6)   # 2/(pi0+piy) = 2 > 1: log-sd binds
    rho_post = np.log(np.sqrt(G.posterior(0.0, **kw)[1]))
    ok = G.descend(0.0, log_sd0=rho_post + 0.01, learning_rate=0.95, n_steps=500, **kw)
    assert abs(ok.log_sd[-1] - rho_post) < 1e-8
    bad = G.descend(0.0, log_sd0=rho_post + 0.01, learning_rate=1.2, n_steps=500, **kw)
    assert abs(bad.log_sd[-1] - rho_post) > 1e-3


def test_descent_diverges_is_flagged():
    traj = G.descend(1.0, learning_rate=5.0, n_steps=200, prior_precision=10.0,
                     likelihood_precision=10.0)
    assert traj.diverged and np.all(np.isfinite(traj.free_energy))


@pytest.mark.parametrize("kwargs, name", [
    (dict(learning_rate=0.0), "learning_rate"), (dict(learning_rate=-1.0), "learning_rate"),
    (dict(prior_precision=-1.0), "prior_precision"),
    (dict(likelihood_precision=np.nan), "likelihood_precision"),
    (dict(n_steps=-1), "n_steps"), (dict(n_steps=2.5), "n_steps"), (dict(mean0=np.inf), "mean0"),
])
def test_descend_bad_input(kwargs, name):
    with pytest.raises((ValueError, TypeError), match=name):
        G.descend(1.0, **kwargs)


@pytest.mark.parametrize("kwargs, name", [(dict(var=-0.1), "var"), (dict(var=0.0), "var"),
                                          (dict(y=np.nan), "y"), (dict(form="kl"), "form")])
def test_free_energy_bad_input(kwargs, name):
    args = dict(mean=0.0, var=1.0, y=0.0)
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=name):
        G.free_energy(**args)


# ---------------------------------------------------------------------------------------------
# The blog's computation
def _blog_verbatim(y):
    """The blog's code, transcribed line by line."""
    def q(x):
        return np.exp(-(x - 0) ** 2 / (2 * 1 ** 2)) / (np.sqrt(2 * np.pi) * 1)

    def p(x, y):
        return np.exp(-(x - y) ** 2 / (2 * 0.5 ** 2)) / (np.sqrt(2 * np.pi) * 0.5)

    x_values = np.linspace(-5, 5, 1000)
    q_dist, p_dist = q(x_values), p(x_values, y)
    return np.sum(q_dist * np.log(q_dist / p_dist)) + (-np.log(np.sqrt(2 * np.pi)) - 0.5 * y ** 2)


def test_blog_reproduced_faithfully():
    ys = np.linspace(-3, 3, 10)
    assert_allclose(G.blog_free_energy(ys), [_blog_verbatim(y) for y in ys], rtol=1e-13)


def test_blog_comparison_errors():
    t = G.blog_comparison()
    dx = 10 / 999
    # errors telescope to the total
    assert_allclose(t.dx_error + t.sign_error + t.q_error, t.blog - t.optimal, rtol=1e-12)
    # missing dx: KL is 1/dx ~ 99.9 times too large
    assert_allclose(t.kl_ratio, t.kl_no_dx / t.kl_exact, rtol=1e-14)
    # differs from 1/dx only by the tails beyond +/-5
    assert_allclose(t.kl_ratio, 1 / dx, rtol=5e-5)
    # The Riemann sum with dx is the integral over [-5, 5] plus the endpoint term
    # dx (f(-5) + f(5)) / 2 (up to O(dx^2)); the closed form adds the two tails beyond +/-5.
    for y, k_riemann, k_exact in zip(t.y, t.kl_riemann, t.kl_exact):
        def f(x, y=y):
            return stats.norm.pdf(x) * (stats.norm.logpdf(x) - stats.norm.logpdf(x, y, 0.5))
        inner, _ = integrate.quad(f, -5, 5, epsabs=1e-14, epsrel=1e-13)
        tails = (integrate.quad(f, -np.inf, -5, epsabs=1e-15)[0]
                 + integrate.quad(f, 5, np.inf, epsabs=1e-15)[0])
        # Euler-Maclaurin:
        #   sum f dx = integral + dx (f(a) + f(b))/2 + dx^2 (f'(b) - f'(a))/12 + O(dx^4)
        fprime = [(f(x + 1e-4) - f(x - 1e-4)) / 2e-4 for x in (-5, 5)]
        em = inner + dx * (f(-5) + f(5)) / 2 + dx ** 2 * (fprime[1] - fprime[0]) / 12
        assert_allclose(k_riemann, em, rtol=0, atol=1e-11)
        assert_allclose(k_exact, inner + tails, rtol=1e-11)
        assert 0 < tails < 4e-5
    # sign error is 2 ln p(y) plus the Riemann sum's own (tiny) quadrature error
    assert_allclose(t.sign_error, 2 * t.log_p_y + t.kl_riemann - t.kl_exact, rtol=1e-12)
    assert np.all(np.abs(t.kl_riemann - t.kl_exact) < 4e-5)
    assert_allclose(t.q_error, t.kl_exact, rtol=1e-12)
    assert_allclose(t.optimal, -stats.norm.logpdf(t.y), rtol=1e-12)
    e = G.blog_errors(t)
    assert_allclose(e.kl_factor, 99.9, rtol=5e-5)
    assert_allclose(e.sign_error_max, 2 * (0.5 * np.log(2 * np.pi) + 4.5), rtol=1e-5)
    assert_allclose(e.q_error_max, G.kl(0, 1, 3, 0.25), rtol=1e-12)


def test_blog_comparison_bad_input():
    with pytest.raises(ValueError, match="upper"):
        G.blog_comparison(lower=1.0, upper=0.0)
    with pytest.raises(ValueError, match="y_values"):
        G.blog_comparison([0.0, np.nan])


# ---------------------------------------------------------------------------------------------
# Callback and figures
def test_explore_returns_figure_and_rejects_bad_slider_values():
    import matplotlib.pyplot as plt

    fig = explore.gaussian_primer()
    assert isinstance(fig, plt.Figure) and len(fig.axes) == 2
    assert all(ax.get_xlabel() and ax.get_ylabel() for ax in fig.axes)
    plt.close(fig)
    fig = explore.gaussian_primer(learning_rate=1.5)          # past the limit: still draws, says so
    assert "past the limit" in fig._suptitle.get_text() or "diverged" in fig._suptitle.get_text()
    plt.close(fig)
    with pytest.raises(ValueError, match="learning_rate"):
        explore.gaussian_primer(learning_rate=0.0)


def test_primer_gaussian_plots():
    import matplotlib.pyplot as plt

    from fep_core.plotting import primers

    kw = dict(prior_mean=0.0, prior_precision=1.0, likelihood_precision=4.0)
    post = G.posterior(2.0, **kw)
    figs = [primers.plot_gaussian_model(2.0, posterior=post, q=(0.0, 1.0), **kw),
            primers.plot_blog_comparison(G.blog_comparison()),
            primers.plot_descent({0.1: G.descend(2.0, learning_rate=0.1, **kw)}, post[0], 0.4)]
    means = np.linspace(-1, 3, 20)
    fe = np.array([G.free_energy(means, sd ** 2, 2.0, **kw) for sd in (0.3, 0.45)])
    figs.append(primers.plot_free_energy_landscape(means, (0.3, 0.45), fe,
                                                   -G.log_evidence(2.0, **kw), post))
    for fig in figs:
        ax = fig.axes[0]
        assert ax.get_xlabel() and ax.get_ylabel()
        plt.close(fig)
    fig, ax = plt.subplots()
    assert primers.plot_blog_comparison(G.blog_comparison(), ax=ax) is fig
    plt.close(fig)


# ---------------------------------------------------------------------------------------------
# Edges: wide grids, bad grid arguments, the callback on every corner of its sliders
def _naive_kl_no_dx(y, n_grid=1000, lower=-5.0, upper=5.0):
    """The Riemann sum without dx as the blog writes it: sum q ln(q/p) with the densities."""
    x = np.linspace(lower, upper, n_grid)
    q = stats.norm.pdf(x)
    p = stats.norm.pdf(x[:, None], np.asarray(y)[None, :], 0.5)
    return np.sum(q[:, None] * np.log(q[:, None] / p), axis=0)


def test_blog_comparison_wide_grid_is_finite_and_correct():
    t = G.blog_comparison(lower=-50.0, upper=50.0)
    num = t.drop(columns=[]).to_numpy(dtype=float)
    assert np.all(np.isfinite(num))
    # dx = 0.1: the Riemann sum of this smooth, decaying integrand is the integral to ~1e-13
    assert_allclose(t.kl_riemann, t.kl_exact, rtol=1e-12)
    assert_allclose(t.kl_exact, [G.kl(0, 1, y, 0.25) for y in t.y], rtol=1e-14)
    assert_allclose(t.dx_error + t.sign_error + t.q_error, t.blog - t.optimal, rtol=1e-12)
    assert_allclose(G.blog_free_energy(t.y.to_numpy(), lower=-50.0, upper=50.0), t.blog, rtol=1e-14)
    # the far tails, where both densities underflow to 0, contribute (exactly) nothing
    t2 = G.blog_comparison(lower=-200.0, upper=200.0, n_grid=4001)
    assert_allclose(t2.kl_riemann, t2.kl_exact, rtol=1e-12)


def test_blog_comparison_partly_underflowing_grid():
    # at x = -20, q ~ 1e-87 is representable but p(x | y=3) ~ exp(-1058) underflows: ln(q/p) = inf
    t = G.blog_comparison(lower=-20.0, upper=20.0, n_grid=2000)
    assert np.all(np.isfinite(t.blog)) and np.all(np.isfinite(t.kl_no_dx))
    assert_allclose(t.kl_riemann, t.kl_exact, rtol=1e-12)


def test_blog_numbers_unchanged_on_the_default_grid():
    ys = np.linspace(-3, 3, 10)
    t = G.blog_comparison()
    naive = _naive_kl_no_dx(ys)
    assert_allclose(t.kl_no_dx, naive, rtol=1e-12)
    assert_allclose(t.blog, naive + stats.norm.logpdf(ys), rtol=1e-12)
    assert_allclose(t.with_dx, naive * (10 / 999) + stats.norm.logpdf(ys), rtol=1e-12)


@pytest.mark.parametrize("kwargs, name", [
    (dict(lower=np.nan), "lower"), (dict(upper=np.inf), "upper"),
    (dict(lower=1.0, upper=1.0), "upper"),
    (dict(n_grid=1), "n_grid"), (dict(n_grid=10 ** 12), "n_grid"),
    (dict(lower=-1e200, upper=1e200), "lower")])
def test_blog_grid_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=name):
        G.blog_free_energy(0.0, **kwargs)
    with pytest.raises(ValueError, match=name):
        G.blog_comparison(**kwargs)



def _explore_ok(kwargs, draw=True):
    import warnings

    import matplotlib.pyplot as plt

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            fig = explore.gaussian_primer(**kwargs)
        except (ValueError, TypeError) as exc:
            assert str(exc)
            return False
        try:
            assert isinstance(fig, plt.Figure) and len(fig.axes) == 2
            if draw:
                fig.canvas.draw()
        finally:
            plt.close(fig)
    return True


# Every slider corner: tests/test_widgets.py::test_callback_draws_or_explains (MUST_DRAW).


def test_explore_at_random_interior_points():
    rng = np.random.default_rng(5)
    for _ in range(30):
        _explore_ok(dict(
            likelihood_precision=float(np.exp(rng.uniform(np.log(0.1), np.log(100.0)))),
            learning_rate=float(np.exp(rng.uniform(np.log(0.001), np.log(2.0)))),
            prior_precision=float(np.exp(rng.uniform(np.log(0.1), np.log(100.0)))),
            observation=float(rng.integers(-50, 51) / 10), n_steps=int(rng.integers(5, 201))),
            draw=False)


def test_blog_comparison_empty_observations():
    with pytest.raises(ValueError, match="y_values"):
        G.blog_comparison([])
    with pytest.raises(ValueError, match="y_values"):
        G.blog_comparison([0.0, 1e200])
    with pytest.raises(ValueError, match="y"):
        G.blog_free_energy(-1e200)


def test_blog_errors_bad_table():
    with pytest.raises(TypeError, match="table"):
        G.blog_errors([1.0, 2.0])
    with pytest.raises(ValueError, match="table"):
        G.blog_errors(G.blog_comparison().drop(columns="dx"))


# ---------------------------------------------------------------------------------------------
# Bad arguments named as the caller spells them (tests/test_properties.py's contract)
def _names(name):
    """A ``pytest.raises(match=...)`` pattern: ``name`` as a whole word."""
    return rf"(?<![A-Za-z0-9_]){name}(?![A-Za-z0-9_])"


_V2 = np.array([0.5, 1.0])


@pytest.mark.parametrize("bad", [[], np.zeros((0, 3)), np.array([0.5, 1.0, 1.0]), np.zeros(0)])
@pytest.mark.parametrize("func, valid, arg", [
    (G.kl, dict(mean_q=_V2, var_q=_V2, mean_p=0.0, var_p=2.0), "mean_q"),
    (G.kl, dict(mean_q=_V2, var_q=_V2, mean_p=0.0, var_p=2.0), "var_q"),
    (G.kl, dict(mean_q=_V2, var_q=_V2, mean_p=0.0, var_p=2.0), "mean_p"),
    (G.kl, dict(mean_q=_V2, var_q=_V2, mean_p=0.0, var_p=2.0), "var_p"),
    (G.free_energy, dict(mean=_V2, var=_V2, y=_V2), "mean"),
    (G.free_energy, dict(mean=_V2, var=_V2, y=_V2), "var"),
    (G.free_energy, dict(mean=_V2, var=_V2, y=_V2), "y"),
    (G.gradient, dict(mean=_V2, log_sd=_V2, y=_V2), "mean"),
    (G.gradient, dict(mean=_V2, log_sd=_V2, y=_V2), "log_sd"),
    (G.gradient, dict(mean=_V2, log_sd=_V2, y=_V2), "y"),
])
def test_shapes_that_do_not_broadcast_are_named(func, valid, arg, bad):
    kwargs = dict(valid)
    kwargs[arg] = np.asarray(bad) + (1.0 if arg.startswith("var") else 0.0)
    others = (np.shape(v) for k, v in valid.items() if k != arg)
    if kwargs[arg].shape == np.broadcast_shapes(*others):
        pytest.skip("broadcasts")
    with pytest.raises(ValueError, match=_names(arg)):
        func(**kwargs)


def test_empty_arrays_that_broadcast_give_empty_results():
    assert G.kl(np.zeros(0), np.ones(0), 0.0, 1.0).shape == (0,)
    assert G.free_energy(np.zeros(0), 1.0, 0.0).shape == (0,)
    d_mean, d_log_sd = G.gradient(0.0, np.zeros(0), 1.0)
    assert d_mean.shape == () and d_log_sd.shape == (0,)


@pytest.mark.parametrize("form", [np.full((2, 2, 2), 0.5), np.zeros((0, 3)), ["energy-entropy"],
                                  None])
def test_free_energy_form_must_be_a_name(form):
    with pytest.raises((ValueError, TypeError), match=_names("form")):
        G.free_energy(0.0, 1.0, 0.0, form=form)


@pytest.mark.parametrize("value", [np.full((2, 2, 2), 0.5), np.zeros((0, 3)), 1, "yes", None])
def test_descend_update_log_sd_must_be_a_bool(value):
    with pytest.raises(TypeError, match=_names("update_log_sd")):
        G.descend(1.0, update_log_sd=value)
    assert G.descend(1.0, n_steps=3, update_log_sd=np.bool_(False)).log_sd.tolist() == [0.0] * 4


@pytest.mark.parametrize("kwargs, name", [(dict(log_sd0=-2.2e5), "log_sd0"),
                                          (dict(log_sd0=301.0), "log_sd0"),
                                          (dict(mean0=1e101), "mean0")])
def test_descend_start_outside_the_representable_region(kwargs, name):
    with pytest.raises(ValueError, match=_names(name)):
        G.descend(1.0, **kwargs)
    # the edge of the region is a valid start
    traj = G.descend(1.0, log_sd0=-G.MAX_ABS_LOG_SD, n_steps=2)
    assert np.all(np.isfinite(traj.free_energy))


def test_gradient_overflow_names_log_sd():
    with pytest.raises(ValueError, match=_names("log_sd")):
        G.gradient(0.0, 4.6e5, 1.0)
    # a very narrow q is fine: dF/dlog_sd -> -1
    assert G.gradient(0.0, -4.6e5, 1.0)[1] == -1.0
    with pytest.raises(ValueError, match=_names("likelihood_precision")):
        G.gradient(-1e300, 0.0, 1e300, likelihood_precision=1e300)


def test_free_energy_overflow_is_an_error_not_inf():
    with pytest.raises(ValueError, match=_names("var")):
        G.free_energy(0.0, 1e300, 0.0, likelihood_precision=1e10)


@pytest.mark.parametrize("observation", [np.nan, "abc", [2.0], np.array([2.0, 2.0])])
def test_explore_names_observation(observation):
    with pytest.raises((ValueError, TypeError), match=_names("observation")):
        explore.gaussian_primer(observation=observation)


# ---------------------------------------------------------------------------------------------
# The normal density (one definition, shared by the blog computation and the primer's figures)
def test_normal_pdf_against_scipy_and_broadcast():
    x = np.linspace(-6.0, 6.0, 101)
    for mean, var in [(0.0, 1.0), (1.5, 0.25), (-2.0, 9.0)]:
        assert_allclose(G.normal_pdf(x, mean, var), stats.norm.pdf(x, mean, np.sqrt(var)),
                        rtol=1e-13, atol=1e-300)
    grid = G.normal_pdf(x[:, None], np.array([0.0, 1.0]), np.array([1.0, 4.0]))
    assert grid.shape == (101, 2)
    assert isinstance(G.normal_pdf(0.0, 0.0, 1.0), float)
    assert G.normal_pdf(1e6, 0.0, 1e-6) == 0.0                   # far tail: underflows to 0
    # the standard normal exactly as the blog wrote it (sd = 1): the blog numbers are unchanged
    assert np.array_equal(G.normal_pdf(x, 0.0, 1.0),
                          np.exp(-(x ** 2) / 2.0) / (np.sqrt(2 * np.pi) * 1.0))


@pytest.mark.parametrize("args, name", [((0.0, 0.0, 0.0), "var"), ((0.0, 0.0, -1.0), "var"),
                                        ((np.nan, 0.0, 1.0), "x"), ((0.0, np.inf, 1.0), "mean"),
                                        ((np.zeros(3), np.zeros(2), 1.0), "x, mean and var"),
                                        (("a", 0.0, 1.0), "x")])
def test_normal_pdf_bad_input(args, name):
    with pytest.raises((ValueError, TypeError), match=name):
        G.normal_pdf(*args)


def test_forms_are_defined_once():
    from fep_core import geometry

    assert geometry.FORMS is G.FORMS
    assert G.FORMS == ("kl-evidence", "complexity-accuracy", "energy-entropy")
