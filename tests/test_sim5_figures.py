"""The Simulation-5 figures (fep_core.plotting.sim5) as drawn for the page: each is a declared
figure function, fits the 672 px column with readable text (check_figure), and shows what its
caption says. Small results: a few 10- and 12-node networks trained briefly, a hand-made
timing table."""
import numpy as np
import pandas as pd
import pytest
from matplotlib.container import ErrorbarContainer

from fep_core import capacity as C, paper, scaling
from fep_core.plotting import layout, sim5

pytestmark = pytest.mark.usefixtures("close_figures")


@pytest.fixture(scope="module")
def small():
    authors = C.authors_protocol((3, 6, 9), n_nodes=12, repeats=2, epochs=60,
                                 reset_state=(False, True))
    study = C.capacity_study((12, 10), loads={12: (3, 6, 9), 10: (2, 5)},
                             repeats={12: 2, 10: 2}, baseline_loads={12: (1, 4, 11), 10: (3, 8)},
                             epochs=60, networks={12: authors.networks}, attractor_sizes=(12,))
    return authors, study


@pytest.fixture(scope="module")
def times():
    n = np.array([64, 256, 1024, 2048, 4096, 8192])
    t = 1e-9 * n.astype(float) ** 2                      # an exact N^2 law
    frame = pd.DataFrame({"n_nodes": n, "seconds_per_step": t, "steps_per_s": 1 / t,
                          "bandwidth_fraction": np.linspace(0.2, 0.6, n.size)})
    frame.attrs["dtype"] = "float32"
    return frame


def test_every_figure_function_is_declared():
    public = [name for name in dir(sim5) if name.startswith("plot_")]
    assert "plot_explore" in public
    for name in public:
        assert f"{sim5.__name__}.{name}" in layout.FIGURE_FUNCTIONS, name


def test_step_times(times):
    fit = scaling.fit_exponent(times.n_nodes, times.seconds_per_step)
    fig = sim5.plot_step_times(times, authors=scaling.authors_series(), fit=fit)
    assert layout.check_figure(fig) == []
    a, b = fig.axes
    assert a.get_xscale() == a.get_yscale() == "log"
    labels = [line.get_label() for line in a.lines]
    assert any("authors" in lab and "compile" in lab for lab in labels)
    assert any("N^2.00" in lab for lab in labels)                       # the exact law's fit
    authors = next(line for line in a.lines if "authors" in line.get_label())
    assert list(authors.get_xdata()) == list(paper.SCALING_REPORTED["n_nodes"])
    assert max(b.lines[0].get_ydata()) == pytest.approx(60.0)          # percent


def test_authors_protocol(small):
    authors, _ = small
    fig = sim5.plot_authors_protocol(authors)
    assert layout.check_figure(fig) == []
    assert [a.get_title() for a in fig.axes] == list(sim5._AUTHORS_PANELS.values())
    for a, col in zip(fig.axes, sim5._AUTHORS_PANELS):
        marks = next(line for line in a.lines if line.get_label().startswith("authors"))
        assert list(marks.get_ydata()) == list(paper.CAPACITY_REPORTED[col])
        bars = [c for c in a.containers if isinstance(c, ErrorbarContainer)]
        assert len(bars) == 2                       # with and without the state reset
        t = authors.table[~authors.table.reset_state].groupby("n_patterns")[col].mean()
        np.testing.assert_allclose(bars[0].lines[0].get_ydata(), t.to_numpy())


def test_fixed_point_vs_basin(small):
    authors, study = small
    fig = sim5.plot_fixed_point_vs_basin(authors, study, n_nodes=12)
    assert layout.check_figure(fig) == []
    ax = fig.axes[0]
    assert len(ax.lines) == 1 + len(study.settings["corruption"]) + 1     # + the level line


def test_recall_curves_and_critical_loads(small):
    _, study = small
    fig = sim5.plot_recall_curves(study)
    assert layout.check_figure(fig) == []
    assert [a.get_title() for a in fig.axes] == ["N = 10", "N = 12"]
    fig = sim5.plot_critical_loads(study)
    assert layout.check_figure(fig) == []
    ax = fig.axes[0]
    bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert len(bars) == len(C.NETWORKS)
    s = study.summary[(study.summary.corruption == 0.1) & (study.summary.network == "Hebbian")]
    np.testing.assert_allclose(bars[2].lines[0].get_ydata(), s.sort_values("n_nodes")["mean"])


def test_attractors(small):
    _, study = small
    fig = sim5.plot_attractors(study, n_nodes=12)
    assert layout.check_figure(fig) == []
    assert len(fig.axes[0].lines) == 4 and len(fig.axes[1].lines) == 3


def test_explore():
    sweep = C.training_sweep([1.0, 2.0], [5e-4, 5e-4], [0.3, 0.5], n_nodes=12, epochs=30)
    fig = sim5.plot_explore(sweep, index=1)
    assert layout.check_figure(fig) == []
    assert "K = 6" in fig._suptitle.get_text() and "iT 2" in fig._suptitle.get_text()
    a, b = fig.axes
    assert len(a.lines) == 1 + len(C.BASELINES)
    assert len(b.patches) == 6
