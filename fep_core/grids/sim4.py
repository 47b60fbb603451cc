"""Precomputed panel of Simulation 4's Interactive section (:func:`fep_core.explore.simulation4`,
which calls :func:`fep_core.experiments.free_run_continuation`): the free run's precision x its
learning rate x its length.

The balanced digit network is trained once (the live panel's default of 2000 epochs, seed 0,
exactly as :func:`~fep_core.experiments.free_run_continuation` trains it). Its free runs, one
per (precision, learning rate), then run as one batch of the engine (:func:`free_runs`) to the
longest free-run length, each network on the free run's own random stream; the couplings are
read at every length of the grid. A free run of ``k`` steps is the first ``k`` steps of the
longer run: a run draws its uniforms from its generator step by step, so stopping and resuming
consumes the randomness exactly as one call does (the tests check it against
``free_run_continuation`` bit for bit). All the couplings (and the trained network, "before")
are then evaluated as one batch with the continuation's protocol and noise streams
(:func:`evaluate_couplings`).
"""
from __future__ import annotations

import inspect

import numpy as np

from .. import datasets, experiments, metrics, paper
from ..network import AttractorBatch
from ..precomputed import Bars, Grid, Lines, Precomputed, Readout, Tiles, control
from ..streams import CONTINUATION, stream
from . import sim2

__all__ = ["simulation4", "free_runs", "evaluate_couplings", "PRECISION_INDICES", "FREE_STEPS",
           "CURVE_EVERY", "MAX_TILES"]

_CHAPTER = "simulation4"
_EVIDENCE, _PRECISION = paper.REGIMES["balanced"]
# the continuation's own training learning rate (its default), so the two train alike
_TRAINING_LEARNING_RATE = inspect.signature(
    experiments.free_run_continuation).parameters["training_learning_rate"].default

PRECISION_INDICES = sim2.PRECISION_INDICES
"""Positions in the paper's 19 precisions (:data:`fep_core.paper.GRID_INVERSE_TEMPERATURES`) of
the precision axis (Simulation 2's): both ends, the balanced precision (11) the network is
trained at, and those of the other two regimes (4, 14)."""

FREE_STEPS = (500, 5000, 10000, 20000, 50000)
"""The free-run lengths: the live slider's range (500 to 50,000 in steps of 500) and its
default, 20,000, roughly doubling (the change of J is drawn at every step of the slider)."""

CURVE_EVERY = 500
"""The change of J is drawn every this many free-running steps (the slider's step)."""

MAX_TILES = 10
"""Attractors drawn per point: the ten training digits lead to at most ten."""

N_LEARNING_RATES = 7
"""Values of the learning-rate axis (log-spaced over the slider's range, with the default)."""


def free_runs(coupling, state, inverse_temperatures, learning_rates, lengths, *, seed=0,
              every=CURVE_EVERY):
    """The free runs of :func:`fep_core.experiments.free_run_continuation` (zero bias, learning
    on) for many (precision, learning rate) pairs, as one batch, read at several lengths.

    Network ``k`` starts from ``coupling`` and ``state`` and runs with precision
    ``inverse_temperatures[k]`` and learning rate ``learning_rates[k]`` on its own copy of the
    continuation's free-run stream ``stream(seed, CONTINUATION, 0)``, in calls that stop at every
    multiple of ``every`` and at every length; the random draws are the same as in one call.

    Parameters
    ----------
    coupling : array (n, n) — the trained J
    state : array (n,) — the trained network's state
    inverse_temperatures, learning_rates : arrays (B,)
    lengths : increasing positive ints — where the couplings are returned
    seed : int
    every : int — step of the change-of-J curve

    Returns
    -------
    couplings : ndarray (len(lengths), B, n, n) — J after each length
    steps : ndarray (L,) — 0 and every step where the curve is read
    change : ndarray (B, L) — ``||J - coupling||_F / ||coupling||_F`` at those steps
    """
    # (C order, like the continuation's copy of J: the norms below then sum in the same order)
    J0 = np.array(coupling, dtype=float, order="C")
    scale = np.linalg.norm(J0)
    if not scale > 0:
        raise ValueError("coupling must not be zero (an untrained network has no J to change)")
    iT = np.asarray(inverse_temperatures, dtype=float)
    alpha = np.asarray(learning_rates, dtype=float)
    if iT.ndim != 1 or iT.shape != alpha.shape:
        raise ValueError(f"inverse_temperatures and learning_rates must be 1-D arrays of one "
                         f"length, got shapes {iT.shape} and {alpha.shape}")
    lengths = [int(k) for k in lengths]
    if not lengths or lengths[0] < 1 or any(a >= b for a, b in zip(lengths, lengths[1:])):
        raise ValueError(f"lengths must be increasing positive integers, got {lengths}")
    B, n = iT.size, J0.shape[0]
    batch = AttractorBatch(B, n, rng=[stream(seed, CONTINUATION, 0) for _ in range(B)],
                           coupling=J0)
    batch.state = state
    stops = sorted(set(range(every, lengths[-1] + 1, every)) | set(lengths))
    couplings = np.empty((len(lengths), B, n, n))
    change = np.zeros((B, len(stops) + 1))
    done = 0
    zero = np.zeros((1, n))
    for s, stop in enumerate(stops, start=1):
        # AttractorBatch.run's steps (one segment of zero bias) without recording the states
        batch.simulate(zero, np.zeros(stop - done, np.int64), inverse_temperature=iT,
                       learning_rate=alpha, record=None)
        done = stop
        J = batch.J
        # (the expression of the continuation's J_change, network by network: the same bits)
        change[:, s] = [np.linalg.norm(J[k] - J0) / scale for k in range(B)]
        if stop in lengths:
            couplings[lengths.index(stop)] = J
    return couplings, np.array([0, *stops], dtype=float), change


def evaluate_couplings(couplings, state, *, seed=0, trials=100, evidence=_EVIDENCE):
    """The before/after evaluation of :func:`fep_core.experiments.free_run_continuation` for
    many coupling matrices as one batch: each network starts from ``state`` on its own copy of
    the continuation's evaluation streams, so every matrix sees the same noisy inputs.

    Parameters
    ----------
    couplings : array (M, n, n)
    state : array (n,) — the trained network's state
    seed, trials : int
    evidence : float — the training evidence (scales the targets and the attractors' starts)

    Returns
    -------
    retrieval, generalization : ndarrays (M,) — median scores
    attractors : list of M arrays (A, n) — the unique attractors from the training digits
    """
    M, n = np.shape(couplings)[0], np.shape(couplings)[-1]
    d = datasets.digits()
    both = AttractorBatch(M, n, rng=[stream(seed, CONTINUATION, 1) for _ in range(M)],
                          coupling=couplings)
    both.state = state
    ret = metrics.recall_scores(
        both, metrics.retrieval_targets(d.train[np.arange(trials) % len(d.train)], evidence),
        rng=[stream(seed, CONTINUATION, 2) for _ in range(M)])["score"]
    gen_idx = stream(seed, CONTINUATION, 3).integers(0, len(d.test), size=trials)
    gen = metrics.recall_scores(both, metrics.retrieval_targets(d.test[gen_idx], evidence),
                                rng=[stream(seed, CONTINUATION, 4) for _ in range(M)])["score"]
    attractors, _, _ = metrics.find_attractors(both, evidence * d.train)
    retrieval = np.array([float(np.median(r)) for r in ret])
    generalization = np.array([float(np.median(g)) for g in gen])
    return retrieval, generalization, attractors


def _tiles(attractors):
    """Attractors (A, 64) as MAX_TILES 8 x 8 images, blank (zero) after the A-th."""
    out = np.zeros((MAX_TILES, 8, 8))
    a = np.asarray(attractors)[:MAX_TILES]
    out[:len(a)] = a.reshape(len(a), 8, 8)
    return out


def simulation4(*, epochs=2000, seed=0, trials=100) -> Precomputed:
    """The free-running continuation (:func:`fep_core.experiments.free_run_continuation`, as the
    live panel calls it) over the free run's precision x learning rate x length.

    Shows the relative change of J along the free run (every :data:`CURVE_EVERY` steps, the
    current length marked), the attractors before and after it, the median retrieval and
    generalisation scores before and after, and as numbers the change of J, the scores and the
    number of attractors. ``epochs``, ``seed`` and ``trials`` are the continuation's (the live
    panel's defaults).
    """
    grid = Grid(_CHAPTER, (
        control(_CHAPTER, "inverse_temperature", len(PRECISION_INDICES),
                values=[paper.GRID_INVERSE_TEMPERATURES[i] for i in PRECISION_INDICES]),
        control(_CHAPTER, "learning_rate", N_LEARNING_RATES),
        control(_CHAPTER, "free_steps", len(FREE_STEPS), values=FREE_STEPS)))
    precisions = np.asarray(grid["inverse_temperature"].values)
    rates = np.asarray(grid["learning_rate"].values)
    lengths = [int(v) for v in grid["free_steps"].values]
    cell = experiments.simulation2_cell(seed=seed, evidence=_EVIDENCE,
                                        inverse_temperature=_PRECISION,
                                        learning_rate=_TRAINING_LEARNING_RATE, epochs=epochs,
                                        trials=1)
    J0, state = cell.network.J.copy(), cell.network.state.copy()
    iT, alpha = (a.ravel() for a in np.meshgrid(precisions, rates, indexing="ij"))
    couplings, steps, curve = free_runs(J0, state, iT, alpha, lengths, seed=seed)
    # Point (precision, rate, length) is network 1 + its flat index; network 0 is "before".
    after = np.swapaxes(couplings, 0, 1).reshape(-1, *J0.shape)
    retrieval, generalization, attractors = evaluate_couplings(
        np.concatenate([J0[None], after]), state, seed=seed, trials=trials)
    size = grid.size
    length = grid.values("free_steps")
    runs = np.arange(size) // len(lengths)                      # free run of every point
    change = curve[runs, np.searchsorted(steps, length)]        # at its length
    # The curve from the first read-out on (a log scale has no 0); the mark rises from the
    # smallest change anywhere in the grid to the point's change.
    steps, curve = steps[1:], curve[:, 1:]
    n_after = np.array([len(a) for a in attractors[1:]], dtype=float)
    n_before = len(attractors[0])
    before = {"retrieval": np.full(size, retrieval[0]),
              "generalization": np.full(size, generalization[0])}
    arrays = {
        "J_change_curve": curve[runs],
        "mark_x": np.stack([length, length], axis=1),
        "mark_y": np.stack([np.full(size, curve.min()), change], axis=1),
        "attractors_after": np.stack([_tiles(a) for a in attractors[1:]]),
        "attractors_before": np.broadcast_to(_tiles(attractors[0]), (size, MAX_TILES, 8, 8)),
        "bar_retrieval_before": before["retrieval"], "bar_retrieval_after": retrieval[1:],
        "bar_generalization_before": before["generalization"],
        "bar_generalization_after": generalization[1:],
    }
    readouts = {
        "J_change": Readout("relative change of J, ‖J after − J before‖ / ‖J before‖", change),
        "retrieval_before": Readout("retrieval before the free run (median score)",
                                    before["retrieval"]),
        "retrieval_after": Readout("retrieval after the free run (median score)", retrieval[1:]),
        "generalization_before": Readout("one-shot generalisation before (median score)",
                                         before["generalization"]),
        "generalization_after": Readout("one-shot generalisation after (median score)",
                                        generalization[1:]),
        "n_attractors": Readout(f"attractors after the free run (before it: {n_before})",
                                n_after),
    }
    views = (
        Tiles(f"attractors before the free run ({n_before}; trained {epochs} epochs)",
              "attractors_before"),
        Tiles("attractors after the free run (from the ten training digits)",
              "attractors_after"),
        Lines("change of J during the free run", steps,
              {"‖ΔJ‖ / ‖J before‖": "J_change_curve",
               "this run's length": ("mark_x", "mark_y")},
              x_label="free-running step", y_label="relative change of J", log_y=True),
        Bars("median scores before and after the free run",
             {"retr. before": "bar_retrieval_before", "retr. after": "bar_retrieval_after",
              "gen. before": "bar_generalization_before",
              "gen. after": "bar_generalization_after"},
             y_label="median score"),
    )
    return Precomputed(grid, arrays, readouts, views)
