"""fep_core.paper: the paper's numbers (checked against the values printed in the paper, typed
here once more as an independent reference), the simulations' defaults against its settings,
each claim predicate on hand-made cases, and no paper number typed anywhere else."""
import ast
import inspect
import json
import pathlib

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal

from fep_core import experiments as X, paper

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_paper_values_cover_every_reported_number():
    pv = paper.reported_values()
    assert pv.index.is_unique
    expected = {"s1_data_corr": 0.77, "s1_attr_corr": -0.19, "s2_balanced_retrieval": 0.292,
                "s2_balanced_generalization": 0.07, "s2_balanced_n_attractors": 10,
                "s2_balanced_orthogonality": 17.3, "s2_high_retrieval": 0.27,
                "s2_high_generalization": -0.05, "s2_high_n_attractors": 10,
                "s2_high_orthogonality": 27.6, "s2_low_retrieval": 0.164,
                "s2_low_generalization": 0.085, "s2_low_n_attractors": 1,
                "s2_data_orthogonality": 29.94, "s3_asymmetry": 0.98}
    nums = pv[pv.kind == "number"]
    assert set(nums.index) == set(expected)
    for key, value in expected.items():
        assert nums.loc[key, "paper"] == value
        assert float(nums.loc[key, "reported"]) == value          # printed form agrees with value
    claims = pv[pv.kind == "claim"]
    assert claims.paper.isna().all() and len(claims) == 11
    assert set(pv.simulation) == {1, 2, 3, 4}
    assert pv.source.str.len().gt(0).all()


def test_value_and_its_errors():
    assert paper.value("s3_asymmetry") == 0.98
    with pytest.raises(ValueError, match="id"):
        paper.value("s9_nothing")
    with pytest.raises(TypeError, match="id"):
        paper.value(["s1_vfe"])
    with pytest.raises(ValueError, match="claim"):
        paper.value("s1_vfe")


@pytest.mark.parametrize("func, settings", [
    (X.simulation1, paper.SIMULATION1), (X.simulation2, paper.SIMULATION2),
    (X.simulation2_cell, paper.SIMULATION2), (X.simulation3, paper.SIMULATION3),
    (X.simulation4, paper.SIMULATION4)])
def test_simulation_defaults_are_the_papers_settings(func, settings):
    defaults = {k: p.default for k, p in inspect.signature(func).parameters.items()}
    for key, value in settings.items():
        assert defaults[key] == value, key


def test_grid_and_regimes():
    assert_array_equal(paper.GRID_EVIDENCES, np.arange(1, 21))
    assert paper.GRID_INVERSE_TEMPERATURES.size == 19
    assert paper.GRID_INVERSE_TEMPERATURES[0] == 0.01 and paper.GRID_INVERSE_TEMPERATURES[-1] == 1.0
    for e, t in paper.REGIMES.values():               # every regime is a cell of the grid
        assert e in paper.GRID_EVIDENCES and t in paper.GRID_INVERSE_TEMPERATURES
    assert paper.SIMULATION4["evidence"] == paper.REGIMES["balanced"][0]
    with pytest.raises(ValueError):
        paper.GRID_EVIDENCES[0] = 5.0                 # read-only: the paper's grid cannot drift


def test_simulation1_predicates():
    assert_array_equal(paper.vfe_decreases([3.0, 1.0], [2.0, 1.0]), [True, False])
    assert_array_equal(paper.retrieves_first_pattern([0.9, 0.2], [0.1, 0.2]), [True, False])
    assert_array_equal(paper.mixes_both([0.5, 0.5, 0.3], [0.4, 0.2, 0.5]), [True, False, False])
    with pytest.raises(ValueError, match="first"):
        paper.retrieves_first_pattern([np.nan], [0.1])
    with pytest.raises(ValueError, match="first and last"):
        paper.vfe_decreases([1.0, 2.0, 3.0], [1.0, 2.0])


def test_top_cells_and_bands():
    t = pd.DataFrame({"retrieval": [0.1, np.nan, 0.5, 0.3, 0.2, 0.4, 0.0, -0.1, 0.25, 0.05],
                      "inverse_temperature": np.geomspace(0.01, 1, 10)})
    assert_array_equal(paper.top_cells(t, "retrieval", fraction=0.2),
                       [False, False, True, False, False, True, False, False, False, False])
    assert paper.top_cells(t, "retrieval", fraction=0.01).sum() == 1     # at least one cell
    assert not paper.top_cells(t, "retrieval", fraction=1.0)[1]          # NaN never chosen
    with pytest.raises(ValueError, match="fraction"):
        paper.top_cells(t, "retrieval", fraction=1.5)
    with pytest.raises(TypeError, match="column"):
        paper.top_cells(t, "generalization")
    assert_array_equal(paper.in_band([0.09, 0.1, 0.5, 0.51], "retrieval"),
                       [False, True, True, False])
    assert_array_equal(paper.in_band([0.01, 0.0999, 0.1], "generalization"), [True, True, False])
    with pytest.raises(ValueError, match="measure"):
        paper.in_band(0.2, "orthogonality")


@pytest.mark.parametrize("order, repeats, expected", [
    ("123123123", 3, True), ("231231231", 3, True), ("12312312", 3, False),
    ("1231321231", 3, False), ("", 1, False), ("1231231231231231", 5, True), ("124", 1, False)])
def test_cycles_forward(order, repeats, expected):
    assert paper.cycles_forward(order, "123", repeats=repeats) is expected


def test_cycles_forward_rejects_bad_labels():
    with pytest.raises(ValueError, match="labels"):
        paper.cycles_forward("111", "11")
    with pytest.raises(TypeError, match="order"):
        paper.cycles_forward(None, "123")
    with pytest.raises(TypeError, match="labels"):
        paper.cycles_forward("123", [[1], [2]])
    with pytest.raises(ValueError, match="repeats"):
        paper.cycles_forward("123", "123", repeats=0)


def test_simulation4_predicates():
    assert_array_equal(paper.couplings_similar([0.05, 0.1, 0.11]), [True, True, False])
    assert_array_equal(paper.scores_similar([0.3, 0.3], [0.29, 0.2], 0.01), [True, False])
    before = np.array([[1.0, -1.0], [0.5, 0.5]])
    amp = np.abs(before).mean()                                   # 0.75
    assert_array_equal(paper.soft_attractors([[0.3, 0.3], [0.5, 0.4]], amp), [True, False])
    with pytest.raises(ValueError, match="seed_sd"):
        paper.scores_similar([0.3], [0.3], -1.0)


# Numeric literals only fep_core/paper.py may hold (and the test above, as an independent
# reference): the paper's distinctive values. Docstrings and prose may quote them.
_PAPER_NUMBERS = {0.77, -0.19, 0.292, 17.3, 27.6, 0.164, 0.085, 29.94, 0.98}


def _floats(tree):
    """(line, value) of every float literal, with its sign where it is negated."""
    negated = {id(n.operand) for n in ast.walk(tree)
               if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub)}
    return [(n.lineno, -n.value if id(n) in negated else n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and type(n.value) is float]


def _code_sources():
    for path in sorted((ROOT / "fep_core").rglob("*.py")):
        if path.name != "paper.py":
            yield path.relative_to(ROOT), path.read_text()
    for path in sorted((ROOT / "book").glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        yield path.relative_to(ROOT), "\n".join("".join(c["source"]) for c in cells
                                                if c["cell_type"] == "code")


def test_no_paper_number_is_typed_outside_paper_py():
    found = [f"{name}:{line}: {value}" for name, text in _code_sources()
             for line, value in _floats(ast.parse(text)) if value in _PAPER_NUMBERS]
    assert not found, "\n".join(found)


def test_the_literal_scan_sees_a_typed_number():
    # the scan above is not vacuous: it finds a paper number typed in code
    tree = ast.parse("x = abs(m - 0.98) < 0.02 and r < -0.19 and s > 0.19\n")
    assert sorted(v for _, v in _floats(tree) if v in _PAPER_NUMBERS) == [-0.19, 0.98]
