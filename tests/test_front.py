"""The front page: the reproduction's verdict (fep_core.report.verdict) and its key figure."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fep_core import paper, report as R
from fep_core.plotting.front import plot_key_figure

pytestmark = pytest.mark.usefixtures("close_figures")


def _table(statuses):
    keys = ["s1_a", "s2_b", "s4_c", "s3_d", "s2_e"][:len(statuses)]
    return pd.DataFrame({"status": statuses, "quantity": [f"q{k}" for k in keys],
                         "reported": "0.5", "book": "0.4", "kind": "number"}, index=keys)


def test_verdict_counts_every_status_and_lists_the_rest_by_severity():
    counts, rest = R.verdict(_table(["reproduced", "differs", "close", "reproduced", "close"]))
    assert counts == {"reproduced": 2, "close": 2, "differs": 1}
    assert list(rest.index) == ["s4_c", "s2_e", "s2_b"]          # close before differs, stable
    assert list(rest.status) == ["close", "close", "differs"]
    assert list(rest.chapter) == ["simulation4", "simulation2", "simulation2"]
    assert list(rest.columns) == ["status", "quantity", "reported", "book", "chapter"]


def test_verdict_of_a_clean_reproduction_lists_nothing():
    counts, rest = R.verdict(_table(["reproduced"] * 3))
    assert counts == {"reproduced": 3, "close": 0, "differs": 0} and rest.empty


def test_verdict_needs_a_reproduction_table():
    with pytest.raises(TypeError, match="reproduction table"):
        R.verdict(pd.DataFrame({"x": [1]}))


def test_verdict_items_are_one_markdown_line_per_row_in_the_verdict_s_order():
    _, rest = R.verdict(_table(["reproduced", "differs", "close"]))
    lines = R.verdict_items(rest).split("\n")
    assert lines == ["* *close* ({doc}`simulation4`): qs4_c. Paper: 0.5; this book: 0.4.",
                     "* *differs* ({doc}`simulation2`): qs2_b. Paper: 0.5; this book: 0.4."]
    assert R.verdict_items(rest.iloc[:0]) == ""
    with pytest.raises(TypeError, match="lacks \\['chapter'\\]"):
        R.verdict_items(rest.drop(columns="chapter"))


def test_every_reported_number_has_a_chapter():
    prefixes = {key.split("_", 1)[0] for key in paper.reported_values().index}
    assert prefixes <= set(R.CHAPTER_OF)
    # and every number or claim of the revision (the front page lists them by chapter too)
    assert {r.id.split("_", 1)[0] for r in paper.REVISION_REPORTED} <= set(R.CHAPTER_OF)
    assert R.BOOK_SEEDS == {"sim1_seeds": range(20), "sim2_seeds": range(10),
                            "sim3_seeds": range(10)}


def test_key_figure():
    rng = np.random.default_rng(0)
    digits, attractors = rng.normal(size=(10, 64)), rng.normal(size=(7, 64))
    fig = plot_key_figure(digits, attractors, rng.uniform(40, 100, 45), rng.uniform(60, 120, 21),
                          orthogonality=(23.3, 18.5))
    images = [ax for ax in fig.axes if ax.get_images()]
    assert len(images) == 17                          # every digit and every attractor drawn
    hist = next(ax for ax in fig.axes if not ax.get_images() and ax.axison)
    assert [t.get_text() for t in hist.get_legend().get_texts()] == [
        "training digits (mean |90° − angle| 23.3°)", "attractors (mean |90° − angle| 18.5°)"]
    assert any(line.get_xdata()[0] == 90 for line in hist.get_lines())
    with pytest.raises(ValueError, match="8x8"):
        plot_key_figure(digits[:, :10], attractors, [], [])


@pytest.mark.parametrize("paper_value, values", [(0.77, [0.70, 0.72, 0.75]), (-0.19, [0.1]),
                                                 (10.0, [9.0, 9.0, 10.0, 9.0])])
def test_status_margin_is_the_rule_s_margin(paper_value, values):
    v = np.asarray(values, float)
    sd = v.std(ddof=1) if v.size > 1 else 0.0
    margin = max(2 * sd, 0.1 * abs(paper_value))
    assert R.status_margin(paper_value, values) == pytest.approx(margin, rel=1e-12)


def test_status_uses_that_margin():
    values = [0.0, 1.0, 2.0]                      # sd 1: margin max(2 * 1, 0.1 |paper|) = 2 here
    assert R.status_margin(3.99, values) == pytest.approx(2.0)
    assert R.status(2.0, values) == "reproduced"
    assert R.status(3.99, values) == "close" and R.status(4.01, values) == "differs"
    assert R.status(-1.99, values) == "close" and R.status(-2.01, values) == "differs"
