"""The figures of the variational-Bayes chapter (fep_core.plotting.vb) as drawn for the page: at
most one text column wide, legends outside the axes, every panel labelled, and showing what
their captions say. Inputs are small results computed here (no JAX: VAE results are built from
the network's NumPy functions), so the figures are tested wherever the package is.

Every figure drawn here is also checked by fep_core.plotting.layout.check_figure (tests/conftest.py
sets FEP_CORE_CHECK_FIGURES=1): text of at least 9 px, inside the figure, no legend over a label.
"""
import numpy as np
import pytest

from fep_core import datasets, vae, vb
from fep_core.plotting import vb as plots
from fep_core.plotting.layout import COLUMN_PX, DPI, FIGURE_FUNCTIONS, check_figure

pytestmark = pytest.mark.usefixtures("close_figures")

FUNCTIONS = ("plot_elbo_gap", "plot_cavi_bound", "plot_gmm_components", "plot_vae_training",
             "plot_image_rows", "plot_latent_map", "plot_anomaly", "plot_denoising",
             "plot_explore")


def _fits(fig):
    assert fig.get_figwidth() * DPI <= COLUMN_PX + 0.5
    assert check_figure(fig) == []


def _below_everything(fig):
    """Every figure legend lies below every axes (tick labels included)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    lowest = min(ax.get_tightbbox(renderer).y0 for ax in fig.axes if ax.get_visible())
    for legend in fig.legends:
        assert legend.get_window_extent(renderer).y1 <= lowest + 1


def test_every_figure_function_is_declared():
    for name in FUNCTIONS:
        assert FIGURE_FUNCTIONS[f"fep_core.plotting.vb.{name}"] is getattr(plots, name)


def test_elbo_gap_bars_reach_the_log_evidence():
    y = np.array([0.4, 1.1, 0.9])
    model = dict(prior_precision=1.0, likelihood_precision=4.0)
    pm, pv = vb.gaussian_mean_posterior(y, **model)
    t = vb.gaussian_mean_free_energy([0.0, pm, pm + 0.5], [1.0, pv, pv], y, **model)
    fig = plots.plot_elbo_gap(["prior", "posterior", "shifted"], t.elbo, t.log_evidence,
                              t.divergence)
    _fits(fig)
    _below_everything(fig)
    ax = fig.axes[0]
    bars = ax.patches
    ends = [b.get_x() + b.get_width() for b in bars[3:]]          # ELBO + gap, per belief
    np.testing.assert_allclose(ends, t.log_evidence, rtol=1e-12)
    assert ax.get_xlabel() == "nats"


@pytest.fixture(scope="module")
def cavi():
    from sklearn.datasets import load_iris

    X = load_iris().data
    X = (X - X.mean(0)) / X.std(0)
    res = vb.cavi_gmm(X, 6, init_responsibilities=vb.random_responsibilities(150, 6, rng=0),
                      weight_concentration_prior=0.01, max_iter=200, tol=1e-6)
    return X, res


def test_cavi_bound_figure_shows_the_bound_and_its_increases(cavi):
    _, res = cavi
    fig = plots.plot_cavi_bound(res.lower_bound, res.lower_bound + 1e-9)
    _fits(fig)
    _below_everything(fig)
    left, right = fig.axes
    assert right.get_yscale() == "log"
    np.testing.assert_allclose(left.lines[0].get_ydata(), res.lower_bound)
    # every increase drawn; no decrease marker for a monotone bound
    assert len(right.lines) == 1 and len(right.lines[0].get_ydata()) == res.n_iter - 1
    fig2 = plots.plot_cavi_bound(np.array([0.0, 1.0, 0.5, 2.0]))
    assert len(fig2.axes[1].lines) == 2                          # the decrease is marked


def test_gmm_components_figure(cavi):
    X, res = cavi
    pts = X[:, :2]
    k = res.posterior.weights.size
    fig = plots.plot_gmm_components(pts, res.labels, res.posterior.weights, 0.01 / (k * 0.01 + 150))
    _fits(fig)
    _below_everything(fig)
    scatter_axes, bar_axes = fig.axes
    assert bar_axes.get_yscale() == "log"
    heights = [p.get_height() for p in bar_axes.patches]
    assert heights == sorted(heights, reverse=True) and len(heights) == k
    for ax in fig.axes:
        assert ax.get_xlabel() and ax.get_ylabel()


def _fake_result(seed, n=8):
    rng = np.random.default_rng(seed)
    steps = vae.RECORD_EVERY * np.arange(1, n + 1)
    return vae.VAEResult(params=vae.init_params(rng=seed), steps=steps,
                         accuracy=-200 + 150 * (1 - np.exp(-steps / 60)) + rng.normal(0, 1, n),
                         complexity=10 * (1 - np.exp(-steps / 40)) + 1, diverged=False)


def test_vae_training_figure_draws_one_line_per_seed():
    fig = plots.plot_vae_training({"1497 digits": [_fake_result(0), _fake_result(1)],
                                   "10 digits": [_fake_result(2)]})
    _fits(fig)
    _below_everything(fig)
    acc, comp = fig.axes
    assert len(acc.lines) == len(comp.lines) == 3
    assert len(fig.legends[0].get_texts()) == 2


def test_image_rows_draw_one_tile_per_image():
    d = datasets.digits()
    fig = plots.plot_image_rows({"digit": d.train[:8], "noisy": d.train[:8] + 1,
                                 "short row": d.train[:5]})
    _fits(fig)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 8 + 8 + 5
    assert [ax.get_ylabel() for ax in fig.axes[::8]] == ["digit", "noisy", "short row"]


def test_latent_map_colours_each_digit():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(10), 20)
    fig = plots.plot_latent_map(rng.normal(size=(200, 2)) + labels[:, None], labels)
    _fits(fig)
    ax = fig.axes[0]
    assert len(ax.collections) == 10
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [str(k) for k in range(10)]


def test_anomaly_figure_with_its_roc():
    rng = np.random.default_rng(0)
    a, b = rng.lognormal(4, 0.2, 300), rng.lognormal(5, 0.3, 100)
    roc = vae.anomaly_roc(a, b)
    auc = vae.anomaly_auc(a, b)
    fig = plots.plot_anomaly(a, b, roc, auc)
    _fits(fig)
    _below_everything(fig)
    hist, curve = fig.axes
    assert hist.get_xscale() == "log"
    assert f"{auc:.3f}" in curve.get_title()
    np.testing.assert_array_equal(curve.lines[0].get_xdata(), roc[0])


def test_denoising_figure_one_box_per_model():
    rng = np.random.default_rng(0)
    scores = {"attractor network": rng.normal(0.07, 0.05, 100),
              "VAE (1497 digits)": rng.normal(0.2, 0.05, 500),
              "VAE (10 digits)": rng.normal(-0.1, 0.1, 500)}
    fig = plots.plot_denoising(scores)
    _fits(fig)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == list(scores)
    assert ax.get_ylabel()


def test_explore_figure_of_a_run():
    d = datasets.digits()
    res = _fake_result(0)
    run = vae.ExploreRun(result=res, originals=d.train[:8], reconstructions=d.train[:8] * 0.5,
                         samples=d.test[:8], latent_means=np.zeros((300, 8)),
                         labels=np.zeros(300, int), held_out_free_energy=70.0, auc=0.99,
                         denoising=0.15)
    fig = plots.plot_explore(run, title="decoder precision λ = 10, learning rate 0.001")
    _fits(fig)
    assert "0.990" in fig._suptitle.get_text() and "λ = 10" in fig._suptitle.get_text()
    assert len(fig.axes) == 2 + 24
    res.diverged = True
    fig = plots.plot_explore(run, title="x")
    assert "diverged" in fig._suptitle.get_text()
