"""The revision's comparison with classic networks (its appendix 8), measured on the book's tasks.

The revision compares the paper's network with Hopfield networks, Boltzmann machines, projector
networks and predictive coding on learning, capacity, sequences, orthogonal attractors,
continual learning and cost (:data:`fep_core.paper.COMPARISON`), in words only. This module
runs every network that is built here on the same tasks, each with its own canonical dynamics,
the paper's network at the paper's settings:

* capacity (:func:`capacity_task`): Simulation 5's basin protocol (:mod:`fep_core.capacity`):
  the critical load at which 90% of random +-1 patterns are recalled from 10% flipped entries;
  the Boltzmann machine is trained by CD-1 on the patterns and recalls by its zero-temperature
  dynamics;
* the digits (:func:`digits_task`): Simulation 2's noisy retrieval and one-shot generalisation
  with its score, and the orthogonality of the attractors against the data's; the paper's
  network on the continuous patterns (evidence 11, precision iT 0.167), the classic (binary)
  networks on their binarisation (:func:`binarise`), with the same noise level (SNR 1),
  starting from the binarised noisy input; the learning curves behind the learning row;
* sequences (:func:`sequences_task`): Simulation 3's protocol (digits 1 -> 2 -> 3 presented in
  order, then a free run) for the paper's network; the symmetric networks run freely by their
  sign dynamics from the first digit, the Boltzmann machine by Gibbs sampling;
* continual learning (:func:`continual_task`): Simulation 4's retention control (digits 0-4,
  then 5-9), with and without free-running phases for the paper's network; Hebbian and
  Storkey learning continued incrementally, the projector recomputed on the second set only
  (and on all), the Boltzmann machine trained on the second set after the first;
* cost (:func:`measure_costs`): learning time per pattern presentation and memory, timed on the
  machine that runs it, at two network sizes.

:func:`measure` runs them all; :func:`comparison_table` sets each measured value (mean and seed
spread) beside the paper's words with a verdict decided by one predicate per row
(:func:`learning_verdict`, :func:`capacity_verdict`, :func:`sequence_verdict`,
:func:`orthogonality_verdict`, :func:`continual_verdict`, :func:`cost_verdict`), whose
thresholds are the named constants below. Predictive coding is not built here: its cells read
"not measured". The Storkey network is not in the paper's table; it is measured beside the
others (its cells have no claim to test). :func:`explore_points` computes the interactive
section's points (the paper's network at other precisions and learning rates).

Randomness: every number comes from ``seed`` through :func:`fep_core.streams.stream`: the
paper's network uses the streams of the simulation it repeats (so seed ``s`` gives that
simulation's numbers with ``seed=s``), the classic networks the keys ``(COMPARISON, purpose,
...)`` of this module. Within a seed the classic networks see the same noisy inputs.
"""
from __future__ import annotations

import contextlib
import inspect
import time
import tracemalloc
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import baselines, capacity, datasets, experiments, metrics, paper
from ._validation import as_generator, count, finite_array, flag, positive
from .network import AttractorBatch, asymmetry
from .streams import (
    CONTROL,
    CONTROL_EVAL,
    EVAL_GENERALIZATION,
    EVAL_RETRIEVAL,
    FREE,
    TRAIN,
    cell_key,
    stream,
)

__all__ = ["NETWORKS", "TABLE_NETWORKS", "CLASSIC", "ROWS", "CLAIMS", "VERDICTS", "HOLDS",
           "PARTLY", "FAILS", "UNDECIDED", "NOT_MEASURED", "NO_CLAIM", "SEEDS", "BOLTZMANN",
           "CAPACITY_STUDY", "CAPACITY_NODES", "BOLTZMANN_LOADS", "CURVE_EPOCHS", "CURVE_TRIALS",
           "BOLTZMANN_CURVE", "LEARNED_FRACTION", "HEBBIAN_BAND", "ORTHOGONALITY_GAIN",
           "MIN_ATTRACTOR_FRACTION", "RETRIEVAL_FLOOR", "FORGET_FRACTION", "REPLAY_GAIN",
           "COST_SIZES", "COST_LOAD", "COST_EPOCHS", "COST_REPEATS", "COST_EXPONENT",
           "COST_TOLERANCE", "COST_MIN_SECONDS", "COMPARISON", "binarise", "binary_recall_scores",
           "binary_attractors", "continue_boltzmann", "capacity_task", "DigitsResult",
           "digits_task", "SequencesResult", "sequences_task", "continual_task",
           "measure_costs", "ComparisonResult", "measure", "learning_verdict",
           "capacity_verdict", "sequence_verdict", "orthogonality_verdict", "continual_verdict",
           "cost_verdict", "comparison_table", "presentations_to_learn", "ExploreResult",
           "explore_points", "EXPLORE_EPOCHS", "EXPLORE_NODES"]

COMPARISON = 6_000
"""First element of this module's stream keys (:mod:`fep_core.streams`)."""
(_NOISE, _ORDER, _BOLTZMANN_TRAIN, _GIBBS, _BM_PATTERNS, _BM_CORRUPT, _BM_RECALL, _CURVE,
 _COST) = range(1, 10)

# ---------------------------------------------------------------------------------------------
# The networks, the rows and the verdicts

TABLE_NETWORKS = tuple(paper.COMPARISON["learning"])
"""The paper's columns, in its order: Hopfield, Boltzmann machine, projector network, predictive
coding, this network."""
NETWORKS = TABLE_NETWORKS[:3] + ("Storkey",) + TABLE_NETWORKS[3:]
"""The table's columns here: the paper's, with the Storkey network (not in the paper's table)
after the projector network."""
CLASSIC = ("Hopfield", "Storkey", "projector network", "Boltzmann machine")
"""The classic networks built here (:mod:`fep_core.baselines`): the Hebbian (Hopfield 1982),
Storkey (1997) and projector (pseudo-inverse) rules with asynchronous sign dynamics, and the
fully visible Boltzmann machine trained by CD-1."""
_BINARY_RULES = {"Hopfield": baselines.hebbian, "Storkey": baselines.storkey,
                 "projector network": baselines.projector}
_STUDY_NAME = {"Hopfield": "Hebbian", "Storkey": "Storkey", "projector network": "projector",
               "this network": capacity.NETWORKS[0]}
ROWS = tuple(paper.COMPARISON)
"""The paper's rows: learning, capacity, sequences, orthogonal attractors, continual learning,
cost."""

HOLDS, PARTLY, FAILS = "holds", "partly", "does not hold"
UNDECIDED = "undecided"
NOT_MEASURED = "not measured"
NO_CLAIM = "no claim"
VERDICTS = (HOLDS, PARTLY, FAILS, UNDECIDED, NOT_MEASURED, NO_CLAIM)
"""What a cell's verdict can be: the paper's words hold, partly hold or do not hold for what was
measured; undecided (the measurement cannot decide them, e.g. "forgets" of a network that never
stored the first set); not measured (predictive coding is not built); no claim (the Storkey
network is not in the paper's table)."""

CLAIMS = {
    "learning": {"Hopfield": "one shot", "Boltzmann machine": "two phases",
                 "projector network": "one shot", "this network": "one phase"},
    "capacity": {"Hopfield": "hebbian", "Boltzmann machine": "hebbian",
                 "projector network": "N", "this network": "approaches N"},
    "sequences": {"Hopfield": "no", "Boltzmann machine": "no", "projector network": "no",
                  "this network": "yes"},
    "orthogonal attractors": {"Hopfield": "no", "Boltzmann machine": "no",
                              "projector network": "yes", "this network": "yes"},
    "continual learning": {"Hopfield": "forgets", "Boltzmann machine": "forgets",
                           "projector network": "forgets", "this network": "replay"},
    "cost": {"Hopfield": "once", "Boltzmann machine": "per step", "projector network": "once",
             "this network": "per step"},
}
"""What each predicate tests for each cell of :data:`fep_core.paper.COMPARISON` (row -> network
-> kind of claim); the tests check every kind against the paper's words."""

# ---------------------------------------------------------------------------------------------
# Settings

SEEDS = tuple(inspect.signature(experiments.simulation4).parameters["control_seeds"].default)
"""Seeds of every task but capacity: those of Simulation 4's retention control (0-4), whose
results this chapter reuses."""

BOLTZMANN = dict(k=1, learning_rate=0.05, epochs=200)
"""Training of every Boltzmann machine: CD-1 (Hinton 2002), one batch gradient step per epoch
over all patterns. Measured on 100-node machines with 30-50 random patterns: the recall from
10% flipped entries changes little beyond about 200 epochs at this rate (100 to 400 epochs and
rates 0.05 and 0.1 recalled the same fraction to within one pattern at K = 30 and 40, and to
within 0.15 at K = 50, past the crossing); persistent CD recalled worse (its biases grow)."""

CAPACITY_NODES = paper.SIMULATION5_CAPACITY["n_nodes"]
"""Network size of the capacity row: the revision's N = 100."""
CAPACITY_STUDY = dict(sizes=(CAPACITY_NODES,),
                      loads={CAPACITY_NODES: (30, 40, 50)},
                      repeats={CAPACITY_NODES: 3},
                      baseline_loads={CAPACITY_NODES: tuple(range(5, 71, 5)) + (80, 90)},
                      corruption=(0.0, 0.1), precisions=(100.0,), attractor_sizes=(), rng=0)
"""The capacity study of the capacity row (:func:`fep_core.capacity.capacity_study`): at
N = 100, the paper's network on K = 30, 40, 50 (around its crossing, K/N near 0.44; the same
networks, bit for bit, as the Simulation 5 chapter's at those K), three repeats, relaxed at
the retention precision; the classic networks on K = 5, 10, ..., 70, 80, 90; recall from 0%
(the fixed-point test) and 10% flipped entries."""
BOLTZMANN_LOADS = (20, 30, 40, 50, 60)
"""K of the Boltzmann machines of the capacity row (N = 100): around their crossing (K/N near
0.45)."""

CURVE_EPOCHS = (10, 30, 100, 300, 1000, 3000, paper.SIMULATION2["epochs"])
"""Epochs at which the digit networks' learning curves are read (ten patterns: one tenth of an
epoch count is the number of presentations of each pattern)."""
CURVE_TRIALS = 50
"""Retrieval trials per point of a learning curve (the final scores use Simulation 2's 100)."""
BOLTZMANN_CURVE = (1, 3, 10, 30, 100, BOLTZMANN["epochs"])
"""Epochs at which the Boltzmann machine's learning curve on the digits is read (one epoch
presents every pattern once)."""

EXPLORE_EPOCHS = 1000
"""Training epochs of the interactive section's digit networks (the Simulation 2 chapter's live
default; the paper's 5000 take five times longer)."""
EXPLORE_NODES = capacity.SWEEP_NODES
"""Network size of the interactive section's capacity networks
(:func:`fep_core.capacity.training_sweep`'s)."""

# ---------------------------------------------------------------------------------------------
# The predicates' thresholds

LEARNED_FRACTION = 0.9
"""The learning row counts the presentations of each pattern until the median retrieval score
first reaches this fraction of its final value (the conventional 90% of a learning curve)."""
HEBBIAN_BAND = (0.5, 1.5)
""""~0.14 N" holds where the critical load lies within these factors of the classic value
:data:`fep_core.paper.HEBBIAN_CAPACITY`: the basin criterion (10% flipped, overlap 0.95, 90% of
the patterns) and N = 100 move the Hebbian network's own value by less than that (measured
here: 0.13 +- 0.01), while the other networks' lie at two to three times it."""
ORTHOGONALITY_GAIN = 3.0
"""Degrees by which attractors must on average be closer to orthogonal than the stored data
(mean |90 - angle|, Simulation 2's measure) to count as orthogonalised: about twice the spread
over seeds of the paper's network's value at the balanced cell (sd 1.7 degrees)."""
MIN_ATTRACTOR_FRACTION = 0.5
"""Attractors count as a set of orthogonalised memories only when there are at least this
fraction as many distinct ones as stored patterns (a network with two or three mixture states
has not orthogonalised its memories, however far apart those states are)."""
RETRIEVAL_FLOOR = 0.05
"""Forgetting is undefined for a network whose retrieval of the first set, before the second
was learned, is below this (a median score near 0 means it never stored the set)."""
FORGET_FRACTION = 0.5
""""Forgets": learning the second set costs at least half of the first set's retrieval score
(catastrophic forgetting, as opposed to the gradual loss of any network that stores more
patterns). The networks measured here either lose more than all of it (their first-set score
turns negative) or 29-39% of it."""
REPLAY_GAIN = 0.01
"""Free-running (replay) phases help retention when they raise the first set's median retrieval
by at least this over learning without them, on average over seeds paired by seed (about one
standard deviation over seeds of that retrieval without them, 0.009)."""

COST_SIZES = (128, 512)
"""Network sizes at which learning is timed: a factor of four, enough for an N^2 cost to show
as a factor of 16 above the per-call overheads."""
COST_LOAD = 0.1
"""Patterns timed per network size, as a fraction of N (K grows with N)."""
COST_EPOCHS = 20
"""Epochs (pattern presentations) of the paper's network per timing."""
COST_REPEATS = 2
"""Timings per learner and size; the fastest counts (a busy machine only slows a run down)."""
COST_EXPONENT = 2.0
"""Every claim of the cost row predicts time per presentation growing as N^2 at a fixed load:
O(N^2) per step (the paper's network; one presentation is a fixed number of steps), O(N^2 k)
per Gibbs sweep and presented pattern (Boltzmann machine), O(K N^2) once for K patterns
(Hopfield), O(K N^2 + N^3) once (projector, K = load N)."""
COST_TOLERANCE = 0.5
"""How far a measured exponent may exceed :data:`COST_EXPONENT` and still hold: cache effects
(arrays that outgrow a cache level between the two sizes) add a few tenths; over three runs on
this project's busy 2-core machine the paper's network measured 1.5-1.8, the
Hebbian and projector rules 1.0-1.5 (BLAS is faster on larger matrices), the Boltzmann machine
1.4-1.5, the Storkey rule (not in the paper's table; its updates are bound by memory)
2.4-3.1."""

_S2, _S3, _S5 = paper.SIMULATION2, paper.SIMULATION3, paper.SIMULATION5_CAPACITY
_BALANCED = paper.REGIMES["balanced"]
_S4_CONTROL = {k: v.default
               for k, v in inspect.signature(experiments.simulation4).parameters.items()
               if k.startswith("control_") or k in ("trials", "eval_steps")}


# ---------------------------------------------------------------------------------------------
# Checks


def _seeds(seeds, name="seeds"):
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise TypeError(f"{name} must be a sequence of integer seeds, got {type(seeds).__name__}")
    items = [count(s, name, minimum=0) for s in seeds]
    if not items:
        raise ValueError(f"{name} must hold at least one seed")
    if len(set(items)) != len(items):
        raise ValueError(f"{name} must hold distinct seeds, got {items}")
    return items


def _key(seed, purpose, *more):
    return stream(seed, COMPARISON, purpose, *more)


# ---------------------------------------------------------------------------------------------
# Binary networks on continuous data


def _blas_one_thread(func):
    """Run ``func`` with BLAS on one thread. Its matrix products are small (at most a few
    hundred rows) and many: multithreaded BLAS gains nothing on them, and on a busy machine its
    waiting threads made them 30 times slower (measured: 5 ms instead of 0.17 ms for the
    moments of one CD step). threadpoolctl comes with scikit-learn, which the datasets need."""
    import functools

    @functools.wraps(func)
    def run(*args, **kwargs):
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            return func(*args, **kwargs)

    return run


def binarise(patterns):
    """The binary networks' version of continuous patterns: +1 where an entry is >= 0, else -1.

    patterns : array (..., N) -> array of +-1 floats of the same shape.
    """
    return np.where(finite_array(patterns, "patterns") >= 0, 1.0, -1.0)


def binary_recall_scores(W, originals, *, noise, rng, bias=None, max_sweeps=100):
    """Simulation 2's retrieval score for binary networks: each trial's noisy input, binarised,
    is the start of the network's sign dynamics (:func:`fep_core.baselines.recall`,
    asynchronous); the end state is the response.

    ``noisy = original + sd(original) * noise`` (SNR 1, as in Simulation 2); score =
    ``r^2(response, original) - r^2(noisy, original)`` (squared Pearson r, so a sign-flipped
    recall counts, as it does for the paper's network).

    Parameters
    ----------
    W : array (B, N, N) -- B networks
    originals : array (T, N) or (B, T, N) of +-1 -- the clean targets
    noise : array (T, N) or (B, T, N) -- standard normal draws (shared noise: paired trials)
    rng : seed or Generator -- node orders of the sign dynamics
    bias : None or array (B, N) -- a Boltzmann machine's biases
    max_sweeps : int

    Returns
    -------
    dict of arrays (B, T): ``score``, ``r2_response``, ``r2_noisy``; ``response`` (B, T, N)
    """
    W = finite_array(W, "W", ndim=3)
    B, N = W.shape[0], W.shape[-1]
    orig = finite_array(originals, "originals", ndim=(2, 3))
    noise = finite_array(noise, "noise", ndim=(2, 3))
    if orig.shape[-1] != N or noise.shape[-1] != N:
        raise ValueError(f"originals and noise must have {N} nodes (last axis)")
    orig = np.broadcast_to(orig, (B,) + orig.shape[-2:])
    noise = np.broadcast_to(noise, orig.shape)
    noisy = orig + orig.std(axis=-1, keepdims=True) * noise
    end = baselines.recall(W, binarise(noisy), bias=bias, rng=rng, max_sweeps=max_sweeps).states
    r2_resp = metrics.correlation(end, orig) ** 2
    r2_noisy = metrics.correlation(noisy, orig) ** 2
    return {"score": r2_resp - r2_noisy, "r2_response": r2_resp, "r2_noisy": r2_noisy,
            "response": end}


def binary_attractors(W, patterns, *, rng, bias=None):
    """Attractors of binary networks as Simulation 2 finds the paper's: the end states of the
    (asynchronous sign) dynamics started at each stored pattern, and the distinct ones.

    W : array (B, N, N); patterns : array (K, N) of +-1; bias : None or (B, N).

    Returns
    -------
    (unique, ends) -- a list of B arrays (A_b, N) and the end states (B, K, N)
    """
    ends = baselines.recall(W, patterns, bias=bias, rng=rng).states
    return [metrics.unique_states(e) for e in ends], ends


def continue_boltzmann(W, b, patterns, *, epochs, learning_rate=BOLTZMANN["learning_rate"],
                       k=BOLTZMANN["k"], rng, record=()):
    """CD-k training of a Boltzmann machine from given couplings and biases
    (:func:`fep_core.baselines.train_boltzmann` with ``initial=(W, b)``), keeping copies along
    the way: the training runs in segments between the epochs of ``record`` on one generator,
    which gives the numbers of one uninterrupted run.

    Parameters
    ----------
    W : array (N, N) symmetric, zero diagonal; b : array (N,)
    patterns : array (K, N) of +-1
    epochs : int >= 0; learning_rate : float > 0; k : int >= 1
    rng : seed or Generator
    record : epochs (0 ... epochs) after which to keep a copy of ``(W, b)``

    Returns
    -------
    (W, b), or with ``record`` (W, b, {epoch: (W, b)})
    """
    epochs = count(epochs, "epochs", minimum=0)
    marks = sorted({count(e, "record", minimum=0) for e in record})
    if marks and marks[-1] > epochs:
        raise ValueError(f"record must hold epochs from 0 to {epochs}, got {marks}")
    gen = as_generator(rng)
    machine, done, kept = (W, b), 0, {}
    for stop in marks + [epochs]:
        machine = baselines.train_boltzmann(patterns, k=k, epochs=stop - done,
                                            learning_rate=learning_rate, rng=gen,
                                            initial=machine)
        done = stop
        if stop in marks:
            kept[stop] = (machine[0].copy(), machine[1].copy())
    return (*machine, kept) if marks else machine


def _boltzmann(patterns, rng, *, epochs=BOLTZMANN["epochs"], record=()):
    n = patterns.shape[1]
    return continue_boltzmann(np.zeros((n, n)), np.zeros(n), patterns, epochs=epochs, rng=rng,
                              record=record)


# ---------------------------------------------------------------------------------------------
# Capacity


def _boltzmann_capacity(*, seed, n_nodes, loads, repeats, corruption, threshold):
    """Recall fractions of Boltzmann machines trained on random patterns (one per K, repeat)."""
    K_ = np.array([k for k in loads for _ in range(repeats)])
    rep = np.array([r for _ in loads for r in range(repeats)])
    pats = np.zeros((K_.size, int(K_.max()), n_nodes))
    Ws, bs = [], []
    for j, (k, r) in enumerate(zip(K_, rep)):
        p = capacity.random_patterns(k, n_nodes, rng=_key(seed, _BM_PATTERNS, n_nodes, k, r))
        pats[j, :k] = p
        W, b = _boltzmann(p, _key(seed, _BOLTZMANN_TRAIN, n_nodes, k, r))
        Ws.append(W)
        bs.append(b)
    W, b = np.stack(Ws), np.stack(bs)
    gen = _key(seed, _BM_RECALL, n_nodes)

    def dynamics(starts):
        return baselines.recall(W, starts, bias=b, rng=gen).states

    res = capacity.basin_recall(dynamics, pats, corruption=corruption, threshold=threshold,
                                n_patterns=K_, rng=[_key(seed, _BM_CORRUPT, n_nodes, k, r)
                                                    for k, r in zip(K_, rep)])
    return K_, rep, res.fraction


@_blas_one_thread
def capacity_task(study, *, seed=0, n_nodes=CAPACITY_NODES, boltzmann_loads=BOLTZMANN_LOADS):
    """Critical loads of every network: the paper's, Hebbian, Storkey and projector networks'
    from a :class:`fep_core.capacity.CapacityStudy` (its N = ``n_nodes``; the paper's network
    relaxed at the retention precision 100), the Boltzmann machines' computed here on random
    patterns of the same size with the study's corruptions, threshold and level (trained by
    :data:`BOLTZMANN`, recalled by zero-temperature sign dynamics with their biases).

    Returns
    -------
    DataFrame with one row per (network, repeat, corruption): ``alpha_c``, ``censored``
    (:class:`fep_core.capacity.CriticalLoad`); networks named as :data:`NETWORKS`.
    """
    if not isinstance(study, capacity.CapacityStudy):
        raise TypeError(f"study must be a fep_core.capacity.CapacityStudy, "
                        f"got {type(study).__name__}")
    n = count(n_nodes, "n_nodes")
    crit = study.critical[study.critical.n_nodes == n]
    if crit.empty:
        raise ValueError(f"study has no networks of n_nodes = {n}")
    ks = sorted({count(k, "boltzmann_loads") for k in boltzmann_loads})
    s = study.settings
    repeats = s["repeats"][n]
    rows = []
    for name, label in _STUDY_NAME.items():
        for r in crit[crit.network == label].itertuples():
            rows.append({"network": name, "repeat": int(r.repeat), "corruption": r.corruption,
                         "alpha_c": r.alpha_c, "censored": int(r.censored)})
    K_, rep, frac = _boltzmann_capacity(seed=count(seed, "seed", minimum=0), n_nodes=n,
                                        loads=ks, repeats=repeats,
                                        corruption=s["corruption"], threshold=s["threshold"])
    loads = np.array(ks) / n
    for r in range(repeats):
        curves = frac[rep == r].T                                 # (C, L), loads ascending
        cl = capacity.critical_load(loads, curves, level=s["level"])
        for c, f in enumerate(s["corruption"]):
            rows.append({"network": "Boltzmann machine", "repeat": r, "corruption": float(f),
                         "alpha_c": float(cl.value[c]), "censored": int(cl.censored[c])})
    recall = pd.DataFrame({"network": "Boltzmann machine", "n_patterns": K_, "load": K_ / n,
                           "repeat": rep})
    recall = pd.concat([recall.assign(corruption=float(f), recalled=frac[:, c])
                        for c, f in enumerate(s["corruption"])], ignore_index=True)
    out = pd.DataFrame(rows)
    out.attrs["boltzmann_recall"] = recall
    return out


# ---------------------------------------------------------------------------------------------
# The digits: retrieval, generalisation, attractors, learning curves


@dataclass
class DigitsResult:
    """:func:`digits_task`'s results.

    Attributes
    ----------
    scores : DataFrame — per (network, seed): ``retrieval``, ``generalization`` (median scores
        over the trials), ``n_attractors``, ``orthogonality`` (of the distinct attractors; NaN
        for fewer than two), ``data_orthogonality`` (of the patterns the network stores: the
        continuous digits for the paper's network, their binarisation for the others),
        ``patterns_fixed`` (fraction of stored patterns that are themselves fixed points; NaN
        for the paper's network, whose states are continuous)
    curves : DataFrame — per (network, seed, presentations): ``retrieval`` (median over
        :data:`CURVE_TRIALS` trials); presentations = presentations of each pattern
    attractors : dict network -> list over seeds of arrays (A, 64)
    J : array (S, 64, 64) — the paper's networks after training
    settings : dict
    """

    scores: pd.DataFrame
    curves: pd.DataFrame
    attractors: dict
    J: np.ndarray
    settings: dict = field(default_factory=dict)


def _fep_digits(seeds, *, curve_epochs, curve_trials, trials, eval_steps):
    """The balanced Simulation-2 network for each seed (one batch, exactly
    :func:`fep_core.experiments.simulation2_cell` with ``seed=s``), its learning curve read on
    copies (other streams, so training is untouched) and its final evaluation."""
    d = datasets.digits()
    e, t = _BALANCED
    key = cell_key(e, t)
    epochs = _S2["epochs"]
    gens = [stream(s, *key, TRAIN) for s in seeds]
    order = np.stack([g.integers(0, len(d.train), size=epochs) for g in gens])  # as train draws
    batch = AttractorBatch(len(seeds), 64, rng=gens)
    common = dict(scale=e, steps_per_segment=_S2["steps_per_epoch"], inverse_temperature=t,
                  learning_rate=_S2["learning_rate"], record=None)
    targets = metrics.retrieval_targets(d.train[np.arange(curve_trials) % len(d.train)], e)
    curve, done = [], 0
    for c, stop in enumerate(curve_epochs):
        batch.simulate(d.train, order[:, done:stop], **common)
        done = stop
        copy = AttractorBatch(len(seeds), 64, coupling=batch.J,
                              rng=[_key(s, _CURVE, 0, c) for s in seeds])
        copy.state = batch.state
        sc = metrics.recall_scores(copy, targets, rng=[_key(s, _CURVE, 1, c) for s in seeds],
                                   steps=eval_steps)["score"]
        curve.append(np.median(sc, axis=1))
    # Simulation 2's evaluation (evaluate_digit_networks), with each network's own seed
    ret_orig = metrics.retrieval_targets(d.train[np.arange(trials) % len(d.train)], e)
    ret = metrics.recall_scores(batch, ret_orig, rng=[stream(s, *key, EVAL_RETRIEVAL)
                                                      for s in seeds], steps=eval_steps)
    gen_rngs = [stream(s, *key, EVAL_GENERALIZATION) for s in seeds]
    gen_idx = np.stack([g.integers(0, len(d.test), size=trials) for g in gen_rngs])
    gen = metrics.recall_scores(batch, metrics.retrieval_targets(d.test[gen_idx], e),
                                rng=gen_rngs, steps=eval_steps)
    uniq, _, _ = metrics.find_attractors(batch, e * d.train)
    return (np.median(ret["score"], axis=1), np.median(gen["score"], axis=1), uniq,
            np.array(curve).T, gen_idx, batch.J.copy())


def _classic_digits(seeds, gen_idx, *, curve_trials, trials):
    """The classic networks on the binarised digits, every network and seed in one call per
    test; returns score rows, curve rows and attractors."""
    d = datasets.digits()
    train = binarise(d.train)
    N = train.shape[1]
    names = list(CLASSIC)
    S = len(seeds)
    Ws, bs = {}, {}
    for name, rule in _BINARY_RULES.items():
        Ws[name] = [rule(train)] * S
        bs[name] = [np.zeros(N)] * S
    bm_curves = {}
    Ws["Boltzmann machine"], bs["Boltzmann machine"] = [], []
    for s in seeds:
        W, b, kept = _boltzmann(train, _key(s, _BOLTZMANN_TRAIN, 0), record=BOLTZMANN_CURVE)
        Ws["Boltzmann machine"].append(W)
        bs["Boltzmann machine"].append(b)
        bm_curves[s] = kept
    W = np.stack([Ws[n][j] for n in names for j in range(S)])             # (4 S, N, N)
    b = np.stack([bs[n][j] for n in names for j in range(S)])
    per_seed = lambda a: np.concatenate([a] * len(names))                 # noqa: E731
    ret_orig = train[np.arange(trials) % len(train)]
    noise_r = np.stack([_key(s, _NOISE, 0).standard_normal(ret_orig.shape) for s in seeds])
    test = binarise(d.test[gen_idx])                                      # (S, T, N)
    noise_g = np.stack([_key(s, _NOISE, 1).standard_normal(test.shape[1:]) for s in seeds])
    order = _key(seeds[0], _ORDER, 0, *seeds)
    ret = binary_recall_scores(W, ret_orig, noise=per_seed(noise_r), bias=b, rng=order)
    gen = binary_recall_scores(W, per_seed(test), noise=per_seed(noise_g), bias=b, rng=order)
    uniq, ends = binary_attractors(W, train, bias=b, rng=order)
    data_orth = metrics.orthogonality(train)
    rows, attractors = [], {n: [] for n in names}
    for j in range(W.shape[0]):
        name, s = names[j // S], seeds[j % S]
        attractors[name].append(uniq[j])
        rows.append({"network": name, "seed": s,
                     "retrieval": float(np.median(ret["score"][j])),
                     "generalization": float(np.median(gen["score"][j])),
                     "n_attractors": len(uniq[j]), "orthogonality": metrics.orthogonality(uniq[j]),
                     "data_orthogonality": data_orth,
                     "patterns_fixed": float(np.mean(np.all(ends[j] == train, axis=1)))})
    # learning curves: one-shot rules have one point; the Boltzmann machine one per record
    curve_orig = train[np.arange(curve_trials) % len(train)]
    noise_c = np.stack([_key(s, _NOISE, 2).standard_normal(curve_orig.shape) for s in seeds])
    curves = []
    for j, name in enumerate(names[:3]):
        sc = ret["score"][j * S:(j + 1) * S, :curve_trials]
        curves += [{"network": name, "seed": s, "presentations": 1,
                    "retrieval": float(np.median(sc[i]))} for i, s in enumerate(seeds)]
    Wc = np.stack([bm_curves[s][e][0] for s in seeds for e in BOLTZMANN_CURVE])
    bc = np.stack([bm_curves[s][e][1] for s in seeds for e in BOLTZMANN_CURVE])
    E = len(BOLTZMANN_CURVE)
    sc = binary_recall_scores(Wc, curve_orig, noise=np.repeat(noise_c, E, axis=0), bias=bc,
                              rng=_key(seeds[0], _ORDER, 1, *seeds))["score"]
    for i, s in enumerate(seeds):
        for c, ep in enumerate(BOLTZMANN_CURVE):
            curves.append({"network": "Boltzmann machine", "seed": s, "presentations": ep,
                           "retrieval": float(np.median(sc[i * E + c]))})
    return rows, curves, attractors


@_blas_one_thread
def digits_task(seeds=SEEDS, *, curve_epochs=CURVE_EPOCHS, curve_trials=CURVE_TRIALS,
                trials=_S2["trials"], eval_steps=_S2["eval_steps"]):
    """Simulation 2's tests for every network, over seeds.

    The paper's network: the balanced cell of Simulation 2 (evidence 11, precision iT 0.167,
    learning rate 0.001, 5000 epochs of 10 steps) for each seed, all seeds as one batch; seed s
    gives :func:`fep_core.experiments.simulation2_cell` ``(seed=s)`` bit for bit. Its learning
    curve is read at ``curve_epochs`` on copies of the networks. The classic networks store the
    ten binarised training digits (:func:`binarise`); the Boltzmann machine's training and every
    classic network's noise and node orders come from the seed. A classic network's trial
    starts from the binarised noisy input; the paper's network takes the noisy input as its
    bias, as in Simulation 2. The same test digits as the paper's network's (per seed).

    Returns
    -------
    DigitsResult
    """
    seeds = _seeds(seeds)
    epochs = sorted({count(e, "curve_epochs") for e in curve_epochs})
    if epochs[-1] != _S2["epochs"]:
        raise ValueError(f"curve_epochs must end at Simulation 2's {_S2['epochs']} epochs, "
                         f"got {epochs}")
    curve_trials = count(curve_trials, "curve_trials")
    trials = count(trials, "trials")
    if curve_trials > trials:
        raise ValueError(f"curve_trials ({curve_trials}) must not exceed trials ({trials})")
    eval_steps = count(eval_steps, "eval_steps")
    d = datasets.digits()
    ret, gen, uniq, curve, gen_idx, J = _fep_digits(seeds, curve_epochs=epochs,
                                                    curve_trials=curve_trials, trials=trials,
                                                    eval_steps=eval_steps)
    data_orth = metrics.orthogonality(d.train)
    rows = [{"network": "this network", "seed": s, "retrieval": float(ret[i]),
             "generalization": float(gen[i]), "n_attractors": len(uniq[i]),
             "orthogonality": metrics.orthogonality(uniq[i]), "data_orthogonality": data_orth,
             "patterns_fixed": np.nan} for i, s in enumerate(seeds)]
    curves = [{"network": "this network", "seed": s, "presentations": e / len(d.train),
               "retrieval": float(curve[i, c])}
              for i, s in enumerate(seeds) for c, e in enumerate(epochs)]
    crows, ccurves, attractors = _classic_digits(seeds, gen_idx, curve_trials=curve_trials,
                                                 trials=trials)
    attractors["this network"] = uniq
    return DigitsResult(pd.DataFrame(rows + crows), pd.DataFrame(curves + ccurves), attractors,
                        J, {"seeds": tuple(seeds), "trials": trials, "eval_steps": eval_steps,
                            "curve_trials": curve_trials, "curve_epochs": tuple(epochs),
                            "evidence": _BALANCED[0], "inverse_temperature": _BALANCED[1]})


# ---------------------------------------------------------------------------------------------
# Sequences


@dataclass
class SequencesResult:
    """:func:`sequences_task`'s results.

    Attributes
    ----------
    table : DataFrame — per (network, seed): ``order`` (the succession of recognised digits),
        ``cycles`` (:func:`fep_core.paper.cycles_forward`), ``asymmetry`` (||J - J^T|| / ||J||),
        ``distinct`` (distinct digits visited)
    recognised : dict network -> int array (S, steps) — the digit recognised at every step of
        the free run (index into the sequence, -1 none)
    labels : str — the sequence's digits
    """

    table: pd.DataFrame
    recognised: dict
    labels: str


@_blas_one_thread
def sequences_task(seeds=SEEDS, *, free_steps=_S3["free_steps"], recognition_threshold=0.5):
    """Can each network replay the sequence 1 -> 2 -> 3 when run freely?

    The paper's network: Simulation 3 for each seed as one batch (seed s gives
    :func:`fep_core.experiments.simulation3` ``(seed=s)`` bit for bit): trained with the digits
    in fixed order, one step each, then ``free_steps`` steps with zero bias from its trained
    state. The symmetric networks store the binarised digits (the Boltzmann machine by CD, its
    order irrelevant) and run freely from the first digit: asynchronous sign dynamics for the
    Hebbian, Storkey and projector networks, Gibbs sampling at temperature 1 for the Boltzmann
    machine, one sweep per step. A state is recognised as the digit it correlates with best
    (at least ``recognition_threshold``), as in Simulation 3.

    Returns
    -------
    SequencesResult
    """
    seeds = _seeds(seeds)
    free_steps = count(free_steps, "free_steps")
    d = datasets.digits()
    digits = list(_S3["digits"])
    pats = d.train[digits]
    labels = "".join(str(int(d.train_labels[k])) for k in digits)
    S = len(seeds)
    # the paper's network (simulation3's streams, one batch)
    batch = AttractorBatch(S, 64, rng=[stream(s, TRAIN) for s in seeds])
    batch.train(pats, evidence=_S3["evidence"], epochs=_S3["epochs"],
                steps_per_epoch=_S3["steps_per_epoch"],
                inverse_temperature=_S3["inverse_temperature"],
                learning_rate=_S3["learning_rate"], order="sequential")
    free = AttractorBatch(S, 64, rng=[stream(s, FREE) for s in seeds], coupling=batch.J)
    free.state = batch.state
    states = {"this network": free.run(np.zeros(64), free_steps,
                                       inverse_temperature=_S3["inverse_temperature"])}
    couplings = {"this network": batch.J.copy()}
    # the classic networks on the binarised digits, from the first digit
    binary = binarise(pats)
    W = {name: np.stack([rule(binary)] * S) for name, rule in _BINARY_RULES.items()}
    order = _key(seeds[0], _ORDER, 2, *seeds)
    sym = np.concatenate([W[n] for n in _BINARY_RULES])
    x = np.broadcast_to(binary[0], (sym.shape[0], 1, 64)).copy()
    runs = np.empty((sym.shape[0], free_steps, 64))
    for t in range(free_steps):
        x = baselines.recall(sym, x, max_sweeps=1, rng=order).states
        runs[:, t] = x[:, 0]
    for j, name in enumerate(_BINARY_RULES):
        states[name] = runs[j * S:(j + 1) * S]
        couplings[name] = W[name]
    bm_states, bm_W = [], []
    for s in seeds:
        Wb, bb = _boltzmann(binary, _key(s, _BOLTZMANN_TRAIN, 1))
        g = _key(s, _GIBBS)
        y = binary[:1].copy()
        run = np.empty((free_steps, 64))
        for t in range(free_steps):
            y = baselines.gibbs(Wb, bb, y, 1, rng=g)
            run[t] = y[0]
        bm_states.append(run)
        bm_W.append(Wb)
    states["Boltzmann machine"] = np.stack(bm_states)
    couplings["Boltzmann machine"] = np.stack(bm_W)
    rows, recognised = [], {}
    for name in ("this network",) + CLASSIC:
        refs = pats if name == "this network" else binary
        rec = np.stack([metrics.recognise(st, refs, threshold=recognition_threshold)
                        for st in states[name]])
        recognised[name] = rec
        for i, s in enumerate(seeds):
            o = metrics.sequence_string(rec[i], labels)
            rows.append({"network": name, "seed": s, "order": o,
                         "cycles": bool(paper.cycles_forward(o, labels)),
                         "asymmetry": float(asymmetry(couplings[name][i])),
                         "distinct": len(set(o))})
    return SequencesResult(pd.DataFrame(rows), recognised, labels)


# ---------------------------------------------------------------------------------------------
# Continual learning


def _fep_first_phase(seeds, *, trials, eval_steps, epochs_first):
    """Retrieval of digits 0-4 by Simulation 4's control networks after the first phase only:
    the same training and evaluation streams as the control (so each is the 'before' of the
    control's networks)."""
    d = datasets.digits()
    first = d.train[:5]
    e, t = _BALANCED
    batch = AttractorBatch(len(seeds), 64, rng=[stream(s, CONTROL, TRAIN) for s in seeds])
    batch.train(first, evidence=e, epochs=epochs_first, steps_per_epoch=_S2["steps_per_epoch"],
                inverse_temperature=t, learning_rate=paper.SIMULATION4["learning_rate"])
    orig = metrics.retrieval_targets(first[np.arange(trials) % len(first)], e)
    sc = metrics.recall_scores(batch, orig, rng=[stream(s, CONTROL, CONTROL_EVAL)
                                                 for s in seeds], steps=eval_steps)["score"]
    return np.median(sc, axis=1)


@_blas_one_thread
def continual_task(control, seeds=SEEDS):
    """Retention of the first set (digits 0-4) after learning the second (5-9).

    The paper's network: ``control``, Simulation 4's retention control
    (:attr:`fep_core.experiments.Simulation4Result.control`; conditions sequential, replay,
    rest), and its networks after the first phase alone (the 'before', same streams). The
    classic networks on the binarised digits: Hebbian and Storkey learning continued with the
    second set (Hebbian: the sum of both sets' couplings; Storkey: its incremental rule over all
    ten digits in order); the projector recomputed on the second set only and, as a reference,
    on all ten; the Boltzmann machine trained by :data:`BOLTZMANN` on the first set, then as
    long again on the second. Retrieval is Simulation 2's score (binary version for the classic
    networks), 100 trials per set.

    Returns
    -------
    DataFrame — per (network, condition, seed): ``first_before``, ``first_after``,
    ``second_after`` (median retrieval scores; ``second_after`` NaN where not measured) and
    ``retained`` (first_after / first_before; NaN where first_before is below
    :data:`RETRIEVAL_FLOOR`).
    """
    seeds = _seeds(seeds)
    c = getattr(control, "control", control)
    if not isinstance(c, pd.DataFrame) or not {"seed", "condition", "first",
                                               "second"} <= set(c.columns):
        raise TypeError("control must be a Simulation4Result or its control DataFrame")
    missing = sorted(set(seeds) - set(c["seed"]))
    if missing:
        raise ValueError(f"control has no rows for seeds {missing}")
    trials, eval_steps = _S4_CONTROL["trials"], _S4_CONTROL["eval_steps"]
    before = _fep_first_phase(seeds, trials=trials, eval_steps=eval_steps,
                              epochs_first=_S4_CONTROL["control_epochs_first"])
    rows = []
    for cond in ("sequential", "replay", "rest"):
        sub = c[c.condition == cond].set_index("seed")
        for i, s in enumerate(seeds):
            rows.append({"network": "this network", "condition": cond, "seed": s,
                         "first_before": float(before[i]),
                         "first_after": float(sub.loc[s, "first"]),
                         "second_after": float(sub.loc[s, "second"])})
    d = datasets.digits()
    first, second = binarise(d.train[:5]), binarise(d.train[5:])
    both = np.concatenate([first, second])
    S = len(seeds)
    cases = [("Hopfield", "incremental", baselines.hebbian(first), baselines.hebbian(both)),
             ("Storkey", "incremental", baselines.storkey(first), baselines.storkey(both)),
             ("projector network", "second set only", baselines.projector(first),
              baselines.projector(second)),
             ("projector network", "recomputed on all", baselines.projector(first),
              baselines.projector(both))]
    W0 = [w0 for _, _, w0, _ in cases for _ in seeds]
    W1 = [w1 for _, _, _, w1 in cases for _ in seeds]
    zero = np.zeros(64)
    b0 = [zero] * len(W0)
    b1 = [zero] * len(W1)
    for s in seeds:
        g = _key(s, _BOLTZMANN_TRAIN, 2)
        Wa, ba = _boltzmann(first, g)
        Wb, bb = continue_boltzmann(Wa, ba, second, epochs=BOLTZMANN["epochs"], rng=g)
        W0.append(Wa)
        b0.append(ba)
        W1.append(Wb)
        b1.append(bb)
    labels = [(n, cond) for n, cond, _, _ in cases] + [("Boltzmann machine", "continued")]
    per = len(labels)
    o1 = first[np.arange(trials) % 5]
    o2 = second[np.arange(trials) % 5]
    n1 = np.stack([_key(s, _NOISE, 3).standard_normal(o1.shape) for s in seeds])
    n2 = np.stack([_key(s, _NOISE, 4).standard_normal(o2.shape) for s in seeds])
    tile = lambda a: np.concatenate([a] * per)                           # noqa: E731
    order = _key(seeds[0], _ORDER, 3, *seeds)
    sc0 = binary_recall_scores(np.stack(W0), o1, noise=tile(n1), bias=np.stack(b0),
                               rng=order)["score"]
    sc1 = binary_recall_scores(np.stack(W1), o1, noise=tile(n1), bias=np.stack(b1),
                               rng=order)["score"]
    sc2 = binary_recall_scores(np.stack(W1), o2, noise=tile(n2), bias=np.stack(b1),
                               rng=order)["score"]
    for j in range(per * S):
        (name, cond), s = labels[j // S], seeds[j % S]
        rows.append({"network": name, "condition": cond, "seed": s,
                     "first_before": float(np.median(sc0[j])),
                     "first_after": float(np.median(sc1[j])),
                     "second_after": float(np.median(sc2[j]))})
    out = pd.DataFrame(rows)
    stored = out.first_before >= RETRIEVAL_FLOOR
    out["retained"] = np.where(stored, out.first_after / out.first_before.where(stored, 1.0),
                               np.nan)
    return out


# ---------------------------------------------------------------------------------------------
# Cost


@contextlib.contextmanager
def _one_thread():
    """Every learner on one thread (BLAS and numba): a fair comparison that a busy machine
    does not distort (threads that wait for a shared core can cost more than they compute).
    threadpoolctl comes with scikit-learn, which the datasets need."""
    import numba
    from threadpoolctl import threadpool_limits

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        numba.set_num_threads(before)


COST_MIN_SECONDS = 0.02
"""A timing runs a learner as many times as it takes to use at least this much CPU time (the
clock's resolution and the call overheads then count for little)."""


def _timed(fn, repeats):
    """CPU seconds of one call of ``fn``: the fastest of ``repeats`` timings, each of enough
    calls to last :data:`COST_MIN_SECONDS`. CPU time of this process (not wall time), so that
    other processes on the machine do not count; every learner runs on one thread."""
    t0 = time.process_time()
    fn()
    once = max(time.process_time() - t0, 1e-6)
    loops = max(1, int(np.ceil(COST_MIN_SECONDS / once)))
    best = np.inf
    for _ in range(repeats):
        t0 = time.process_time()
        for _ in range(loops):
            fn()
        best = min(best, (time.process_time() - t0) / loops)
    return best


def _peak_bytes(fn):
    """Peak of the memory allocated through Python and NumPy while ``fn`` runs."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        fn()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


_PRESENTATIONS = {"this network": lambda K: _S5["epochs"],
                  "Hopfield": lambda K: K, "Storkey": lambda K: K,
                  "projector network": lambda K: K,
                  "Boltzmann machine": lambda K: BOLTZMANN["epochs"] * K}
"""Presentations each learner makes to store K patterns as this chapter trains it: the
revision's 10,000 epochs for the paper's network, every pattern in each of the Boltzmann
machine's epochs, each pattern once for the one-shot rules."""


def _learners(pats, epochs, seed):
    """network -> (learn all of ``pats`` once, presentations it makes, bytes kept)."""
    K, n = pats.shape
    order = np.arange(epochs)[None] % K

    def fep():
        batch = AttractorBatch(1, n, rng=_key(seed, _COST, n, 1))
        batch.simulate(pats, order, scale=_S5["evidence"],
                       steps_per_segment=_S5["steps_per_epoch"],
                       inverse_temperature=_S5["inverse_temperature"],
                       learning_rate=_S5["learning_rate"], record=None)

    def boltzmann():
        baselines.train_boltzmann(pats, k=BOLTZMANN["k"], epochs=1,
                                  learning_rate=BOLTZMANN["learning_rate"],
                                  rng=_key(seed, _COST, n, 2))

    return {"this network": (fep, epochs, (n * n + n) * 8),
            "Hopfield": (lambda: baselines.hebbian(pats), K, n * n * 8),
            "Storkey": (lambda: baselines.storkey(pats), K, n * n * 8),
            "projector network": (lambda: baselines.projector(pats), K, (n * n + K * n) * 8),
            "Boltzmann machine": (boltzmann, K, (n * n + n) * 8)}


def measure_costs(sizes=COST_SIZES, *, load=COST_LOAD, epochs=COST_EPOCHS, repeats=COST_REPEATS,
                  rng=0):
    """Learning time per pattern presentation and memory of every network, measured here.

    For each N of ``sizes``: K = round(load N) random +-1 patterns; each learner is run once
    untimed (compilation, caches), then timed ``repeats`` times (the fastest counts), then run
    once under :mod:`tracemalloc`. A presentation is: one epoch of the paper's network (the
    revision's capacity training: evidence 2, precision iT 1, learning rate 0.0005, 10 steps);
    one pattern of the one-shot rules (their time for all K patterns over K); one pattern of
    one CD-1 epoch of the Boltzmann machine (its epoch time over K).

    Returns
    -------
    DataFrame — per (network, n_nodes): ``n_patterns``, ``seconds`` (per presentation),
    ``kept_bytes`` (what the learner keeps between presentations: couplings, and the state,
    biases or patterns it needs), ``peak_bytes`` (peak allocation while learning, Python and
    NumPy), ``presentations_used`` and ``learning_seconds`` (the presentations this chapter's
    training makes to store the K patterns, :data:`_PRESENTATIONS`, and their time), and per
    network ``exponent`` (log-log slope of ``seconds`` between the first and last size).
    Times are CPU seconds on one thread (:func:`_timed`).
    """
    ns = sorted({count(n, "sizes", minimum=2) for n in sizes})
    if len(ns) < 2:
        raise ValueError(f"sizes must hold at least two network sizes, got {ns}")
    load = positive(load, "load")
    epochs = count(epochs, "epochs")
    repeats = count(repeats, "repeats")
    seed = count(rng, "rng", minimum=0)
    rows = []
    with _one_thread():
        for n in ns:
            K = max(1, int(round(load * n)))
            pats = capacity.random_patterns(K, n, rng=_key(seed, _COST, n))
            for name, (fn, presentations, kept) in _learners(pats, epochs, seed).items():
                fn()
                seconds = _timed(fn, repeats) / presentations
                used = _PRESENTATIONS[name](K)
                rows.append({"network": name, "n_nodes": n, "n_patterns": K,
                             "seconds": seconds, "kept_bytes": kept,
                             "peak_bytes": _peak_bytes(fn), "presentations_used": used,
                             "learning_seconds": seconds * used})
    out = pd.DataFrame(rows)
    lo, hi = ns[0], ns[-1]
    slope = {name: float(np.log(g.set_index("n_nodes").seconds[hi]
                                / g.set_index("n_nodes").seconds[lo]) / np.log(hi / lo))
             for name, g in out.groupby("network")}
    out["exponent"] = out.network.map(slope)
    return out


# ---------------------------------------------------------------------------------------------
# Everything


@dataclass
class ComparisonResult:
    """:func:`measure`'s results: one field per task (see each task's function), and
    ``capacity_recall``, the recall fractions behind the critical loads (the study's for the
    networks it holds, the Boltzmann machines' computed here)."""

    capacity: pd.DataFrame
    capacity_recall: pd.DataFrame
    digits: DigitsResult
    sequences: SequencesResult
    continual: pd.DataFrame
    costs: pd.DataFrame
    settings: dict = field(default_factory=dict)


@_blas_one_thread
def measure(*, seed=0, seeds=SEEDS, progress=False):
    """Every task of the comparison, at the paper's settings: the chapter's computation.

    Reads two results through the result cache (:func:`fep_core.cache.cached`), as the other
    chapters compute them: :func:`fep_core.capacity.capacity_study` with
    :data:`CAPACITY_STUDY` and :func:`fep_core.experiments.simulation4` (``seed=0``, whose
    retention control this chapter's continual-learning row reuses). Then runs
    :func:`capacity_task`, :func:`digits_task`, :func:`sequences_task`, :func:`continual_task`
    and :func:`measure_costs` (timed once, when this function runs).

    Parameters
    ----------
    seed : int -- root seed of the capacity study and the Boltzmann machines' capacity
    seeds : seeds of the other tasks (default: Simulation 4's control seeds, which must
        include them)
    progress : bool -- progress bars of the long computations

    Returns
    -------
    ComparisonResult
    """
    from .cache import cached

    seed = count(seed, "seed", minimum=0)
    seeds = _seeds(seeds)
    flag(progress, "progress")
    study = cached(capacity.capacity_study, **{**CAPACITY_STUDY, "rng": seed}, progress=progress)
    sim4 = cached(experiments.simulation4, seed=0, progress=progress)
    cap = capacity_task(study, seed=seed)
    n = CAPACITY_NODES
    recall = study.recall[(study.recall.n_nodes == n)].copy()
    inverse = {v: k for k, v in _STUDY_NAME.items()}
    recall = recall[recall.network.isin(inverse)]
    recall["network"] = recall.network.map(inverse)
    recall = pd.concat([recall.drop(columns="n_nodes"), cap.attrs["boltzmann_recall"]],
                       ignore_index=True)
    return ComparisonResult(cap, recall, digits_task(seeds), sequences_task(seeds),
                            continual_task(sim4, seeds), measure_costs(),
                            {"seed": seed, "seeds": tuple(seeds), "capacity_study":
                             CAPACITY_STUDY, "boltzmann": dict(BOLTZMANN)})


# ---------------------------------------------------------------------------------------------
# Verdicts: one predicate per row


def _claim(row, network):
    try:
        return CLAIMS[row][network]
    except KeyError:
        raise ValueError(f"no claim of the paper for row {row!r} and network {network!r}") \
            from None


def _kind(kind, allowed):
    if kind not in allowed:
        raise ValueError(f"claim must be one of {sorted(allowed)}, got {kind!r}")
    return kind


def _votes(ok, *, all_=HOLDS, none=FAILS):
    """HOLDS when every case agrees, FAILS when none does, PARTLY in between."""
    ok = np.asarray(ok, dtype=bool).ravel()
    if ok.size == 0:
        raise ValueError("at least one case is needed to decide a claim")
    return all_ if ok.all() else none if not ok.any() else PARTLY


def learning_verdict(claim, presentations, free_phase_sweeps):
    """The learning row. ``presentations``: presentations of each pattern until retrieval first
    reaches :data:`LEARNED_FRACTION` of its final value, per seed; ``free_phase_sweeps``:
    sampling sweeps the rule runs without the data per update (0 for a rule that learns from
    its clamped states alone).

    * ``"one shot"``: holds when one presentation suffices in every seed;
    * ``"one phase"``: holds when the rule needs no free phase (whatever the number of
      presentations, which the cell reports);
    * ``"two phases"`` (clamped and free): holds when the rule runs a free phase.
    """
    kind = _kind(claim, {"one shot", "one phase", "two phases"})
    p = finite_array(presentations, "presentations")
    sweeps = positive(free_phase_sweeps, "free_phase_sweeps", allow_zero=True)
    if kind == "one shot":
        return _votes(p <= 1)
    return _votes([sweeps == 0 if kind == "one phase" else sweeps > 0])


def _interval(alpha_c, censored):
    v = finite_array(alpha_c, "alpha_c")
    c = np.broadcast_to(np.asarray(censored), v.shape)
    if not np.all(np.isin(c, (-1, 0, 1))):
        raise ValueError("censored must be -1, 0 or +1 (see fep_core.capacity.CriticalLoad)")
    return np.where(c < 0, 0.0, v), np.where(c > 0, np.inf, v)


def capacity_verdict(claim, alpha_c, censored=0, *, fixed_point_alpha_c=None,
                     fixed_point_censored=0):
    """The capacity row, from critical loads per seed (:class:`fep_core.capacity.CriticalLoad`;
    a censored one counts by its bound, and a seed its bounds cannot place is undecided).

    * ``"hebbian"`` (~0.14 N): holds in a seed whose critical load lies within
      :data:`HEBBIAN_BAND` times :data:`fep_core.paper.HEBBIAN_CAPACITY`;
    * ``"N"``: holds in a seed whose critical load reaches
      :data:`fep_core.capacity.CLAIM_FRACTION` of N; where it does not but the fixed points
      (``fixed_point_alpha_c``, from uncorrupted starts) do, the claim holds partly: the
      patterns are stored but do not attract;
    * ``"approaches N"``: holds as :func:`fep_core.capacity.approaches_n`; partly where the
      critical load instead exceeds the Hebbian capacity substantially
      (:func:`fep_core.capacity.exceeds_hebbian` against the classic value).

    Seeds that disagree give PARTLY.
    """
    kind = _kind(claim, {"hebbian", "N", "approaches N"})
    lo, hi = _interval(alpha_c, censored)
    if kind == "hebbian":
        band = np.asarray(HEBBIAN_BAND) * paper.HEBBIAN_CAPACITY
        inside, outside = (lo >= band[0]) & (hi <= band[1]), (hi < band[0]) | (lo > band[1])
        if np.any(~inside & ~outside):
            return UNDECIDED
        return _votes(inside)
    q = capacity.CLAIM_FRACTION
    if kind == "N":
        full = lo >= q
        if np.any(~full & (hi >= q)):
            return UNDECIDED
        if fixed_point_alpha_c is None:
            return _votes(full)
        flo, fhi = _interval(fixed_point_alpha_c, fixed_point_censored)
        if np.any(~full & (flo < q) & (fhi >= q)):
            return UNDECIDED
        grade = np.where(full, 2, np.where(flo >= q, 1, 0))
        return HOLDS if np.all(grade == 2) else FAILS if np.all(grade == 0) else PARTLY
    try:
        near = capacity.approaches_n(alpha_c, censored=censored)
        above = capacity.exceeds_hebbian(alpha_c, np.zeros_like(lo), censored=censored)
    except ValueError:
        return UNDECIDED
    grade = np.where(near, 2, np.where(above, 1, 0))
    return HOLDS if np.all(grade == 2) else FAILS if np.all(grade == 0) else PARTLY


def sequence_verdict(claim, cycles):
    """The sequences row, from whether each seed's free run cycles forward through the sequence
    (:func:`fep_core.paper.cycles_forward`): ``"yes"`` holds when every seed's does, ``"no"``
    when none does; seeds that disagree give PARTLY."""
    kind = _kind(claim, {"yes", "no"})
    c = np.asarray(cycles, dtype=bool)
    return _votes(c if kind == "yes" else ~c)


def orthogonality_verdict(claim, orthogonality, data_orthogonality, n_attractors, n_patterns):
    """The orthogonal-attractors row, from each seed's attractors (arrays paired by seed).

    A seed's gain is how much closer to orthogonal its distinct attractors are than the stored
    data: ``data_orthogonality - orthogonality`` (mean |90 - angle|, degrees, Simulation 2's
    measure); a seed with fewer than :data:`MIN_ATTRACTOR_FRACTION` x ``n_patterns`` distinct
    attractors (or fewer than two: NaN) has not orthogonalised its memories. The attractors are
    orthogonalised when every seed has enough of them, every gain is positive and the mean gain
    is at least :data:`ORTHOGONALITY_GAIN`; weakly so when the seeds with enough attractors
    gain at least half of that on average. ``"yes"`` (by construction, emergent): holds,
    partly, does not hold accordingly; ``"no"``: the reverse.
    """
    kind = _kind(claim, {"yes", "no"})
    o = np.asarray(orthogonality, dtype=float)
    ref = finite_array(data_orthogonality, "data_orthogonality")
    n = finite_array(n_attractors, "n_attractors")
    if not o.shape == ref.shape == n.shape or o.ndim != 1 or o.size == 0:
        raise ValueError("orthogonality, data_orthogonality and n_attractors must be 1-D arrays "
                         "of one length (one value per seed)")
    k = count(n_patterns, "n_patterns")
    enough = (n >= MIN_ATTRACTOR_FRACTION * k) & np.isfinite(o)
    gain = np.where(enough, ref - np.nan_to_num(o), -np.inf)
    strong = bool(enough.all() and gain.min() > 0 and gain.mean() >= ORTHOGONALITY_GAIN)
    weak = bool(enough.any() and gain[enough].mean() >= ORTHOGONALITY_GAIN / 2)
    if kind == "yes":
        return HOLDS if strong else PARTLY if weak else FAILS
    return FAILS if strong else PARTLY if weak else HOLDS


def continual_verdict(claim, first_before, first_after, *, replay_after=None):
    """The continual-learning row, per seed (arrays paired by seed).

    * ``"forgets"``: learning the second set costs at least :data:`FORGET_FRACTION` of the
      first set's retrieval (``1 - first_after / first_before``); undecided when
      ``first_before`` is below :data:`RETRIEVAL_FLOOR` in any seed (nothing stored to forget);
    * ``"replay"`` ("built in (spontaneous replay)"): ``first_after`` without free-running
      phases, ``replay_after`` with them. Holds when replay raises the first set's retrieval by
      at least :data:`REPLAY_GAIN` on average over seeds and then keeps it (forgetting below
      :data:`FORGET_FRACTION` in every seed); partly when the network keeps the first set
      (forgetting below the threshold in every seed) without replay helping; does not hold
      otherwise.
    """
    kind = _kind(claim, {"forgets", "replay"})
    before = finite_array(first_before, "first_before")
    after = finite_array(first_after, "first_after")
    if before.shape != after.shape:
        raise ValueError(f"first_before and first_after must be paired by seed, got shapes "
                         f"{before.shape} and {after.shape}")
    if np.any(before < RETRIEVAL_FLOOR):
        return UNDECIDED
    lost = 1.0 - after / before
    if kind == "forgets":
        return _votes(lost >= FORGET_FRACTION)
    if replay_after is None:
        raise ValueError("the replay claim needs replay_after (retrieval after replay phases)")
    replay = finite_array(replay_after, "replay_after")
    if replay.shape != before.shape:
        raise ValueError("replay_after must be paired by seed with first_before")
    keeps_replay = np.all(1.0 - replay / before < FORGET_FRACTION)
    if np.mean(replay - after) >= REPLAY_GAIN and keeps_replay:
        return HOLDS
    if keeps_replay or np.all(lost < FORGET_FRACTION):
        return PARTLY
    return FAILS


def cost_verdict(claim, exponent):
    """The cost row: every claim of the row ("once", "per step") bounds the time per
    presentation by O(N^2) at a fixed load (:data:`COST_EXPONENT`). O() is an upper bound, so
    the claim holds when the measured exponent is at most :data:`COST_EXPONENT` +
    :data:`COST_TOLERANCE`, partly within twice that tolerance, and does not hold above (an
    exponent below 2, from per-call overheads and faster BLAS kernels at larger sizes, is
    consistent with the bound)."""
    _kind(claim, {"once", "per step"})
    excess = float(finite_array(exponent, "exponent", ndim=0)) - COST_EXPONENT
    return HOLDS if excess <= COST_TOLERANCE else PARTLY if excess <= 2 * COST_TOLERANCE else FAILS


# ---------------------------------------------------------------------------------------------
# The table


def _spread(values, digits=2, unit=""):
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return "undefined"
    if v.size == 1:
        return f"{v[0]:.{digits}f}{unit}"
    return f"{v.mean():.{digits}f} ± {v.std(ddof=1):.{digits}f}{unit}"


def presentations_to_learn(curves, *, fraction=LEARNED_FRACTION):
    """Per (network, seed): presentations of each pattern until the retrieval first reaches
    ``fraction`` of the curve's last value (the first point of the curve where it does; the
    last point when the final value is not positive)."""
    rows = []
    for (name, s), g in curves.groupby(["network", "seed"], sort=False):
        g = g.sort_values("presentations")
        r, p = g.retrieval.to_numpy(), g.presentations.to_numpy()
        final = r[-1]
        hit = np.flatnonzero(r >= fraction * final) if final > 0 else np.array([len(r) - 1])
        rows.append({"network": name, "seed": s, "presentations": float(p[hit[0]])})
    return pd.DataFrame(rows)


def _learning_cells(result):
    p = presentations_to_learn(result.digits.curves)
    cells = {}
    for name in CLASSIC + ("this network",):
        v = p[p.network == name].presentations.to_numpy()
        sweeps = BOLTZMANN["k"] if name == "Boltzmann machine" else 0
        reach = (f"{v[0]:.0f}" if np.all(v == v[0]) else
                 f"{np.median(v):.0f} (seeds: {v.min():.0f}–{v.max():.0f})")
        phase = (f"a free phase of {sweeps} Gibbs sweep{'s' if sweeps > 1 else ''} per update"
                 if sweeps else "no free phase")
        text = f"{reach} presentation(s) of each pattern to 90% of its final retrieval; {phase}"
        verdict = (learning_verdict(_claim("learning", name), v, sweeps)
                   if name in CLAIMS["learning"] else NO_CLAIM)
        cells[name] = (text, float(np.mean(v)), float(np.std(v, ddof=1)) if v.size > 1
                       else 0.0, verdict)
    return cells


def _capacity_cells(result):
    cap = result.capacity
    cells = {}
    for name in CLASSIC + ("this network",):
        g = cap[cap.network == name]
        ten, zero = g[g.corruption == 0.1], g[g.corruption == 0.0]
        v = ten.alpha_c.to_numpy()
        fixed = _spread(zero.alpha_c, 2)
        if (zero.censored > 0).any():
            fixed = f"≥ {zero.alpha_c.min():.2f}"
        text = f"α_c = {_spread(v, 2)} N (fixed points: {fixed} N)"
        if (ten.censored != 0).any():
            text += " (censored)"
        if name in CLAIMS["capacity"]:
            verdict = capacity_verdict(_claim("capacity", name), v, ten.censored.to_numpy(),
                                       fixed_point_alpha_c=zero.alpha_c.to_numpy(),
                                       fixed_point_censored=zero.censored.to_numpy())
        else:
            verdict = NO_CLAIM
        cells[name] = (text, float(v.mean()), float(v.std(ddof=1)) if v.size > 1 else 0.0,
                       verdict)
    return cells


def _sequence_cells(result):
    t = result.sequences.table
    cells = {}
    for name in CLASSIC + ("this network",):
        g = t[t.network == name]
        n = int(g.cycles.sum())
        orders = sorted(set(g.order), key=len)
        shown = orders[0] if len(orders[0]) <= 12 else orders[0][:12] + "…"
        text = (f"cycles 1→2→3 in {n} of {len(g)} seeds (free run visits: {shown}; "
                f"asymmetry {_spread(g.asymmetry, 2)})")
        verdict = (sequence_verdict(_claim("sequences", name), g.cycles.to_numpy())
                   if name in CLAIMS["sequences"] else NO_CLAIM)
        c = g.cycles.to_numpy(float)
        cells[name] = (text, float(c.mean()), float(c.std(ddof=1)) if c.size > 1 else 0.0,
                       verdict)
    return cells


def _orthogonality_cells(result):
    s = result.digits.scores
    cells = {}
    for name in CLASSIC + ("this network",):
        g = s[s.network == name]
        text = (f"{_spread(g.orthogonality, 1, '°')} (data {g.data_orthogonality.iloc[0]:.1f}°; "
                f"{_spread(g.n_attractors, 1)} attractors)")
        verdict = (orthogonality_verdict(_claim("orthogonal attractors", name),
                                         g.orthogonality.to_numpy(),
                                         g.data_orthogonality.to_numpy(),
                                         g.n_attractors.to_numpy(), 10)
                   if name in CLAIMS["orthogonal attractors"] else NO_CLAIM)
        o = g.orthogonality.to_numpy(float)
        cells[name] = (text, float(np.nanmean(o)) if np.isfinite(o).any() else np.nan,
                       float(np.nanstd(o, ddof=1)) if np.isfinite(o).sum() > 1 else np.nan,
                       verdict)
    return cells


_CONTINUAL_CONDITION = {"Hopfield": "incremental", "Storkey": "incremental",
                        "projector network": "second set only",
                        "Boltzmann machine": "continued", "this network": "sequential"}


def _continual_cells(result):
    c = result.continual
    cells = {}
    for name in CLASSIC + ("this network",):
        g = c[(c.network == name) & (c.condition == _CONTINUAL_CONDITION[name])].sort_values(
            "seed")
        before, after = g.first_before.to_numpy(), g.first_after.to_numpy()
        kept = g.retained.to_numpy(float)
        if np.isfinite(kept).all() and np.all(kept < 0):
            text = (f"loses all of its first-set retrieval (score {_spread(before, 2)} → "
                    f"{_spread(after, 2)})")
        elif np.isfinite(kept).all():
            text = f"keeps {_spread(100 * kept, 0, '%')} of its first-set retrieval"
        else:
            text = (f"first set never stored (retrieval {_spread(before, 2)} before the second "
                    f"set)")
        replay = None
        if name == "this network":
            r = c[(c.network == name) & (c.condition == "replay")].sort_values("seed")
            replay = r.first_after.to_numpy()
            text += f"; with replay {_spread(100 * r.retained, 0, '%')}"
        if name == "projector network":
            a = c[(c.network == name) & (c.condition == "recomputed on all")]
            text += f" (recomputed on all: {_spread(100 * a.retained, 0, '%')})"
        verdict = (continual_verdict(_claim("continual learning", name), before, after,
                                     replay_after=replay)
                   if name in CLAIMS["continual learning"] else NO_CLAIM)
        cells[name] = (text, float(np.nanmean(kept)) if np.isfinite(kept).any() else np.nan,
                       float(np.nanstd(kept, ddof=1)) if np.isfinite(kept).sum() > 1 else np.nan,
                       verdict)
    return cells


def _cost_cells(result):
    c = result.costs
    top = c.n_nodes.max()
    at = c[c.n_nodes == top].set_index("network")
    ref = at.loc["Hopfield"]
    cells = {}
    for name in CLASSIC + ("this network",):
        g = at.loc[name]
        text = (f"{g.seconds * 1e6:.3g} µs per presentation at N = {top} "
                f"({g.seconds / ref.seconds:.3g}× Hebbian), time ∝ N^{g.exponent:.2f}; "
                f"storing {int(g.n_patterns)} patterns as trained here: "
                f"{g.learning_seconds:.3g} s ({g.learning_seconds / ref.learning_seconds:.3g}× "
                f"Hebbian); keeps {g.kept_bytes / 2 ** 20:.2g} MiB")
        verdict = (cost_verdict(_claim("cost", name), g.exponent)
                   if name in CLAIMS["cost"] else NO_CLAIM)
        cells[name] = (text, float(g.seconds), np.nan, verdict)
    return cells


_CELLS = {"learning": _learning_cells, "capacity": _capacity_cells,
          "sequences": _sequence_cells, "orthogonal attractors": _orthogonality_cells,
          "continual learning": _continual_cells, "cost": _cost_cells}


def comparison_table(result):
    """The paper's comparison beside the measurements, one line per (row, network).

    Columns: ``row``, ``network`` (:data:`NETWORKS` order), ``paper`` (the paper's words,
    :data:`fep_core.paper.COMPARISON`; a dash for the Storkey network, which the paper does
    not list), ``measured`` (the measured value with its seed spread, in words), ``value`` and
    ``sd`` (the headline number and its sd over seeds, NaN where there is none) and
    ``verdict`` (:data:`VERDICTS`). Predictive coding reads "not measured".
    """
    if not isinstance(result, ComparisonResult):
        raise TypeError(f"result must be a ComparisonResult, got {type(result).__name__}")
    rows = []
    for row in ROWS:
        cells = _CELLS[row](result)
        for name in NETWORKS:
            words = paper.COMPARISON[row].get(name, "\u2014")
            if name == "predictive coding":
                rows.append({"row": row, "network": name, "paper": words,
                             "measured": "not built here", "value": np.nan, "sd": np.nan,
                             "verdict": NOT_MEASURED})
                continue
            text, value, sd, verdict = cells[name]
            rows.append({"row": row, "network": name, "paper": words, "measured": text,
                         "value": value, "sd": sd, "verdict": verdict})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# The interactive section


@dataclass
class ExploreResult:
    """:func:`explore_points`'s results, one point per (precision factor, learning-rate factor,
    load).

    Attributes
    ----------
    inverse_temperature, learning_rate, load : arrays (P,) -- the factors and loads
    capacity : dict network -> array (P,) -- fraction of patterns recalled from 10% flipped
        entries at the point's load (the paper's network trained at the point's settings)
    digits : dict -- arrays (P,): ``retrieval``, ``generalization``, ``n_attractors``,
        ``orthogonality`` (NaN for fewer than two attractors) of the paper's network
    classic_digits : DataFrame -- the classic networks' digit scores (seed 0; they do not depend
        on the point)
    data_orthogonality : float
    recognised : int array (P, steps) -- the digit recognised at each free-running step
        (index into ``labels``, -1 none)
    cycles : bool array (P,)
    order : list of str
    labels : str
    settings : dict
    """

    inverse_temperature: np.ndarray
    learning_rate: np.ndarray
    load: np.ndarray
    capacity: dict
    digits: dict
    classic_digits: pd.DataFrame
    data_orthogonality: float
    recognised: np.ndarray
    cycles: np.ndarray
    order: list
    labels: str
    settings: dict = field(default_factory=dict)


def _classic_capacity_points(loads, seed, n_nodes):
    """Recall from 10% of the classic networks at each load (the sweep's patterns are private
    to :mod:`fep_core.capacity`; these networks store their own random patterns of the same
    statistics)."""
    ks = sorted({max(1, int(np.floor(a * n_nodes + 0.5))) for a in loads})
    out = {name: {} for name in CLASSIC}
    for k in ks:
        p = capacity.random_patterns(k, n_nodes, rng=_key(seed, _BM_PATTERNS, n_nodes, k, 99))
        Ws = [rule(p) for rule in _BINARY_RULES.values()]
        Wb, bb = _boltzmann(p, _key(seed, _BOLTZMANN_TRAIN, n_nodes, k, 99))
        W = np.stack(Ws + [Wb])
        b = np.stack([np.zeros(n_nodes)] * 3 + [bb])
        gen = _key(seed, _BM_RECALL, n_nodes, k, 99)
        res = capacity.basin_recall(
            lambda s: baselines.recall(W, s, bias=b, rng=gen).states,   # noqa: B023
            np.broadcast_to(p, (4, k, n_nodes)), corruption=(0.1,),
            rng=[_key(seed, _BM_CORRUPT, n_nodes, k, 99) for _ in CLASSIC])
        for j, name in enumerate(CLASSIC):
            out[name][k] = float(res.fraction[j, 0])
    return ks, out


@_blas_one_thread
def explore_points(inverse_temperatures, learning_rates, loads, *, seed=0,
                   epochs=EXPLORE_EPOCHS):
    """The paper's network at other training precisions and learning rates, on three of the
    comparison's tasks, as one batch per task; the classic networks beside it.

    ``inverse_temperatures`` and ``learning_rates`` are factors applied to each task's paper
    setting (1, 1: the paper's settings): capacity (precision iT 1, learning rate 0.0005;
    :func:`fep_core.capacity.training_sweep`, its small networks: N = 50, 2000 epochs),
    the digits (iT 0.167, α 0.001; ``epochs`` epochs of Simulation 2's training, its
    evaluation) and sequences (iT 1, α 0.001; Simulation 3). ``loads``: K/N of the capacity
    networks. A point's numbers do not depend on the other points.

    Returns
    -------
    ExploreResult
    """
    f = finite_array(inverse_temperatures, "inverse_temperatures", ndim=1)
    g = finite_array(learning_rates, "learning_rates", ndim=1)
    a = finite_array(loads, "loads", ndim=1)
    if not f.size == g.size == a.size or f.size == 0:
        raise ValueError(f"inverse_temperatures, learning_rates and loads must be non-empty and "
                         f"of one length, got {f.size}, {g.size} and {a.size}")
    for v, name in ((f, "inverse_temperatures"), (g, "learning_rates")):
        if np.any(v <= 0) or np.any(v > 100):
            raise ValueError(f"{name} must be factors in (0, 100], got {v.tolist()}")
    if np.any(a <= 0) or np.any(a > 1):
        raise ValueError(f"loads must lie in (0, 1], got {a.tolist()}")
    seed = count(seed, "seed", minimum=0)
    epochs = count(epochs, "epochs")
    d = datasets.digits()
    # capacity: the Simulation 5 chapter's sweep
    sweep = capacity.training_sweep(_S5["inverse_temperature"] * f, _S5["learning_rate"] * g, a,
                                    seed=seed)
    c10 = int(np.argmin(np.abs(sweep.corruption - 0.1)))
    ks, classic = _classic_capacity_points(a, seed, sweep.settings["n_nodes"])
    cap = {"this network": sweep.recall[:, c10]}
    for name in CLASSIC:
        cap[name] = np.array([classic[name][int(k)] for k in sweep.n_patterns])
    # the digits and the sequences depend on the factors only: one network per distinct pair
    pairs = sorted(set(zip(f.tolist(), g.tolist())))
    where = np.array([pairs.index(p) for p in zip(f.tolist(), g.tolist())])
    pf, pg = (np.array(v) for v in zip(*pairs))
    e, t = _BALANCED
    its = t * pf
    batch = AttractorBatch(len(pairs), 64, rng=[stream(seed, *cell_key(e, x), TRAIN) for x in its])
    batch.train(d.train, evidence=e, epochs=epochs, steps_per_epoch=_S2["steps_per_epoch"],
                inverse_temperature=its, learning_rate=_S2["learning_rate"] * pg)
    ret, gen, _, uniq, _, _ = _evaluate_pairs(batch, e, its, seed)
    digits = {"retrieval": np.array([float(np.median(r)) for r in ret["score"]])[where],
              "generalization": np.array([float(np.median(x)) for x in gen["score"]])[where],
              "n_attractors": np.array([len(u) for u in uniq], dtype=float)[where],
              "orthogonality": np.array([metrics.orthogonality(u) for u in uniq])[where]}
    pats = d.train[list(_S3["digits"])]
    labels = "".join(str(int(d.train_labels[k])) for k in _S3["digits"])
    seq = AttractorBatch(len(pairs), 64, rng=[stream(seed, TRAIN) for _ in pairs])
    seq.train(pats, evidence=_S3["evidence"], epochs=_S3["epochs"],
              steps_per_epoch=_S3["steps_per_epoch"],
              inverse_temperature=_S3["inverse_temperature"] * pf,
              learning_rate=_S3["learning_rate"] * pg, order="sequential")
    free = AttractorBatch(len(pairs), 64, rng=[stream(seed, FREE) for _ in pairs],
                          coupling=seq.J)
    free.state = seq.state
    states = free.simulate(np.zeros((1, 64)), np.zeros(_S3["free_steps"], np.int64),
                           inverse_temperature=_S3["inverse_temperature"] * pf)
    rec = np.stack([metrics.recognise(s, pats) for s in states])
    orders = [metrics.sequence_string(r, labels) for r in rec]
    cycles = np.array([bool(paper.cycles_forward(o, labels)) for o in orders])
    classic_digits = _classic_digit_scores(seed)
    return ExploreResult(f, g, a, cap, digits, classic_digits, metrics.orthogonality(d.train),
                         rec[where], cycles[where], [orders[k] for k in where], labels,
                         {"seed": seed, "epochs": epochs, "capacity_nodes":
                          sweep.settings["n_nodes"], "capacity_epochs": sweep.settings["epochs"],
                          "n_patterns": sweep.n_patterns})


def _evaluate_pairs(batch, evidence, its, seed):
    """Simulation 2's evaluation of digit networks that may share a precision (their streams
    are keyed by the cell's evidence and precision, as :func:`~fep_core.experiments.
    evaluate_digit_networks` keys them)."""
    return experiments.evaluate_digit_networks(batch, np.full(len(its), evidence), its,
                                               seed=seed, trials=_S2["trials"],
                                               eval_steps=_S2["eval_steps"])


_CLASSIC_DIGITS: dict = {}


def _classic_digit_scores(seed):
    """The classic networks' digit scores at one seed (memoised: they do not depend on the
    interactive section's controls)."""
    if seed not in _CLASSIC_DIGITS:
        d = datasets.digits()
        e, t = _BALANCED
        gen_idx = stream(seed, *cell_key(e, t), EVAL_GENERALIZATION).integers(
            0, len(d.test), size=_S2["trials"])[None]
        rows, _, _ = _classic_digits([seed], gen_idx, curve_trials=1, trials=_S2["trials"])
        _CLASSIC_DIGITS[seed] = pd.DataFrame(rows)
    return _CLASSIC_DIGITS[seed].copy()
