"""Tests of the Simulation 1 and Simulation 3 chapters: their figures (fep_core.plotting.sim1 and
sim3), interactive callbacks, the asymmetry sweep, and the chapters' claims. Both simulations
run in well under a second at the paper's own settings, so the claims are tested there."""
import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from fep_core import analysis, experiments as E, explore, paper
from fep_core.plotting import sim1, sim3

from _helpers import assert_labelled, pixels, plot_axes

pytestmark = pytest.mark.usefixtures("close_figures")


@pytest.fixture(scope="module")
def r1():
    return E.simulation1()


@pytest.fixture(scope="module")
def r1_small():
    return E.simulation1(epochs=60, seed=3)


@pytest.fixture(scope="module")
def r3():
    return E.simulation3()


@pytest.fixture(scope="module")
def r3_small():
    return E.simulation3(epochs=150, free_steps=30, seed=2)


# ---------------------------------------------------------------------------------------------
# Simulation 1: figures
SIM1_PLOTS = {"plot_patterns": 2, "plot_training_vfe": 3, "plot_attractors": 4, "plot_coupling": 2,
              "plot_probes": 6}


@pytest.mark.parametrize("name", sorted(SIM1_PLOTS))
def test_sim1_plots_return_labelled_figures(name, r1_small):
    fig = getattr(sim1, name)(r1_small)
    assert_labelled(fig, shared_x=True, colorbars=True)
    assert len(plot_axes(fig)) == SIM1_PLOTS[name]


@pytest.mark.parametrize("name", sorted(SIM1_PLOTS))
def test_sim1_plots_draw_into_given_axes(name, r1_small):
    n = SIM1_PLOTS[name]
    fig, axes = plt.subplots(1, n)
    assert getattr(sim1, name)(r1_small, ax=axes) is fig
    assert all(a.has_data() for a in axes)
    with pytest.raises(ValueError, match="ax must hold"):
        getattr(sim1, name)(r1_small, ax=axes[:-1] if n > 1 else [axes, axes])


def test_sim1_seed_plot(r1_small):
    table = E.simulation1_seeds(range(3), epochs=60)
    fig = sim1.plot_seed_correlations(table)
    assert_labelled(fig, shared_x=True, colorbars=True)
    assert fig.axes[0].get_legend() is None and len(fig.legends) == 1   # the legend is below
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    m, s = table.attractor_correlation.mean(), table.attractor_correlation.std(ddof=1)
    assert f"mean ± sd = {m:.3f} ± {s:.3f}" in labels
    assert any("-0.19" in t for t in labels) and any("-0.20" in t for t in labels)


@pytest.mark.parametrize("window", [1, 7, 100, 10_000])
def test_smooth_matches_rolling_mean(window):
    x = np.random.default_rng(0).normal(size=500)
    ref = pd.Series(x).rolling(min(window, x.size)).mean().dropna().to_numpy()
    assert_allclose(sim1.smooth(x, window), ref, rtol=1e-10, atol=1e-12)


def test_training_vfe_plot_needs_a_trace(r1_small):
    import dataclasses

    empty = dataclasses.replace(r1_small,
                                trace=dataclasses.replace(r1_small.trace, vfe=np.zeros(0)))
    with pytest.raises(ValueError, match="training trace"):
        sim1.plot_training_vfe(empty)


# Simulation 1: the chapter's claims at the paper's settings (seed 0)
def test_sim1_data_correlation_independent(r1):
    v = np.zeros((5, 5))
    v[:, 2] = 1.0
    v[2, 2] = 4.0
    assert_allclose(r1.data_correlation, np.corrcoef(v.ravel(), v.T.ravel())[0, 1], rtol=1e-12)
    assert abs(r1.data_correlation - 0.77) < 0.005


def test_sim1_vfe_decreases(r1):
    v = r1.trace.vfe
    k = v.size // 10
    assert v[-k:].mean() < v[:k].mean() - 20


def test_sim1_attractors_decorrelated(r1):
    assert r1.attractors_converged.all()
    assert -0.3 <= r1.attractor_correlation <= -0.05


def test_sim1_retrieval_and_cross(r1):
    ret = r1.retrieval_projection[15:].mean(axis=0)
    gen = r1.generalization_projection[10:].mean(axis=0)
    assert ret[0] > 0.5 and ret[0] > ret[1] + 0.3
    assert gen.min() > 0.3


def test_sim1_seed_mean_near_paper():
    table = E.simulation1_seeds(range(10))
    m = table.attractor_correlation.mean()
    assert -0.3 <= m <= -0.05
    assert abs(m - paper.value("s1_attr_corr")) < 2 * table.attractor_correlation.std(ddof=1)


# Simulation 1: interactive callback
def test_sim1_explore_default_and_deterministic():
    kw = dict(epochs=100, seed=4)
    a, b = explore.simulation1(**kw), explore.simulation1(**kw)
    assert_labelled(a, shared_x=True, colorbars=True)
    assert_array_equal(pixels(a), pixels(b))
    assert "attractor r =" in a.get_suptitle()
    assert not np.array_equal(pixels(a), pixels(explore.simulation1(epochs=100, seed=5)))


def test_sim1_explore_title_reports_the_simulation():
    fig = explore.simulation1(epochs=100, seed=1)
    r = E.simulation1(epochs=100, seed=1)
    assert f"attractor r = {r.attractor_correlation:.2f}" in fig.get_suptitle()


@pytest.mark.parametrize("kwargs, match", [
    (dict(evidence=0.0), "evidence"),
    (dict(learning_rate=-0.01), "learning_rate"),
    (dict(inverse_temperature=0.0), "inverse_temperature"),
    (dict(epochs=0), "epochs"),
    (dict(learning_rate=1e-4, epochs=50), "no attractor was learned"),
])
def test_sim1_explore_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        explore.simulation1(**kwargs)


def test_sim1_explore_no_attractor_message_is_one_sentence():
    with pytest.raises(ValueError) as info:
        explore.simulation1(learning_rate=1e-4, epochs=50)
    msg = str(info.value)
    assert msg.count(". ") == 0 and "\n" not in msg


# ---------------------------------------------------------------------------------------------
# Simulation 3: figures
SIM3_PLOTS = {"plot_digits": 3, "plot_coupling": 3, "plot_symmetric_attractors": 6,
              "plot_free_run": 2, "plot_asymmetry": 1}


@pytest.mark.parametrize("name", sorted(SIM3_PLOTS))
def test_sim3_plots_return_labelled_figures(name, r3_small):
    fig = getattr(sim3, name)(r3_small)
    assert_labelled(fig, shared_x=True, colorbars=True)
    assert len(plot_axes(fig)) == SIM3_PLOTS[name]


@pytest.mark.parametrize("name", sorted(SIM3_PLOTS))
def test_sim3_plots_draw_into_given_axes(name, r3_small):
    n = SIM3_PLOTS[name]
    fig, axes = plt.subplots(1, n)
    axes = np.atleast_1d(axes)
    assert getattr(sim3, name)(r3_small, ax=axes) is fig
    assert all(a.has_data() for a in axes)


def test_sim3_coupling_plot_shares_one_colour_scale(r3_small):
    fig = sim3.plot_coupling(r3_small)
    limits = {im.get_clim() for a in plot_axes(fig) for im in a.get_images()}
    assert len(limits) == 1
    v = max(np.abs(m).max() for m in (r3_small.J, r3_small.J_symmetric, r3_small.J_antisymmetric))
    assert_allclose(limits.pop(), (-v, v), rtol=1e-15)
    assert len(fig.get_axes()) == 4            # three heatmaps, one colour bar for all


def test_sim3_free_run_plot_prints_order(r3):
    fig = sim3.plot_free_run(r3)
    assert r3.sequence_order[:40] in fig.axes[1].get_title()


def test_sim3_montage_places_frames():
    states = np.arange(3 * 64, dtype=float).reshape(3, 64)
    m = sim3._montage(states)
    assert m.shape == (8, 3 * 9 - 1)
    for t in range(3):
        assert_array_equal(m[:, 9 * t:9 * t + 8], states[t].reshape(8, 8))
    assert m.mask[:, 8].all() and m.mask[:, 17].all()


def test_sim3_digit_correlations_match_corrcoef(r3_small):
    c = analysis.digit_correlations(r3_small.free_states[:5], r3_small.digits)
    ref = np.corrcoef(np.vstack([r3_small.free_states[:5], r3_small.digits]))[:5, 5:]
    assert_allclose(c, ref, rtol=1e-10, atol=1e-12)


def test_sim3_asymmetry_plot_with_sweep(r3_small):
    sweep = E.simulation3_asymmetry(seeds=[0, 1], epochs=60, n_checkpoints=3)
    fig = sim3.plot_asymmetry(r3_small, sweep=sweep, seeds=[0.97, 0.99])
    assert_labelled(fig, shared_x=True, colorbars=True)
    assert len(plot_axes(fig)) == 2
    with pytest.raises(ValueError, match="ax must hold"):
        sim3.plot_asymmetry(r3_small, sweep=sweep, ax=[plt.gca()])


# Simulation 3: asymmetry sweep
def test_sweep_reproduces_simulation3_exactly():
    # Checkpoints at 22, 45, 68, 90 split the cycle mid-way: the sweep must not lose its phase.
    sweep = E.simulation3_asymmetry(seeds=[0, 4], orders=("sequential",), epochs=90,
                                    n_checkpoints=4)
    assert sorted(sweep.epoch.unique()) == [22, 45, 68, 90]
    final = sweep[sweep.epoch == 90].set_index("seed").asymmetry
    for s in (0, 4):
        assert_allclose(final[s], E.simulation3(seed=s, epochs=90, free_steps=1).asymmetry,
                        rtol=1e-12)


def test_sweep_is_deterministic_and_seed_dependent():
    a = E.simulation3_asymmetry(seeds=[1, 2], epochs=30, n_checkpoints=2)
    b = E.simulation3_asymmetry(seeds=[1, 2], epochs=30, n_checkpoints=2)
    pd.testing.assert_frame_equal(a, b)
    assert set(a.columns) == {"seed", "order", "epoch", "asymmetry"}
    assert (a[a.seed == 1].asymmetry.to_numpy().tolist()
            != a[a.seed == 2].asymmetry.to_numpy().tolist())


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(orders=("backwards",)), ValueError, "order"),
    (dict(seeds=[]), ValueError, "seeds"),
    (dict(seeds=[-1]), ValueError, "seed"),
    (dict(epochs=0), ValueError, "epochs"),
    (dict(n_checkpoints=0), ValueError, "n_checkpoints"),
    (dict(epochs=2.5), TypeError, "epochs"),
])
def test_sweep_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        E.simulation3_asymmetry(**kwargs)


# Simulation 3: the chapter's claims at the paper's settings
def test_sim3_asymmetry_near_paper(r3):
    assert abs(r3.asymmetry - paper.value("s3_asymmetry")) < 0.02
    assert_allclose(r3.asymmetry, np.linalg.norm(r3.J - r3.J.T) / np.linalg.norm(r3.J), rtol=1e-12)


def test_sim3_attractors_and_cycle(r3):
    assert r3.symmetric_attractor_labels == "123"
    order = r3.sequence_order
    assert any(rot * 3 in order for rot in ("123", "231", "312"))
    assert re.fullmatch(r"(?:[123])+", order)
    assert all(b == "123"[("123".index(a) + 1) % 3] for a, b in zip(order, order[1:]))


def test_sim3_order_matters():
    sweep = E.simulation3_asymmetry(seeds=[0, 1, 2], epochs=2000, n_checkpoints=1)
    mean = sweep.groupby("order").asymmetry.mean()
    assert mean["random"] < 0.4 < 0.95 < mean["sequential"]
    sd = sweep[sweep.order == "sequential"].asymmetry.std(ddof=1)
    assert sd < 0.02


# Simulation 3: interactive callback
def test_sim3_explore_default_and_deterministic():
    kw = dict(epochs=300, seed=2)
    a, b = explore.simulation3(**kw), explore.simulation3(**kw)
    assert_labelled(a, shared_x=True, colorbars=True)
    assert_array_equal(pixels(a), pixels(b))
    r = E.simulation3(epochs=300, seed=2)
    assert f"asymmetry {r.asymmetry:.3f}" in a.get_suptitle()


@pytest.mark.parametrize("kwargs, match", [
    (dict(evidence=-1.0), "evidence"),
    (dict(inverse_temperature=0.0), "inverse_temperature"),
    (dict(learning_rate=-1e-3), "learning_rate"),
    (dict(learning_rate=0.0), "coupling at zero"),
    (dict(epochs=0), "epochs"),
])
def test_sim3_explore_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        explore.simulation3(**kwargs)
