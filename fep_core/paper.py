"""What Spisak & Friston report, in one place: settings, numbers and the test of each claim.

Every paper number the book uses is defined here and nowhere else: the simulations take their
defaults from the settings below, the chapters and the reproduction report compare against
:data:`REPORTED`, and every qualitative claim is decided by one predicate of this module, so a
chapter and the report cannot disagree about what "the free run cycles 1 -> 2 -> 3" means.

Source: Spisak & Friston, *Self-orthogonalizing attractor neural networks emerging from the
free energy principle*, arXiv:2505.22749 (:data:`VERSION`). The revision keeps Simulations 1-4
and their numbers unchanged (see the spec's revision notes); where the text and the authors'
reference code disagree, the settings follow the code and :data:`CODE_DIFFERENCES` lists the
text's values.

=============================  ==================================================================
settings                        ``SIMULATION1`` ... ``SIMULATION4``, ``GRID_EVIDENCES``,
                                ``GRID_INVERSE_TEMPERATURES``, ``REGIMES``
numbers and claims              ``REPORTED`` (rows), :func:`value`, :func:`reported_values`
claim predicates                :func:`vfe_decreases`, :func:`retrieves_first_pattern`,
                                :func:`mixes_both`, :func:`top_cells`, :func:`in_band`,
                                :func:`cycles_forward`, :func:`couplings_similar`,
                                :func:`scores_similar`, :func:`soft_attractors`
=============================  ==================================================================
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._validation import count, finite_array, paired_cases, positive

__all__ = ["VERSION", "REVISION", "SIMULATION5_SCALING", "SCALING_REPORTED",
           "SIMULATION5_CAPACITY", "CAPACITY_REPORTED", "CAPACITY_CLAIMS", "HEBBIAN_CAPACITY",
           "SIMULATION6", "COMPARISON", "REVISION_REPORTED", "SIMULATION1", "SIMULATION2",
           "SIMULATION3", "SIMULATION4",
           "GRID_EVIDENCES", "GRID_INVERSE_TEMPERATURES", "REGIMES", "CODE_DIFFERENCES",
           "Reported", "REPORTED", "value", "printed", "reported_values", "MIX_THRESHOLD",
           "TOP_FRACTION", "BANDS", "COUPLING_CHANGE", "SCORE_SDS", "SOFT_FRACTION",
           "vfe_decreases", "retrieves_first_pattern", "mixes_both", "top_cells", "in_band",
           "cycles_forward", "couplings_similar", "scores_similar", "soft_attractors"]

VERSION = "arXiv:2505.22749v1 (2025); Simulations 1-4 unchanged in the revision"

# ---------------------------------------------------------------------------------------------
# Settings of the four simulations (the reference code's, where it differs from the text)

SIMULATION1 = dict(evidence=30.0, inverse_temperature=0.1, learning_rate=0.01, epochs=500,
                   steps_per_epoch=10, retrieval_inverse_temperature=1.0, retrieval_steps=30,
                   generalization_inverse_temperature=2.0, generalization_steps=20, noise=1.0)
"""Simulation 1: two 5x5 bars; probes of a noisy vertical bar and of the cross."""

GRID_EVIDENCES = np.arange(1, 21, dtype=float)
"""Simulation 2's evidence axis: 1, 2, ..., 20."""
GRID_INVERSE_TEMPERATURES = np.geomspace(0.01, 1.0, 19)
"""Simulation 2's precision axis: 19 log-spaced inverse temperatures in [0.01, 1]."""
GRID_EVIDENCES.flags.writeable = False
GRID_INVERSE_TEMPERATURES.flags.writeable = False

REGIMES = {"high complexity": (16.0, float(GRID_INVERSE_TEMPERATURES[14])),
           "balanced": (11.0, float(GRID_INVERSE_TEMPERATURES[11])),
           "low complexity": (6.0, float(GRID_INVERSE_TEMPERATURES[4]))}
"""The three grid cells the paper details (its Fig 4C-E): name -> (evidence, inverse
temperature, a value of the grid's precision axis)."""

SIMULATION2 = dict(learning_rate=0.001, epochs=5000, steps_per_epoch=10, trials=100,
                   eval_steps=100)
"""Simulation 2 (digits, 10 training patterns): training and evaluation on every grid cell."""

SIMULATION3 = dict(digits=(1, 2, 3), evidence=20.0, epochs=2000, steps_per_epoch=1,
                   inverse_temperature=1.0, learning_rate=0.001, free_steps=100)
"""Simulation 3: the sequence 1 -> 2 -> 3 -> 1 ..., one step per epoch; free run of 100 steps."""

SIMULATION4 = dict(evidence=REGIMES["balanced"][0], inverse_temperature=REGIMES["balanced"][1],
                   learning_rate=0.001, epochs=5000, steps_per_epoch=10, free_steps=50000,
                   trials=100, eval_steps=100)
"""Simulation 4: the balanced Simulation-2 network, then 50,000 free-running steps."""

CODE_DIFFERENCES = {"simulation2 learning_rate": (0.01, "the text; the code uses 0.001"),
                    "s1_attr_corr": (-0.20, "the reference code's printed output")}
"""Values printed in the paper's text or code output that differ from the settings above or
from :data:`REPORTED`: key -> (value, where it appears)."""

# ---------------------------------------------------------------------------------------------
# The numbers and claims the paper reports


@dataclass(frozen=True)
class Reported:
    """One reported item. ``value`` is None for a qualitative claim; ``reported`` is the item as
    printed, whose last digit fixes the rounding allowed when comparing."""

    id: str
    simulation: int
    quantity: str
    value: float | None
    reported: str
    source: str



REPORTED = (
    Reported("s1_data_corr", 1, "correlation of the two bar patterns", 0.77, "0.77",
             "Sim. 1, text"),
    Reported("s1_attr_corr", 1, "correlation of the two attractors", -0.19, "-0.19",
             "Sim. 1, text (code output \u22120.20)"),
    Reported("s1_vfe", 1, "macro free energy during training", None, "decreases",
             "Sim. 1, Fig. 3B"),
    Reported("s1_retrieval", 1, "noisy vertical bar (iT 1, 30 steps)", None, "retrieved",
             "Sim. 1, text"),
    Reported("s1_cross", 1, "cross of both bars (iT 2, 20 steps)", None,
             "mixes both attractors", "Sim. 1, text"),
    Reported("s2_balanced_retrieval", 2, "balanced (11, 0.167): retrieval", 0.292, "0.292",
             "Sim. 2, Fig. 4"),
    Reported("s2_balanced_generalization", 2, "balanced: generalisation", 0.07, "0.07",
             "Sim. 2, Fig. 4"),
    Reported("s2_balanced_n_attractors", 2, "balanced: attractors", 10, "10", "Sim. 2, Fig. 4"),
    Reported("s2_balanced_orthogonality", 2, "balanced: orthogonality (deg)", 17.3, "17.3",
             "Sim. 2, Fig. 4"),
    Reported("s2_high_retrieval", 2, "high complexity (16, 0.359): retrieval", 0.27, "0.27",
             "Sim. 2, Fig. 4"),
    Reported("s2_high_generalization", 2, "high complexity: generalisation", -0.05, "-0.05",
             "Sim. 2, Fig. 4"),
    Reported("s2_high_n_attractors", 2, "high complexity: attractors", 10, "10",
             "Sim. 2, Fig. 4"),
    Reported("s2_high_orthogonality", 2, "high complexity: orthogonality (deg)", 27.6, "27.6",
             "Sim. 2, Fig. 4"),
    Reported("s2_low_retrieval", 2, "low complexity (6, 0.028): retrieval", 0.164, "0.164",
             "Sim. 2, Fig. 4"),
    Reported("s2_low_generalization", 2, "low complexity: generalisation", 0.085, "0.085",
             "Sim. 2, Fig. 4"),
    Reported("s2_low_n_attractors", 2, "low complexity: attractors", 1, "1", "Sim. 2, Fig. 4"),
    Reported("s2_data_orthogonality", 2, "orthogonality of the training digits (deg)", 29.94,
             "29.94", "Sim. 2, text"),
    Reported("s2_retrieval_band", 2, "precision of the best retrieval", None, "iT 0.1\u20130.5",
             "Sim. 2, text"),
    Reported("s2_generalization_band", 2, "precision of the best generalisation", None,
             "iT < 0.1", "Sim. 2, text"),
    Reported("s3_asymmetry", 3, "asymmetry of J", 0.98, "0.98", "Sim. 3, text"),
    Reported("s3_symmetric_attractors", 3, "attractors of the symmetric part", None,
             "the three digits", "Sim. 3, text"),
    Reported("s3_free_run", 3, "free run (zero bias, iT 1, 100 steps)", None,
             "cycles 1 \u2192 2 \u2192 3 \u2192 1", "Sim. 3, text"),
    Reported("s4_coupling", 4, "couplings after 50,000 free steps", None, "very similar",
             "Sim. 4, text"),
    Reported("s4_retrieval", 4, "retrieval after the free run", None, "very similar",
             "Sim. 4, text"),
    Reported("s4_generalization", 4, "generalisation after the free run", None, "very similar",
             "Sim. 4, text"),
    Reported("s4_soft", 4, "attractors after the free run", None, "some become soft",
             "Sim. 4, text"),
)
"""Every number and claim of Simulations 1-4, in the order of the paper."""

_BY_ID = {r.id: r for r in REPORTED}


def value(id):
    """The paper's value of the reported number ``id`` (a key of :data:`REPORTED`), as a float.

    Raises
    ------
    TypeError
        If ``id`` is not a string.
    ValueError
        If ``id`` is not a reported item, or is a qualitative claim.
    """
    if not isinstance(id, str):
        raise TypeError(f"id must be a string naming a reported item, got {type(id).__name__}")
    if id not in _BY_ID:
        raise ValueError(f"id must be one of the reported items {sorted(_BY_ID)}, got {id!r}")
    v = _BY_ID[id].value
    if v is None:
        raise ValueError(f"id {id!r} is a qualitative claim ({_BY_ID[id].reported!r}), "
                         f"not a number")
    return float(v)


def printed():
    """Every reported item as the book's prose prints it: id -> text, with a typographic minus
    sign (``"s1_attr_corr"`` -> ``"\u22120.19"``), plus ``"code_" + key`` for each value of
    :data:`CODE_DIFFERENCES` keyed by a reported id (the reference code's output)."""
    out = {r.id: r.reported.replace("-", "\u2212") for r in REPORTED}
    for key, (v, _) in CODE_DIFFERENCES.items():
        if key in _BY_ID:
            digits = len(_BY_ID[key].reported.split(".")[1]) if "." in _BY_ID[key].reported else 0
            out[f"code_{key}"] = f"{v:.{digits}f}".replace("-", "\u2212")
    return out


def reported_values():
    """The numbers and claims the paper reports, one row per item of :data:`REPORTED`.

    Returns
    -------
    DataFrame indexed by ``id`` with columns ``simulation`` (1-4), ``quantity``, ``paper`` (the
    value as a float, NaN for a qualitative claim), ``reported`` (as printed, with an ASCII
    minus sign), ``source`` and ``kind`` ("number" or "claim").
    """
    rows = [{"id": r.id, "simulation": r.simulation, "quantity": r.quantity,
             "paper": np.nan if r.value is None else float(r.value), "reported": r.reported,
             "source": r.source, "kind": "claim" if r.value is None else "number"}
            for r in REPORTED]
    return pd.DataFrame(rows).set_index("id")


# ---------------------------------------------------------------------------------------------
# One predicate per claim: how the book decides whether it holds in one case (a seed, a cell)

MIX_THRESHOLD = 0.3
"""Simulation 1's cross "mixes both attractors": its cosine with each is above this."""
TOP_FRACTION = 0.1
"""Simulation 2's "best" cells: the top tenth of the grid for a measure."""
BANDS = {"retrieval": (0.1, 0.5, "0.1 <= iT <= 0.5"),
         "generalization": (0.0, 0.1, "iT < 0.1")}
"""Simulation 2's precision bands: measure -> (low, high, description); retrieval's band is
closed, generalisation's is ``iT < 0.1``."""
COUPLING_CHANGE = 0.1
"""Simulation 4's "very similar" couplings: relative Frobenius change at most this."""
SCORE_SDS = 2.0
"""Simulation 4's "very similar" scores: change within this many seed sds of the balanced cell."""
SOFT_FRACTION = 0.5
"""Simulation 4's "soft" attractor: mean |state| below this fraction of that before the run."""


def vfe_decreases(first, last):
    """Simulation 1, Fig 3B: the macro free energy falls during training (mean of the last tenth
    of training below that of the first tenth). Arrays of cases -> bool array."""
    first, last = paired_cases((first, last), ("first", "last"))
    return np.asarray(last < first)


def retrieves_first_pattern(first, second):
    """Simulation 1: the noisy vertical bar is retrieved, i.e. the probe's state is closer (by
    cosine) to the vertical attractor (``first``) than to the horizontal one (``second``)."""
    first, second = paired_cases((first, second), ("first", "second"))
    return np.asarray(first > second)


def mixes_both(first, second, *, threshold=MIX_THRESHOLD):
    """Simulation 1: the cross mixes both attractors, i.e. its cosine with each is above
    ``threshold``."""
    t = float(finite_array(threshold, "threshold", ndim=0))
    first, second = paired_cases((first, second), ("first", "second"))
    return np.asarray((first > t) & (second > t))


def top_cells(table, measure, *, fraction=TOP_FRACTION):
    """Simulation 2: the best cells of the grid for ``measure``, as a boolean mask over the rows
    of ``table`` (a ``Simulation2Result.table``): the ``round(fraction * cells)`` cells (at least
    one) with the largest values (ties broken by table order, NaN never chosen)."""
    if (not isinstance(table, pd.DataFrame) or not isinstance(measure, str)
            or measure not in table.columns):
        raise TypeError(f"table must be a DataFrame with a column measure={measure!r}")
    frac = positive(fraction, "fraction")
    if frac > 1:
        raise ValueError(f"fraction must be at most 1, got {frac}")
    k = max(1, int(round(frac * len(table))))
    chosen = table[measure].dropna().nlargest(k).index
    return table.index.isin(chosen)


def in_band(inverse_temperature, measure):
    """Simulation 2: whether a precision lies in the paper's band for ``measure`` (a key of
    :data:`BANDS`)."""
    if not isinstance(measure, str) or measure not in BANDS:
        raise ValueError(f"measure must be one of {sorted(BANDS)}, got {measure!r}")
    lo, hi, _ = BANDS[measure]
    it = finite_array(inverse_temperature, "inverse_temperature")
    return np.asarray((it >= lo) & (it <= hi) if measure == "retrieval" else (it >= lo) & (it < hi))


def _labels(value, name):
    """A string, or a sequence of strings or integers, as a list of its labels."""
    if isinstance(value, str):
        return list(value)
    if isinstance(value, (list, tuple)) and all(
            isinstance(v, (str, int, np.integer)) and not isinstance(v, (bool, np.bool_))
            for v in value):
        return list(value)
    raise TypeError(f"{name} must be a string or a sequence of labels (strings or integers), "
                    f"got {type(value).__name__}")


def cycles_forward(order, labels, *, repeats=3):
    """Simulation 3: the free run cycles through ``labels`` (e.g. ``"123"``): every change of the
    recognised digit is one step forwards (cyclically) and the run covers at least ``repeats``
    full cycles. ``order`` is the succession of recognised digits (a string or sequence)."""
    repeats = count(repeats, "repeats")
    order, labels = _labels(order, "order"), _labels(labels, "labels")
    if len(labels) < 2 or len(set(labels)) != len(labels):
        raise ValueError(f"labels must hold at least two distinct labels, got {labels!r}")
    if len(order) < repeats * len(labels):
        return False
    following = {a: labels[(k + 1) % len(labels)] for k, a in enumerate(labels)}
    return all(a in following and following[a] == b for a, b in zip(order, order[1:]))


def couplings_similar(relative_change, *, threshold=COUPLING_CHANGE):
    """Simulation 4: the couplings after the free run are "very similar" to those before it:
    ``||J_after - J_before||_F <= threshold ||J_before||_F``."""
    return np.asarray(finite_array(relative_change, "relative_change")
                      <= float(finite_array(threshold, "threshold", ndim=0)))


def scores_similar(before, after, seed_sd, *, sds=SCORE_SDS):
    """Simulation 4: a score after the free run is "very similar" to the score before it: the
    change is within ``sds`` seed standard deviations (``seed_sd``, of the balanced cell)."""
    before, after = paired_cases((before, after), ("before", "after"))
    change = np.abs(after - before)
    return np.asarray(change <= positive(sds, "sds", allow_zero=True)
                      * positive(seed_sd, "seed_sd", allow_zero=True))


def soft_attractors(attractors, reference_amplitude, *, fraction=SOFT_FRACTION):
    """Simulation 4: which attractors are "soft": mean |state| below ``fraction`` times
    ``reference_amplitude`` (the mean |state| of the attractors before the free run).
    ``attractors`` (A, n) -> bool array (A,)."""
    a = np.atleast_2d(finite_array(attractors, "attractors"))
    ref = positive(reference_amplitude, "reference_amplitude", allow_zero=True)
    return np.abs(a).mean(axis=1) < positive(fraction, "fraction") * ref


# ---------------------------------------------------------------------------------------------
# The revision: Simulations 5 (scaling, memory capacity) and 6 (faces), and the comparison with
# classic networks (appendix 8). Read from the authors' public repository (revised manuscript,
# rebuttal letter, notebooks); see the spec's revision notes. Numbers as the authors printed them.

REVISION = "revision of arXiv:2505.22749 (authors' repository: revised manuscript and notebooks)"

SIMULATION5_SCALING = dict(n_patterns=20, pattern_density=0.2, evidence=2.0,
                           inverse_temperature=1.0, learning_rate=0.001, epochs=10,
                           steps_per_epoch=1)
"""Simulation 5a (runtime scaling): 20 sparse ternary patterns (entries -1, 0, +1; 20% non-zero),
10 epochs of one learning step each; the authors' JAX code in float32."""

SCALING_REPORTED = {"n_nodes": (100, 1000, 5000, 10000, 20000, 50000),
                    "steps_per_s": (2455.0, 1390.0, 39.1, 25.5, 6.69, 0.167),
                    "machine": "Apple M3 Max laptop, JAX on its CPU, float32",
                    "note": "JIT compilation included in every timing (new static arguments per "
                            "call), so the small sizes are compile-bound"}
"""The authors' published timings of Simulation 5a (learning steps per second)."""

SIMULATION5_CAPACITY = dict(n_nodes=100, n_patterns=(10, 20, 30, 40, 50, 60, 70, 80, 90),
                            evidence=2.0, inverse_temperature=1.0, learning_rate=0.0005,
                            epochs=10000, steps_per_epoch=10, repeats=20,
                            retention_inverse_temperature=100.0, retention_steps=200,
                            reconstruction_noise=2.0, reconstruction_steps=20,
                            reconstruction_inverse_temperature=1.0)
"""Simulation 5b (memory capacity): dense random +-1 patterns, random presentation order.
Retention: deterministic dynamics, zero bias, precision 100, 200 steps from the stored pattern,
Pearson r(end state, pattern). Reconstruction: bias = initial state = pattern + Gaussian noise of
sd 2 sd(pattern); the mean of 20 stochastic steps at precision 1, r(mean, pattern); gain = that
minus r(noisy, pattern). The authors' JAX code resets the state to zero at every epoch."""

CAPACITY_REPORTED = {"n_patterns": (10, 20, 30, 40, 50, 60, 70, 80, 90),
                     "retention": (1.000, 1.000, 0.99993, 0.9989, 0.9975, 0.9919, 0.9686,
                                   0.8978, 0.8134),
                     "reconstruction": (0.980, 0.898, 0.785, 0.683, 0.611, 0.572, 0.548, 0.534,
                                        0.521),
                     "gain": (0.537, 0.450, 0.334, 0.236, 0.166, 0.123, 0.102, 0.085, 0.074)}
"""The authors' capacity table (means over 20 repeats, N = 100)."""

CAPACITY_CLAIMS = {"exceeds_hebbian": "capacity substantially exceeding ~0.14 N",
                   "approaches_n": "capacity approaching N"}
"""The revision's words on capacity."""

HEBBIAN_CAPACITY = 0.138
"""Capacity of the Hebbian (Hopfield) network for random patterns at large N, as a fraction of N:
Amit, Gutfreund & Sompolinsky (1985). A classic result, not the paper's; kept here so that the
chapters and the comparison read it from one place."""

SIMULATION6 = dict(n_faces=400, n_people=40, image_side=64, signal_strengths=(0.1, 0.2, 0.3, 0.4),
                   prior_precisions=(0.4, 0.6, 0.8, 1.0, 1.2), noise=2.0, steps=100, burn_in=10)
"""Simulation 6 (faces): Olivetti faces, each image z-scored, all used for training; one noisy
face reconstructed over likelihood precision (signal strength) x prior precision (the network's
precision iT), noise sd 2, the mean of 100 steps after 10 of burn-in. Training settings are not
given by the authors."""

COMPARISON = {
    "learning": {"Hopfield": "Hebbian, one shot",
                 "Boltzmann machine": "contrastive divergence (clamped and free phases)",
                 "projector network": "pseudo-inverse, one shot",
                 "predictive coding": "prediction error",
                 "this network": "Hebbian/anti-Hebbian, online, one phase"},
    "capacity": {"Hopfield": "~0.14 N", "Boltzmann machine": "~0.14 N",
                 "projector network": "N", "predictive coding": "\u2014",
                 "this network": "approaches N"},
    "sequences": {"Hopfield": "no", "Boltzmann machine": "no", "projector network": "no",
                  "predictive coding": "temporal hierarchy",
                  "this network": "yes (antisymmetric part)"},
    "orthogonal attractors": {"Hopfield": "no", "Boltzmann machine": "no",
                              "projector network": "by construction", "predictive coding": "no",
                              "this network": "emergent"},
    "continual learning": {"Hopfield": "forgets", "Boltzmann machine": "forgets",
                           "projector network": "forgets", "predictive coding": "with replay",
                           "this network": "built in (spontaneous replay)"},
    "cost": {"Hopfield": "O(KN\u00b2) once", "Boltzmann machine": "O(N\u00b2k) per step",
             "projector network": "O(KN\u00b2+N\u00b3) once", "predictive coding": "\u2014",
             "this network": "O(N\u00b2) per step"},
}
"""The revision's comparison with classic networks (its appendix 8), in its words: row ->
network -> claim. Asserted, not measured, by the authors."""

REVISION_REPORTED = (
    Reported("s5_retention_k90", 5, "retention at K = 90 (N = 100)",
             CAPACITY_REPORTED["retention"][8], "0.8134", "Sim. 5b, capacity table"),
    Reported("s5_reconstruction_k10", 5, "reconstruction r at K = 10 (N = 100)",
             CAPACITY_REPORTED["reconstruction"][0], "0.980", "Sim. 5b, capacity table"),
    Reported("s5_gain_k50", 5, "reconstruction gain at K = 50 (N = 100)",
             CAPACITY_REPORTED["gain"][4], "0.166", "Sim. 5b, capacity table"),
    Reported("s5_exceeds_hebbian", 5, "memory capacity", None,
             CAPACITY_CLAIMS["exceeds_hebbian"], "Sim. 5b, text"),
    Reported("s5_approaches_n", 5, "memory capacity", None, CAPACITY_CLAIMS["approaches_n"],
             "Sim. 5b, text"),
    Reported("s6_stored_faces", 6, "stored faces", None, "are attractors", "Sim. 6, text"),
    Reported("s6_gain", 6, "reconstruction gain of a noisy face", None, "typically positive",
             "Sim. 6, text"),
)
"""The revision's numbers and claims that the reproduction report checks (Simulations 5b and 6;
the comparison table has its own chapter). Three cells of the capacity table stand for it (the
Simulation-5 chapter compares all 27); they are compared with the authors' protocol as their
code runs it, the state reset to zero at every epoch."""
