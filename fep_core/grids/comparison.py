"""Precomputed panel of the comparison chapter's Interactive section
(:func:`fep_core.explore.comparison`, which calls :func:`fep_core.comparison.explore_points` at
one point): the paper's network trained at a precision and a learning rate (factors of each
task's paper setting) on three of the comparison's tasks, beside the classic networks, and the
load of the capacity task.

The whole grid is one call of :func:`~fep_core.comparison.explore_points`: one batch of the
engine per task. A point's numbers do not depend on the other points (every network's streams
are keyed by its own settings), so every point is what the live panel computes at those slider
values (tested bit for bit).
"""
from __future__ import annotations

import inspect

import numpy as np

from .. import comparison as C
from ..precomputed import Bars, Grid, Lines, Precomputed, Readout, control

__all__ = ["comparison", "N_PRECISIONS", "N_LEARNING_RATES", "N_LOADS"]

_CHAPTER = "comparison"

N_PRECISIONS = 5
"""Precision factors of the grid: log-spaced over the slider's range (0.1 ... 10, with 1)."""
N_LEARNING_RATES = 3
"""Learning-rate factors of the grid: the slider's ends and the paper's setting (0.1, 1, 10)."""
N_LOADS = 3
"""Loads of the grid: the slider's ends and its default (0.1, 0.4, 0.7)."""

_SEED = inspect.signature(C.explore_points).parameters["seed"].default
_SHORT = {"this network": "FEP", "Hopfield": "Hopfield", "Storkey": "Storkey",
          "projector network": "projector", "Boltzmann machine": "Boltzmann"}


def comparison(*, seed=_SEED) -> Precomputed:
    """:func:`fep_core.comparison.explore_points` at every point of precision factor x
    learning-rate factor x load (5 x 3 x 3 points; the digits and the sequence depend on the
    first two only).

    Shows bars of the fraction of patterns each network recalls at the point's load, of the
    retrieval and generalisation scores on the digits, the digit recognised along the paper's
    network's free run after learning 1 -> 2 -> 3, and as numbers the paper's network's
    recall and scores (continuous, so every move of a slider shows in them), the attractors, their
    orthogonality and whether the free run cycles.
    """
    grid = Grid(_CHAPTER, (control(_CHAPTER, "inverse_temperature", N_PRECISIONS),
                           control(_CHAPTER, "learning_rate", N_LEARNING_RATES),
                           control(_CHAPTER, "load", N_LOADS)))
    res = C.explore_points(grid.values("inverse_temperature"), grid.values("learning_rate"),
                           grid.values("load"), seed=seed)
    size = grid.size
    names = ("this network",) + C.CLASSIC
    cd = res.classic_digits.set_index("network")

    def digit(col):
        return {n: (res.digits[col] if n == "this network" else np.full(size, cd.loc[n, col]))
                for n in names}

    ret, gen = digit("retrieval"), digit("generalization")
    arrays = {**{f"capacity_{_SHORT[n]}": res.capacity[n] for n in names},
              **{f"retrieval_{_SHORT[n]}": ret[n] for n in names},
              **{f"generalization_{_SHORT[n]}": gen[n] for n in names},
              "recognised": res.recognised.astype(float)}
    n = res.settings["capacity_nodes"]
    cap_fep = np.asarray(res.capacity["this network"], dtype=float)
    readouts = {
        "n_patterns": Readout(f"capacity task: K patterns (N = {n})",
                              np.asarray(res.settings["n_patterns"], dtype=float)),
        "capacity": Readout("FEP: fraction recalled at this load", cap_fep),
        "retrieval": Readout("FEP digits: retrieval (median score)", res.digits["retrieval"]),
        "generalization": Readout("FEP digits: one-shot generalisation (median score)",
                                  res.digits["generalization"]),
        "n_attractors": Readout("FEP attractors from the ten digits", res.digits["n_attractors"]),
        "orthogonality": Readout(f"their orthogonality, mean |90° − angle| (the digits: "
                                 f"{res.data_orthogonality:.1f}°)", res.digits["orthogonality"],
                                 undefined="fewer than two attractors"),
        "cycles": Readout("the free run cycles 1 → 2 → 3 (1 yes, 0 no)",
                          res.cycles.astype(float)),
    }
    steps = np.arange(1, res.recognised.shape[1] + 1, dtype=float)
    views = (
        Bars(f"capacity at this load: fraction recalled from 10% flipped (N = {n})",
             {_SHORT[k]: f"capacity_{_SHORT[k]}" for k in names}, y_label="fraction recalled"),
        Bars("digits: retrieval (median score)",
             {_SHORT[k]: f"retrieval_{_SHORT[k]}" for k in names}, y_label="median score"),
        Bars("digits: one-shot generalisation (median score)",
             {_SHORT[k]: f"generalization_{_SHORT[k]}" for k in names}, y_label="median score"),
        Lines("FEP free run after learning 1 → 2 → 3: digit recognised (index 0, 1, 2 = "
              f"{', '.join(res.labels)}; −1 none)", steps, {"recognised digit": "recognised"},
              x_label="free-running step", y_label="digit (index)", y_range=(-1.5, 2.5)),
    )
    note = (f"The paper's network trained at the factors × each task's paper setting: "
            f"capacity on {n}-node networks for {res.settings['capacity_epochs']} epochs, the "
            f"digits for {res.settings['epochs']} epochs (the chapter's: 10,000 and 5000); "
            f"the classic networks do not depend on the factors.")
    return Precomputed(grid, arrays, readouts, views, note)
