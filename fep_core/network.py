"""The self-orthogonalizing attractor network (Spisak & Friston 2025).

``n`` nodes with states ``sigma_i`` in [-1, 1], couplings ``J`` (``J[i, j]``: weight from node j
to node i; zero diagonal; not necessarily symmetric) and biases ``b``. Inference samples each
node from the continuous Bernoulli ``CB(iT * (b_i + sum_j J_ij sigma_j))`` (or takes its mean,
the Langevin function, when deterministic); learning adds
``alpha * (sigma_i sigma_j - L(h_i) sigma_j)``. The exact step is documented in
:mod:`fep_core._kernels`; :mod:`fep_core.reference` writes the same step (and the macro free
energy) as plain, readable NumPy, which reproduces this engine to rounding given the same
uniforms or seed.

Two classes share one compiled engine:

* :class:`AttractorBatch` — ``B`` independent networks, each with its own random stream,
  precision, learning rate and evidence, run as one parallel array program.
* :class:`AttractorNetwork` — one network; a thin wrapper over a batch of one, so a network in
  a batch and the same network alone give bit-identical numbers.

Randomness: each network owns a ``numpy.random.Generator`` (networks may not share one). A run
draws its uniforms from it in order (after, for training, the epoch-by-epoch pattern choices);
the compiled kernels call the generator's own C function for this (:mod:`fep_core._rng`), so
the numbers are those ``rng.random`` would return, and results depend only on the seed, not on
chunking or threading.
"""
from __future__ import annotations

import contextlib
import numbers
import time
from dataclasses import dataclass

import numpy as np

from . import _kernels as K, _rng, reference
from ._validation import (
    choice,
    count,
    finite_array,
    flag,
    generators,
    positive,
    positive_array,
)

__all__ = ["AttractorBatch", "AttractorNetwork", "TrainingTrace", "RelaxResult",
           "symmetric_part", "antisymmetric_part", "asymmetry", "macro_vfe", "coupling_dtype"]

# Values per chunk of a long run, per recorded or caller-given array (states, uniforms): bounds
# the temporary memory and sets the granularity of progress bars. Results do not depend on it.
_CHUNK_BUDGET = 2 ** 22
# Long runs and relaxations are split into kernel calls of about _CALL_SECONDS each, so that
# Python sees Ctrl-C within a fraction of a second instead of at the end of the run: the first
# call does _WORK_BUDGET units of work (see _step_work; a unit is about a nanosecond on one
# core), the next ones as many steps as fit in _CALL_SECONDS at the pace measured (at most
# twice the last call's). Results do not depend on either. (Starting a parallel kernel costs
# microseconds on an idle machine but up to tens of milliseconds on an oversubscribed one,
# where handing work to a sleeping thread waits for the scheduler: much shorter calls would
# then slow long runs down.)
_WORK_BUDGET = 2 ** 24
_CALL_SECONDS = 0.25


def _step_work(n, *, trace=False, sequential=False):
    """Work of one step of one n-node network, in units of ``_WORK_BUDGET``: a sweep over J,
    another for the macro VFE of a trace, the sequential schedule's per-node column sums (not
    vectorised, strided), and the per-node inference (exp, log, ...)."""
    return n * n * (1 + int(trace) + 3 * int(sequential)) + 32 * n + 256


class _Calls:
    """Steps per kernel call: ``first`` at first, then sized from the time the last call took
    (see ``_CALL_SECONDS``); never more than ``cap`` nor fewer than 1."""

    def __init__(self, first, cap):
        self.cap = max(1, cap)
        self.steps = max(1, min(self.cap, first))

    def took(self, steps, seconds):
        fit = int(steps * _CALL_SECONDS / seconds) if seconds > 0 else 2 * steps
        self.steps = max(1, min(self.cap, 2 * steps, fit))


# ---------------------------------------------------------------------------------------------
# Plain functions of a coupling matrix


def _couplings(J, name="J"):
    """``J`` as a finite float array of square matrices, shape (..., n, n) with n >= 1."""
    J = finite_array(J, name)
    if J.ndim < 2 or J.shape[-1] != J.shape[-2] or J.shape[-1] < 1:
        raise ValueError(f"{name} must be a square matrix or a stack of them, shape (..., n, n) "
                         f"with n >= 1, got shape {J.shape}")
    return J


def _half_sum(J, sign):
    """``(J + sign J^T) / 2``, without overflow for finite J: halving first is exact for normal
    numbers, but rounds differently at subnormals, so it is used only where the sum overflows."""
    JT = np.swapaxes(J, -1, -2)
    with np.errstate(over="ignore"):
        out = 0.5 * (J + sign * JT)
    if not np.all(np.isfinite(out)):
        out = 0.5 * J + sign * (0.5 * JT)
    return out


def symmetric_part(J):
    """``(J + J^T) / 2``: the only part of J that enters the stationary distribution.
    J (..., n, n)."""
    return _half_sum(_couplings(J), 1.0)


def antisymmetric_part(J):
    """``(J - J^T) / 2``: drives divergence-free (solenoidal) flow, i.e. sequences.
    J (..., n, n)."""
    return _half_sum(_couplings(J), -1.0)


def asymmetry(J):
    """``||J - J^T||_F / ||J||_F`` (0 for symmetric J, up to 2). J (..., n, n) -> (...)."""
    J = _couplings(J)
    # A matrix whose squares would overflow or underflow is scaled by a power of two (exact, and
    # the ratio does not depend on the scale); others are left alone, so their bits are the same.
    _, e = np.frexp(np.max(np.abs(J), axis=(-2, -1), keepdims=True))
    e = np.where((e > 400) | (e < -400), e, 0)
    if np.any(e):
        J = np.ldexp(J, -e)
    num = np.linalg.norm(J - np.swapaxes(J, -1, -2), axis=(-2, -1))
    den = np.linalg.norm(J, axis=(-2, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
    return float(out) if out.ndim == 0 else out


def macro_vfe(J, state, bias):
    """Macro-scale free energy used by the reference code to monitor training.

    With ``bq = b + J m`` for the current state ``m``: complexity ``sum_i KL[CB(bq_i) || CB(b_i)]``,
    accuracy ``b . L(bq) + L(bq)^T J L(bq)``, VFE = complexity - accuracy.

    Parameters
    ----------
    J : array (n, n)
    state, bias : arrays (n,)

    Returns
    -------
    (vfe, complexity, accuracy) : tuple of float

    The definition is :func:`fep_core.reference.macro_free_energy` (plain NumPy); the networks'
    ``vfe`` methods compute the same quantity in the compiled engine.
    """
    return tuple(reference.macro_free_energy(J, state, bias))


def _finite_vfe(parts):
    if not np.all(np.isfinite(parts)):
        raise ValueError("J and bias are too large: the macro VFE overflows")
    return parts


# ---------------------------------------------------------------------------------------------
# Results


@dataclass
class TrainingTrace:
    """What happened during training.

    Attributes
    ----------
    pattern_index : ndarray (epochs,) or (B, epochs)
        Pattern presented in each epoch.
    vfe, complexity, accuracy : ndarray (steps,) or (B, steps)
        Macro-scale free energy and its parts after each step (empty if not recorded).
    weight_change : ndarray (steps,) or (B, steps)
        Frobenius norm of each step's change of J (empty if not recorded).
    """

    pattern_index: np.ndarray
    vfe: np.ndarray
    complexity: np.ndarray
    accuracy: np.ndarray
    weight_change: np.ndarray


@dataclass
class RelaxResult:
    """Fixed points of deterministic dynamics.

    Attributes
    ----------
    states : ndarray (M, n) or (B, M, n)
    steps : ndarray of int, (M,) or (B, M) — iterations taken
    converged : ndarray of bool, (M,) or (B, M) — False where ``max_steps`` ran out first
    """

    states: np.ndarray
    steps: np.ndarray
    converged: np.ndarray

    @property
    def all_converged(self) -> bool:
        return bool(np.all(self.converged))


# ---------------------------------------------------------------------------------------------
# Batched networks


LARGE_NETWORK = 1024    # from this many nodes a single network's steps sweep J on all cores
_FIELD_LIMIT = 1e300    # largest sum_j |J_ij| accepted: fields J x (|x| <= 1) stay finite
_BLOCK = 2 ** 20        # elements of J checked at a time (no temporary as large as J)


def _owned(a, dtype=float):
    """A C-contiguous, writable array (copied only when needed): the compiled kernels are
    specialised for this layout, and read-only inputs would compile a second variant."""
    if a.dtype == dtype and a.flags.c_contiguous and a.flags.writeable:
        return a
    return np.array(a, dtype=dtype, order="C", copy=True)


def coupling_dtype(value):
    """The couplings' storage type named by ``value``: "float64" or "float32" (also
    ``np.float64`` / ``np.float32`` or their dtypes) as a ``numpy.dtype``; anything else is an
    error naming ``dtype``."""
    if value is None or isinstance(value, (bool, np.bool_)):
        raise TypeError(f"dtype must be 'float64' or 'float32', got {value!r}")
    try:
        dt = np.dtype(value)
    except TypeError as exc:
        raise TypeError(f"dtype must be 'float64' or 'float32', got {value!r}") from exc
    if dt not in (np.float64, np.float32):
        raise ValueError(f"dtype must be 'float64' or 'float32', got {value!r}")
    return dt


def _coupling_checks(J, dtype):
    """Check couplings J (B, n, n) a block of rows at a time: finite, zero diagonal, no row sum
    of |J_ij| at or above _FIELD_LIMIT and, for float32 storage, every entry representable."""
    B, n, _ = J.shape
    rows = max(1, _BLOCK // n)
    top = float(np.finfo(dtype).max)
    for k in range(B):
        for r0 in range(0, n, rows):
            block = J[k, r0:r0 + rows]
            if not np.all(np.isfinite(block)):
                raise ValueError("coupling must be finite (no NaN or inf)")
            mag = np.abs(block)
            if np.any(np.diagonal(block, offset=r0) != 0):
                raise ValueError("coupling must have a zero diagonal (no self-connections)")
            with np.errstate(over="ignore"):
                sums = np.sum(mag, axis=1, dtype=np.float64)
            if not np.all(sums < _FIELD_LIMIT):   # then no field J x (|x| <= 1) can overflow
                raise ValueError(f"coupling is too large: a row's sum of |J_ij| is "
                                 f"{np.max(sums):.3g}, the limit {_FIELD_LIMIT:.0e}")
            if dtype == np.float32 and np.max(mag) > top:
                raise ValueError(f"coupling is too large for float32 storage: an entry of "
                                 f"magnitude {np.max(mag):.3g} exceeds {top:.3g}")


def _per_network(value, name, B, *, allow_zero):
    arr = positive_array(value, name, allow_zero=allow_zero)
    if arr.ndim == 0:
        return np.full(B, float(arr))
    if arr.shape != (B,):
        raise ValueError(f"{name} must be a scalar or have shape ({B},), got {arr.shape}")
    return _owned(arr)


class AttractorBatch:
    """``n_networks`` independent attractor networks of ``n_nodes`` nodes, run in parallel.

    Network k follows :func:`fep_core.reference.run` / :func:`fep_core.reference.train` (the
    readable NumPy version of a step) with network k's random stream.

    Parameters
    ----------
    n_networks, n_nodes : int
    rng : int, Generator, None, or sequence of n_networks of those
        Random streams. A single seed/Generator is spawned into independent child streams; a
        sequence gives each network its own (network k then matches
        ``AttractorNetwork(n_nodes, rng=rng[k])`` exactly).
    coupling : array (n, n) or (B, n, n), optional
        Initial J (diagonal must be 0). Default zeros.
    dtype : "float64" (default) or "float32" (or ``np.float64`` / ``np.float32``)
        How the couplings are stored. float32 halves the memory of J and the bytes a step
        moves (a 50,000-node network: 10 GB instead of 20 GB); see the notes below.

    Attributes
    ----------
    J : ndarray (B, n, n)   couplings (a view; ``J[k, i, j]`` is the weight from j to i)
    state : ndarray (B, n)  current states
    dtype : numpy.dtype     the couplings' storage type

    Notes
    -----
    float32 couplings. Only J is stored in float32: states, fields, biases, uniforms and every
    sum stay float64. A learning step computes ``J_ij + alpha (x_i - L(h_i)) x_j`` in float64
    and rounds it once to float32 (relative error at most u = 2**-24 = 6e-8), and the field
    ``h = J x`` is summed in float64 from the rounded entries: a float32 network reproduces
    itself bit for bit (however a run is split into calls, batched or column-parallel), and
    without learning it gives exactly the numbers of a float64 network with the same (rounded)
    couplings. With learning the two differ by the roundings only. Measured
    (tests/test_float32.py), with the same random streams: after 100 steps of a 64-node network
    J differs from float64 by 5e-7 of its largest entry, the field by 1e-7 and the state by
    6e-9 (the bound, steps x u, is 6e-6); after Simulation 1's 5,000 steps (8 seeds) J differs
    by 1.4e-6 in Frobenius norm (J differs by 50% from seed to seed), and the means and second
    moments of the state over 4,000 further steps by 1e-5 of their spread over seeds. Entries
    beyond float32's range (3.4e38) are an error. (``symmetric_part``, ``asymmetry`` and the
    other functions of J work on a float64 copy.)
    """

    def __init__(self, n_networks, n_nodes, *, rng=None, coupling=None, dtype="float64"):
        self.n_networks = count(n_networks, "n_networks")
        self.n_nodes = count(n_nodes, "n_nodes")
        self.dtype = coupling_dtype(dtype)
        B, n = self.n_networks, self.n_nodes
        self._rngs = generators(rng, B)
        _rng.addresses(self._rngs)       # raises now if networks share a generator
        self._JT = np.zeros((B, n, n), self.dtype)
        if coupling is not None:
            self.J = coupling
        self._state = np.zeros((B, n))

    # -- state and couplings ----------------------------------------------------------------
    @property
    def state(self):
        return self._state

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
        self._state = np.array(x, dtype=float, order="C", copy=True)

    @property
    def J(self):
        """Couplings (B, n, n) of type :attr:`dtype`, a read-only view: assign a new matrix to
        change them (it is rounded to float32 for a float32 network)."""
        view = np.swapaxes(self._JT, 1, 2)
        view.flags.writeable = False
        return view

    @J.setter
    def J(self, value):
        B, n = self.n_networks, self.n_nodes
        J = value if isinstance(value, np.ndarray) else None
        if J is None or not (J.dtype == np.float32 == self.dtype):
            J = finite_array(value, "coupling")     # (float32 into float32: no float64 copy)
        if J.shape == (n, n):
            J = np.broadcast_to(J, (B, n, n))
        if J.shape != (B, n, n):
            raise ValueError(f"coupling must have shape ({n}, {n}) or ({B}, {n}, {n}), "
                             f"got {J.shape}")
        _coupling_checks(J, self.dtype)
        # Always an owned copy: J may be a (read-only, broadcast or transposed) view of another
        # network's couplings, which must neither be shared nor be written through.
        self._JT = np.array(np.swapaxes(J, 1, 2), dtype=self.dtype, order="C", copy=True)

    def symmetric_part(self):
        return symmetric_part(self.J)

    def antisymmetric_part(self):
        return antisymmetric_part(self.J)

    def asymmetry(self):
        return asymmetry(self.J)

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
        return _owned(b)

    def _vfe_parts(self, bias):
        out = np.empty((self.n_networks, 3))
        K.macro_vfe_batch(self._JT, self._state, self._bias_array(bias), out)
        return _finite_vfe(out)

    def vfe(self, bias=None):
        """Macro-scale VFE at the current state (see :func:`macro_vfe`), shape (B,)."""
        return self._vfe_parts(bias)[:, 0]

    def complexity(self, bias=None):
        return self._vfe_parts(bias)[:, 1]

    def accuracy(self, bias=None):
        return self._vfe_parts(bias)[:, 2]

    # -- dynamics ---------------------------------------------------------------------------
    def _check_uniforms(self, uniforms, steps):
        if uniforms is None:
            return None
        B, n = self.n_networks, self.n_nodes
        U = finite_array(uniforms, "uniforms")
        if U.shape == (steps, n) and B == 1:
            U = U[None]
        if U.shape != (B, steps, n):
            raise ValueError(f"uniforms must have shape ({B}, {steps}, {n}), got {U.shape}")
        if np.any((U <= 0.0) | (U >= 1.0)):
            raise ValueError("uniforms must lie in the open interval (0, 1)")
        return _owned(U)

    def _orders(self, node_order, steps):
        B, n = self.n_networks, self.n_nodes
        if node_order is None:
            return np.stack([np.argsort(g.random((steps, n)), axis=1) for g in self._rngs])
        o = _int_array(node_order, "node_order", check_dtype=False)
        if o.shape == (steps, n) and B == 1:
            o = o[None]
        if o.shape != (B, steps, n) or not np.issubdtype(o.dtype, np.integer):
            raise ValueError(f"node_order must be integer permutations of shape "
                             f"({B}, {steps}, {n})")
        if not np.all(np.sort(o, axis=-1) == np.arange(n)):
            raise ValueError("node_order rows must be permutations of range(n_nodes)")
        return np.ascontiguousarray(o, dtype=np.int64)

    def simulate(self, patterns, segment_index, *, scale=1.0, steps_per_segment=1,
                 inverse_temperature=1.0, learning_rate=0.0, stochastic=True,
                 schedule="synchronous", uniforms=None, node_order=None, record="states",
                 prediction="code", progress=False):
        """General driver: a sequence of segments, each with a constant bias.

        Segment ``s`` of network ``k`` uses bias ``scale[k] * patterns[k][segment_index[k, s]]``
        for ``steps_per_segment`` steps. :meth:`run`, :meth:`train` and the retrieval tests
        are built on this.

        Parameters
        ----------
        patterns : array (P, n) shared, or (B, P, n) per network
        segment_index : int array (S,) shared, or (B, S)
        scale, inverse_temperature, learning_rate : float or array (B,)
        stochastic : bool — sample (True) or take the mean (False)
        schedule : "synchronous" (the reference code) or "sequential" (random-scan Gibbs)
        uniforms : array (B, S*K, n) in (0, 1), optional — replaces the random draws
        node_order : int array (B, S*K, n), optional — update order for "sequential"
        record : "states", "means", "trace" or None
            "states": every state (B, S*K, n); "means": mean state per segment (B, S, n);
            "trace": macro VFE, complexity, accuracy, ||dJ||_F per step (B, S*K, 4).
        prediction : "code" or "paper"
            The learning rule's anti-Hebbian prediction: ``L(h_i)`` with ``h = J x_old`` (no
            bias, no precision; the reference code, default) or ``L(b_i + h_i)`` (the paper's
            equation as written). See the reproduction notes.
        progress : bool — show a tqdm progress bar of the steps

        Returns
        -------
        ndarray or None, as chosen by ``record``.
        """
        B, n = self.n_networks, self.n_nodes
        pats = _owned(finite_array(patterns, "patterns"))
        if pats.ndim == 2:
            pats = pats[None]
        if pats.ndim != 3 or pats.shape[2] != n or pats.shape[0] not in (1, B):
            raise ValueError(f"patterns must have shape (P, {n}) or ({B}, P, {n}), "
                             f"got {np.shape(patterns)}")
        if pats.shape[1] < 1:
            raise ValueError(f"patterns must hold at least one pattern, "
                             f"got shape {np.shape(patterns)}")
        idx = _int_array(segment_index, "segment_index")
        if idx.ndim == 1:
            idx = np.broadcast_to(idx, (B, idx.shape[0]))
        if idx.ndim != 2 or idx.shape[0] != B or idx.shape[1] < 1:
            raise ValueError(f"segment_index must have shape (S,) or ({B}, S) with S >= 1")
        if idx.min() < 0 or idx.max() >= pats.shape[1]:
            raise ValueError("segment_index refers to a pattern that does not exist")
        idx = _owned(idx, np.int64)
        steps_per_segment = count(steps_per_segment, "steps_per_segment")
        scale = _per_network(scale, "scale", B, allow_zero=True)
        iT = _per_network(inverse_temperature, "inverse_temperature", B, allow_zero=False)
        alpha = _per_network(learning_rate, "learning_rate", B, allow_zero=True)
        flag(stochastic, "stochastic")
        flag(progress, "progress")
        choice(schedule, "schedule", {"synchronous", "sequential"})
        choice(record, "record", {"states", "means", "trace", None})
        pred_bias = {"code": 0.0, "paper": 1.0}[choice(prediction, "prediction", {"code", "paper"})]
        S = idx.shape[1]
        T = S * steps_per_segment
        if not stochastic and uniforms is not None:
            raise ValueError("uniforms are only used when stochastic=True")
        U_all = self._check_uniforms(uniforms, T) if stochastic else None
        self._check_growth(alpha, T)
        sequential = schedule == "sequential"
        if node_order is not None and not sequential:
            raise ValueError('node_order is only used with schedule="sequential"')
        orders_all = self._orders(node_order, T) if sequential else None

        out = {"states": np.empty((B, T, n)) if record == "states" else None,
               "means": np.empty((B, S, n)) if record == "means" else None,
               "trace": np.empty((B, T, 4)) if record == "trace" else None, None: None}
        x = self._state
        h = np.empty((B, n))             # J x, carried from one kernel call to the next
        work = B * _step_work(n, trace=record == "trace", sequential=sequential)
        calls = _Calls(_WORK_BUDGET // work, _CHUNK_BUDGET // (B * n))
        # One large network: the column-parallel kernel (the same numbers as the batched one; a
        # step is bound by memory bandwidth, so all cores sweep J).
        large = B == 1 and n >= LARGE_NETWORK and not sequential
        if large:
            import numba

            n_chunks = max(1, numba.get_num_threads())
        none = np.zeros((B, 0, 0))
        draw = stochastic and U_all is None     # kernels draw from the networks' generators
        # Addresses are looked up per call (0.6 ms for 380 networks), not stored: a copied or
        # unpickled batch has new generators, and stored addresses would point at the old ones.
        rng_fn, rng_state = _rng.addresses(self._rngs) if draw else (np.zeros(B, np.int64),) * 2
        no_orders = np.zeros((B, 0, 0), np.int64)
        K_ = steps_per_segment
        partial = None                  # sum of the states of a segment split between chunks
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=T, desc="simulating", unit="step", leave=False)
        # The generators stay locked for the whole run (its draws are one sequence), and the
        # lock is taken once: Ctrl-C lands between two kernel calls, inside this block.
        try:
            with _rng.locked(self._rngs) if draw else contextlib.nullcontext():
                start = 0
                while start < T:
                    stop = min(T, start + calls.steps)
                    s0, s1 = start // K_, (stop - 1) // K_ + 1    # the segments the call touches
                    first = start - s0 * K_
                    seg = _owned(idx[:, s0:s1], np.int64)
                    U = _owned(U_all[:, start:stop]) if U_all is not None else none
                    orders = (np.ascontiguousarray(orders_all[:, start:stop]) if sequential
                              else no_orders)
                    st = np.empty((B, stop - start, n)) if record == "states" else none
                    mn = np.empty((B, s1 - s0, n)) if record == "means" else none
                    if record == "means" and first > 0:
                        mn[:, 0] = partial
                    tr = np.empty((B, stop - start, 4)) if record == "trace" else none
                    t0 = time.perf_counter()
                    if large:
                        K.run_large_segments(self._JT[0], x[0], h[0], start == 0, pats[0],
                                             seg[0], scale[0], K_, first, stop - start, iT[0],
                                             alpha[0], pred_bias, U[0], rng_fn[0], rng_state[0],
                                             bool(stochastic), n_chunks, st[0], mn[0], tr[0])
                    else:
                        K.run_batch(self._JT, x, h, start == 0, pats, seg, scale, K_, first,
                                    stop - start, iT, alpha, pred_bias, U, rng_fn, rng_state,
                                    orders, bool(stochastic), sequential, st, mn, tr)
                    calls.took(stop - start, time.perf_counter() - t0)
                    if not np.all(np.isfinite(h)):        # (the field after the last step)
                        raise ValueError(       # (_check_growth bounds each call, not a series)
                            "learning_rate is too large: the couplings overflowed while learning"
                            " (J and the state are no longer finite)")
                    if record == "states":
                        out["states"][:, start:stop] = st
                    elif record == "means":
                        out["means"][:, s0:s1] = mn
                        partial = mn[:, -1]
                    elif record == "trace":
                        out["trace"][:, start:stop] = tr
                    if bar is not None:
                        bar.update(stop - start)
                    start = stop
        finally:
            if bar is not None:
                bar.close()
        return out[record]

    def run(self, bias, steps, *, inverse_temperature=1.0, learning_rate=0.0, stochastic=True,
            schedule="synchronous", uniforms=None, node_order=None, progress=False):
        """Run ``steps`` steps with a constant bias, learning if ``learning_rate > 0``.

        Parameters
        ----------
        bias : array (n,) or (B, n)
        steps : int >= 1
        inverse_temperature : float or array (B,), > 0 — precision iT
        learning_rate : float or array (B,), >= 0 — alpha
        stochastic : bool — sample from CB (True) or take its mean (False)
        schedule : "synchronous" (the paper's code) or "sequential" (random-scan Gibbs)
        uniforms : array (B, steps, n) (or (steps, n) for B = 1) in (0, 1), optional
            Replace the random draws, so that two implementations can be compared exactly.
        node_order : int array (B, steps, n), optional — fixed order for "sequential".

        Returns
        -------
        ndarray (B, steps, n): the state after every step.
        """
        steps = count(steps, "steps")
        b = self._bias_array(bias)
        return self.simulate(b[:, None, :], np.zeros((self.n_networks, steps), np.int64),
                             steps_per_segment=1, inverse_temperature=inverse_temperature,
                             learning_rate=learning_rate, stochastic=stochastic,
                             schedule=schedule, uniforms=uniforms, node_order=node_order,
                             record="states", progress=progress)

    def _check_growth(self, alpha, steps):
        """Refuse a learning rate with which the couplings could overflow in ``steps`` steps: a
        step changes each J_ij by at most 2 alpha, so sum_j |J_ij| grows by at most
        2 alpha (n - 1) per step, and float32 entries must stay below float32's largest value.
        (Only extreme rates are checked: this costs a pass over J.)"""
        with np.errstate(over="ignore"):
            step = 2.0 * alpha * steps
            growth = step * max(self.n_nodes - 1, 1)
        top = float(np.finfo(self.dtype).max)
        if np.all(growth < 1e290) and np.all(step < top / 16):
            return
        rows, entries = self._magnitudes()
        with np.errstate(over="ignore"):
            rows, entries = rows + growth, entries + step
        if not np.all(rows < _FIELD_LIMIT):
            raise ValueError(f"learning_rate is too large: over {steps} steps the couplings could "
                             f"overflow (sum_j |J_ij| could reach {np.max(rows):.3g})")
        if not np.all(entries < top):
            raise ValueError(f"learning_rate is too large: over {steps} steps a coupling could "
                             f"leave the range of {self.dtype.name} (|J_ij| could reach "
                             f"{np.max(entries):.3g})")

    def _magnitudes(self):
        """Per network: the largest row sum of |J_ij| and the largest |J_ij|, in float64, a
        block of J at a time (no temporary as large as J)."""
        B, n = self.n_networks, self.n_nodes
        rows, entries = np.zeros(B), np.zeros(B)
        step = max(1, _BLOCK // n)
        for k in range(B):
            sums = np.zeros(n)
            for j0 in range(0, n, step):        # rows of JT: columns of J
                mag = np.abs(self._JT[k, j0:j0 + step])
                with np.errstate(over="ignore"):
                    sums += np.sum(mag, axis=0, dtype=np.float64)
                entries[k] = max(entries[k], float(np.max(mag)))
            rows[k] = np.max(sums)
        return rows, entries

    def _pattern_order(self, n_patterns, epochs, order):
        choice(order, "order", {"random", "sequential"})
        if order == "sequential":
            seq = np.arange(epochs) % n_patterns
            return np.tile(seq, (self.n_networks, 1))
        return np.stack([g.integers(0, n_patterns, size=epochs) for g in self._rngs])

    def train(self, patterns, *, evidence=1.0, epochs, steps_per_epoch, inverse_temperature,
              learning_rate, order="random", record=False, schedule="synchronous",
              uniforms=None, prediction="code", progress=False):
        """Continuous learning: inference and learning at once, one pattern per epoch.

        Each epoch picks a pattern (uniformly at random, or cyclically with
        ``order="sequential"``), sets the bias to ``evidence * pattern`` and runs
        ``steps_per_epoch`` steps with learning. The state carries over between epochs.

        Parameters
        ----------
        patterns : array (P, n)
        evidence, inverse_temperature : float or array (B,), > 0
        learning_rate : float or array (B,), >= 0
        epochs, steps_per_epoch : int >= 1
        order : "random" or "sequential"
        record : bool, default False
            Record the macro VFE, its parts and ||dJ||_F after every step (the VFE costs one
            more sweep over J per step). Without it the trace holds only ``pattern_index``.
        uniforms : array (B, epochs*steps_per_epoch, n), optional — replaces random draws
        prediction : "code" (default) or "paper" — see :meth:`simulate`

        Returns
        -------
        TrainingTrace (arrays with a leading axis B).
        """
        pats = finite_array(patterns, "patterns", ndim=2)
        if pats.shape[1] != self.n_nodes or pats.shape[0] < 1:
            raise ValueError(f"patterns must have shape (P, {self.n_nodes}), got {pats.shape}")
        epochs = count(epochs, "epochs")
        steps_per_epoch = count(steps_per_epoch, "steps_per_epoch")
        evidence = _per_network(evidence, "evidence", self.n_networks, allow_zero=False)
        positive_array(inverse_temperature, "inverse_temperature")
        positive_array(learning_rate, "learning_rate", allow_zero=True)
        flag(record, "record")
        idx = self._pattern_order(pats.shape[0], epochs, order)
        tr = self.simulate(pats, idx, scale=evidence, steps_per_segment=steps_per_epoch,
                           inverse_temperature=inverse_temperature, learning_rate=learning_rate,
                           schedule=schedule, uniforms=uniforms, prediction=prediction,
                           record="trace" if record else None, progress=progress)
        empty = np.zeros((self.n_networks, 0))
        if tr is None:
            return TrainingTrace(idx, empty, empty, empty, empty)
        return TrainingTrace(idx, tr[..., 0], tr[..., 1], tr[..., 2], tr[..., 3])

    def relax(self, start, *, inverse_temperature=1.0, bias=None, tol=1e-10, max_steps=1000):
        """Deterministic dynamics ``x <- L(iT (b + J x))`` from ``start`` to a fixed point.

        Used to find attractors (the reference code: zero bias, iT = 1). Does not change the
        network's state. A long relaxation runs as a series of short compiled calls, so Ctrl-C
        stops it (with ``KeyboardInterrupt``) within a fraction of a second.

        Parameters
        ----------
        start : array (n,), (M, n) or (B, M, n)
        inverse_temperature : float or array (B,)
        bias : array (n,) or (B, n), optional (default zero)
        tol : float > 0 — converged when no state changes by more than ``tol`` in a step
        max_steps : int >= 1

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
        # (more steps than 2**62 would take centuries: the bound only keeps the count an int64)
        max_steps = min(count(max_steps, "max_steps"), 2 ** 62)
        b = self._bias_array(bias)
        x = np.array(x0, dtype=float, order="C", copy=True)     # iterated in place
        steps = np.zeros(x.shape[:2], np.int64)
        conv = np.zeros(x.shape[:2], np.bool_)
        # In calls of bounded time (see _CALL_SECONDS), each resuming where the last stopped.
        calls = _Calls(_WORK_BUDGET // (max(1, x.shape[0] * x.shape[1]) * _step_work(n)),
                       max_steps)
        while np.any(~conv & (steps < max_steps)):
            t0 = time.perf_counter()
            K.relax_batch(self._JT, x, b, iT, tol, calls.steps, max_steps, steps, conv)
            calls.took(calls.steps, time.perf_counter() - t0)
        if not np.all(np.isfinite(x)):
            raise ValueError("start is too large for these couplings: the field J @ start "
                             "overflows")
        return RelaxResult(x, steps, conv)


# ---------------------------------------------------------------------------------------------
# One network


class AttractorNetwork:
    """One attractor network of ``n_nodes`` nodes (a batch of one underneath).

    :mod:`fep_core.reference` is the readable NumPy version of its step: ``reference.run(J,
    state, bias, steps, rng=seed)`` gives the states of ``AttractorNetwork(n, rng=seed).run``.

    Parameters
    ----------
    n_nodes : int
    rng : int, numpy.random.Generator or None
        The network's random stream (None: fresh entropy).
    coupling : array (n, n), optional — initial J with zero diagonal (default zeros)
    dtype : "float64" (default) or "float32" — how J is stored; see :class:`AttractorBatch`
        (Notes) for what float32 rounds

    Attributes
    ----------
    J : ndarray (n, n) — ``J[i, j]`` is the weight from node j to node i
    state : ndarray (n,)
    dtype : numpy.dtype — the couplings' storage type
    """

    def __init__(self, n_nodes, *, rng=None, coupling=None, dtype="float64"):
        if isinstance(rng, (list, tuple)):
            raise TypeError("rng must be an int seed, a numpy.random.Generator or None")
        self._batch = AttractorBatch(1, n_nodes, rng=[rng], coupling=coupling, dtype=dtype)
        self.n_nodes = self._batch.n_nodes

    @property
    def dtype(self):
        return self._batch.dtype

    @property
    def J(self):
        return self._batch.J[0]

    @J.setter
    def J(self, value):
        self._batch.J = value

    @property
    def state(self):
        return self._batch.state[0]

    @state.setter
    def state(self, value):
        finite_array(value, "state", shape=(self.n_nodes,))
        self._batch.state = value

    def symmetric_part(self):
        return symmetric_part(self.J)

    def antisymmetric_part(self):
        return antisymmetric_part(self.J)

    def asymmetry(self):
        return asymmetry(self.J)

    def vfe(self, bias=None):
        """Macro-scale VFE at the current state (:func:`macro_vfe`); bias defaults to zero."""
        return float(self._batch.vfe(bias)[0])

    def complexity(self, bias=None):
        return float(self._batch.complexity(bias)[0])

    def accuracy(self, bias=None):
        return float(self._batch.accuracy(bias)[0])

    def run(self, bias, steps, *, inverse_temperature=1.0, learning_rate=0.0, stochastic=True,
            schedule="synchronous", uniforms=None, node_order=None, progress=False):
        """See :meth:`AttractorBatch.run`; returns states (steps, n)."""
        _scalar(inverse_temperature, "inverse_temperature")
        _scalar(learning_rate, "learning_rate")
        bias = finite_array(bias, "bias", shape=(self.n_nodes,))
        if uniforms is not None:
            uniforms = finite_array(uniforms, "uniforms", shape=(None, self.n_nodes))[None]
        if node_order is not None:
            node_order = _int_array(node_order, "node_order", check_dtype=False)[None]
        return self._batch.run(bias, steps, inverse_temperature=inverse_temperature,
                               learning_rate=learning_rate, stochastic=stochastic,
                               schedule=schedule, uniforms=uniforms, node_order=node_order,
                               progress=progress)[0]

    def train(self, patterns, *, evidence=1.0, epochs, steps_per_epoch, inverse_temperature,
              learning_rate, order="random", record=False, schedule="synchronous", uniforms=None,
              prediction="code", progress=False):
        """See :meth:`AttractorBatch.train` (the same defaults; ``record=True`` for the VFE
        trace); the trace's arrays have no batch axis."""
        for v, name in ((evidence, "evidence"), (inverse_temperature, "inverse_temperature"),
                        (learning_rate, "learning_rate")):
            _scalar(v, name)
        if uniforms is not None:
            uniforms = finite_array(uniforms, "uniforms", shape=(None, self.n_nodes))[None]
        tr = self._batch.train(patterns, evidence=evidence, epochs=epochs,
                               steps_per_epoch=steps_per_epoch,
                               inverse_temperature=inverse_temperature,
                               learning_rate=learning_rate, order=order, record=record,
                               schedule=schedule, uniforms=uniforms, prediction=prediction,
                               progress=progress)
        return TrainingTrace(tr.pattern_index[0], tr.vfe[0], tr.complexity[0], tr.accuracy[0],
                             tr.weight_change[0])

    def relax(self, start, *, inverse_temperature=1.0, bias=None, tol=1e-10, max_steps=1000):
        """See :meth:`AttractorBatch.relax`; states (M, n) (or (n,) for a 1-D start)."""
        _scalar(inverse_temperature, "inverse_temperature")
        x0 = finite_array(start, "start")
        res = self._batch.relax(x0, inverse_temperature=inverse_temperature, bias=bias, tol=tol,
                                max_steps=max_steps)
        if x0.ndim == 1:
            return RelaxResult(res.states[0, 0], res.steps[0, 0], res.converged[0, 0])
        return RelaxResult(res.states[0], res.steps[0], res.converged[0])


def _int_array(value, name, *, check_dtype=True):
    """``value`` as an array (of integers, with ``check_dtype``); what is not an array at all
    (a ragged nested list, ...) or holds no integers is a TypeError naming the argument."""
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an integer array, got {type(value).__name__}") from exc
    if check_dtype and not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must hold integers, got dtype {arr.dtype}")
    return arr


def _scalar(value, name):
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
