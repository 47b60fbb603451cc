"""The readers' tables (fep_core.tables) and the prose's glued numbers (fep_core.glue)."""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from fep_core import glue as G
from fep_core.tables import MISSING, format_number, table

MINUS = "\u2212"


@pytest.mark.parametrize("value, digits, expected", [
    (0.29642, 3, "0.296"), (-0.08812, 3, f"{MINUS}0.0881"), (27.35, 3, "27.4"),
    (0.1, 3, "0.100"), (100.0, 3, "100"), (12345.6, 3, "12300"), (99999.0, 2, "100000"),
    (1.3946e-7, 3, f"1.39e{MINUS}7"), (123456.0, 3, "1.23e5"), (0.001, 2, "0.0010"),
    (0.0, 3, "0"), (10, 3, "10"), (np.int64(-4), 3, f"{MINUS}4"), (float("nan"), 3, MISSING),
    (None, 3, MISSING), (float("inf"), 3, "∞"), (True, 3, "yes"), ("text", 3, "text"),
])
def test_format_number(value, digits, expected):
    assert format_number(value, digits) == expected


@pytest.mark.parametrize("x", [0.0012345, 0.98765, 1.0, 9.995, 47.1, 999.4, 4321.0, 99949.0])
@pytest.mark.parametrize("digits", [1, 2, 3, 4])
def test_format_number_keeps_the_significant_figures(x, digits):
    # independent reference: round to `digits` significant figures with Python's %g rounding
    text = format_number(x, digits).replace(MINUS, "-")
    reference = float(f"{x:.{digits}g}")
    assert math.isclose(float(text), reference, rel_tol=1e-12)
    significant = re.sub(r"^0\.0*|\.", "", text.lstrip("-"))
    # plain notation shows exactly `digits` significant figures, except trailing zeros of a
    # whole number (a count of hundreds has no decimal point)
    assert len(significant) >= digits or text.endswith("0")


def test_format_number_integers_and_errors():
    assert format_number(10.0, integer=True) == "10"
    with pytest.raises(ValueError, match="not an integer"):
        format_number(10.5, integer=True)
    with pytest.raises(ValueError, match="digits"):
        format_number(1.5, 0)


def _frame():
    return pd.DataFrame({"n_attractors": [10.0, 9.0, np.nan], "retrieval": [0.2964, -0.0881, 1e-7],
                         "regime": ["high", "balanced", "low"]}, index=[0, 1, 2])


def test_table_renames_hides_the_index_and_formats():
    html = table(_frame(), "Three regimes.", columns={"regime": "regime",
                                                      "n_attractors": "attractors",
                                                      "retrieval": "retrieval"}).to_html()
    assert "<caption>Three regimes.</caption>" in html
    headers = re.findall(r"<th [^>]*col_heading[^>]*>([^<]*)</th>", html)
    assert headers == ["regime", "attractors", "retrieval"]
    cells = re.findall(r"<td [^>]*>([^<]*)</td>", html)
    assert cells == ["high", "10", "0.296", "balanced", "9", f"{MINUS}0.0881", "low", MISSING,
                     f"1.00e{MINUS}7"]
    assert "row_heading" not in html            # the meaningless 0..n index is hidden
    assert "nan" not in html.lower().replace("nan-", "")


def test_table_keeps_a_named_index_and_transposes():
    df = _frame().set_index("regime")[["retrieval"]]
    html = table(df, "By regime.", index="regime").to_html()
    assert re.findall(r"<th [^>]*col_heading[^>]*>([^<]*)</th>", html) == ["regime", "retrieval"]
    wide = table(df, "By regime, transposed.", index="regime", transpose=True).to_html()
    assert re.findall(r"<th [^>]*col_heading[^>]*>([^<]*)</th>", wide) == [
        "regime", "high", "balanced", "low"]


@pytest.mark.parametrize("kwargs, error, match", [
    ({}, ValueError, "n_attractors"),                                   # an identifier header
    ({"columns": {"missing": "x"}}, KeyError, "missing"),
    ({"columns": {"retrieval": "a", "regime": "a"}}, ValueError, "duplicate"),
    ({"columns": {"retrieval": "score"}, "digits": {"nope": 2}}, KeyError, "nope"),
    ({"columns": {"retrieval": "score"}, "integers": ["nope"]}, KeyError, "nope"),
])
def test_table_refuses_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        table(_frame(), "caption", **kwargs)


def test_table_needs_a_frame_and_a_caption():
    with pytest.raises(TypeError, match="frame"):
        table([[1]], "caption")
    with pytest.raises(ValueError, match="caption"):
        table(_frame()[["regime"]], "  ")


def test_plain_value():
    assert type(G.plain_value("k", np.float64(0.5))) is float
    assert G.plain_value("k", np.float64(0.5)) == 0.5
    assert type(G.plain_value("k", np.int64(3))) is int
    assert G.plain_value("k", np.array([2.5])) == 2.5
    assert G.plain_value("k", "text") == "text"
    with pytest.raises(ValueError, match="s2_gain"):
        G.plain_value("s2_gain", float("nan"))
    with pytest.raises(TypeError, match="k"):
        G.plain_value("k", np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match="k"):
        G.plain_value("k", {"a": 1})


def test_glue_numbers_glues_each_value(monkeypatch):
    import myst_nb

    seen = {}
    monkeypatch.setattr(myst_nb, "glue", lambda key, value, display=True: seen.update(
        {key: (value, display)}))
    out = G.glue_numbers({"a": np.float32(0.25)}, markdown=("m",), b=np.int64(7), m="**x**")
    assert out == {"a": 0.25, "b": 7, "m": "**x**"}
    assert seen["a"] == (0.25, False) and seen["b"] == (7, False)
    assert type(seen["m"][0]).__name__ == "Markdown" and seen["m"][0].data == "**x**"
    with pytest.raises(ValueError, match="twice"):
        G.glue_numbers({"a": 1}, a=2)
    with pytest.raises(KeyError, match="zz"):
        G.glue_numbers(a=1, markdown=("zz",))
    with pytest.raises(ValueError, match="identifiers"):
        G.glue_numbers({"not a key": 1})
    with pytest.raises(ValueError, match="bad"):
        G.glue_numbers(bad=float("inf"))
