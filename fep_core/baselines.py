"""Classic networks beside the paper's: Hopfield (Hebbian), projector, Storkey, Boltzmann machine.

The capacity study and the comparison chapter run these on the same tasks as the paper's
network, each with its own canonical dynamics on states ``s`` in {-1, +1}^N.

Learning rules (patterns are rows, ``patterns`` of shape (K, N); they are meant to be +-1, but
any finite real rows are accepted and used as given):

* :func:`hebbian` -- Hopfield (1982): ``W = (1/N) sum_mu xi^mu xi^mu^T``, zero diagonal;
* :func:`projector` -- pseudo-inverse rule (Personnaz, Guyon & Dreyfus 1985): the orthogonal
  projector onto the span of the patterns, with the diagonal removed by default as Kanter &
  Sompolinsky (1987) do;
* :func:`storkey` -- Storkey (1997): a local, incremental rule, pattern by pattern.

Recall (:func:`recall`) is deterministic sign dynamics ``s_i <- sign(sum_j W_ij s_j + b_i)``,
node by node in a random order (asynchronous) or all nodes at once (synchronous), for many
states and networks in one call; :func:`overlap` scores the result against the patterns.

The Boltzmann machine is fully visible, on +-1 units (Ackley, Hinton & Sejnowski 1985):
``p(s) = exp(1/2 s^T W s + b^T s) / Z`` with ``W`` symmetric and zero on the diagonal.
:func:`exact_distribution`, :func:`log_partition`, :func:`log_likelihood` and
:func:`log_likelihood_gradient` enumerate all ``2^N`` states (N <= 20); :func:`gibbs` samples;
:func:`cd_gradient` and :func:`train_boltzmann` learn by contrastive divergence (Hinton 2002) or
persistent contrastive divergence (Tieleman 2008). A trained machine recalls by its
zero-temperature dynamics: ``recall(W, start, bias=b)``.

Every argument is checked before anything is computed; a bad one raises ``ValueError`` or
``TypeError`` naming it. Every random function takes ``rng`` (a seed or a
``numpy.random.Generator``); the same seed gives the same bits.
"""
from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass

import numba
import numpy as np
from numba import njit, prange

from ._validation import as_generator, choice, count, finite_array, flag, positive

__all__ = ["hebbian", "projector", "storkey", "recall", "RecallResult", "overlap",
           "ExactDistribution", "exact_distribution", "log_partition", "log_likelihood",
           "log_likelihood_gradient", "gibbs", "cd_gradient", "train_boltzmann",
           "SCHEDULES", "MAX_EXACT_UNITS"]

SCHEDULES = ("asynchronous", "synchronous")
MAX_EXACT_UNITS = 20
"""Largest machine whose ``2^N`` states are enumerated (2^20 states, 160 MB of +-1 floats)."""

_EPS = np.finfo(float).eps
_CHUNK = 2 ** 16            # states per block when enumerating (bounds temporary memory)
_UNIFORM_BUDGET = 2 ** 22   # uniforms drawn at once by gibbs (the bits do not depend on it)
# Below this many multiply-adds a kernel call runs on the calling thread alone: waking the
# worker threads costs microseconds on an idle machine but tens of milliseconds on a loaded
# one, far more than a small call's work. Each state and chain is computed the same way either
# way, so results do not depend on it.
_PARALLEL_WORK = 2 ** 20


@contextlib.contextmanager
def _threads_for(work):
    """Run the kernel calls inside on one thread when ``work`` (multiply-adds) is small."""
    if work >= _PARALLEL_WORK:
        yield
        return
    before = numba.get_num_threads()
    numba.set_num_threads(1)        # this thread's setting only
    try:
        yield
    finally:
        numba.set_num_threads(before)


# ---------------------------------------------------------------------------------------------
# Checks


def _patterns(patterns, name="patterns"):
    """Patterns (K, N) as a float array, K >= 0, N >= 1."""
    xi = finite_array(patterns, name, ndim=2)
    if xi.shape[1] < 1:
        raise ValueError(f"{name} must have at least one node (column), got shape {xi.shape}")
    return xi


def _spins(value, name, *, ndim):
    """A finite array of +-1 entries with an allowed number of dimensions."""
    s = finite_array(value, name, ndim=ndim)
    if s.shape[-1] < 1:
        raise ValueError(f"{name} must have at least one node (last axis), got shape {s.shape}")
    if not np.all(np.abs(s) == 1):
        raise ValueError(f"{name} must contain only -1 and +1 (binarise continuous states "
                         f"first, e.g. np.where(x >= 0, 1.0, -1.0))")
    return s


def _weights(W, name="W"):
    """Couplings (N, N) or (B, N, N); the fields sum_j |W_ij| must stay finite."""
    W = finite_array(W, name, ndim=(2, 3))
    if W.shape[-1] != W.shape[-2] or W.shape[-1] < 1:
        raise ValueError(f"{name} must be square, (N, N) or (B, N, N) with N >= 1, got shape "
                         f"{W.shape}")
    if W.ndim == 3 and W.shape[0] < 1:
        raise ValueError(f"{name} must hold at least one network, got shape {W.shape}")
    with np.errstate(over="ignore"):
        if not np.all(np.isfinite(np.abs(W).sum(axis=-1))):
            raise ValueError(f"{name} is too large: a field sum_j |W_ij| overflows")
    return W


def _machine(W, b):
    """A Boltzmann machine: W (N, N) symmetric with zero diagonal, b (N,)."""
    W = finite_array(W, "W", ndim=2)
    n = W.shape[0]
    if W.shape != (n, n) or n < 1:
        raise ValueError(f"W must be a square matrix (N, N) with N >= 1, got shape {W.shape}")
    if np.any(np.diagonal(W) != 0):
        raise ValueError("W must have a zero diagonal (no self-connections)")
    if not np.array_equal(W, W.T):
        raise ValueError("W must be symmetric")
    b = finite_array(b, "b")
    if b.shape != (n,):
        raise ValueError(f"b must have shape ({n},), one bias per unit of W, got {b.shape}")
    return W, b


def _enumerable(n, name="W"):
    if n > MAX_EXACT_UNITS:
        raise ValueError(f"{name} has {n} units: exact enumeration is limited to "
                         f"{MAX_EXACT_UNITS} units (2^{MAX_EXACT_UNITS} states)")


# ---------------------------------------------------------------------------------------------
# Learning rules


def hebbian(patterns):
    """Hopfield's (1982) Hebbian couplings.

    ``W = (1/N) sum_mu xi^mu xi^mu^T`` with the diagonal set to zero.

    Parameters
    ----------
    patterns : array (K, N) -- one pattern per row (+-1; K = 0 gives zero couplings)

    Returns
    -------
    W : ndarray (N, N), symmetric, zero diagonal
    """
    xi = _patterns(patterns)
    W = xi.T @ xi / xi.shape[1]
    np.fill_diagonal(W, 0.0)
    return W


def projector(patterns, *, zero_diagonal=True, rcond=None):
    """Pseudo-inverse (projector) rule: ``W = Xi (Xi^T Xi)^+ Xi^T``, with ``Xi = patterns.T``.

    ``W`` is the orthogonal projector onto the span of the patterns (Personnaz, Guyon & Dreyfus
    1985), so every pattern satisfies ``W xi = xi``: for K <= N linearly independent patterns
    each is a fixed point of :func:`recall`. It is computed from the singular value
    decomposition ``Xi = U S V^T`` as ``U_r U_r^T``, where ``U_r`` keeps the singular vectors
    whose singular value exceeds ``rcond * s_max`` -- stable where the Gram matrix
    ``Xi^T Xi`` is ill-conditioned, and for rank-deficient patterns (repeated or linearly
    dependent rows) the projector onto the span of the independent ones, as the Moore-Penrose
    pseudo-inverse gives. Entries below ``4 max(K, N) eps`` (the rounding error of the product)
    are set to exactly zero.

    Diagonal: ``zero_diagonal=True`` (default) removes it, as Kanter & Sompolinsky (1987) do;
    the patterns stay fixed points (node i's field becomes ``(1 - P_ii) xi_i`` with
    ``0 <= P_ii <= 1``; at ``P_ii = 1`` the field is a tie, which keeps the state) and their
    basins grow, because the self-coupling ``P_ii`` (``K/N`` on average) no longer holds
    every state in place. ``zero_diagonal=False`` returns the projector itself
    (``W @ W = W``).

    Parameters
    ----------
    patterns : array (K, N) -- one pattern per row; K = 0 gives zero couplings
    zero_diagonal : bool
    rcond : float or None -- relative cut-off for small singular values; None (default):
        ``max(K, N) * eps``, NumPy's own default for the numerical rank

    Returns
    -------
    W : ndarray (N, N), symmetric
    """
    xi = _patterns(patterns)
    zero_diagonal = flag(zero_diagonal, "zero_diagonal")
    K, N = xi.shape
    rcond = max(K, N) * _EPS if rcond is None else positive(rcond, "rcond", allow_zero=True)
    W = np.zeros((N, N))
    if K:
        U, s, _ = np.linalg.svd(xi.T, full_matrices=False)
        U = U[:, s > rcond * s[0]]
        W = U @ U.T
        W = 0.5 * (W + W.T)             # exactly symmetric (U @ U.T is to rounding)
        # Entries within the rounding error of U_r U_r^T are zeros of the exact projector: a
        # node whose unit vector lies in the span (P_ii = 1) has exactly zero off-diagonal
        # couplings, so its field is a tie, not rounding noise that flips it.
        W[np.abs(W) <= 4 * max(K, N) * _EPS] = 0.0
    if zero_diagonal:
        np.fill_diagonal(W, 0.0)
    return W


def storkey(patterns):
    """Storkey's (1997) incremental learning rule, one pattern at a time.

    Starting from ``W = 0``, each pattern ``xi`` adds

    ``dW_ij = (1/N) (xi_i xi_j - xi_i h_ji - h_ij xi_j)``,
    ``h_ij = sum_{k != i, j} W_ik xi_k``  (the local field at i without j's input),

    and the diagonal is kept at zero. One pattern gives the Hebbian couplings; the correction
    terms subtract the crosstalk of the patterns already stored, which raises the capacity
    above Hebb's (about 0.14 N) while the rule stays local. Each pattern's update is one
    matrix expression (O(N^2)).

    Parameters
    ----------
    patterns : array (K, N) -- presented in row order (the result depends on it)

    Returns
    -------
    W : ndarray (N, N), symmetric, zero diagonal
    """
    xi = _patterns(patterns)
    N = xi.shape[1]
    W = np.zeros((N, N))
    for x in xi:
        h = W @ x                           # h_i = sum_{k != i} W_ik x_k (zero diagonal)
        T = (h[:, None] - W * x[None, :]) * x[None, :]   # T_ij = h_ij x_j (removes k = j)
        W += (np.outer(x, x) - (T + T.T)) / N            # T + T.T: exactly symmetric
        np.fill_diagonal(W, 0.0)
    return W


# ---------------------------------------------------------------------------------------------
# Recall


@dataclass(frozen=True)
class RecallResult:
    """End states of deterministic sign dynamics.

    Attributes
    ----------
    states : ndarray of +-1 floats, the shape of the (broadcast) start
    sweeps : ndarray of int, the start's shape without the node axis -- sweeps run on each
        state (the last one, for a converged state, is the sweep that changed nothing)
    converged : ndarray of bool, the same shape -- a full sweep changed nothing; False where
        ``max_sweeps`` ran out first or a synchronous run fell into a 2-cycle
    """

    states: np.ndarray
    sweeps: np.ndarray
    converged: np.ndarray

    @property
    def all_converged(self) -> bool:
        return bool(np.all(self.converged))


def _tie_band(n):
    """Relative width of the band of fields counted as zero (see :func:`recall`).

    A field summed afresh is off by at most (N + 1) u a (u = eps / 2, ``a = sum_j |W_ij| +
    |b_i|`` bounds every partial sum); the asynchronous sweep then adds up to 4N flips' columns,
    each rounding by at most u a, before it sums afresh: (5N + 1) u a < 8 (N + 1) u a.
    """
    return 4.0 * (n + 1) * _EPS


@njit(cache=True, error_model="numpy")
def _field_into(w, s, bias, h):
    """``h = bias + sum_j s_j w[j]`` (w: transposed couplings), summed over j in order."""
    n = s.shape[0]
    for k in range(n):
        h[k] = bias[k]
    for j in range(n):
        sj = s[j]
        row = w[j]
        for k in range(n):
            h[k] += sj * row[k]


@njit(parallel=True, cache=True, error_model="numpy")
def _async_sweep(WT, net, bias, band, S, H, updates, active, order, changed):
    """One asynchronous sweep of the states ``active`` (parallel over states).

    WT (B, N, N): ``WT[b, i]`` is column i of network b's couplings; net (T,) each state's
    network; bias, band, S, H (T, N): biases, tie bands, states and their fields (updated in
    place); updates (T,) flips since each state's fields were last summed afresh; active (A,)
    the states to sweep; order (A, N) their node orders; changed (A,) out: whether any node
    flipped.
    """
    n = S.shape[1]
    for a in prange(active.shape[0]):
        t = active[a]
        w = WT[net[t]]
        s, h, bd = S[t], H[t], band[t]
        flipped = False
        for q in range(n):
            i = order[a, q]
            if h[i] > bd[i]:
                new = 1.0
            elif h[i] < -bd[i]:
                new = -1.0
            else:
                continue                    # a tie keeps the state
            if new == s[i]:
                continue
            s[i] = new
            flipped = True
            col = w[i]
            d = 2.0 * new
            for k in range(n):
                h[k] += d * col[k]
            updates[t] += 1
            if updates[t] >= 4 * n:         # bound the rounding of the running fields
                updates[t] = 0
                _field_into(w, s, bias[t], h)
        changed[a] = flipped


def _recall_inputs(W, start, bias):
    """Checked arrays as (B, M, N) with W (B, N, N), and the output shape."""
    W = _weights(W)
    s = _spins(start, "start", ndim=(1, 2, 3))
    N = W.shape[-1]
    if s.shape[-1] != N:
        raise ValueError(f"start must have {N} nodes (last axis), one per row of W, got shape "
                         f"{s.shape}")
    if W.ndim == 2:
        out_shape = s.shape
        W3 = W[None]
        s3 = s.reshape(1, -1, N)
    else:
        B = W.shape[0]
        if s.ndim == 3 and s.shape[0] != B:
            raise ValueError(f"start (B, M, N) must have one batch per network of W ({B}), got "
                             f"shape {s.shape}")
        if s.ndim == 1:
            raise ValueError(f"with a batch of networks W {W.shape}, start must be (M, N) or "
                             f"(B, M, N), got shape {s.shape}")
        s3 = np.broadcast_to(s, (B, *s.shape[-2:])) if s.ndim == 2 else s
        out_shape = s3.shape
        W3 = W
    if bias is None:
        b3 = np.zeros(s3.shape)
    else:
        b = finite_array(bias, "bias")
        if b.shape == (N,):
            b3 = np.broadcast_to(b, s3.shape)
        elif W.ndim == 3 and b.shape == (W.shape[0], N):
            b3 = np.broadcast_to(b[:, None, :], s3.shape)          # one bias per network
        elif b.shape == out_shape:
            b3 = b.reshape(s3.shape)                                # one bias per state
        else:
            per_network = ", (B, N) per network" if W.ndim == 3 else ""
            raise ValueError(f"bias must have shape ({N},){per_network} or the start's shape "
                             f"{out_shape}, got {b.shape}")
    return W3, np.array(s3, dtype=float), np.array(b3, dtype=float), out_shape


def recall(W, start, *, max_sweeps=100, schedule="asynchronous", rng=None, bias=None):
    """Deterministic sign dynamics ``s_i <- sign(sum_j W_ij s_j + b_i)`` until nothing changes.

    Every state is updated independently; all of them (and all networks) in one call.

    * ``"asynchronous"``: one sweep visits every node once, in a random order drawn from
      ``rng`` for each state and sweep (``Generator.permuted`` of ``0..N-1``, the orders of the
      states still running, in order); each node sees the nodes updated before it. With
      symmetric ``W`` and a non-negative diagonal the dynamics always converge (Hopfield's
      energy decreases at each flip).
    * ``"synchronous"``: all nodes at once from the previous state; ``rng`` is not used. A
      state that returns to its value of two sweeps before is in a 2-cycle, which it would
      repeat for ever: it stops there, not converged.

    A state has converged when a full sweep changes no node; it then stops (so a fixed point
    takes one sweep). Ties: a node whose field is zero keeps its state. A field counts as zero
    when ``|h_i| <= 4 (N + 1) eps (sum_j |W_ij| + |b_i|)``, a band wider than the rounding of
    the sums, so that a field which is exactly zero in exact arithmetic (common with +-1
    patterns, e.g. Hebbian couplings with N not a power of two) is a tie whatever the order of
    summation; a genuinely non-zero field that small cannot be told from rounding anyway.

    Parameters
    ----------
    W : array (N, N) or (B, N, N) -- couplings ``W[i, j]`` from node j to node i, of one
        network or of B networks (not required to be symmetric; the diagonal is used as given)
    start : array of +-1 -- (N,) or (M, N) with W (N, N); (M, N) (the same starts in every
        network) or (B, M, N) with W (B, N, N). Other values are refused: binarise first.
    max_sweeps : int >= 1
    schedule : ``"asynchronous"`` or ``"synchronous"``
    rng : seed or numpy.random.Generator (asynchronous schedule); None draws fresh entropy
    bias : None (zero), or an array (N,), (B, N) (one per network) or of the start's shape
        (one per state) -- ``b`` above; e.g. a Boltzmann machine's biases

    Returns
    -------
    RecallResult -- states of the start's shape ((B, M, N) for (M, N) starts in B networks),
    sweeps and converged without the node axis
    """
    W3, S3, b3, out_shape = _recall_inputs(W, start, bias)
    max_sweeps = count(max_sweeps, "max_sweeps")
    schedule = choice(schedule, "schedule", SCHEDULES)
    gen = as_generator(rng)
    B, M, N = S3.shape
    band = _tie_band(N) * (np.abs(W3).sum(axis=2)[:, None, :] + np.abs(b3))
    run = _run_async if schedule == "asynchronous" else _run_sync
    states, sweeps, converged = run(W3, S3, b3, band, max_sweeps, gen)
    lead = out_shape[:-1]
    return RecallResult(states.reshape(out_shape), sweeps.reshape(lead),
                        converged.reshape(lead))


@njit(parallel=True, cache=True, error_model="numpy")
def _fields(WT, net, bias, S, H):
    """Fields of every state: ``H[t] = W_net[t] S[t] + bias[t]`` (parallel over states)."""
    for t in prange(S.shape[0]):
        _field_into(WT[net[t]], S[t], bias[t], H[t])


@njit(parallel=True, cache=True, error_model="numpy")
def _sync_sweep(WT, net, bias, band, S, before, active, cycles, changed, cycled):
    """One synchronous sweep of the states ``active``: all nodes from the previous state.

    ``before`` (T, N) holds each state as it was one sweep earlier and is advanced here;
    ``cycles``: whether ``before`` is valid yet (from the second sweep on). Out: changed (A,),
    cycled (A,) -- the new state equals the state two sweeps back and not the last one.
    """
    n = S.shape[1]
    for a in prange(active.shape[0]):
        t = active[a]
        s, bd = S[t], band[t]
        h = np.empty(n)
        _field_into(WT[net[t]], s, bias[t], h)
        diff = False
        back = cycles
        for i in range(n):
            new = 1.0 if h[i] > bd[i] else (-1.0 if h[i] < -bd[i] else s[i])
            diff = diff or new != s[i]
            back = back and new == before[t, i]
            before[t, i] = s[i]
            s[i] = new
        changed[a] = diff
        cycled[a] = diff and back


def _flat(W3, S3, b3, band):
    """The kernels' layout: transposed couplings, (T, N) rows and each row's network."""
    B, M, N = S3.shape
    T = B * M
    WT = np.ascontiguousarray(W3.transpose(0, 2, 1))
    net = np.repeat(np.arange(B, dtype=np.int64), M)
    rows = [np.ascontiguousarray(a.reshape(T, N)) for a in (S3, b3, band)]
    return WT, net, *rows


def _run_async(W3, S3, b3, band, max_sweeps, gen):
    WT, net, S, bias, bd = _flat(W3, S3, b3, band)
    T, N = S.shape
    H = np.empty_like(S)
    with _threads_for(T * N * N):
        _fields(WT, net, bias, S, H)
    updates = np.zeros(T, dtype=np.int64)
    sweeps = np.zeros(T, dtype=np.int64)
    converged = np.zeros(T, dtype=bool)
    active = np.arange(T, dtype=np.int64)
    nodes = np.arange(N, dtype=np.int64)
    for _ in range(max_sweeps):
        if active.size == 0:
            break
        order = gen.permuted(np.tile(nodes, (active.size, 1)), axis=1)
        changed = np.zeros(active.size, dtype=bool)
        with _threads_for(active.size * N * N):
            _async_sweep(WT, net, bias, bd, S, H, updates, active, order, changed)
        sweeps[active] += 1
        converged[active[~changed]] = True
        active = active[changed]
    return S, sweeps, converged


def _run_sync(W3, S3, b3, band, max_sweeps, gen):
    WT, net, S, bias, bd = _flat(W3, S3, b3, band)
    T, N = S.shape
    before = np.empty_like(S)
    sweeps = np.zeros(T, dtype=np.int64)
    converged = np.zeros(T, dtype=bool)
    active = np.arange(T, dtype=np.int64)
    for sweep in range(max_sweeps):
        if active.size == 0:
            break
        changed = np.zeros(active.size, dtype=bool)
        cycled = np.zeros(active.size, dtype=bool)
        with _threads_for(active.size * N * N):
            _sync_sweep(WT, net, bias, bd, S, before, active, sweep > 0, changed, cycled)
        sweeps[active] += 1
        converged[active[~changed]] = True
        active = active[changed & ~cycled]
    return S, sweeps, converged


def overlap(states, patterns):
    """Overlap of states with patterns: the cosine ``s . xi / (|s| |xi|)``.

    For +-1 vectors this is Hopfield's overlap ``m = s . xi / N`` exactly (``|s| |xi| = N``);
    for continuous states it is the cosine similarity, which keeps ``m`` in [-1, 1] whatever
    their scale. A zero vector has overlap 0 with everything.

    Parameters
    ----------
    states : array (..., N)
    patterns : array (K, N), or (B, K, N) with states (B, M, N) (each network's own patterns)

    Returns
    -------
    ndarray (..., K) -- (B, M, K) in the batched case
    """
    s = finite_array(states, "states")
    p = finite_array(patterns, "patterns", ndim=(2, 3))
    if s.ndim < 1:
        raise ValueError("states must have a node axis (..., N), got a scalar")
    if s.shape[-1] != p.shape[-1]:
        raise ValueError(f"states and patterns must have the same number of nodes (last axis), "
                         f"got shapes {s.shape} and {p.shape}")
    if p.ndim == 3 and (s.ndim != 3 or s.shape[0] != p.shape[0]):
        raise ValueError(f"patterns (B, K, N) {p.shape} need states (B, M, N) with the same B, "
                         f"got shape {s.shape}")
    ss = np.sum(s * s, axis=-1)[..., None]
    pp = np.sum(p * p, axis=-1)
    if p.ndim == 2:
        dots, norms = s @ p.T, np.sqrt(ss * pp)
    else:
        dots, norms = np.matmul(s, p.transpose(0, 2, 1)), np.sqrt(ss * pp[:, None, :])
    # sqrt(|s|^2 |xi|^2) is exactly N for +-1 vectors, so m = s . xi / N to the last bit
    return np.where(norms > 0, dots / np.where(norms > 0, norms, 1.0), 0.0)


# ---------------------------------------------------------------------------------------------
# Boltzmann machine: exact quantities


@dataclass(frozen=True)
class ExactDistribution:
    """All states of a Boltzmann machine and their probabilities.

    Attributes
    ----------
    states : ndarray (2^N, N) of +-1 -- row k: unit i is +1 where bit ``N - 1 - i`` of k is
        set (unit 0 is the most significant bit, -1 before +1)
    probabilities : ndarray (2^N,), summing to 1
    """

    states: np.ndarray
    probabilities: np.ndarray


def _enumerate(n, lo, hi):
    """States ``lo .. hi - 1`` of the enumeration order of :class:`ExactDistribution`."""
    k = np.arange(lo, hi, dtype=np.int64)[:, None]
    bits = (k >> np.arange(n - 1, -1, -1, dtype=np.int64)) & 1
    return 2.0 * bits - 1.0


def _log_weights(W, b, S):
    """``1/2 s^T W s + b^T s`` for each row of S."""
    return 0.5 * np.einsum("ki,ki->k", S @ W, S) + S @ b


def _all_log_weights(W, b):
    n = W.shape[0]
    total = 2 ** n
    return np.concatenate([_log_weights(W, b, _enumerate(n, lo, min(lo + _CHUNK, total)))
                           for lo in range(0, total, _CHUNK)])


def _logsumexp(a):
    top = np.max(a)
    return float(top + np.log(np.sum(np.exp(a - top))))


def log_partition(W, b):
    """``log Z = log sum_s exp(1/2 s^T W s + b^T s)`` by enumeration (N <= 20).

    Parameters
    ----------
    W : array (N, N), symmetric, zero diagonal
    b : array (N,)
    """
    W, b = _machine(W, b)
    _enumerable(W.shape[0])
    return _logsumexp(_all_log_weights(W, b))


def exact_distribution(W, b):
    """Every state of the machine with its probability, by enumeration (N <= 20).

    Parameters
    ----------
    W : array (N, N), symmetric, zero diagonal
    b : array (N,)

    Returns
    -------
    ExactDistribution -- states (2^N, N), probabilities (2^N,)
    """
    W, b = _machine(W, b)
    n = W.shape[0]
    _enumerable(n)
    a = _all_log_weights(W, b)
    p = np.exp(a - _logsumexp(a))
    return ExactDistribution(_enumerate(n, 0, 2 ** n), p / p.sum())


def _data(data, n):
    d = _spins(data, "data", ndim=2)
    if d.shape[1] != n:
        raise ValueError(f"data must have {n} units (columns), one per row of W, got shape "
                         f"{d.shape}")
    if d.shape[0] < 1:
        raise ValueError("data must have at least one row")
    return d


def log_likelihood(W, b, data):
    """Mean log-probability of the data rows under the machine, exact (N <= 20).

    Parameters
    ----------
    W : array (N, N), symmetric, zero diagonal
    b : array (N,)
    data : array (P, N) of +-1, P >= 1

    Returns
    -------
    float -- ``(1/P) sum_p log p(data_p)`` (nats)
    """
    W, b = _machine(W, b)
    _enumerable(W.shape[0])
    d = _data(data, W.shape[0])
    return float(np.mean(_log_weights(W, b, d)) - _logsumexp(_all_log_weights(W, b)))


def _moments(S, weights=None):
    """``<s s^T>`` (diagonal zeroed) and ``<s>`` over the rows of S (weighted or mean)."""
    if weights is None:
        weights = np.full(S.shape[0], 1.0 / S.shape[0])
    C = (S * weights[:, None]).T @ S
    np.fill_diagonal(C, 0.0)
    return 0.5 * (C + C.T), weights @ S


def _model_moments(W, b):
    n = W.shape[0]
    total = 2 ** n
    a = _all_log_weights(W, b)
    p = np.exp(a - _logsumexp(a))
    p /= p.sum()
    C, m = np.zeros((n, n)), np.zeros(n)
    for lo in range(0, total, _CHUNK):
        hi = min(lo + _CHUNK, total)
        S = _enumerate(n, lo, hi)
        C += (S * p[lo:hi, None]).T @ S
        m += p[lo:hi] @ S
    np.fill_diagonal(C, 0.0)
    return 0.5 * (C + C.T), m


def log_likelihood_gradient(W, b, data):
    """Exact gradient of :func:`log_likelihood` (N <= 20).

    The gradient with respect to the symmetric coupling ``W_ij = W_ji`` (both entries moved
    together, as learning moves them) is ``<s_i s_j>_data - <s_i s_j>_model``; with respect to
    ``b_i`` it is ``<s_i>_data - <s_i>_model``.

    Parameters
    ----------
    W : array (N, N), symmetric, zero diagonal
    b : array (N,)
    data : array (P, N) of +-1

    Returns
    -------
    (grad_W, grad_b) -- (N, N) symmetric with zero diagonal, and (N,)
    """
    W, b = _machine(W, b)
    _enumerable(W.shape[0])
    d = _data(data, W.shape[0])
    Cd, md = _moments(d)
    Cm, mm = _model_moments(W, b)
    return Cd - Cm, md - mm


# ---------------------------------------------------------------------------------------------
# Boltzmann machine: sampling and learning


@njit(parallel=True, cache=True, error_model="numpy")
def _gibbs_kernel(W, b, S, U):
    """Sequential Gibbs sweeps, unit 0 to N-1, for every chain (parallel over chains).

    S (C, N) states, updated in place; U (T, C, N) uniforms: unit i of chain c becomes +1 in
    sweep t when ``U[t, c, i] < sigma(2 h_i)``.
    """
    n = S.shape[1]
    for c in prange(S.shape[0]):
        s = S[c]
        for t in range(U.shape[0]):
            for i in range(n):
                h = b[i]
                row = W[i]
                for j in range(n):
                    h += row[j] * s[j]
                p = 1.0 / (1.0 + math.exp(-2.0 * h))
                s[i] = 1.0 if U[t, c, i] < p else -1.0


def _gibbs(W, b, S, sweeps, gen):
    """Unchecked :func:`gibbs` on a private copy S (C, N); returns S."""
    C, n = S.shape
    per = max(1, _UNIFORM_BUDGET // max(1, C * n))
    done = 0
    while done < sweeps:
        t = min(per, sweeps - done)
        # drawn in sweep-major blocks: the same numbers, in the same order, as one big draw
        U = gen.random((t, C, n))
        with _threads_for(t * C * n * n):
            _gibbs_kernel(W, b, S, U)
        done += t
    return S


def gibbs(W, b, states, sweeps, *, rng):
    """Sequential Gibbs sampling of a Boltzmann machine, many chains at once.

    Each sweep visits units 0, 1, ..., N-1 in turn and sets unit i to +1 with probability
    ``p(s_i = +1 | rest) = sigma(2 h_i)``, ``h_i = sum_j W_ij s_j + b_i`` (the two states of a
    +-1 unit differ by 2 in ``s_i h_i``). Every chain draws N uniforms per sweep; the draws are
    ``rng.random((sweeps, C, N))`` in that order.

    Parameters
    ----------
    W : array (N, N), symmetric, zero diagonal
    b : array (N,)
    states : array (C, N) of +-1 -- one chain per row (not modified)
    sweeps : int >= 0
    rng : seed or numpy.random.Generator

    Returns
    -------
    ndarray (C, N) -- the chains after ``sweeps`` sweeps
    """
    W, b = _machine(W, b)
    S = _spins(states, "states", ndim=2)
    if S.shape[1] != W.shape[0]:
        raise ValueError(f"states must have {W.shape[0]} units (columns), one per row of W, "
                         f"got shape {S.shape}")
    sweeps = count(sweeps, "sweeps", minimum=0)
    gen = as_generator(rng)
    return _gibbs(W, b, np.array(S, dtype=float), sweeps, gen)


def _chains_from(data, n_chains):
    """Chain c starts at data row ``c mod P``."""
    return np.array(data[np.arange(n_chains) % data.shape[0]], dtype=float)


def cd_gradient(W, b, data, *, k=1, chains=None, n_chains=None, rng):
    """Contrastive-divergence estimate of :func:`log_likelihood_gradient`.

    Positive phase: the data's moments, exact (every unit is visible). Negative phase: the
    moments of the chains after ``k`` Gibbs sweeps (:func:`gibbs`). CD-k (Hinton 2002) starts
    the chains at the data (``chains=None``: chain c at row ``c mod P``, ``n_chains`` of them,
    default P); persistent CD (Tieleman 2008) passes the chains returned by the previous call.

    Parameters
    ----------
    W : array (N, N), symmetric, zero diagonal
    b : array (N,)
    data : array (P, N) of +-1
    k : int >= 1 -- Gibbs sweeps
    chains : None or array (C, N) of +-1 -- the negative chains' current states
    n_chains : None or int >= 1 -- with ``chains=None`` only
    rng : seed or numpy.random.Generator

    Returns
    -------
    (grad_W, grad_b, chains) -- (N, N) symmetric with zero diagonal, (N,), and the chains
    after the k sweeps (C, N)
    """
    W, b = _machine(W, b)
    d = _data(data, W.shape[0])
    k = count(k, "k")
    gen = as_generator(rng)
    if chains is None:
        chains = _chains_from(d, d.shape[0] if n_chains is None else count(n_chains, "n_chains"))
    else:
        if n_chains is not None:
            raise ValueError("n_chains must be None when chains are given")
        chains = _spins(chains, "chains", ndim=2)
        if chains.shape[1] != W.shape[0]:
            raise ValueError(f"chains must have {W.shape[0]} units (columns), got shape "
                             f"{chains.shape}")
        if chains.shape[0] < 1:
            raise ValueError("chains must have at least one row")
        chains = np.array(chains, dtype=float)
    return _cd_step(W, b, _moments(d), chains, k, gen)


def _cd_step(W, b, positive_moments, chains, k, gen):
    chains = _gibbs(W, b, chains, k, gen)
    Cm, mm = _moments(chains)
    Cd, md = positive_moments
    return Cd - Cm, md - mm, chains


def train_boltzmann(patterns, *, k=1, persistent=False, epochs, learning_rate, n_chains=None,
                    rng, trace=False, initial=None):
    """Learn a fully visible Boltzmann machine from patterns by CD-k or persistent CD.

    From ``W = 0, b = 0`` (or ``initial``), each epoch takes one step up the batch gradient over
    all patterns, ``W += learning_rate * grad_W``, ``b += learning_rate * grad_b``, with the
    gradient of :func:`cd_gradient`: CD-k restarts its ``n_chains`` chains at the patterns every
    epoch (chain c at pattern ``c mod K``); persistent CD starts them there once and carries them
    on.

    Parameters
    ----------
    patterns : array (K, N) of +-1, K >= 1
    k : int >= 1 -- Gibbs sweeps per epoch
    persistent : bool -- persistent CD (Tieleman 2008) instead of CD-k (Hinton 2002)
    epochs : int >= 0
    learning_rate : float > 0
    n_chains : None (one per pattern) or int >= 1
    rng : seed or numpy.random.Generator
    trace : bool -- also return the exact mean log-likelihood of the patterns before training
        and after each epoch (enumeration: N <= 20)
    initial : None or (W, b) -- the machine to start from (W (N, N) symmetric with zero
        diagonal, b (N,); not modified), to continue a training: CD-k runs split into calls on
        one generator give the numbers of one call (persistent chains restart at the patterns
        in each call)

    Returns
    -------
    (W, b), or (W, b, log_likelihoods) with ``trace=True`` -- W (N, N) symmetric, zero
    diagonal; b (N,); log_likelihoods (epochs + 1,)
    """
    xi = _spins(patterns, "patterns", ndim=2)
    if xi.shape[0] < 1:
        raise ValueError("patterns must have at least one row")
    k = count(k, "k")
    persistent = flag(persistent, "persistent")
    epochs = count(epochs, "epochs", minimum=0)
    learning_rate = positive(learning_rate, "learning_rate")
    n_chains = xi.shape[0] if n_chains is None else count(n_chains, "n_chains")
    gen = as_generator(rng)
    trace = flag(trace, "trace")
    n = xi.shape[1]
    if trace:
        _enumerable(n, "patterns (trace=True)")
    if initial is None:
        W, b = np.zeros((n, n)), np.zeros(n)
    else:
        if not isinstance(initial, (tuple, list)) or len(initial) != 2:
            raise TypeError("initial must be None or a pair (W, b)")
        try:
            W, b = (np.array(v, dtype=float) for v in _machine(*initial))
        except (TypeError, ValueError) as error:
            raise type(error)(f"initial: {error}") from error
        if W.shape[0] != n:
            raise ValueError(f"initial must be a machine of {n} units (the patterns' columns), "
                             f"got W of shape {W.shape}")
    moments = _moments(xi)
    start = _chains_from(xi, n_chains)
    chains = start.copy()
    lls = [log_likelihood(W, b, xi)] if trace else None
    for _ in range(epochs):
        gW, gb, chains = _cd_step(W, b, moments, chains if persistent else start.copy(), k, gen)
        with np.errstate(over="ignore", invalid="ignore"):
            W = W + learning_rate * gW
            b = b + learning_rate * gb
        if not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
            raise FloatingPointError("train_boltzmann diverged (non-finite couplings); "
                                     "lower learning_rate")
        if trace:
            lls.append(log_likelihood(W, b, xi))
    return (W, b, np.array(lls)) if trace else (W, b)
