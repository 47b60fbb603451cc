"""Precomputed panel of Simulation 1 (:func:`fep_core.experiments.simulation1`), and the batched
Simulation 1 that it and the reproduction report's panel (:mod:`fep_core.grids.report`) share.

Every grid point is a network trained on the chapter's own random streams (seed 0:
``stream(0, TRAIN)`` for training, ``stream(0, PROBE)`` for the probes), so each point, the
paper's setting included, is exactly the run :func:`fep_core.experiments.simulation1` makes with
those settings; the whole grid is one :class:`~fep_core.network.AttractorBatch`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import datasets, metrics, paper
from .._validation import choice, count, finite_array, positive
from ..network import AttractorBatch, asymmetry
from ..precomputed import Grid, Lines, Precomputed, Readout, Tiles, control
from ..streams import PROBE, TRAIN, stream

__all__ = ["Simulation1Batch", "simulation1_batch", "simulation1", "PRECISIONS",
           "LEARNING_RATES", "EVIDENCES", "NO_ATTRACTOR", "NOTE"]

_S1 = paper.SIMULATION1

# The grid's axes. Precision and learning rate: log-spaced over the live sliders' ranges (13 and
# 7 values, a quarter and a half decade apart, so that the paper's 0.1 and 0.01 fall on the
# grid); evidence: round values over the slider's 1..60, the paper's 30 among them.
PRECISIONS = control("simulation1", "inverse_temperature", 13).values
LEARNING_RATES = control("simulation1", "learning_rate", 7).values
EVIDENCES = (1.0, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0)

# Below this largest |state| both attractors count as the zero state (fep_core.explore refuses
# such settings: no attractor was learned, and correlations with it are meaningless).
_NO_ATTRACTOR_SIZE = 1e-3
NO_ATTRACTOR = "no attractor learned (both bars relax to the zero state)"
"""The reason a panel gives where a number is undefined because no attractor was learned."""

# Cosines lie in [-1, 1].
_COSINE_RANGE = (-1.05, 1.05)

NOTE = ("The sliders snap to a grid of values computed when the book was built (seed 0, the "
        "paper's 500 epochs); every picture and number is a real result at that point, never an "
        "interpolation. To explore any value, the epochs or the seed, run the live panel below "
        "in JupyterLab.")


@dataclass
class Simulation1Batch:
    """Simulation 1 for ``B`` networks (one per setting), as
    :class:`~fep_core.experiments.Simulation1Result` holds it for one.

    Attributes
    ----------
    J : ndarray (B, 25, 25)
        Couplings after training.
    attractors : ndarray (B, 2, 25)
        Fixed points reached from the vertical and the horizontal bar.
    attractors_converged : ndarray of bool (B, 2)
    attractor_correlation : ndarray (B,)
        Pearson correlation of the two attractors (NaN where an attractor is constant).
    asymmetry : ndarray (B,)
        ``||J - J^T||_F / ||J||_F``.
    retrieval_projection, generalization_projection : ndarray (B, steps, 2)
        Cosine of each probe step's state with the two attractors.
    learned : ndarray of bool (B,)
        Whether an attractor was learned: False where both attractors are (nearly) the zero
        state or their correlation is undefined, the settings :mod:`fep_core.explore` refuses.
    """

    J: np.ndarray
    attractors: np.ndarray
    attractors_converged: np.ndarray
    attractor_correlation: np.ndarray
    asymmetry: np.ndarray
    retrieval_projection: np.ndarray
    generalization_projection: np.ndarray
    learned: np.ndarray

    def probe_means(self) -> tuple:
        """Mean cosine with each attractor over each probe's second half, as the chapter prints
        them: ``(retrieval, generalization)``, arrays (B, 2)."""
        def second_half(p):
            return np.stack([q[q.shape[0] // 2:].mean(axis=0) for q in p])

        return second_half(self.retrieval_projection), second_half(self.generalization_projection)


def simulation1_batch(inverse_temperatures, learning_rates, evidences, *, seed=0,
                      epochs=_S1["epochs"], steps_per_epoch=_S1["steps_per_epoch"],
                      retrieval_inverse_temperature=_S1["retrieval_inverse_temperature"],
                      retrieval_steps=_S1["retrieval_steps"],
                      generalization_inverse_temperature=_S1["generalization_inverse_temperature"],
                      generalization_steps=_S1["generalization_steps"], noise=_S1["noise"],
                      schedule="synchronous", prediction="code") -> Simulation1Batch:
    """Simulation 1 for many settings at once: train one network per setting as one batch,
    find its attractors, and probe it with the noisy vertical bar and the cross.

    Network ``k`` is :func:`fep_core.experiments.simulation1` with ``seed``, the ``k``-th
    precision, learning rate and evidence and the other arguments given here: it draws from its
    own copies of that function's streams (``stream(seed, TRAIN)`` to train, ``stream(seed,
    PROBE)`` for the probes), so its numbers are that function's, bit for bit.

    Parameters
    ----------
    inverse_temperatures, learning_rates, evidences : array-like (B,)
        Precision iT (> 0), learning rate α (>= 0) and evidence (> 0) of each network.
    seed : int >= 0
    epochs, steps_per_epoch, retrieval_inverse_temperature, retrieval_steps,
    generalization_inverse_temperature, generalization_steps, noise, schedule, prediction
        As for :func:`fep_core.experiments.simulation1` (defaults: the paper's settings).

    Returns
    -------
    Simulation1Batch
    """
    its = finite_array(inverse_temperatures, "inverse_temperatures", ndim=1)
    alphas = finite_array(learning_rates, "learning_rates", ndim=1)
    evs = finite_array(evidences, "evidences", ndim=1)
    if not its.size or its.shape != alphas.shape or its.shape != evs.shape:
        raise ValueError(f"inverse_temperatures, learning_rates and evidences must be non-empty "
                         f"and of one length, got {its.size}, {alphas.size} and {evs.size}")
    seed = count(seed, "seed", minimum=0)
    for value, name in ((retrieval_inverse_temperature, "retrieval_inverse_temperature"),
                        (generalization_inverse_temperature,
                         "generalization_inverse_temperature")):
        positive(value, name)
    noise = positive(noise, "noise", allow_zero=True)
    choice(schedule, "schedule", {"synchronous", "sequential"})
    choice(prediction, "prediction", {"code", "paper"})
    B = its.size
    pats = datasets.bars()
    batch = AttractorBatch(B, 25, rng=[stream(seed, TRAIN) for _ in range(B)])
    batch.train(pats, evidence=evs, epochs=epochs, steps_per_epoch=steps_per_epoch,
                inverse_temperature=its, learning_rate=alphas, schedule=schedule,
                prediction=prediction)
    _, fixed, conv = metrics.find_attractors(batch, pats)
    fixed = np.asarray(fixed)
    J = np.array(batch.J)
    # The probes: each network's probe stream draws the noise of the noisy bar, then drives
    # the probe runs from a zero state (no learning), as in simulation1.
    probes = [stream(seed, PROBE) for _ in range(B)]
    noisy = np.stack([pats[0] + noise * g.standard_normal(25) for g in probes])
    probe = AttractorBatch(B, 25, rng=probes, coupling=J)
    ret = probe.run(noisy, retrieval_steps, inverse_temperature=retrieval_inverse_temperature)
    probe.state = np.zeros(25)
    gen = probe.run(datasets.cross(), generalization_steps,
                    inverse_temperature=generalization_inverse_temperature)
    corr = np.array([metrics.attractor_correlation(*f) for f in fixed])
    size = np.max(np.abs(fixed), axis=(1, 2))
    return Simulation1Batch(
        J=J, attractors=fixed, attractors_converged=np.asarray(conv),
        attractor_correlation=corr,
        asymmetry=np.array([asymmetry(batch.J[k]) for k in range(B)]),
        retrieval_projection=np.stack([metrics.cosine_projection(s, f)
                                       for s, f in zip(ret, fixed)]),
        generalization_projection=np.stack([metrics.cosine_projection(s, f)
                                            for s, f in zip(gen, fixed)]),
        learned=(size >= _NO_ATTRACTOR_SIZE) & np.isfinite(corr))


def simulation1() -> Precomputed:
    """Simulation 1 over precision iT x learning rate α x evidence (13 x 7 x 9 networks, one
    batch; seed 0 and the paper's 500 epochs, as the chapter).

    Shows the two attractors (5 x 5 images) and the cosine of the noisy-bar and cross probes'
    states with them per step; reads out the attractors' correlation (against the bars' r),
    the coupling asymmetry and the probes' means over their second half. Where no attractor was
    learned (the settings the live panel refuses), the images and projections are zero and the
    correlation and probe readouts are undefined.
    """
    chapter = "simulation1"
    grid = Grid(chapter, (control(chapter, "inverse_temperature", 0, values=PRECISIONS),
                          control(chapter, "learning_rate", 0, values=LEARNING_RATES),
                          control(chapter, "evidence", 0, values=EVIDENCES)))
    r = simulation1_batch(grid.values("inverse_temperature"), grid.values("learning_rate"),
                          grid.values("evidence"))
    ok = r.learned
    ret, gen = r.probe_means()

    def defined(values):
        return np.where(ok, values, np.nan)

    def shown(values):
        return np.where(ok.reshape((-1,) + (1,) * (values.ndim - 1)), values, 0.0)

    data_r = metrics.attractor_correlation(*datasets.bars())
    attractor = ("attractor 1", "attractor 2")
    return Precomputed(
        grid,
        arrays={"attractors": shown(r.attractors).reshape(-1, 2, 5, 5),
                "retrieval_1": shown(r.retrieval_projection[..., 0]),
                "retrieval_2": shown(r.retrieval_projection[..., 1]),
                "cross_1": shown(r.generalization_projection[..., 0]),
                "cross_2": shown(r.generalization_projection[..., 1])},
        readouts={
            "attractor_correlation": Readout(
                f"attractor correlation (the bars': r = {data_r:.2f})",
                defined(r.attractor_correlation), undefined=NO_ATTRACTOR),
            "asymmetry": Readout("asymmetry ‖J − Jᵀ‖ / ‖J‖ of the couplings", r.asymmetry),
            "retrieval_vertical": Readout("noisy vertical bar, 2nd half: cosine with attractor 1",
                                          defined(ret[:, 0]), undefined=NO_ATTRACTOR),
            "retrieval_horizontal": Readout("noisy vertical bar, 2nd half: cosine with attractor 2",
                                            defined(ret[:, 1]), undefined=NO_ATTRACTOR),
            "cross_vertical": Readout("cross, 2nd half: cosine with attractor 1",
                                      defined(gen[:, 0]), undefined=NO_ATTRACTOR),
            "cross_horizontal": Readout("cross, 2nd half: cosine with attractor 2",
                                        defined(gen[:, 1]), undefined=NO_ATTRACTOR)},
        views=(Tiles("attractors 1 (vertical) and 2 (horizontal)", "attractors"),
               Lines(f"retrieval: noisy vertical bar, precision "
                     f"{_S1['retrieval_inverse_temperature']:g}",
                     np.arange(1.0, _S1["retrieval_steps"] + 1),
                     {attractor[0]: "retrieval_1", attractor[1]: "retrieval_2"},
                     x_label="probe step", y_label="cosine with attractor 1, 2",
                     y_range=_COSINE_RANGE),
               Lines(f"generalisation: the cross, precision "
                     f"{_S1['generalization_inverse_temperature']:g}",
                     np.arange(1.0, _S1["generalization_steps"] + 1),
                     {attractor[0]: "cross_1", attractor[1]: "cross_2"},
                     x_label="probe step", y_label="cosine with attractor 1, 2",
                     y_range=_COSINE_RANGE)),
        note=NOTE)
