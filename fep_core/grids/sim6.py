"""Precomputed panel of Simulation 6's Interactive section (:func:`fep_core.explore.simulation6`):
the training precision x learning rate (the sweep's values) x the reconstruction's signal
strength x prior precision (the paper's grid).

The networks are those of the chapter's sweep at the balanced evidence
(:func:`fep_core.faces.sweep` through the result cache, so a build that ran the chapter trains
nothing here); the live panel trains the same network alone
(:func:`fep_core.faces.trained_coupling`: same stream, same bits). For each network the example
face is reconstructed over the paper's grid in one batch (:func:`fep_core.faces.explore_point`),
which is what the live panel computes for its heat map; the reconstruction at any pair of the grid
is the live panel's reconstruction at that pair, bit for bit (each pair draws from its own
stream).
"""
from __future__ import annotations

import numpy as np

from .. import faces, paper
from ..cache import cached
from ..precomputed import Grid, Heatmap, Precomputed, Readout, Tiles, control

__all__ = ["simulation6"]

_CHAPTER = "simulation6"
_S6 = paper.SIMULATION6


def simulation6(*, seed=0) -> Precomputed:
    """The example face reconstructed by each network of the sweep at the balanced evidence, at
    every pair of the paper's grid: the reconstruction and the attractor the face relaxes to
    (tiles, each on its own colour scale), the gain over the grid (a map, the current pair
    framed), and as numbers the gain and the network's sweep measures (retrieval,
    generalisation, attractors, stored faces)."""
    grid = Grid(_CHAPTER, (
        control(_CHAPTER, "inverse_temperature", len(faces.SWEEP_PRECISIONS),
                values=faces.SWEEP_PRECISIONS),
        control(_CHAPTER, "learning_rate", len(faces.SWEEP_LEARNING_RATES),
                values=faces.SWEEP_LEARNING_RATES),
        control(_CHAPTER, "signal_strength", len(_S6["signal_strengths"]),
                values=_S6["signal_strengths"]),
        control(_CHAPTER, "prior_precision", len(_S6["prior_precisions"]),
                values=_S6["prior_precisions"])))
    sweep = cached(faces.sweep, seed=seed)
    table = sweep.table
    evidence = faces.SETTINGS["evidence"]
    S, P = len(_S6["signal_strengths"]), len(_S6["prior_precisions"])
    recon, attract, maps, gains, rows = [], [], [], [], []
    for t in grid["inverse_temperature"].values:
        for a in grid["learning_rate"].values:
            k = int(np.flatnonzero((table["evidence"] == evidence)
                                   & (table["inverse_temperature"] == t)
                                   & (table["learning_rate"] == a))[0])
            point = faces.explore_point(sweep.J[k], signal_strength=_S6["signal_strengths"][0],
                                        prior_precision=_S6["prior_precisions"][0],
                                        evidence=evidence, seed=seed)
            g = point.grid
            side = int(round(np.sqrt(point.face.size)))
            for i in range(S):
                for j in range(P):
                    recon.append(g.reconstructions[i, j, 0].reshape(1, side, side))
                    attract.append(point.attractor.reshape(1, side, side))
                    maps.append(g.gains[:, :, 0])
                    gains.append(g.gains[i, j, 0])
                    rows.append(table.iloc[k])
    measures = {name: np.array([float(r[name]) for r in rows])
                for name in ("retrieval", "generalization", "n_attractors", "stored")}
    arrays = {"reconstruction": np.stack(recon), "attractor": np.stack(attract),
              "gain_map": np.stack(maps)}
    readouts = {
        "gain": Readout("gain of the reconstruction, r²(output, face) − r²(noisy, face)",
                        np.array(gains)),
        "retrieval": Readout("retrieval of noisy training faces (median score)",
                             measures["retrieval"]),
        "generalization": Readout("generalisation to held-out faces (median score)",
                                  measures["generalization"]),
        "n_attractors": Readout("distinct attractors from the 80 training faces",
                                measures["n_attractors"]),
        "stored": Readout("training faces whose attractor resembles them most (fraction)",
                          measures["stored"]),
    }
    views = (
        Tiles("the example face reconstructed (signal strength, prior precision)",
              "reconstruction"),
        Tiles("the attractor it relaxes to (this network)", "attractor"),
        Heatmap("gain over the paper's grid (this network)", "gain_map",
                x="prior_precision", y="signal_strength", value_label="gain"),
    )
    return Precomputed(grid, arrays, readouts, views)
