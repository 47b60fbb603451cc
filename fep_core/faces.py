"""Simulation 6 of the revision: faces, one function per step.

The revision trains the network on the Olivetti faces (400 images, 64x64, all for training),
shows that stored faces are attractors and reconstructs a noisy face over a grid of likelihood
precision (signal strength: the scale of the noisy face as bias) x prior precision (the
network's precision iT), noise sd 2, mean of 100 steps after 10 of burn-in. It reports no
numbers and no training settings (:data:`fep_core.paper.SIMULATION6`).

Here the data are scikit-image's 100 LFW faces (25x25, N = 625 nodes, offline;
:func:`fep_core.datasets.faces`), split into training faces and held-out faces
(:func:`split`), and the training settings come from a small sweep (:func:`sweep`) read as
Simulation 2 reads its grid (:func:`balanced`). The steps:

=================================  =============================================================
:func:`split`                      which faces train, which are held out (deterministic, seeded)
:func:`train_faces`                one network per setting, all in one batch of the engine
:func:`evaluate`                   Simulation 2's scores and attractors, batched
:func:`sweep`                      precision x evidence x learning rate, trained and evaluated
:func:`balanced`                   the sweep point chosen as "balanced"
:func:`noisy_faces`,               the paper's reconstruction protocol and Simulation 2's score
:func:`reconstruct`, :func:`gain`
:func:`reconstruction_grid`        signal strength x prior precision for a set of faces
:func:`nonface_control`,           do non-faces fall into face attractors as faces do?
:func:`compare_overlaps`
:func:`stored_faces`,              the chapter's claims as predicates
:func:`gain_typically_positive`,
:func:`nonfaces_attracted_less`
:func:`simulation6`                one network at given settings, end to end (any face set:
                                   the Olivetti faces at the paper's scale)
:func:`explore_point`              what the interactive panels show at one setting
=================================  =============================================================

Randomness: every stream is ``fep_core.streams.stream(seed, FACES, ...)`` with a key naming its
purpose; training and evaluation streams are keyed by the network's setting, and reconstruction
streams by the (signal strength, prior precision) pair, so a network trained or probed alone
draws exactly the numbers it draws inside a batch (the interactive panels rely on it).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from . import cb, datasets, metrics, paper
from ._validation import count, finite_array, flag, positive
from .backends import as_numba_batch, make_batch
from .experiments import MAX_VALUE
from .network import AttractorBatch
from .streams import EVAL_GENERALIZATION, EVAL_RETRIEVAL, TRAIN, stream

__all__ = ["FACES", "N_HELD_OUT", "TRAINING", "EVALUATION", "SWEEP_PRECISIONS",
           "SWEEP_EVIDENCES", "SWEEP_LEARNING_RATES", "SWEEP_STARTS", "SETTINGS",
           "STORED_FRACTION", "GAIN_FRACTION", "CONTROL_LEVEL", "FaceSplit", "split",
           "train_faces", "FaceEvaluation", "evaluate", "own_correlations", "SweepResult",
           "sweep", "balanced", "noisy_faces", "reconstruct", "gain", "ReconstructionGrid",
           "reconstruction_grid", "NonfaceControl", "nonface_control", "compare_overlaps",
           "stored_faces", "gain_typically_positive", "nonfaces_attracted_less",
           "Simulation6Result", "simulation6", "examples", "attractor_of", "trained_coupling",
           "ExplorePoint", "explore_point"]

_S6 = paper.SIMULATION6

FACES = 6_000
"""First key of every stream of this chapter (:mod:`fep_core.streams` uses 0-4, 31, 99, 4000)."""
_SPLIT, _NOISE, _RECONSTRUCTION, _EXAMPLES = 1, 2, 3, 4

N_HELD_OUT = 20
"""Faces held out of training (of scikit-image's 100): the other 80 train the network."""

TRAINING = dict(epochs=1000, steps_per_epoch=10)
"""Training length: 1000 epochs of 10 steps (Simulation 2's steps per epoch), one training face
per epoch at random; 80 faces are each presented about 12 times."""

EVALUATION = dict(trials=20, eval_steps=100)
"""Simulation 2's retrieval and generalisation protocol, 20 trials of 100 steps each."""

SWEEP_STARTS = 20
"""The sweep seeks each network's attractors from its first 20 training faces (the faces of its
retrieval trials); the balanced network's are sought from all of them (:func:`simulation6`)."""

SWEEP_PRECISIONS = (0.03, 0.1, 0.3)
SWEEP_EVIDENCES = (5.0, 15.0)
SWEEP_LEARNING_RATES = (0.0003, 0.001, 0.003)
"""The sweep's axes: precision iT x evidence x learning rate (18 networks)."""

SETTINGS = dict(evidence=15.0, inverse_temperature=0.1, learning_rate=0.001)
"""The balanced point of the sweep (:func:`balanced` of :func:`sweep`'s table, seed 0; the
chapter asserts that the sweep still chooses it): the settings of every later step."""

STORED_FRACTION = 0.5
""""Stored faces are attractors" holds when at least this fraction of the training faces relax
to an attractor that resembles them more than any other training face."""
GAIN_FRACTION = 0.5
"""A reconstruction gain is "typically" positive when more than this fraction of faces gain."""
CONTROL_LEVEL = 0.05
"""Significance level of the non-face control's one-sided Mann-Whitney test."""


# ---------------------------------------------------------------------------------------------
# Argument checks (each names the argument as the caller spelled it)


def _scale(value, name, *, allow_zero=False):
    v = positive(value, name, allow_zero=allow_zero)
    if v > MAX_VALUE:
        raise ValueError(f"{name} must be at most {MAX_VALUE:g}, got {v:g}")
    return v


def _axis(values, name, *, allow_zero=False):
    """A 1-D array (a scalar counts as one value) of settings in (0, MAX_VALUE]."""
    arr = np.atleast_1d(finite_array(values, name))
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a number or a non-empty 1-D array, got shape "
                         f"{np.shape(values)}")
    bad = arr < 0 if allow_zero else arr <= 0
    if np.any(bad):
        raise ValueError(f"{name} must be {'non-negative' if allow_zero else 'positive'}, "
                         f"got minimum {arr.min():g}")
    if np.any(arr > MAX_VALUE):
        raise ValueError(f"{name} must be at most {MAX_VALUE:g}, got maximum {arr.max():g}")
    return arr


def _settings(evidence, inverse_temperature, learning_rate):
    """Three arrays (B,) of one setting per network (scalars broadcast)."""
    e = _axis(evidence, "evidence")
    t = _axis(inverse_temperature, "inverse_temperature")
    a = _axis(learning_rate, "learning_rate", allow_zero=True)
    try:
        B = np.broadcast_shapes(e.shape, t.shape, a.shape)
    except ValueError:
        raise ValueError(f"evidence, inverse_temperature and learning_rate must have one value "
                         f"per network (or one in all), got lengths {e.size}, {t.size} and "
                         f"{a.size}") from None
    return tuple(np.broadcast_to(v, B).astype(float) for v in (e, t, a))


def _setting_key(evidence, inverse_temperature, learning_rate):
    """Stream key of a setting, independent of the batch it sits in (thousandths of evidence,
    billionths of precision and learning rate)."""
    return (int(round(evidence * 1000)), int(round(inverse_temperature * 1e9)),
            int(round(learning_rate * 1e9)))


def _pair_key(signal_strength, prior_precision):
    return (int(round(signal_strength * 1e9)), int(round(prior_precision * 1e9)))


def _images(images, name="images"):
    """Face images (P, n) with P >= 2 and a square number of pixels n."""
    x = finite_array(images, name, ndim=2)
    side = int(round(np.sqrt(x.shape[1])))
    if x.shape[0] < 2 or side * side != x.shape[1] or side < 2:
        raise ValueError(f"{name} must be an array (P, n) of P >= 2 square images (n = side^2), "
                         f"got shape {x.shape}")
    return x


def _networks(batch, n=None):
    batch = as_numba_batch(batch)     # a JAX-trained batch is analysed on the CPU engine
    if n is not None and batch.n_nodes != n:
        raise ValueError(f"batch must have one node per pixel ({n}), got {batch.n_nodes}")
    return batch


def _coupling(coupling):
    J = finite_array(coupling, "coupling", ndim=2)
    if J.shape[0] != J.shape[1] or J.shape[0] < 2:
        raise ValueError(f"coupling must be a square matrix (n, n), got shape {J.shape}")
    if np.any(np.diagonal(J) != 0):
        raise ValueError("coupling must have a zero diagonal (no self-connections)")
    return J


# ---------------------------------------------------------------------------------------------
# The split


@dataclass(frozen=True)
class FaceSplit:
    """Row indices of the training faces ``train`` (K,) and of the held-out faces ``held_out``
    (H,), each increasing; disjoint, together every face."""

    train: np.ndarray
    held_out: np.ndarray


def split(n_images, n_held_out=N_HELD_OUT, *, seed=0) -> FaceSplit:
    """Hold out ``n_held_out`` of ``n_images`` faces, chosen by a seeded permutation
    (``stream(seed, FACES, 1)``); the rest train. Same seed, same split.

    ``n_images >= 2``; ``1 <= n_held_out <= n_images - 1``, so that both sets hold a face.
    """
    n = count(n_images, "n_images", minimum=2)
    h = count(n_held_out, "n_held_out")
    if h > n - 1:
        raise ValueError(f"n_held_out must be at most n_images - 1 = {n - 1} (a face must be "
                         f"left to train on), got {h}")
    order = stream(count(seed, "seed", minimum=0), FACES, _SPLIT).permutation(n)
    return FaceSplit(np.sort(order[h:]), np.sort(order[:h]))


# ---------------------------------------------------------------------------------------------
# Training and evaluation


def train_faces(patterns, *, evidence, inverse_temperature, learning_rate,
                epochs=TRAINING["epochs"], steps_per_epoch=TRAINING["steps_per_epoch"], seed=0,
                progress=False, backend="numba"):
    """Train one network per setting on ``patterns``, all as one batch of the engine.

    Each epoch presents one pattern at random (bias ``evidence * pattern``) for
    ``steps_per_epoch`` steps of inference and learning (:meth:`AttractorBatch.train`); network
    ``k`` draws from ``stream(seed, FACES, *setting_k, TRAIN)``, so it is the same network alone
    or in any batch.

    Parameters
    ----------
    patterns : array (P, n) — z-scored training faces
    evidence, inverse_temperature : float or array (B,), > 0
    learning_rate : float or array (B,), >= 0
    epochs, steps_per_epoch : int >= 1
    seed : int >= 0
    backend : "numba" (default) or "jax" — the engine (:func:`fep_core.backends.make_batch`;
        ``"jax"`` runs on a GPU where JAX finds one, with its own random numbers)

    Returns
    -------
    AttractorBatch (for ``backend="jax"``, JaxAttractorBatch) of B networks of n nodes.
    """
    pats = _images(patterns, "patterns")
    e, t, a = _settings(evidence, inverse_temperature, learning_rate)
    epochs = count(epochs, "epochs")
    steps_per_epoch = count(steps_per_epoch, "steps_per_epoch")
    seed = count(seed, "seed", minimum=0)
    flag(progress, "progress")
    rngs = [stream(seed, FACES, *_setting_key(*s), TRAIN) for s in zip(e, t, a)]
    batch = make_batch(len(e), pats.shape[1], rng=rngs, backend=backend)
    batch.train(pats, evidence=e, epochs=epochs, steps_per_epoch=steps_per_epoch,
                inverse_temperature=t, learning_rate=a, progress=progress)
    return batch


@dataclass
class FaceEvaluation:
    """Simulation 2's measures of B trained networks.

    ``retrieval``, ``generalization``: per-trial scores (B, T) on noisy training / held-out
    faces; ``attractors``: B arrays (A_k, n) of the distinct fixed points reached from the
    training faces; ``fixed_points`` (B, K, n), one per training face; ``converged`` (B, K).
    """

    retrieval: np.ndarray
    generalization: np.ndarray
    attractors: list
    fixed_points: np.ndarray
    converged: np.ndarray


def evaluate(batch, train, held_out, *, evidence, inverse_temperature, learning_rate,
             trials=EVALUATION["trials"], eval_steps=EVALUATION["eval_steps"], starts=None,
             seed=0):
    """Retrieval, one-shot generalisation and attractors of trained face networks, batched, by
    Simulation 2's protocol (:func:`fep_core.metrics.recall_scores`,
    :func:`fep_core.metrics.find_attractors`).

    Retrieval: ``trials`` noisy training faces (cycling through ``train``), generalisation:
    ``trials`` noisy held-out faces (cycling through ``held_out``), each scaled to
    ``0.1 * evidence`` with noise of the same sd, ``eval_steps`` steps at iT 1; the score is
    ``r2(mean state, face) - r2(noisy, face)``. Attractors: deterministic dynamics without
    bias from ``L(0.1 * evidence * face)`` for the first ``starts`` training faces (None: all).
    The settings key each network's noise streams, as in :func:`train_faces`; the networks'
    states are restored.

    Parameters
    ----------
    batch : AttractorBatch of B networks of n nodes
    train, held_out : arrays (K, n), (H, n)
    evidence, inverse_temperature, learning_rate : the B networks' settings (as trained)
    trials, eval_steps : int >= 1
    starts : int >= 1 or None — training faces the attractors are sought from (the first ones)
    seed : int >= 0

    Returns
    -------
    FaceEvaluation (``fixed_points`` (B, starts, n))
    """
    train = _images(train, "train")
    held_out = finite_array(held_out, "held_out", ndim=2)
    batch = _networks(batch, train.shape[1])
    if held_out.shape[0] < 1 or held_out.shape[1] != train.shape[1]:
        raise ValueError(f"held_out must be an array (H, {train.shape[1]}) with H >= 1, got "
                         f"shape {held_out.shape}")
    e, t, a = _settings(evidence, inverse_temperature, learning_rate)
    if e.size != batch.n_networks:
        raise ValueError(f"the settings must hold one value per network ({batch.n_networks}), "
                         f"got {e.size}")
    trials = count(trials, "trials")
    eval_steps = count(eval_steps, "eval_steps")
    starts = len(train) if starts is None else count(starts, "starts")
    if starts > len(train):
        raise ValueError(f"starts must be at most the number of training faces ({len(train)}), "
                         f"got {starts}")
    seed = count(seed, "seed", minimum=0)
    keys = [_setting_key(*s) for s in zip(e, t, a)]
    scale = e[:, None, None]
    out = {}
    for name, faces, purpose in (("retrieval", train, EVAL_RETRIEVAL),
                                 ("generalization", held_out, EVAL_GENERALIZATION)):
        targets = metrics.retrieval_targets(faces[np.arange(trials) % len(faces)][None], scale)
        out[name] = metrics.recall_scores(batch, targets,
                                          rng=[stream(seed, FACES, *k, purpose) for k in keys],
                                          steps=eval_steps)["score"]
    uniq, fixed, conv = metrics.find_attractors(batch, scale * train[None, :starts])
    return FaceEvaluation(out["retrieval"], out["generalization"], uniq, fixed, conv)


def own_correlations(fixed_points, faces):
    """Correlation of each fixed point with every face: array (S, K), row k the fixed point
    reached from face k. ``fixed_points`` (S, n), one for each of the first S <= K faces of
    ``faces`` (K, n)."""
    f = finite_array(fixed_points, "fixed_points", ndim=2)
    x = finite_array(faces, "faces", ndim=2)
    if f.shape[1] != x.shape[1] or not 1 <= f.shape[0] <= x.shape[0]:
        raise ValueError(f"fixed_points must hold one fixed point (n = {x.shape[1]}) for each of "
                         f"the first S faces, 1 <= S <= {x.shape[0]}, got shapes {f.shape} and "
                         f"{x.shape}")
    return metrics.correlation(f[:, None, :], x[None, :, :])


def _stored(corr):
    """Per fixed point k: it resembles face k more than any other face ((S, K) correlations)."""
    return np.argmax(corr, axis=1) == np.arange(corr.shape[0])


def _own(corr):
    return corr[np.arange(corr.shape[0]), np.arange(corr.shape[0])]


# ---------------------------------------------------------------------------------------------
# The sweep


@dataclass
class SweepResult:
    """The sweep of :func:`sweep`.

    ``table``: one row per network (evidence-major, then precision, then learning rate) with
    columns evidence, inverse_temperature, learning_rate, retrieval and generalization (median
    scores); from the relaxations of the first ``starts`` training faces: n_attractors,
    orthogonality (mean |90 - angle| over distinct pairs, degrees; NaN for fewer than two
    attractors), stored (fraction of those faces whose fixed point resembles them more than any
    other training face), own_correlation (median correlation of a face's fixed point with it),
    converged (fraction of relaxations that converged); asymmetry (||J - J^T|| / ||J||).
    ``chosen``: the row :func:`balanced` picks. ``J`` (B, n, n) and ``state`` (B, n) of every
    network; ``evaluation``: the :class:`FaceEvaluation`; ``split``; ``data_orthogonality``
    of the training faces; ``params``.
    """

    table: pd.DataFrame
    chosen: int
    J: np.ndarray
    state: np.ndarray
    evaluation: FaceEvaluation
    split: FaceSplit
    data_orthogonality: float
    params: dict = field(default_factory=dict)


def _table(e, t, a, batch, ev, train):
    rows = []
    J = batch.J
    for k in range(len(e)):
        corr = own_correlations(ev.fixed_points[k], train)
        norm = np.linalg.norm(J[k])
        rows.append({"evidence": e[k], "inverse_temperature": t[k], "learning_rate": a[k],
                     "retrieval": float(np.median(ev.retrieval[k])),
                     "generalization": float(np.median(ev.generalization[k])),
                     "n_attractors": len(ev.attractors[k]),
                     "orthogonality": metrics.orthogonality(ev.attractors[k]),
                     "stored": float(np.mean(_stored(corr))),
                     "own_correlation": float(np.median(_own(corr))),
                     "converged": float(np.mean(ev.converged[k])),
                     "asymmetry": float(np.linalg.norm(J[k] - J[k].T) / norm) if norm > 0
                     else 0.0})
    return pd.DataFrame(rows)


def sweep(*, images=None, precisions=SWEEP_PRECISIONS, evidences=SWEEP_EVIDENCES,
          learning_rates=SWEEP_LEARNING_RATES, n_held_out=N_HELD_OUT,
          epochs=TRAINING["epochs"], steps_per_epoch=TRAINING["steps_per_epoch"],
          trials=EVALUATION["trials"], eval_steps=EVALUATION["eval_steps"],
          starts=SWEEP_STARTS, seed=0, progress=False, backend="numba"):
    """Train and evaluate one network per (evidence, precision, learning rate) as one batch.

    Parameters
    ----------
    images : array (P, n), optional — the face set (default: :func:`fep_core.datasets.faces`)
    precisions, evidences, learning_rates : 1-D arrays — the axes
    n_held_out : int — faces held out (:func:`split`)
    epochs, steps_per_epoch : training length (:func:`train_faces`)
    trials, eval_steps, starts : the evaluation (:func:`evaluate`)
    seed : int
    backend : "numba" (default) or "jax" — the engine that trains (:func:`train_faces`); the
        evaluation runs on the CPU engine

    Returns
    -------
    SweepResult
    """
    x = _images(datasets.faces() if images is None else images)
    axes = (_axis(evidences, "evidences"), _axis(precisions, "precisions"),
            _axis(learning_rates, "learning_rates", allow_zero=True))
    for arr, name in zip(axes, ("evidences", "precisions", "learning_rates")):
        if np.unique(arr).size != arr.size:
            raise ValueError(f"{name} must not repeat a value, got {arr.tolist()}")
    e, t, a = (g.ravel() for g in np.meshgrid(*axes, indexing="ij"))
    parts = split(len(x), n_held_out, seed=seed)
    train, held = x[parts.train], x[parts.held_out]
    batch = as_numba_batch(train_faces(train, evidence=e, inverse_temperature=t, learning_rate=a,
                                       epochs=epochs, steps_per_epoch=steps_per_epoch, seed=seed,
                                       progress=progress, backend=backend))
    ev = evaluate(batch, train, held, evidence=e, inverse_temperature=t, learning_rate=a,
                  trials=trials, eval_steps=eval_steps, starts=starts, seed=seed)
    table = _table(e, t, a, batch, ev, train)
    return SweepResult(table=table, chosen=balanced(table), J=batch.J.copy(),
                       state=batch.state.copy(), evaluation=ev, split=parts,
                       data_orthogonality=metrics.orthogonality(train),
                       params=dict(epochs=epochs, steps_per_epoch=steps_per_epoch,
                                   trials=trials, eval_steps=eval_steps, starts=starts,
                                   seed=seed, n_held_out=n_held_out))


def balanced(table, *, fraction=paper.TOP_FRACTION):
    """The row (position) of the balanced point of a sweep: good retrieval *and* good one-shot
    generalisation, read with Simulation 2's "best cells" (:func:`fep_core.paper.top_cells`,
    the top ``fraction`` of the table for a measure).

    The first cells in the top set of both measures: the top sets grow one cell at a time from
    ``round(fraction * rows)`` (at least one) until they share a cell; among shared cells the
    one with the largest retrieval + generalisation (then the first row).

    Parameters
    ----------
    table : DataFrame with columns retrieval and generalization (e.g. ``SweepResult.table``)
    fraction : float in (0, 1]

    Returns
    -------
    int
    """
    if not isinstance(table, pd.DataFrame) or not {"retrieval", "generalization"} <= set(
            table.columns):
        raise TypeError("table must be a DataFrame with columns retrieval and generalization")
    if table[["retrieval", "generalization"]].dropna().empty:
        raise ValueError("table must hold at least one row with both scores")
    frac = positive(fraction, "fraction")
    if frac > 1:
        raise ValueError(f"fraction must be at most 1, got {frac}")
    rows = table.reset_index(drop=True)
    n = len(rows)
    for k in range(max(1, int(round(frac * n))), n + 1):
        both = (paper.top_cells(rows, "retrieval", fraction=k / n)
                & paper.top_cells(rows, "generalization", fraction=k / n))
        if both.any():
            total = (rows["retrieval"] + rows["generalization"]).where(both)
            return int(np.nanargmax(total.to_numpy(float)))
    raise ValueError("table has no row with both scores")          # pragma: no cover


# ---------------------------------------------------------------------------------------------
# Reconstruction: the paper's protocol, Simulation 2's score


def noisy_faces(faces, *, noise=_S6["noise"], seed=0):
    """``faces + noise * N(0, 1)`` (each face z-scored, so ``noise`` is in units of its sd),
    from ``stream(seed, FACES, 2)``: array (F, n) for ``faces`` (F, n)."""
    x = finite_array(faces, "faces", ndim=2)
    sd = positive(noise, "noise", allow_zero=True)
    rng = stream(count(seed, "seed", minimum=0), FACES, _NOISE)
    return x + sd * rng.standard_normal(x.shape)


def _pairs(signal_strengths, prior_precisions):
    s = _axis(signal_strengths, "signal_strengths", allow_zero=True)
    p = _axis(prior_precisions, "prior_precisions")
    if s.shape != p.shape:
        raise ValueError(f"signal_strengths and prior_precisions must have one value per "
                         f"reconstruction, got lengths {s.size} and {p.size}")
    return s, p


_CHUNK_BYTES = 2 ** 28   # couplings per batch of reconstructions: 256 MB of copies of J


def reconstruct(coupling, noisy, *, signal_strengths, prior_precisions, steps=_S6["steps"],
                burn_in=_S6["burn_in"], seed=0):
    """The revision's reconstruction of noisy faces by a trained network, for C pairs of signal
    strength (likelihood precision) and prior precision.

    For each noisy face ``f`` and each pair ``c``, from the zero state: bias
    ``signal_strengths[c] * noisy[f]`` at precision iT ``prior_precisions[c]``, no learning,
    ``burn_in`` steps discarded, then the mean state over ``steps`` steps. Every (pair, face) is
    its own network sharing ``coupling`` (batches of up to 32, at most 256 MB of couplings, run
    in parallel), drawing from
    ``stream(seed, FACES, 3, s_c, p_c, f)`` (signal strength and prior precision in billionths,
    rounded), so a pair or a face run alone gives the same reconstruction.

    Parameters
    ----------
    coupling : array (n, n) — a trained J
    noisy : array (F, n)
    signal_strengths : array (C,), >= 0; prior_precisions : array (C,), > 0
    steps : int >= 1; burn_in : int >= 0
    seed : int

    Returns
    -------
    array (C, F, n)
    """
    J = _coupling(coupling)
    x = finite_array(noisy, "noisy", ndim=2)
    if x.shape[1] != J.shape[0] or x.shape[0] < 1:
        raise ValueError(f"noisy must be an array (F, {J.shape[0]}) with F >= 1, got shape "
                         f"{x.shape}")
    s, p = _pairs(signal_strengths, prior_precisions)
    steps = count(steps, "steps")
    burn_in = count(burn_in, "burn_in", minimum=0)
    seed = count(seed, "seed", minimum=0)
    C, F, n = s.size, len(x), J.shape[0]
    jobs = [(c, f) for c in range(C) for f in range(F)]
    out = np.empty((C, F, n))
    size = max(1, min(32, _CHUNK_BYTES // (8 * n * n)))
    for lo in range(0, len(jobs), size):
        chunk = jobs[lo:lo + size]
        cs = np.array([c for c, _ in chunk])
        fs = np.array([f for _, f in chunk])
        batch = AttractorBatch(len(chunk), n, coupling=J,
                               rng=[stream(seed, FACES, _RECONSTRUCTION, *_pair_key(s[c], p[c]), f)
                                    for c, f in chunk])
        bias = np.ascontiguousarray(x[fs][:, None, :])            # (B, 1, n): one face each
        one = np.zeros((len(chunk), 1), np.int64)
        if burn_in:
            batch.simulate(bias, np.zeros((len(chunk), burn_in), np.int64), scale=s[cs],
                           inverse_temperature=p[cs], record=None)
        out[cs, fs] = batch.simulate(bias, one, scale=s[cs], steps_per_segment=steps,
                                     inverse_temperature=p[cs], record="means")[:, 0]
    return out


def gain(reconstructions, noisy, clean):
    """Simulation 2's score of a reconstruction: ``r2(reconstruction, clean) - r2(noisy,
    clean)`` (Pearson r along the last axis; arrays (..., n) that broadcast, e.g. (C, F, n)
    with (F, n)). Positive: the network's output resembles the clean face more than its input
    did."""
    r = finite_array(reconstructions, "reconstructions")
    y = finite_array(noisy, "noisy")
    c = finite_array(clean, "clean")
    return metrics.correlation(r, c) ** 2 - metrics.correlation(y, c) ** 2


@dataclass
class ReconstructionGrid:
    """Reconstructions over signal strength (S,) x prior precision (P,): ``clean`` and ``noisy``
    faces (F, n), ``reconstructions`` (S, P, F, n) and their ``gains`` (S, P, F)."""

    signal_strengths: np.ndarray
    prior_precisions: np.ndarray
    clean: np.ndarray
    noisy: np.ndarray
    reconstructions: np.ndarray
    gains: np.ndarray


def reconstruction_grid(coupling, clean, *, signal_strengths=_S6["signal_strengths"],
                        prior_precisions=_S6["prior_precisions"], noise=_S6["noise"],
                        steps=_S6["steps"], burn_in=_S6["burn_in"], seed=0):
    """The paper's grid: every face of ``clean`` (F, n) made noisy once (:func:`noisy_faces`)
    and reconstructed at every signal strength x prior precision (:func:`reconstruct`).

    Returns
    -------
    ReconstructionGrid
    """
    clean = finite_array(clean, "clean", ndim=2)
    s = _axis(signal_strengths, "signal_strengths", allow_zero=True)
    p = _axis(prior_precisions, "prior_precisions")
    noisy = noisy_faces(clean, noise=noise, seed=seed)
    S, P = np.meshgrid(s, p, indexing="ij")
    rec = reconstruct(coupling, noisy, signal_strengths=S.ravel(), prior_precisions=P.ravel(),
                      steps=steps, burn_in=burn_in, seed=seed)
    rec = rec.reshape(s.size, p.size, *noisy.shape)
    return ReconstructionGrid(s, p, clean, noisy, rec, gain(rec, noisy, clean))


# ---------------------------------------------------------------------------------------------
# The non-face control


@dataclass
class NonfaceControl:
    """How strongly held-out faces and non-face patches are drawn into the face attractors.

    A probe's overlap is the largest ``|r|`` between a state and the face attractors. Relaxed
    (no input): ``faces``, ``nonfaces`` (F,), (M,) and the states reached, ``face_states``,
    ``nonface_states``; ``statistic``, ``p_value`` of the one-sided test that non-faces overlap
    less (:func:`compare_overlaps`). Driven (the probe as input, the reconstruction protocol):
    ``faces_driven``, ``nonfaces_driven``, the mean states ``face_outputs``,
    ``nonface_outputs``, and ``statistic_driven``, ``p_value_driven``.
    """

    faces: np.ndarray
    nonfaces: np.ndarray
    face_states: np.ndarray
    nonface_states: np.ndarray
    statistic: float
    p_value: float
    faces_driven: np.ndarray
    nonfaces_driven: np.ndarray
    face_outputs: np.ndarray
    nonface_outputs: np.ndarray
    statistic_driven: float
    p_value_driven: float


def _overlaps(states, attractors):
    """max |r| with the attractors, to 2 decimals: the resolution at which attractors are told
    apart (:func:`fep_core.metrics.unique_states`), so that two probes reaching the same
    attractor tie instead of differing by how far their relaxations converged."""
    r = np.abs(metrics.correlation(states[:, None, :], attractors[None, :, :])).max(axis=1)
    return np.round(r, 2)


def nonface_control(coupling, attractors, faces, nonfaces, *, evidence,
                    signal_strength=_S6["signal_strengths"][1],
                    prior_precision=_S6["prior_precisions"][3], steps=_S6["steps"],
                    burn_in=_S6["burn_in"], seed=0):
    """Do non-faces fall into face attractors as strongly as faces do?

    Every probe (a held-out face or a non-face patch, z-scored alike) is tested twice:

    * relaxed, as the attractors were found: deterministic dynamics without bias at iT 1 from
      ``L(0.1 * evidence * probe)``, to the state it reaches;
    * driven, as faces are reconstructed (:func:`reconstruct`): the probe itself (no added
      noise) as input at ``signal_strength`` and ``prior_precision``, the mean state.

    A probe's overlap is the largest ``|r|`` between that state and the face attractors
    (``|r|``: with no bias, the negative of an attractor is one too), to 2 decimals (the
    resolution at which attractors are counted); faces and non-faces are
    compared with a one-sided Mann-Whitney U test (non-faces lower, :func:`compare_overlaps`).

    Parameters
    ----------
    coupling : array (n, n)
    attractors : array (A, n), A >= 1 — the attractors reached from the training faces
    faces, nonfaces : arrays (F, n), (M, n)
    evidence : float — the training evidence
    signal_strength, prior_precision, steps, burn_in, seed : the driven test's reconstruction

    Returns
    -------
    NonfaceControl
    """
    J = _coupling(coupling)
    n = J.shape[0]
    att = finite_array(attractors, "attractors", ndim=2)
    if att.shape[0] < 1 or att.shape[1] != n:
        raise ValueError(f"attractors must be an array (A, {n}) with A >= 1, got shape "
                         f"{att.shape}")
    probes = []
    for arr, name in ((faces, "faces"), (nonfaces, "nonfaces")):
        p = finite_array(arr, name, ndim=2)
        if p.shape[0] < 1 or p.shape[1] != n:
            raise ValueError(f"{name} must be an array (F, {n}) with F >= 1, got shape "
                             f"{p.shape}")
        probes.append(p)
    e = _scale(evidence, "evidence")
    both = np.concatenate(probes)
    net = AttractorBatch(1, n, rng=0, coupling=J)      # deterministic: the stream is never drawn
    ends = net.relax(cb.langevin(0.1 * e * both)).states[0]
    outputs = reconstruct(J, both, signal_strengths=[signal_strength],
                          prior_precisions=[prior_precision], steps=steps, burn_in=burn_in,
                          seed=seed)[0]
    relaxed, driven = _overlaps(ends, att), _overlaps(outputs, att)
    F = len(probes[0])
    tests = [compare_overlaps(o[:F], o[F:]) for o in (relaxed, driven)]
    return NonfaceControl(relaxed[:F], relaxed[F:], ends[:F], ends[F:], *tests[0], driven[:F],
                          driven[F:], outputs[:F], outputs[F:], *tests[1])


def compare_overlaps(face_overlaps, nonface_overlaps):
    """One-sided Mann-Whitney U test that non-face overlaps are lower than face overlaps:
    ``(U, p)`` with U counting the (non-face, face) pairs where the non-face overlaps more (ties
    count one half) and p from the normal approximation with tie and continuity corrections
    (:func:`scipy.stats.mannwhitneyu`, ``method="asymptotic"``: overlaps of probes that reach
    the same attractor tie). Arrays (F,), (M,), each at least one value."""
    from scipy.stats import mannwhitneyu

    a = finite_array(face_overlaps, "face_overlaps", ndim=1)
    b = finite_array(nonface_overlaps, "nonface_overlaps", ndim=1)
    for arr, name in ((a, "face_overlaps"), (b, "nonface_overlaps")):
        if arr.size < 1:
            raise ValueError(f"{name} must hold at least one overlap")
    if np.ptp(np.concatenate([a, b])) == 0:     # all equal: no evidence either way
        return float(a.size * b.size / 2), 1.0
    test = mannwhitneyu(b, a, alternative="less", method="asymptotic")
    return float(test.statistic), float(test.pvalue)


# ---------------------------------------------------------------------------------------------
# The chapter's claims as predicates


def stored_faces(fixed_points, faces, *, fraction=STORED_FRACTION):
    """"Stored faces are attractors": at least ``fraction`` of the training faces relax to a
    fixed point that resembles them (Pearson r) more than any other training face.

    ``fixed_points`` (S, n), those of the first S faces of ``faces`` (K, n), K >= 2 -> bool.
    """
    corr = own_correlations(fixed_points, faces)
    if corr.shape[1] < 2:
        raise ValueError("faces must hold at least two faces to tell them apart")
    frac = positive(fraction, "fraction")
    if frac > 1:
        raise ValueError(f"fraction must be at most 1, got {frac}")
    return bool(np.mean(_stored(corr)) >= frac)


def gain_typically_positive(gains, *, fraction=GAIN_FRACTION):
    """The reconstruction gain is "typically" positive: more than ``fraction`` of the faces
    gain (last axis). ``gains`` (..., F) -> bool array (...)."""
    g = finite_array(gains, "gains")
    if g.ndim < 1 or g.shape[-1] < 1:
        raise ValueError(f"gains must hold at least one face along its last axis, got shape "
                         f"{g.shape}")
    frac = positive(fraction, "fraction", allow_zero=True)
    if frac >= 1:
        raise ValueError(f"fraction must be below 1, got {frac}")
    return np.asarray(np.mean(g > 0, axis=-1) > frac)


def nonfaces_attracted_less(p_value, *, level=CONTROL_LEVEL):
    """Non-faces fall into the face attractors less strongly than faces: the control's
    one-sided test is significant at ``level``. ``p_value`` a probability -> bool."""
    p = positive(p_value, "p_value", allow_zero=True)
    if p > 1:
        raise ValueError(f"p_value must be a probability in [0, 1], got {p}")
    lv = positive(level, "level")
    if lv >= 1:
        raise ValueError(f"level must be below 1, got {lv}")
    return bool(p < lv)


# ---------------------------------------------------------------------------------------------
# One network, end to end


@dataclass
class Simulation6Result:
    """One trained face network: ``split``; ``J`` (n, n) and ``state`` (n,); ``evaluation``
    (:class:`FaceEvaluation` with a batch axis of 1); ``grid``, the
    :class:`ReconstructionGrid` of ``example_faces`` (rows of ``images``: training faces, then
    held-out ones); ``params``."""

    split: FaceSplit
    J: np.ndarray
    state: np.ndarray
    evaluation: FaceEvaluation
    grid: ReconstructionGrid
    example_faces: np.ndarray
    params: dict = field(default_factory=dict)


def simulation6(*, images=None, n_held_out=N_HELD_OUT, evidence=SETTINGS["evidence"],
                inverse_temperature=SETTINGS["inverse_temperature"],
                learning_rate=SETTINGS["learning_rate"], epochs=TRAINING["epochs"],
                steps_per_epoch=TRAINING["steps_per_epoch"], trials=EVALUATION["trials"],
                eval_steps=EVALUATION["eval_steps"], n_examples=1, n_held_out_examples=0,
                seed=0, progress=False, backend="numba"):
    """Simulation 6 for one network: split, train, evaluate (attractors from every training
    face), and the reconstruction grid (:func:`reconstruction_grid`, one noise draw) of
    ``n_examples`` training faces (:func:`examples`, the example face first) followed by the
    first ``n_held_out_examples`` held-out faces. With the defaults it is the sweep's balanced
    network (the same couplings and scores); at the paper's scale::

        from fep_core import datasets, faces
        result = faces.simulation6(images=datasets.olivetti_faces(), n_held_out=40,
                                   progress=True)

    (4096 nodes, 360 training faces; after ``sklearn.datasets.fetch_olivetti_faces()`` once.
    Expect minutes for training and much longer for the attractors of 360 faces on two cores.)
    ``backend="jax"`` trains on JAX (a GPU where JAX finds one; :func:`train_faces`); the
    evaluation and the reconstructions run on the CPU engine.
    """
    x = _images(datasets.faces() if images is None else images)
    parts = split(len(x), n_held_out, seed=seed)
    chosen = examples(parts, count(n_examples, "n_examples"), seed=seed)
    extra = count(n_held_out_examples, "n_held_out_examples", minimum=0)
    if extra > len(parts.held_out):
        raise ValueError(f"n_held_out_examples must be at most the number of held-out faces "
                         f"({len(parts.held_out)}), got {extra}")
    train, held = x[parts.train], x[parts.held_out]
    batch = as_numba_batch(train_faces(train, evidence=evidence,
                                       inverse_temperature=inverse_temperature,
                                       learning_rate=learning_rate, epochs=epochs,
                                       steps_per_epoch=steps_per_epoch, seed=seed,
                                       progress=progress, backend=backend))
    ev = evaluate(batch, train, held, evidence=evidence, inverse_temperature=inverse_temperature,
                  learning_rate=learning_rate, trials=trials, eval_steps=eval_steps, seed=seed)
    shown = np.concatenate([chosen, parts.held_out[:extra]])
    grid = reconstruction_grid(batch.J[0], x[shown], seed=seed)
    return Simulation6Result(parts, batch.J[0].copy(), batch.state[0].copy(), ev, grid, shown,
                             params=dict(evidence=evidence,
                                         inverse_temperature=inverse_temperature,
                                         learning_rate=learning_rate, epochs=epochs,
                                         steps_per_epoch=steps_per_epoch, seed=seed,
                                         backend=backend))


def examples(parts, n=1, *, seed=0):
    """``n`` training faces to show, as rows of the face set: the first ``n`` of a permutation of
    the training faces drawn from ``stream(seed, FACES, 4)`` (so the first, the chapter's
    example face, does not depend on ``n``)."""
    if not isinstance(parts, FaceSplit):
        raise TypeError(f"parts must be a FaceSplit, got {type(parts).__name__}")
    n = count(n, "n")
    if n > len(parts.train):
        raise ValueError(f"n must be at most the number of training faces ({len(parts.train)}), "
                         f"got {n}")
    rng = stream(count(seed, "seed", minimum=0), FACES, _EXAMPLES)
    return rng.permutation(parts.train)[:n]


# ---------------------------------------------------------------------------------------------
# The interactive panels


def attractor_of(coupling, face, *, evidence):
    """The fixed point a face relaxes to, as attractors are found (deterministic, no bias, iT 1,
    from ``L(0.1 * evidence * face)``): array (n,)."""
    J = _coupling(coupling)
    x = finite_array(face, "face", shape=(J.shape[0],))
    net = AttractorBatch(1, J.shape[0], rng=0, coupling=J)   # deterministic: never drawn
    return net.relax(cb.langevin(0.1 * _scale(evidence, "evidence") * x)).states[0, 0]


@lru_cache(maxsize=16)
def _trained(inverse_temperature, learning_rate, evidence, seed):
    parts = split(len(datasets.faces()), seed=seed)
    batch = train_faces(datasets.faces()[parts.train], evidence=evidence,
                        inverse_temperature=inverse_temperature, learning_rate=learning_rate,
                        seed=seed)
    J = batch.J[0].copy()
    J.setflags(write=False)
    return J


def trained_coupling(inverse_temperature, learning_rate, *, evidence=SETTINGS["evidence"],
                     seed=0):
    """J (n, n) of the network :func:`sweep` trains at this setting on the chapter's training
    faces (scikit-image's LFW faces, :data:`N_HELD_OUT` held out), trained alone: the same bits
    as in the sweep's batch. Memoised (read-only), so that moving a reconstruction slider does
    not retrain."""
    return _trained(_scale(inverse_temperature, "inverse_temperature"),
                    _scale(learning_rate, "learning_rate", allow_zero=True),
                    _scale(evidence, "evidence"), count(seed, "seed", minimum=0))


@dataclass
class ExplorePoint:
    """What the interactive panels show for one trained network: the example ``face`` and its
    ``noisy`` version (n,), the ``reconstruction`` (n,) at the chosen signal strength and prior
    precision and its ``gain``, the ``attractor`` (n,) the face relaxes to, and ``grid``, the
    :class:`ReconstructionGrid` of the face over the paper's grid."""

    face: np.ndarray
    noisy: np.ndarray
    reconstruction: np.ndarray
    gain: float
    attractor: np.ndarray
    grid: ReconstructionGrid


def explore_point(coupling, *, signal_strength, prior_precision,
                  evidence=SETTINGS["evidence"], seed=0):
    """The panels' view of a network with couplings ``coupling`` (trained on the chapter's
    faces at ``evidence``): the chapter's example face (:func:`examples`) reconstructed at
    (``signal_strength``, ``prior_precision``) and over the paper's grid, and its attractor."""
    s = _scale(signal_strength, "signal_strength", allow_zero=True)
    p = _scale(prior_precision, "prior_precision")
    x = datasets.faces()
    face = x[examples(split(len(x), seed=seed), seed=seed)[0]]
    grid = reconstruction_grid(coupling, face[None], seed=seed)
    rec = reconstruct(coupling, grid.noisy, signal_strengths=[s], prior_precisions=[p],
                      seed=seed)[0, 0]
    return ExplorePoint(face, grid.noisy[0], rec, float(gain(rec, grid.noisy[0], face)),
                        attractor_of(coupling, face, evidence=evidence), grid)
