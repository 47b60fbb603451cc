"""Measurements on trained networks: attractors, orthogonality, retrieval and generalisation.

Conventions (section 2 of the spec):

* Attractors are fixed points of deterministic dynamics with zero bias and ``iT = 1``, started
  from ``L(0.1 x)`` for each pattern ``x``; unique ones are counted after rounding to 2 decimals.
* Orthogonality is the mean ``|90 - angle|`` (degrees) over *distinct* pairs, dropping angles
  below 1 degree or above 179 degrees (duplicates and sign flips). ``include_self=True``
  reproduces the paper's data value, which averaged the full matrix including self-pairs.
* Retrieval / one-shot generalisation: ``original = 0.1 * evidence * pattern``; the network sees
  ``noisy = original + N(0, std(original))`` as bias for 100 stochastic steps (iT = 1, no
  learning); score = ``r^2(mean state, original) - r^2(noisy, original)``.

Arguments are checked before anything is computed; a bad one raises ``ValueError`` or
``TypeError`` naming it. Empty inputs: a per-item result of no items is empty (no rows to
correlate, compare, round or recognise); a summary over nothing (:func:`mean_correlation` with
fewer than two rows, :func:`recognise` without references, :func:`recall_scores` without
trials) is refused with a ``ValueError``, except :func:`orthogonality`, which documents its NaN.
"""
from __future__ import annotations

import numbers

import numpy as np

from . import cb
from ._validation import count, finite_array, flag, generators, paired_vectors, positive

__all__ = ["correlation", "attractor_correlation", "retrieval_targets", "pairwise_angles",
           "orthogonality", "mean_correlation", "unique_states", "find_attractors",
           "recall_scores", "recognise", "sequence_string"]


def correlation(a, b):
    """Pearson correlation along the last axis (broadcast); 0 where a side is constant.

    a, b : arrays (..., n) -> (...), with the same ``n >= 1`` and broadcastable leading axes
    (an empty leading axis gives an empty result).
    """
    a = finite_array(a, "a")
    b = finite_array(b, "b")
    for arr, name in ((a, "a"), (b, "b")):
        if arr.ndim < 1 or arr.shape[-1] < 1:
            raise ValueError(f"{name} must have at least one value along its last axis, got shape "
                             f"{arr.shape}")
    paired_vectors(a, b, ("a", "b"))
    a = a - a.mean(axis=-1, keepdims=True)
    b = b - b.mean(axis=-1, keepdims=True)
    den = np.sqrt(np.sum(a * a, axis=-1) * np.sum(b * b, axis=-1))
    num = np.sum(a * b, axis=-1)
    out = np.divide(num, den, out=np.zeros(np.broadcast_shapes(num.shape, den.shape)),
                    where=den > 0)
    return float(out) if out.ndim == 0 else out


def attractor_correlation(a, b):
    """Pearson correlation of two attractors (vectors of equal length); NaN, explicitly and
    without a warning, when one is constant (e.g. the zero state), where it is undefined.

    Unlike :func:`correlation`, which scores a constant response as uncorrelated (0) because a
    retrieval score must be defined for every trial, a correlation between attractors is
    reported as undefined rather than as 0.
    """
    a = finite_array(a, "a", ndim=1)
    b = finite_array(b, "b", ndim=1)
    paired_vectors(a, b, ("a", "b"))
    if np.std(a) == 0 or np.std(b) == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def cosine_projection(states, attractors):
    """Cosine similarity of each state with each attractor, a zero vector giving 0.

    Parameters
    ----------
    states : array (T, n) — e.g. a probe's states, one row per step
    attractors : array (A, n)

    Returns
    -------
    array (T, A)
    """
    states = finite_array(states, "states", ndim=2)
    attractors = finite_array(attractors, "attractors", ndim=2)
    if states.shape[1] != attractors.shape[1]:
        raise ValueError(f"states and attractors must have the same number of nodes, got "
                         f"{states.shape[1]} and {attractors.shape[1]}")
    norms = np.linalg.norm(attractors, axis=1, keepdims=True)
    a = attractors / np.where(norms > 0, norms, 1.0)          # a zero attractor projects to 0
    norms = np.linalg.norm(states, axis=1, keepdims=True)
    return (states / np.where(norms > 0, norms, 1.0)) @ a.T


def retrieval_targets(patterns, evidence):
    """The clean targets of retrieval and generalisation trials: ``0.1 * evidence * pattern``
    (the scale at which the paper's code compares states and patterns).

    patterns : array (..., n), n >= 1; evidence : float, or an array of shape (..., 1) that
    broadcasts against ``patterns`` (e.g. (B, 1, 1): one evidence per network) -> array of the
    broadcast shape, with at least one pattern.
    """
    e = finite_array(evidence, "evidence")
    p = finite_array(patterns, "patterns")
    if p.ndim < 1 or p.shape[-1] < 1:
        raise ValueError(f"patterns must be an array (..., n) with n >= 1, got shape {p.shape}")
    if e.ndim >= 1 and e.shape[-1] != 1:
        raise ValueError(f"evidence must be a number or an array (..., 1) (one evidence per "
                         f"pattern or network), got shape {e.shape}")
    try:
        shape = np.broadcast_shapes(e.shape, p.shape)
    except ValueError:
        raise ValueError(f"evidence {e.shape} must broadcast against patterns {p.shape}") from None
    if 0 in shape:
        raise ValueError(f"patterns and evidence must give at least one pattern, got shapes "
                         f"{p.shape} and {e.shape}")
    return (0.1 * e) * p


def _cosines(vectors):
    v = finite_array(vectors, "vectors", ndim=2)
    norms = np.linalg.norm(v, axis=1)
    v = v[norms > 0] / norms[norms > 0, None]
    return np.clip(v @ v.T, -1.0, 1.0)


def pairwise_angles(vectors, *, include_self=False):
    """Angles in degrees between vectors (rows of ``vectors`` (m, n); zero rows are skipped).

    Returns the distinct pairs ``i < j`` (m(m-1)/2 values), or the full m x m matrix flattened
    with ``include_self=True``. No rows give no angles.
    """
    flag(include_self, "include_self")
    cos = _cosines(vectors)
    ang = np.degrees(np.arccos(cos))
    if include_self:
        np.fill_diagonal(ang, 0.0)
        return ang.ravel()
    iu = np.triu_indices(cos.shape[0], k=1)
    return ang[iu]


def orthogonality(vectors, *, include_self=False, drop_degrees=1.0):
    """Mean deviation from orthogonality, ``mean |90 - angle|`` in degrees (0 = orthogonal).

    Angles within ``drop_degrees`` of 0 or 180 are dropped (duplicates and sign flips) unless
    ``include_self`` is set, which reproduces the paper's full-matrix average including the
    self-angles. Returns NaN when no pair remains (fewer than two distinct vectors): the
    quantity is undefined there, e.g. for a network with a single attractor.
    """
    flag(include_self, "include_self")
    drop_degrees = positive(drop_degrees, "drop_degrees", allow_zero=True)
    if drop_degrees > 90.0:
        raise ValueError(f"drop_degrees must be at most 90, got {drop_degrees}")
    ang = pairwise_angles(vectors, include_self=include_self)
    if not include_self:
        ang = ang[(ang >= drop_degrees) & (ang <= 180.0 - drop_degrees)]
    return float(np.mean(np.abs(90.0 - ang))) if ang.size else float("nan")


def mean_correlation(vectors, *, include_self=False):
    """Mean pairwise Pearson correlation between rows (distinct pairs unless ``include_self``).

    Raises
    ------
    ValueError
        If ``vectors`` has fewer than two rows (one with ``include_self``), so that there is no
        pair, or a constant row, whose correlation is undefined.
    """
    flag(include_self, "include_self")
    v = finite_array(vectors, "vectors", ndim=2)
    need = 1 if include_self else 2
    if v.shape[0] < need:
        raise ValueError(f"vectors must have at least {need} row(s) to correlate, "
                         f"got shape {v.shape}")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r = np.corrcoef(v)
    if not np.all(np.isfinite(r)):
        raise ValueError("vectors has a constant row (or too few columns, or values so large "
                         "that their variance overflows): its correlation is undefined")
    if include_self:
        return float(r.mean())
    iu = np.triu_indices(v.shape[0], k=1)
    return float(r[iu].mean())


def _decimals(decimals):
    if (isinstance(decimals, (bool, np.bool_))
            or not isinstance(decimals, (numbers.Integral, np.integer))):
        raise TypeError(f"decimals must be an integer, got {type(decimals).__name__}")
    if not -15 <= decimals <= 15:
        raise ValueError(f"decimals must be an integer from -15 to 15, got {decimals}")
    return int(decimals)


def unique_states(states, *, decimals=2):
    """Unique rows of ``states`` (m, n) after rounding to ``decimals`` (order of first appearance).

    ``decimals`` is an integer from -15 to 15 (as for :func:`numpy.round`); no rows give none.
    """
    decimals = _decimals(decimals)
    states = finite_array(states, "states", ndim=2)
    with np.errstate(over="ignore", invalid="ignore"):
        s = np.round(states, decimals) + 0.0  # + 0.0 turns -0 into 0
    if not np.all(np.isfinite(s)):
        raise ValueError(f"states are too large to round to {decimals} decimals (overflow)")
    _, first = np.unique(s, axis=0, return_index=True)
    return s[np.sort(first)]


def find_attractors(network, patterns, *, start_scale=0.1, decimals=2, tol=1e-10, max_steps=1000):
    """Fixed-point attractors reached from each pattern, as in the reference code.

    Deterministic dynamics with zero bias and iT = 1 from ``L(start_scale * x)`` for each
    pattern ``x`` (as the network was trained on it: z-scored, or evidence * pattern).

    Parameters
    ----------
    network : AttractorNetwork or AttractorBatch
    patterns : array (M, n), or (B, M, n) for a batch with per-network patterns

    Returns
    -------
    For a single network: ``(unique, fixed_points, converged)`` with ``unique`` (A, n),
    ``fixed_points`` (M, n), ``converged`` (M,). For a batch: lists of those per network.
    M = 0 patterns give empty arrays.
    """
    from .network import AttractorBatch, AttractorNetwork

    if not isinstance(network, (AttractorNetwork, AttractorBatch)):
        raise TypeError(f"network must be an AttractorNetwork or an AttractorBatch, got "
                        f"{type(network).__name__}")
    n = network.n_nodes
    x = finite_array(patterns, "patterns")
    if isinstance(network, AttractorNetwork):
        ok, want = x.ndim == 2 and x.shape[1] == n, f"(M, {n})"
    else:
        B = network.n_networks
        ok = ((x.ndim == 2 and x.shape[1] == n)
              or (x.ndim == 3 and x.shape[0] == B and x.shape[2] == n))
        want = f"(M, {n}) or ({B}, M, {n})"
    if not ok:
        raise ValueError(f"patterns must have shape {want}, got {x.shape}")
    decimals = _decimals(decimals)
    start_scale = positive(start_scale, "start_scale")
    tol = positive(tol, "tol")
    max_steps = count(max_steps, "max_steps")
    with np.errstate(over="ignore"):
        scaled = start_scale * x
    if not np.all(np.isfinite(scaled)):
        raise ValueError("start_scale * patterns overflows: start_scale or patterns is too large")
    starts = cb.langevin(scaled)
    res = network.relax(starts, inverse_temperature=1.0, tol=tol, max_steps=max_steps)
    if res.states.ndim == 2:
        return unique_states(res.states, decimals=decimals), res.states, res.converged
    uniq = [unique_states(s, decimals=decimals) for s in res.states]
    return uniq, res.states, res.converged


def recall_scores(batch, originals, *, rng, steps=100, inverse_temperature=1.0):
    """Scores of noisy-pattern completion for every trial, batched over networks.

    Each network, starting from its current state (restored afterwards), sees in turn each
    trial's ``noisy = original + N(0, std(original))`` as bias for ``steps`` stochastic steps
    without learning; its response is the mean state over those steps.

    Parameters
    ----------
    batch : AttractorBatch
    originals : array (T, n) shared, or (B, T, n) per network — the clean targets
    rng : int, Generator or sequence of B of those — noise streams (one per network)
    steps : int — steps per trial (paper: 100)

    Returns
    -------
    dict of arrays (B, T): ``score`` = r2(response, original) - r2(noisy, original),
    ``r2_response``, ``r2_noisy``; and ``response``, ``noisy`` (B, T, n).
    """
    from .network import AttractorBatch

    if not isinstance(batch, AttractorBatch):
        raise TypeError(f"batch must be an AttractorBatch, got {type(batch).__name__}")
    B, n = batch.n_networks, batch.n_nodes
    orig = finite_array(originals, "originals")
    if orig.ndim == 2:
        orig = np.broadcast_to(orig, (B,) + orig.shape)
    if orig.ndim != 3 or orig.shape[0] != B or orig.shape[2] != n:
        raise ValueError(f"originals must have shape (T, {n}) or ({B}, T, {n}), "
                         f"got {np.shape(originals)}")
    if orig.shape[1] < 1:
        raise ValueError(f"originals must hold at least one trial (T >= 1), "
                         f"got shape {np.shape(originals)}")
    steps = count(steps, "steps")
    T = orig.shape[1]
    sd = orig.std(axis=-1, keepdims=True)
    noise = np.stack([g.standard_normal((T, n)) for g in generators(rng, B)])
    noisy = np.ascontiguousarray(orig + sd * noise)
    saved = batch.state.copy()
    response = batch.simulate(noisy, np.tile(np.arange(T), (B, 1)), steps_per_segment=steps,
                              inverse_temperature=inverse_temperature, learning_rate=0.0,
                              record="means")
    batch.state = saved
    r2_resp = correlation(response, orig) ** 2
    r2_noisy = correlation(noisy, orig) ** 2
    return {"score": r2_resp - r2_noisy, "r2_response": r2_resp, "r2_noisy": r2_noisy,
            "response": response, "noisy": noisy}


def recognise(states, references, *, threshold=0.5):
    """Index of the best-correlated reference for each state, or -1 below ``threshold``.

    states (T, n), references (R, n) with R >= 1 -> int array (T,) (empty for T = 0);
    ``threshold`` a finite real number (a correlation: values outside [-1, 1] recognise
    everything or nothing).
    """
    s = finite_array(states, "states", ndim=2)
    r = finite_array(references, "references", ndim=2)
    if r.shape[0] < 1:
        raise ValueError(f"references must hold at least one reference, got shape {r.shape}")
    if s.shape[1] != r.shape[1]:
        raise ValueError(f"states and references must have the same number of columns, got shapes "
                         f"{s.shape} and {r.shape}")
    if s.shape[1] < 1:
        raise ValueError(f"states and references must have at least one column, got shapes "
                         f"{s.shape} and {r.shape}")
    if (isinstance(threshold, (bool, np.bool_))
            or not isinstance(threshold, (numbers.Real, np.floating, np.integer))):
        raise TypeError(f"threshold must be a real number, got {type(threshold).__name__}")
    if not np.isfinite(threshold):
        raise ValueError(f"threshold must be finite, got {threshold}")
    corr = correlation(s[:, None, :], r[None, :, :])
    best = np.argmax(corr, axis=1)
    best[corr[np.arange(s.shape[0]), best] < threshold] = -1
    return best


def sequence_string(indices, labels):
    """Collapse a per-step recognition sequence into the succession of visited patterns.

    ``indices`` from :func:`recognise` (-1 = none); consecutive repeats and unrecognised steps
    are dropped; ``labels[k]`` names reference k. E.g. [0,0,-1,1,1,2,0] with labels "123"
    gives "1231".

    ``indices`` is a 1-D integer array (negative = unrecognised); ``labels`` a string or a
    list, tuple or 1-D array with an entry for every index that occurs.
    """
    try:
        idx = np.asarray(indices)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"indices must be a 1-D integer array, "
                        f"got {type(indices).__name__}") from exc
    if idx.ndim != 1 or not (np.issubdtype(idx.dtype, np.integer) or idx.size == 0):
        raise TypeError(f"indices must be a 1-D integer array, got shape {idx.shape} and dtype "
                        f"{idx.dtype}")
    if isinstance(labels, np.ndarray):
        if labels.ndim != 1:
            raise ValueError(f"labels must be 1-D, got shape {labels.shape}")
    elif not isinstance(labels, (str, list, tuple)):
        raise TypeError(f"labels must be a string or a sequence of labels, "
                        f"got {type(labels).__name__}")
    if idx.size and idx.max() >= len(labels):
        raise ValueError(f"indices refers to reference {int(idx.max())}, but labels has only "
                         f"{len(labels)} entries")
    out = []
    for k in idx:
        if k < 0:
            continue
        lab = str(labels[k])
        if not out or out[-1] != lab:
            out.append(lab)
    return "".join(out)
