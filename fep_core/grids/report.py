"""Precomputed panel of the reproduction report: Simulation 1 with the reproduction notes'
variants of the learning rule (the anti-Hebbian prediction) and of the update schedule, next to
the reference code's rule at the same precision and learning rate, as
:func:`fep_core.explore.reproduction_report` draws it."""
from __future__ import annotations

import numpy as np

from .. import controls, paper
from ..precomputed import Bars, Grid, Precomputed, Readout, Tiles, control, format_value
from .sim1 import LEARNING_RATES, NO_ATTRACTOR, PRECISIONS, simulation1_batch

__all__ = ["reproduction_report"]

NOTE = ("The sliders snap to a grid of values computed when the book was built (seed 0, the "
        "paper's evidence and 500 epochs); every picture and number is a real result at that "
        "point, never an interpolation. To explore any value or another seed, run the live "
        "panel below in JupyterLab.")


def reproduction_report() -> Precomputed:
    """Simulation 1 over precision x learning rate (Simulation 1's panel's values) x the
    prediction rule (code ``L(h)``, paper ``L(b + h)``) x the schedule (synchronous,
    sequential): 13 x 7 x 2 x 2 points, one batch of 91 networks per variant (the engine takes
    one rule and one schedule per batch); seed 0, as the chapter.

    Shows the chosen variant's two attractors, and bars of its attractor correlation and
    coupling asymmetry next to those of the reference code's rule (code prediction,
    synchronous) at the same precision and learning rate (and the paper's reported correlation).
    Where a variant learned no attractor, its images and correlation bar are zero and its
    correlation readout is undefined.
    """
    chapter = "reproduction_report"
    grid = Grid(chapter, (control(chapter, "inverse_temperature", 0, values=PRECISIONS),
                          control(chapter, "learning_rate", 0, values=LEARNING_RATES),
                          control(chapter, "prediction", 0), control(chapter, "schedule", 0)))
    size = grid.size
    beta, alpha = grid.values("inverse_temperature"), grid.values("learning_rate")
    prediction, schedule = grid.values("prediction"), grid.values("schedule")
    options = controls.SLIDER_CHOICES[chapter]
    evidence = paper.SIMULATION1["evidence"]
    corr, asym = np.empty(size), np.empty(size)
    conv, learned = np.empty(size), np.empty(size, bool)
    attractors = np.empty((size, 2, 25))
    for p, pred in enumerate(options["prediction"]):
        for s, sched in enumerate(options["schedule"]):
            at = np.flatnonzero((prediction == p) & (schedule == s))
            r = simulation1_batch(beta[at], alpha[at], np.full(at.size, evidence),
                                  prediction=pred, schedule=sched)
            corr[at], asym[at] = r.attractor_correlation, r.asymmetry
            conv[at] = r.attractors_converged.sum(axis=1)
            learned[at] = r.learned
            attractors[at] = r.attractors
    corr = np.where(learned, corr, np.nan)
    # The reference code's rule at each point's precision and learning rate: the point of the
    # same (precision, learning rate) with the first option of both choices.
    code = np.array([grid.index(inverse_temperature=b, learning_rate=a, prediction=0,
                                schedule=0) for b, a in zip(beta, alpha)])
    shown = np.where(learned[:, None, None], attractors, 0.0)
    reported = paper.value("s1_attr_corr")
    return Precomputed(
        grid,
        arrays={"attractors": shown.reshape(-1, 2, 5, 5),
                "corr_chosen": np.nan_to_num(corr, nan=0.0),
                "corr_code": np.nan_to_num(corr[code], nan=0.0),
                "corr_paper": np.full(size, reported),
                "asym_chosen": asym, "asym_code": asym[code]},
        readouts={
            "attractor_correlation": Readout(
                "attractor correlation, chosen rule", corr,
                undefined=NO_ATTRACTOR),
            "asymmetry": Readout("asymmetry ‖J − Jᵀ‖ / ‖J‖, chosen rule", asym),
            "converged": Readout("attractors converged (of 2), chosen rule", conv),
            "code_correlation": Readout("attractor correlation, reference code's rule",
                                        corr[code], undefined=NO_ATTRACTOR),
            "code_asymmetry": Readout("asymmetry, reference code's rule", asym[code])},
        views=(Tiles("chosen rule: attractors 1 (vertical) and 2 (horizontal)", "attractors"),
               Bars("attractor correlation", {"chosen rule": "corr_chosen",
                                              "reference code": "corr_code",
                                              f"paper ({format_value(reported, 2)})": "corr_paper"},
                    y_label="correlation of the two attractors"),
               Bars("asymmetry of J", {"chosen rule": "asym_chosen",
                                       "reference code": "asym_code"},
                    y_label="‖J − Jᵀ‖ / ‖J‖")),
        note=NOTE)
