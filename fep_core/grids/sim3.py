"""Precomputed panel of Simulation 3 (:func:`fep_core.experiments.simulation3`): the sequence
1 -> 2 -> 3 -> 1 ... learned with asymmetric couplings, over precision x learning rate x
evidence, the whole grid trained as one :class:`fep_core.network.AttractorBatch`."""
from __future__ import annotations

import numpy as np

from .. import analysis, datasets, metrics, paper
from ..network import AttractorBatch, asymmetry, symmetric_part
from ..precomputed import Grid, Heatmap, Lines, Precomputed, Readout, Tiles, control
from ..streams import FREE, TRAIN, stream

__all__ = ["simulation3", "train_batch"]

_S3 = paper.SIMULATION3
_SIDE = 8                       # the digits are 8 x 8 images
_THRESHOLD = 0.5                # recognition threshold of the chapter (experiments.simulation3)
_REPEATS = 3                    # cycles the free run must complete (paper.cycles_forward)


def train_batch(inverse_temperature, learning_rate, evidence, *, seed=0, digits=_S3["digits"],
                epochs=_S3["epochs"], steps_per_epoch=_S3["steps_per_epoch"],
                free_steps=_S3["free_steps"]):
    """The steps of :func:`fep_core.experiments.simulation3` for many settings at once.

    Network ``k`` is trained with ``inverse_temperature[k]``, ``learning_rate[k]`` and
    ``evidence[k]`` on the digits in their fixed order, its attractors of the symmetric part
    are found from ``L(0.1 * evidence[k] * digit)``, and the full (asymmetric) network runs
    freely (zero bias, precision ``inverse_temperature[k]``, no learning) from the state
    training ended in. Every network draws from the streams of ``seed`` that
    ``experiments.simulation3(seed=seed)`` uses, so network ``k`` is bit-identical to that
    function with network ``k``'s settings.

    Parameters
    ----------
    inverse_temperature, learning_rate, evidence : array (B,)
        Precision iT (> 0), learning rate α (>= 0) and evidence (> 0) of each network.
    seed : int
    digits : sequence of digit values (0..9), presented in this order
    epochs, steps_per_epoch, free_steps : int

    Returns
    -------
    dict with ``digits`` (D, 64), ``labels`` (str), ``J`` (B, 64, 64), ``asymmetry`` (B,),
    ``fixed_points`` (B, D, 64; the attractor of J_sym reached from each digit),
    ``unique_attractors`` (list of B arrays (A, 64)), ``free_states`` (B, free_steps, 64) and
    ``recognised`` (B, free_steps; index of the digit recognised, -1 for none).
    """
    iT = np.asarray(inverse_temperature, dtype=float)
    alpha = np.asarray(learning_rate, dtype=float)
    ev = np.asarray(evidence, dtype=float)
    if iT.ndim != 1 or alpha.shape != iT.shape or ev.shape != iT.shape or iT.size < 1:
        raise ValueError(f"inverse_temperature, learning_rate and evidence must be 1-D arrays of "
                         f"one length, got shapes {iT.shape}, {alpha.shape} and {ev.shape}")
    d = datasets.digits()
    index = list(digits)
    pats = d.train[index]
    labels = "".join(str(int(d.train_labels[k])) for k in index)
    B, n = iT.size, pats.shape[1]
    net = AttractorBatch(B, n, rng=[stream(seed, TRAIN) for _ in range(B)])
    net.train(pats, evidence=ev, epochs=epochs, steps_per_epoch=steps_per_epoch,
              inverse_temperature=iT, learning_rate=alpha, order="sequential", record=False)
    J = np.array(net.J)
    sym = AttractorBatch(B, n, coupling=symmetric_part(J))
    unique, fixed, _ = metrics.find_attractors(sym, ev[:, None, None] * pats[None])
    free = AttractorBatch(B, n, rng=[stream(seed, FREE) for _ in range(B)], coupling=J)
    free.state = net.state
    states = free.run(np.zeros(n), free_steps, inverse_temperature=iT)
    # per network, as experiments.simulation3 computes them on one network's (n, n) view of J
    asym = np.array([asymmetry(net.J[k]) for k in range(B)])
    rec = np.stack([metrics.recognise(states[k], pats, threshold=_THRESHOLD) for k in range(B)])
    return {"digits": pats, "labels": labels, "J": J, "asymmetry": asym, "fixed_points": fixed,
            "unique_attractors": unique, "free_states": states, "recognised": rec}


def simulation3(*, seed=0, epochs=_S3["epochs"]) -> Precomputed:
    """Simulation 3 retrained at every point of precision iT x learning rate α x evidence
    (7 x 7 x 7 values, the paper's 2000 epochs), as one batch (:func:`train_batch`).

    Shows the attractor of the symmetric part of J reached from each digit (one tile per digit,
    the top row of the live panel), the free run's correlation with each digit per step (with
    the recognition threshold), and the asymmetry over iT and α at the current evidence. The
    readouts are the chapter's numbers: the asymmetry, the number of distinct attractors of
    J_sym, the smallest correlation of an attractor with the digit it started from, whether the
    free run cycles forward 1 -> 2 -> 3 -> 1 (:func:`fep_core.paper.cycles_forward`, at least
    3 cycles), the cycles counted as the chapter does (recognised succession // 3) and the
    fraction of free-run steps in which a digit is recognised.
    """
    chapter = "simulation3"
    grid = Grid(chapter, (control(chapter, "inverse_temperature", 7),
                          control(chapter, "learning_rate", 7),
                          control(chapter, "evidence", 7)))
    iT = grid.values("inverse_temperature")
    alpha = grid.values("learning_rate")
    ev = grid.values("evidence")
    out = train_batch(iT, alpha, ev, seed=seed, epochs=epochs)
    pats, labels, states = out["digits"], out["labels"], out["free_states"]
    D = len(labels)
    fixed = out["fixed_points"]
    corr = np.stack([analysis.digit_correlations(s, pats) for s in states])   # (B, T, D)
    att_corr = np.array([np.diag(analysis.digit_correlations(f, pats)).min() for f in fixed])
    orders = [metrics.sequence_string(r, labels) for r in out["recognised"]]
    cycles = np.array([float(paper.cycles_forward(o, labels, repeats=_REPEATS)) for o in orders])
    n_cycles = np.array([float(len(o) // D) for o in orders])
    n_attractors = np.array([float(len(u)) for u in out["unique_attractors"]])
    recognised = np.mean(out["recognised"] >= 0, axis=1)
    # asymmetry over (alpha, iT) at each point's evidence
    asym = out["asymmetry"]
    cube = asym.reshape(grid.shape)                             # (iT, alpha, evidence)
    maps = np.transpose(cube, (2, 1, 0))                        # (evidence, alpha, iT)
    e_index = np.unravel_index(np.arange(grid.size), grid.shape)[2]
    arrays = {"attractors": fixed.reshape(grid.size, D, _SIDE, _SIDE),
              "threshold": np.full(grid.size, _THRESHOLD),
              "asymmetry_map": maps[e_index]}
    series = {}
    for k, lab in enumerate(labels):
        arrays[f"corr_{lab}"] = corr[:, :, k]
        series[f"digit {lab}"] = f"corr_{lab}"
    steps = np.arange(1, states.shape[1] + 1, dtype=float)
    arrow = " → ".join(labels)
    return Precomputed(
        grid,
        arrays=arrays,
        readouts={
            "asymmetry": Readout("asymmetry ‖J − Jᵀ‖/‖J‖", asym),
            "n_attractors": Readout("distinct attractors of J_sym", n_attractors),
            "attractor_corr": Readout("smallest r of an attractor with its digit", att_corr,
                                      digits=2),
            "cycles_forward": Readout(f"free run cycles {arrow} → {labels[0]} "
                                      f"(≥ {_REPEATS} cycles; 1 = yes)", cycles),
            "n_cycles": Readout(f"cycles in {states.shape[1]} steps "
                                f"(digits visited ÷ {D})", n_cycles),
            "recognised": Readout("fraction of free-run steps with a digit recognised",
                                  recognised, digits=2)},
        views=(Tiles(f"attractor of J_sym reached from digit {', '.join(labels)}",
                     "attractors"),
               Lines("free run (zero bias, precision iT, no learning)", steps, series,
                     x_label="step of the free run", y_label="correlation with digit",
                     guides={"recognition threshold": "threshold"}, y_range=(-1.0, 1.0)),
               Heatmap("asymmetry at this evidence", "asymmetry_map", x="inverse_temperature",
                       y="learning_rate", value_label="‖J − Jᵀ‖/‖J‖")))
