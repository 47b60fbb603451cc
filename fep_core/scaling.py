"""Runtime scaling of one learning network with its size (the revision's Simulation 5a).

The revision times its JAX network on a laptop CPU for N = 100 ... 50,000 nodes
(:data:`fep_core.paper.SCALING_REPORTED`) and states an O(N²) cost per step. Here the same
protocol (:data:`fep_core.paper.SIMULATION5_SCALING`: 20 sparse ternary patterns, evidence 2,
precision iT 1, learning rate α 0.001, one learning step per epoch) runs on this engine:

* :func:`step_times` — seconds per learning step for each size, compilation excluded, with the
  bytes a step must move (one read and one write of J) and the fraction of this machine's memory
  bandwidth that achieves;
* :func:`memory_bandwidth` (and :func:`sweep_bandwidth` for one paired measurement) — the
  machine's memory bandwidth, as an in-place read-modify-write sweep ``a += 1`` of a large array
  on all threads (the benchmark, :mod:`fep_core.bench`, uses the same measurement);
* :func:`fit_exponent` — the exponent of ``time ∝ N^k`` by least squares on log-log axes;
* :func:`authors_series` — the authors' published timings as a table.

From a few thousand nodes on, J no longer fits in the caches and a step streams it through
memory once: time grows as N² (exponent 2), at a large fraction of the bandwidth. float32
couplings (the default here, as in the authors' code) halve the memory and the bytes per step;
the time per step drops less (on this project's 2-core machine by about 30% from 4096 nodes on,
one thread): the float32 sweep converts each entry to float64 and back, which costs about as
much as the bytes it saves.
"""
from __future__ import annotations

import gc
import math
import time
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from . import paper
from ._validation import as_generator, count, finite_array
from .datasets import sparse_ternary_patterns

__all__ = ["SIZES", "ExponentFit", "memory_bandwidth", "sweep_bandwidth", "bandwidth_array",
           "step_times", "fit_exponent", "authors_series"]

SIZES = tuple(2 ** k for k in range(6, 16)) + (50_000,)
"""Network sizes of the study: powers of two from 64 to 32,768, and the authors' 50,000."""

_MIN_CALL_SECONDS = 0.05    # a timed call lasts at least this long (Python's share under 1%)
_MAX_STEPS = 2 ** 20        # ... or takes this many steps


# ---------------------------------------------------------------------------------------------
# Memory bandwidth


@njit(parallel=True, cache=True)
def _add_in_place(a, s):
    for i in prange(a.shape[0]):
        a[i] += s


def bandwidth_array(mbytes=256):
    """A float64 array of ``mbytes`` MiB for :func:`sweep_bandwidth`, already swept once (its
    pages mapped, the sweep compiled)."""
    a = np.zeros(count(mbytes, "mbytes") * 2 ** 20 // 8)
    _add_in_place(a, 1.0)
    return a


def sweep_bandwidth(a):
    """Bytes per second of one in-place sweep ``a += 1`` on all threads: every byte of ``a`` is
    read and written once (2 ``a.nbytes`` moved). ``a`` from :func:`bandwidth_array`, large
    enough (hundreds of MiB) not to fit in any cache."""
    t0 = time.perf_counter()
    _add_in_place(a, 1.0)
    return 2.0 * a.nbytes / (time.perf_counter() - t0)


def memory_bandwidth(mbytes=256, repeats=5):
    """This machine's memory bandwidth in bytes per second: the median of ``repeats``
    :func:`sweep_bandwidth` measurements on an array of ``mbytes`` MiB."""
    a = bandwidth_array(mbytes)
    return float(np.median([sweep_bandwidth(a) for _ in range(count(repeats, "repeats"))]))


# ---------------------------------------------------------------------------------------------
# Step times


def _sizes(sizes):
    try:
        values = list(sizes)
    except TypeError as exc:
        raise TypeError(f"sizes must be a sequence of integers, got {type(sizes).__name__}") \
            from exc
    if not values:
        raise ValueError("sizes must hold at least one network size")
    return [count(v, "sizes") for v in values]


def _warm(dtype, large):
    """Compile (or load) the kernels the study runs, on tiny networks of the same dtype."""
    from .network import LARGE_NETWORK, AttractorBatch

    s = paper.SIMULATION5_SCALING
    for n in (8, LARGE_NETWORK) if large else (8,):
        net = AttractorBatch(1, n, rng=0, dtype=dtype)
        net.train(np.ones((1, n)), evidence=s["evidence"], epochs=2, steps_per_epoch=1,
                  inverse_temperature=s["inverse_temperature"], learning_rate=s["learning_rate"])


def _timed_steps(net, patterns, steps):
    """Seconds that ``steps`` learning steps (epochs of one step) of ``net`` take."""
    s = paper.SIMULATION5_SCALING
    t0 = time.perf_counter()
    net.train(patterns, evidence=s["evidence"], epochs=steps, steps_per_epoch=1,
              inverse_temperature=s["inverse_temperature"], learning_rate=s["learning_rate"])
    return time.perf_counter() - t0


def _calibrated_steps(net, patterns):
    """Steps per timed call: grown from 1 until a call lasts _MIN_CALL_SECONDS."""
    steps = 1
    while True:
        took = _timed_steps(net, patterns, steps)
        if took >= _MIN_CALL_SECONDS or steps >= _MAX_STEPS:
            return steps
        steps = min(_MAX_STEPS, max(2 * steps, int(1.5 * steps * _MIN_CALL_SECONDS / took)))


def step_times(sizes=SIZES, *, dtype="float32", steps=None, repeats=2, rng=0, mbytes=256):
    """Seconds per learning step of one network of each size, compilation excluded.

    For each N: one network (``AttractorBatch(1, N)``; from ``LARGE_NETWORK`` nodes on, the
    column-parallel kernel on all cores) trained on 20 sparse ternary patterns of N nodes with
    Simulation 5a's settings (:data:`fep_core.paper.SIMULATION5_SCALING`), each epoch one
    learning step. The kernels are compiled first on tiny networks of the same dtype, and each
    network takes one untimed step (which maps J's memory) before it is timed.

    A step's time is the difference of two ``train`` calls, of ``2 k`` and of ``k`` steps (the
    shortest of ``repeats`` each), divided by ``k``: what a call costs besides its steps (the
    field ``J x`` it computes first, a pass over J; Python's checks) cancels. Each repeat
    starts with a memory-bandwidth sweep (:func:`sweep_bandwidth`), so that the bandwidth is
    measured next to the steps it is compared with (a shared machine's bandwidth drifts). Each
    network is freed before the next is built: the peak memory is the largest J
    (N² itemsize bytes) plus ``mbytes``.

    Cost: per size one untimed step and, per repeat, 3 k steps and two passes over J; with
    the default sizes and repeats about 15 times one step of the largest network (the smaller
    sizes add about half of it), and a peak of 10.3 GB in float32 (measured; J of 50,000 nodes
    is 10 GB).

    Parameters
    ----------
    sizes : sequence of int >= 1, default :data:`SIZES`
    dtype : "float32" (default, as the authors' code) or "float64" — how J is stored
    steps : int >= 1 or None
        ``k`` above; None: as many as make a call last 0.05 s (1 for large N).
    repeats : int >= 1 — timed pairs of calls per size
    rng : int seed or numpy.random.Generator — patterns and the networks' streams
    mbytes : int — MiB of the bandwidth sweep's array

    Returns
    -------
    pandas.DataFrame, one row per size, columns: ``n_nodes``; ``steps`` (``k``);
    ``seconds_per_step`` (if noise ever exceeded k steps' time, so that the difference is not
    positive: the shorter of the 2k-step calls over 2k, an upper bound); ``steps_per_s`` (its
    inverse); ``bytes_per_step`` (2 N² itemsize: J read and written once); ``bandwidth_gb_s``
    (those bytes per second, 1e9 bytes); ``memory_bandwidth_gb_s`` (median of the size's
    sweeps); ``bandwidth_fraction`` (the ratio of the two).
    """
    import pandas as pd

    from .network import LARGE_NETWORK, AttractorBatch, coupling_dtype

    sizes = _sizes(sizes)
    dtype = coupling_dtype(dtype)
    steps = None if steps is None else count(steps, "steps")
    repeats = count(repeats, "repeats")
    gen = as_generator(rng)
    s = paper.SIMULATION5_SCALING
    _warm(dtype, large=max(sizes) >= LARGE_NETWORK)
    sweep = bandwidth_array(mbytes)
    rows = []
    for n in sizes:
        pat_rng, net_rng = gen.spawn(2)
        patterns = sparse_ternary_patterns(s["n_patterns"], n, s["pattern_density"], pat_rng)
        net = AttractorBatch(1, n, rng=net_rng, dtype=dtype)
        _timed_steps(net, patterns, 1)      # untimed: maps J's fresh pages (about a step's cost)
        k = steps if steps is not None else _calibrated_steps(net, patterns)
        short, long, bandwidths = [], [], []
        for _ in range(repeats):
            bandwidths.append(sweep_bandwidth(sweep))
            short.append(_timed_steps(net, patterns, k))
            long.append(_timed_steps(net, patterns, 2 * k))
        del net                                     # free J before the next size's
        gc.collect()
        t = (min(long) - min(short)) / k            # a call's fixed cost cancels
        if not t > 0:       # (noise above k steps' time: the upper bound of the longer calls)
            t = min(long) / (2 * k)
        nbytes = 2.0 * n * n * dtype.itemsize
        bw = float(np.median(bandwidths))
        rows.append(dict(n_nodes=n, steps=k, seconds_per_step=t, steps_per_s=1.0 / t,
                         bytes_per_step=nbytes, bandwidth_gb_s=nbytes / t / 1e9,
                         memory_bandwidth_gb_s=bw / 1e9, bandwidth_fraction=nbytes / t / bw))
    out = pd.DataFrame(rows)
    out.attrs.update(dtype=dtype.name, repeats=repeats)
    return out


# ---------------------------------------------------------------------------------------------
# Exponent


class ExponentFit(NamedTuple):
    """Result of :func:`fit_exponent`."""

    exponent: float     # the slope k of log time against log N
    stderr: float       # its standard error
    intercept: float    # log time at log N = 0 (natural logarithms)
    n_points: int       # sizes in the fit


def fit_exponent(n_nodes, seconds, *, min_nodes=2048):
    """The exponent k of ``seconds ∝ n_nodes^k``: the least-squares slope of log time against
    log N over the sizes N >= ``min_nodes``, with its standard error.

    Parameters
    ----------
    n_nodes : array (m,) of positive sizes
    seconds : array (m,) of positive times
    min_nodes : float > 0 — smaller sizes (cache-resident, overhead-bound) are left out

    Returns
    -------
    ExponentFit: the slope ``exponent`` and its standard error ``stderr``, ``sqrt(s² / Sxx)``
    with the residual variance ``s²`` on ``points - 2`` degrees of freedom (0 for an exact
    power law). At least three distinct sizes must be at or above ``min_nodes``.
    """
    N = finite_array(n_nodes, "n_nodes", ndim=1)
    t = finite_array(seconds, "seconds", ndim=1)
    if N.shape != t.shape:
        raise ValueError(f"n_nodes and seconds must have the same length, got {N.size} and "
                         f"{t.size}")
    if np.any(N <= 0):
        raise ValueError("n_nodes must be positive")
    if np.any(t <= 0):
        raise ValueError("seconds must be positive")
    min_nodes = finite_array(min_nodes, "min_nodes", ndim=0)
    keep = N >= min_nodes
    if np.unique(N[keep]).size < 3:
        raise ValueError(f"fit_exponent needs at least 3 distinct sizes n_nodes >= min_nodes "
                         f"({float(min_nodes):g}), got {np.unique(N[keep]).size}")
    x, y = np.log(N[keep]), np.log(t[keep])
    dx = x - x.mean()
    sxx = float(dx @ dx)
    slope = float(dx @ (y - y.mean())) / sxx
    intercept = float(y.mean() - slope * x.mean())
    resid = y - (intercept + slope * x)
    stderr = math.sqrt(float(resid @ resid) / (x.size - 2) / sxx)
    return ExponentFit(slope, stderr, intercept, int(x.size))


def authors_series():
    """The authors' published timings of Simulation 5a (:data:`fep_core.paper.SCALING_REPORTED`)
    as a table: columns ``n_nodes``, ``steps_per_s``, ``seconds_per_step``; their machine and a
    note on what the timings include are in ``.attrs``."""
    import pandas as pd

    r = paper.SCALING_REPORTED
    out = pd.DataFrame({"n_nodes": np.asarray(r["n_nodes"], dtype=np.int64),
                        "steps_per_s": np.asarray(r["steps_per_s"], dtype=float)})
    out["seconds_per_step"] = 1.0 / out["steps_per_s"]
    out.attrs.update(machine=r["machine"], note=r["note"])
    return out
