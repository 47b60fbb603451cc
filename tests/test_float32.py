"""float32 couplings (``AttractorBatch(..., dtype="float32")``), against independent references:

* the documented step (update in float64, rounded once to float32 when stored; field summed in
  float64 from the stored values) written as a plain loop over :func:`fep_core.reference.step`;
* float64 networks: given couplings that float32 represents exactly and no learning, every path
  (run, simulate with each ``record``, the sequential schedule, relax, vfe, the large-network
  kernel) must give the float64 network's bits; with learning, the two differ only by the
  roundings, which the tolerances below bound by the number of steps times float32's unit
  roundoff u = 2**-24;
* statistics of long stochastic runs over several seeds (the seed-to-seed spread as the scale);
* the memory a float32 network allocates (no float64 copy of J);
* argument checks.
"""
from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from fep_core import datasets, network, paper, reference
from fep_core.network import LARGE_NETWORK, AttractorBatch, AttractorNetwork

U32 = 2.0 ** -24        # float32's unit roundoff: one rounding errs by at most U32 relative


def _coupling32(n, seed, scale=0.3, B=None):
    """Gaussian couplings rounded to float32 (exactly representable in both dtypes)."""
    rng = np.random.default_rng(seed)
    shape = (n, n) if B is None else (B, n, n)
    J = rng.normal(0, scale / np.sqrt(n), shape).astype(np.float32)
    J[..., np.arange(n), np.arange(n)] = 0
    return J


def _uniforms(B, T, n, seed):
    return np.random.default_rng(seed).uniform(0.001, 0.999, (B, T, n))


def _relmax(a, b):
    return float(np.max(np.abs(np.asarray(a, float) - b)) / np.max(np.abs(b)))


# ---------------------------------------------------------------------------------------------
# The option


@pytest.mark.parametrize("dtype", ["float32", np.float32, np.dtype("float32")])
def test_float32_spellings_store_float32_couplings(dtype):
    batch = AttractorBatch(2, 5, rng=0, dtype=dtype)
    net = AttractorNetwork(5, rng=0, dtype=dtype)
    assert batch.dtype == np.float32 and net.dtype == np.float32
    assert batch.J.dtype == np.float32 and net.J.dtype == np.float32
    assert batch._JT.nbytes == 2 * 5 * 5 * 4


@pytest.mark.parametrize("dtype", ["float64", np.float64, np.dtype("float64")])
def test_float64_spellings_equal_the_default(dtype):
    J0 = _coupling32(7, 1).astype(float) + 1e-9 * (1 - np.eye(7))   # not float32-representable
    U = _uniforms(1, 12, 7, 2)
    runs = []
    for kw in ({}, {"dtype": dtype}):
        net = AttractorBatch(1, 7, rng=[3], coupling=J0, **kw)
        runs.append((net.run(np.ones(7), 12, learning_rate=0.01, uniforms=U), net.J.copy()))
        assert net.J.dtype == np.float64
    assert_array_equal(runs[0][0], runs[1][0])
    assert_array_equal(runs[0][1], runs[1][1])


@pytest.mark.parametrize("bad, error", [("float16", ValueError), ("int64", ValueError),
                                        (np.int32, ValueError), ("double-ish", TypeError),
                                        (None, TypeError), (True, TypeError), (3.5, TypeError),
                                        ([np.float32], TypeError)])
def test_other_dtypes_are_refused_naming_dtype(bad, error):
    with pytest.raises(error, match="dtype"):
        AttractorBatch(1, 3, dtype=bad)
    with pytest.raises(error, match="dtype"):
        AttractorNetwork(3, dtype=bad)


def test_setter_rounds_to_float32_and_refuses_what_float32_cannot_hold():
    J = np.array([[0.0, 0.1, -1e-3], [1 / 3, 0.0, 7.0], [2.0 ** -30, -np.pi, 0.0]])
    net = AttractorNetwork(3, dtype="float32", coupling=J)
    assert net.J.dtype == np.float32
    assert_array_equal(net.J, J.astype(np.float32))          # round to nearest
    net.J = J.astype(np.float32).T                           # a float32 (transposed) view
    assert_array_equal(net.J, J.astype(np.float32).T)
    big = np.array([[0.0, 1e39], [0.0, 0.0]])                # fine for float64, not float32
    AttractorNetwork(2, coupling=big)
    with pytest.raises(ValueError, match="coupling.*float32"):
        AttractorNetwork(2, coupling=big, dtype="float32")
    for bad in (np.array([[0.0, np.nan], [0, 0]], np.float32),
                np.array([[1.0, 0.0], [0, 0]], np.float32)):
        with pytest.raises(ValueError, match="coupling"):
            AttractorNetwork(2, coupling=bad, dtype="float32")


def test_learning_rate_that_would_leave_float32_range_is_refused():
    net = AttractorNetwork(3, rng=0, dtype="float32")
    with pytest.raises(ValueError, match="learning_rate.*float32"):
        net.run(np.ones(3), 10, learning_rate=1e38)
    AttractorNetwork(3, rng=0).run(np.ones(3), 10, learning_rate=1e38)  # float64 holds 2e39
    assert np.all(net.J == 0)                                          # refused before a step


# ---------------------------------------------------------------------------------------------
# The step, against the documented rounding


@pytest.mark.parametrize("prediction", ["code", "paper"])
def test_float32_training_is_the_reference_step_rounded_once_per_step(prediction):
    """Engine (float32) against a plain loop: :func:`reference.step` in float64 from the stored
    couplings, the result rounded to float32. Only the order of the field's sum differs (BLAS),
    so states agree to float64 rounding and J to a float32 rounding that may fall the other
    way (one float32 ulp, 2 U32 relative)."""
    n, T, K = 24, 60, 5
    pats = np.random.default_rng(4).normal(0, 1, (3, n))
    U = _uniforms(1, T, n, 5)
    net = AttractorNetwork(n, rng=6, dtype="float32", coupling=_coupling32(n, 7))
    net.train(pats, evidence=1.5, epochs=T // K, steps_per_epoch=K, inverse_temperature=0.8,
              learning_rate=0.02, order="sequential", uniforms=U[0], prediction=prediction)
    J, x = _coupling32(n, 7), np.zeros(n)
    for t in range(T):
        s = reference.step(J.astype(float), x, 1.5 * pats[(t // K) % 3], inverse_temperature=0.8,
                           learning_rate=0.02, uniforms=U[0, t], prediction=prediction)
        x, J = s.state, s.coupling.astype(np.float32)
    assert_allclose(net.state, x, rtol=0, atol=1e-12)
    assert_allclose(net.J, J, rtol=0, atol=2 * U32 * np.max(np.abs(J)))
    assert np.mean(net.J == J) > 0.999                 # (nearly all entries bit for bit)


def test_float32_agrees_with_float64_to_float32_rounding_given_the_same_uniforms():
    """100 learning steps of a 64-node network: each step rounds each J_ij once (at most U32
    relative), so J, the field and the state drift from float64 by at most about
    steps x U32 = 6e-6 relative (measured: J 5e-7, field 1e-7, state 6e-9)."""
    n, T = 64, 100
    pats = datasets.digits().train
    U = _uniforms(1, T, n, 8)
    out = {}
    for dtype in ("float64", "float32"):
        b = AttractorBatch(1, n, rng=[1], dtype=dtype)
        b.train(pats, evidence=11.0, epochs=T // 10, steps_per_epoch=10,
                inverse_temperature=0.167, learning_rate=0.01, uniforms=U, order="sequential")
        J = b.J[0].astype(float)
        out[dtype] = (J, b.state[0].copy(), J @ b.state[0])
    tol = T * U32
    for name, a, b in zip(("J", "state", "field"), out["float32"], out["float64"]):
        assert _relmax(a, b) < tol, name
    assert _relmax(out["float32"][0], out["float64"][0]) > 0      # float32 did round


def test_long_stochastic_run_statistics_agree_within_seed_spread():
    """Simulation 1 (two bars, 5000 learning steps) for 8 seeds in both dtypes, then 4000 free
    steps: the learned J differ by a relative 1e-5 at most (the roundings add up as a random
    walk, sqrt(5000) U32 = 4e-6; measured 1.4e-6), while J differs by about 50% from seed to
    seed; the stationary means and second moments of the state differ by less than 1e-3 of
    their spread over seeds (measured 1e-5)."""
    S, pats = 8, datasets.bars()
    n, s1 = pats.shape[1], paper.SIMULATION1
    res = {}
    for dtype in ("float64", "float32"):
        b = AttractorBatch(S, n, rng=list(range(S)), dtype=dtype)
        b.train(pats, evidence=s1["evidence"], epochs=s1["epochs"],
                steps_per_epoch=s1["steps_per_epoch"],
                inverse_temperature=s1["inverse_temperature"], learning_rate=s1["learning_rate"])
        states = b.run(np.zeros(n), 4000, inverse_temperature=1.0)
        res[dtype] = (b.J.astype(float), states.mean(1),
                      np.einsum("bti,btj->bij", states, states) / states.shape[1])
    (J64, m64, C64), (J32, m32, C32) = res["float64"], res["float32"]
    fro = np.linalg.norm(J32 - J64, axis=(1, 2)) / np.linalg.norm(J64, axis=(1, 2))
    between = np.linalg.norm(J64[1:] - J64[:-1], axis=(1, 2)) / np.linalg.norm(J64[1:],
                                                                              axis=(1, 2))
    assert np.all(fro < 1e-5) and np.all(fro > 0)
    assert np.all(between > 0.2)
    for a, b in ((m32, m64), (C32, C64)):
        spread = b.std(axis=0, ddof=1)
        assert np.all(spread > 0.001)
        assert np.all(np.abs(a - b) < 1e-3 * spread)


# ---------------------------------------------------------------------------------------------
# Every path: without learning bit for bit with float64 (same representable J)


def _pair(B, n, seed, **kw):
    J = _coupling32(n, seed, B=B)
    rngs = [100 + k for k in range(B)]
    return (AttractorBatch(B, n, rng=rngs, coupling=J, **kw),
            AttractorBatch(B, n, rng=rngs, coupling=J, dtype="float32", **kw))


@pytest.mark.parametrize("record", ["states", "means", "trace", None])
@pytest.mark.parametrize("schedule", ["synchronous", "sequential"])
def test_without_learning_float32_gives_float64_bits(record, schedule):
    n = 19
    a, b = _pair(3, n, 9)
    pats = np.random.default_rng(10).normal(0, 1, (4, n))
    seg = np.array([0, 3, 1, 2, 0])
    out = [net.simulate(pats, seg, scale=1.3, steps_per_segment=4, inverse_temperature=0.9,
                        schedule=schedule, record=record) for net in (a, b)]
    if record is None:
        assert out == [None, None]
    else:
        assert_array_equal(out[1], out[0])
    assert_array_equal(b.state, a.state)
    assert b.J.dtype == np.float32 and np.array_equal(b.J, a.J)


def test_relax_and_vfe_in_float32_give_float64_bits():
    n = 23
    a, b = _pair(2, n, 11)
    starts = np.random.default_rng(12).uniform(-1, 1, (5, n))
    bias = np.random.default_rng(13).normal(0, 0.5, n)
    ra = a.relax(starts, inverse_temperature=3.0, bias=bias)
    rb = b.relax(starts, inverse_temperature=3.0, bias=bias)
    assert ra.converged.any()
    for f in ("states", "steps", "converged"):
        assert_array_equal(getattr(rb, f), getattr(ra, f))
    for net in (a, b):
        net.state = starts[0]
    assert_array_equal(b.vfe(bias), a.vfe(bias))
    assert_array_equal(b.complexity(bias), a.complexity(bias))
    assert_array_equal(b.accuracy(bias), a.accuracy(bias))
    assert_allclose(b.vfe(bias)[0], network.macro_vfe(b.J[0].astype(float), starts[0], bias)[0],
                    rtol=1e-12)


@pytest.mark.parametrize("schedule", ["synchronous", "sequential"])
def test_learning_with_trace_in_float32_stays_within_rounding_of_float64(schedule):
    """With learning, the VFE trace, ||dJ||, states and J of float32 stay within
    steps x U32 (relative) of float64, on both schedules."""
    n, T = 17, 40
    a, b = _pair(2, n, 14)
    pats = np.random.default_rng(15).normal(0, 1, (3, n))
    U = _uniforms(2, T, n, 16)
    tr = [net.train(pats, evidence=2.0, epochs=T // 4, steps_per_epoch=4,
                    inverse_temperature=0.7, learning_rate=0.01, record=True, uniforms=U,
                    schedule=schedule, order="sequential") for net in (a, b)]
    tol = T * U32
    for f in ("vfe", "complexity", "accuracy", "weight_change"):
        assert _relmax(getattr(tr[1], f), getattr(tr[0], f)) < tol, f
    assert _relmax(b.J, a.J) < tol and not np.array_equal(b.J.astype(float), a.J)
    assert _relmax(b.state, a.state) < tol


# ---------------------------------------------------------------------------------------------
# One large network: the column-parallel kernel in float32

N_LARGE = LARGE_NETWORK + 37            # not a multiple of the chunk count or of 4


def test_large_float32_network_uses_the_column_parallel_kernel_and_equals_the_batch(
        monkeypatch):
    J0 = _coupling32(N_LARGE, 17)
    pats = np.random.default_rng(18).normal(0, 1, (3, N_LARGE))
    kw = dict(evidence=2.0, epochs=3, steps_per_epoch=2, inverse_temperature=0.8,
              learning_rate=0.002, record=True)
    ref = AttractorBatch(2, N_LARGE, rng=[19, 20], coupling=J0, dtype="float32")  # batched
    tr_ref = ref.train(pats, **kw)
    calls = []
    real = network.K.run_large_segments
    monkeypatch.setattr(network.K, "run_large_segments",
                        lambda *a: calls.append(a[0].dtype) or real(*a))
    net = AttractorNetwork(N_LARGE, rng=19, coupling=J0, dtype="float32")
    tr = net.train(pats, **kw)
    assert calls and set(calls) == {np.dtype(np.float32)}
    for f in ("vfe", "complexity", "accuracy", "weight_change"):
        assert_array_equal(getattr(tr, f), getattr(tr_ref, f)[0], err_msg=f)
    assert_array_equal(net.J, ref.J[0])
    assert_array_equal(net.state, ref.state[0])
    wide = AttractorNetwork(N_LARGE, rng=19, coupling=J0)                      # float64
    tr64 = wide.train(pats, **kw)
    assert _relmax(net.J, wide.J) < 6 * U32
    assert _relmax(tr.vfe, tr64.vfe) < 6 * U32


def test_large_float32_run_without_learning_gives_float64_bits():
    J0 = _coupling32(N_LARGE, 21)
    bias = np.random.default_rng(22).normal(0, 1, N_LARGE)
    a = AttractorNetwork(N_LARGE, rng=23, coupling=J0)
    b = AttractorNetwork(N_LARGE, rng=23, coupling=J0, dtype="float32")
    assert_array_equal(b.run(bias, 3, inverse_temperature=0.6),
                       a.run(bias, 3, inverse_temperature=0.6))


# ---------------------------------------------------------------------------------------------
# Memory: no float64 copy of J


def _peak_bytes(fn):
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("B, n", [(1, LARGE_NETWORK), (2, 512)])
def test_float32_paths_allocate_no_copy_of_the_couplings(B, n, monkeypatch):
    """NumPy reports its allocations to tracemalloc: training, running, relaxing and the VFE of
    a float32 network allocate less than a quarter of J's own float32 size (a float64 copy
    would be twice it); assigning float32 couplings allocates the new J only, and an extreme
    learning rate's check reads J in blocks."""
    monkeypatch.setattr(network, "_BLOCK", 2 ** 14)       # checks read J in blocks this small
    net = AttractorBatch(B, n, rng=0, dtype="float32")
    size = net._JT.nbytes
    pats = np.ones((2, n))
    net.train(pats, epochs=1, steps_per_epoch=1, inverse_temperature=1.0, learning_rate=1e-3)
    calls = {
        "train": lambda: net.train(pats, epochs=2, steps_per_epoch=1, inverse_temperature=1.0,
                                   learning_rate=1e-3, record=True),
        "run": lambda: net.run(np.ones(n), 2, learning_rate=1e-3),
        "simulate means": lambda: net.simulate(pats, [0, 1], learning_rate=1e-3,
                                               record="means"),
        "relax": lambda: net.relax(np.ones((3, n))),
        "vfe": lambda: net.vfe(np.ones(n)),
    }
    for name, fn in calls.items():
        assert _peak_bytes(fn) < size / 4, name
    J = net.J.copy()
    assert _peak_bytes(lambda: setattr(net, "J", J)) < 1.25 * size
    assert _peak_bytes(lambda: pytest.raises(ValueError, net.run, np.ones(n), 10,
                                             learning_rate=1e38)) < size / 4
