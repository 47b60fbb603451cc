"""The paper's four simulations, one pure function each (defaults = the paper's settings).

Each returns a small dataclass with every number and array the chapters plot. Randomness comes
from ``seed`` alone, through :class:`numpy.random.SeedSequence` keys that name what a stream is
for, so e.g. one cell of the Simulation-2 grid rerun on its own gives the grid's numbers.

Every function checks all its arguments before it computes anything and reports a bad one in a
``ValueError`` or ``TypeError`` that names it as the caller spelled it. Evidence, precisions
(inverse temperatures) and learning rates must be finite and at most :data:`MAX_VALUE` (1e6; far
beyond any setting of the paper or the book, and small enough that no intermediate overflows).
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from . import datasets, metrics, paper
from ._validation import choice, count, finite_array, flag, positive
from .backends import BACKENDS, as_numba_batch, make_batch
from .network import AttractorBatch, AttractorNetwork, TrainingTrace, asymmetry
from .streams import (
    CONTINUATION,
    CONTROL,
    CONTROL_EVAL,
    CONTROL_ORDER,
    EVAL_GENERALIZATION,
    EVAL_RETRIEVAL,
    FREE,
    ORDER,
    PROBE,
    TRAIN,
    cell_key,
    stream,
)

__all__ = ["simulation1", "simulation1_seeds", "simulation2", "simulation2_cell", "simulation3",
           "simulation3_asymmetry", "simulation4", "free_run_continuation", "FreeRunResult",
           "train_digit_networks", "evaluate_digit_networks",
           "PAPER_INVERSE_TEMPERATURES", "PAPER_EVIDENCES", "REGIMES", "MAX_VALUE"]

# The paper's grid and regimes (defined in fep_core.paper), under the names the simulations use.
PAPER_EVIDENCES = paper.GRID_EVIDENCES
PAPER_INVERSE_TEMPERATURES = paper.GRID_INVERSE_TEMPERATURES
REGIMES = paper.REGIMES
_S1, _S2, _S3, _S4 = paper.SIMULATION1, paper.SIMULATION2, paper.SIMULATION3, paper.SIMULATION4

MAX_VALUE = 1e6
"""Largest evidence, precision (inverse temperature) and learning rate the simulations accept."""


# ---------------------------------------------------------------------------------------------
# Argument checks (each names the argument as the caller spelled it)


def _scale(value, name, *, allow_zero=False):
    """A finite evidence, precision or learning rate in (0, MAX_VALUE] (or [0, MAX_VALUE])."""
    v = positive(value, name, allow_zero=allow_zero)
    if v > MAX_VALUE:
        raise ValueError(f"{name} must be at most {MAX_VALUE:g}, got {v:g}")
    return v


def _scale_axis(values, name):
    """A non-empty 1-D array of evidences or precisions, each in (0, MAX_VALUE]."""
    arr = finite_array(values, name, ndim=1)
    if arr.size == 0:
        raise ValueError(f"{name} must hold at least one value")
    if np.any(arr <= 0):
        raise ValueError(f"{name} must be positive, got minimum {arr.min():g}")
    if np.any(arr > MAX_VALUE):
        raise ValueError(f"{name} must be at most {MAX_VALUE:g}, got maximum {arr.max():g}")
    return arr


def _sequence(values, name, what):
    """The items of a non-empty sequence (a string, a number or a non-iterable is refused)."""
    bad = TypeError(f"{name} must be a sequence of {what}, got {type(values).__name__}")
    if isinstance(values, (str, bytes, numbers.Number)):
        raise bad
    try:
        items = list(values)
    except TypeError:                      # not iterable (e.g. None or a 0-d array)
        raise bad from None
    if not items:
        raise ValueError(f"{name} must hold at least one "
                         f"{what[:-1] if what.endswith('s') else what}")
    return items


def _seed_list(seeds, name):
    """Validated seeds (non-negative integers), in the caller's order, as given."""
    items = _sequence(seeds, name, "seeds")
    for s in items:
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, (numbers.Integral, np.integer)):
            raise TypeError(f"{name} must hold integer seeds, got {type(s).__name__}")
        if s < 0:
            raise ValueError(f"{name} must hold non-negative integer seeds, got {s}")
    return items


def _digit_list(digits, name="digits"):
    """Training digits by value (0..9, the training images are digits 0..9 in order)."""
    items = _sequence(digits, name, "digits")
    n = len(datasets.digits().train)
    for k in items:
        if isinstance(k, (bool, np.bool_)) or not isinstance(k, (numbers.Integral, np.integer)):
            raise TypeError(f"{name} must hold integers 0..{n - 1}, got {type(k).__name__}")
        if not 0 <= k < n:
            raise ValueError(f"{name} must hold integers 0..{n - 1} (the training digits), got {k}")
    return [int(k) for k in items]


def _cells(evidences, inverse_temperatures):
    """Two 1-D arrays of equal length: the (evidence, precision) of each network."""
    ev = _scale_axis(evidences, "evidences")
    its = _scale_axis(inverse_temperatures, "inverse_temperatures")
    if ev.shape != its.shape:
        raise ValueError(f"evidences and inverse_temperatures must have the same length, got "
                         f"{ev.size} and {its.size}")
    return ev, its


def _check_options(schedule, prediction):
    choice(schedule, "schedule", {"synchronous", "sequential"})
    choice(prediction, "prediction", {"code", "paper"})


# ---------------------------------------------------------------------------------------------
# Simulation 1


@dataclass
class Simulation1Result:
    """Simulation 1 (5x5 bars). Arrays: patterns (2, 25), attractors (2, 25) fixed points reached
    from each pattern, J (25, 25), retrieval/generalisation states (steps, 25) and their
    projections (steps, 2) onto the two attractors (cosine similarity)."""

    patterns: np.ndarray
    data_correlation: float
    trace: TrainingTrace
    J: np.ndarray
    attractors: np.ndarray
    attractor_correlation: float
    attractors_converged: np.ndarray
    asymmetry: float
    retrieval_bias: np.ndarray
    retrieval_states: np.ndarray
    retrieval_projection: np.ndarray
    generalization_bias: np.ndarray
    generalization_states: np.ndarray
    generalization_projection: np.ndarray
    params: dict = field(default_factory=dict)


def simulation1(*, seed=0, evidence=_S1["evidence"], inverse_temperature=_S1["inverse_temperature"],
                learning_rate=_S1["learning_rate"], epochs=_S1["epochs"],
                steps_per_epoch=_S1["steps_per_epoch"],
                retrieval_inverse_temperature=_S1["retrieval_inverse_temperature"],
                retrieval_steps=_S1["retrieval_steps"],
                generalization_inverse_temperature=_S1["generalization_inverse_temperature"],
                generalization_steps=_S1["generalization_steps"], noise=_S1["noise"],
                schedule="synchronous", prediction="code"):
    """Simulation 1: two overlapping bars (r = 0.77) learned as near-orthogonal attractors.

    Trains a 25-node network on the z-scored vertical and horizontal bars (random order), finds
    the attractor reached from each bar, then probes the trained network from a zero state:
    retrieval of a noisy vertical bar (bias = bar + N(0, noise^2), iT 1, 30 steps) and
    generalisation to the cross of both bars (iT 2, 20 steps), which the network can only
    represent by mixing attractors. ``schedule`` and ``prediction`` select the variants of the
    reproduction notes (defaults: the reference code).
    """
    count(seed, "seed", minimum=0)
    for value, name in ((evidence, "evidence"), (inverse_temperature, "inverse_temperature"),
                        (retrieval_inverse_temperature, "retrieval_inverse_temperature"),
                        (generalization_inverse_temperature, "generalization_inverse_temperature")):
        _scale(value, name)
    _scale(learning_rate, "learning_rate", allow_zero=True)
    for value, name in ((epochs, "epochs"), (steps_per_epoch, "steps_per_epoch"),
                        (retrieval_steps, "retrieval_steps"),
                        (generalization_steps, "generalization_steps")):
        count(value, name)
    positive(noise, "noise", allow_zero=True)
    _check_options(schedule, prediction)
    pats = datasets.bars()
    net = AttractorNetwork(25, rng=stream(seed, TRAIN))
    trace = net.train(pats, evidence=evidence, epochs=epochs, steps_per_epoch=steps_per_epoch,
                      inverse_temperature=inverse_temperature, learning_rate=learning_rate,
                      record=True, schedule=schedule, prediction=prediction)
    _, fixed, conv = metrics.find_attractors(net, pats)
    probe = stream(seed, PROBE)
    noisy = pats[0] + positive(noise, "noise", allow_zero=True) * probe.standard_normal(25)
    cross = datasets.cross()
    J = net.J.copy()
    probe_net = AttractorNetwork(25, rng=probe, coupling=J)
    ret = probe_net.run(noisy, retrieval_steps, inverse_temperature=retrieval_inverse_temperature)
    probe_net.state = np.zeros(25)
    gen = probe_net.run(cross, generalization_steps,
                        inverse_temperature=generalization_inverse_temperature)
    return Simulation1Result(
        patterns=pats, data_correlation=metrics.attractor_correlation(*pats), trace=trace, J=J,
        attractors=fixed, attractor_correlation=metrics.attractor_correlation(*fixed),
        attractors_converged=conv, asymmetry=float(net.asymmetry()), retrieval_bias=noisy,
        retrieval_states=ret, retrieval_projection=metrics.cosine_projection(ret, fixed),
        generalization_bias=cross, generalization_states=gen,
        generalization_projection=metrics.cosine_projection(gen, fixed),
        params=dict(seed=seed, evidence=evidence, inverse_temperature=inverse_temperature,
                    learning_rate=learning_rate, epochs=epochs, steps_per_epoch=steps_per_epoch,
                    schedule=schedule, prediction=prediction))


def simulation1_seeds(seeds=range(10), **kwargs):
    """Simulation 1 for each seed (``kwargs`` go to :func:`simulation1`), one row per seed.

    Columns: ``seed``, ``data_correlation``, ``attractor_correlation``, ``asymmetry``,
    ``converged`` (both attractor searches), ``final_vfe`` (macro VFE after the last step),
    ``vfe_first`` / ``vfe_last`` (mean over the first / last tenth of training),
    ``retrieval_vertical`` / ``retrieval_horizontal`` (mean cosine of the noisy-bar probe's state
    with each attractor over the second half of the probe) and ``cross_vertical`` /
    ``cross_horizontal`` (the same for the cross).
    """
    seeds = _seed_list(seeds, "seeds")
    if "seed" in kwargs:
        raise TypeError("simulation1_seeds takes its seeds from seeds, not from seed")
    rows = []
    for s in seeds:
        r = simulation1(seed=s, **kwargs)
        tenth = max(1, r.trace.vfe.size // 10)
        ret = r.retrieval_projection[r.retrieval_projection.shape[0] // 2:].mean(axis=0)
        gen = r.generalization_projection[r.generalization_projection.shape[0] // 2:].mean(axis=0)
        rows.append({"seed": s, "data_correlation": r.data_correlation,
                     "attractor_correlation": r.attractor_correlation, "asymmetry": r.asymmetry,
                     "converged": bool(np.all(r.attractors_converged)),
                     "final_vfe": float(r.trace.vfe[-1]),
                     "vfe_first": float(r.trace.vfe[:tenth].mean()),
                     "vfe_last": float(r.trace.vfe[-tenth:].mean()),
                     "retrieval_vertical": float(ret[0]), "retrieval_horizontal": float(ret[1]),
                     "cross_vertical": float(gen[0]), "cross_horizontal": float(gen[1])})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# Simulation 2


@dataclass
class Simulation2Result:
    """Simulation 2 grid. ``table``: one row per (evidence, inverse_temperature) cell with
    columns evidence, inverse_temperature, retrieval, generalization, n_attractors,
    orthogonality (degrees, distinct pairs), attractor_correlation, asymmetry, converged.
    ``J`` (cells, 64, 64), ``attractors`` (list of (A_k, 64)), per-trial scores (cells, trials)."""

    table: pd.DataFrame
    J: np.ndarray
    attractors: list
    retrieval_scores: np.ndarray
    generalization_scores: np.ndarray
    data_orthogonality: float
    data_orthogonality_with_self: float
    params: dict = field(default_factory=dict)


def train_digit_networks(evidences, inverse_temperatures, *, seed, learning_rate, epochs,
                         steps_per_epoch, progress=False, schedule="synchronous",
                         prediction="code", backend="numba"):
    """Train one digit network per (evidence, precision) pair as one batch, as Simulation 2
    does, each network on its cell's training stream (:mod:`fep_core.streams`).

    Parameters
    ----------
    evidences, inverse_temperatures : 1-D arrays (B,) — one cell per network
    seed, learning_rate, epochs, steps_per_epoch, progress, schedule, prediction : as
        :func:`simulation2_cell`
    backend : "numba" (default) or "jax" — the engine (:func:`fep_core.backends.make_batch`)

    Returns
    -------
    AttractorBatch (or, for ``backend="jax"``, JaxAttractorBatch) of B networks of 64 nodes.
    """
    evidences, inverse_temperatures = _cells(evidences, inverse_temperatures)
    count(seed, "seed", minimum=0)
    _scale(learning_rate, "learning_rate", allow_zero=True)
    count(epochs, "epochs")
    count(steps_per_epoch, "steps_per_epoch")
    flag(progress, "progress")
    _check_options(schedule, prediction)
    d = datasets.digits()
    rngs = [stream(seed, *cell_key(e, t), TRAIN) for e, t in zip(evidences, inverse_temperatures)]
    batch = make_batch(len(evidences), 64, rng=rngs, backend=backend)
    batch.train(d.train, evidence=evidences, epochs=epochs, steps_per_epoch=steps_per_epoch,
                inverse_temperature=inverse_temperatures, learning_rate=learning_rate,
                schedule=schedule, prediction=prediction, progress=progress)
    return batch


def evaluate_digit_networks(batch, evidences, inverse_temperatures, *, seed, trials, eval_steps):
    """Retrieval, generalisation and attractors of trained digit networks (batched), as
    Simulation 2 scores them: ``trials`` noisy training digits and ``trials`` noisy test digits
    per network, ``eval_steps`` steps each (:func:`fep_core.metrics.recall_scores`).

    Returns
    -------
    (retrieval, generalization, generalization_index, unique_attractors, fixed_points,
    converged): the two dicts of :func:`fep_core.metrics.recall_scores`, the test digits drawn
    (B, trials), and :func:`fep_core.metrics.find_attractors`' three results.
    """
    batch = as_numba_batch(batch)          # the analyses run on the CPU engine
    if batch.n_nodes != 64:
        raise TypeError("batch must be an AttractorBatch of 64-node digit networks")
    evidences, inverse_temperatures = _cells(evidences, inverse_temperatures)
    if len(evidences) != batch.n_networks:
        raise ValueError(f"evidences must hold one value per network ({batch.n_networks}), "
                         f"got {len(evidences)}")
    count(seed, "seed", minimum=0)
    trials = count(trials, "trials")
    count(eval_steps, "eval_steps")
    d = datasets.digits()
    keys = [cell_key(e, t) for e, t in zip(evidences, inverse_temperatures)]
    per_network = np.asarray(evidences)[:, None, None]
    ret_orig = metrics.retrieval_targets(d.train[np.arange(trials) % len(d.train)][None],
                                         per_network)
    gen_rngs = [stream(seed, *k, EVAL_GENERALIZATION) for k in keys]
    gen_idx = np.stack([g.integers(0, len(d.test), size=trials) for g in gen_rngs])
    gen_orig = metrics.retrieval_targets(d.test[gen_idx], per_network)
    ret = metrics.recall_scores(batch, ret_orig,
                                rng=[stream(seed, *k, EVAL_RETRIEVAL) for k in keys],
                                steps=eval_steps)
    gen = metrics.recall_scores(batch, gen_orig, rng=gen_rngs, steps=eval_steps)
    uniq, fixed, conv = metrics.find_attractors(
        batch, np.asarray(evidences)[:, None, None] * d.train[None])
    return ret, gen, gen_idx, uniq, fixed, conv


def _mean_attractor_correlation(attractors):
    """Mean correlation between distinct attractors; NaN (explicitly) where it is undefined: fewer
    than two attractors, or one at a constant state (e.g. the zero state), as in
    :func:`fep_core.metrics.attractor_correlation`."""
    if len(attractors) < 2 or np.any(np.std(attractors, axis=1) == 0):
        return np.nan
    return metrics.mean_correlation(attractors)


def _relative_change(after, before):
    """``||after - before||_F / ||before||_F``, the relative change of the couplings. Where J was
    zero before (e.g. a network trained with learning rate 0), the change is measured against
    ``||after||_F`` instead: 0 if J is still zero, 1 if the couplings are all new."""
    change = np.linalg.norm(after - before)
    scale = np.linalg.norm(before)
    if scale == 0:
        scale = np.linalg.norm(after)
    return float(change / scale) if scale > 0 else 0.0


def _grid_table(evidences, inverse_temperatures, batch, ret, gen, uniq, fixed, conv):
    rows = []
    J = batch.J
    for k, (e, t) in enumerate(zip(evidences, inverse_temperatures)):
        rows.append({"evidence": e, "inverse_temperature": t,
                     "retrieval": float(np.median(ret["score"][k])),
                     "generalization": float(np.median(gen["score"][k])),
                     "n_attractors": len(uniq[k]),
                     "orthogonality": metrics.orthogonality(uniq[k]),
                     "attractor_correlation": _mean_attractor_correlation(uniq[k]),
                     "asymmetry": float(np.linalg.norm(J[k] - J[k].T)
                                        / max(np.linalg.norm(J[k]), 1e-300)),
                     "converged": bool(np.all(conv[k]))})
    return pd.DataFrame(rows)


def simulation2(*, seed=0, evidences=PAPER_EVIDENCES,
                inverse_temperatures=PAPER_INVERSE_TEMPERATURES,
                learning_rate=_S2["learning_rate"], epochs=_S2["epochs"],
                steps_per_epoch=_S2["steps_per_epoch"], trials=_S2["trials"],
                eval_steps=_S2["eval_steps"], progress=False, backend="numba"):
    """Simulation 2: digits, grid over evidence x precision, trained and evaluated as one batch.

    Parameters
    ----------
    evidences, inverse_temperatures : 1-D arrays — the grid axes (paper: 1..20 and 19
        log-spaced values in [0.01, 1])
    learning_rate : float — 0.001 as in the reference code (the paper's text says 0.01)
    trials, eval_steps : retrieval/generalisation trials per cell and steps per trial
    backend : "numba" (default) or "jax" — the engine that trains the batch
        (:func:`fep_core.backends.make_batch`; ``"jax"`` uses a GPU where JAX finds one). The
        evaluation runs on the CPU engine either way, from the trained couplings and this
        function's own evaluation streams. The two engines draw different random numbers, so
        with one seed they agree in distribution, not cell by cell.

    Returns
    -------
    Simulation2Result (``table`` has one row per cell, evidence-major).
    """
    ev = _scale_axis(evidences, "evidences")
    its = _scale_axis(inverse_temperatures, "inverse_temperatures")
    count(seed, "seed", minimum=0)
    _scale(learning_rate, "learning_rate", allow_zero=True)
    count(epochs, "epochs")
    count(steps_per_epoch, "steps_per_epoch")
    trials = count(trials, "trials")
    count(eval_steps, "eval_steps")
    flag(progress, "progress")
    choice(backend, "backend", BACKENDS)
    E, IT = np.meshgrid(ev, its, indexing="ij")
    E, IT = E.ravel(), IT.ravel()
    batch = train_digit_networks(E, IT, seed=seed, learning_rate=learning_rate, epochs=epochs,
                                steps_per_epoch=steps_per_epoch, progress=progress,
                                backend=backend)
    batch = as_numba_batch(batch)
    ret, gen, _, uniq, fixed, conv = evaluate_digit_networks(batch, E, IT, seed=seed, trials=trials,
                                                            eval_steps=eval_steps)
    d = datasets.digits()
    return Simulation2Result(
        table=_grid_table(E, IT, batch, ret, gen, uniq, fixed, conv), J=batch.J.copy(),
        attractors=uniq, retrieval_scores=ret["score"], generalization_scores=gen["score"],
        data_orthogonality=metrics.orthogonality(d.train),
        data_orthogonality_with_self=metrics.orthogonality(d.train, include_self=True),
        params=dict(seed=seed, learning_rate=learning_rate, epochs=epochs,
                    steps_per_epoch=steps_per_epoch, trials=trials, eval_steps=eval_steps,
                    backend=backend))


@dataclass
class DigitCellResult:
    """One trained digit network with everything needed to show it in detail."""

    evidence: float
    inverse_temperature: float
    network: AttractorNetwork
    retrieval: dict
    generalization: dict
    generalization_index: np.ndarray
    attractors: np.ndarray
    fixed_points: np.ndarray
    converged: np.ndarray
    summary: dict


def _digit_cell(batch, k, e, t, ret, gen, gen_idx, uniq, fixed, conv, table_row):
    net = AttractorNetwork(64, coupling=batch.J[k].copy())
    net.state = batch.state[k]
    pick = lambda d: {key: v[k] for key, v in d.items()}  # noqa: E731
    return DigitCellResult(e, t, net, pick(ret), pick(gen), gen_idx[k], uniq[k], fixed[k], conv[k],
                           table_row)


def simulation2_cell(*, seed=0, evidence=REGIMES["balanced"][0],
                     inverse_temperature=REGIMES["balanced"][1],
                     learning_rate=_S2["learning_rate"], epochs=_S2["epochs"],
                     steps_per_epoch=_S2["steps_per_epoch"], trials=_S2["trials"],
                     eval_steps=_S2["eval_steps"], schedule="synchronous", prediction="code"):
    """One cell of the Simulation-2 grid in detail (same numbers as that cell of the grid with
    the default ``schedule`` and ``prediction``; the others are the reproduction-note variants)."""
    e = _scale(evidence, "evidence")
    t = _scale(inverse_temperature, "inverse_temperature")
    count(seed, "seed", minimum=0)
    _scale(learning_rate, "learning_rate", allow_zero=True)
    count(epochs, "epochs")
    count(steps_per_epoch, "steps_per_epoch")
    count(trials, "trials")
    count(eval_steps, "eval_steps")
    _check_options(schedule, prediction)
    batch = train_digit_networks(np.array([e]), np.array([t]), seed=seed,
                                 learning_rate=learning_rate, epochs=epochs,
                                 steps_per_epoch=steps_per_epoch, progress=False,
                                 schedule=schedule, prediction=prediction)
    ret, gen, gen_idx, uniq, fixed, conv = evaluate_digit_networks(batch, [e], [t], seed=seed,
                                                                  trials=count(trials, "trials"),
                                                                  eval_steps=eval_steps)
    row = _grid_table([e], [t], batch, ret, gen, uniq, fixed, conv).iloc[0].to_dict()
    return _digit_cell(batch, 0, e, t, ret, gen, gen_idx, uniq, fixed, conv, row)


# ---------------------------------------------------------------------------------------------
# Simulation 3


@dataclass
class Simulation3Result:
    """Sequence learning. J (64, 64) with its symmetric and antisymmetric parts; attractors of
    the symmetric part from each digit; the free run's states (steps, 64), per-step recognised
    digit (-1 = none) and the succession of recognised digits as a string."""

    digits: np.ndarray
    labels: str
    J: np.ndarray
    J_symmetric: np.ndarray
    J_antisymmetric: np.ndarray
    asymmetry: float
    symmetric_attractors: np.ndarray
    symmetric_attractor_labels: str
    free_states: np.ndarray
    recognised: np.ndarray
    sequence_order: str
    params: dict = field(default_factory=dict)


def simulation3(*, seed=0, digits=_S3["digits"], evidence=_S3["evidence"], epochs=_S3["epochs"],
                steps_per_epoch=_S3["steps_per_epoch"],
                inverse_temperature=_S3["inverse_temperature"], learning_rate=_S3["learning_rate"],
                free_steps=_S3["free_steps"], recognition_threshold=0.5):
    """Simulation 3: a fixed sequence 1 -> 2 -> 3 -> 1 ... presented one step per epoch.

    Returns the asymmetric coupling, the attractors of its symmetric part (started from
    ``L(0.1 * evidence * digit)``), and a free run (zero bias, iT 1) continuing from the
    trained state, with the digit recognised at every step (best correlation above
    ``recognition_threshold``).

    ``digits`` are training digits by value (0..9), presented in the given order.
    """
    digits = _digit_list(digits)
    count(seed, "seed", minimum=0)
    _scale(evidence, "evidence")
    _scale(inverse_temperature, "inverse_temperature")
    _scale(learning_rate, "learning_rate", allow_zero=True)
    count(epochs, "epochs")
    count(steps_per_epoch, "steps_per_epoch")
    count(free_steps, "free_steps")
    if isinstance(recognition_threshold, (bool, np.bool_)) or not isinstance(
            recognition_threshold, (numbers.Real, np.floating, np.integer)):
        raise TypeError(f"recognition_threshold must be a real number, "
                        f"got {type(recognition_threshold).__name__}")
    if not -1.0 <= recognition_threshold <= 1.0:         # also refuses NaN
        raise ValueError(f"recognition_threshold must be a correlation in [-1, 1], "
                         f"got {recognition_threshold}")
    d = datasets.digits()
    pats = d.train[digits]
    labels = "".join(str(int(d.train_labels[k])) for k in digits)
    net = AttractorNetwork(64, rng=stream(seed, TRAIN))
    net.train(pats, evidence=evidence, epochs=epochs, steps_per_epoch=steps_per_epoch,
              inverse_temperature=inverse_temperature, learning_rate=learning_rate,
              order="sequential", record=False)
    J = net.J.copy()
    sym = AttractorNetwork(64, coupling=net.symmetric_part())
    uniq, fixed, conv = metrics.find_attractors(sym, evidence * pats)
    sym_labels = metrics.sequence_string(
        metrics.recognise(fixed, pats, threshold=recognition_threshold), labels)
    free = AttractorNetwork(64, rng=stream(seed, FREE), coupling=J)
    free.state = net.state
    states = free.run(np.zeros(64), free_steps, inverse_temperature=inverse_temperature)
    rec = metrics.recognise(states, pats, threshold=recognition_threshold)
    return Simulation3Result(
        digits=pats, labels=labels, J=J, J_symmetric=net.symmetric_part(),
        J_antisymmetric=net.antisymmetric_part(), asymmetry=float(net.asymmetry()),
        symmetric_attractors=fixed, symmetric_attractor_labels=sym_labels, free_states=states,
        recognised=rec, sequence_order=metrics.sequence_string(rec, labels),
        params=dict(seed=seed, evidence=evidence, epochs=epochs,
                    inverse_temperature=inverse_temperature, learning_rate=learning_rate,
                    free_steps=free_steps))


def simulation3_asymmetry(*, seeds=range(3), orders=("sequential", "random"), digits=_S3["digits"],
                          evidence=_S3["evidence"], epochs=_S3["epochs"], n_checkpoints=20,
                          inverse_temperature=_S3["inverse_temperature"],
                          learning_rate=_S3["learning_rate"]):
    """Asymmetry of J along Simulation-3 training, for each presentation order and seed.

    Trains the seeds as one :class:`fep_core.network.AttractorBatch` in chunks (one step per
    epoch), reading ``||J - J^T|| / ||J||`` at ``n_checkpoints`` evenly spaced epochs. With
    ``order="sequential"`` each network draws exactly the random numbers of
    :func:`simulation3` with the same seed, so the value at ``epochs``
    equals that function's asymmetry. ``order="random"`` presents the same digits in an
    order drawn uniformly at random (its own seeded stream).

    Returns
    -------
    DataFrame with columns seed, order, epoch, asymmetry.
    """
    seeds = [int(s) for s in _seed_list(seeds, "seeds")]
    orders = _sequence(orders, "orders", "orders")
    for order in orders:
        choice(order, "orders", {"sequential", "random"})
    digits = _digit_list(digits)
    _scale(evidence, "evidence")
    _scale(inverse_temperature, "inverse_temperature")
    _scale(learning_rate, "learning_rate", allow_zero=True)
    epochs = count(epochs, "epochs")
    n_checkpoints = count(n_checkpoints, "n_checkpoints")
    d = datasets.digits()
    pats = d.train[digits]
    P = len(pats)
    marks = np.unique(np.linspace(0, epochs, n_checkpoints + 1).round().astype(int))[1:]
    rows = []
    for order in orders:
        if order == "sequential":
            idx = np.tile(np.arange(epochs) % P, (len(seeds), 1))
        else:
            idx = np.stack([stream(s, ORDER).integers(0, P, size=epochs) for s in seeds])
        batch = AttractorBatch(len(seeds), 64, rng=[stream(s, TRAIN) for s in seeds])
        start = 0
        for stop in marks:
            batch.simulate(pats, idx[:, start:stop], scale=evidence, steps_per_segment=1,
                           inverse_temperature=inverse_temperature, learning_rate=learning_rate,
                           record=None)
            start = stop
            for s, a in zip(seeds, np.atleast_1d(asymmetry(batch.J))):
                rows.append({"seed": s, "order": order, "epoch": int(stop), "asymmetry": float(a)})
    return pd.DataFrame(rows)



# ---------------------------------------------------------------------------------------------
# Simulation 4


@dataclass(kw_only=True)
class FreeRunResult:
    """A trained network before and after a free run (zero bias) with learning on.

    ``J_before``/``J_after`` (n, n); ``J_change``, the relative Frobenius change of J
    (``||J_after - J_before|| / ||J_before||``; where ``J_before`` is zero, relative to
    ``||J_after||``: 0 if J stayed zero); ``attractors_before``/``_after`` (A, n);
    ``free_states`` (free_steps, n); ``retrieval_*``/``generalization_*`` (medians over
    trials) and ``n_attractors_*`` before and after; ``params``, the settings."""

    retrieval_before: float
    retrieval_after: float
    generalization_before: float
    generalization_after: float
    n_attractors_before: int
    n_attractors_after: int
    J_before: np.ndarray
    J_after: np.ndarray
    J_change: float
    attractors_before: np.ndarray
    attractors_after: np.ndarray
    free_states: np.ndarray
    params: dict = field(default_factory=dict)


@dataclass(kw_only=True)
class Simulation4Result(FreeRunResult):
    """Simulation 4: the free-running continuation of the balanced Simulation-2 network (the
    fields of :class:`FreeRunResult`) and ``control``, a DataFrame of the retention experiment
    (one row per seed and condition)."""

    control: pd.DataFrame


def _retention_control(*, seeds, evidence, inverse_temperature, learning_rate, epochs_first,
                       epochs_second, steps_per_epoch, free_steps_per_epoch, trials, eval_steps):
    """Train on digits 0-4, then on 5-9 with or without free-running (zero-bias) phases
    interleaved after every epoch; measure retrieval of both sets.

    Conditions (each batched over seeds): ``sequential`` (second set only), ``replay`` (second
    set with free-running learning phases), ``rest`` (the same phases with learning off, which
    isolates the effect of learning during free running from the extra state evolution).
    """
    d = datasets.digits()
    first, second = d.train[:5], d.train[5:]
    seeds = list(seeds)
    S = len(seeds)
    rows = []
    zero = np.zeros((1, 64))
    for cond in ("sequential", "replay", "rest"):
        rngs = [stream(s, CONTROL, TRAIN) for s in seeds]
        batch = AttractorBatch(S, 64, rng=rngs)
        batch.train(first, evidence=evidence, epochs=epochs_first, steps_per_epoch=steps_per_epoch,
                    inverse_temperature=inverse_temperature, learning_rate=learning_rate)
        orders = np.stack([g.integers(0, 5, size=epochs_second) for g in
                           [stream(s, CONTROL, CONTROL_ORDER) for s in seeds]])
        if cond == "sequential":
            batch.simulate(second, orders, scale=evidence, steps_per_segment=steps_per_epoch,
                           inverse_temperature=inverse_temperature, learning_rate=learning_rate,
                           record=None)
        else:
            alpha_free = learning_rate if cond == "replay" else 0.0
            for e in range(epochs_second):
                batch.simulate(second, orders[:, e:e + 1], scale=evidence,
                               steps_per_segment=steps_per_epoch,
                               inverse_temperature=inverse_temperature,
                               learning_rate=learning_rate, record=None)
                batch.simulate(zero, np.zeros((S, 1), np.int64), scale=0.0,
                               steps_per_segment=free_steps_per_epoch,
                               inverse_temperature=inverse_temperature, learning_rate=alpha_free,
                               record=None)
        for name, pats in (("first", first), ("second", second)):
            orig = metrics.retrieval_targets(pats[np.arange(trials) % len(pats)], evidence)
            sc = metrics.recall_scores(batch, orig,
                                       rng=[stream(s, CONTROL, CONTROL_EVAL) for s in seeds],
                                       steps=eval_steps)["score"]
            for k, s in enumerate(seeds):
                rows.append({"seed": s, "condition": cond, "set": name,
                             "retrieval": float(np.median(sc[k]))})
    return pd.DataFrame(rows).pivot_table(index=["seed", "condition"], columns="set",
                                          values="retrieval").reset_index()


def simulation4(*, seed=0, evidence=_S4["evidence"], inverse_temperature=_S4["inverse_temperature"],
                learning_rate=_S4["learning_rate"], epochs=_S4["epochs"],
                steps_per_epoch=_S4["steps_per_epoch"], free_steps=_S4["free_steps"],
                trials=_S4["trials"], eval_steps=_S4["eval_steps"], control_seeds=range(5),
                control_epochs_first=2500, control_epochs_second=500,
                control_free_steps_per_epoch=10, progress=False):
    """Simulation 4: does free-running (spontaneous, zero-bias) activity with learning on keep
    what the network learned? Before/after comparison of the balanced Simulation-2 network
    (the paper's protocol), plus a retention control with a second set of digits."""
    count(seed, "seed", minimum=0)
    _scale(evidence, "evidence")
    _scale(inverse_temperature, "inverse_temperature")
    _scale(learning_rate, "learning_rate", allow_zero=True)
    for value, name in ((epochs, "epochs"), (steps_per_epoch, "steps_per_epoch"),
                        (free_steps, "free_steps"), (trials, "trials"), (eval_steps, "eval_steps"),
                        (control_epochs_first, "control_epochs_first"),
                        (control_epochs_second, "control_epochs_second"),
                        (control_free_steps_per_epoch, "control_free_steps_per_epoch")):
        count(value, name)
    control_seeds = _seed_list(control_seeds, "control_seeds")
    flag(progress, "progress")
    cell = simulation2_cell(seed=seed, evidence=evidence, inverse_temperature=inverse_temperature,
                            learning_rate=learning_rate, epochs=epochs,
                            steps_per_epoch=steps_per_epoch, trials=trials, eval_steps=eval_steps)
    net = cell.network
    J_before = net.J.copy()
    free = AttractorNetwork(64, rng=stream(seed, *cell_key(evidence, inverse_temperature), FREE),
                            coupling=J_before)
    free.state = net.state
    states = free.run(np.zeros(64), count(free_steps, "free_steps"),
                      inverse_temperature=inverse_temperature, learning_rate=learning_rate,
                      progress=progress)
    # Evaluate the network after the free run exactly as before it (same noise streams).
    batch = AttractorBatch(1, 64,
                           rng=[stream(seed, *cell_key(evidence, inverse_temperature), FREE, 1)],
                           coupling=free.J)
    batch.state = free.state[None].copy()
    ret, gen, _, uniq, fixed, conv = evaluate_digit_networks(batch, [evidence],
                                                            [inverse_temperature],
                                                            seed=seed, trials=trials,
                                                            eval_steps=eval_steps)
    control = _retention_control(seeds=control_seeds, evidence=evidence,
                                 inverse_temperature=inverse_temperature,
                                 learning_rate=learning_rate,
                                 epochs_first=control_epochs_first,
                                 epochs_second=control_epochs_second,
                                 steps_per_epoch=steps_per_epoch,
                                 free_steps_per_epoch=control_free_steps_per_epoch, trials=trials,
                                 eval_steps=eval_steps)
    return Simulation4Result(
        retrieval_before=cell.summary["retrieval"],
        retrieval_after=float(np.median(ret["score"][0])),
        generalization_before=cell.summary["generalization"],
        generalization_after=float(np.median(gen["score"][0])),
        n_attractors_before=len(cell.attractors), n_attractors_after=len(uniq[0]),
        J_before=J_before, J_after=free.J.copy(),
        J_change=_relative_change(free.J, J_before),
        attractors_before=cell.attractors, attractors_after=uniq[0], free_states=states,
        control=control,
        params=dict(seed=seed, evidence=evidence, inverse_temperature=inverse_temperature,
                    learning_rate=learning_rate, free_steps=free_steps))


# ---------------------------------------------------------------------------------------------
# The free-running continuation on its own (Simulation 4's interactive section and seed study)


@lru_cache(maxsize=8)
def _trained_cell(seed, epochs, evidence, inverse_temperature, learning_rate):
    # Memoised for the widget (moving a free-run slider must not retrain); callers copy J and
    # the state and never mutate the cached network.
    return simulation2_cell(seed=seed, evidence=evidence,
                                        inverse_temperature=inverse_temperature,
                                        learning_rate=learning_rate, epochs=epochs, trials=1)


def free_run_continuation(*, inverse_temperature=REGIMES["balanced"][1], learning_rate=0.001,
                          free_steps=5000, epochs=1000, seed=0, trials=100,
                          training_evidence=REGIMES["balanced"][0],
                          training_inverse_temperature=REGIMES["balanced"][1],
                          training_learning_rate=0.001):
    """Train the balanced digit network, let it run freely (zero bias) with learning on, and
    measure it before and after with identical noise.

    Parameters
    ----------
    inverse_temperature, learning_rate : float — precision and learning rate of the free run
    free_steps : int — length of the free run
    epochs : int — training epochs (x 10 steps) of the balanced network (paper: 5000)
    seed : int
    trials : int — retrieval and generalisation trials (paper: 100)
    training_* : the network's training settings (default: the balanced regime, alpha 0.001)

    Returns
    -------
    FreeRunResult
    """
    t = _scale(inverse_temperature, "inverse_temperature")
    a = _scale(learning_rate, "learning_rate", allow_zero=True)
    free_steps = count(free_steps, "free_steps")
    trials = count(trials, "trials")
    e = _scale(training_evidence, "training_evidence")
    cell = _trained_cell(count(seed, "seed", minimum=0), count(epochs, "epochs"), e,
                         _scale(training_inverse_temperature, "training_inverse_temperature"),
                         _scale(training_learning_rate, "training_learning_rate", allow_zero=True))
    J0 = cell.network.J.copy()
    free = AttractorBatch(1, 64, rng=[stream(seed, CONTINUATION, 0)], coupling=J0)
    free.state = cell.network.state[None].copy()
    states = free.run(np.zeros(64), free_steps, inverse_temperature=t, learning_rate=a)[0]
    # Before and after side by side: same start state, same stepping and noise streams.
    d = datasets.digits()
    both = AttractorBatch(2, 64, rng=[stream(seed, CONTINUATION, 1), stream(seed, CONTINUATION, 1)],
                          coupling=np.stack([J0, free.J[0]]))
    both.state = np.stack([cell.network.state, cell.network.state])
    ret = metrics.recall_scores(both,
                                metrics.retrieval_targets(d.train[np.arange(trials) % len(d.train)],
                                                          e),
                                rng=[stream(seed, CONTINUATION, 2),
                                     stream(seed, CONTINUATION, 2)])["score"]
    gen_idx = stream(seed, CONTINUATION, 3).integers(0, len(d.test), size=trials)
    gen = metrics.recall_scores(both, metrics.retrieval_targets(d.test[gen_idx], e),
                                rng=[stream(seed, CONTINUATION, 4),
                                     stream(seed, CONTINUATION, 4)])["score"]
    uniq, _, _ = metrics.find_attractors(both, e * d.train)
    return FreeRunResult(
        J_before=J0, J_after=free.J[0].copy(), free_states=states,
        attractors_before=uniq[0], attractors_after=uniq[1],
        retrieval_before=float(np.median(ret[0])), retrieval_after=float(np.median(ret[1])),
        generalization_before=float(np.median(gen[0])),
        generalization_after=float(np.median(gen[1])),
        n_attractors_before=len(uniq[0]), n_attractors_after=len(uniq[1]),
        J_change=_relative_change(free.J[0], J0),
        params=dict(inverse_temperature=t, learning_rate=a, free_steps=free_steps,
                    epochs=epochs, seed=seed, trials=trials))
