"""Precomputed panel of the theory chapter (:mod:`fep_core.theory`): one node's variational bias
relaxing under plain and natural gradient descent on its free energy."""
from __future__ import annotations

import numpy as np

from .. import cb
from ..precomputed import Grid, Lines, Precomputed, Readout, control

__all__ = ["theory"]

SCHEMES = ("plain", "natural")
_NAMES = {"plain": "plain gradient", "natural": "natural gradient"}
# The step sizes offered: the slider's range on its log scale, with the paper's 0.2, the step 1
# at which the natural gradient lands on its target at once, and steps beyond it (overshoot).
_RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.2, 0.5, 1.0, 1.5, 1.9)
TOLERANCE = 0.01
"""A scheme has converged once ``|b_q - iT theta|`` is below this."""
_SHOWN_BIAS = 20.0       # the b_q view spans +/- this (the start slider's range)


def _steps_to(path, target):
    """The first step at which ``path`` is within :data:`TOLERANCE` of ``target`` (NaN if never).

    Neither scheme moves away from its target (the error of the natural step is multiplied by
    ``1 - eps`` every step, that of the plain step shrinks below its stability limit), so the
    first such step is where it stays."""
    within = np.flatnonzero(np.abs(path - target) < TOLERANCE)
    return float(within[0]) if within.size else np.nan


def _relax(start, target, eps, n_steps, scheme):
    """:func:`fep_core.theory.relax_variational_bias` for a batch of nodes at once, with its
    arithmetic (one node at a time there): ``target`` (``iT theta``) and ``eps`` of shape
    ``(batch,)``; returns ``b_q`` before the first step and after every step,
    ``(batch, n_steps + 1)``. The grid's step sizes are below both schemes' stability limits
    (:data:`fep_core.theory.RELAXATION_RATE_LIMIT`)."""
    b = np.full(target.shape, float(start))
    path = [b]
    for _ in range(n_steps):
        fisher = cb.langevin_prime(b) if scheme == "plain" else 1.0
        b = b - eps * (b - target) * fisher
        path.append(b)
    return np.stack(path, axis=1)


def theory(*, start=-8.0, n_steps=40) -> Precomputed:
    """One node's variational bias ``b_q`` relaxing from ``start`` towards its optimum
    ``iT theta`` by plain and by natural gradient descent on its free energy
    (:func:`fep_core.theory.relax_variational_bias`, as the live panel runs it) over precision
    iT x learning rate x evidence theta.

    Shows ``b_q`` per step against the optimum (drawn over +/-20, the start slider's range; the
    readouts give the numbers beyond it) and the mean of the belief ``q = CB(b_q)``, ``L(b_q)``,
    per step against the optimal mean ``L(iT theta)``. Readouts: both schemes' final ``b_q``,
    the optimum, and the steps each needs to come within :data:`TOLERANCE` of it (undefined
    where it does not within ``n_steps``).
    """
    chapter = "theory"
    grid = Grid(chapter, (control(chapter, "inverse_temperature", 9),
                          control(chapter, "learning_rate", 0, values=_RATES),
                          control(chapter, "theta", 9)))
    iT, eps, theta = (grid.values(name) for name in grid.names)
    target = theta * iT
    bias = {s: _relax(start, target, eps, n_steps, s) for s in SCHEMES}
    reached = {s: np.array([_steps_to(path, t) for path, t in zip(bias[s], target)])
               for s in SCHEMES}
    arrays = {"target": target, "target_mean": cb.langevin(target)}
    for s in SCHEMES:
        arrays[f"{s}_bias"] = bias[s]
        arrays[f"{s}_mean"] = cb.langevin(bias[s])
    undefined = f"not within {TOLERANCE:g} of iT θ after {n_steps} steps"
    readouts = {f"{s}_final": Readout(f"b_q after {n_steps} steps, {_NAMES[s]}", bias[s][:, -1])
                for s in SCHEMES}
    readouts["optimum"] = Readout("optimum iT θ", target)
    readouts.update({f"{s}_steps": Readout(f"steps to |b_q − iT θ| < {TOLERANCE:g}, "
                                           f"{_NAMES[s]}", reached[s], undefined=undefined)
                     for s in SCHEMES})
    steps = np.arange(n_steps + 1, dtype=float)
    return Precomputed(
        grid, arrays=arrays, readouts=readouts,
        views=(Lines("variational bias b_q per step", steps,
                     {_NAMES[s]: f"{s}_bias" for s in SCHEMES}, x_label="update step",
                     y_label="b_q", guides={"optimum iT θ": "target"},
                     y_range=(-_SHOWN_BIAS, _SHOWN_BIAS)),
               Lines("mean of the belief q = CB(b_q) per step", steps,
                     {_NAMES[s]: f"{s}_mean" for s in SCHEMES}, x_label="update step",
                     y_label="mean L(b_q) of σ", guides={"optimum L(iT θ)": "target_mean"},
                     y_range=(-1.05, 1.05))))
