"""The layering of fep_core, read from the source with ``ast`` by :mod:`fep_core._sources`
(the scanner that also keys the caches and draws ``tools/import_graph.py``; nothing is imported).

Layers, bottom up: the maths and experiment modules (cb, network, metrics, datasets, experiments,
gaussian, geometry, theory, report, ...), then ``fep_core.plotting`` (figures of computed
results), then ``fep_core.explore`` (the chapters' slider callbacks: compute, then draw) and
``fep_core.widgets`` (slider panels). Imports point down only:

(a) no module outside ``plotting/``, ``explore.py``, ``widgets.py`` and ``bench.py`` imports
    ``fep_core.plotting``, ``fep_core.explore`` or ``fep_core.widgets``, anywhere in the file
    (function bodies included);
(b) ``plotting`` imports neither ``explore`` nor ``widgets``;
(c) there is no import cycle among fep_core's modules (function-level imports included);
(d) no module reaches into another fep_core module's private names: neither
    ``from .x import _y`` nor ``x._y`` on an imported fep_core module. Importing a module whose
    own name is private (``_validation``, ``_numerics``, ``_kernels``, ...) is fine; its private
    names are private all the same.
"""
from __future__ import annotations

import pytest

from fep_core import _sources

ROOT = "fep_core"
FILES = _sources.modules()
MODULES = set(FILES)
SCANS = {m: _sources.scan(m) for m in sorted(MODULES)}


def _in(module: str, layer: str) -> bool:
    return module == layer or module.startswith(layer + ".")


UPPER = (f"{ROOT}.plotting", f"{ROOT}.explore", f"{ROOT}.widgets")
MAY_IMPORT_UPPER = (f"{ROOT}.plotting", f"{ROOT}.explore", f"{ROOT}.widgets", f"{ROOT}.bench")


def test_the_scan_sees_the_package():
    # a sanity check of the scanner itself: known modules and known imports are found
    assert {"fep_core.network", "fep_core.explore", "fep_core.plotting",
            "fep_core.plotting.sim1"} <= MODULES
    assert "fep_core.cb" in SCANS["fep_core.theory"].edges
    assert "fep_core.plotting.primers" in SCANS["fep_core.explore"].edges  # inside a function
    assert "fep_core.plotting" in SCANS["fep_core.plotting.primers"].edges  # a name of the package


LOWER = sorted(m for m in MODULES if not any(_in(m, a) for a in MAY_IMPORT_UPPER))


@pytest.mark.parametrize("module", LOWER)
def test_maths_imports_no_figures_widgets_or_callbacks(module):
    bad = sorted(f"{t} (line {line})" for t, line in SCANS[module].edges.items()
                 if any(_in(t, u) for u in UPPER))
    assert not bad, (f"{module} imports {bad}: maths and experiments must not depend on "
                     f"figures, widgets or callbacks")


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _in(m, f"{ROOT}.plotting")))
def test_plotting_imports_no_callbacks_or_widgets(module):
    bad = sorted(f"{t} (line {line})" for t, line in SCANS[module].edges.items()
                 if _in(t, f"{ROOT}.explore") or _in(t, f"{ROOT}.widgets"))
    assert not bad, f"{module} imports {bad}: figures draw what they are given"


_cycles = _sources.cycles


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles():
    graph = {m: {t for t in s.edges if t in MODULES} for m, s in SCANS.items()}
    cycles = _cycles(graph)
    detail = ["; ".join(f"{m} -> {t} (line {SCANS[m].edges[t]})"
                        for m in comp for t in sorted(graph[m]) if t in comp)
              for comp in cycles]
    assert not cycles, f"import cycles: {detail}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_reach_into_private_names(module):
    assert not SCANS[module].private, (f"{module} uses private names of other fep_core modules: "
                                       f"{SCANS[module].private}")


def test_private_name_check_catches_both_forms(tmp_path):
    # the checker on a synthetic module: both forms are reported, a private *module* is not
    src = ("from ._validation import count\nfrom . import _kernels as K\n"
           "from .network import _helper\n"
           "def f():\n    from . import cb\n    return cb._private(K.run, K._inner)\n")
    (tmp_path / "geometry.py").write_text(src, encoding="utf-8")
    found = _sources.scan("fep_core.geometry", tmp_path / "geometry.py")
    assert sorted(found.private) == ["line 3: from fep_core.network import _helper",
                                     "line 6: fep_core._kernels._inner",
                                     "line 6: fep_core.cb._private"]
    assert {"fep_core._validation", "fep_core._kernels", "fep_core.network",
            "fep_core.cb"} <= set(found.edges)
