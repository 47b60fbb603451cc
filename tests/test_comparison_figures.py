"""The comparison figures (fep_core.plotting.comparison) as drawn for the page: each is a
declared figure function, fits the 672 px column with readable text (check_figure), and shows
what its caption says. A small real result: a tiny capacity study, one seed of each task."""
import numpy as np
import pandas as pd
import pytest

from fep_core import capacity, comparison as C
from fep_core.plotting import comparison as P, layout

pytestmark = pytest.mark.usefixtures("close_figures")


@pytest.fixture(scope="module")
def small():
    study = capacity.capacity_study((16,), loads={16: (2, 4)}, repeats={16: 2},
                                    baseline_loads={16: (1, 2, 4, 8)}, corruption=(0.0, 0.1),
                                    precisions=(100.0,), attractor_sizes=(), epochs=60)
    cap = C.capacity_task(study, n_nodes=16, boltzmann_loads=(2, 4, 8))
    rec = study.recall.copy()
    names = {"Hebbian": "Hopfield", "Storkey": "Storkey", "projector": "projector network",
             "FEP (iT 100)": "this network"}
    rec = rec[rec.network.isin(names)].assign(network=lambda f: f.network.map(names))
    recall = pd.concat([rec.drop(columns="n_nodes"), cap.attrs["boltzmann_recall"]],
                       ignore_index=True)
    control = pd.DataFrame({"seed": [0] * 3, "condition": ["sequential", "replay", "rest"],
                            "first": [0.22, 0.19, 0.19], "second": [0.29, 0.28, 0.27]})
    return C.ComparisonResult(cap, recall,
                              C.digits_task(seeds=(0,), curve_epochs=(1000, 5000),
                                            curve_trials=10),
                              C.sequences_task(seeds=(0,)), C.continual_task(control, seeds=(0,)),
                              C.measure_costs((8, 16), epochs=2, repeats=1), {})


def test_every_figure_function_is_declared():
    public = [name for name in dir(P) if name.startswith("plot_")]
    assert "plot_explore" in public
    for name in public:
        assert f"{P.__name__}.{name}" in layout.FIGURE_FUNCTIONS, name


def test_verdicts(small):
    table = C.comparison_table(small)
    fig = P.plot_verdicts(table)
    assert layout.check_figure(fig) == []
    ax = fig.axes[0]
    assert len(ax.patches) == len(C.ROWS) * len(C.NETWORKS)
    texts = [t.get_text().replace("\n", " ") for t in ax.texts]
    assert texts.count("not measured") == len(C.ROWS)          # predictive coding
    assert texts.count("no claim") == len(C.ROWS)              # Storkey


def test_capacity(small):
    fig = P.plot_capacity(small)
    assert layout.check_figure(fig) == []
    labels = [line.get_label() for line in fig.axes[0].lines]
    for name in P.ORDER:
        assert P.LABELS[name] in labels


@pytest.mark.parametrize("draw", ["plot_digits", "plot_learning_curves", "plot_continual",
                                  "plot_costs"])
def test_one_axes_figures_fit(small, draw):
    fig = getattr(P, draw)(small)
    assert layout.check_figure(fig) == []
    assert all(a.get_ylabel() or a.get_xlabel() for a in fig.axes if a.get_visible())


def test_digits_shows_one_point_per_seed(small):
    fig = P.plot_digits(small)
    top = fig.axes[0]
    assert len(top.patches) == len(P.ORDER)                    # one bar per network
    fep = small.digits.scores.set_index("network").loc["this network", "retrieval"]
    assert top.patches[0].get_height() == pytest.approx(fep)


def test_attractors_and_sequences(small):
    fig = P.plot_attractors(small)
    assert layout.check_figure(fig) == []
    titles = [a.get_title(loc="left") for a in fig.axes]
    assert len(titles) == len(P.ORDER) and all("attractors" in t for t in titles)
    # one image per network, as many tiles as attractors
    n = small.digits.scores.set_index("network").n_attractors
    for a, name in zip(fig.axes, P.ORDER):
        img = a.images[0].get_array()
        assert int(np.isfinite(img[0]).sum()) == 8 * n[name]
    fig = P.plot_sequences(small)
    assert layout.check_figure(fig) == []
    y = fig.axes[1].lines[0].get_ydata()                      # Hopfield: stays on digit 1
    assert np.all(y == 0)


def test_explore():
    res = C.explore_points([1.0], [1.0], [0.2])
    fig = P.plot_explore(res)
    assert layout.check_figure(fig) == []
    assert "load 0.20" in fig._suptitle.get_text()
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert heights[0] == pytest.approx(res.capacity["this network"][0])
