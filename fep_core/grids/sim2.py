"""Precomputed panel of Simulation 2 (:func:`fep_core.experiments.simulation2`): digit networks
over evidence x precision x learning rate.

At the paper's learning rate (0.001) every cell is read from the chapter's own grid, fetched
through the result cache with the chapter's call (``cached(experiments.simulation2, seed=0)``;
the cache key ignores ``progress``), so the page shows exactly the chapter's numbers and costs
nothing once the chapter has been computed. The other learning rates are trained as one batch
of the engine with a learning rate per network (:func:`train_cells`), each network on the
random streams of its (evidence, precision) cell, the streams
:func:`fep_core.experiments.simulation2_cell` uses: every grid point is that function's result
at its evidence, precision and learning rate.
"""
from __future__ import annotations

import numpy as np

from .. import datasets, experiments, metrics, paper
from ..cache import cached
from ..network import AttractorBatch
from ..precomputed import Grid, Heatmap, Precomputed, Readout, Tiles, control
from ..streams import TRAIN, cell_key, stream

__all__ = ["simulation2", "train_cells", "EVIDENCES", "PRECISION_INDICES", "MAX_TILES"]

_CHAPTER = "simulation2"
_S2 = paper.SIMULATION2

_GRID_IT = paper.GRID_INVERSE_TEMPERATURES
EVIDENCES = tuple(sorted({float(paper.GRID_EVIDENCES[0]), 3.0, float(paper.GRID_EVIDENCES[-1])}
                         | {float(e) for e, _ in paper.REGIMES.values()}))
"""The evidence axis: both ends of the paper's 1..20, the evidences of its three regimes (low
complexity 6, balanced 11, high complexity 16; from :data:`fep_core.paper.REGIMES`) and 3."""

PRECISION_INDICES = tuple(sorted({0, 2, 6, 8, 16, len(_GRID_IT) - 1}
                                 | {int(np.flatnonzero(_GRID_IT == t)[0])
                                    for _, t in paper.REGIMES.values()}))
"""Positions in the paper's 19 precisions (:data:`fep_core.paper.GRID_INVERSE_TEMPERATURES`) of
the precision axis: both ends, the precisions of the three regimes (4, 11, 14; from
:data:`fep_core.paper.REGIMES`) and positions 2, 6, 8, 16 between them."""

MAX_TILES = 10
"""At most this many attractors are drawn per cell (ten training digits give at most ten)."""

# Columns of the chapter's grid table shown as readouts: column -> (label, digits, undefined).
_READOUTS = {
    "retrieval": ("retrieval (median score)", 3, ""),
    "generalization": ("one-shot generalisation (median score)", 3, ""),
    "n_attractors": ("number of attractors", 3, ""),
    "orthogonality": ("orthogonality of the attractors, mean |90° − angle| (°)", 3,
                      "undefined with fewer than two attractors that are neither copies nor "
                      "sign flips of each other"),
    "asymmetry": ("asymmetry ‖J − Jᵀ‖ / ‖J‖ of the couplings", 3, ""),
}


def train_cells(evidences, inverse_temperatures, learning_rates, *, seed=0,
                epochs=_S2["epochs"], steps_per_epoch=_S2["steps_per_epoch"]):
    """Digit networks trained as one batch with a learning rate per network:
    :func:`fep_core.experiments.train_digit_networks`, whose learning rate is shared.

    Parameters
    ----------
    evidences, inverse_temperatures, learning_rates : 1-D arrays (B,)
        One network per entry; cells may repeat with different learning rates.
    seed, epochs, steps_per_epoch : int
        As :func:`fep_core.experiments.simulation2_cell`.

    Returns
    -------
    AttractorBatch
        B networks of 64 nodes; network ``k`` is the one
        ``train_digit_networks([evidences[k]], [inverse_temperatures[k]],
        learning_rate=learning_rates[k], ...)`` trains (its cell's training stream).
    """
    ev = np.asarray(evidences, dtype=float)
    its = np.asarray(inverse_temperatures, dtype=float)
    lrs = np.asarray(learning_rates, dtype=float)
    if not ev.ndim == its.ndim == lrs.ndim == 1 or not ev.size == its.size == lrs.size:
        raise ValueError(f"evidences, inverse_temperatures and learning_rates must be 1-D of one "
                         f"length, got shapes {ev.shape}, {its.shape} and {lrs.shape}")
    rngs = [stream(seed, *cell_key(e, t), TRAIN) for e, t in zip(ev, its)]
    batch = AttractorBatch(ev.size, 64, rng=rngs)
    batch.train(datasets.digits().train, evidence=ev, epochs=epochs,
                steps_per_epoch=steps_per_epoch, inverse_temperature=its, learning_rate=lrs)
    return batch


def _row(J, retrieval_scores, generalization_scores, attractors):
    """The readout columns of one trained cell, computed as the chapter's grid table computes
    them (:func:`fep_core.experiments.simulation2`; the tests check it bit for bit)."""
    return {"retrieval": float(np.median(retrieval_scores)),
            "generalization": float(np.median(generalization_scores)),
            "n_attractors": len(attractors),
            "orthogonality": metrics.orthogonality(attractors),
            "asymmetry": float(np.linalg.norm(J - J.T) / max(np.linalg.norm(J), 1e-300))}


def _tiles(attractors, n_tiles):
    """The first ``n_tiles`` attractors as 8x8 images, zero-filled (blank) beyond their count."""
    out = np.zeros((n_tiles, 8, 8))
    att = np.asarray(attractors, dtype=float).reshape(-1, 8, 8)[:n_tiles]
    out[:len(att)] = att
    return out


def simulation2(*, seed=0) -> Precomputed:
    """Simulation 2 over evidence x precision (inverse temperature) iT x learning rate α.

    Every grid point is one network trained for the paper's 5000 epochs and scored as the
    chapter scores it. Shows the retrieval and generalisation maps over evidence x precision at
    the chosen learning rate (the chosen cell framed), the chosen cell's attractors as 8x8
    digits, and its retrieval, generalisation, number of attractors, their orthogonality and
    the couplings' asymmetry (the chapter grid table's columns). Orthogonality is NaN (declared)
    where fewer than two attractors remain once copies and sign flips are dropped: a single
    attractor, or at the fast rates the pattern-and-negative pair of a period-2 cycle.

    Parameters
    ----------
    seed : int
        The seed of the chapter's grid (0 on the page).

    Returns
    -------
    Precomputed
        At learning rate 0.001 the cells are rows of ``cached(experiments.simulation2,
        seed=seed)``, the chapter's grid; the other learning rates are one batch of
        :func:`train_cells` scored by :func:`fep_core.experiments.evaluate_digit_networks`.
    """
    grid = Grid(_CHAPTER, (
        control(_CHAPTER, "evidence", len(EVIDENCES), values=EVIDENCES),
        control(_CHAPTER, "inverse_temperature", len(PRECISION_INDICES),
                values=paper.GRID_INVERSE_TEMPERATURES[list(PRECISION_INDICES)]),
        control(_CHAPTER, "learning_rate", 5)))
    lr_axis = np.asarray(grid["learning_rate"].values)
    paper_lr = grid["learning_rate"].default
    E, IT, LR = (grid.values(n) for n in grid.names)

    rows = np.empty(grid.size, dtype=object)       # per point: (table row dict, attractors)
    chapter = cached(experiments.simulation2, seed=seed)
    table = chapter.table
    at_paper = LR == paper_lr
    for k in np.flatnonzero(at_paper):
        j = np.flatnonzero((table["evidence"].to_numpy() == E[k])
                           & (table["inverse_temperature"].to_numpy() == IT[k]))
        if j.size != 1:
            raise RuntimeError(f"the chapter's grid has no single cell at evidence {E[k]:g}, "
                               f"precision {IT[k]:g}")
        rows[k] = (table.iloc[int(j[0])].to_dict(), chapter.attractors[int(j[0])])
    other = np.flatnonzero(~at_paper)
    batch = train_cells(E[other], IT[other], LR[other], seed=seed)
    scored = experiments.evaluate_digit_networks(batch, E[other], IT[other], seed=seed,
                                                 trials=_S2["trials"],
                                                 eval_steps=_S2["eval_steps"])
    ret, gen, _, uniq, _, _ = scored
    for r, k in enumerate(other):
        rows[k] = (_row(batch.J[r], ret["score"][r], gen["score"][r], uniq[r]), uniq[r])

    columns = {c: np.array([float(rows[k][0][c]) for k in range(grid.size)]) for c in _READOUTS}
    n_tiles = min(MAX_TILES, max(len(rows[k][1]) for k in range(grid.size)))
    tiles = np.stack([_tiles(rows[k][1], n_tiles) for k in range(grid.size)])
    # The maps at each point's learning rate: (evidence, precision) of all cells at that rate.
    shape = grid.shape
    maps = {}
    for c in ("retrieval", "generalization"):
        v = columns[c].reshape(shape)                       # (evidence, precision, rate)
        per_rate = np.moveaxis(v, 2, 0)                     # (rate, evidence, precision)
        maps[c] = per_rate[np.searchsorted(lr_axis, LR)]    # (size, evidence, precision)

    readouts = {c: Readout(label, columns[c], digits, undefined)
                for c, (label, digits, undefined) in _READOUTS.items()}
    return Precomputed(
        grid,
        arrays={"retrieval_map": maps["retrieval"], "generalization_map": maps["generalization"],
                "attractors": tiles},
        readouts=readouts,
        views=(Heatmap("retrieval (median score) at this α", "retrieval_map",
                       x="inverse_temperature", y="evidence", value_label="retrieval"),
               Heatmap("one-shot generalisation at this α", "generalization_map",
                       x="inverse_temperature", y="evidence", value_label="generalisation"),
               Tiles("attractors of the framed cell, relaxed from the ten training digits "
                     "(the all-zero state shows blank)", "attractors")))
