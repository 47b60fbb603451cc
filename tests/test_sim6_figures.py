"""The Simulation-6 figures (fep_core.plotting.sim6): every figure function is declared with
``figure_function``, drawn here from small results of fep_core.faces (tiny 4x4 'faces'), fits the
672 px column with readable text (fep_core.plotting.layout.check_figure, also run by the
decorator under the test suite), and shows what its caption says."""
import matplotlib.pyplot as plt
import numpy as np
import pytest
from numpy.testing import assert_allclose

from fep_core import datasets, faces
from fep_core.plotting import layout, sim6

pytestmark = pytest.mark.usefixtures("close_figures")

N = 16


def _tiny_faces(count, seed):
    return datasets.zscore(np.random.default_rng(seed).normal(size=(count, N)))


SMALL = dict(precisions=(0.3, 1.0), evidences=(2.0, 5.0), learning_rates=(0.01, 0.03),
             n_held_out=3, trials=3, eval_steps=5, starts=4, epochs=15, steps_per_epoch=3)


@pytest.fixture(scope="module")
def small():
    x = _tiny_faces(10, 3)
    sweep = faces.sweep(images=x, **SMALL)
    row = sweep.table.iloc[sweep.chosen]
    one = faces.simulation6(images=x, n_held_out=3, evidence=row.evidence,
                            inverse_temperature=row.inverse_temperature,
                            learning_rate=row.learning_rate, trials=3, eval_steps=5,
                            epochs=15, steps_per_epoch=3, n_examples=2, n_held_out_examples=1)
    ev = one.evaluation
    control = faces.nonface_control(one.J, ev.attractors[0], x[one.split.held_out],
                                    _tiny_faces(5, 4), evidence=row.evidence, steps=5)
    return dict(x=x, sweep=sweep, one=one, control=control)


def _images(fig):
    return [a for a in fig.axes if a.get_images()]


def test_every_figure_function_is_declared_and_drawn_here():
    public = sorted(name for name in dir(sim6) if name.startswith("plot_"))
    for name in public:
        assert f"{sim6.__name__}.{name}" in layout.FIGURE_FUNCTIONS, name
    drawn = {name for name in globals() if name.startswith("test_plot_")}
    assert {f"test_{name}" for name in public} <= drawn


def test_plot_data(small):
    x = small["x"]
    fig = sim6.plot_data({"training faces": x[:6], "held-out faces": x[6:],
                          "non-face patches": _tiny_faces(4, 9)}, n=5)
    assert layout.check_figure(fig) == []
    assert len(_images(fig)) == 5 + 4 + 4          # short rows leave blank axes
    assert fig.axes[0].get_ylabel() == "training\nfaces"
    with pytest.raises(TypeError, match="rows"):
        sim6.plot_data([x])


def test_plot_sweep(small):
    sw = small["sweep"]
    fig = sim6.plot_sweep(sw)
    assert layout.check_figure(fig) == []
    assert len(fig.axes) == 3 * 2                  # measures x evidence levels
    frames = [p for a in fig.axes for p in a.patches if isinstance(p, plt.Rectangle)
              and p.get_edgecolor()[:3] == (1.0, 0.0, 0.0)]
    assert len(frames) == 3                        # the balanced point, once per measure
    texts = [t.get_text() for t in fig.axes[0].texts]
    chosen_e = sw.table.iloc[sw.chosen].evidence
    first = sw.table[sw.table.evidence == sorted(sw.table.evidence.unique())[0]]
    assert sorted(texts) == sorted(f"{v:.2f}" for v in first.retrieval)
    assert chosen_e in sw.table.evidence.values


def test_plot_attractors(small):
    one, x = small["one"], small["x"]
    ev = one.evaluation
    train = x[one.split.train]
    fig = sim6.plot_attractors(train, ev.fixed_points[0], ev.attractors[0], n=5)
    assert layout.check_figure(fig) == []
    r = [float(a.get_title().split("= ")[1]) for a in fig.axes[5:10]]
    expected = [np.corrcoef(f, t)[0, 1] if np.std(f) > 0 else 0.0
                for f, t in zip(ev.fixed_points[0][:5], train[:5])]
    assert_allclose(r, expected, atol=0.006)
    assert f"({len(ev.attractors[0])})" in fig.axes[10].get_ylabel()


def test_plot_angles(small):
    one, x = small["one"], small["x"]
    fig = sim6.plot_angles({"training faces": x[one.split.train],
                            "attractors": one.evaluation.attractors[0], "one": x[:1]})
    assert layout.check_figure(fig) == []
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[0].startswith("training faces\n21 pairs")       # 7 faces: 21 pairs
    assert labels[2] == "one\nno pairs"


def test_plot_scores(small):
    ev = small["one"].evaluation
    fig = sim6.plot_scores(ev.retrieval[0], ev.generalization[0])
    assert layout.check_figure(fig) == []
    points = np.concatenate([c.get_offsets()[:, 1] for c in fig.axes[0].collections
                             if len(c.get_offsets())])
    assert_allclose(np.sort(points), np.sort(np.concatenate([ev.retrieval[0],
                                                             ev.generalization[0]])))


def test_plot_reconstruction_grid(small):
    g = small["one"].grid
    fig = sim6.plot_reconstruction_grid(g, face=1)
    assert layout.check_figure(fig) == []
    S, P = g.gains.shape[:2]
    titled = [a for a in fig.axes if a.get_title().startswith("gain")]
    assert len(titled) == S * P
    gains = [float(a.get_title().split()[1].replace("−", "-")) for a in titled]
    assert_allclose(gains, g.gains[:, :, 1].ravel(), atol=0.006)
    assert fig.axes[0].get_title() == "face"


def test_plot_gain_map(small):
    g = small["one"].grid
    fig = sim6.plot_gain_map(g)
    assert layout.check_figure(fig) == []
    median = sorted(float(t.get_text()) for t in fig.axes[0].texts)
    assert_allclose(median, np.sort(np.median(g.gains, axis=-1).ravel()), atol=0.006)
    fraction = sorted(float(t.get_text()) for t in fig.axes[1].texts)
    assert_allclose(fraction, np.sort(np.mean(g.gains > 0, axis=-1).ravel()), atol=0.006)


def test_plot_nonface_control(small):
    c = small["control"]
    fig = sim6.plot_nonface_control(c)
    assert layout.check_figure(fig) == []
    assert f"p = {c.p_value:.2g}" in fig.axes[0].get_title()
    assert f"p = {c.p_value_driven:.2g}" in fig.axes[1].get_title()
    for a, f, m in ((fig.axes[0], c.faces, c.nonfaces),
                    (fig.axes[1], c.faces_driven, c.nonfaces_driven)):
        points = np.concatenate([k.get_offsets()[:, 0] for k in a.collections
                                 if len(k.get_offsets())])
        assert_allclose(np.sort(points), np.sort(np.concatenate([f, m])))


def test_plot_nonface_examples(small):
    c = small["control"]
    fig = sim6.plot_nonface_examples(_tiny_faces(5, 4), c, n=6)
    assert layout.check_figure(fig) == []
    assert len(_images(fig)) == 3 * 5


def test_plot_explore(small):
    g = small["one"].grid
    fig = sim6.plot_explore(g.clean[0], g.noisy[0], g.reconstructions[1, 2, 0],
                            small["one"].evaluation.fixed_points[0, 0], g.gains[:, :, 0],
                            signal_strengths=g.signal_strengths,
                            prior_precisions=g.prior_precisions, signal_strength=0.2,
                            prior_precision=0.8, inverse_temperature=0.3, learning_rate=0.01,
                            gain=float(g.gains[1, 2, 0]))
    assert layout.check_figure(fig) == []
    heat = [a for a in fig.axes if a.get_title().startswith("gain over")][0]
    frame = [p for p in heat.patches if isinstance(p, plt.Rectangle)][-1]
    assert frame.get_xy() == (2, 1)                # the chosen pair: row 0.2, column 0.8
    with pytest.raises(ValueError, match="ax"):
        sim6.plot_explore(g.clean[0], g.noisy[0], g.clean[0], g.clean[0], g.gains[:, :, 0],
                          signal_strengths=g.signal_strengths,
                          prior_precisions=g.prior_precisions, signal_strength=0.2,
                          prior_precision=0.8, inverse_temperature=0.3, learning_rate=0.01,
                          gain=0.0, ax=[fig.axes[0]])
