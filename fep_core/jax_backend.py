"""A JAX backend of the network engine: :class:`JaxAttractorBatch`, for a GPU (or JAX on a CPU).

An optional part of fep_core: it needs ``jax`` and ``jaxlib`` (``pip install -e ".[jax]"``; for a
GPU, the CUDA plugin of the same version), which the numba engine and the simulations never
import. Import this module only when you want it (it imports JAX); constructing a
:class:`JaxAttractorBatch` without JAX raises an ``ImportError`` that says what to install.

**The switch.** ``JaxAttractorBatch(B, n, rng=..., coupling=..., dtype="float64")`` is a drop-in
for :class:`fep_core.network.AttractorBatch` where the methods below are concerned:
:meth:`~JaxAttractorBatch.simulate`, :meth:`~JaxAttractorBatch.run`,
:meth:`~JaxAttractorBatch.train` and :meth:`~JaxAttractorBatch.relax` take the same arguments and
return the same kinds of results, and ``J``/``state`` are NumPy arrays (copies).

**The step** is the compiled CPU engine's (:mod:`fep_core._kernels`), for network ``k`` with
couplings ``J`` (zero diagonal), state ``x``, bias ``b``, precision ``iT`` and learning rate
``alpha``: ``h = J x`` from the previous state (synchronous), ``x' = ppf(u, iT (b + h))`` (or
``L(iT (b + h))`` when deterministic), then ``J_ij += alpha (x'_i - L(h_i + pb b_i)) x'_j`` for
``i != j`` with ``pb = 0`` (``prediction="code"``) or 1 (``"paper"``). The state and J carry over
between calls, epochs and segments. ``schedule="sequential"`` (random-scan Gibbs: node
``order[q]`` q-th, each from the current states of the others, then learning with the field each
node saw) is supported too; it is a loop over nodes, slow on a GPU. The continuous-Bernoulli
numerics (``L``, the inverse CDF, and for the free-energy trace ``KL`` and its parts) are ported
branch for branch from :mod:`fep_core._numerics`, with the same series, so that in float64 they
agree with :mod:`fep_core.cb` to about 1e-13 for every finite input (subnormal numbers aside:
XLA flushes them to zero). ``log1p`` and ``expm1`` are Kahan's exact forms, as in the CPU
kernels, rather than XLA's (whose float64 ``log1p`` on the CPU is off by up to 126 ulp).

Given the same uniforms (the ``uniforms`` argument), a float64 run reproduces the CPU engine's
states and couplings to rounding (tests/test_jax_backend.py: 1e-12 over hundreds of learning
steps); the two sum ``J x`` in different orders and use different exp/log, so not bit for bit.

**Random numbers.** Without ``uniforms``, network ``k`` draws its uniforms from its own
``jax.random`` (threefry) key: step ``t`` of the batch's life uses
``uniform(fold_in(fold_in(key_k, t >> 32), t mod 2**32), (n,))``, so results depend only on the
seed and on the sequence of calls, not on how a run is split into compiled chunks, and threefry
gives the same bits on a CPU and a GPU. The keys come from a child of each network's
``numpy.random.Generator``'s seed sequence (``rng`` as for ``AttractorBatch``: one seed spawned
into B streams, or one per network), made when the batch is made, which leaves the generator's
own stream untouched: the generators then choose :meth:`train`'s patterns and the sequential
schedule's node orders exactly as in the CPU engine.
The numbers differ from the CPU engine's (which draws from the NumPy generators themselves), so
with a seed the two backends agree in distribution, not sample by sample.

**Precision.** ``dtype="float64"`` (default) runs every computation inside
``jax.enable_x64(True)``, a context manager that switches 64-bit types on for this thread while
the block runs and restores the previous setting after it: the user's global JAX configuration
(``jax_enable_x64``) is not changed. ``dtype="float32"`` computes everything in float32
(couplings, states, fields, numerics: half the bytes per step; results to float32 rounding) and
returns float32 arrays.
Matrix-vector products ask for ``precision="highest"``, so that a GPU does not use TF32.

**Device.** Whatever JAX picks by default (a GPU if jaxlib has CUDA and finds one, else the CPU;
``JAX_PLATFORMS=cpu`` forces the CPU). ``J`` stays on the device between calls; each compiled
chunk donates the couplings and state, so they are updated in place.

**Compilation.** A run is executed in chunks of ``C`` steps (a power of two fixed by the batch
size, ``n`` and the run's length, see :func:`chunk_steps`), each one compiled call: the steps are
a ``jax.lax.fori_loop`` whose trip count is an argument (so a chunk's last, shorter call reuses
the compilation; ``lax.scan`` would need it as a shape), the networks a ``jax.vmap``. Each
combination of shapes, dtype and options (stochastic, own random numbers, schedule, learning,
``record``) compiles once per process (JAX's own cache); the prediction is an argument. The first
call of a combination pays the compile time: a few seconds on a 2-core CPU, about twice that for
the free-energy trace (whose KL divergence has many branches). Between chunks Python runs, so
Ctrl-C stops a long run.
"""
from __future__ import annotations

import contextlib
import math
import time
from fractions import Fraction
from functools import partial

import numpy as np

from ._validation import choice, count, finite_array, flag, generators, positive, positive_array
from .network import AttractorBatch, RelaxResult

try:                                    # optional: only this module imports JAX
    import jax
    import jax.numpy as jnp
    from jax import lax
except ImportError:                     # pragma: no cover - exercised where JAX is absent
    jax = jnp = lax = None

__all__ = ["JaxAttractorBatch", "available", "langevin", "langevin_prime", "log_partition",
           "entropy", "kl", "ppf", "macro_vfe", "chunk_steps"]

_INSTALL = ('the JAX backend needs jax and jaxlib: pip install -e ".[jax]" (for a GPU, a CUDA '
            "build of jaxlib; see README.md, 'The JAX backend')")


def available():
    """Whether JAX can be imported (then :class:`JaxAttractorBatch` works)."""
    return jax is not None


def _require_jax():
    if jax is None:
        raise ImportError(_INSTALL)


def _precision(dtype):
    """The context every JAX computation of a batch runs in: 64-bit types on for float64 (for
    this thread and this block only), the caller's own setting otherwise."""
    return jax.enable_x64(True) if dtype == np.float64 else contextlib.nullcontext()


# ---------------------------------------------------------------------------------------------
# Series coefficients, from the Bernoulli numbers (exact fractions, rounded once to float): the
# same numbers as fep_core._numerics, computed here independently.
# L(b) = sum_{n>=1} c_n b^(2n-1), c_n = 2^(2n) B_(2n) / (2n)!.


def _bernoulli_even(count_):
    """B_2, B_4, ..., B_(2 count_) as exact fractions (the recurrence sum_k C(m+1, k) B_k = 0)."""
    B = [Fraction(1)]
    for m in range(1, 2 * count_ + 1):
        B.append(-sum(math.comb(m + 1, k) * B[k] for k in range(m)) / (m + 1))
    return B[2::2]


_TERMS = 15                     # below |b| = 0.5 the truncation error is < 1e-20 relative
_C = [Fraction(2 ** (2 * k)) * b / math.factorial(2 * k)
      for k, b in enumerate(_bernoulli_even(_TERMS), start=1)]
# Horner's scheme in z = b^2, highest order first.
_L_COEF = tuple(float(c) for c in reversed(_C))                                    # L(b)/b
_LP_COEF = tuple(float(c * (2 * k - 1)) for k, c in reversed(list(enumerate(_C, 1))))   # L'(b)
_A_COEF = tuple(float(c / (2 * k)) for k, c in reversed(list(enumerate(_C, 1))))  # (A - ln2)/b^2
_H_COEF = tuple(float(c * (Fraction(1, 2 * k) - 1))                               # (H - ln2)/b^2
                for k, c in reversed(list(enumerate(_C, 1))))
_SMALL = 0.5                    # below this |b| the series are used
_TINY_B = 1e-8                  # below this |b| the inverse CDF's first-order series is used
_LN2 = math.log(2.0)
_GL_X, _GL_W = np.polynomial.legendre.leggauss(24)     # Gauss-Legendre on [0, 1], for kl
_GL_T = tuple(0.5 * (_GL_X + 1.0))
_GL_W = tuple(0.5 * _GL_W)


# ---------------------------------------------------------------------------------------------
# The continuous-Bernoulli numerics in jax.numpy: element-wise, any shape, the dtype of the
# argument. Each branch of fep_core._numerics is evaluated on an argument clamped into its own
# range (so that no lane overflows or divides by zero) and selected with where.


def _log1p(y):
    """``log1p(y)`` for ``y >= -1`` by Kahan's exact form ``log(u) y / (u - 1)``, ``u = 1 + y``.

    Not ``jnp.log1p``: XLA's CPU log1p is off by up to 126 ulp in float64 (measured at
    ``y = -0.41``), which moves the inverse CDF by 5e-14. The optimisation barrier keeps XLA's
    algebraic simplifier from rewriting ``(1 + y) - 1`` as ``y``, which would undo the form.
    """
    u = lax.optimization_barrier(1.0 + y)
    us = jnp.where(u == 1.0, 2.0, u)
    return jnp.where(u == 1.0, y, jnp.log(us) * y / (us - 1.0))


def _expm1(t):
    """``expm1(t)`` for ``t >= -700`` by Kahan's form ``(E - 1) t / log E``, ``E = exp(t)`` (the
    CPU engine's; XLA's own is good to 3 ulp), with the barrier of :func:`_log1p`."""
    E = lax.optimization_barrier(jnp.exp(t))
    Es = jnp.where(E == 1.0, 2.0, E)
    return jnp.where(E == 1.0, t, (Es - 1.0) * t / jnp.log(Es))


def _horner(coef, z):
    acc = jnp.zeros_like(z)
    for c in coef:
        acc = acc * z + c
    return acc


def _exp_m2(a):
    """``exp(-2a)`` for ``a >= 0`` (0 beyond 400, where it underflows anyway; no ``2a``
    overflow)."""
    return jnp.exp(-2.0 * jnp.minimum(a, 400.0))


def _series_arg(b):
    """``b`` where the series is used, 0 elsewhere (so ``b^2`` never overflows)."""
    return jnp.where(jnp.abs(b) < _SMALL, b, 0.0)


def langevin(b):
    """Mean of CB(b): ``L(b) = coth b - 1/b`` (:func:`fep_core.cb.langevin`'s branches)."""
    b = jnp.asarray(b)
    a = jnp.abs(b)
    s = _series_arg(b)
    small = s * _horner(_L_COEF, s * s)
    ab = jnp.maximum(a, _SMALL)
    e = _exp_m2(ab)
    # coth|b| - 1 = 2e/(1-e) with e = exp(-2|b|) <= 0.37: no overflow, no cancellation.
    big = (1.0 - 1.0 / ab) + 2.0 * e / (1.0 - e)
    return jnp.where(a < _SMALL, small, jnp.where(b > 0, big, -big))


def langevin_prime(b):
    """Variance of CB(b) = Fisher information ``L'(b) = 1/b^2 - 1/sinh(b)^2``."""
    b = jnp.asarray(b)
    a = jnp.abs(b)
    s = _series_arg(b)
    small = _horner(_LP_COEF, s * s)
    ab = jnp.maximum(a, _SMALL)
    inv = 1.0 / ab
    mid_a = jnp.minimum(ab, 350.0)
    den = _expm1(-2.0 * mid_a)
    mid = inv * inv - 4.0 * _exp_m2(mid_a) / (den * den)
    return jnp.where(a < _SMALL, small, jnp.where(ab > 350.0, inv * inv, mid))


def log_partition(b):
    """``A(b) = ln(2 sinh(b) / b)``, ``A(0) = ln 2``."""
    b = jnp.asarray(b)
    a = jnp.abs(b)
    s = _series_arg(b)
    z = s * s
    small = _LN2 + z * _horner(_A_COEF, z)
    ab = jnp.maximum(a, _SMALL)
    big = ab + _log1p(-_exp_m2(ab)) - jnp.log(ab)
    return jnp.where(a < _SMALL, small, big)


def entropy(b):
    """Differential entropy ``H(b) = A(b) - b L(b)`` (nats)."""
    b = jnp.asarray(b)
    a = jnp.abs(b)
    s = _series_arg(b)
    z = s * s
    small = _LN2 + z * _horner(_H_COEF, z)
    ab = jnp.maximum(a, _SMALL)
    e = _exp_m2(ab)
    big = 1.0 - jnp.log(ab) + _log1p(-e) - ab * (2.0 * e / (1.0 - e))
    return jnp.where(a < _SMALL, small, big)


def _bregman_neg_log(ap, aq):
    """``x - log1p(x)``, ``x = (ap - aq)/aq`` (positive ``ap``, ``aq``): a series near 0."""
    x = (ap - aq) / aq
    xs = jnp.where(jnp.abs(x) < 0.1, x, 0.0)
    acc = jnp.zeros_like(xs)
    p = xs
    for k in range(2, 26):
        p = p * -xs                     # (-1)^(k-1) x^k
        acc = acc - p / k               # sum_{k>=2} (-1)^k x^k / k
    return jnp.where(jnp.abs(x) < 0.1, acc, x - (jnp.log(ap) - jnp.log(aq)))


def _one_minus_sL(s, bq):
    """``1 - s L(bq)``; the exact form ``1/|bq| - (coth|bq| - 1)`` when it is small."""
    aq = jnp.abs(bq)
    abq = jnp.maximum(aq, _SMALL)
    e = _exp_m2(abq)
    exact = 1.0 / abq - 2.0 * e / (1.0 - e)
    return jnp.where((aq >= _SMALL) & ((bq > 0) == (s > 0)), exact, 1.0 - s * langevin(bq))


def kl(bq, bp):
    """``KL[CB(bq) || CB(bp)]`` with :func:`fep_core.cb.kl`'s branches: ``T - H(bq)``, the
    Gauss-Legendre integral form where those cancel, the asymptotic form for two large
    same-signed arguments (broadcast)."""
    bq, bp = jnp.broadcast_arrays(jnp.asarray(bq), jnp.asarray(bp))
    fmax = jnp.finfo(bq.dtype).max
    d = bp - bq
    aq, ap = jnp.abs(bq), jnp.abs(bp)
    far = (aq >= 40.0) & (ap >= 40.0) & ((bq > 0) == (bp > 0))
    asym = _bregman_neg_log(jnp.where(far, ap, 1.0), jnp.where(far, aq, 1.0))
    s = jnp.where(bp > 0, 1.0, -1.0)
    w = _one_minus_sL(s, bq)
    apb = jnp.maximum(ap, _SMALL)
    overflow = (ap >= _SMALL) & (w > 1.0) & (ap > fmax / w)
    t_big = jnp.where(overflow, 0.0, apb * w) + _log1p(-_exp_m2(apb)) - jnp.log(apb)
    t_part = jnp.where(ap < _SMALL, log_partition(bp) - bp * langevin(bq), t_big)
    h = entropy(bq)
    direct = t_part - h
    t = jnp.asarray(_GL_T, d.dtype)
    lp = langevin_prime(bq[..., None] + t * d[..., None])      # (..., 24): one vector pass
    acc = jnp.sum(jnp.asarray(_GL_W, d.dtype) * (1.0 - t) * lp, axis=-1)
    out = jnp.where(direct > 1e-3 * (jnp.abs(t_part) + jnp.abs(h)), direct, d * d * acc)
    out = jnp.where(overflow, jnp.inf, out)
    out = jnp.where(far, asym, out)
    return jnp.where(d == 0.0, 0.0, out)


def ppf(u, b):
    """Inverse CDF of CB(b) at ``u`` in [0, 1], in [-1, 1]: :func:`fep_core.cb.ppf`'s branches in
    the CPU engine's arrangement (one exp and two logs per element; :mod:`fep_core._kernels`).

    With ``a = |b|``, ``s = sign b``, ``w = u`` (``b > 0``) or ``1 - u``, ``E = exp(-2a)``:
    ``a >= 0.5``: ``x = s (1 + log(w + (1 - w) E) / a)``; ``1e-8 <= a < 0.5``:
    ``x = s (1 + log1p((1 - w) expm1(-2a)) / a)`` with Kahan's forms of expm1 and log1p (which
    share ``E`` and the final log); below ``1e-8`` the series ``2u - 1 + 2 b u (1 - u)``.
    Clipped to [-1, 1].
    """
    u, b = jnp.broadcast_arrays(jnp.asarray(u), jnp.asarray(b))
    a = jnp.abs(b)
    pos = b > 0
    w = jnp.where(pos, u, 1.0 - u)
    tt = -2.0 * jnp.clip(a, _TINY_B, 400.0)
    E = lax.optimization_barrier(jnp.exp(tt))       # (barriers: see _log1p)
    Es = jnp.where(E == 1.0, 0.5, E)
    em1 = jnp.where(E == 1.0, tt, (Es - 1.0) * tt / jnp.log(Es))    # expm1(-2a)
    y = (1.0 - w) * em1
    big = a >= _SMALL
    arg = lax.optimization_barrier(jnp.where(big, w + (1.0 - w) * E, 1.0 + y))
    lg = jnp.log(jnp.where(arg > 0.0, arg, 1.0))
    l1p = jnp.where(arg == 1.0, y, lg * y / jnp.where(arg == 1.0, 1.0, arg - 1.0))
    v = 1.0 + jnp.where(big, lg, l1p) / jnp.maximum(a, _TINY_B)
    v = jnp.where(arg > 0.0, jnp.maximum(v, -1.0), -1.0)      # log 0: the far end
    v = jnp.where(pos, v, -v)
    tiny = 2.0 * u - 1.0 + 2.0 * b * u * (1.0 - u)
    return jnp.clip(jnp.where(a < _TINY_B, tiny, v), -1.0, 1.0)


def _dot(J, x):
    """``J @ x`` at full precision (no TF32 on a GPU)."""
    return jnp.matmul(J, x, precision=lax.Precision.HIGHEST)


def macro_vfe(J, x, bias):
    """Macro-scale VFE, complexity and accuracy of one network (as
    :func:`fep_core.network.macro_vfe`): J (n, n), x, bias (n,) -> array (3,)."""
    return _macro_vfe_given_field(J, bias, _dot(J, x))


def _macro_vfe_given_field(J, bias, h):
    bq = bias + h
    comp = jnp.sum(kl(bq, bias))
    lq = langevin(bq)
    acc = jnp.dot(bias, lq, precision=lax.Precision.HIGHEST) + jnp.dot(
        lq, _dot(J, lq), precision=lax.Precision.HIGHEST)
    return jnp.stack([comp - acc, comp, acc])


# ---------------------------------------------------------------------------------------------
# One network: steps and chunks of steps (vmapped over the batch by the compiled drivers)


def _infer(theta, u, stochastic):
    return ppf(u, theta) if stochastic else langevin(theta)


def _sequential_infer(J, x, bias, u, order, iT, stochastic):
    """Random-scan Gibbs sweep: node ``order[q]`` q-th, from the current states of the others.
    Returns the swept state and, per node, the field (without bias) it saw."""
    def node(q, carry):
        x, h = carry
        i = order[q]
        hi = jnp.dot(J[i], x, precision=lax.Precision.HIGHEST)
        xi = _infer(iT * (bias[i] + hi), None if u is None else u[i], stochastic)
        return x.at[i].set(xi), h.at[i].set(hi)

    return lax.fori_loop(0, x.shape[0], node, (x, jnp.zeros_like(x)))


def _weight_change(c, x):
    """``||c_i x_j||_F`` over ``i != j``."""
    sq = jnp.sum(x * x)
    return jnp.sqrt(jnp.sum(c * c * (sq - x * x)))


def _network_chunk(J, x, h, key, pats, pidx, scale, iT, alpha, U, orders, sidx, lo0, active,
                   pred_bias, *, n_slots, stochastic, own_rng, sequential, learn, record):
    """``active`` steps of one network (``active`` <= C = ``pidx.shape[0]``).

    Step ``t`` uses bias ``scale * pats[pidx[t]]`` and, if stochastic, the uniforms ``U[t]`` or
    (``own_rng``) those of ``fold_in(key, lo0 + t)``; ``h = J x`` on entry and on exit
    (synchronous schedule); ``pred_bias`` 0 or 1 (the prediction). ``record``: "states"
    (C, n), "means" (sums per segment slot ``sidx[t]``, (n_slots, n)), "trace" (C, 4) or None.
    Returns (J, x, h, ok, record), ``ok`` False if the final field is not finite.
    """
    n = x.shape[0]
    C = pidx.shape[0]
    eye = jnp.eye(n, dtype=bool)
    if record == "states":
        rec = jnp.zeros((C, n), x.dtype)
    elif record == "means":
        rec = jnp.zeros((n_slots, n), x.dtype)
    elif record == "trace":
        rec = jnp.zeros((C, 4), x.dtype)
    else:
        rec = jnp.zeros((0,), x.dtype)

    def body(t, carry):
        J, x, h, rec = carry
        bias = scale * pats[pidx[t]]
        u = None
        if stochastic:
            u = (jax.random.uniform(jax.random.fold_in(key, lo0 + t.astype(jnp.uint32)), (n,),
                                    dtype=x.dtype) if own_rng else U[t])
        if sequential:
            x_new, h_seen = _sequential_infer(J, x, bias, u, orders[t], iT, stochastic)
        else:
            x_new, h_seen = _infer(iT * (bias + h), u, stochastic), h
        c = jnp.zeros_like(x)
        if learn:
            c = alpha * (x_new - langevin(h_seen + pred_bias * bias))
            J = jnp.where(eye, 0.0, J + c[:, None] * x_new[None, :])
        if not sequential or record == "trace":
            h = _dot(J, x_new)
        if record == "states":
            rec = rec.at[t].set(x_new)
        elif record == "means":
            rec = rec.at[sidx[t]].add(x_new)
        elif record == "trace":
            vfe = _macro_vfe_given_field(J, bias, h)
            rec = rec.at[t].set(jnp.concatenate([vfe, _weight_change(c, x_new)[None]]))
        return J, x_new, h, rec

    J, x, h, rec = lax.fori_loop(0, active, body, (J, x, h, rec))
    if sequential and record != "trace":
        h = _dot(J, x)
    # (as the CPU engine, the field after the last step: an overflow of J or a NaN shows there)
    return J, x, h, jnp.all(jnp.isfinite(h)), rec


_STATIC = ("n_slots", "stochastic", "own_rng", "sequential", "learn", "record")


def _chunk(J, x, h, keys, hi, pats, pidx, scale, iT, alpha, U, orders, sidx, lo0, active,
           pred_bias, **opts):
    """The batched chunk: :func:`_network_chunk` vmapped over the networks (patterns shared
    when ``pats`` has one row of patterns)."""
    keys = jax.vmap(lambda kd: jax.random.fold_in(
        jax.random.wrap_key_data(kd, impl="threefry2x32"), hi))(keys)
    shared = None if pats.shape[0] == 1 else 0
    per = 0 if U.shape[0] == J.shape[0] else None
    order_axis = 0 if orders.shape[0] == J.shape[0] else None
    f = jax.vmap(partial(_network_chunk, **opts),
                 in_axes=(0, 0, 0, 0, shared, 0, 0, 0, 0, per, order_axis, None, None, None,
                          None))
    return f(J, x, h, keys, pats[0] if shared is None else pats, pidx, scale, iT, alpha,
             U[0] if per is None else U, orders[0] if order_axis is None else orders, sidx, lo0,
             active, pred_bias)


def _field_batch(J, x):
    return jax.vmap(_dot)(J, x)


def _relax_chunk(J, x, bias, iT, tol, budget):
    """Deterministic iteration ``x <- L(iT (b + J x))`` for every job (k, m) until the largest
    change is <= tol or ``budget[k, m]`` steps are taken; returns (x, taken, converged)."""
    def job(Jk, xs, bk, iTk, steps_left):
        def cond(c):
            it, _, conv = c
            return (~conv) & (it < steps_left)

        def body(c):
            it, xs, _ = c
            xn = langevin(iTk * (bk + _dot(Jk, xs)))
            return it + 1, xn, jnp.max(jnp.abs(xn - xs)) <= tol

        it, xs, conv = lax.while_loop(cond, body, (jnp.int32(0), xs, jnp.bool_(False)))
        return xs, it, conv

    per_start = jax.vmap(job, in_axes=(None, 0, None, None, 0))
    return jax.vmap(per_start)(J, x, bias, iT, budget)


_compiled = {}


def _jitted(name):
    """The compiled drivers, made on first use (JAX is imported by then)."""
    if not _compiled:
        _compiled["chunk"] = jax.jit(_chunk, static_argnames=_STATIC, donate_argnums=(0, 1, 2))
        _compiled["field"] = jax.jit(_field_batch)
        _compiled["relax"] = jax.jit(_relax_chunk, donate_argnums=(1,))
        _compiled["vfe"] = jax.jit(jax.vmap(macro_vfe))
    return _compiled[name]


# ---------------------------------------------------------------------------------------------
# Chunking

_VALUES_BUDGET = 2 ** 22        # values per recorded/given array and chunk (as the CPU engine)
_WORK_BUDGET = 2 ** 28          # B n^2 per chunk: ~1 s on a 2-core CPU, milliseconds on a GPU
_MIN_CHUNK = 64
_RELAX_SECONDS = 0.25
_RELAX_FIRST = 2 ** 24


def chunk_steps(n_networks, n_nodes, steps):
    """Steps per compiled chunk: the largest power of two with at most ``2**22`` recorded
    values (B C n) and ``2**28`` units of work (B C n^2), and no more than the power of two at
    or above ``steps`` (at least 64, so that short runs share one compilation); at least 1."""
    B, n = n_networks, n_nodes
    cap = max(1, min(_VALUES_BUDGET // (B * n), _WORK_BUDGET // (B * n * n)))
    want = max(_MIN_CHUNK, 1 << max(0, int(steps - 1).bit_length()))
    return max(1, min(1 << (cap.bit_length() - 1), want))


# ---------------------------------------------------------------------------------------------
# Argument helpers (the CPU engine's checks, with the same messages)


def _per_network(value, name, B, *, allow_zero):
    arr = positive_array(value, name, allow_zero=allow_zero)
    if arr.ndim == 0:
        return np.full(B, float(arr))
    if arr.shape != (B,):
        raise ValueError(f"{name} must be a scalar or have shape ({B},), got {arr.shape}")
    return np.array(arr, dtype=float)


def _int_array(value, name):
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an integer array, got {type(value).__name__}") from exc
    return arr


def _dtype(value):
    try:
        dt = np.dtype(value)
    except TypeError as exc:
        raise TypeError(f"dtype must be 'float64' or 'float32', got {value!r}") from exc
    return np.dtype(choice(dt.name, "dtype", {"float64", "float32"}))


def _key_data(gen):
    """A threefry key (2 uint32) for a network, from a child of its generator's seed sequence:
    spawning leaves the generator's own stream as it was, so the pattern choices and node orders
    it draws afterwards are the CPU engine's for the same seed. (A generator without a seed
    sequence gives the key from its stream instead.)"""
    try:
        child = gen.spawn(1)[0]
    except TypeError:
        child = gen
    return child.integers(0, 2 ** 32, size=2, dtype=np.uint32)


_FIELD_LIMIT = 1e300            # largest sum_j |J_ij| accepted (as the CPU engine)


class JaxAttractorBatch:
    """``n_networks`` attractor networks of ``n_nodes`` nodes, run by JAX (GPU or CPU).

    The same step, arguments and results as :class:`fep_core.network.AttractorBatch` (see the
    module docstring for what differs: the random numbers, and float32 as an option).

    Parameters
    ----------
    n_networks, n_nodes : int
    rng : int, Generator, None, or sequence of n_networks of those
        One NumPy generator per network (a single seed or Generator is spawned into B child
        streams, as for ``AttractorBatch``). Each network's JAX key is drawn from its generator
        here; the generators then draw :meth:`train`'s pattern choices and sequential orders.
    coupling : array (n, n) or (B, n, n), optional — initial J, zero diagonal (default zeros)
    dtype : "float64" (default) or "float32"

    Attributes
    ----------
    J : ndarray (B, n, n) — a copy of the couplings (``J[k, i, j]``: weight from j to i)
    state : ndarray (B, n) — a copy of the current states
    device : the JAX device the arrays live on
    """

    def __init__(self, n_networks, n_nodes, *, rng=None, coupling=None, dtype="float64"):
        _require_jax()
        self.n_networks = count(n_networks, "n_networks")
        self.n_nodes = count(n_nodes, "n_nodes")
        self.dtype = _dtype(dtype)
        B, n = self.n_networks, self.n_nodes
        self._rngs = generators(rng, B)
        if len({id(g.bit_generator) for g in self._rngs}) != B:
            raise ValueError("rng: every network needs its own generator; the same Generator (or "
                             "BitGenerator) was given for more than one network")
        self._keys = np.stack([_key_data(g) for g in self._rngs])
        self._drawn = 0                  # uniforms drawn so far per network, in steps
        with self._ctx():
            self._J = jnp.zeros((B, n, n), self.dtype)
            self._x = jnp.zeros((B, n), self.dtype)
        self._h = None                   # J x, while valid (synchronous runs keep it)
        if coupling is not None:
            self.J = coupling

    def _ctx(self):
        return _precision(self.dtype)

    @property
    def device(self):
        return next(iter(self._J.devices()))

    @property
    def generators(self):
        """The networks' NumPy generators (a list of B; the objects themselves, not copies),
        which drew the JAX keys and draw :meth:`train`'s pattern choices and the sequential
        orders; :func:`fep_core.backends.as_numba_batch` hands them on to the CPU engine."""
        return list(self._rngs)

    # -- state and couplings ----------------------------------------------------------------
    @property
    def state(self):
        return np.array(self._x)

    @state.setter
    def state(self, value):
        B, n = self.n_networks, self.n_nodes
        x = finite_array(value, "state")
        if x.shape == (n,):
            x = np.broadcast_to(x, (B, n))
        if x.shape != (B, n):
            raise ValueError(f"state must have shape ({n},) or ({B}, {n}), got {x.shape}")
        if np.any(np.abs(x) > 1):
            raise ValueError("state must lie in [-1, 1]")
        with self._ctx():
            self._x = jax.device_put(np.array(x, dtype=self.dtype))
        self._h = None

    @property
    def J(self):
        """Couplings (B, n, n), a NumPy copy: assign a new matrix to change them."""
        return np.array(self._J)

    @J.setter
    def J(self, value):
        B, n = self.n_networks, self.n_nodes
        J = finite_array(value, "coupling")
        if J.shape == (n, n):
            J = np.broadcast_to(J, (B, n, n))
        if J.shape != (B, n, n):
            raise ValueError(f"coupling must have shape ({n}, {n}) or ({B}, {n}, {n}), "
                             f"got {J.shape}")
        if np.any(np.diagonal(J, axis1=1, axis2=2) != 0):
            raise ValueError("coupling must have a zero diagonal (no self-connections)")
        with np.errstate(over="ignore"):
            rows = np.sum(np.abs(J), axis=2)
        if not np.all(rows < _FIELD_LIMIT):
            raise ValueError(f"coupling is too large: a row's sum of |J_ij| is "
                             f"{np.max(rows):.3g}, the limit {_FIELD_LIMIT:.0e}")
        if self.dtype == np.float32 and np.max(np.abs(J), initial=0.0) > np.finfo(np.float32).max:
            raise ValueError("coupling does not fit in float32")
        with self._ctx():
            self._J = jax.device_put(np.array(J, dtype=self.dtype))
        self._h = None

    # -- free energy ------------------------------------------------------------------------
    def _bias_array(self, bias):
        B, n = self.n_networks, self.n_nodes
        if bias is None:
            return np.zeros((B, n))
        b = finite_array(bias, "bias")
        if b.shape == (n,):
            b = np.broadcast_to(b, (B, n))
        if b.shape != (B, n):
            raise ValueError(f"bias must have shape ({n},) or ({B}, {n}), got {b.shape}")
        return np.array(b, dtype=float)

    def _vfe_parts(self, bias):
        b = self._bias_array(bias)
        with self._ctx():
            out = np.array(_jitted("vfe")(self._J, self._x, jnp.asarray(b, self.dtype)))
        if not np.all(np.isfinite(out)):
            raise ValueError("J and bias are too large: the macro VFE overflows")
        return out

    # -- dynamics ---------------------------------------------------------------------------
    def _check_uniforms(self, uniforms, steps):
        B, n = self.n_networks, self.n_nodes
        U = finite_array(uniforms, "uniforms")
        if U.shape == (steps, n) and B == 1:
            U = U[None]
        if U.shape != (B, steps, n):
            raise ValueError(f"uniforms must have shape ({B}, {steps}, {n}), got {U.shape}")
        if np.any((U <= 0.0) | (U >= 1.0)):
            raise ValueError("uniforms must lie in the open interval (0, 1)")
        return U

    def _orders(self, node_order, steps):
        B, n = self.n_networks, self.n_nodes
        if node_order is None:
            return np.stack([np.argsort(g.random((steps, n)), axis=1) for g in self._rngs])
        o = _int_array(node_order, "node_order")
        if o.shape == (steps, n) and B == 1:
            o = o[None]
        if o.shape != (B, steps, n) or not np.issubdtype(o.dtype, np.integer):
            raise ValueError(f"node_order must be integer permutations of shape "
                             f"({B}, {steps}, {n})")
        if not np.all(np.sort(o, axis=-1) == np.arange(n)):
            raise ValueError("node_order rows must be permutations of range(n_nodes)")
        return o

    def _check_growth(self, alpha, steps):
        """Refuse a learning rate with which the couplings could overflow (as the CPU engine:
        each step changes J_ij by at most 2 alpha)."""
        limit = _FIELD_LIMIT if self.dtype == np.float64 else 1e36
        with np.errstate(over="ignore"):
            growth = 2.0 * alpha * max(self.n_nodes - 1, 1) * steps
        if np.all(growth < limit * 1e-10):
            return
        with np.errstate(over="ignore"):
            rows = np.max(np.sum(np.abs(self.J.astype(float)), axis=2), axis=1) + growth
        if not np.all(rows < limit):
            raise ValueError(f"learning_rate is too large: over {steps} steps the couplings could "
                             f"overflow (sum_j |J_ij| could reach {np.max(rows):.3g})")

    def simulate(self, patterns, segment_index, *, scale=1.0, steps_per_segment=1,
                 inverse_temperature=1.0, learning_rate=0.0, stochastic=True,
                 schedule="synchronous", uniforms=None, node_order=None, record="states",
                 prediction="code", progress=False):
        """General driver: a sequence of segments, each with a constant bias (see
        :meth:`fep_core.network.AttractorBatch.simulate`; the same arguments and results).

        Parameters
        ----------
        patterns : array (P, n) shared, or (B, P, n) per network
        segment_index : int array (S,) shared, or (B, S)
        scale, inverse_temperature, learning_rate : float or array (B,)
        stochastic : bool
        schedule : "synchronous" or "sequential"
        uniforms : array (B, S*K, n) in (0, 1), optional — replaces the random draws
        node_order : int array (B, S*K, n), optional — update order for "sequential"
        record : "states" (B, S*K, n), "means" (B, S, n), "trace" (B, S*K, 4) or None
        prediction : "code" or "paper"
        progress : bool

        Returns
        -------
        ndarray (of the batch's dtype) or None, as chosen by ``record``.
        """
        B, n = self.n_networks, self.n_nodes
        pats = finite_array(patterns, "patterns")
        if pats.ndim == 2:
            pats = pats[None]
        if pats.ndim != 3 or pats.shape[2] != n or pats.shape[0] not in (1, B):
            raise ValueError(f"patterns must have shape (P, {n}) or ({B}, P, {n}), "
                             f"got {np.shape(patterns)}")
        if pats.shape[1] < 1:
            raise ValueError(f"patterns must hold at least one pattern, "
                             f"got shape {np.shape(patterns)}")
        idx = _int_array(segment_index, "segment_index")
        if not np.issubdtype(idx.dtype, np.integer):
            raise TypeError(f"segment_index must hold integers, got dtype {idx.dtype}")
        if idx.ndim == 1:
            idx = np.broadcast_to(idx, (B, idx.shape[0]))
        if idx.ndim != 2 or idx.shape[0] != B or idx.shape[1] < 1:
            raise ValueError(f"segment_index must have shape (S,) or ({B}, S) with S >= 1")
        if idx.min() < 0 or idx.max() >= pats.shape[1]:
            raise ValueError("segment_index refers to a pattern that does not exist")
        K = count(steps_per_segment, "steps_per_segment")
        scale = _per_network(scale, "scale", B, allow_zero=True)
        iT = _per_network(inverse_temperature, "inverse_temperature", B, allow_zero=False)
        alpha = _per_network(learning_rate, "learning_rate", B, allow_zero=True)
        stochastic = flag(stochastic, "stochastic")
        progress = flag(progress, "progress")
        sequential = choice(schedule, "schedule", {"synchronous", "sequential"}) == "sequential"
        choice(record, "record", {"states", "means", "trace", None})
        pred_bias = {"code": 0.0, "paper": 1.0}[choice(prediction, "prediction", {"code", "paper"})]
        S = idx.shape[1]
        T = S * K
        if not stochastic and uniforms is not None:
            raise ValueError("uniforms are only used when stochastic=True")
        U_all = self._check_uniforms(uniforms, T) if stochastic and uniforms is not None else None
        self._check_growth(alpha, T)
        if node_order is not None and not sequential:
            raise ValueError('node_order is only used with schedule="sequential"')
        orders_all = self._orders(node_order, T) if sequential else None
        own_rng = stochastic and U_all is None

        C = chunk_steps(B, n, T)
        n_slots = min(C, (C - 1) // K + 2)
        opts = dict(n_slots=n_slots, stochastic=stochastic, own_rng=own_rng,
                    sequential=sequential, learn=bool(np.any(alpha > 0)), record=record)
        dt = self.dtype
        out = {"states": np.empty((B, T, n), dt) if record == "states" else None,
               "means": np.zeros((B, S, n)) if record == "means" else None,
               "trace": np.empty((B, T, 4), dt) if record == "trace" else None, None: None}
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=T, desc="simulating", unit="step", leave=False)
        chunk = _jitted("chunk")
        oks = []
        try:
            with self._ctx():
                put = partial(jnp.asarray, dtype=dt)
                pats_d, scale_d, iT_d, alpha_d = put(pats), put(scale), put(iT), put(alpha)
                keys = jnp.asarray(self._keys)
                no_u = jnp.zeros((1, 1, 1), dt)
                no_orders = jnp.zeros((1, 1, 1), jnp.int32)
                if self._h is None or sequential:
                    self._h = _jitted("field")(self._J, self._x)
                start = 0
                while start < T:
                    first = self._drawn + start if own_rng else 0
                    lo0, hi = first & 0xFFFFFFFF, first >> 32
                    active = min(C, T - start, 2 ** 32 - lo0)   # (no chunk crosses 2**32)
                    steps_t = start + np.arange(C)
                    steps_t[active:] = start + active - 1        # padding: never executed
                    seg = steps_t // K
                    s0 = start // K
                    pidx = np.ascontiguousarray(idx[:, seg], dtype=np.int32)
                    sidx = (seg - s0).astype(np.int32)
                    U = no_u
                    if U_all is not None:
                        U = np.zeros((B, C, n), dt)
                        U[:, :active] = U_all[:, start:start + active]
                        U = put(U)
                    orders = no_orders
                    if sequential:
                        o = np.zeros((B, C, n), np.int32)
                        o[:, :active] = orders_all[:, start:start + active]
                        orders = jnp.asarray(o)
                    self._J, self._x, self._h, ok, rec = chunk(
                        self._J, self._x, self._h, keys, np.uint32(hi), pats_d,
                        jnp.asarray(pidx), scale_d, iT_d, alpha_d, U, orders,
                        jnp.asarray(sidx), np.uint32(lo0), np.int32(active),
                        jnp.asarray(pred_bias, dt), **opts)
                    oks.append(ok)
                    stop = start + active
                    if record == "states":
                        out["states"][:, start:stop] = np.asarray(rec)[:, :active]
                    elif record == "trace":
                        out["trace"][:, start:stop] = np.asarray(rec)[:, :active]
                    elif record == "means":
                        s1 = (stop - 1) // K + 1
                        out["means"][:, s0:s1] += np.asarray(rec)[:, :s1 - s0]
                    if bar is not None:
                        bar.update(active)
                    start = stop
                finite = bool(np.all([np.all(np.asarray(k)) for k in oks]))
        finally:
            if bar is not None:
                bar.close()
        if own_rng:
            self._drawn += T
        if sequential:
            self._h = None
        if not finite:
            raise ValueError("learning_rate is too large: the couplings overflowed while learning"
                             " (J and the state are no longer finite)")
        if record == "means":
            return (out["means"] / K).astype(dt)
        return out[record]

    def _pattern_order(self, n_patterns, epochs, order):
        choice(order, "order", {"random", "sequential"})
        if order == "sequential":
            return np.tile(np.arange(epochs) % n_patterns, (self.n_networks, 1))
        return np.stack([g.integers(0, n_patterns, size=epochs) for g in self._rngs])

    # AttractorBatch's own methods, shared rather than written twice: they only validate their
    # arguments and call J, _bias_array, _vfe_parts, _pattern_order and simulate, which this
    # class implements with JAX.
    symmetric_part = AttractorBatch.symmetric_part
    antisymmetric_part = AttractorBatch.antisymmetric_part
    asymmetry = AttractorBatch.asymmetry
    vfe = AttractorBatch.vfe
    complexity = AttractorBatch.complexity
    accuracy = AttractorBatch.accuracy
    run = AttractorBatch.run
    train = AttractorBatch.train

    def relax(self, start, *, inverse_temperature=1.0, bias=None, tol=1e-10, max_steps=1000):
        """Deterministic dynamics ``x <- L(iT (b + J x))`` from ``start`` to a fixed point (see
        :meth:`fep_core.network.AttractorBatch.relax`). Does not change the state.

        Returns
        -------
        RelaxResult with states (B, M, n), steps (B, M), converged (B, M).
        """
        B, n = self.n_networks, self.n_nodes
        x0 = finite_array(start, "start")
        if x0.ndim == 1:
            x0 = x0[None]
        if x0.ndim == 2:
            x0 = np.broadcast_to(x0, (B,) + x0.shape)
        if x0.ndim != 3 or x0.shape[0] != B or x0.shape[2] != n:
            raise ValueError(f"start must have shape ({n},), (M, {n}) or ({B}, M, {n}), "
                             f"got {np.shape(start)}")
        iT = _per_network(inverse_temperature, "inverse_temperature", B, allow_zero=False)
        tol = positive(tol, "tol")
        max_steps = min(count(max_steps, "max_steps"), 2 ** 62)
        b = self._bias_array(bias)
        M = x0.shape[1]
        steps = np.zeros((B, M), np.int64)
        conv = np.zeros((B, M), bool)
        relax = _jitted("relax")
        per_call = max(1, _RELAX_FIRST // max(1, B * M * n * n))
        with self._ctx():
            x = jax.device_put(np.array(x0, dtype=self.dtype))
            b_d, iT_d = jnp.asarray(b, self.dtype), jnp.asarray(iT, self.dtype)
            tol_d = jnp.asarray(tol, self.dtype)
            while np.any(~conv & (steps < max_steps)):
                budget = np.where(conv, 0, np.minimum(per_call, max_steps - steps))
                t0 = time.perf_counter()
                x, taken, c = relax(self._J, x, b_d, iT_d, tol_d, jnp.asarray(budget, jnp.int32))
                steps += np.asarray(taken)
                conv |= np.asarray(c)
                took = time.perf_counter() - t0
                fit = int(per_call * _RELAX_SECONDS / took) if took > 0 else 2 * per_call
                per_call = int(max(1, min(2 ** 30, 2 * per_call, fit)))
            x = np.array(x)
        if not np.all(np.isfinite(x)):
            raise ValueError("start is too large for these couplings: the field J @ start "
                             "overflows")
        return RelaxResult(x, steps, conv)

