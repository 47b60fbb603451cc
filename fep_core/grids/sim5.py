"""Precomputed panel of Simulation 5's Interactive section (:func:`fep_core.explore.simulation5`,
which calls :func:`fep_core.capacity.training_sweep` at one point): small networks trained at a
precision iT x learning rate α x load K/N, tested from corrupted starts beside the classic
networks on the same patterns.

The whole grid is one call of :func:`~fep_core.capacity.training_sweep`: one batch of the engine
for the training, one relaxation for the tests. A point's numbers do not depend on the other
points of the sweep (its streams are keyed by its own N, K and repeat), so every point is what
the live panel computes at those slider values (tested bit for bit).
"""
from __future__ import annotations

import inspect

import numpy as np

from .. import capacity
from ..precomputed import Bars, Grid, Lines, Precomputed, Readout, control

__all__ = ["simulation5", "N_PRECISIONS", "LEARNING_RATES", "N_LOADS"]

_CHAPTER = "simulation5"

N_PRECISIONS = 5
"""Precisions of the grid: log-spaced over the slider's range (0.1 ... 10, with the default 1)."""
LEARNING_RATES = (5e-5, 5e-4, 5e-3)
"""Learning rates of the grid: the slider's ends and its default (the revision's 0.0005)."""
N_LOADS = 5
"""Loads of the grid: evenly spaced over the slider's range (0.1 ... 0.7, with the default)."""

_SEED = inspect.signature(capacity.training_sweep).parameters["seed"].default


def simulation5(*, seed=_SEED) -> Precomputed:
    """:func:`fep_core.capacity.training_sweep` at every point of precision x learning rate x
    load (5 x 3 x 5 small networks, one batch).

    Shows the fraction of patterns recalled against the fraction of flipped entries for the
    paper's network and the Hebbian, projector and Storkey networks, bars of the retention score
    and of the recall from 10% flipped, and as numbers K, the retention score and the recall
    fractions.
    """
    grid = Grid(_CHAPTER, (
        control(_CHAPTER, "inverse_temperature", N_PRECISIONS),
        control(_CHAPTER, "learning_rate", len(LEARNING_RATES), values=LEARNING_RATES),
        control(_CHAPTER, "load", N_LOADS)))
    sweep = capacity.training_sweep(grid.values("inverse_temperature"),
                                    grid.values("learning_rate"), grid.values("load"), seed=seed)
    c10 = int(np.argmin(np.abs(sweep.corruption - 0.1)))
    arrays = {"recall_fep": sweep.recall,
              **{f"recall_{name}": sweep.baseline_recall[name] for name in capacity.BASELINES},
              "bar_retention": sweep.retention, "bar_fep": sweep.recall[:, c10],
              **{f"bar_{name}": sweep.baseline_recall[name][:, c10]
                 for name in capacity.BASELINES}}
    flipped = f"{100 * sweep.corruption[c10]:.0f}% flipped"
    readouts = {
        "n_patterns": Readout(f"patterns K (N = {sweep.settings['n_nodes']})",
                              sweep.n_patterns.astype(float)),
        "retention": Readout("retention score (mean r, started at the pattern)",
                             sweep.retention),
        "recall": Readout(f"FEP: fraction recalled from {flipped}", sweep.recall[:, c10]),
        **{f"recalled_{name}": Readout(f"{name}: fraction recalled from {flipped}",
                                     sweep.baseline_recall[name][:, c10])
           for name in capacity.BASELINES},
    }
    views = (
        Lines("fraction of patterns recalled (overlap ≥ 0.95)", 100 * sweep.corruption,
              {"FEP (relaxed at iT 100)": "recall_fep",
               **{name: f"recall_{name}" for name in capacity.BASELINES}},
              x_label="% of entries flipped", y_label="fraction recalled", y_range=(0.0, 1.0)),
        Bars(f"retention score and recall from {flipped}",
             {"retention (FEP)": "bar_retention", "FEP": "bar_fep",
              **{name: f"bar_{name}" for name in capacity.BASELINES}},
             y_label="score / fraction"),
    )
    note = (f"{sweep.settings['n_nodes']}-node networks trained {sweep.settings['epochs']} "
            f"epochs of {sweep.settings['steps_per_epoch']} steps (the chapter's networks: "
            f"10,000 epochs)")
    return Precomputed(grid, arrays, readouts, views, note)
