"""The precomputed panels of Simulation 1 (fep_core.grids.sim1) and of the reproduction report
(fep_core.grids.report): the default point is the chapter's own computation
(experiments.simulation1, seed 0, the paper's settings) bit for bit, and so is any other grid
point; every number is finite, or NaN exactly where no attractor was learned; the controls span
the live sliders and contain their defaults; the data are deterministic."""
import numpy as np
import pytest
from numpy.testing import assert_array_equal

from fep_core import controls, experiments, explore, paper
from fep_core.grids import compute, function
from fep_core.grids.report import reproduction_report
from fep_core.grids.sim1 import NO_ATTRACTOR, simulation1, simulation1_batch

S1 = paper.SIMULATION1
DEFAULT = {"inverse_temperature": S1["inverse_temperature"], "learning_rate": S1["learning_rate"],
           "evidence": S1["evidence"]}
PREDICTIONS = controls.SLIDER_CHOICES["reproduction_report"]["prediction"]
SCHEDULES = controls.SLIDER_CHOICES["reproduction_report"]["schedule"]


@pytest.fixture(scope="module")
def sim1():
    """The panels as the book shows them, through the result cache; test_deterministic computes
    them afresh."""
    return compute("simulation1")


@pytest.fixture(scope="module")
def report():
    return compute("reproduction_report")


@pytest.fixture(scope="module")
def chapter_result():
    """What the chapter computes and prints (E.simulation1() at the paper's settings, seed 0)."""
    return experiments.simulation1(seed=0)


def _second_half(projection):
    # as the chapter (and simulation1_seeds) averages each probe
    return projection[len(projection) // 2:].mean(axis=0)


def _sim1_expected(r):
    """Simulation 1's panel arrays and readouts computed from a Simulation1Result."""
    ret, gen = _second_half(r.retrieval_projection), _second_half(r.generalization_projection)
    arrays = {"attractors": r.attractors.reshape(2, 5, 5),
              "retrieval_1": r.retrieval_projection[:, 0],
              "retrieval_2": r.retrieval_projection[:, 1],
              "cross_1": r.generalization_projection[:, 0],
              "cross_2": r.generalization_projection[:, 1]}
    readouts = {"attractor_correlation": r.attractor_correlation, "asymmetry": r.asymmetry,
                "retrieval_vertical": ret[0], "retrieval_horizontal": ret[1],
                "cross_vertical": gen[0], "cross_horizontal": gen[1]}
    return arrays, readouts


def _assert_point(pre, index, arrays, readouts):
    """Bit-equal: every array and readout of point ``index`` is exactly the given one."""
    got = pre.at(index)
    assert set(arrays) | set(readouts) == set(got)
    for key, want in {**arrays, **readouts}.items():
        assert_array_equal(got[key], want, err_msg=key)


# --- Simulation 1 ----------------------------------------------------------------------------
def test_sim1_registered_and_shaped(sim1):
    assert function("simulation1") is simulation1
    assert sim1.grid.chapter == "simulation1"
    assert sim1.grid.names == ("inverse_temperature", "learning_rate", "evidence")
    assert sim1.grid.shape == (13, 7, 9)
    n = sim1.grid.size
    assert sim1.arrays["attractors"].shape == (n, 2, 5, 5)
    assert sim1.arrays["retrieval_1"].shape == (n, S1["retrieval_steps"])
    assert sim1.arrays["cross_2"].shape == (n, S1["generalization_steps"])
    assert 3 <= len(sim1.readouts) <= 6 and 2 <= len(sim1.views) <= 4


def test_sim1_default_point_is_the_chapter_bit_for_bit(sim1, chapter_result):
    """(a) bit-equal: the same streams, the same engine, the same arithmetic per network."""
    d = sim1.grid.default_index
    assert sim1.grid.points()[d] == DEFAULT
    r = chapter_result
    assert r.attractors_converged.all() and np.isfinite(r.attractor_correlation)
    _assert_point(sim1, d, *_sim1_expected(r))
    # the numbers the chapter prints, as it prints them
    text = dict(sim1.readout_text(d))
    assert text[sim1.readouts["attractor_correlation"].label] == \
        f"{r.attractor_correlation:.3g}".replace("-", "−")


@pytest.mark.parametrize("point", [
    {"inverse_temperature": 10.0, "learning_rate": 0.1, "evidence": 60.0},
    {"inverse_temperature": 0.01, "learning_rate": 0.1, "evidence": 1.0},
    {"inverse_temperature": 1.0, "learning_rate": 0.001, "evidence": 10.0},
    {"inverse_temperature": 0.1, "learning_rate": 0.01, "evidence": 5.0},
])
def test_sim1_other_points_are_simulation1_bit_for_bit(sim1, point):
    """Every grid point is experiments.simulation1 at its settings (seed 0), not only the
    default: the batch gives each network the chapter's streams."""
    r = experiments.simulation1(seed=0, **point)
    k = sim1.grid.index(**point)
    assert sim1.readouts["asymmetry"].values[k] == r.asymmetry
    if np.isfinite(sim1.readouts["attractor_correlation"].values[k]):
        _assert_point(sim1, k, *_sim1_expected(r))
    else:            # no attractor: the panel shows zeros (checked in the next test)
        assert float(np.max(np.abs(r.attractors))) < 1e-3 or \
            not np.isfinite(r.attractor_correlation)


def test_sim1_no_attractor_points_show_zeros_where_explore_refuses(sim1):
    """Where no attractor was learned the live callback refuses; the panel shows zero images
    and projections, and its correlation and probe readouts are NaN with the reason."""
    point = {"inverse_temperature": 0.01, "learning_rate": 1e-4, "evidence": 1.0}
    with pytest.raises(ValueError, match="no attractor was learned"):
        explore.simulation1(**point)
    k = sim1.grid.index(**point)
    got = sim1.at(k)
    for key in ("attractors", "retrieval_1", "retrieval_2", "cross_1", "cross_2"):
        assert_array_equal(got[key], 0.0, err_msg=key)
    for name in ("attractor_correlation", "retrieval_vertical", "retrieval_horizontal",
                 "cross_vertical", "cross_horizontal"):
        assert np.isnan(got[name]), name
    assert np.isfinite(got["asymmetry"])


def test_sim1_finite_and_nan_only_where_no_attractor(sim1):
    """(b) every array entry finite; a readout NaN only where declared, and exactly at the
    points whose attractors are shown as zeros (no attractor learned)."""
    for key, a in sim1.arrays.items():
        assert np.all(np.isfinite(a)), key
    none = ~np.any(sim1.arrays["attractors"].reshape(sim1.grid.size, -1), axis=1)
    assert 0 < none.sum() < sim1.grid.size / 2
    for name, r in sim1.readouts.items():
        assert not np.any(np.isinf(r.values)), name
        nan = np.isnan(r.values)
        if name == "asymmetry":
            assert not nan.any()
        else:
            assert r.undefined == NO_ATTRACTOR
            assert_array_equal(nan, none, err_msg=name)
    for key in ("retrieval_1", "retrieval_2", "cross_1", "cross_2"):
        assert np.all(np.abs(sim1.arrays[key]) <= 1 + 1e-12), key
    assert np.all(np.abs(sim1.arrays["attractors"]) <= 1)


def test_sim1_batch_checks_its_arguments():
    with pytest.raises(ValueError, match="one length"):
        simulation1_batch([0.1, 0.2], [0.01], [30.0, 30.0])
    with pytest.raises(ValueError, match="schedule"):
        simulation1_batch([0.1], [0.01], [30.0], schedule="random")


# --- the reproduction report -----------------------------------------------------------------
def test_report_registered_and_shaped(report, sim1):
    assert function("reproduction_report") is reproduction_report
    assert report.grid.chapter == "reproduction_report"
    assert report.grid.names == ("inverse_temperature", "learning_rate", "prediction",
                                 "schedule")
    assert report.grid.shape == (13, 7, 2, 2)
    # the same precisions and learning rates as Simulation 1's panel
    for name in ("inverse_temperature", "learning_rate"):
        assert report.grid[name].values == sim1.grid[name].values
    assert report.grid["prediction"].names == PREDICTIONS
    assert report.grid["schedule"].names == SCHEDULES
    assert report.arrays["attractors"].shape == (report.grid.size, 2, 5, 5)
    assert 3 <= len(report.readouts) <= 6 and 2 <= len(report.views) <= 4


@pytest.mark.parametrize("prediction", range(len(PREDICTIONS)))
@pytest.mark.parametrize("schedule", range(len(SCHEDULES)))
def test_report_variants_at_the_paper_settings_are_simulation1_bit_for_bit(
        report, chapter_result, prediction, schedule):
    """(a) bit-equal: each variant at the paper's precision and learning rate is
    experiments.simulation1 with that prediction rule and schedule (seed 0), as the live
    callback computes it; the reference-code bars are the chapter's own run."""
    k = report.grid.index(inverse_temperature=S1["inverse_temperature"],
                          learning_rate=S1["learning_rate"], prediction=prediction,
                          schedule=schedule)
    r = experiments.simulation1(seed=0, prediction=PREDICTIONS[prediction],
                                schedule=SCHEDULES[schedule])
    code = chapter_result
    assert np.isfinite(r.attractor_correlation)
    _assert_point(report, k, {
        "attractors": r.attractors.reshape(2, 5, 5),
        "corr_chosen": r.attractor_correlation, "corr_code": code.attractor_correlation,
        "corr_paper": paper.value("s1_attr_corr"),
        "asym_chosen": r.asymmetry, "asym_code": code.asymmetry}, {
        "attractor_correlation": r.attractor_correlation, "asymmetry": r.asymmetry,
        "converged": float(r.attractors_converged.sum()),
        "code_correlation": code.attractor_correlation, "code_asymmetry": code.asymmetry})
    if (prediction, schedule) == (0, 0):
        assert k == report.grid.default_index


def test_report_reference_rule_is_simulation1_panel(report, sim1):
    """The code rule (code prediction, synchronous) at every precision and learning rate is
    Simulation 1's panel at the paper's evidence, bit for bit (two grids, one computation)."""
    for b in report.grid["inverse_temperature"].values:
        for a in report.grid["learning_rate"].values:
            k = report.grid.index(inverse_temperature=b, learning_rate=a, prediction=0,
                                  schedule=0)
            j = sim1.grid.index(inverse_temperature=b, learning_rate=a,
                                evidence=S1["evidence"])
            assert_array_equal(report.arrays["attractors"][k], sim1.arrays["attractors"][j])
            assert_array_equal(report.readouts["attractor_correlation"].values[k],
                               sim1.readouts["attractor_correlation"].values[j])
            assert report.readouts["asymmetry"].values[k] == sim1.readouts["asymmetry"].values[j]
            for p in range(len(PREDICTIONS)):
                for s in range(len(SCHEDULES)):
                    i = report.grid.index(inverse_temperature=b, learning_rate=a, prediction=p,
                                          schedule=s)
                    assert report.arrays["asym_code"][i] == report.arrays["asym_chosen"][k]
                    assert_array_equal(report.readouts["code_correlation"].values[i],
                                       report.readouts["attractor_correlation"].values[k])


def test_report_finite_and_nan_only_where_no_attractor(report):
    """(b) arrays finite; correlation readouts NaN only where no attractor was learned (zero
    images for the chosen rule), with the reason declared."""
    for key, a in report.arrays.items():
        assert np.all(np.isfinite(a)), key
    none = ~np.any(report.arrays["attractors"].reshape(report.grid.size, -1), axis=1)
    assert 0 < none.sum() < report.grid.size / 2
    for name, r in report.readouts.items():
        assert not np.any(np.isinf(r.values)), name
        if name in ("attractor_correlation", "code_correlation"):
            assert r.undefined == NO_ATTRACTOR
        else:
            assert not np.any(np.isnan(r.values)), name
    assert_array_equal(np.isnan(report.readouts["attractor_correlation"].values), none)
    assert_array_equal(report.arrays["corr_chosen"][none], 0.0)
    assert np.all(np.isin(report.readouts["converged"].values, (0.0, 1.0, 2.0)))


# --- both ------------------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["sim1", "report"])
def test_grid_contains_defaults_and_spans_the_sliders(which, request):
    """(c) each slider's default exactly, its range's ends, and every toggle option."""
    pre = request.getfixturevalue(which)
    chapter = pre.grid.chapter
    ranges = controls.SLIDER_RANGES[chapter]
    choices = controls.SLIDER_CHOICES.get(chapter, {})
    for c in pre.grid.controls:
        assert c.label == controls.SLIDER_LABELS[chapter][c.name]
        if c.name in choices:
            assert c.names == tuple(choices[c.name]) and c.default == 0.0
            continue
        low, high, default = ranges[c.name]
        assert c.default == default and default in c.values
        assert c.values[0] == low and c.values[-1] == high
        assert 5 <= len(c.values) <= 13
    point = pre.grid.points()[pre.grid.default_index]
    assert {k: v for k, v in point.items() if k not in choices} == \
        {k: ranges[k][2] for k in point if k not in choices}


@pytest.mark.parametrize("which", ["sim1", "report"])
def test_deterministic(which, request):
    """(d) two computations give the same bytes."""
    pre = request.getfixturevalue(which)
    again = simulation1() if which == "sim1" else reproduction_report()
    assert again.digest() == pre.digest()
