"""Precomputed panel of the chapter "Variational Bayes, the ELBO and variational autoencoders"
(:func:`fep_core.explore.variational_bayes`): decoder precision λ x learning rate.

Every grid point is one run of :func:`fep_core.vae.explore_run`, the live panel's computation,
in one process: the training program is compiled once (precision, learning rate and seed are
run-time arguments of it), so the point where both controls are at their defaults is exactly
what the live panel shows at its defaults.
"""
from __future__ import annotations

import numpy as np

from .. import vae
from ..precomputed import Grid, Lines, Precomputed, Readout, Tiles, control

__all__ = ["variational_bayes", "N_PRECISIONS", "N_LEARNING_RATES"]

N_PRECISIONS = 7          # 0.1 to 100, half a decade apart (10, the default, among them)
N_LEARNING_RATES = 4      # 1e-4 to 0.1, a decade apart (1e-3, the default, among them)
_DIVERGED = "training diverged"


def _filled(curve):
    """A recorded curve with the stretches after a divergence (NaN) holding the last finite
    value (the static page draws finite arrays only; the readouts say it diverged)."""
    out = np.array(curve, float)
    bad = ~np.isfinite(out)
    if np.all(bad):
        return np.zeros_like(out)
    last = np.flatnonzero(~bad)[-1]
    out[last + 1:] = out[last]
    return out


def variational_bayes(*, seed=0) -> Precomputed:
    """:func:`fep_core.vae.explore_run` at every (decoder precision, learning rate) of the grid.

    Shows accuracy and complexity per Adam step, the reconstructions of eight held-out digits
    and eight samples from the prior; readouts: the held-out free energy, the final accuracy
    and complexity of training, the anomaly AUC, the denoising score and whether training
    diverged (then the numbers are undefined and the images blank).
    """
    chapter = "variational_bayes"
    grid = Grid(chapter, (control(chapter, "decoder_precision", N_PRECISIONS),
                          control(chapter, "learning_rate", N_LEARNING_RATES)))
    runs = [vae.explore_run(decoder_precision=p["decoder_precision"],
                            learning_rate=p["learning_rate"], seed=seed)
            for p in grid.points()]
    steps = runs[0].result.steps.astype(float)
    diverged = np.array([float(r.result.diverged) for r in runs])

    def tiles(key):
        return np.stack([getattr(r, key) for r in runs]).reshape(grid.size, 8, 8, 8)

    def last(values):
        return np.array([v[-1] if np.isfinite(v[-1]) else np.nan for v in values])

    acc = [r.result.accuracy for r in runs]
    comp = [r.result.complexity for r in runs]
    arrays = {"accuracy": np.stack([_filled(a) for a in acc]),
              "complexity": np.stack([_filled(c) for c in comp]),
              "originals": tiles("originals"), "reconstructions": tiles("reconstructions"),
              "samples": tiles("samples")}
    readouts = {
        "held_out_free_energy": Readout("held-out free energy (nats per digit)",
                                        np.array([r.held_out_free_energy for r in runs]),
                                        undefined=_DIVERGED),
        "final_accuracy": Readout("accuracy at the end of training (nats)", last(acc),
                                  undefined=_DIVERGED),
        "final_complexity": Readout("complexity at the end of training (nats)", last(comp),
                                    undefined=_DIVERGED),
        "auc": Readout("anomaly ROC AUC (digits vs non-digits)",
                       np.array([r.auc for r in runs]), undefined=_DIVERGED),
        "denoising": Readout("denoising score of noisy held-out digits",
                             np.array([r.denoising for r in runs]), undefined=_DIVERGED),
        "diverged": Readout("training diverged (1 = yes)", diverged)}
    return Precomputed(
        grid, arrays=arrays, readouts=readouts,
        views=(Lines("accuracy E_q[ln p(x|z)] per Adam step", steps, {"accuracy": "accuracy"},
                     x_label="Adam step", y_label="nats per image"),
               Lines("complexity KL[q(z|x) || p(z)] per Adam step", steps,
                     {"complexity": "complexity"}, x_label="Adam step",
                     y_label="nats per image"),
               Tiles("eight held-out digits", "originals"),
               Tiles("their reconstructions", "reconstructions"),
               Tiles("eight samples from the prior", "samples")),
        note=f"{vae.EXPLORE_STEPS} Adam steps per run, seed {seed}.")
