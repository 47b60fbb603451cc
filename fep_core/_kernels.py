"""Compiled (numba) kernels of the attractor network. Private: use :mod:`fep_core.network`.

One synchronous step of the paper's reference code, for a network with coupling ``J`` (n x n,
zero diagonal), state ``x``, bias ``b``, precision ``iT`` and learning rate ``alpha``:

1. ``h = J @ x``                                   (all nodes see the previous state)
2. ``x' = ppf(u, iT (b + h))`` or ``L(iT (b + h))``  (stochastic / deterministic inference)
3. ``J_ij += alpha (x'_i - L(h_i)) x'_j``  for i != j  (Hebbian minus predicted correlation)

Layout: the kernels hold ``JT = J.T`` (row ``j`` of ``JT`` is column ``j`` of ``J``), so that
``h = sum_j x_j JT[j]`` is a sequence of AXPYs, which vectorise across ``i`` while each ``h_i`` is
still summed over ``j`` in a fixed order (no reassociation, bitwise reproducible). Step 3 and the
next step's step 1 both use the new state, so they are fused into one sweep over ``JT``
(``_sweep``): one read and one write of J per step. ``h`` is carried from one call to the next
(or, at the first call, computed with the same order as a sweep computes it), so results do not
depend on how a long run is split into calls, and the batched, single-network and
column-parallel kernels agree bit for bit. The drivers in :mod:`fep_core.network` split long
runs (and relaxations) into calls of a fraction of a second, so that Ctrl-C is seen promptly.

The uniforms of stochastic inference are drawn inside the kernels, each network from its own
numpy generator (:mod:`fep_core._rng`), or taken from an array the caller supplies.

``JT`` may be float64 or float32 (numba compiles, and caches, one specialisation of each kernel
per type); everything else is float64. With float32 couplings each updated entry is computed in
float64 and rounded once when stored (:func:`_stored`), and fields are summed in float64 from
the stored entries. The float32 sweep vectorises like the float64 one (four lanes of float64
arithmetic, the entries converted on load and store), at half the bytes per step.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange, types
from numba.extending import overload

from ._numerics import (
    kl as _kl,
    langevin as _L,
    langevin_given_exp as _Le,
    ppf as _ppf,
    vexp_neg,
    vlog_unit,
)
from ._rng import draw as _draw

# ---------------------------------------------------------------------------------------------
# Sweep primitives (shared by every kernel so that all of them round identically)


def _stored(JT, value):
    """``value`` rounded to the precision ``JT`` stores (its compiled form is below)."""
    return JT.dtype.type(value)


@overload(_stored)
def _stored_compiled(JT, value):
    # float32 couplings: an update is computed in float64 and rounded once, when stored; the
    # field is then summed (in float64) from the rounded value, which a later sweep reads back,
    # so a field carried between calls equals one computed afresh. The result is typed float32,
    # so that the diagonal's select and the store need no further conversion. float64: the
    # identity (the same machine code as without it).
    if isinstance(JT, types.Array) and JT.dtype == types.float32:
        return lambda JT, value: np.float32(value)
    return lambda JT, value: value


@njit(cache=True, error_model="numpy")
def _field(JT, x, h, lo, hi):
    """``h[i] = sum_j J_ij x_j`` for ``lo <= i < hi``, summed over ``j`` in order.

    Four rows of ``JT`` per pass over ``h``: the partial sums are added in the same order as
    row by row (so the result is bitwise the same), but ``h`` is loaded and stored a quarter as
    often. The loops run over slices from index 0: with a runtime ``lo`` numba could not prove
    an index non-negative and would keep a negative-index check on every access, which blocks
    vectorisation (2.5x slower on a 4096-node network).
    """
    n = x.shape[0]
    m = hi - lo
    hh = h[lo:hi]
    for i in range(m):
        hh[i] = 0.0
    j = 0
    while j + 4 <= n:
        x0, x1, x2, x3 = x[j], x[j + 1], x[j + 2], x[j + 3]
        r0, r1 = JT[j, lo:hi], JT[j + 1, lo:hi]
        r2, r3 = JT[j + 2, lo:hi], JT[j + 3, lo:hi]
        for i in range(m):
            hh[i] = (((hh[i] + x0 * r0[i]) + x1 * r1[i]) + x2 * r2[i]) + x3 * r3[i]
        j += 4
    while j < n:
        xj = x[j]
        r = JT[j, lo:hi]
        for i in range(m):
            hh[i] += xj * r[i]
        j += 1


@njit(cache=True, error_model="numpy")
def _sweep(JT, x, c, h, lo, hi):
    """Learning update fused with the next field, for ``lo <= i < hi``.

    ``J_ij += c_i x_j`` (i != j), then ``h_i = sum_j J_ij x_j`` with the updated ``J`` (as
    stored: rounded to float32 for float32 ``JT``), summed over ``j`` in order. The diagonal is
    set to exactly 0 before it is used. Four rows of ``JT``
    per pass, as in :func:`_field`: per element this stores ``h`` a quarter as often, which
    halves the time of the sweep (stores are its bottleneck).
    """
    n = x.shape[0]
    m = hi - lo
    hh = h[lo:hi]
    cc = c[lo:hi]
    zero = _stored(JT, 0.0)          # (of J's type: the select below stays in that type)
    for i in range(m):
        hh[i] = 0.0
    j = 0
    while j + 4 <= n:
        x0, x1, x2, x3 = x[j], x[j + 1], x[j + 2], x[j + 3]
        r0, r1 = JT[j, lo:hi], JT[j + 1, lo:hi]
        r2, r3 = JT[j + 2, lo:hi], JT[j + 3, lo:hi]
        d = j - lo                   # local index of row j's diagonal element (if in range)
        for i in range(m):
            ci = cc[i]
            # (loads outside the conditional expressions: a load inside one blocks vectorising)
            a0 = _stored(JT, r0[i] + ci * x0)
            a1 = _stored(JT, r1[i] + ci * x1)
            a2 = _stored(JT, r2[i] + ci * x2)
            a3 = _stored(JT, r3[i] + ci * x3)
            a0 = zero if i == d else a0
            a1 = zero if i == d + 1 else a1
            a2 = zero if i == d + 2 else a2
            a3 = zero if i == d + 3 else a3
            r0[i] = a0
            r1[i] = a1
            r2[i] = a2
            r3[i] = a3
            hh[i] = (((hh[i] + x0 * a0) + x1 * a1) + x2 * a2) + x3 * a3
        j += 4
    while j < n:
        xj = x[j]
        r = JT[j, lo:hi]
        d = j - lo
        for i in range(m):
            a = _stored(JT, r[i] + cc[i] * xj)
            a = zero if i == d else a
            r[i] = a
            hh[i] += xj * a
        j += 1


@njit(cache=True, error_model="numpy")
def _infer(bias, h, u, iT, alpha, pred_bias, stochastic, x, c, buf, ibuf):
    """Synchronous inference for all nodes: ``x = ppf(u, iT (b + h))`` (or ``L`` of it when
    deterministic) and, if ``alpha > 0``, the learning factors ``c = alpha (x - L(h + pb b))``
    (``pred_bias`` pb = 0: the reference code's prediction; 1: the paper's equation).

    The same stable forms as :func:`fep_core._numerics.ppf` and ``langevin``, evaluated for all
    nodes as branch-free array passes that the compiler vectorises, selecting per node:
    ``|theta| >= 0.5``: ``x = s (1 + log(w + (1 - w) e) / a)`` with ``e = exp(-2a)``;
    ``1e-8 <= |theta| < 0.5``: ``x = s (1 + log1p((1 - w) expm1(-2a)) / a)``, with Kahan's exact
    forms ``expm1(t) = (E - 1) t / log E`` and ``log1p(y) = log(1 + y) y / ((1 + y) - 1)``;
    below ``1e-8`` the first-order series ``2u - 1 + 2 theta u (1 - u)``. (``a = |theta|``,
    ``s = sign theta``, ``w = u`` or ``1 - u``.) ``buf`` float scratch (9n,), ``ibuf`` int64 (2n,).
    """
    n = x.shape[0]
    learn = alpha > 0.0
    cut = 1e-8 if stochastic else 0.5
    tt = buf[0:2 * n]           # exponents: -2 max(|theta|, cut), then -2 max(|h_pred|, 0.5)
    ex = buf[2 * n:4 * n]       # their exponentials
    th = buf[4 * n:5 * n]
    hp = buf[5 * n:6 * n]
    lg = buf[6 * n:7 * n]
    arg = buf[7 * n:8 * n]
    y = buf[8 * n:9 * n]
    for i in range(n):
        t = iT * (bias[i] + h[i])
        th[i] = t
        tt[i] = -2.0 * max(abs(t), cut)
    if learn:
        for i in range(n):
            p = h[i] + pred_bias * bias[i]
            hp[i] = p
            tt[n + i] = -2.0 * max(abs(p), 0.5)
    vexp_neg(tt, ex, ibuf, 2 * n if learn else n)
    if stochastic:
        vlog_unit(ex, lg, ibuf, n)                       # log E, for expm1
        for i in range(n):
            ui = u[i]
            w = ui if th[i] > 0.0 else 1.0 - ui
            E = ex[i]
            em1 = tt[i] if E == 1.0 else (E - 1.0) * tt[i] / lg[i]
            yi = (1.0 - w) * em1
            y[i] = yi
            arg[i] = w + (1.0 - w) * E if abs(th[i]) >= 0.5 else 1.0 + yi
        vlog_unit(arg, lg, ibuf, n)
        for i in range(n):
            t = th[i]
            a = max(abs(t), 1e-8)
            u1 = arg[i]
            yi = y[i]
            l1p = yi if u1 == 1.0 else lg[i] * yi / (u1 - 1.0)
            v = max(1.0 + (lg[i] if a >= 0.5 else l1p) / a, -1.0)
            v = v if t > 0.0 else -v
            ui = u[i]
            tiny = 2.0 * ui - 1.0 + 2.0 * t * ui * (1.0 - ui)
            v = tiny if abs(t) < 1e-8 else v
            x[i] = min(max(v, -1.0), 1.0)
    else:
        for i in range(n):
            x[i] = _Le(th[i], ex[i])
    if learn:
        for i in range(n):
            c[i] = alpha * (x[i] - _Le(hp[i], ex[n + i]))


@njit(cache=True, error_model="numpy")
def _vfe_head(x, bias, h, lq):
    """First pass of :func:`_macro_vfe`: ``lq = L(b + h)``; returns (complexity, b . lq)."""
    n = x.shape[0]
    comp = 0.0
    acc = 0.0
    for i in range(n):
        bq = bias[i] + h[i]
        comp += _kl(bq, bias[i])
        lq[i] = _L(bq)
        acc += bias[i] * lq[i]
    return comp, acc


@njit(cache=True, error_model="numpy")
def _vfe_tail(lq, tmp, comp, acc, out):
    """Last pass of :func:`_macro_vfe`, given ``tmp = J lq``: writes (vfe, complexity, accuracy)."""
    for i in range(lq.shape[0]):
        acc += lq[i] * tmp[i]
    out[0] = comp - acc
    out[1] = comp
    out[2] = acc


@njit(cache=True, error_model="numpy")
def _macro_vfe(JT, x, bias, h, lq, tmp, out):
    """Macro-scale VFE of the reference code at state ``x`` with ``h = J x``.

    ``bq = b + h``; complexity ``sum_i KL[CB(bq_i) || CB(b_i)]``; accuracy
    ``b . L(bq) + L(bq)^T J L(bq)``; writes (vfe, complexity, accuracy) into ``out``.
    """
    comp, acc = _vfe_head(x, bias, h, lq)
    _field(JT, lq, tmp, 0, x.shape[0])
    _vfe_tail(lq, tmp, comp, acc, out)


# ---------------------------------------------------------------------------------------------
# Dynamics of one network over a run of segments (constant bias within a segment)


@njit(cache=True, error_model="numpy")
def _record(t, s, x, bias, JT, h, lq, tmp, vfe, dj, states, means, trace):
    n = x.shape[0]
    if states.shape[0] > 0:
        for i in range(n):
            states[t, i] = x[i]
    if means.shape[0] > 0:
        for i in range(n):
            means[s, i] += x[i]
    if trace.shape[0] > 0:
        _macro_vfe(JT, x, bias, h, lq, tmp, vfe)
        trace[t, 0] = vfe[0]
        trace[t, 1] = vfe[1]
        trace[t, 2] = vfe[2]
        trace[t, 3] = dj


@njit(cache=True, error_model="numpy")
def _weight_change(c, x):
    """Frobenius norm of the update ``c_i x_j`` (i != j), from O(n) sums."""
    sq = 0.0
    for i in range(x.shape[0]):
        sq += x[i] * x[i]
    dj = 0.0
    for i in range(x.shape[0]):
        dj += c[i] * c[i] * (sq - x[i] * x[i])
    return math.sqrt(dj)


@njit(cache=True, error_model="numpy")
def _segment_start(s, k, patterns, seg_index, scale, bias, means):
    """At step ``k`` of segment ``s`` of a call: set the bias (the call's first step or a
    segment's first step) and, at a segment's first step, zero its mean."""
    n = bias.shape[0]
    p = patterns[seg_index[s]]
    for i in range(n):
        bias[i] = scale * p[i]
    if k == 0 and means.shape[0] > 0:
        for i in range(n):
            means[s, i] = 0.0


@njit(cache=True, error_model="numpy")
def _run_network(JT, x, h, fresh, patterns, seg_index, scale, steps_per_segment, first, nsteps,
                 iT, alpha, pred_bias, uniforms, rng_fn, rng_state, orders, stochastic,
                 sequential, states, means, trace):
    """Run ``nsteps`` steps in place, starting at step ``first`` of segment ``seg_index[0]``.

    A run of segments of ``steps_per_segment`` steps, split into calls anywhere: segment ``s`` of
    this call (``seg_index[s]``) uses bias ``scale * patterns[seg_index[s]]``. ``h`` (n,) holds
    ``J x`` between calls (synchronous schedule); with ``fresh`` it is computed first.

    Uniforms for stochastic inference: ``uniforms[t]`` (nsteps, n), or, if ``rng_fn`` is not 0,
    n numbers per step drawn in node order from the bit generator at ``(rng_fn, rng_state)``
    (see :mod:`fep_core._rng`).

    Synchronous schedule by default; ``sequential`` updates node ``orders[t, k]`` k-th within
    step ``t`` from the current states of all others (random-scan Gibbs), and learns after the
    sweep with, for each node, the field it saw (without bias) as prediction and the swept state
    as presynaptic factor.
    Optional outputs (size-0 arrays switch them off), indexed from this call's first step and
    segment: ``states`` (nsteps, n) every state; ``means`` (segments, n) mean state per segment
    (a segment continued from the previous call (``first > 0``) adds to the partial sum passed
    in ``means[0]``; one left incomplete keeps its partial sum, not yet divided); ``trace``
    (nsteps, 4) macro VFE, complexity, accuracy and ||dJ||_F per step.
    """
    n = x.shape[0]
    c = np.zeros(n)
    bias = np.empty(n)
    lq = np.empty(n)
    tmp = np.empty(n)
    vfe = np.empty(3)
    buf = np.empty(9 * n)
    ibuf = np.empty(2 * n, np.int64)
    u = np.empty(n)
    draw = stochastic and rng_fn != 0
    learn = alpha > 0.0
    if fresh and not sequential:
        _field(JT, x, h, 0, n)
    s = 0
    k = first
    for t in range(nsteps):
        if t == 0 or k == 0:
            _segment_start(s, k, patterns, seg_index, scale, bias, means)
        if draw:
            _draw(rng_fn, rng_state, u)
            ut = u
        else:
            ut = uniforms[t] if stochastic else bias
        if sequential:
            for q in range(n):
                i = orders[t, q]
                hi = 0.0
                for j in range(n):
                    hi += x[j] * JT[j, i]
                h[i] = hi
                theta = iT * (bias[i] + hi)
                x[i] = _ppf(ut[i], theta) if stochastic else _L(theta)
            if learn:
                for i in range(n):
                    c[i] = alpha * (x[i] - _L(h[i] + pred_bias * bias[i]))
                _sweep(JT, x, c, h, 0, n)
            else:
                _field(JT, x, h, 0, n)
        else:
            _infer(bias, h, ut, iT, alpha, pred_bias, stochastic, x, c, buf, ibuf)
            if learn:
                _sweep(JT, x, c, h, 0, n)
            else:
                _field(JT, x, h, 0, n)
        dj = _weight_change(c, x) if (learn and trace.shape[0] > 0) else 0.0
        _record(t, s, x, bias, JT, h, lq, tmp, vfe, dj, states, means, trace)
        k += 1
        if k == steps_per_segment:
            if means.shape[0] > 0:
                for i in range(n):
                    means[s, i] /= steps_per_segment
            k = 0
            s += 1


@njit(parallel=True, nogil=True, cache=True, error_model="numpy")
def run_batch(JT, x, h, fresh, patterns, seg_index, scale, steps_per_segment, first, nsteps, iT,
              alpha, pred_bias, uniforms, rng_fn, rng_state, orders, stochastic, sequential,
              states, means, trace):
    """Batched driver: network ``k`` runs on its own slice of every array (parallel over k).

    Shapes: JT (B, n, n) transposed couplings; x, h (B, n); patterns (Bp, P, n) with Bp in
    {1, B}; seg_index (B, S) (the segments this call touches); scale, iT, alpha (B,); pred_bias
    0.0 (code) or 1.0 (paper); uniforms (B, nsteps, n), or (B, 0, 0) with rng_fn, rng_state (B,)
    bit-generator addresses (all 0: use ``uniforms``); orders (B, nsteps, n) or (B, 0, 0);
    states (B, nsteps, n) or (B, 0, 0); means (B, S, n) or (B, 0, 0); trace (B, nsteps, 4) or
    (B, 0, 0). ``fresh``, ``first``, ``nsteps``: see :func:`_run_network`.
    """
    B = x.shape[0]
    shared = patterns.shape[0] == 1
    for k in prange(B):
        pk = patterns[0] if shared else patterns[k]
        _run_network(JT[k], x[k], h[k], fresh, pk, seg_index[k], scale[k], steps_per_segment,
                     first, nsteps, iT[k], alpha[k], pred_bias, uniforms[k], rng_fn[k],
                     rng_state[k], orders[k], stochastic, sequential, states[k], means[k],
                     trace[k])


@njit(parallel=True, nogil=True, cache=True, error_model="numpy")
def run_large_segments(JT, x, h, fresh, patterns, seg_index, scale, steps_per_segment, first,
                       nsteps, iT, alpha, pred_bias, uniforms, rng_fn, rng_state, stochastic,
                       n_chunks, states, means, trace):
    """One large network, synchronous schedule, the nodes split into ``n_chunks`` column blocks
    swept in parallel. For n in the thousands a step is bound by memory bandwidth (J is read and
    written once per step); the arithmetic per element is that of ``_run_network``, so the
    results are identical to it. Arguments as for :func:`_run_network` (JT (n, n), x, h (n,),
    patterns (P, n), seg_index (S,)); the trace's sweep over J is column-parallel too."""
    n = x.shape[0]
    c = np.zeros(n)
    bias = np.empty(n)
    lq = np.empty(n)
    tmp = np.empty(n)
    vfe = np.empty(3)
    bounds = np.linspace(0, n, n_chunks + 1).astype(np.int64)
    buf = np.empty(9 * n)
    ibuf = np.empty(2 * n, np.int64)
    u = np.empty(n)
    draw = stochastic and rng_fn != 0
    learn = alpha > 0.0
    if fresh:
        for q in prange(n_chunks):
            _field(JT, x, h, bounds[q], bounds[q + 1])
    s = 0
    k = first
    for t in range(nsteps):
        if t == 0 or k == 0:
            _segment_start(s, k, patterns, seg_index, scale, bias, means)
        if draw:
            _draw(rng_fn, rng_state, u)
            ut = u
        else:
            ut = uniforms[t] if stochastic else bias
        _infer(bias, h, ut, iT, alpha, pred_bias, stochastic, x, c, buf, ibuf)
        if learn:
            for q in prange(n_chunks):
                _sweep(JT, x, c, h, bounds[q], bounds[q + 1])
        else:
            for q in prange(n_chunks):
                _field(JT, x, h, bounds[q], bounds[q + 1])
        if states.shape[0] > 0:
            for i in range(n):
                states[t, i] = x[i]
        if means.shape[0] > 0:
            for i in range(n):
                means[s, i] += x[i]
        if trace.shape[0] > 0:            # _record's macro VFE, its sweep split over columns
            comp, acc = _vfe_head(x, bias, h, lq)
            for q in prange(n_chunks):
                _field(JT, lq, tmp, bounds[q], bounds[q + 1])
            _vfe_tail(lq, tmp, comp, acc, vfe)
            trace[t, 0] = vfe[0]
            trace[t, 1] = vfe[1]
            trace[t, 2] = vfe[2]
            trace[t, 3] = _weight_change(c, x) if learn else 0.0
        k += 1
        if k == steps_per_segment:
            if means.shape[0] > 0:
                for i in range(n):
                    means[s, i] /= steps_per_segment
            k = 0
            s += 1


def run_large(JT, x, bias, steps, iT, alpha, uniforms, rng_fn, rng_state, stochastic, n_chunks,
              states):
    """``steps`` steps of one large network with a constant bias, learning if ``alpha > 0``:
    :func:`run_large_segments` with one segment (kept for callers of the earlier interface).
    Uniforms (steps, n) or (0, 0); states (steps, n) records every state (size 0: off)."""
    none = np.zeros((0, 0))
    run_large_segments(JT, x, np.empty(x.shape[0]), True, bias.reshape(1, -1),
                       np.zeros(1, np.int64), 1.0, steps, 0, steps, iT, alpha, 0.0, uniforms,
                       rng_fn, rng_state, stochastic, n_chunks, states, none, none)


@njit(parallel=True, cache=True, error_model="numpy")
def relax_batch(JT, x, bias, iT, tol, chunk, max_steps, steps, converged):
    """Deterministic synchronous iteration ``x <- L(iT (b + J x))`` to a fixed point, in place
    and resumable: every job (k, m) that has not converged and has taken fewer than
    ``max_steps`` steps takes up to ``chunk`` more.

    JT (B, n, n); x (B, M, n) (start with the initial states); bias (B, n); iT (B,); steps
    (B, M) int (start with 0), converged (B, M) bool (start with False). Converged when the
    largest change of a state is <= ``tol``; ``steps`` counts the iterations taken.
    """
    B, M, n = x.shape
    for job in prange(B * M):
        k = job // M
        m = job % M
        if converged[k, m] or steps[k, m] >= max_steps:
            continue
        xs = x[k, m]
        h = np.empty(n)
        it = steps[k, m]
        stop = min(max_steps, it + chunk)
        while it < stop:
            _field(JT[k], xs, h, 0, n)
            delta = 0.0
            for i in range(n):
                xi = _L(iT[k] * (bias[k, i] + h[i]))
                d = abs(xi - xs[i])
                if d > delta:
                    delta = d
                xs[i] = xi
            it += 1
            if delta <= tol:
                converged[k, m] = True
                break
        steps[k, m] = it


@njit(cache=True, error_model="numpy")
def macro_vfe_batch(JT, x, bias, out):
    """Macro VFE, complexity and accuracy per network: JT (B,n,n), x (B,n), bias (B,n) ->
    out (B,3)."""
    B, n = x.shape
    h = np.empty(n)
    lq = np.empty(n)
    tmp = np.empty(n)
    for k in range(B):
        _field(JT[k], x[k], h, 0, n)
        _macro_vfe(JT[k], x[k], bias[k], h, lq, tmp, out[k])
