"""The named random streams of the simulations: one seed, many independent purposes.

Every random number of a simulation comes from ``SeedSequence(seed, spawn_key=key)``, where the
key names what the stream is for. Streams with different keys are independent, and a stream
depends only on its seed and key, so a part of an experiment rerun on its own (one cell of the
Simulation-2 grid, one seed of a sweep) draws exactly the numbers it drew inside the whole.

=====================================  =========================================================
key                                     stream
=====================================  =========================================================
``(TRAIN,)``                            Simulations 1 and 3: training (initial state, updates)
``(PROBE,)``                            Simulation 1: the noisy-bar and cross probes
``(FREE,)``                             Simulation 3: the free run
``(ORDER,)``                            Simulation 3's sweep: random presentation orders
``(*cell_key(e, t), purpose)``          a Simulation-2 cell: ``TRAIN``, ``EVAL_RETRIEVAL``,
                                        ``EVAL_GENERALIZATION``; Simulation 4's free run
                                        ``FREE`` and its evaluation ``(FREE, 1)``
``(CONTROL, TRAIN)``                    Simulation 4's retention control: training
``(CONTROL, CONTROL_ORDER)``            ... the order of the second set's presentations
``(CONTROL, CONTROL_EVAL)``             ... the evaluation noise
``(CONTINUATION, 0..4)``                the free-running continuation: free run, evaluation
                                        stepping, retrieval noise, test-digit choice,
                                        generalisation noise
=====================================  =========================================================
"""
from __future__ import annotations

import numpy as np

from ._validation import count, positive

__all__ = ["stream", "cell_key", "TRAIN", "EVAL_RETRIEVAL", "EVAL_GENERALIZATION", "PROBE",
           "FREE", "ORDER", "CONTROL", "CONTROL_ORDER", "CONTROL_EVAL", "CONTINUATION"]

TRAIN, EVAL_RETRIEVAL, EVAL_GENERALIZATION, PROBE, FREE = 0, 1, 2, 3, 4
ORDER = 31
CONTROL, CONTROL_ORDER, CONTROL_EVAL = 99, 7, 8
CONTINUATION = 4_000


def stream(seed, *key):
    """A Generator for ``seed`` (int >= 0) and ``key``, non-negative ints naming its purpose."""
    seed = count(seed, "seed", minimum=0)
    key = tuple(count(k, "key", minimum=0) for k in key)
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def cell_key(evidence, inverse_temperature):
    """Key prefix of a Simulation-2 cell (evidence, precision), independent of the grid it sits
    in: evidence in thousandths and precision in billionths, rounded."""
    evidence = positive(evidence, "evidence")
    inverse_temperature = positive(inverse_temperature, "inverse_temperature")
    return (int(round(evidence * 1000)), int(round(inverse_temperature * 1e9)))
