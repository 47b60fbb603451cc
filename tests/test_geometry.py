"""Tests of fep_core.geometry: categorical free energy, the three update schemes, Fisher-Rao
geometry, the population study and the continuous-Bernoulli relaxation."""
import itertools

import mpmath
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from fep_core import explore, geometry as g


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
        chord = mpmath.sqrt(mpmath.fsum((mpmath.sqrt(a) - mpmath.sqrt(b)) ** 2
                                        for a, b in zip(P, Q)))
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
    path = g.run_scheme(scheme, D, A, D, o, learning_rate=eps,
                        n_steps=20000 if scheme == "logit_descent" else 2000)
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
    path, n_clipped = g.natural_gradient(D, A, D, o, learning_rate=0.25, n_steps=50,
                                         return_clipped=True)
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
    assert not np.array_equal(g.random_models(50, 4, rng=12)["D"],
                              g.random_models(50, 4, rng=11)["D"])


def test_random_model_precision_sharpens_likelihood():
    ent = []
    for gamma in (0.5, 1.0, 4.0):
        A = g.random_models(200, 5, precision=gamma, rng=0)["A"]
        ent.append(-np.mean(np.sum(A * np.log(A), axis=1)))
    assert ent[0] > ent[1] > ent[2]


def test_outcome_sampling_matches_predictive():
    # o is drawn from the model's predictive P(o) = A D: compare frequencies with the mean
    # predictive
    many = g.random_models(20000, 2, rng=5)
    pred = np.einsum("mos,ms->mo", many["A"], many["D"])
    assert abs(np.mean(many["o"] == 1) - pred[:, 1].mean()) < 4 * np.sqrt(0.25 / 20000)
    # and the hidden state from the prior D
    assert abs(np.mean(many["state"] == 1) - many["D"][:, 1].mean()) < 4 * np.sqrt(0.25 / 20000)


@pytest.fixture(scope="module")
def study():
    return g.population_study(n_models=1000, state_sizes=(2, 3, 5), learning_rate=0.1,
                              max_steps=4000, rng=0)


def test_population_study_shape_and_sanity(study):
    assert len(study) == 3 * 1002 and set(study.scheme) == set(g.SCHEMES)
    assert study.model.nunique() == 1002
    assert np.all(study.efficiency >= 1 - 1e-9)
    # one hidden dimension: every monotone path is a geodesic
    assert_allclose(study.loc[study.n_states == 2, "efficiency"], 1.0, atol=1e-9)
    ai = study[study.scheme == "active_inference"]
    assert ai.converged.all() and ai.steps_to_tol.notna().all()
    # distance is that of the start (prior D) to the end, which is within KL 1e-10
    # (d_FR ~ sqrt(8 KL) ~ 3e-5) of the posterior for both converged schemes
    assert_allclose(ai.distance.to_numpy(),
                    study[study.scheme == "natural_gradient"].distance.to_numpy(),
                    rtol=0, atol=6e-5)


def test_population_study_reproducible(study):
    again = g.population_study(n_models=1000, state_sizes=(2, 3, 5), learning_rate=0.1,
                               max_steps=4000, rng=0)
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
    assert (table.loc["logit_descent", "median_steps"]
            > table.loc["active_inference", "median_steps"])


# ---------------------------------------------------------------------------------------------
# Bad input
GOOD = _model(3, 0)


@pytest.mark.parametrize("A, D, o, name", [
    (np.array([[0.5, 0.5, 0.2], [0.5, 0.5, 0.7], [0.0, 0.0, 0.1]]), GOOD[1], 0, "A"),  # zeros
    (GOOD[0] * 1.1, GOOD[1], 0, "A"),                                               # columns != 1
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
    g.SCHEMES,
    [dict(learning_rate=0.0), dict(learning_rate=-0.1), dict(learning_rate=np.nan)],
    ["learning_rate"])) + [("active_inference", dict(n_steps=-1), "n_steps")])
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

    fig = explore.natural_gradient()
    assert isinstance(fig, plt.Figure) and len(fig.axes) == 2
    plt.close(fig)
    # far past the simplex limit: still draws
    fig = explore.natural_gradient(precision=8.0, learning_rate=0.9)
    assert "left the simplex" in fig._suptitle.get_text()
    plt.close(fig)
    with pytest.raises(ValueError, match="precision"):
        explore.natural_gradient(precision=0.0)
    figs = [primers.plot_population(study),
            primers.plot_paired_difference(g.paired_difference(study)),
            primers.plot_eps_convergence([1e-3, 1e-2], [1e-4, 1e-3], 1.0),
            primers.plot_cb_relaxation({"natural": np.array([2.0, 1.0, 0.5])}, 0.0)]
    for fig in figs:
        assert fig.axes[0].get_xlabel() and fig.axes[0].get_ylabel()
        plt.close(fig)


# ---------------------------------------------------------------------------------------------
# Edges: the slider callback everywhere on its ranges, bounded work, degenerate studies

def _draws_without_warnings(callback, kwargs, draw=True):
    """The callback returns a Figure (closed here; rendered if ``draw``) without any warning, or
    raises ValueError/TypeError."""
    import warnings

    import matplotlib.pyplot as plt

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            fig = callback(**kwargs)
        except (ValueError, TypeError) as exc:
            assert str(exc)
            return None
        try:
            assert isinstance(fig, plt.Figure)
            if draw:
                fig.canvas.draw()
            return [t.get_text() for ax in fig.axes for t in ax.texts] + [fig._suptitle.get_text()]
        finally:
            plt.close(fig)


# Every slider corner: tests/test_widgets.py::test_callback_draws_or_explains (MUST_DRAW).


def test_explore_path_that_never_moved_says_so():
    # At learning rate 1 every natural-gradient factor 1 - eps grad F_i = ln A[o, i] <= 0 at the
    # prior: every component is floored and the path stays put (length = distance = 0, was 0/0).
    A, D, o = g.random_model(3, precision=2.0, rng=0)
    path, n_clipped = g.natural_gradient(D, A, D, o, learning_rate=1.0, n_steps=30,
                                         return_clipped=True)
    assert n_clipped == 30 and g.information_length(path) == 0.0
    texts = _draws_without_warnings(explore.natural_gradient,
                                    dict(precision=2.0, learning_rate=1.0, n_steps=30, seed=0))
    assert any("0/0" in t and "did not move" in t for t in texts)
    assert not any("nan" in t.lower() or "inf" in t for t in texts)
    # also where rounding moved it by ~1e-16 (seed 1): no meaningless ratio of rounding errors
    texts = _draws_without_warnings(explore.natural_gradient,
                                    dict(precision=2.0, learning_rate=1.0, n_steps=30, seed=1))
    assert sum("did not move" in t for t in texts) == 1
    # the other two schemes keep their ratios
    assert sum("l/d = " in t and "0/0" not in t for t in texts) == 2


def test_explore_every_seed_at_unit_learning_rate():
    for seed in range(0, 51, 2):
        kwargs = dict(precision=2.0, learning_rate=1.0, n_steps=30, seed=seed)
        assert _draws_without_warnings(explore.natural_gradient, kwargs, draw=False) is not None


def test_explore_random_interior_points():
    rng = np.random.default_rng(2024)
    for _ in range(30):
        kw = dict(precision=float(np.exp(rng.uniform(np.log(0.1), np.log(20.0)))),
                  learning_rate=float(np.exp(rng.uniform(np.log(0.001), np.log(1.0)))),
                  n_steps=int(rng.choice(np.arange(5, 301, 5))), seed=int(rng.integers(0, 51)))
        assert _draws_without_warnings(explore.natural_gradient, kw, draw=False) is not None


def test_max_path_difference_unchanged_and_bounded():
    import time

    A, D, o = _model(5, 3)
    for eps in (0.25, 0.01, 1e-3):
        n = int(round(5.0 / eps))
        a = g.active_inference(D, A, D, o, learning_rate=eps, n_steps=n)
        b = g.natural_gradient(D, A, D, o, learning_rate=eps, n_steps=n)
        assert g.max_path_difference(D, A, D, o, learning_rate=eps) == np.max(np.abs(a - b))
    t0 = time.monotonic()
    for kwargs in (dict(learning_rate=1e-6), dict(learning_rate=1e-300),
                   dict(learning_rate=0.1, horizon=1e300),
                   dict(learning_rate=1e-300, horizon=1e300)):
        with pytest.raises(ValueError, match="learning_rate"):
            g.max_path_difference(D, A, D, o, **kwargs)
    assert time.monotonic() - t0 < 1.0
    with pytest.raises(ValueError, match="horizon"):
        g.max_path_difference(D, A, D, o, learning_rate=0.1, horizon=np.inf)


@pytest.mark.parametrize("sizes", [(), [], np.array([], dtype=int), (0,), (1,), (-3,), (3, 1)])
def test_population_study_bad_state_sizes(sizes):
    with pytest.raises(ValueError, match="state_sizes"):
        g.population_study(12, sizes)


@pytest.mark.parametrize("sizes", [(2.5,), ("3",), (3, None)])
def test_population_study_state_sizes_type(sizes):
    with pytest.raises(TypeError, match="state_sizes"):
        g.population_study(12, sizes)


@pytest.mark.parametrize("kwargs, name", [
    (dict(learning_rate=1.0), "learning_rate"), (dict(learning_rate=np.nan), "learning_rate"),
    (dict(precision=np.inf), "precision"), (dict(precision=-1.0), "precision"),
    (dict(concentration=0.0), "concentration"), (dict(max_steps=0), "max_steps"),
    (dict(n_models=0), "n_models")])
def test_population_study_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        g.population_study(**{**dict(n_models=12, state_sizes=(3,)), **kwargs})


def test_population_study_runs_that_need_no_step():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = g.population_study(24, (2, 3), precision=1e-8, rng=0)
    # the likelihood is flat: the prior is the posterior to within stop_kl, so no step is taken
    assert np.all(df.information_length == 0) and np.all(df.distance == 0)
    assert np.all(df.converged) and np.all(df.steps_to_tol == 0)
    assert not df.isna().any().any()
    assert np.all(df.efficiency == 1.0)        # a path that stays at the posterior is a geodesic
    # uninformative outcomes also occur at high precision (both columns of A favour outcome o)
    df = g.population_study(60, (2,), precision=1e3, rng=0)
    still = df.information_length == 0
    assert still.any() and np.all(df.efficiency[still] == 1.0) and not df.efficiency.isna().any()
    moved = df[~still]
    assert_allclose(moved.efficiency, moved.information_length / moved.distance, rtol=0, atol=0)
    summary = g.scheme_summary(df)
    assert not summary.isna().any().any()


def test_random_models_tiny_concentration_is_quiet():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = g.random_models(50, 4, concentration=1e-3, rng=0)
    assert np.all(np.isfinite(np.log(m["A"]))) and np.all(m["A"] > 0) and np.all(m["D"] > 0)
    assert_allclose(m["A"].sum(axis=1), 1.0, rtol=1e-12)
    assert_allclose(m["D"].sum(axis=1), 1.0, rtol=1e-12)


def test_chord_length_rejects_non_probabilities():
    with pytest.raises(ValueError, match="p"):
        g.chord_length([-0.5, 1.5], [0.5, 0.5])
    with pytest.raises(ValueError, match="q"):
        g.chord_length([0.5, 0.5], [np.nan, 1.0])
    assert_allclose(g.chord_length([1.0, 0.0], [0.0, 1.0]), 2 * np.sqrt(2), rtol=1e-15)


def test_population_study_underflowing_posteriors_raise():
    import warnings

    # Dirichlet(0.01) draws are so sparse that some posterior probabilities fall below 1e-308:
    # the KL of such a run was inf or NaN (with RuntimeWarnings); now one clear error
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="concentration"):
            g.population_study(120, (3, 5), concentration=0.01, rng=0)
        df = g.population_study(60, (2, 3), concentration=0.1, rng=0)
    assert np.all(np.isfinite(df.final_kl)) and not df.efficiency.isna().any()


# ---------------------------------------------------------------------------------------------
# Bad arguments named as the caller spells them (tests/test_properties.py's contract)
def _names(name):
    """A ``pytest.raises(match=...)`` pattern: ``name`` as a whole word."""
    return rf"(?<![A-Za-z0-9_]){name}(?![A-Za-z0-9_])"


_P3, _Q3 = np.array([0.2, 0.3, 0.5]), np.array([0.6, 0.3, 0.1])


@pytest.mark.parametrize("func", [g.fisher_rao, g.chord_length])
@pytest.mark.parametrize("bad", [np.full((2, 2, 2), 0.5), [], np.zeros((0, 2)), np.zeros(0),
                                 np.array([0.5, 0.5]), np.array([0.4, 0.3, 0.2, 0.1]),
                                 0.5])
@pytest.mark.parametrize("arg", ["p", "q"])
def test_distribution_pairs_that_do_not_match_are_named(func, bad, arg):
    kwargs = dict(p=_P3, q=_Q3)
    kwargs[arg] = bad
    with pytest.raises(ValueError, match=_names(arg)):
        func(**kwargs)


def test_distribution_pairs_broadcast_over_leading_axes():
    p = np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])
    assert_allclose(g.fisher_rao(p, _Q3), [g.fisher_rao(p[0], _Q3), g.fisher_rao(p[1], _Q3)],
                    rtol=0)
    assert_allclose(g.chord_length(p, _Q3),
                    [g.chord_length(p[0], _Q3), g.chord_length(p[1], _Q3)], rtol=0)
    with pytest.raises(ValueError, match=_names("q")):
        g.fisher_rao(np.full((2, 3), 1 / 3), np.full((4, 3), 1 / 3))
    # an empty batch of 3-state vectors: an empty result
    assert g.fisher_rao(np.zeros((0, 3)), _Q3).shape == (0,)
    assert g.chord_length(_P3, np.zeros((0, 3))).shape == (0,)


def test_chord_length_needs_probability_vectors():
    with pytest.raises(ValueError, match=_names("q")):
        g.chord_length(_P3, [1.0, 1.0, 1.0])            # non-negative but not normalised


@pytest.mark.parametrize("value", [np.full((2, 2, 2), 0.5), np.zeros((0, 3)), 1, "yes", None])
def test_natural_gradient_return_clipped_must_be_a_bool(value):
    A, D, o = _model(3)
    with pytest.raises(TypeError, match=_names("return_clipped")):
        g.natural_gradient(D, A, D, o, n_steps=2, return_clipped=value)


_NOT_NAMES = [np.full((2, 2, 2), 0.5), np.zeros((0, 3)), [], [[1.0, 2.0], [3.0]], None, 3]


@pytest.mark.parametrize("value", _NOT_NAMES)
def test_option_arguments_must_be_names(value, study):
    A, D, o = _model(3)
    calls = {
        "form": lambda v: g.free_energy(D, A, D, o, form=v),
        "scheme": lambda v: g.run_scheme(v, D, A, D, o, n_steps=2),
        "metric": lambda v: g.paired_difference(study, metric=v),
        "baseline": lambda v: g.paired_difference(study, baseline=v),
        "scheme ": lambda v: g.paired_difference(study, scheme=v),
    }
    for name, call in calls.items():
        with pytest.raises((ValueError, TypeError), match=_names(name.strip())):
            call(value)


def test_path_geometry_measures_the_paths():
    A, D, o = _model(3, 5)
    post = g.posterior(A, D, o)
    paths = {s: g.run_scheme(s, D, A, D, o, learning_rate=0.25, n_steps=200) for s in g.SCHEMES}
    paths["short"] = paths["natural_gradient"][:3]                  # still on its way
    m = g.path_geometry(paths, post)
    assert m.schemes == (*g.SCHEMES, "short")
    assert np.array_equal(m.start, D) and np.array_equal(m.posterior, post)
    assert np.array_equal(m.geodesic, g.geodesic(D, post)) and m.geodesic.shape == (50, 3)
    assert m.distance == g.fisher_rao(D, post)
    for k, s in enumerate(m.schemes):
        assert m.lengths[k] == g.information_length(paths[s])
        assert m.end_distances[k] == g.fisher_rao(D, paths[s][-1])
        assert m.efficiencies[k] == m.lengths[k] / m.end_distances[k]
        assert m.status[k] == "moved"
        assert m.converged[k] == (g.kl_categorical(paths[s][-1], post) < g.CONVERGED_KL)
    assert m.converged[0] and m.converged[1] and not m.converged[3]
    # a geodesic is the shortest path: every efficiency is at least 1
    assert np.all(m.efficiencies >= 1 - 1e-12)
    # the geodesic itself has efficiency 1
    assert_allclose(g.path_geometry({"geodesic": m.geodesic}, post).efficiencies, [1.0], rtol=1e-9)


def test_path_geometry_paths_that_did_not_move_or_came_back():
    A, D, o = _model(3, 5)
    post = g.posterior(A, D, o)
    there_and_back = np.array([D, post, D])
    m = g.path_geometry({"still": np.array([D, D, D]), "back": there_and_back}, post)
    assert m.status == ("still", "returned")
    assert m.lengths[0] == 0.0 and m.efficiencies[0] == 1.0      # 0/0: a geodesic of length 0
    assert m.efficiencies[1] == np.inf and m.lengths[1] > 0
    assert not m.converged.any()


D3 = np.array([0.5, 0.3, 0.2])


@pytest.mark.parametrize("paths, posterior, error, name", [
    ([np.array([D3])], D3, TypeError, "paths"),
    ({}, D3, ValueError, "paths"),
    ({1: np.array([D3])}, D3, TypeError, "paths"),
    ({"a": D3}, D3, ValueError, "paths"),                                     # one point, 1-D
    ({"a": np.array([[0.5, 0.5]])}, D3, ValueError, "paths"),                 # wrong states
    ({"a": np.array([[1.0, 0.0, 0.0]])}, D3, ValueError, "paths"),            # a zero
    ({"a": np.array([[0.5, 0.3, 0.3]])}, D3, ValueError, "paths"),            # sum != 1
    ({"a": np.array([[np.nan, 0.5, 0.5]])}, D3, ValueError, "paths"),
    ({"a": np.array([D3]), "b": np.array([[0.2, 0.3, 0.5]])}, D3, ValueError, "paths"),
    ({"a": np.array([D3])}, np.array([0.5, 0.5, 0.5]), ValueError, "posterior"),
    ({"a": np.array([D3])}, "abc", TypeError, "posterior"),
])
def test_path_geometry_bad_input(paths, posterior, error, name):
    with pytest.raises(error, match=_names(name)):
        g.path_geometry(paths, posterior)


def test_explore_learning_rate_limited_to_the_slider_range():
    with pytest.raises(ValueError, match=_names("learning_rate")):
        explore.natural_gradient(learning_rate=8.0)
    with pytest.raises(ValueError, match=_names("learning_rate")):
        explore.natural_gradient(precision=1e3, learning_rate=1.9, n_steps=5, seed=427313)
