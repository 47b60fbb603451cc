"""The controls of every chapter's Interactive section, in one place.

A chapter (its notebook's file stem, also the name of its callback in :mod:`fep_core.explore`)
has sliders: argument -> ``(low, high, default)`` in :data:`SLIDER_RANGES` (the paper's settings
come from :mod:`fep_core.paper`), labels in :data:`SLIDER_LABELS`, slider steps in
:data:`SLIDER_STEPS` and toggle options in :data:`SLIDER_CHOICES`. Two panels read them: the live
ipywidgets panel of JupyterLab (:mod:`fep_core.widgets`) and the precomputed panel of the static
web page (:mod:`fep_core.precomputed`), whose grids span the same ranges and contain the same
defaults. This module is plain data (it imports only :mod:`fep_core.paper`), so the maths layer
may read it.
"""
from __future__ import annotations

from . import paper  # settings only: does not load the simulation engine

__all__ = ["SLIDER_RANGES", "SLIDER_LABELS", "SLIDER_STEPS", "SLIDER_CHOICES", "is_log",
           "PRECISION_CONTROL", "LEARNING_RATE_CONTROL"]

_BALANCED_EVIDENCE, _BALANCED_PRECISION = paper.REGIMES["balanced"]
_GRID = paper.GRID_INVERSE_TEMPERATURES
_S1, _S2, _S3 = paper.SIMULATION1, paper.SIMULATION2, paper.SIMULATION3
_S6 = paper.SIMULATION6

# The sliders of every chapter's interactive section: chapter (notebook file stem, which is also
# the name of its callback in fep_core.explore) -> argument of fep_core.explore.<chapter> ->
# (low, high, default). Integers for integer sliders; a float range with high/low >= 100 is a log
# slider. The one place for the notebooks' panels and for tests/test_widgets.py, which calls each
# callback at every corner and at random points inside.
SLIDER_RANGES = {
    "gaussian_primer": {                     # fep_core.explore.gaussian_primer
        "likelihood_precision": (0.1, 100.0, 4.0),
        "learning_rate": (0.001, 2.0, 0.1),
        "prior_precision": (0.1, 100.0, 1.0),
        "observation": (-5.0, 5.0, 2.0),
        "n_steps": (5, 200, 40),
    },
    "natural_gradient": {                    # fep_core.explore.natural_gradient
        "precision": (0.1, 20.0, 2.0),
        "learning_rate": (0.001, 1.0, 0.25),
        "n_steps": (5, 300, 30),
        "seed": (0, 50, 23),                 # the model the static page shows
    },
    "theory": {                              # fep_core.explore.theory
        "inverse_temperature": (0.01, 10.0, 1.0),
        "learning_rate": (0.001, 1.9, 0.2),
        "theta": (-10.0, 10.0, 3.0),
        "start": (-20.0, 20.0, -8.0),
    },
    "simulation1": {                         # fep_core.explore.simulation1
        "inverse_temperature": (0.01, 10.0, _S1["inverse_temperature"]),
        "learning_rate": (1e-4, 0.1, _S1["learning_rate"]),
        "evidence": (1.0, 60.0, _S1["evidence"]),
        "epochs": (50, 5000, _S1["epochs"]),
        "seed": (0, 20, 0),
    },
    "simulation2": {                         # fep_core.explore.simulation2 (grid first)
        # the precision slider steps through the paper's grid of precisions
        "evidence": (1, 20, int(_BALANCED_EVIDENCE)),
        "inverse_temperature": (float(_GRID[0]), float(_GRID[-1]), _BALANCED_PRECISION),
        "learning_rate": (1e-4, 0.01, _S2["learning_rate"]),
        "epochs": (100, 5000, 1000),
    },
    "simulation3": {                         # fep_core.explore.simulation3
        "inverse_temperature": (0.01, 10.0, _S3["inverse_temperature"]),
        "learning_rate": (1e-5, 0.1, _S3["learning_rate"]),
        "evidence": (1.0, 40.0, _S3["evidence"]),
        "epochs": (30, 6000, _S3["epochs"]),
        "seed": (0, 20, 0),
    },
    "simulation4": {                         # fep_core.explore.simulation4
        "inverse_temperature": (float(_GRID[0]), float(_GRID[-1]), _BALANCED_PRECISION),
        "learning_rate": (1e-4, 0.01, paper.SIMULATION4["learning_rate"]),
        "free_steps": (500, 50000, 20000),
        "epochs": (200, 5000, 2000),
    },
    "reproduction_report": {                 # fep_core.explore.reproduction_report
        "inverse_temperature": (0.01, 10.0, _S1["inverse_temperature"]),
        "learning_rate": (1e-4, 0.1, _S1["learning_rate"]),
        "seed": (0, 20, 0),
    },
    "simulation5": {                         # fep_core.explore.simulation5 (training settings)
        "inverse_temperature": (0.1, 10.0, paper.SIMULATION5_CAPACITY["inverse_temperature"]),
        "learning_rate": (5e-5, 5e-3, paper.SIMULATION5_CAPACITY["learning_rate"]),
        "load": (0.1, 0.7, 0.4),             # K/N of the 50-node networks
    },
    "simulation6": {                         # fep_core.explore.simulation6 (faces)
        # training: the sweep's range (fep_core.faces), default its balanced point
        "inverse_temperature": (0.03, 0.3, 0.1),
        "learning_rate": (0.0003, 0.003, 0.001),
        # reconstruction: the paper's grid of likelihood x prior precision
        "signal_strength": (_S6["signal_strengths"][0], _S6["signal_strengths"][-1],
                            _S6["signal_strengths"][1]),
        "prior_precision": (_S6["prior_precisions"][0], _S6["prior_precisions"][-1],
                            _S6["prior_precisions"][3]),
    },
    "comparison": {                          # fep_core.explore.comparison (factors)
        # factors of each task's paper setting: 1 is the paper's precision and learning rate
        # in every task (capacity iT 1, α 0.0005; digits iT 0.167, α 0.001; sequences iT 1,
        # α 0.001)
        "inverse_temperature": (0.1, 10.0, 1.0),
        "learning_rate": (0.1, 10.0, 1.0),
        "load": (0.1, 0.7, 0.4),             # K/N of the capacity task's 50-node networks
    },
}

# The label of every control: chapter -> argument -> label. The network's precision (inverse
# temperature, $i_T$ in the maths) is "precision iT" and its learning rate "learning rate α" in
# every chapter; the primers' models have their own precisions and step sizes.
SLIDER_LABELS = {
    "gaussian_primer": {"likelihood_precision": "likelihood precision πy",
                        "learning_rate": "learning rate κ", "prior_precision": "prior precision π0",
                        "observation": "observation y", "n_steps": "steps"},
    "natural_gradient": {"precision": "precision γ", "learning_rate": "learning rate ε",
                         "n_steps": "steps", "seed": "model seed"},
    "theory": {"inverse_temperature": "precision iT",
               "learning_rate": "learning rate (step size)", "theta": "evidence θ",
               "start": "start bias b_q"},
    "simulation1": {"inverse_temperature": "precision iT",
                    "learning_rate": "learning rate α", "evidence": "evidence",
                    "epochs": "epochs", "seed": "seed"},
    "simulation2": {"evidence": "evidence",
                    "inverse_temperature": "precision iT",
                    "learning_rate": "learning rate α",
                    "epochs": "training epochs of the rerun"},
    "simulation3": {"inverse_temperature": "precision iT",
                    "learning_rate": "learning rate α", "evidence": "evidence",
                    "epochs": "epochs", "seed": "seed"},
    "simulation4": {"inverse_temperature": "precision iT of the free run",
                    "learning_rate": "learning rate α of the free run",
                    "free_steps": "free-running steps", "epochs": "training epochs"},
    "reproduction_report": {"inverse_temperature": "precision iT",
                            "learning_rate": "learning rate α", "prediction": "prediction",
                            "schedule": "schedule", "seed": "seed"},
    "simulation5": {"inverse_temperature": "precision iT of training",
                    "learning_rate": "learning rate α of training", "load": "load K/N"},
    "simulation6": {"inverse_temperature": "precision iT of training",
                    "learning_rate": "learning rate α of training",
                    "signal_strength": "signal strength (likelihood precision)",
                    "prior_precision": "prior precision (iT of the reconstruction)"},
    "comparison": {"inverse_temperature": "precision iT (× each task's paper value)",
                   "learning_rate": "learning rate α (× each task's paper value)",
                   "load": "load K/N (capacity task)"},
}

# Slider steps where they are not the default (integers: 1; log sliders: 40 steps from low to
# high): chapter -> argument -> keyword of the slider factory. Simulation 2's and 4's precision
# sliders take the 19 values of the paper's grid.
SLIDER_STEPS = {
    "gaussian_primer": {"observation": {"step": 0.1}},
    "natural_gradient": {"n_steps": {"step": 5}},
    "theory": {"theta": {"step": 0.5}, "start": {"step": 0.5}},
    "simulation1": {"evidence": {"step": 1.0}, "epochs": {"step": 50}},
    "simulation2": {"inverse_temperature": {"steps": len(_GRID) - 1},
                    "learning_rate": {"steps": 20}, "epochs": {"step": 100}},
    "simulation3": {"evidence": {"step": 1.0}, "epochs": {"step": 30}},
    "simulation4": {"inverse_temperature": {"steps": len(_GRID) - 1},
                    "learning_rate": {"steps": 20}, "free_steps": {"step": 500},
                    "epochs": {"step": 200}},
    "simulation5": {"inverse_temperature": {"steps": 20}, "learning_rate": {"steps": 20},
                    "load": {"step": 0.05}},
    "simulation6": {"inverse_temperature": {"step": 0.01}, "learning_rate": {"step": 0.0001},
                    "signal_strength": {"step": 0.05}, "prior_precision": {"step": 0.1}},
    "comparison": {"inverse_temperature": {"steps": 20}, "learning_rate": {"steps": 20},
                   "load": {"step": 0.05}},
}

# Toggle buttons: chapter -> argument -> options (the first is the default).
SLIDER_CHOICES = {
    "reproduction_report": {
        "prediction": ("code", "paper"),
        "schedule": ("synchronous", "sequential"),
    },
}



def is_log(low, high) -> bool:
    """Whether a slider over ``[low, high]`` is on a log scale: a positive float range spanning
    two decades or more (precision and learning rate span decades)."""
    return isinstance(low, float) and low > 0 and high / low >= 100


# Which control of each chapter is its precision (inverse temperature) and which its learning
# rate: the two every chapter's panels offer (the browser test moves these on every page).
PRECISION_CONTROL = {chapter: ("likelihood_precision" if chapter == "gaussian_primer"
                               else "precision" if chapter == "natural_gradient"
                               else "inverse_temperature")
                     for chapter in SLIDER_RANGES}
LEARNING_RATE_CONTROL = dict.fromkeys(SLIDER_RANGES, "learning_rate")

# --- variational_bayes (fep_core.explore.variational_bayes): a VAE's decoder precision λ and
# Adam's step size; defaults fep_core.vae.DECODER_PRECISION and LEARNING_RATE
SLIDER_RANGES["variational_bayes"] = {"decoder_precision": (0.1, 100.0, 10.0),
                                      "learning_rate": (1e-4, 0.1, 1e-3)}
SLIDER_LABELS["variational_bayes"] = {"decoder_precision": "decoder precision λ",
                                      "learning_rate": "learning rate (Adam's step size)"}
PRECISION_CONTROL["variational_bayes"] = "decoder_precision"
LEARNING_RATE_CONTROL["variational_bayes"] = "learning_rate"
