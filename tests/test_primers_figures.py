"""The figures of the two primers (fep_core.plotting.primers) as drawn for the page: at most one
text column wide, legends outside the axes (beside them or below everything), the redesigned
figures showing what their captions say (simplex with a close-up, seaborn box plots, the live
panels' two panels with one legend below).

Every figure drawn here is also checked by fep_core.plotting.layout.check_figure (tests/conftest.py
sets FEP_CORE_CHECK_FIGURES=1): text of at least 9 px, inside the figure, no legend over a label.
"""
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.patches import PathPatch, Rectangle

from fep_core import explore, gaussian as G, geometry as geo
from fep_core.plotting import primers
from fep_core.plotting.layout import COLUMN_PX, DPI, FIGURE_FUNCTIONS, check_figure
from fep_core.theory import relax_variational_bias

pytestmark = pytest.mark.usefixtures("close_figures")

MODEL = dict(prior_mean=0.0, prior_precision=1.0, likelihood_precision=4.0)


def _bbox(artist):
    fig = artist.figure
    fig.canvas.draw()
    return artist.get_window_extent(fig.canvas.get_renderer())


def _fits_the_page(fig, width=1.0):
    assert fig.get_figwidth() * DPI <= width * COLUMN_PX + 0.5
    assert check_figure(fig) == []


def _legend_beside(ax, legend):
    """The legend lies entirely to the right of the axes."""
    assert _bbox(legend).x0 >= _bbox(ax).x1 - 1


def _legend_below(fig, legend):
    """The legend lies entirely below every axes of the figure (tick labels included)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    lowest = min(ax.get_tightbbox(renderer).y0 for ax in fig.axes)
    assert _bbox(legend).y1 <= lowest + 1


@pytest.fixture(scope="module")
def simplex_inputs():
    A, D, o = geo.random_model(3, precision=2.0, rng=23)
    post = geo.posterior(A, D, o)
    paths = {s: geo.run_scheme(s, D, A, D, o, learning_rate=0.25, n_steps=40) for s in geo.SCHEMES}
    return paths, post, geo.geodesic(D, post, n_points=50)


@pytest.fixture(scope="module")
def small_study():
    return geo.population_study(n_models=24, state_sizes=(2, 3, 5), learning_rate=0.1, rng=0)


def test_every_primer_figure_function_is_declared():
    for name in ("plot_gaussian_model", "plot_free_energy_landscape", "plot_blog_comparison",
                 "plot_descent", "plot_descent_panel", "plot_simplex", "plot_eps_convergence",
                 "plot_population", "plot_paired_difference", "plot_cb_relaxation",
                 "plot_explore_geometry"):
        assert FIGURE_FUNCTIONS[f"fep_core.plotting.primers.{name}"] is getattr(primers, name)


# ---------------------------------------------------------------------------------------------
# Gaussian primer
def test_gaussian_figures_are_column_wide_with_legends_at_the_right():
    post = G.posterior(2.0, **MODEL)
    surprise = -G.log_evidence(2.0, **MODEL)
    means = np.linspace(-1, 4, 50)
    sds = (np.sqrt(post[1]), 0.8)
    fe = np.array([G.free_energy(means, sd ** 2, 2.0, **MODEL) for sd in sds])
    runs = {lr: G.descend(2.0, learning_rate=lr, n_steps=20, **MODEL) for lr in (0.15, 0.42)}
    figs = [primers.plot_gaussian_model(2.0, posterior=post, q=(0.0, 1.0), **MODEL),
            primers.plot_free_energy_landscape(means, sds, fe, surprise, post),
            primers.plot_descent(runs, post[0], 0.4)]
    for fig in figs:
        _fits_the_page(fig)
        (ax,) = fig.axes
        (legend,) = fig.legends
        assert ax.get_legend() is None
        _legend_beside(ax, legend)
    texts = [t.get_text() for t in figs[1].legends[0].get_texts()]
    assert "(posterior's)" in texts[0] and "(posterior's)" not in texts[1]
    texts = [t.get_text() for t in figs[2].legends[0].get_texts()]
    assert texts == [r"$\kappa = 0.15$ (stable)", r"$\kappa = 0.42$ (unstable)"]
    assert "0.4" in figs[2].axes[0].get_title()


def test_blog_comparison_legend_below_the_axes():
    fig = primers.plot_blog_comparison(G.blog_comparison())
    _fits_the_page(fig)
    (legend,) = fig.legends
    _legend_below(fig, legend)
    assert len(legend.get_texts()) == 4 and legend._ncols == 2


def test_given_axes_get_their_legend_beside_them():
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(6.72, 3), layout="constrained")
    post = G.posterior(2.0, **MODEL)
    assert primers.plot_gaussian_model(2.0, posterior=post, ax=a1, **MODEL) is fig
    assert not fig.legends and a1.get_legend() is not None
    _legend_beside(a1, a1.get_legend())


def test_descent_panel_two_panels_and_one_legend_below():
    traj = G.descend(2.0, learning_rate=0.1, n_steps=40, **MODEL)
    fig = primers.plot_descent_panel(traj, 2.0, prior_precision=1.0, likelihood_precision=4.0,
                                     learning_rate=0.1)
    _fits_the_page(fig)
    assert len(fig.axes) == 2 and all(ax.get_legend() is None for ax in fig.axes)
    (legend,) = fig.legends
    _legend_below(fig, legend)
    assert [t.get_text() for t in legend.get_texts()] == [
        "mean of $q$", r"$\pm$ sd of $q$", "posterior mean", r"posterior $\pm$ sd"]
    title = fig._suptitle.get_text()
    assert r"\kappa = 0.1" in title and "(stable)" in title
    # the widget's callback draws the same figure
    fig = explore.gaussian_primer(learning_rate=1.5)
    _fits_the_page(fig)
    assert "past the limit" in fig._suptitle.get_text() or "diverged" in fig._suptitle.get_text()


# ---------------------------------------------------------------------------------------------
# Natural-gradient chapter
def test_simplex_whole_and_close_up(simplex_inputs):
    paths, post, geodesic = simplex_inputs
    fig = primers.plot_simplex(paths, post, geodesic=geodesic, labels=geo.SCHEME_LABELS)
    _fits_the_page(fig)
    whole, close = fig.axes
    assert whole.get_title() == "whole simplex" and "close-up" in close.get_title()
    assert {t.get_text() for t in whole.texts} == {"state 1", "state 2", "state 3"}
    (box,) = [p for p in whole.patches if isinstance(p, Rectangle)]
    # the close-up shows exactly the grey box, which holds every path point, and is smaller
    x0, x1 = close.get_xlim()
    y0, y1 = close.get_ylim()
    assert np.allclose([box.get_x(), box.get_y(), box.get_width(), box.get_height()],
                       [x0, y0, x1 - x0, y1 - y0])
    xy = np.vstack([primers.simplex_xy(p) for p in paths.values()])
    assert np.all((xy[:, 0] > x0) & (xy[:, 0] < x1) & (xy[:, 1] > y0) & (xy[:, 1] < y1))
    assert (x1 - x0) < 0.6 and (y1 - y0) < 0.6
    assert max(x1 - x0, y1 - y0) <= 1.5 * min(x1 - x0, y1 - y0) + 1e-12
    # one legend below both panels names the geodesic, the three schemes, start and posterior
    (legend,) = fig.legends
    _legend_below(fig, legend)
    texts = [t.get_text() for t in legend.get_texts()]
    assert texts == (["Fisher–Rao geodesic"] + [geo.SCHEME_LABELS[s] for s in paths]
                     + ["start (prior)", "posterior"])
    assert all(len(ax.get_legend_handles_labels()[0]) == 6 for ax in fig.axes)


def test_simplex_on_one_given_axes(simplex_inputs):
    paths, post, geodesic = simplex_inputs
    fig, ax = plt.subplots(figsize=(6.0, 3.5), layout="constrained")
    assert primers.plot_simplex(paths, post, ax=ax, zoom=False) is fig
    assert fig.axes == [ax] and not ax.patches
    _legend_beside(ax, ax.get_legend())
    with pytest.raises(ValueError, match="2 axes"):
        primers.plot_simplex(paths, post, ax=ax)          # the close-up needs a second axes


def test_population_seaborn_boxes_per_size_and_scheme(small_study):
    with warnings.catch_warnings():
        warnings.simplefilter("error")            # none on the page either
        fig = primers.plot_population(small_study, labels=geo.SCHEME_LABELS)
    _fits_the_page(fig)
    (ax,) = fig.axes
    assert ax.get_legend() is None
    (legend,) = fig.legends
    _legend_below(fig, legend)
    assert [t.get_text() for t in legend.get_texts()] == [geo.SCHEME_LABELS[s] for s in geo.SCHEMES]
    # seaborn draws one box (a PathPatch) per number of states and scheme
    assert sum(isinstance(p, PathPatch) for p in ax.patches) == 3 * 3
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2", "3", "5"]
    assert "efficiency" in ax.get_ylabel() and ax.get_xlabel() == "number of hidden states"
    fig = primers.plot_population(small_study, "steps_to_tol")
    assert fig.axes[0].get_yscale() == "log"


def test_paired_difference_and_relaxation(small_study):
    fig = primers.plot_paired_difference(geo.paired_difference(small_study))
    _fits_the_page(fig, width=0.75)
    (ax,) = fig.axes
    assert ax.get_legend() is None and not fig.legends
    assert ax.get_title() == "natural gradient − active inference"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2", "3", "5"]
    paths = {s: relax_variational_bias(8.0, 0.5, learning_rate=0.2, n_steps=20, scheme=s)
             for s in ("plain", "natural")}
    fig = primers.plot_cb_relaxation(paths, 0.5)
    _fits_the_page(fig)
    _legend_beside(fig.axes[0], fig.legends[0])
    fig = primers.plot_eps_convergence([1e-3, 1e-2, 1e-1], [1e-4, 1e-3, 1e-2], 1.0)
    _fits_the_page(fig)
    _legend_beside(fig.axes[0], fig.legends[0])
    assert "1.000" in fig.axes[0].get_title()


@pytest.mark.parametrize("kwargs", [{}, dict(precision=8.0, learning_rate=0.9),
                                    dict(precision=2.0, learning_rate=1.0, n_steps=30, seed=0)])
def test_explore_geometry_two_panels_one_legend_below(kwargs):
    fig = explore.natural_gradient(**kwargs)
    _fits_the_page(fig)
    simplex, bars = fig.axes
    assert simplex.get_legend() is None and bars.get_legend() is None
    (legend,) = fig.legends
    _legend_below(fig, legend)
    texts = [t.get_text() for t in legend.get_texts()]
    assert texts[:4] == ["Fisher–Rao geodesic"] + [geo.SCHEME_LABELS[s] for s in geo.SCHEMES]
    assert texts[-1].startswith("geodesic distance to posterior: ")
    # the bars are named on two or three short lines, each at most 10 characters
    for tick in bars.get_xticklabels():
        assert all(len(line) <= 10 for line in tick.get_text().split("\n"))
    # the notes above the bars stay inside the bar panel's height
    top = bars.get_ylim()[1]
    assert all(t.get_position()[1] < top for t in bars.texts)
