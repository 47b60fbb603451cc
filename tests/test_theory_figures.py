"""The theory chapter's figures (fep_core.plotting.theory) as the page shows them.

Every figure is drawn at most one text column wide (tests/conftest.py turns on the layout check of
fep_core.plotting.layout for each call); these tests check what each redesigned figure must show:
its panels, where its legends sit, and that the network's precision is written $i_T$.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from numpy.testing import assert_allclose

from fep_core import cb, explore, theory as th
from fep_core.network import AttractorNetwork
from fep_core.plotting import layout as L, theory as plots

from _helpers import assert_labelled, plot_axes

pytestmark = [pytest.mark.filterwarnings("error"), pytest.mark.usefixtures("close_figures")]

X = np.linspace(-1, 1, 41)
PATHS = {s: th.relax_variational_bias(-8.0, 3.0, learning_rate=0.5, n_steps=40, scheme=s)
         for s in ("plain", "natural")}
COUNTS = {"symmetric": (240, 236), "symmetric + antisymmetric": (400, 60)}


def _trace(n=60):
    J = -(np.ones((3, 3)) - np.eye(3)) + th.cyclic_antisymmetric(3, 3.0)
    return AttractorNetwork(3, rng=3, coupling=J).run(np.zeros(3), n, schedule="sequential")


def _all_figures():
    return {
        "plot_cb_densities": plots.plot_cb_densities([-6.0, -2.0, 0.0, 1.0, 3.0, 8.0]),
        "plot_langevin": plots.plot_langevin(),
        "plot_sample_histogram": plots.plot_sample_histogram(
            cb.sample(np.full(500, 2.5), rng=0), 2.5),
        "plot_conditional": plots.plot_conditional(X, cb.pdf(X, 1.6), cb.pdf(X, 1.6),
                                                   cb.pdf(X, 2.9)),
        "plot_node_free_energy": plots.plot_node_free_energy(X * 6, X ** 2, 2 * X, 0.3,
                                                             2 * X + 1),
        "plot_relaxation": plots.plot_relaxation(PATHS, 3.0),
        "plot_cycles": plots.plot_cycles(_trace(), COUNTS),
        "plot_explore": explore.theory(),
    }


def _texts(fig):
    return [t.get_text() for t in fig.findobj(plt.Text) if t.get_text().strip()]


def test_every_figure_function_is_declared_and_fits_the_column():
    for name, fig in _all_figures().items():
        assert L.FIGURE_FUNCTIONS[f"fep_core.plotting.theory.{name}"] is getattr(plots, name)
        assert fig.get_figwidth() * L.DPI <= L.COLUMN_PX + 0.5, name
        assert L.check_figure(fig) == [], name
        assert_labelled(fig)


def test_the_precision_is_written_i_T():
    for name, fig in _all_figures().items():
        for text in _texts(fig):
            assert "iT" not in text.replace("i_T", ""), (name, text)
            assert "beta" not in text and "β" not in text, (name, text)
    fig = plots.plot_relaxation(PATHS, 3.0)
    assert any(r"$i_T\,\theta_i$" in t for t in _texts(fig))


def test_two_panel_figures_span_the_column():
    for fig in (plots.plot_langevin(), plots.plot_node_free_energy(X, X ** 2, 2 * X, 0.0),
                explore.theory()):
        assert len(plot_axes(fig)) == 2
        assert fig.get_figwidth() * L.DPI == pytest.approx(L.COLUMN_PX)


def test_node_free_energy_has_one_legend_below_both_panels():
    fig = plots.plot_node_free_energy(X * 6, X ** 2, 2 * X, 0.3, 2 * X + 1)
    assert [ax.get_legend() for ax in fig.axes] == [None, None]
    (legend,) = fig.legends
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels == [r"$b_q = \theta_i$", r"$dF/db_q = (b_q - \theta_i)\,L'(b_q)$",
                      r"without $-A(b_q)$: $+\,L(b_q)$"]
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    assert legend.get_window_extent(r).y1 <= min(ax.get_window_extent(r).y0 for ax in fig.axes)
    # without the plain form: two entries
    fig2 = plots.plot_node_free_energy(X, X ** 2, 2 * X, 0.0)
    assert len(fig2.legends[0].get_texts()) == 2


def test_relaxation_legend_is_beside_the_axes():
    fig = plots.plot_relaxation(PATHS, 3.0)
    ax = fig.axes[0]
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    assert ax.get_legend().get_window_extent(r).x0 >= ax.get_window_extent(r).x1
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "plain gradient", "natural gradient", r"target $i_T\,\theta_i$"]


def test_cycles_raster_above_the_hop_counts():
    S = _trace(60)
    fig = plots.plot_cycles(S, COUNTS, n_show=40)
    raster, bars = plot_axes(fig)
    assert len(fig.axes) == 3                              # and the colour bar
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    assert raster.get_window_extent(r).y0 > bars.get_window_extent(r).y1
    (image,) = raster.images
    assert_allclose(image.get_array(), S[:40].T)           # node x step, the first 40 steps
    assert raster.get_title(loc="left") == "first 40 steps of the run"
    assert_allclose(raster.lines[0].get_ydata(), np.argmax(S[:40], axis=1))
    # horizontal bars: forward then backward hops per condition, in the order given
    widths = [p.get_width() for p in bars.patches]
    assert widths == [240, 400, 236, 60]
    assert [t.get_text() for t in bars.get_yticklabels()] == ["symmetric",
                                                              "symmetric +\nantisymmetric"]
    assert bars.get_legend() is not None and raster.get_legend() is not None


@pytest.mark.parametrize("kwargs", [{}, dict(inverse_temperature=10.0, learning_rate=1.9,
                                             theta=-10.0, start=-20.0)])
def test_explore_has_a_title_and_one_legend_with_the_final_beliefs(kwargs):
    fig = explore.theory(**kwargs)
    iT = kwargs.get("inverse_temperature", 1.0)
    assert fig.get_suptitle().startswith(f"precision $i_T$ = {iT:.3g}")
    assert all(ax.get_legend() is None for ax in fig.axes)
    (legend,) = fig.legends
    labels = [t.get_text() for t in legend.get_texts()]
    iT_theta = iT * kwargs.get("theta", 3.0)
    for s, label in zip(("plain", "natural"), labels):
        left = [ln for ln in fig.axes[0].lines if ln.get_label() == f"{s} gradient"][0]
        assert label == f"{s} gradient: final $b_q$ = {left.get_ydata()[-1]:.3g}"
    assert labels[2] == rf"target $i_T\,\theta$ = {iT_theta:.3g}"
    assert labels[3] == r"optimal belief CB($i_T\,\theta$)"
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    assert legend.get_window_extent(r).y1 <= min(ax.get_window_extent(r).y0 for ax in fig.axes)
