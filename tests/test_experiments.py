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
