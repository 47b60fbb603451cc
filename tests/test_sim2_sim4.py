"""Tests of the Simulation-2 and Simulation-4 chapters' figure modules and interactive callbacks
(fep_core.plotting.sim2 / sim4) at small settings: reshaping helpers against brute force, the
free-running continuation against a hand-written learning step, determinism by seed, shapes and
bad input."""
import types

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from fep_core import analysis, cb, datasets, experiments as X, explore
from fep_core.plotting import sim2, sim4

from _helpers import pixels

pytestmark = pytest.mark.usefixtures("close_figures")

EVIDENCES, PRECISIONS = [5.0, 11.0], [0.05, 0.2]
SMALL = dict(epochs=50, trials=5)


@pytest.fixture(scope="module")
def grid():
    return X.simulation2(evidences=EVIDENCES, inverse_temperatures=PRECISIONS, **SMALL)


@pytest.fixture(scope="module")
def cells(regime_cells_small):
    return regime_cells_small


@pytest.fixture(scope="module")
def sim4_small():
    return X.simulation4(epochs=60, free_steps=300, trials=5, control_seeds=range(2),
                         control_epochs_first=30, control_epochs_second=5)


# ---------------------------------------------------------------------------------------------
# Grid reshaping helpers


def _synthetic_table():
    ev, its = np.array([1.0, 2.0, 3.0]), np.array([0.01, 0.1, 1.0, 10.0])
    rng = np.random.default_rng(3)
    rows = [{"evidence": e, "inverse_temperature": t, "retrieval": rng.normal(),
             "generalization": rng.normal(), "orthogonality": rng.uniform(0, 40),
             "n_attractors": int(rng.integers(1, 11))} for e in ev for t in its]
    rows[5]["orthogonality"] = np.nan
    return pd.DataFrame(rows[::-1]), ev, its       # reversed: the helpers must sort


def test_grid_matrix_matches_table():
    table, ev, its = _synthetic_table()
    e, t, v = analysis.grid_matrix(table, "retrieval")
    assert_array_equal(e, ev)
    assert_array_equal(t, its)
    assert v.shape == (3, 4)
    for _, row in table.iterrows():
        i = np.flatnonzero(ev == row.evidence)[0]
        j = np.flatnonzero(its == row.inverse_temperature)[0]
        assert v[i, j] == row.retrieval


def test_optimal_region_by_brute_force():
    table, ev, its = _synthetic_table()
    for col in ("retrieval", "generalization"):
        mask = analysis.best_region(table, col, fraction=0.25)
        _, _, v = analysis.grid_matrix(table, col)
        ranks = np.argsort(np.argsort(-v.ravel()))  # 0 = best
        assert_array_equal(mask.ravel(), ranks < 3)   # 12 cells: the top 0.25 is 3 cells
    mask = analysis.best_region(table, "orthogonality", fraction=0.25)
    _, _, v = analysis.grid_matrix(table, "orthogonality")
    assert not mask[~np.isfinite(v)].any()
    # the 3 (= 0.25 x 12 cells) lowest finite values, NaN never chosen
    assert_array_equal(mask, np.isfinite(v) & (v <= np.sort(v[np.isfinite(v)])[2]))
    _, _, n = analysis.grid_matrix(table, "n_attractors")
    assert_array_equal(analysis.best_region(table, "n_attractors"), n == 10)


def test_precision_profile_by_brute_force():
    table, ev, its = _synthetic_table()
    prof = analysis.precision_profile(table, "generalization")
    for t in its:
        sub = table[table.inverse_temperature == t]
        assert prof.loc[t, "best"] == sub.generalization.max()
        assert prof.loc[t, "best_evidence"] == sub.loc[sub.generalization.idxmax(), "evidence"]
        assert_allclose(prof.loc[t, "median"], sub.generalization.median(), rtol=1e-15)


@pytest.mark.parametrize("bad", [dict(column="nope"), dict(column="retrieval", fraction=0.0),
                                 dict(column="retrieval", fraction=1.0)])
def test_helpers_reject_bad_input(bad):
    table, _, _ = _synthetic_table()
    with pytest.raises(ValueError):
        analysis.best_region(table, **bad)


def test_cell_edges_log_and_linear():
    assert_allclose(sim2._edges(np.array([0.01, 0.1, 1.0]), True),
                    [10 ** -2.5, 10 ** -1.5, 10 ** -0.5, 10 ** 0.5])
    assert_allclose(sim2._edges(np.array([1.0, 2.0, 3.0]), False), [0.5, 1.5, 2.5, 3.5])


@pytest.mark.parametrize("mask, n_segments", [
    ([[1, 0], [0, 0]], 4), ([[1, 1], [0, 0]], 6), ([[1, 1], [1, 1]], 8), ([[1, 0], [0, 1]], 8),
    ([[0, 0], [0, 0]], 0)])
def test_outline_draws_the_boundary(mask, n_segments):
    fig, ax = plt.subplots()
    sim2._outline(ax, np.array(mask, bool), np.arange(3.0), np.arange(3.0))
    segs = ax.collections[-1].get_segments()
    assert len(segs) == n_segments
    # every segment is a unit cell edge on the grid
    for s in segs:
        assert_allclose(np.abs(np.diff(s, axis=0)).sum(), 1.0)


# ---------------------------------------------------------------------------------------------
# Simulation 2: data, figures and callback


def test_tiny_grid_shapes_and_determinism(grid):
    assert len(grid.table) == 4 and grid.J.shape == (4, 64, 64)
    assert grid.retrieval_scores.shape == grid.generalization_scores.shape == (4, SMALL["trials"])
    again = X.simulation2(evidences=EVIDENCES, inverse_temperatures=PRECISIONS, **SMALL)
    pd.testing.assert_frame_equal(grid.table, again.table)
    other = X.simulation2(evidences=EVIDENCES, inverse_temperatures=PRECISIONS, seed=1, **SMALL)
    assert not np.allclose(grid.J, other.J)


def test_grid_cell_equals_single_cell_run(grid):
    # The chapter shows the regimes with simulation2_cell and quotes the grid for the same cells.
    c = X.simulation2_cell(evidence=11.0, inverse_temperature=0.2, **SMALL)
    cell = (grid.table.evidence == 11.0) & (grid.table.inverse_temperature == 0.2)
    k = int(np.flatnonzero(cell)[0])
    assert_array_equal(c.network.J, grid.J[k])
    for key in ("retrieval", "generalization", "n_attractors"):
        assert c.summary[key] == grid.table.iloc[k][key]


def test_grid_figures(grid):
    fig = sim2.plot_grid_heatmaps(grid)
    assert isinstance(fig, plt.Figure)
    assert len([a for a in fig.axes if a.get_label() != "<colorbar>"]) == 4
    fig, axes = plt.subplots(2, 2)
    assert sim2.plot_grid_heatmaps(grid, ax=axes) is fig
    with pytest.raises(ValueError, match="ax must hold 4 axes"):
        sim2.plot_grid_heatmaps(grid, ax=axes[0])
    fig = sim2.plot_precision_profiles(grid)
    assert len(fig.axes[0].lines) >= 4


def test_regime_figures(cells):
    n = len(cells)
    fig = sim2.plot_regime_attractors(cells)
    assert len(fig.axes) == (1 + n) * 10
    fig = sim2.plot_angle_histograms(cells)
    assert len(fig.axes) == 1 and len(fig.axes[0].get_yticklabels()) == 1 + n
    fig = sim2.plot_score_distributions(cells)
    assert len(fig.axes) == 2
    fig = sim2.plot_example_trials(cells, trial=2)
    assert len(fig.axes) == n * 6
    table = pd.DataFrame([{"regime": r, "learning_rate": lr, "retrieval": 0.1,
                           "generalization": 0.0, "n_attractors": 3, "orthogonality": 20.0}
                          for r in cells for lr in (0.001, 0.01)])
    fig = sim2.plot_learning_rate_effect(table)
    assert len(fig.axes) == 4 and len(fig.axes[0].patches) == 2 * n


def test_example_trials_show_the_trial_data(cells):
    c = cells["balanced"]
    fig = sim2.plot_example_trials({"balanced": c}, trial=3)
    imgs = [a.images[0].get_array() for a in fig.axes]
    assert_allclose(imgs[0].ravel(), c.retrieval["noisy"][3])
    assert_allclose(imgs[1].ravel(), c.retrieval["response"][3])
    d = datasets.digits()
    assert_allclose(imgs[2].ravel(), 0.1 * c.evidence * d.train[3])
    assert_allclose(imgs[5].ravel(), 0.1 * c.evidence * d.test[c.generalization_index[3]])


def test_explore_cell_callback(grid):
    kw = dict(evidence=10, inverse_temperature=0.2, learning_rate=0.002, epochs=40)
    fig = explore.simulation2(grid, **kw)
    assert isinstance(fig, plt.Figure)
    text = " ".join(t.get_text() for sf in fig.subfigs for t in [sf._suptitle] if t)
    assert "grid cell: evidence 11, $i_T$ 0.2," in text
    assert "rerun: evidence 10, $i_T$ 0.2, α 0.002, 40 epochs" in text
    assert_array_equal(pixels(fig), pixels(explore.simulation2(grid, **kw)))        # deterministic
    assert not np.array_equal(pixels(fig), pixels(explore.simulation2(grid, **kw, seed=1)))


@pytest.mark.parametrize("bad", [dict(epochs=0), dict(inverse_temperature=0.0),
                                 dict(learning_rate=-1e-3), dict(evidence=-1)])
def test_explore_cell_rejects_bad_input(grid, bad):
    with pytest.raises(ValueError):
        explore.simulation2(grid, **{**dict(epochs=20), **bad})


# ---------------------------------------------------------------------------------------------
# Simulation 4: continuation, figures, control summary and callback


def test_continuation_without_learning_changes_nothing():
    r = X.free_run_continuation(learning_rate=0.0, free_steps=50, epochs=30, trials=8)
    assert_array_equal(r.J_after, r.J_before)
    assert r.J_change == 0.0
    # identical noise streams before and after: identical scores
    assert r.retrieval_after == r.retrieval_before
    assert r.generalization_after == r.generalization_before
    assert_array_equal(r.attractors_after, r.attractors_before)


def test_continuation_first_step_is_the_learning_rule():
    alpha, iT = 0.003, 0.3
    r = X.free_run_continuation(inverse_temperature=iT, learning_rate=alpha, free_steps=1,
                                   epochs=30, trials=4)
    cell = X._trained_cell(0, 30, *X.REGIMES["balanced"], 0.001)
    s0, s1, J0 = cell.network.state, r.free_states[0], r.J_before
    expected = J0 + alpha * (np.outer(s1, s1) - np.outer(cb.langevin(J0 @ s0), s1))
    np.fill_diagonal(expected, 0.0)
    assert_allclose(r.J_after, expected, rtol=1e-12, atol=1e-15)


def test_continuation_shapes_and_determinism():
    kw = dict(free_steps=120, epochs=30, trials=6)
    a, b = X.free_run_continuation(**kw), X.free_run_continuation(**kw)
    c = X.free_run_continuation(seed=1, **kw)
    assert a.free_states.shape == (120, 64) and a.J_after.shape == (64, 64)
    assert np.all(np.abs(a.free_states) <= 1)
    assert_array_equal(a.J_after, b.J_after)
    assert a.retrieval_after == b.retrieval_after
    assert not np.allclose(a.J_after, c.J_after)
    assert np.all(np.diag(a.J_after) == 0) and a.J_change > 0


@pytest.mark.parametrize("bad", [dict(free_steps=0), dict(inverse_temperature=-0.1),
                                 dict(learning_rate=-1.0), dict(epochs=0), dict(trials=0)])
def test_continuation_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        X.free_run_continuation(**{**dict(free_steps=5, epochs=10, trials=3), **bad})


def test_digit_correlations_against_corrcoef():
    states = np.random.default_rng(0).uniform(-1, 1, size=(7, 64))
    c = analysis.digit_correlations(states, every=2)
    train = datasets.digits().train
    ref = np.corrcoef(np.vstack([states[::2], train]))[:4, 4:]
    assert_allclose(c, ref, rtol=1e-12, atol=1e-14)


def test_control_summary_by_hand():
    ctrl = pd.DataFrame({"seed": [0, 0, 0, 1, 1, 1],
                         "condition": ["sequential", "replay", "rest"] * 2,
                         "first": [0.1, 0.3, 0.2, 0.0, 0.1, 0.05],
                         "second": [0.2, 0.1, 0.3, 0.4, 0.2, 0.0]})
    s = analysis.retention_summary(types.SimpleNamespace(control=ctrl))
    assert_array_equal(analysis.retention_summary(ctrl).to_numpy(), s.to_numpy())
    d = analysis.retention_differences(ctrl)
    assert_allclose(d["replay - rest"], [0.1, 0.05])
    assert_allclose(d["rest - sequential"], [0.1, 0.05])
    with pytest.raises(TypeError, match="control"):
        analysis.retention_summary(ctrl.drop(columns="first"))
    assert list(s.index) == ["sequential", "replay", "rest"]
    assert_allclose(s.loc["replay", "digits 0-4 mean"], 0.2)
    assert_allclose(s.loc["replay", "digits 0-4 sd"], np.std([0.3, 0.1], ddof=1))
    assert_allclose(s.loc["rest", "digits 5-9 mean"], 0.15)
    assert_allclose(s.loc["replay", "0-4 minus sequential (mean)"], 0.15)
    assert_allclose(s.loc["rest", "0-4 minus sequential (min)"], 0.05)
    assert_allclose(s.loc["sequential", "0-4 minus sequential (max)"], 0.0)


def test_sim4_figures(sim4_small):
    r = sim4_small
    assert r.free_states.shape == (300, 64)
    assert set(r.control.condition) == {"sequential", "replay", "rest"} and len(r.control) == 6
    fig = sim4.plot_coupling(r)
    assert len([a for a in fig.axes if a.get_label() != "<colorbar>"]) == 4
    diff, = [a for a in fig.axes if a.get_title() == "J after − J before"]
    assert_allclose(diff.images[0].get_array(), r.J_after - r.J_before)
    assert len(sim4.plot_attractors_before_after(r).axes) == 20
    fig = sim4.plot_scores_before_after(r)
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert_allclose(heights, [r.retrieval_before, r.generalization_before, r.retrieval_after,
                              r.generalization_after])
    assert isinstance(sim4.plot_free_run(r, every=10), plt.Figure)
    fig = sim4.plot_retention_control(r)
    assert len(fig.axes) == 2 and len(fig.axes[0].lines) == 2 + 1   # one line per seed + zero line
    with pytest.raises(ValueError):
        sim4.plot_coupling(r, ax=[plt.gca()])


def test_explore_free_run_callback():
    kw = dict(inverse_temperature=0.3, learning_rate=0.002, free_steps=200, epochs=40)
    fig = explore.simulation4(**kw)
    assert isinstance(fig, plt.Figure)
    assert_array_equal(pixels(fig), pixels(explore.simulation4(**kw)))
    assert not np.array_equal(pixels(fig), pixels(explore.simulation4(**kw, seed=2)))
