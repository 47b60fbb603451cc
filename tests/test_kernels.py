"""Tests of the compiled building blocks of the network engine (``fep_core._kernels``,
``fep_core._numerics``' vectorised exp/log, ``fep_core._rng``), each against an independent
computation:

* ``vexp_neg`` / ``vlog_unit`` against 50-digit mpmath, over the whole domain the kernels use,
  subnormal results and inputs, 0 and the underflow threshold included (fdlibm's bound: < 1 ulp);
* the vectorised inference step against the scalar ``ppf`` and ``langevin`` of ``_numerics``
  (the functions ``fep_core.cb`` exposes, themselves tested against mpmath), at extreme
  precisions and uniforms, including a uniform of exactly 0;
* the blocked sweeps over J against a plain row-by-row loop, bit for bit;
* uniforms drawn inside the kernels against the generators' own ``random``;
* runs and relaxations split into calls (as the drivers split long ones) against one call.

Every test runs with warnings as errors.
"""
from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from fep_core import _kernels as K, _numerics as nx, _rng
from fep_core.network import AttractorBatch

pytestmark = pytest.mark.filterwarnings("error")
mpmath.mp.dps = 50
SMALLEST_SUBNORMAL = 5e-324


def _ulp_error(got, exact):
    """|got - exact| in units of the spacing of doubles at ``exact`` (subnormal spacing below)."""
    spacing = max(math.ulp(float(exact)), SMALLEST_SUBNORMAL)
    return float(abs(mpmath.mpf(got) - exact) / spacing)


# ---------------------------------------------------------------------------------------------
# Vectorised exp and log


def _exp_inputs():
    rng = np.random.default_rng(0)
    special = [0.0, -0.0, -1e-300, -1e-16, -0.5 * math.log(2), -math.log(2), -1.0, -707.9,
               -708.0, np.nextafter(-708.0, 0), np.nextafter(-708.0, -1), -720.0, -744.0,
               -745.0, -745.13, -745.1332191019411, -745.1332191019412, -745.14, -746.0, -800.0,
               -1e300, -np.finfo(float).max]
    return np.concatenate([special, -rng.uniform(0, 1, 300), -rng.uniform(0, 760, 3000),
                           -np.geomspace(1e-300, 1, 300)])


def test_vexp_neg_is_within_one_ulp_everywhere():
    x = _exp_inputs()
    out = np.empty_like(x)
    K.vexp_neg(x, out, np.empty(x.size, np.int64), x.size)
    worst = max(_ulp_error(o, mpmath.exp(mpmath.mpf(float(v)))) for v, o in zip(x, out))
    assert worst < 1.0
    assert out[0] == 1.0 and out[1] == 1.0
    assert np.all(out[x < -745.14] == 0.0)                       # underflow to exactly 0
    sub = (x < -708.4) & (x > -745.13)
    assert np.all((out[sub] > 0) & (out[sub] < 2.2250738585072014e-308))   # subnormal results


def test_vexp_neg_only_touches_the_first_m():
    x = -np.arange(10.0)
    out = np.full(10, 7.0)
    K.vexp_neg(x, out, np.empty(10, np.int64), 4)
    assert_allclose(out[:4], np.exp(x[:4]), rtol=2.3e-16)
    assert_array_equal(out[4:], 7.0)


def _log_inputs():
    rng = np.random.default_rng(1)
    special = [1.0, np.nextafter(1.0, 0), 0.5, math.sqrt(0.5), np.nextafter(math.sqrt(0.5), 0),
               np.nextafter(math.sqrt(0.5), 1), math.exp(-1), 1e-16, 2.2250738585072014e-308,
               np.nextafter(2.2250738585072014e-308, 0), 1e-310, 1e-320, SMALLEST_SUBNORMAL]
    return np.concatenate([special, rng.uniform(0, 1, 3000), 10 ** -rng.uniform(0, 323, 3000)])


def test_vlog_unit_is_within_one_ulp_on_zero_to_one():
    z = _log_inputs()
    out = np.empty_like(z)
    K.vlog_unit(z, out, np.empty(z.size, np.int64), z.size)
    assert out[0] == 0.0
    worst = max(_ulp_error(o, mpmath.log(mpmath.mpf(float(v)))) for v, o in zip(z, out))
    assert worst < 1.0


def test_vlog_unit_of_zero_is_minus_infinity():
    z = np.array([0.5, 0.0, 1.0, 0.0])
    out = np.empty(4)
    K.vlog_unit(z, out, np.empty(4, np.int64), 4)
    assert out[1] == -np.inf and out[3] == -np.inf
    assert_allclose(out[[0, 2]], [math.log(0.5), 0.0], rtol=0, atol=1e-16)


@pytest.mark.parametrize("b", [0.0, -0.0, 1e-300, -1e-300, 1e-8, 0.3, -0.3,
                               np.nextafter(0.5, 0), 0.5, -0.5, 0.7, -3.0, 20.0, 371.0, 390.0,
                               -399.0, 1e10, -1e300])
def test_langevin_given_exp_is_langevin_bit_for_bit(b):
    e = math.exp(-2.0 * max(abs(b), 0.5)) if abs(b) <= 400 else 0.0
    assert nx.langevin_given_exp(b, e) == nx.langevin(b)


# ---------------------------------------------------------------------------------------------
# The vectorised inference step


THETAS = np.concatenate([[0.0, 1e-300, -1e-300, 1e-9, -1e-9, 1e-8, -1e-8, np.nextafter(1e-8, 0),
                          0.5, -0.5, np.nextafter(0.5, 0), 360.0, -360.0, 1e3, -1e3, 1e300, -1e300],
                         np.geomspace(1e-10, 800, 150), -np.geomspace(1e-10, 800, 150)])
UNIFORMS = [0.0, SMALLEST_SUBNORMAL, 1e-310, 1e-300, 2.0 ** -53, 1e-9, 0.001, 0.25, 0.5, 0.75,
            0.999, 1 - 2.0 ** -53, 1.0]


def _infer(theta, u, *, h=None, alpha=0.0, pred_bias=0.0, stochastic=True):
    n = theta.size
    h = np.zeros(n) if h is None else h
    x, c = np.empty(n), np.empty(n)
    K._infer(theta - h, h, u, 1.0, alpha, pred_bias, stochastic, x, c, np.empty(9 * n),
             np.empty(2 * n, np.int64))
    return x, c


@pytest.mark.parametrize("u", UNIFORMS)
def test_stochastic_inference_is_the_scalar_inverse_cdf(u):
    # Same formulas as _numerics.ppf with vectorised exp/log: the states agree to a few ulps
    # of the support [-1, 1] (measured: <= 9e-16), a uniform of exactly 0 or 1 included.
    x, _ = _infer(THETAS, np.full(THETAS.size, u))
    ref = np.array([nx.ppf(u, t) for t in THETAS])
    assert_allclose(x, ref, rtol=0, atol=1e-15)
    assert np.all(np.abs(x) <= 1.0)


def test_deterministic_inference_is_the_langevin_function():
    x, _ = _infer(THETAS, np.zeros(THETAS.size), stochastic=False)
    assert_allclose(x, [nx.langevin(t) for t in THETAS], rtol=4.5e-16, atol=1e-300)


@pytest.mark.parametrize("pred_bias", [0.0, 1.0])
def test_learning_factor_uses_the_prediction_of_the_chosen_rule(pred_bias):
    rng = np.random.default_rng(2)
    n = THETAS.size
    h = rng.normal(0, 3, n) * (rng.random(n) < 0.8)
    h[:3] = [0.0, 1e-300, 500.0]
    alpha = 0.01
    x, c = _infer(THETAS, rng.random(n), h=h, alpha=alpha, pred_bias=pred_bias)
    bias = THETAS - h
    pred = np.array([nx.langevin(v) for v in h + pred_bias * bias])
    assert_allclose(c, alpha * (x - pred), rtol=0, atol=alpha * 1e-15)


# ---------------------------------------------------------------------------------------------
# Sweeps over J (four rows at a time) against a plain loop


def _row_by_row(JT, x, c, lo, hi, learn):
    JT = JT.copy()
    h = np.zeros(x.size)
    for j in range(x.size):
        for i in range(lo, hi):
            if learn:
                JT[j, i] = 0.0 if i == j else JT[j, i] + c[i] * x[j]
            h[i] = h[i] + x[j] * JT[j, i]
    return JT, h[lo:hi]


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8, 9, 13])
@pytest.mark.parametrize("learn", [False, True])
def test_blocked_sweeps_equal_a_row_by_row_loop_bit_for_bit(n, learn):
    rng = np.random.default_rng(n)
    JT0 = rng.normal(0, 0.4, (n, n))
    np.fill_diagonal(JT0, 0.0)
    x = rng.uniform(-1, 1, n)
    c = rng.normal(0, 0.01, n)
    for lo, hi in {(0, n), (0, (n + 1) // 2), ((n + 1) // 2, n), (min(1, n - 1), n)}:
        JT, h = JT0.copy(), np.full(n, np.nan)
        if learn:
            K._sweep(JT, x, c, h, lo, hi)
        else:
            K._field(JT, x, h, lo, hi)
        ref_JT, ref_h = _row_by_row(JT0, x, c, lo, hi, learn)
        assert_array_equal(h[lo:hi], ref_h)
        assert_array_equal(JT, ref_JT)          # columns outside [lo, hi) untouched
        assert np.isnan(h[:lo]).all() and np.isnan(h[hi:]).all()


# ---------------------------------------------------------------------------------------------
# Calls that resume: a run or a relaxation split into calls gives the bits of one call


def _relax_in_calls(JT, x0, bias, iT, chunk, max_steps):
    x = x0.copy()
    steps = np.zeros(x.shape[:2], np.int64)
    conv = np.zeros(x.shape[:2], np.bool_)
    calls = 0
    while np.any(~conv & (steps < max_steps)):
        K.relax_batch(JT, x, bias, iT, 1e-12, chunk, max_steps, steps, conv)
        calls += 1
    return x, steps, conv, calls


def test_relax_kernel_resumes_where_it_stopped():
    rng = np.random.default_rng(20)
    B, M, n, max_steps = 2, 6, 9, 60
    JT = rng.normal(0, 0.5, (B, n, n))
    for k in range(B):
        np.fill_diagonal(JT[k], 0.0)
    x0 = rng.uniform(-1, 1, (B, M, n))
    bias = rng.normal(0, 0.3, (B, n))
    iT = np.array([1.0, 12.0])
    one = _relax_in_calls(JT, x0, bias, iT, max_steps, max_steps)
    assert one[3] == 1
    assert one[2].any() and not one[2].all()            # some converge, some run out of steps
    assert np.all(one[1][~one[2]] == max_steps) and np.all(one[1][one[2]] < max_steps)
    for chunk in (1, 4, 7):
        got = _relax_in_calls(JT, x0, bias, iT, chunk, max_steps)
        assert got[3] == -(-max_steps // chunk)
        for a, b in zip(got[:3], one[:3]):
            assert_array_equal(a, b)


@pytest.mark.parametrize("learn", [0.0, 0.01])
def test_large_kernel_split_into_calls_equals_one_call(learn):
    """``run_large`` (one call, one segment) against ``run_large_segments`` in calls of 2 steps
    carrying ``h``, segments of 3 steps split between calls, with means and trace."""
    rng = np.random.default_rng(21)
    n, steps = 21, 9
    JT0 = rng.normal(0, 0.3, (n, n))
    np.fill_diagonal(JT0, 0.0)
    x0 = rng.uniform(-1, 1, n)
    bias = rng.normal(0, 1, n)
    U = rng.uniform(0.01, 0.99, (steps, n))
    JT, x, states = JT0.copy(), x0.copy(), np.empty((steps, n))
    K.run_large(JT, x, bias, steps, 0.8, learn, U, 0, 0, True, 3, states)
    JT2, x2, h = JT0.copy(), x0.copy(), np.empty(n)
    pats = np.stack([np.zeros(n), bias])
    seg = np.ones(steps // 3, np.int64)
    st2, mn2, tr2 = np.empty((steps, n)), np.empty((steps // 3, n)), np.empty((steps, 4))
    partial = None
    for t0 in range(0, steps, 2):
        t1 = min(steps, t0 + 2)
        s0, s1 = t0 // 3, (t1 - 1) // 3 + 1
        st, mn, tr = np.empty((t1 - t0, n)), np.empty((s1 - s0, n)), np.empty((t1 - t0, 4))
        if t0 % 3:
            mn[0] = partial
        K.run_large_segments(JT2, x2, h, t0 == 0, pats, seg[s0:s1].copy(), 1.0, 3, t0 % 3,
                             t1 - t0, 0.8, learn, 0.0, U[t0:t1].copy(), 0, 0, True, 2, st, mn,
                             tr)
        st2[t0:t1], mn2[s0:s1], tr2[t0:t1] = st, mn, tr
        partial = mn[-1].copy()
    assert_array_equal(st2, states)
    assert_array_equal(JT2, JT)
    assert_array_equal(x2, x)
    assert_array_equal(mn2, states.reshape(3, 3, n).sum(1) / 3)
    vfe = np.empty(3)
    K._macro_vfe(JT, x, bias, _field(JT, x), np.empty(n), np.empty(n), vfe)
    assert_array_equal(tr2[-1, :3], vfe)


def _field(JT, x):
    h = np.empty(x.size)
    K._field(JT, x, h, 0, x.size)
    return h


# ---------------------------------------------------------------------------------------------
# Uniforms drawn by the kernels from the networks' generators

BIT_GENERATORS = [np.random.PCG64, np.random.MT19937, np.random.Philox, np.random.SFC64,
                  np.random.PCG64DXSM]


def _generators(seed0=10):
    return [np.random.Generator(bg(seed0 + k)) for k, bg in enumerate(BIT_GENERATORS)]


@pytest.mark.parametrize("schedule", ["synchronous", "sequential"])
def test_kernels_draw_exactly_what_the_generators_would_return(schedule):
    n, steps = 9, 37
    order = None
    if schedule == "sequential":     # the node order is drawn first, from the same generators
        order = np.stack([np.argsort(g.random((steps, n)), axis=1) for g in _generators()])
    drawn = AttractorBatch(len(BIT_GENERATORS), n, rng=_generators())
    s_drawn = drawn.run(np.linspace(-1, 1, n), steps, learning_rate=0.01, schedule=schedule)
    copies = _generators()
    if order is not None:
        for g in copies:
            g.random((steps, n))
    U = np.stack([g.random((steps, n)) for g in copies])
    given = AttractorBatch(len(BIT_GENERATORS), n, rng=list(range(5)))
    s_given = given.run(np.linspace(-1, 1, n), steps, learning_rate=0.01, schedule=schedule,
                        uniforms=U, node_order=order)
    assert_array_equal(s_drawn, s_given)
    assert_array_equal(drawn.J, given.J)
    # ... and leave every generator where drawing the same numbers in Python would
    assert [g.random() for g in drawn._rngs] == [g.random() for g in copies]


@pytest.mark.parametrize("bit_generator", BIT_GENERATORS)
def test_compiled_draw_is_generator_random(bit_generator):
    g, copy = np.random.Generator(bit_generator(3)), np.random.Generator(bit_generator(3))
    fn, state = _rng.addresses([g])
    out = np.empty(1001)
    _rng.draw(fn[0], state[0], out)
    assert_array_equal(out, copy.random(1001))
    assert g.random() == copy.random()


def test_networks_may_not_share_a_generator():
    g = np.random.default_rng(3)
    with pytest.raises(ValueError, match="rng"):
        AttractorBatch(2, 4, rng=[g, g])
    with pytest.raises(ValueError, match="rng"):
        AttractorBatch(2, 4, rng=[g, np.random.Generator(g.bit_generator)])




def test_generator_locks_are_held_during_a_kernel_and_released_after(locks_free):
    gens = _generators()
    with _rng.locked(gens + gens[:2]):          # a generator listed twice is locked once
        assert not any(locks_free(gens))
    assert all(locks_free(gens))
    with pytest.raises(RuntimeError), _rng.locked(gens):
        raise RuntimeError("kernel failed")
    assert all(locks_free(gens))
    AttractorBatch(len(gens), 5, rng=gens).run(np.ones(5), 3)
    assert all(locks_free(gens))
