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
(``_sweep``): one read and one write of J per step. ``h`` at the start of a call is recomputed
with the same order, so results do not depend on how a long run is split into calls, and the
batched, single-network and column-parallel kernels agree bit for bit.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ._numerics import kl as _kl
from ._numerics import langevin as _L
from ._numerics import ppf as _ppf
from ._numerics import _L_COEF, _horner, vexp_neg, vlog_unit

# ---------------------------------------------------------------------------------------------
# Sweep primitives (shared by every kernel so that all of them round identically)


@njit(cache=True, error_model="numpy")
def _field(JT, x, h, lo, hi):
    """``h[i] = sum_j J_ij x_j`` for ``lo <= i < hi``, summed over ``j`` in order.

    The loops run over slices from index 0: with a runtime ``lo`` numba could not prove the
    index non-negative and would keep a negative-index check on every access, which blocks
    vectorisation (2.5x slower on a 4096-node network).
    """
    n = x.shape[0]
    if lo == 0 and hi == n:           # whole rows: no per-row view (cheaper for small n)
        for i in range(n):
            h[i] = 0.0
        for j in range(n):
            xj = x[j]
            r = JT[j]
            for i in range(n):
                h[i] += xj * r[i]
        return
    m = hi - lo
    hh = h[lo:hi]
    for i in range(m):
        hh[i] = 0.0
    for j in range(n):
        xj = x[j]
        r = JT[j, lo:hi]
        for i in range(m):
            hh[i] += xj * r[i]


@njit(cache=True, error_model="numpy")
def _sweep(JT, x, c, h, lo, hi):
    """Learning update fused with the next field, for ``lo <= i < hi``.

    ``J_ij += c_i x_j`` (i != j), then ``h_i = sum_j J_ij x_j`` with the updated ``J``.
    The diagonal receives ``c_j x_j`` and is reset to exactly 0 before it is used. (Slices from
    index 0, as in :func:`_field`.)
    """
    m = hi - lo
    hh = h[lo:hi]
    cc = c[lo:hi]
    for i in range(m):
        hh[i] = 0.0
    for j in range(x.shape[0]):
        xj = x[j]
        r = JT[j, lo:hi]
        for i in range(m):
            r[i] += cc[i] * xj
        if lo <= j < hi:
            r[j - lo] = 0.0
        for i in range(m):
            hh[i] += xj * r[i]


@njit(cache=True, error_model="numpy")
def _vlangevin(b, ex, out, n):
    """``out = L(b)`` for n values given ``ex = exp(-2 max(|b|, 0.5))`` (branch-free)."""
    for i in range(n):
        bi = b[i]
        a = max(abs(bi), 0.5)
        e = ex[i]
        big = (1.0 - 1.0 / a) + 2.0 * e / (1.0 - e)
        big = big if bi > 0.0 else -big
        small = bi * _horner(_L_COEF, bi * bi)
        out[i] = small if abs(bi) < 0.5 else big


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
    th = buf[0:n]
    ex = buf[n:3 * n]           # exp(-2 max(|theta|, .)) then exp(-2 max(|h|, 0.5))
    lg = buf[3 * n:4 * n]
    arg = buf[4 * n:5 * n]
    y = buf[5 * n:6 * n]
    lh = buf[6 * n:7 * n]
    tt = buf[7 * n:8 * n]
    hp = buf[8 * n:9 * n]
    for i in range(n):
        t = iT * (bias[i] + h[i])
        th[i] = t
        tt[i] = -2.0 * max(abs(t), 1e-8) if stochastic else -2.0 * max(abs(t), 0.5)
        hp[i] = h[i] + pred_bias * bias[i]
        ex[n + i] = -2.0 * max(abs(hp[i]), 0.5)
    for i in range(n):
        ex[i] = tt[i]
    vexp_neg(ex, ex, ibuf, 2 * n if learn else n)
    if stochastic:
        vlog_unit(ex, lg, ibuf, n)                       # log E, for expm1
        for i in range(n):
            ui = u[i]
            w = ui if th[i] > 0.0 else 1.0 - ui
            E = ex[i]
            em1 = tt[i] if E == 1.0 else (E - 1.0) * tt[i] / lg[i]
            yi = (1.0 - w) * em1
            y[i] = yi
            big = abs(th[i]) >= 0.5
            arg[i] = w + (1.0 - w) * E if big else 1.0 + yi
        vlog_unit(arg, lg, ibuf, n)
        for i in range(n):
            t = th[i]
            a = max(abs(t), 1e-8)
            big = abs(t) >= 0.5
            u1 = arg[i]
            yi = y[i]
            l1p = yi if u1 == 1.0 else lg[i] * yi / (u1 - 1.0)
            v = max(1.0 + (lg[i] if big else l1p) / a, -1.0)
            v = v if t > 0.0 else -v
            ui = u[i]
            tiny = 2.0 * ui - 1.0 + 2.0 * t * ui * (1.0 - ui)
            v = tiny if abs(t) < 1e-8 else v
            x[i] = min(max(v, -1.0), 1.0)
    else:
        _vlangevin(th, ex, x, n)
    if learn:
        _vlangevin(hp, ex[n:], lh, n)
        for i in range(n):
            c[i] = alpha * (x[i] - lh[i])


@njit(cache=True, error_model="numpy")
def _macro_vfe(JT, x, bias, h, lq, tmp, out):
    """Macro-scale VFE of the reference code at state ``x`` with ``h = J x``.

    ``bq = b + h``; complexity ``sum_i KL[CB(bq_i) || CB(b_i)]``; accuracy
    ``b . L(bq) + L(bq)^T J L(bq)``; writes (vfe, complexity, accuracy) into ``out``.
    """
    n = x.shape[0]
    comp = 0.0
    acc = 0.0
    for i in range(n):
        bq = bias[i] + h[i]
        comp += _kl(bq, bias[i])
        lq[i] = _L(bq)
        acc += bias[i] * lq[i]
    _field(JT, lq, tmp, 0, n)
    for i in range(n):
        acc += lq[i] * tmp[i]
    out[0] = comp - acc
    out[1] = comp
    out[2] = acc


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
def _run_network(JT, x, patterns, seg_index, scale, steps_per_segment, iT, alpha, pred_bias,
                 uniforms, orders, stochastic, sequential, states, means, trace):
    """Run ``len(seg_index)`` segments of ``steps_per_segment`` steps in place.

    Segment ``s`` uses bias ``scale * patterns[seg_index[s]]``. Synchronous schedule by default;
    ``sequential`` updates node ``orders[t, k]`` k-th within step ``t`` from the current states
    of all others (random-scan Gibbs), and learns after the sweep with, for each node, the field
    it saw (without bias) as prediction and the swept state as presynaptic factor.
    Optional outputs (size-0 arrays switch them off): ``states`` (steps, n) every state;
    ``means`` (segments, n) mean state per segment; ``trace`` (steps, 4) macro VFE, complexity,
    accuracy and ||dJ||_F per step.
    """
    n = x.shape[0]
    h = np.empty(n)
    c = np.zeros(n)
    bias = np.empty(n)
    lq = np.empty(n)
    tmp = np.empty(n)
    vfe = np.empty(3)
    buf = np.empty(9 * n)
    ibuf = np.empty(2 * n, np.int64)
    learn = alpha > 0.0
    if not sequential:
        _field(JT, x, h, 0, n)
    t = 0
    for s in range(seg_index.shape[0]):
        p = patterns[seg_index[s]]
        for i in range(n):
            bias[i] = scale * p[i]
        if means.shape[0] > 0:
            for i in range(n):
                means[s, i] = 0.0
        for _ in range(steps_per_segment):
            if sequential:
                for k in range(n):
                    i = orders[t, k]
                    hi = 0.0
                    for j in range(n):
                        hi += x[j] * JT[j, i]
                    h[i] = hi
                    theta = iT * (bias[i] + hi)
                    x[i] = _ppf(uniforms[t, i], theta) if stochastic else _L(theta)
                if learn:
                    for i in range(n):
                        c[i] = alpha * (x[i] - _L(h[i] + pred_bias * bias[i]))
                    _sweep(JT, x, c, h, 0, n)
                else:
                    _field(JT, x, h, 0, n)
            else:
                _infer(bias, h, uniforms[t] if stochastic else bias, iT, alpha, pred_bias,
                       stochastic, x, c, buf, ibuf)
                if learn:
                    _sweep(JT, x, c, h, 0, n)
                else:
                    _field(JT, x, h, 0, n)
            dj = _weight_change(c, x) if (learn and trace.shape[0] > 0) else 0.0
            _record(t, s, x, bias, JT, h, lq, tmp, vfe, dj, states, means, trace)
            t += 1
        if means.shape[0] > 0:
            for i in range(n):
                means[s, i] /= steps_per_segment


@njit(parallel=True, cache=True, error_model="numpy")
def run_batch(JT, x, patterns, seg_index, scale, steps_per_segment, iT, alpha, pred_bias, uniforms,
              orders, stochastic, sequential, states, means, trace):
    """Batched driver: network ``k`` runs on its own slice of every array (parallel over k).

    Shapes: JT (B, n, n) transposed couplings; x (B, n); patterns (Bp, P, n) with Bp in {1, B};
    seg_index (B, S); scale, iT, alpha (B,); pred_bias 0.0 (code) or 1.0 (paper); uniforms (B, S*K, n); orders (B, S*K, n) or
    (B, 0, 0); states (B, S*K, n) or (B, 0, 0); means (B, S, n) or (B, 0, 0); trace
    (B, S*K, 4) or (B, 0, 0).
    """
    B = x.shape[0]
    shared = patterns.shape[0] == 1
    for k in prange(B):
        pk = patterns[0] if shared else patterns[k]
        _run_network(JT[k], x[k], pk, seg_index[k], scale[k], steps_per_segment, iT[k], alpha[k],
                     pred_bias, uniforms[k], orders[k], stochastic, sequential, states[k], means[k],
                     trace[k])


@njit(parallel=True, cache=True, error_model="numpy")
def run_large(JT, x, bias, steps, iT, alpha, uniforms, stochastic, n_chunks, states):
    """One large network, synchronous schedule, the nodes split into ``n_chunks`` column blocks
    swept in parallel. For n in the thousands a step is bound by memory bandwidth (J is read and
    written once per step); the arithmetic per element is that of ``_run_network``, so the
    results are identical to it. ``states`` (steps, n) records every state (size 0: off)."""
    n = x.shape[0]
    h = np.empty(n)
    c = np.zeros(n)
    bounds = np.linspace(0, n, n_chunks + 1).astype(np.int64)
    buf = np.empty(9 * n)
    ibuf = np.empty(2 * n, np.int64)
    learn = alpha > 0.0
    for q in prange(n_chunks):
        _field(JT, x, h, bounds[q], bounds[q + 1])
    for t in range(steps):
        _infer(bias, h, uniforms[t] if stochastic else bias, iT, alpha, 0.0, stochastic, x, c, buf,
               ibuf)
        if learn:
            for q in prange(n_chunks):
                _sweep(JT, x, c, h, bounds[q], bounds[q + 1])
        else:
            for q in prange(n_chunks):
                _field(JT, x, h, bounds[q], bounds[q + 1])
        if states.shape[0] > 0:
            states[t] = x


@njit(parallel=True, cache=True, error_model="numpy")
def relax_batch(JT, starts, bias, iT, tol, max_steps, out, steps, converged):
    """Deterministic synchronous iteration ``x <- L(iT (b + J x))`` to a fixed point.

    JT (B, n, n); starts (B, M, n); bias (B, n); iT (B,). Converged when the largest change of
    a state is <= ``tol``. Writes out (B, M, n), steps (B, M), converged (B, M).
    """
    B, M, n = starts.shape
    for job in prange(B * M):
        k = job // M
        m = job % M
        x = starts[k, m].copy()
        h = np.empty(n)
        steps[k, m] = max_steps
        converged[k, m] = False
        for it in range(max_steps):
            _field(JT[k], x, h, 0, n)
            delta = 0.0
            for i in range(n):
                xi = _L(iT[k] * (bias[k, i] + h[i]))
                d = abs(xi - x[i])
                if d > delta:
                    delta = d
                x[i] = xi
            if delta <= tol:
                steps[k, m] = it + 1
                converged[k, m] = True
                break
        out[k, m] = x


@njit(cache=True, error_model="numpy")
def macro_vfe_batch(JT, x, bias, out):
    """Macro VFE, complexity and accuracy per network: JT (B,n,n), x (B,n), bias (B,n) -> out (B,3)."""
    B, n = x.shape
    h = np.empty(n)
    lq = np.empty(n)
    tmp = np.empty(n)
    for k in range(B):
        _field(JT[k], x[k], h, 0, n)
        _macro_vfe(JT[k], x[k], bias[k], h, lq, tmp, out[k])
