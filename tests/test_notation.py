"""One notation across the book (issue 13): the network's precision (inverse temperature) is $i_T$
in the maths and "precision iT" on figures and sliders, its learning rate α; β is not used."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from fep_core.controls import LEARNING_RATE_CONTROL, PRECISION_CONTROL, SLIDER_LABELS

ROOT = Path(__file__).resolve().parents[1]
NETWORK_CHAPTERS = ("theory", "simulation1", "simulation2", "simulation3", "simulation4",
                    "reproduction_report", "simulation5", "simulation6", "comparison")


@pytest.mark.parametrize("chapter", NETWORK_CHAPTERS)
def test_slider_labels_name_the_precision_and_the_learning_rate_alike(chapter):
    labels = SLIDER_LABELS[chapter]
    assert labels[PRECISION_CONTROL[chapter]].startswith("precision iT")
    if chapter != "theory":          # the theory chapter's step size is not the couplings' rate
        assert labels[LEARNING_RATE_CONTROL[chapter]].startswith("learning rate α")


def _texts():
    for path in sorted((ROOT / "book").glob("*.ipynb")):
        for k, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
            yield f"{path.name} cell {k}", "".join(cell["source"])
            meta = json.dumps(cell.get("metadata", {}), ensure_ascii=False)
            yield f"{path.name} cell {k} metadata", meta
    for path in sorted((ROOT / "book").glob("*.md")):
        yield path.name, path.read_text(encoding="utf-8")
    for folder in ("plotting", "grids"):
        for path in sorted((ROOT / "fep_core" / folder).glob("*.py")):
            yield f"fep_core/{folder}/{path.name}", path.read_text(encoding="utf-8")
    yield "fep_core/controls.py", (ROOT / "fep_core" / "controls.py").read_text(encoding="utf-8")


def test_no_page_figure_or_control_calls_the_precision_beta():
    found = [where for where, text in _texts() if re.search(r"β|\\\\?beta\b", text)]
    assert not found, f"β for the precision (use $i_T$ / 'precision iT'): {found}"
