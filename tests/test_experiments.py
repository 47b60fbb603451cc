"""The simulation functions at small settings: shapes, determinism, and their invariants."""
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from fep_core import experiments as ex


@pytest.fixture(scope="module")
def sim1():
    return ex.simulation1(seed=1)


def test_simulation1_paper_settings(sim1):
    r = sim1
    assert r.patterns.shape == (2, 25) and r.attractors.shape == (2, 25)
    assert r.trace.vfe.shape == (5000,)
    assert_allclose(r.data_correlation, 0.77, atol=0.005)
    # Macro VFE decreases during training.
    assert r.trace.vfe[-500:].mean() < r.trace.vfe[:500].mean()
    assert_allclose(r.trace.vfe, r.trace.complexity - r.trace.accuracy, rtol=1e-12, atol=1e-9)
    # Attractors are decorrelated relative to the data (paper: 0.77 -> -0.19).
    assert -0.4 < r.attractor_correlation < 0.1
    assert r.attractors_converged.all()
    # Retrieval lands on the vertical attractor, far closer to it than to the horizontal one;
    # the cross mixes both: its state projects clearly positively onto each attractor.
    ret = r.retrieval_projection[-10:].mean(axis=0)
    gen = r.generalization_projection[-10:].mean(axis=0)
    assert ret[0] > 0.5 and ret[0] - ret[1] > 0.5
    assert gen.min() > 0.2


def test_simulation1_deterministic(sim1):
    again = ex.simulation1(seed=1)
    assert np.array_equal(again.J, sim1.J)
    assert np.array_equal(again.retrieval_states, sim1.retrieval_states)
    other = ex.simulation1(seed=2)
    assert not np.array_equal(other.J, sim1.J)


def test_simulation1_seeds_table():
    t = ex.simulation1_seeds(seeds=[0, 1, 2], epochs=100)
    assert list(t.columns) == ["seed", "data_correlation", "attractor_correlation", "asymmetry",
                               "converged", "final_vfe", "vfe_first", "vfe_last",
                               "retrieval_vertical", "retrieval_horizontal", "cross_vertical",
                               "cross_horizontal"]
    assert len(t) == 3 and t.attractor_correlation.between(-1, 1).all()


def test_simulation2_small_grid():
    r = ex.simulation2(evidences=[5.0, 11.0], inverse_temperatures=[0.05, 0.2], epochs=60,
                       trials=6, eval_steps=20)
    t = r.table
    assert isinstance(t, pd.DataFrame) and len(t) == 4
    for col in ["evidence", "inverse_temperature", "retrieval", "generalization", "n_attractors",
                "orthogonality"]:
        assert col in t.columns
    assert list(t.evidence) == [5.0, 5.0, 11.0, 11.0]
    assert list(t.inverse_temperature) == [0.05, 0.2, 0.05, 0.2]
    assert r.retrieval_scores.shape == (4, 6) and r.J.shape == (4, 64, 64)
    assert (t.n_attractors >= 1).all() and (t.n_attractors <= 10).all()
    assert_allclose(t.retrieval, np.median(r.retrieval_scores, axis=1))
    assert_allclose(r.data_orthogonality_with_self, 29.94, atol=0.005)


def test_simulation2_cell_equals_grid_cell():
    kw = dict(epochs=40, trials=5, eval_steps=10)
    grid = ex.simulation2(evidences=[3.0, 9.0], inverse_temperatures=[0.1, 0.3], **kw)
    cell = ex.simulation2_cell(evidence=9.0, inverse_temperature=0.1, **kw)
    row = grid.table.iloc[2]
    assert np.array_equal(cell.network.J, grid.J[2])
    assert cell.summary["retrieval"] == row.retrieval
    assert cell.summary["generalization"] == row.generalization
    assert cell.summary["n_attractors"] == row.n_attractors


def test_simulation3_sequence():
    r = ex.simulation3(seed=0)
    assert r.J.shape == (64, 64)
    assert_allclose(r.J_symmetric + r.J_antisymmetric, r.J, atol=1e-15)
    assert r.asymmetry > 0.8                                  # paper: 0.98
    assert sorted(r.symmetric_attractor_labels) == ["1", "2", "3"]
    order = r.sequence_order
    assert len(order) >= 6
    # Every transition follows the trained cycle 1 -> 2 -> 3 -> 1.
    nxt = {"1": "2", "2": "3", "3": "1"}
    assert all(nxt[a] == b for a, b in zip(order, order[1:]))


def test_simulation4_small():
    r = ex.simulation4(epochs=100, free_steps=500, trials=5, eval_steps=10, control_seeds=[0, 1],
                       control_epochs_first=50, control_epochs_second=20)
    assert r.J_before.shape == r.J_after.shape == (64, 64)
    assert r.J_change > 0
    assert r.free_states.shape == (500, 64)
    c = r.control
    assert set(c.condition) == {"sequential", "replay", "rest"}
    assert {"first", "second", "seed"} <= set(c.columns)
    assert len(c) == 6


def test_bad_arguments():
    with pytest.raises(ValueError, match="evidence"):
        ex.simulation2_cell(evidence=-1.0, epochs=2)
    with pytest.raises(ValueError, match="seed"):
        ex.simulation1(seed=-3)
    with pytest.raises(ValueError, match="evidences"):
        ex.simulation2(evidences=[[1.0]], epochs=2)


def test_simulation1_zero_attractors_give_nan_without_warning():
    """With no learning both attractors are the zero state: correlation undefined -> NaN."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = ex.simulation1(learning_rate=0.0, epochs=5)
    assert np.all(r.attractors == 0) and np.isnan(r.attractor_correlation)
    assert np.all(r.retrieval_projection == 0)


# ---------------------------------------------------------------------------------------------
# Bad input: one clear error naming the argument as the caller spelled it, before any work.

_CHEAP = {
    ex.simulation1: dict(epochs=2),
    ex.simulation1_seeds: dict(seeds=[0], epochs=2),
    ex.simulation2: dict(evidences=[5.0], inverse_temperatures=[0.1], epochs=2, trials=2,
                         eval_steps=2),
    ex.simulation2_cell: dict(epochs=2, trials=2, eval_steps=2),
    ex.simulation3: dict(epochs=3, free_steps=2),
    ex.simulation3_asymmetry: dict(seeds=[0], epochs=4, n_checkpoints=2),
    ex.simulation4: dict(epochs=2, free_steps=2, trials=2, eval_steps=2, control_seeds=[0],
                         control_epochs_first=2, control_epochs_second=2),
    ex.free_run_continuation: dict(free_steps=2, epochs=2, trials=2),
}

_BAD = [
    # simulation1: probe settings used to be reported under the network's own names
    (ex.simulation1, dict(retrieval_steps=0), ValueError, "retrieval_steps"),
    (ex.simulation1, dict(generalization_steps=0), ValueError, "generalization_steps"),
    (ex.simulation1, dict(retrieval_steps=2.5), TypeError, "retrieval_steps"),
    (ex.simulation1, dict(retrieval_inverse_temperature=0.0), ValueError,
     "retrieval_inverse_temperature"),
    (ex.simulation1, dict(retrieval_inverse_temperature=np.nan), ValueError,
     "retrieval_inverse_temperature"),
    (ex.simulation1, dict(generalization_inverse_temperature=-1.0), ValueError,
     "generalization_inverse_temperature"),
    (ex.simulation1, dict(learning_rate=1e300), ValueError, "learning_rate"),
    (ex.simulation1, dict(schedule="parallel"), ValueError, "schedule"),
    # simulation1_seeds
    (ex.simulation1_seeds, dict(seeds=[]), ValueError, "seeds"),
    (ex.simulation1_seeds, dict(seeds=[0, -1]), ValueError, "seeds"),
    (ex.simulation1_seeds, dict(seeds=3), TypeError, "seeds"),
    (ex.simulation1_seeds, dict(seeds=[0.5]), TypeError, "seeds"),
    # simulation2: the grid axes used to be reported as n_networks or in the singular
    (ex.simulation2, dict(evidences=[]), ValueError, "evidences"),
    (ex.simulation2, dict(inverse_temperatures=[]), ValueError, "inverse_temperatures"),
    (ex.simulation2, dict(evidences=[5.0, 0.0]), ValueError, "evidences"),
    (ex.simulation2, dict(inverse_temperatures=[-0.1]), ValueError, "inverse_temperatures"),
    (ex.simulation2, dict(inverse_temperatures=[np.inf]), ValueError, "inverse_temperatures"),
    (ex.simulation2, dict(inverse_temperatures=[1e300]), ValueError, "inverse_temperatures"),
    (ex.simulation2, dict(evidences=[1e307]), ValueError, "evidences"),
    (ex.simulation2, dict(eval_steps=0), ValueError, "eval_steps"),
    (ex.simulation2, dict(learning_rate=np.nan), ValueError, "learning_rate"),
    # simulation2_cell: an enormous precision used to overflow the cell's stream key
    (ex.simulation2_cell, dict(inverse_temperature=1e300), ValueError, "inverse_temperature"),
    (ex.simulation2_cell, dict(inverse_temperature=2e6), ValueError, "inverse_temperature"),
    (ex.simulation2_cell, dict(evidence=1e307), ValueError, "evidence"),
    (ex.simulation2_cell, dict(eval_steps=0), ValueError, "eval_steps"),
    (ex.simulation2_cell, dict(prediction="both"), ValueError, "prediction"),
    # simulation3
    (ex.simulation3, dict(digits=(-1,)), ValueError, "digits"),
    (ex.simulation3, dict(digits=(1, 2, 10)), ValueError, "digits"),
    (ex.simulation3, dict(digits=()), ValueError, "digits"),
    (ex.simulation3, dict(digits=3), TypeError, "digits"),
    (ex.simulation3, dict(digits=(1.0, 2.0)), TypeError, "digits"),
    (ex.simulation3, dict(digits=(True, 2)), TypeError, "digits"),
    (ex.simulation3, dict(digits="123"), TypeError, "digits"),
    (ex.simulation3, dict(free_steps=0), ValueError, "free_steps"),
    (ex.simulation3, dict(recognition_threshold=np.nan), ValueError, "recognition_threshold"),
    (ex.simulation3, dict(recognition_threshold=1.5), ValueError, "recognition_threshold"),
    # simulation3_asymmetry: evidence went to the network as "scale", which accepted zero
    (ex.simulation3_asymmetry, dict(evidence=0.0), ValueError, "evidence"),
    (ex.simulation3_asymmetry, dict(evidence=np.nan), ValueError, "evidence"),
    (ex.simulation3_asymmetry, dict(orders=()), ValueError, "orders"),
    (ex.simulation3_asymmetry, dict(orders="sequential"), TypeError, "orders"),
    (ex.simulation3_asymmetry, dict(orders=("sequential", "reverse")), ValueError, "orders"),
    (ex.simulation3_asymmetry, dict(digits=(-1,)), ValueError, "digits"),
    (ex.simulation3_asymmetry, dict(seeds=[0, -2]), ValueError, "seeds"),
    # simulation4: the control's settings used to be reported under internal names
    (ex.simulation4, dict(control_seeds=[]), ValueError, "control_seeds"),
    (ex.simulation4, dict(control_seeds=[-1]), ValueError, "control_seeds"),
    (ex.simulation4, dict(control_epochs_first=0), ValueError, "control_epochs_first"),
    (ex.simulation4, dict(control_epochs_second=0), ValueError, "control_epochs_second"),
    (ex.simulation4, dict(control_free_steps_per_epoch=0), ValueError,
     "control_free_steps_per_epoch"),
    (ex.simulation4, dict(eval_steps=0), ValueError, "eval_steps"),
    (ex.simulation4, dict(inverse_temperature=1e300), ValueError, "inverse_temperature"),
    # free_run_continuation: the training precision used to overflow the cell's stream key
    (ex.free_run_continuation, dict(training_inverse_temperature=1e300), ValueError,
     "training_inverse_temperature"),
    (ex.free_run_continuation, dict(training_evidence=1e307), ValueError, "training_evidence"),
    (ex.free_run_continuation, dict(learning_rate=1e300), ValueError, "learning_rate"),
]


@pytest.mark.parametrize("func, kwargs, error, name", _BAD,
                         ids=[f"{f.__name__}-{'-'.join(k)}-{i}"
                              for i, (f, k, _, _) in enumerate(_BAD)])
def test_bad_input_names_the_callers_argument(func, kwargs, error, name):
    with pytest.raises(error, match=rf"^{name}\b") as info:
        func(**{**_CHEAP[func], **kwargs})
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("digits", [(0,), (9, 0), (3, 3, 4)])
def test_simulation3_accepts_any_digits_in_range(digits):
    r = ex.simulation3(digits=digits, epochs=6, free_steps=3)
    assert r.labels == "".join(map(str, digits)) and r.digits.shape == (len(digits), 64)


def test_largest_documented_precision_and_evidence_run():
    r = ex.simulation2_cell(evidence=ex.MAX_VALUE, inverse_temperature=ex.MAX_VALUE, epochs=2,
                            trials=2, eval_steps=2)
    assert np.all(np.isfinite(r.network.J)) and np.all(np.isfinite(r.retrieval["score"]))


# ---------------------------------------------------------------------------------------------
# Options, flags and the relative change of J


_BAD_OPTIONS = [
    (ex.simulation1, dict(schedule=["synchronous"]), TypeError, "schedule"),
    (ex.simulation1, dict(prediction=np.array(["code"])), TypeError, "prediction"),
    (ex.simulation2_cell, dict(schedule=np.zeros((0, 3))), TypeError, "schedule"),
    (ex.simulation2_cell, dict(prediction=[]), TypeError, "prediction"),
    (ex.simulation3_asymmetry, dict(orders=[["sequential"], "random"]), TypeError, "orders"),
    (ex.simulation3_asymmetry, dict(orders=np.full((2, 2, 2), 0.5)), TypeError, "orders"),
    (ex.simulation2, dict(progress="yes"), TypeError, "progress"),
    (ex.simulation4, dict(progress=np.zeros((2, 2))), TypeError, "progress"),
]


@pytest.mark.parametrize("func, kwargs, error, name", _BAD_OPTIONS,
                         ids=[f"{f.__name__}-{i}" for i, (f, _, _, _) in enumerate(_BAD_OPTIONS)])
def test_options_and_flags_of_another_type_name_the_argument(func, kwargs, error, name):
    with pytest.raises(error, match=rf"^{name}\b"):
        func(**{**_CHEAP[func], **kwargs})


def test_relative_change_is_defined_for_zero_couplings():
    J = np.arange(9.0).reshape(3, 3)
    assert ex._relative_change(J + 1.0, J) == float(np.linalg.norm(np.ones((3, 3)))
                                                    / np.linalg.norm(J))
    assert ex._relative_change(J, J) == 0.0
    zero = np.zeros((3, 3))
    assert ex._relative_change(zero, zero) == 0.0        # nothing learned, nothing changed
    assert ex._relative_change(J, zero) == 1.0           # all couplings are new


def test_free_run_without_learning_reports_no_change():
    # A network trained with learning rate 0 has J = 0; a free run without learning keeps it:
    # J_change was 0/0 = NaN.
    r = ex.free_run_continuation(**{**_CHEAP[ex.free_run_continuation], "learning_rate": 0.0,
                                    "training_learning_rate": 0.0})
    assert r.J_change == 0.0
    # ... and one with learning creates all of J from nothing (was inf).
    r = ex.free_run_continuation(**{**_CHEAP[ex.free_run_continuation],
                                    "training_learning_rate": 0.0})
    assert np.any(r.J_after != 0) and r.J_change == 1.0


def test_grid_attractor_correlation_is_nan_for_a_constant_attractor():
    a = np.array([[0.5, -0.2, 0.1], [0.0, 0.0, 0.0]])
    assert np.isnan(ex._mean_attractor_correlation(a))
    assert np.isnan(ex._mean_attractor_correlation(a[:1]))
    b = np.array([[0.5, -0.2, 0.1], [0.1, 0.3, -0.4], [0.2, 0.2, 0.0]])
    assert ex._mean_attractor_correlation(b) == np.corrcoef(b)[np.triu_indices(3, 1)].mean()
