"""The Simulation-2 and Simulation-4 figures as drawn for the page (issue 13): every figure
function is declared with ``figure_function``, fits the 672 px column with readable text, and each
redesigned figure shows what its caption says (the heat maps' outlines and regime markers, one
point per angle or trial, matrices at >= 300 px, legends outside the axes). Small settings."""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection
from numpy.testing import assert_allclose

from fep_core import analysis, datasets, experiments as X, metrics, paper
from fep_core.plotting import layout, sim2, sim4

pytestmark = pytest.mark.usefixtures("close_figures")

SMALL = dict(epochs=50, trials=5)


@pytest.fixture(scope="module")
def grid():
    # the three regimes' cells lie on this grid: their markers must show
    evidences = sorted({e for e, _ in X.REGIMES.values()})
    precisions = sorted({t for _, t in X.REGIMES.values()})
    return X.simulation2(evidences=evidences, inverse_temperatures=precisions, **SMALL)


@pytest.fixture(scope="module")
def cells(regime_cells_small):
    return regime_cells_small


@pytest.fixture(scope="module")
def sim4_small():
    return X.simulation4(epochs=60, free_steps=300, trials=5, control_seeds=range(3),
                         control_epochs_first=30, control_epochs_second=5)


def _maps(fig):
    return [a for a in fig.axes if not hasattr(a, "_colorbar")]


def _px(artist):
    return artist.get_window_extent(artist.figure.canvas.get_renderer())


@pytest.mark.parametrize("module", [sim2, sim4])
def test_every_figure_function_is_declared(module):
    public = [name for name in dir(module) if name.startswith("plot_")]
    assert "plot_explore" in public
    for name in public:
        assert f"{module.__name__}.{name}" in layout.FIGURE_FUNCTIONS, name


def test_grid_heatmaps_fit_the_column(grid):
    fig = sim2.plot_grid_heatmaps(grid)
    assert layout.check_figure(fig) == []
    assert fig.get_figwidth() * layout.DPI <= layout.COLUMN_PX
    maps = _maps(fig)
    assert len(maps) == 4
    assert [a.get_title() for a in maps] == [v[0] for v in sim2.GRID_PANELS.values()]
    # a labelled colour bar per map
    bars = [a for a in fig.axes if hasattr(a, "_colorbar")]
    assert len(bars) == 4 and all(b.get_ylabel() for b in bars)
    fig.canvas.draw()
    for a, col in zip(maps, sim2.GRID_PANELS):
        # the red outline of the optimal region is drawn on every map that has one
        outlines = [c for c in a.collections if isinstance(c, LineCollection)]
        assert len(outlines) == 1
        has_region = analysis.best_region(grid.table, col).any()
        assert (len(outlines[0].get_segments()) > 0) == has_region
        assert_allclose(outlines[0].get_colors()[0][:3], [1.0, 0.0, 0.0])
        # the paper's three regimes are marked where they lie
        marked = {line.get_label(): (line.get_xdata()[0], line.get_ydata()[0]) for line in a.lines}
        for name, (e, t) in paper.REGIMES.items():
            assert marked[name] == (t, e)
        # each map is drawn at a readable size (the 2 x 2 block fills the column)
        assert _px(a).width > 200
        for tick in a.get_xticklabels() + a.get_yticklabels():
            assert layout.font_px(tick) >= layout.MIN_FONT_PX
    # x labels on the bottom row, y labels on the left column only
    assert [bool(a.get_xlabel()) for a in maps] == [False, False, True, True]
    assert [bool(a.get_ylabel()) for a in maps] == [True, False, True, False]
    # the legend (three regimes, optimal region) lies below every map
    legend, = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == [*paper.REGIMES, "optimal region"]
    assert _px(legend).y1 <= min(_px(a).y0 for a in maps)


def test_grid_heatmaps_outline_the_best_region(grid):
    fig = sim2.plot_grid_heatmaps(grid, fraction=0.25)
    ret = _maps(fig)[0]
    segs = ret.collections[-1].get_segments()
    mask = analysis.best_region(grid.table, "retrieval", fraction=0.25)
    assert mask.sum() >= 1
    # every outline segment is an edge of a cell of the best region
    ev, its, _ = analysis.grid_matrix(grid.table, "retrieval")
    xe, ye = sim2._edges(its, True), sim2._edges(ev, False)
    best = [(xe[j], xe[j + 1], ye[i], ye[i + 1]) for i, j in zip(*np.nonzero(mask))]
    for s in segs:
        (x0, y0), (x1, y1) = s
        assert any(a <= min(x0, x1) + 1e-12 and max(x0, x1) <= b + 1e-12
                   and c <= min(y0, y1) + 1e-12 and max(y0, y1) <= d + 1e-12
                   for a, b, c, d in best)


def test_precision_profiles_legend_outside(grid):
    fig = sim2.plot_precision_profiles(grid)
    ax = fig.axes[0]
    fig.canvas.draw()
    assert _px(ax.get_legend()).x0 >= _px(ax).x1
    assert ax.get_xlabel() == "precision $i_T$"


def test_regime_attractors_rows(cells):
    fig = sim2.plot_regime_attractors(cells)
    assert fig.get_figwidth() * layout.DPI <= layout.COLUMN_PX
    titles = [sf._suptitle.get_text() for sf in fig.subfigs]
    assert titles[0] == "training digits"
    for title, (name, c) in zip(titles[1:], cells.items()):
        n = len(c.attractors)
        assert title.startswith(f"{name}: evidence {c.evidence:g}, $i_T$ ")
        assert title.endswith(f"{n} attractor{'s' if n != 1 else ''}")
    for sf, c in zip(fig.subfigs[1:], cells.values()):
        shown = [a for a in sf.axes if a.images]
        assert len(shown) == len(c.attractors)
        assert_allclose(shown[0].images[0].get_array().ravel(), c.attractors[0])
    # digits at a visible size: 8 x 8 images at least 50 px wide
    fig.canvas.draw()
    assert min(_px(a).width for a in fig.axes if a.images) >= 50


def test_angle_strips_show_every_pair(cells):
    fig = sim2.plot_angle_histograms(cells)
    ax, = fig.axes
    d = datasets.digits()
    sets = [d.train] + [c.attractors for c in cells.values()]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    points = [c for c in ax.collections if len(c.get_offsets())]
    nonempty = [v for v in sets if len(v) > 1]
    assert len(points) == len(nonempty)
    for coll, v in zip(points, nonempty):
        assert_allclose(np.sort(coll.get_offsets()[:, 0]), np.sort(metrics.pairwise_angles(v)))
    for label, v in zip(labels, sets):
        if len(v) > 1:
            n = len(metrics.pairwise_angles(v))
            assert f"{n} pairs, {metrics.orthogonality(v):.1f}°" in label
        else:
            assert "no pairs" in label
    assert any(np.allclose(line.get_xdata(), 90) for line in ax.lines)


def test_score_distributions_show_every_trial(cells):
    fig = sim2.plot_score_distributions(cells)
    assert len(fig.axes) == 2 and fig.get_figwidth() * layout.DPI <= layout.COLUMN_PX
    for ax, key in zip(fig.axes, ("retrieval", "generalization")):
        points = [c for c in ax.collections if len(c.get_offsets())]
        assert len(points) == len(cells)
        for coll, c in zip(points, cells.values()):
            assert_allclose(np.sort(coll.get_offsets()[:, 1]), np.sort(getattr(c, key)["score"]))
        assert [t.get_text() for t in ax.get_xticklabels()] == \
            [n.replace(" ", "\n") for n in cells]


def test_example_trials_six_columns(cells):
    fig = sim2.plot_example_trials(cells, trial=1)
    assert len(fig.axes) == 6 * len(cells)
    fig.canvas.draw()
    boxes = [_px(a) for a in fig.axes[:6]]
    gaps = [b.x0 - a.x1 for a, b in zip(boxes, boxes[1:])]
    # retrieval and generalisation triplets are set apart
    assert gaps[2] > 1.5 * max(gaps[:2] + gaps[3:])


def test_learning_rate_effect_legend_below(cells):
    import pandas as pd

    table = pd.DataFrame([{"regime": r, "learning_rate": lr, "retrieval": 0.1,
                           "generalization": -0.1, "n_attractors": 3, "orthogonality": np.nan}
                          for r in cells for lr in (0.001, 0.01)])
    fig = sim2.plot_learning_rate_effect(table)
    assert len(fig.axes) == 4
    legend, = fig.legends
    fig.canvas.draw()
    assert _px(legend).y1 <= min(_px(a).y0 for a in fig.axes)
    assert [t.get_text() for t in legend.get_texts()] == ["learning rate α 0.001",
                                                          "learning rate α 0.01"]


def test_explore_cell_figure_fits(grid):
    from fep_core import explore

    fig = explore.simulation2(grid, evidence=11, inverse_temperature=0.17, learning_rate=0.001,
                              epochs=20)
    assert layout.check_figure(fig) == []
    maps = [a for a in fig.subfigs[0].axes if not hasattr(a, "_colorbar")]
    assert [a.get_title() for a in maps] == ["grid: retrieval", "grid: generalisation"]
    text = fig.subfigs[2]._suptitle.get_text()
    assert "rerun: evidence 11" in text and "orthogonality" in text and "nan" not in text


# ---------------------------------------------------------------------------------------------
# Simulation 4


def test_coupling_matrices_at_300_px(sim4_small):
    r = sim4_small
    fig = sim4.plot_coupling(r)
    assert layout.check_figure(fig) == []
    fig.canvas.draw()
    mats = [a for a in fig.axes if a.images]
    assert [a.get_title() for a in mats] == ["J before", "J after", "J after − J before"]
    for a in mats:
        assert _px(a).width >= 300 and a.images[0].get_array().shape == (64, 64)
    # before and after share one colour scale
    assert mats[0].images[0].get_clim() == mats[1].images[0].get_clim()
    scatter, = [a for a in fig.axes if a.get_title().startswith("off-diagonal")]
    x, y = scatter.lines[0].get_data()
    off = ~np.eye(64, dtype=bool)
    assert_allclose(x, r.J_before[off])
    assert_allclose(y, r.J_after[off])
    assert f"r = {np.corrcoef(r.J_before[off], r.J_after[off])[0, 1]:.2f}" in scatter.get_title()


def test_scores_before_after_legend_outside(sim4_small):
    fig = sim4.plot_scores_before_after(sim4_small)
    ax = fig.axes[0]
    fig.canvas.draw()
    assert _px(ax.get_legend()).x0 >= _px(ax).x1
    assert [t.get_text() for t in ax.texts] == [
        f"{v:.3f}" for v in (sim4_small.retrieval_before, sim4_small.generalization_before,
                             sim4_small.retrieval_after, sim4_small.generalization_after)]


def test_retention_control_bars_are_means(sim4_small):
    fig = sim4.plot_retention_control(sim4_small)
    c = sim4_small.control
    for ax, col in zip(fig.axes, ("first", "second")):
        means = c.groupby("condition")[col].mean().reindex(list(sim4.CONDITIONS))
        bars = sorted(ax.patches, key=lambda p: p.get_x())
        assert_allclose([p.get_height() for p in bars], means.to_numpy())
        assert [t.get_text() for t in ax.get_xticklabels()] == list(sim4.CONDITIONS)
        seeds = [line for line in ax.lines if len(line.get_xdata()) == len(sim4.CONDITIONS)]
        assert len(seeds) == c.seed.nunique()


def test_free_run_and_attractors_fit(sim4_small):
    for fig in (sim4.plot_free_run(sim4_small, every=10),
                sim4.plot_attractors_before_after(sim4_small)):
        assert layout.check_figure(fig) == []
        plt.close(fig)


def test_explore_free_run_figure_fits():
    from fep_core import explore

    fig = explore.simulation4(inverse_temperature=0.3, learning_rate=0.002, free_steps=100,
                              epochs=20)
    assert layout.check_figure(fig) == []
    assert "$i_T$ 0.3, α 0.002, 100 steps" in fig._suptitle.get_text()
    dJ, = [a for a in fig.axes if a.images and a.images[0].get_array().shape == (64, 64)]
    fig.canvas.draw()
    assert _px(dJ).width >= 280


def test_replicates_one_line_per_seed_and_measure():
    frame = pd.DataFrame({"retrieval_before": [0.30, 0.29, 0.31],
                          "retrieval_after": [0.18, 0.19, 0.2],
                          "generalization before": [0.1, 0.08, 0.09],
                          "generalization after": [0.03, 0.05, 0.02],
                          "attractor |state| before": [0.5, 0.52, 0.55],
                          "attractor |state| after": [0.08, 0.07, 0.09]},
                         index=pd.Index([0, 1, 2], name="seed"))
    fig = sim4.plot_replicates(frame)
    panels = [a for a in fig.axes if a.get_lines()]
    assert [a.get_title() for a in panels] == list(sim4.REPLICATE_PANELS.values())
    for a, measure in zip(panels, ("retrieval", "generalization", "attractor |state|")):
        assert len(a.get_lines()) == 3                       # one line per seed
        ys = np.array([line.get_ydata() for line in a.get_lines()])
        before = frame.filter(like=measure).iloc[:, 0].to_numpy()
        np.testing.assert_allclose(ys[:, 0], before)
    with pytest.raises(KeyError, match="retrieval"):
        sim4.plot_replicates(frame.drop(columns="retrieval_after"))
