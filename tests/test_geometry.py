"""Tests of fep_core.geometry: categorical free energy, the three update schemes, Fisher-Rao
geometry, the population study and the continuous-Bernoulli relaxation."""
import itertools

import matplotlib
import mpmath
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

matplotlib.use("Agg")

from fep_core import geometry as g  # noqa: E402


def _model(n=4, seed=0, precision=1.0):
    return g.random_model(n, precision=precision, rng=seed)


def _bayes(A, D, o):
    """Brute-force Bayes by enumeration (independent of the module's log-space code)."""
    joint = [A[o, s] * D[s] for s in range(len(D))]
    z = sum(joint)
    return np.array(joint) / z, z


# ---------------------------------------------------------------------------------------------
# Free energy
@pytest.mark.parametrize("n, seed", [(2, 0), (3, 1), (5, 2), (8, 3)])
def test_free_energy_forms_and_bound(n, seed):
    A, D, o = _model(n, seed)
    post, evidence = _bayes(A, D, o)
    assert_allclose(g.posterior(A, D, o), post, rtol=1e-12)
    assert_allclose(g.log_evidence(A, D, o), np.log(evidence), rtol=1e-12)
    rng = np.random.default_rng(seed)
    for s in rng.dirichlet(np.ones(n), size=20):
        forms = [g.free_energy(s, A, D, o, form=f) for f in g.FORMS]
        kl = sum(si * np.log(si / pi) for si, pi in zip(s, post))
        assert_allclose(forms, kl - np.log(evidence), rtol=1e-11)
        direct = sum(si * (np.log(si) - np.log(A[o, i]) - np.log(D[i])) for i, si in enumerate(s))
        assert_allclose(forms[0], direct, rtol=1e-11)
        assert forms[0] > -np.log(evidence)
    assert_allclose(g.free_energy(post, A, D, o), -np.log(evidence), rtol=1e-12)


def test_one_hot_outcome_equals_index():
    A, D, o = _model(4, 5)
    onehot = np.eye(A.shape[0])[o]
    assert g.free_energy(D, A, D, onehot) == g.free_energy(D, A, D, o)


@pytest.mark.parametrize("n, seed", [(3, 0), (6, 4)])
def test_gradient_against_finite_differences(n, seed):
    A, D, o = _model(n, seed)
    s = np.random.default_rng(seed).dirichlet(np.ones(n))
    grad = g.gradient(s, A, D, o)
    # F extended off the simplex: s . (ln s - ln A^T o - ln D) with unnormalised s
    lj = np.log(A[o]) + np.log(D)

    def f(x):
        return float(np.sum(x * (np.log(x) - lj)))

    h = 1e-6
    fd = np.array([(f(s + h * e) - f(s - h * e)) / (2 * h) for e in np.eye(n)])
    assert_allclose(grad, fd, rtol=1e-7, atol=1e-8)


# ---------------------------------------------------------------------------------------------
# Fisher-Rao geometry
def test_fisher_rao_against_mpmath_and_small_distances():
    mpmath.mp.dps = 50
    rng = np.random.default_rng(7)
    p = rng.dirichlet(np.ones(5))
    for delta in (1e-1, 1e-4, 1e-8, 1e-12, 1e-15):
        q = p + delta * (rng.dirichlet(np.ones(5)) - p)
        q = q / q.sum()
        P, Q = [mpmath.mpf(a) for a in p], [mpmath.mpf(b) for b in q]
        # 50-digit evaluation of the chord form on the exact float inputs
        chord = mpmath.sqrt(mpmath.fsum((mpmath.sqrt(a) - mpmath.sqrt(b)) ** 2 for a, b in zip(P, Q)))
        assert_allclose(g.fisher_rao(p, q), float(4 * mpmath.asin(chord / 2)), rtol=1e-12)
        if delta >= 1e-4:   # the paper's arccos form agrees (float sums differ from 1 by ~1e-16)
            acos = 2 * mpmath.acos(mpmath.fsum(mpmath.sqrt(a * b) for a, b in zip(P, Q))
                                   / mpmath.sqrt(mpmath.fsum(P) * mpmath.fsum(Q)))
            assert_allclose(g.fisher_rao(p, q), float(acos), rtol=1e-10)
    assert g.fisher_rao(p, p) == 0.0
    # maximal distance between disjoint supports is pi
    assert_allclose(g.fisher_rao([1.0, 0.0], [0.0, 1.0]), np.pi, rtol=1e-15)


def test_fisher_rao_local_metric():
    # for nearby points d_FR^2 ~ ds^T diag(1/s) ds (the Fisher information metric)
    s = np.array([0.2, 0.3, 0.5])
    ds = 1e-6 * np.array([1.0, -3.0, 2.0])
    assert_allclose(g.fisher_rao(s, s + ds) ** 2, np.sum(ds ** 2 / s), rtol=1e-5)


@pytest.mark.parametrize("n, seed", [(3, 0), (5, 1), (10, 2)])
def test_information_length_of_geodesic_equals_distance(n, seed):
    rng = np.random.default_rng(seed)
    p, q = rng.dirichlet(np.ones(n), size=2)
    path = g.geodesic(p, q, n_points=200)
    assert_allclose(path[0], p, rtol=1e-12)
    assert_allclose(path[-1], q, rtol=1e-12)
    d = g.fisher_rao(p, q)
    assert_allclose(g.information_length(path), d, rtol=1e-12)
    # the paper's straight-line "geodesic" is a chord: strictly shorter than the arc
    assert g.chord_length(p, q) < d
    # any other path between the same ends is longer (e.g. the straight segment on the simplex)
    t = np.linspace(0, 1, 200)[:, None]
    assert g.information_length((1 - t) * p + t * q) > d


def test_information_length_batched():
    rng = np.random.default_rng(3)
    paths = rng.dirichlet(np.ones(4), size=(6, 5))          # (points, batch, states)
    each = [g.information_length(paths[:, b]) for b in range(5)]
    assert_allclose(g.information_length(paths), each, rtol=1e-14)


# ---------------------------------------------------------------------------------------------
# Update schemes
@pytest.mark.parametrize("scheme", g.SCHEMES)
@pytest.mark.parametrize("n, seed", [(2, 0), (3, 1), (5, 2)])
def test_schemes_converge_to_posterior(scheme, n, seed):
    A, D, o = _model(n, seed)
    post, _ = _bayes(A, D, o)
    # logit descent relaxes at rate ~ eps * min(posterior), hence its larger step
    eps = 1.0 if scheme == "logit_descent" else 0.05
    path = g.run_scheme(scheme, D, A, D, o, learning_rate=eps, n_steps=20000 if scheme == "logit_descent" else 2000)
    assert_allclose(path.sum(axis=1), 1.0, rtol=1e-13)
    assert_allclose(path[-1], post, rtol=1e-7, atol=1e-10)


def test_active_inference_is_bayes_in_one_step_at_unit_rate():
    # softmax(ln s - 1 * (1 + ln s - lj)) = softmax(lj): exact posterior after one step
    A, D, o = _model(4, 9)
    path = g.active_inference(np.full(4, 0.25), A, D, o, learning_rate=1.0, n_steps=1)
    assert_allclose(path[1], _bayes(A, D, o)[0], rtol=1e-12)


def test_continuous_time_flows_identical():
    # ds/dt from d/dt softmax(v) with dv/dt = -grad F equals the natural-gradient (replicator) field
    A, D, o = _model(5, 3)
    s = np.random.default_rng(0).dirichlet(np.ones(5))
    gradF = g.gradient(s, A, D, o)
    jac = np.diag(s) - np.outer(s, s)
    neuronal = jac @ (-gradF)
    natural = -s * (gradF - s @ gradF)
    assert_allclose(neuronal, natural, rtol=1e-12, atol=1e-15)


def test_neuronal_and_natural_paths_converge_at_rate_eps():
    A, D, o = _model(5, 1)
    eps = np.logspace(-3, -1.5, 6)
    diff = [g.max_path_difference(D, A, D, o, learning_rate=e, horizon=5.0) for e in eps]
    slope = np.polyfit(np.log(eps), np.log(diff), 1)[0]
    assert 0.95 < slope < 1.1
    assert diff[0] < 2e-4


def test_natural_gradient_clipping_is_counted():
    # a sharp likelihood at the paper's eps = 0.25 pushes a component below zero
    A, D, o = _model(8, 0, precision=4.0)
    path, n_clipped = g.natural_gradient(D, A, D, o, learning_rate=0.25, n_steps=50, return_clipped=True)
    assert n_clipped > 0 and np.all(path > 0)
    _, none = g.natural_gradient(D, A, D, o, learning_rate=1e-3, n_steps=5, return_clipped=True)
    assert none == 0


# ---------------------------------------------------------------------------------------------
# Random models and the population study
def test_random_models_valid_and_reproducible():
    m1 = g.random_models(50, 4, 6, precision=3.0, rng=11)
    m2 = g.random_models(50, 4, 6, precision=3.0, rng=np.random.default_rng(11))
    for k in m1:
        assert np.array_equal(m1[k], m2[k])
    assert m1["A"].shape == (50, 6, 4) and m1["D"].shape == (50, 4)
    assert_allclose(m1["A"].sum(axis=1), 1.0, rtol=1e-13)
    assert np.all(m1["A"] > 0) and np.all((0 <= m1["o"]) & (m1["o"] < 6))
    assert not np.array_equal(g.random_models(50, 4, rng=12)["D"], g.random_models(50, 4, rng=11)["D"])


def test_random_model_precision_sharpens_likelihood():
    ent = []
    for gamma in (0.5, 1.0, 4.0):
        A = g.random_models(200, 5, precision=gamma, rng=0)["A"]
        ent.append(-np.mean(np.sum(A * np.log(A), axis=1)))
    assert ent[0] > ent[1] > ent[2]


def test_outcome_sampling_matches_predictive():
    # o is drawn from the model's predictive P(o) = A D: compare frequencies with the mean predictive
    many = g.random_models(20000, 2, rng=5)
    pred = np.einsum("mos,ms->mo", many["A"], many["D"])
    assert abs(np.mean(many["o"] == 1) - pred[:, 1].mean()) < 4 * np.sqrt(0.25 / 20000)
    # and the hidden state from the prior D
    assert abs(np.mean(many["state"] == 1) - many["D"][:, 1].mean()) < 4 * np.sqrt(0.25 / 20000)


@pytest.fixture(scope="module")
def study():
    return g.population_study(n_models=1000, state_sizes=(2, 3, 5), learning_rate=0.1, max_steps=4000, rng=0)


def test_population_study_shape_and_sanity(study):
    assert len(study) == 3 * 1002 and set(study.scheme) == set(g.SCHEMES)
    assert study.model.nunique() == 1002
    assert np.all(study.efficiency >= 1 - 1e-9)
    # one hidden dimension: every monotone path is a geodesic
    assert_allclose(study.loc[study.n_states == 2, "efficiency"], 1.0, atol=1e-9)
    ai = study[study.scheme == "active_inference"]
    assert ai.converged.all() and ai.steps_to_tol.notna().all()
    # distance is that of the start (prior D) to the end, which is within KL 1e-10 (d_FR ~ sqrt(8 KL)
    # ~ 3e-5) of the posterior for both converged schemes
    assert_allclose(ai.distance.to_numpy(),
                    study[study.scheme == "natural_gradient"].distance.to_numpy(), rtol=0, atol=6e-5)


def test_population_study_reproducible(study):
    again = g.population_study(n_models=1000, state_sizes=(2, 3, 5), learning_rate=0.1, max_steps=4000, rng=0)
    pd.testing.assert_frame_equal(study, again)


def test_population_study_matches_single_model_functions(study):
    # recompute one model's active-inference information length with the unbatched code
    row = study[(study.scheme == "active_inference") & (study.n_states == 3)].iloc[7]
    gen = np.random.default_rng(0)
    g.random_models(334, 2, rng=gen)                      # first size consumed the stream first
    models = g.random_models(334, 3, rng=gen)
    k = int(row.model) - 334
    A, D, o = models["A"][k], models["D"][k], int(models["o"][k])
    path = g.active_inference(D, A, D, o, learning_rate=0.1, n_steps=int(row.steps_to_tol) + 500)
    kl = np.array([g.kl_categorical(s, g.posterior(A, D, o)) for s in path])
    assert int(np.argmax(kl < 1e-6)) == int(row.steps_to_tol)
    stop = int(np.argmax(kl < 1e-10))                     # the study stops at stop_kl = 1e-10
    assert_allclose(g.information_length(path[:stop + 1]), row.information_length, rtol=1e-10)
    assert_allclose(g.fisher_rao(D, path[stop]), row.distance, rtol=1e-10)


def test_paired_difference_ci(study):
    summ = g.paired_difference(study)
    assert list(summ.index) == [2, 3, 5, "all"]
    wide = study.pivot_table(index="model", columns="scheme", values="information_length")
    d = wide["natural_gradient"] - wide["active_inference"]
    assert_allclose(summ.loc["all", "mean_diff"], d.mean(), rtol=1e-12)
    from scipy import stats
    lo, hi = stats.t.interval(0.95, len(d) - 1, loc=d.mean(), scale=stats.sem(d))
    assert_allclose([summ.loc["all", "ci_low"], summ.loc["all", "ci_high"]], [lo, hi], rtol=1e-10)
    # Euclidean descent on logits is less efficient than active inference
    e = g.paired_difference(study, metric="efficiency", scheme="logit_descent")
    assert e.loc["all", "ci_low"] > 0
    table = g.scheme_summary(study)
    assert table.loc["logit_descent", "median_steps"] > table.loc["active_inference", "median_steps"]


# ---------------------------------------------------------------------------------------------
# Continuous-Bernoulli node
def test_cb_relaxation_plain_vs_natural():
    cb = pytest.importorskip("fep_core.cb")
    b0, target, eps = 8.0, 0.5, 0.2
    nat = g.cb_relaxation(b0, target, learning_rate=eps, n_steps=40, scheme="natural")
    assert_allclose(nat - target, (b0 - target) * (1 - eps) ** np.arange(41), rtol=1e-12)
    plain = g.cb_relaxation(b0, target, learning_rate=eps, n_steps=40, scheme="plain")
    # the plain step is the gradient of KL[CB(b) || CB(target)] (checked by finite differences)
    h = 1e-6
    fd = (cb.kl(b0 + h, target) - cb.kl(b0 - h, target)) / (2 * h)
    assert_allclose((b0 - plain[1]) / eps, fd, rtol=1e-6)
    # saturated start: the plain scheme crawls (Fisher information ~ 1/b^2)
    assert abs(plain[-1] - target) > 100 * abs(nat[-1] - target)
    # both approach the target monotonically
    assert np.all(np.diff(np.abs(plain - target)) < 0)


@pytest.mark.parametrize("kwargs, name", [(dict(learning_rate=0), "learning_rate"),
                                          (dict(scheme="fast"), "scheme"), (dict(b0=np.nan), "b0")])
def test_cb_relaxation_bad_input(kwargs, name):
    pytest.importorskip("fep_core.cb")
    args = dict(b0=1.0, target=0.0)
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=name):
        g.cb_relaxation(**args)


# ---------------------------------------------------------------------------------------------
# Bad input
GOOD = _model(3, 0)


@pytest.mark.parametrize("A, D, o, name", [
    (np.array([[0.5, 0.5, 0.2], [0.5, 0.5, 0.7], [0.0, 0.0, 0.1]]), GOOD[1], 0, "A"),     # zeros
    (GOOD[0] * 1.1, GOOD[1], 0, "A"),                                                   # columns != 1
    (GOOD[0], np.array([0.5, 0.6, -0.1]), 0, "D"),
    (GOOD[0], np.array([0.5, 0.5]), 0, "D"),
    (GOOD[0], GOOD[1], 3, "o"),
    (GOOD[0], GOOD[1], [0.5, 0.5, 0.0], "o"),
    (np.full((3, 3), np.nan), GOOD[1], 0, "A"),
])
def test_bad_model_raises(A, D, o, name):
    with pytest.raises((ValueError, TypeError), match=name):
        g.free_energy(GOOD[1], A, D, o)


@pytest.mark.parametrize("scheme, kwargs, name", list(itertools.product(
    g.SCHEMES, [dict(learning_rate=0.0), dict(learning_rate=-0.1), dict(learning_rate=np.nan)], ["learning_rate"])) + [
    ("active_inference", dict(n_steps=-1), "n_steps")])
def test_bad_scheme_input(scheme, kwargs, name):
    A, D, o = GOOD
    with pytest.raises((ValueError, TypeError), match=name):
        g.run_scheme(scheme, D, A, D, o, **kwargs)


def test_other_bad_inputs():
    A, D, o = GOOD
    with pytest.raises(ValueError, match="scheme"):
        g.run_scheme("adam", D, A, D, o)
    with pytest.raises(ValueError, match="s0"):
        g.active_inference(np.array([0.5, 0.5]), A, D, o)
    with pytest.raises(ValueError, match="p"):
        g.fisher_rao([0.5, 0.6], [0.5, 0.5])
    with pytest.raises(ValueError, match="precision"):
        g.random_models(3, 3, precision=-1.0, rng=0)
    with pytest.raises(ValueError, match="rng"):
        g.random_models(3, 3, rng=-5)
    with pytest.raises(TypeError, match="n_models"):
        g.population_study(n_models=10.5)
    with pytest.raises(ValueError, match="stop_kl"):
        g.population_study(kl_tolerance=1e-8, stop_kl=1e-6)
    with pytest.raises(TypeError, match="df"):
        g.paired_difference([1, 2])


# ---------------------------------------------------------------------------------------------
# Callback and figures
def test_explore_and_plots(study):
    import matplotlib.pyplot as plt
    from fep_core.plotting import primers

    fig = g.explore()
    assert isinstance(fig, plt.Figure) and len(fig.axes) == 2
    plt.close(fig)
    fig = g.explore(precision=8.0, learning_rate=0.9)     # far past the simplex limit: still draws
    assert "left the simplex" in fig._suptitle.get_text()
    plt.close(fig)
    with pytest.raises(ValueError, match="precision"):
        g.explore(precision=0.0)
    figs = [primers.plot_population(study), primers.plot_paired_difference(g.paired_difference(study)),
            primers.plot_eps_convergence([1e-3, 1e-2], [1e-4, 1e-3], 1.0),
            primers.plot_cb_relaxation({"natural": np.array([2.0, 1.0, 0.5])}, 0.0)]
    for fig in figs:
        assert fig.axes[0].get_xlabel() and fig.axes[0].get_ylabel()
        plt.close(fig)
