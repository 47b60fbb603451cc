"""Each chapter's precomputed panel: the grid of control values its static web page offers and
everything the page shows at every point, computed by the chapter's own experiment code.

One function per chapter, named after the notebook's file stem like its live callback in
:mod:`fep_core.explore`, returning a :class:`fep_core.precomputed.Precomputed`; where a chapter
trains networks, the whole grid is one batch of the engine. :func:`compute` runs a chapter's
function through the result cache (:func:`fep_core.cache.cached`), so a build computes each grid
once per version of its sources. The point where every control is at its default, the paper's
setting, shows exactly what the chapter computes and prints (tested per chapter).

Chapter -> module: ``gaussian_primer`` and ``natural_gradient``: :mod:`fep_core.grids.primers`;
``theory``: :mod:`~fep_core.grids.theory`; ``simulation1`` .. ``simulation4``:
:mod:`~fep_core.grids.sim1` .. :mod:`~fep_core.grids.sim4`; ``reproduction_report``:
:mod:`~fep_core.grids.report`; ``simulation5``: :mod:`~fep_core.grids.sim5`;
``simulation6``: :mod:`~fep_core.grids.sim6`; ``variational_bayes``: :mod:`~fep_core.grids.vb`;
``comparison``: :mod:`~fep_core.grids.comparison`.
"""
from __future__ import annotations

import importlib

__all__ = ["CHAPTERS", "compute"]

# chapter -> module (under fep_core.grids) holding its grid function of the same name
CHAPTERS = {
    "gaussian_primer": "primers",
    "natural_gradient": "primers",
    "theory": "theory",
    "simulation1": "sim1",
    "simulation2": "sim2",
    "simulation3": "sim3",
    "simulation4": "sim4",
    "reproduction_report": "report",
    "simulation5": "sim5",
    "simulation6": "sim6",
    "variational_bayes": "vb",
    "comparison": "comparison",
}


def function(chapter: str):
    """The grid function of ``chapter`` (a ``ValueError`` lists the chapters)."""
    if not isinstance(chapter, str):
        raise TypeError(f"chapter must be a string, got {type(chapter).__name__}")
    if chapter not in CHAPTERS:
        raise ValueError(f"chapter must be one of {sorted(CHAPTERS)}, got {chapter!r}")
    module = importlib.import_module(f"{__name__}.{CHAPTERS[chapter]}")
    return getattr(module, chapter)


def compute(chapter: str, **kwargs):
    """``chapter``'s :class:`~fep_core.precomputed.Precomputed`, through the result cache."""
    from ..cache import cached

    return cached(function(chapter), **kwargs)
