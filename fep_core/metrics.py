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
"""
from __future__ import annotations

import numpy as np

from . import cb
from ._validation import count, finite_array, positive

__all__ = ["correlation", "pairwise_angles", "orthogonality", "mean_correlation",
           "unique_states", "find_attractors", "recall_scores", "recognise", "sequence_string"]


def correlation(a, b):
    """Pearson correlation along the last axis (broadcast); 0 where a side is constant.

    a, b : arrays (..., n) -> (...)
    """
    a = finite_array(a, "a")
    b = finite_array(b, "b")
    a = a - a.mean(axis=-1, keepdims=True)
    b = b - b.mean(axis=-1, keepdims=True)
    den = np.sqrt(np.sum(a * a, axis=-1) * np.sum(b * b, axis=-1))
    num = np.sum(a * b, axis=-1)
    out = np.divide(num, den, out=np.zeros(np.broadcast_shapes(num.shape, den.shape)), where=den > 0)
    return float(out) if out.ndim == 0 else out


def _cosines(vectors):
    v = finite_array(vectors, "vectors", ndim=2)
    norms = np.linalg.norm(v, axis=1)
    v = v[norms > 0] / norms[norms > 0, None]
    return np.clip(v @ v.T, -1.0, 1.0)


def pairwise_angles(vectors, *, include_self=False):
    """Angles in degrees between vectors (rows of ``vectors`` (m, n); zero rows are skipped).

    Returns the distinct pairs ``i < j`` (m(m-1)/2 values), or the full m x m matrix flattened
    with ``include_self=True``.
    """
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
    ang = pairwise_angles(vectors, include_self=include_self)
    if not include_self:
        ang = ang[(ang >= drop_degrees) & (ang <= 180.0 - drop_degrees)]
    return float(np.mean(np.abs(90.0 - ang))) if ang.size else float("nan")


def mean_correlation(vectors, *, include_self=False):
    """Mean pairwise Pearson correlation between rows (distinct pairs unless ``include_self``)."""
    v = finite_array(vectors, "vectors", ndim=2)
    r = np.corrcoef(v)
    if include_self:
        return float(r.mean())
    iu = np.triu_indices(v.shape[0], k=1)
    return float(r[iu].mean()) if iu[0].size else float("nan")


def unique_states(states, *, decimals=2):
    """Unique rows of ``states`` (m, n) after rounding to ``decimals`` (order of first appearance)."""
    s = np.round(finite_array(states, "states", ndim=2), decimals) + 0.0  # + 0.0 turns -0 into 0
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
    """
    x = finite_array(patterns, "patterns")
    starts = cb.langevin(positive(start_scale, "start_scale") * x)
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
    from .network import _generators

    B, n = batch.n_networks, batch.n_nodes
    orig = finite_array(originals, "originals")
    if orig.ndim == 2:
        orig = np.broadcast_to(orig, (B,) + orig.shape)
    if orig.ndim != 3 or orig.shape[0] != B or orig.shape[2] != n:
        raise ValueError(f"originals must have shape (T, {n}) or ({B}, T, {n}), got {np.shape(originals)}")
    steps = count(steps, "steps")
    T = orig.shape[1]
    sd = orig.std(axis=-1, keepdims=True)
    noise = np.stack([g.standard_normal((T, n)) for g in _generators(rng, B)])
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

    states (T, n), references (R, n) -> int array (T,)
    """
    s = finite_array(states, "states", ndim=2)
    r = finite_array(references, "references", ndim=2)
    corr = correlation(s[:, None, :], r[None, :, :])
    best = np.argmax(corr, axis=1)
    best[corr[np.arange(s.shape[0]), best] < threshold] = -1
    return best


def sequence_string(indices, labels):
    """Collapse a per-step recognition sequence into the succession of visited patterns.

    ``indices`` from :func:`recognise` (-1 = none); consecutive repeats and unrecognised steps
    are dropped; ``labels[k]`` names reference k. E.g. [0,0,-1,1,1,2,0] with labels "123"
    gives "1231".
    """
    out = []
    for k in np.asarray(indices):
        if k < 0:
            continue
        lab = str(labels[k])
        if not out or out[-1] != lab:
            out.append(lab)
    return "".join(out)
