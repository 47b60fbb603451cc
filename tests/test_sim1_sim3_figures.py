"""The figures of the Simulation 1 and Simulation 3 chapters fit the page (issue 13): every figure
function is declared with ``figure_function``, is at most one column wide, and the redesigned
figures show what they must at a readable size (64 x 64 matrices at 300 px or more, the free
run's frames at 40 px or more in several rows, legends outside the axes, the precision named
i_T)."""
import inspect

import matplotlib.pyplot as plt
import numpy as np
import pytest

from fep_core import experiments as E, explore
from fep_core.plotting import layout, sim1, sim3

from _helpers import assert_labelled, plot_axes

pytestmark = pytest.mark.usefixtures("close_figures")


@pytest.fixture(scope="module")
def r1():
    return E.simulation1(epochs=60, seed=3)


@pytest.fixture(scope="module")
def r3():
    return E.simulation3()


def _width_px(ax):
    ax.figure.canvas.draw()
    return ax.get_window_extent().width * layout.DPI / ax.figure.dpi


@pytest.mark.parametrize("module", [sim1, sim3])
def test_every_figure_function_is_declared(module):
    names = [n for n in module.__all__ if n.startswith("plot_")]
    assert "plot_explore" in names
    for name in names:
        assert f"{module.__name__}.{name}" in layout.FIGURE_FUNCTIONS, name
        assert inspect.unwrap(getattr(module, name)) is not getattr(module, name)


def _sim1_figures(r):
    seeds = E.simulation1_seeds(range(3), epochs=60)
    return {"plot_patterns": sim1.plot_patterns(r), "plot_training_vfe": sim1.plot_training_vfe(r),
            "plot_attractors": sim1.plot_attractors(r), "plot_coupling": sim1.plot_coupling(r),
            "plot_probes": sim1.plot_probes(r), "plot_seed_correlations":
            sim1.plot_seed_correlations(seeds)}


def test_sim1_figures_fit_the_column(r1):
    for name, fig in _sim1_figures(r1).items():
        assert fig.get_figwidth() * layout.DPI <= layout.COLUMN_PX + 0.5, name
        assert layout.check_figure(fig) == [], name
        assert all(a.get_legend() is None for a in fig.axes), f"{name}: a legend inside the axes"


def test_sim3_figures_fit_the_column(r3):
    sweep = E.simulation3_asymmetry(seeds=[0, 1], epochs=60, n_checkpoints=3)
    figs = {"plot_digits": sim3.plot_digits(r3), "plot_coupling": sim3.plot_coupling(r3),
            "plot_symmetric_attractors": sim3.plot_symmetric_attractors(r3),
            "plot_free_run": sim3.plot_free_run(r3),
            "plot_asymmetry": sim3.plot_asymmetry(r3, sweep=sweep, seeds=[0.97, 0.98, 0.99])}
    for name, fig in figs.items():
        assert fig.get_figwidth() * layout.DPI <= layout.COLUMN_PX + 0.5, name
        assert layout.check_figure(fig) == [], name
        assert all(a.get_legend() is None for a in fig.axes), f"{name}: a legend inside the axes"


def test_sim3_coupling_matrices_are_large_enough(r3):
    fig = sim3.plot_coupling(r3)
    mats = plot_axes(fig)
    assert len(mats) == 3
    for a in mats:
        assert a.get_images()[0].get_array().shape == (64, 64)
        assert _width_px(a) >= sim3.MATRIX_PX, a.get_title()
    # J alone in the top row; the symmetric and antisymmetric parts side by side below it
    j, s, anti = mats
    assert "coupling" in j.get_title() and "symmetric part" in s.get_title()
    assert "antisymmetric" in anti.get_title()
    jb, sb, ab = (a.get_window_extent() for a in mats)
    assert jb.y0 > sb.y1 and abs(sb.y0 - ab.y0) < 1 and ab.x0 > sb.x1
    texts = " ".join(t.get_text() for t in fig.texts + [t for sf in fig.subfigs for t in sf.texts])
    assert f"{r3.asymmetry:.3f}" in texts


def test_sim3_free_run_frames_in_rows(r3):
    fig = sim3.plot_free_run(r3, n_frames=24, per_row=8)
    a0, a1 = plot_axes(fig)
    montage = a0.get_images()[0].get_array()
    # three rows of eight 8x8 frames, 1 blank column between frames and 3 blank rows between rows
    assert montage.shape == (3 * 8 + 2 * 3, 8 * 9 - 1)
    frame_px = _width_px(a0) * 8 / montage.shape[1]
    assert frame_px >= sim3.FRAME_PX
    assert [t.get_text() for t in a0.get_yticklabels()] == ["1–8", "9–16", "17–24"]
    labels = [t.get_text() for t in a0.texts]
    assert len(labels) == 24
    for t, text in enumerate(labels):
        k = int(r3.recognised[t])
        assert text == f"{t + 1}: {r3.labels[k] if k >= 0 else '–'}"
    assert "$i_T$" in a1.get_xlabel()
    assert [t.get_text() for t in fig.legends[0].get_texts()][-1] == "recognition threshold"


def test_sim3_montage_rows():
    states = np.arange(5 * 64, dtype=float).reshape(5, 64)
    m = sim3._montage(states, gap=1, per_row=2, row_gap=3)
    assert m.shape == (3 * 8 + 2 * 3, 2 * 9 - 1)
    for t in range(5):
        r, c = divmod(t, 2)
        np.testing.assert_array_equal(m[11 * r:11 * r + 8, 9 * c:9 * c + 8],
                                      states[t].reshape(8, 8))
    assert m.mask[22:30, 9:].all()                       # the sixth place is empty
    assert m.mask[8:11, :].all()                         # the blank rows between rows


def test_sim1_probes_legend_below(r1):
    fig = sim1.plot_probes(r1)
    assert len(plot_axes(fig)) == 6 and len(fig.legends) == 1
    legend = fig.legends[0].get_window_extent()
    for a in plot_axes(fig):
        assert legend.y1 <= a.get_window_extent().y0 + 1


def test_sim1_explore_layout():
    fig = explore.simulation1(epochs=100, seed=4)
    assert fig.get_figwidth() * layout.DPI <= layout.COLUMN_PX + 0.5
    assert layout.check_figure(fig) == []
    assert_labelled(fig, shared_x=True, colorbars=True)
    images = [a for a in plot_axes(fig) if a.get_images()]
    lines = [a for a in plot_axes(fig) if a.get_lines() and not a.get_images()]
    assert len(images) == 4 and len(lines) == 3
    # the images in one row above the free-energy panel, the two probes side by side below it
    assert len({round(a.get_window_extent().y0) for a in images}) == 1
    title = fig.get_suptitle()
    assert "precision $i_T$ = 0.1" in title and "β" not in title and "attractor r =" in title


def test_sim3_explore_layout(r3):
    fig = explore.simulation3(epochs=300, seed=2)
    assert fig.get_figwidth() * layout.DPI <= layout.COLUMN_PX + 0.5
    assert layout.check_figure(fig) == []
    assert_labelled(fig, shared_x=True, colorbars=True)
    matrix = [a for a in plot_axes(fig) if a.get_images()
              and a.get_images()[0].get_array().shape == (64, 64)]
    assert len(matrix) == 1 and _width_px(matrix[0]) >= sim3.MATRIX_PX
    tiles = [a for a in plot_axes(fig) if a.get_images()
             and a.get_images()[0].get_array().shape == (8, 8)]
    assert len(tiles) == 3
    title = fig.get_suptitle()
    assert "precision $i_T$ = 1" in title and "β" not in title


@pytest.mark.parametrize("name", ["plot_patterns", "plot_coupling", "plot_probes"])
def test_sim1_given_axes_are_not_checked(name, r1):
    """Drawn into axes the caller made, a figure function leaves the page's rules to the
    caller: a figure wider than the column raises nothing."""
    n = {"plot_patterns": 2, "plot_coupling": 2, "plot_probes": 6}[name]
    fig, axes = plt.subplots(1, n, figsize=(12, 3))
    assert getattr(sim1, name)(r1, ax=axes) is fig
