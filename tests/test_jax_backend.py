"""Tests of the JAX backend (:mod:`fep_core.jax_backend`), on whatever device JAX finds (CI: CPU).

* The continuous-Bernoulli numerics in jax.numpy against :mod:`fep_core.cb` (the compiled CPU
  numerics) on extreme inputs and dense random grids, float64 (and float32 to its rounding).
* Exactness: given the same uniforms (and node orders), a float64 :class:`JaxAttractorBatch`
  reproduces :class:`fep_core.network.AttractorBatch` (states, couplings, segment means, the
  free-energy trace, fixed points) to rounding, over hundreds of learning steps: both predictions,
  both schedules, stochastic and deterministic, several batch sizes and network sizes, and one
  network of ``network.LARGE_NETWORK`` nodes (the CPU engine's column-parallel path).
* Its own random numbers: the same seed gives the same bits, whatever the chunking of a run;
  stationary moments agree with the CPU engine's within the spread over seeds, and with the
  closed form ``L(iT b)``, ``L'(iT b)`` for uncoupled nodes; Simulation 1's attractor correlation
  (two overlapping bars learned as near-orthogonal attractors) agrees with the CPU engine's
  over seeds.
* Arguments are checked with errors naming them; the user's global JAX x64 setting is left
  alone; the engine, the simulations and the benchmark import no JAX unless this backend is
  used.

Skipped as a whole where JAX is not installed (it is pinned in requirements.txt, so CI runs
these tests).
"""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from fep_core import cb, datasets, jax_backend as jb, metrics, paper
from fep_core.network import LARGE_NETWORK, AttractorBatch

from _helpers import patterns_for, random_coupling

jax = pytest.importorskip("jax", reason="the JAX backend is optional: pip install -e '.[jax]' "
                                        "(requirements.txt pins jax and jaxlib for CI)")

pytestmark = pytest.mark.filterwarnings("error")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# JAX against the CPU engine, float64: J x summed in another order, exp/log from XLA instead of
# the engine's own: an ulp or so per step, which these non-chaotic regimes (|J_ij| ~ 0.3,
# iT <= 1, learning rates <= 0.03) do not amplify much. Largest difference measured over every
# comparison below: 2e-14. (At iT = 7 with the sequential schedule a deterministic run amplifies
# it to 4e-12 in 300 steps, as it would any two implementations' rounding.)
ATOL = 1e-12


def x64():
    return jax.enable_x64(True)


# ---------------------------------------------------------------------------------------------
# Numerics

EXTREME = np.array([0.0, 1e-300, 1e-200, 1e-30, 1e-16, 1e-8, 2e-8, 1e-4, 0.1, 0.49,
                    np.nextafter(0.5, 0.0), 0.5, 0.75, 1.0, 3.0, 39.9, 40.0, 41.0, 349.0, 351.0,
                    399.0, 401.0, 1e3, 1e5, 1e15, 1e100, 1e300, np.finfo(float).max])
EXTREME = np.concatenate([EXTREME, -EXTREME[1:]])
_g = np.random.default_rng(20)
GRID = np.sign(_g.standard_normal(20000)) * 10.0 ** _g.uniform(-12, 4, 20000)


def test_series_coefficients_come_from_the_bernoulli_numbers():
    from fractions import Fraction

    import mpmath

    B = jb._bernoulli_even(15)
    assert B[:4] == [Fraction(1, 6), Fraction(-1, 30), Fraction(1, 42), Fraction(-1, 30)]
    assert B[14] == Fraction(8615841276005, 14322)                       # B_30
    for k, b in enumerate(B, start=1):
        assert float(b) == float(mpmath.bernoulli(2 * k))
    # L(b)/b = 1/3 - b^2/45 + 2 b^4/945 - ...: the lowest three, highest order first in Horner
    assert jb._L_COEF[-3:] == (2 / 945, -1 / 45, 1 / 3)


@pytest.mark.parametrize("name", ["langevin", "langevin_prime", "log_partition", "entropy"])
def test_langevin_family_matches_cb_to_1e13(name):
    b = np.concatenate([EXTREME, GRID])
    want = getattr(cb, name)(b)
    with x64():
        got = np.asarray(jax.jit(getattr(jb, name))(b))
    assert got.dtype == np.float64
    # (largest measured: 5.7e-15 relative, L' near |b| = 0.5)
    assert_allclose(got, want, rtol=1e-13, atol=0)


def test_ppf_matches_cb_on_extreme_uniforms_and_parameters():
    u = np.array([0.0, 1e-300, 1e-100, 1e-17, 2.0 ** -53, 1e-10, 0.25, 0.5, 0.75,
                  1.0 - 1e-10, 1.0 - 2.0 ** -53, 1.0])
    U, B = np.meshgrid(u, EXTREME)
    want = cb.ppf(U, B)
    with x64():
        got = np.asarray(jax.jit(jb.ppf)(U, B))
    # Largest: 1.7e-14, at u in {0, 1} and 354 < |b| <= 400, where exp(-2|b|) is subnormal:
    # the CPU rounds log of that subnormal (to -1 + 2e-14), XLA flushes it to zero (exactly -1,
    # the true value).
    assert_allclose(got, want, rtol=0, atol=1e-13)
    assert np.all(np.abs(got) <= 1.0)
    # |b| >= 1e100: a point mass at the end b points to; u = 0 (1) is the lowest (highest) state
    point = np.where(B > 0, np.where(U > 0, 1.0, -1.0), np.where(U < 1, -1.0, 1.0))
    far = np.abs(B) >= 1e100
    assert_array_equal(got[far], point[far])


def test_ppf_matches_cb_on_a_random_grid():
    g = np.random.default_rng(21)
    b = np.sign(g.standard_normal(200000)) * 10.0 ** g.uniform(-10, 2.6, 200000)
    u = g.random(200000)
    with x64():
        got = np.asarray(jax.jit(jb.ppf)(u, b))
    assert_allclose(got, cb.ppf(u, b), rtol=0, atol=1e-14)      # (largest measured: 1.1e-15)


def test_kl_matches_cb():
    g = np.random.default_rng(22)
    bq = np.clip(np.concatenate([EXTREME, GRID[:5000]]), -1e6, 1e6)
    near = bq * (1.0 + 10.0 ** g.uniform(-14, 0, bq.size))      # nearly equal: the integral form
    far = g.permutation(bq)                                      # unrelated, large, same sign ...
    bq2, bp = np.concatenate([bq, bq, bq]), np.concatenate([near, far, -bq])
    want = cb.kl(bq2, bp)
    with x64():
        got = np.asarray(jax.jit(jb.kl)(bq2, bp))
    # kl uses T - H where it has lost at most 3 digits to cancellation (fep_core._numerics), so an
    # ulp of either part is up to 1e-13 of the result (largest measured: 1.2e-13)
    assert_allclose(got, want, rtol=1e-12, atol=0)
    assert np.all(got >= 0)


def test_subnormal_arguments_flush_to_zero():
    """XLA flushes subnormal numbers to zero (CPU and GPU): L of a subnormal b is 0, not b/3.
    The difference is below 1e-307, far below anything a network computes."""
    b = np.array([1e-310, -1e-310, 5e-324])
    with x64():
        got = np.asarray(jax.jit(jb.langevin)(b))
    assert_allclose(got, cb.langevin(b), rtol=0, atol=1e-307)


def test_float32_numerics_to_float32_rounding():
    b = np.concatenate([EXTREME[np.abs(EXTREME) < 1e30], GRID[:2000]]).astype(np.float32)
    u = np.random.default_rng(23).random(b.size).astype(np.float32)
    L = np.asarray(jax.jit(jb.langevin)(b))
    x = np.asarray(jax.jit(jb.ppf)(u, b))
    assert L.dtype == np.float32 and x.dtype == np.float32
    assert_allclose(L, cb.langevin(b.astype(float)), rtol=2e-6, atol=1e-37)
    assert_allclose(x, cb.ppf(u.astype(float), b.astype(float)), rtol=0, atol=2e-5)


# ---------------------------------------------------------------------------------------------
# Exactness against the CPU engine, given the same uniforms


def _pair(B, n, *, coupling=None, state=None, rng=7):
    cpu = AttractorBatch(B, n, rng=rng, coupling=coupling)
    gpu = jb.JaxAttractorBatch(B, n, rng=rng, coupling=coupling)
    if state is not None:
        cpu.state = state
        gpu.state = state
    return cpu, gpu


# (not iT = 1: deterministic with the paper's prediction L(b + h) would then learn nothing)
B3_IT, B3_ALPHA, B3_EVIDENCE = np.array([0.1, 0.5, 0.8]), np.array([0.01, 0.02, 0.03]), \
    np.array([0.5, 2.0, 5.0])


def _case(net, *, stochastic=True, schedule="synchronous", prediction="code"):
    """Three networks (B3_*) of 10 nodes with random couplings, 300 learning steps in 30
    segments of 10 alternating between two patterns, given uniforms (and node orders)."""
    B, n, T, K = 3, 10, 300, 10
    net.J = np.stack([random_coupling(n, 0.3, s) for s in (31, 32, 33)])
    net.state = np.random.default_rng(34).uniform(-1, 1, (B, n))
    pats = patterns_for(2, n, seed=35)
    idx = np.tile(np.arange(T // K) % 2, (B, 1))
    g = np.random.default_rng(36)
    U = g.random((B, T, n)) if stochastic else None
    orders = np.argsort(g.random((B, T, n)), axis=2) if schedule == "sequential" else None
    return net.simulate(pats, idx, scale=B3_EVIDENCE, steps_per_segment=K,
                        inverse_temperature=B3_IT, learning_rate=B3_ALPHA,
                        stochastic=stochastic, schedule=schedule, uniforms=U,
                        node_order=orders, prediction=prediction)


@pytest.mark.parametrize("prediction", ["code", "paper"])
@pytest.mark.parametrize("schedule", ["synchronous", "sequential"])
@pytest.mark.parametrize("stochastic", [True, False])
def test_simulate_matches_cpu_engine(stochastic, schedule, prediction):
    out = []
    for net in _pair(3, 10):
        states = _case(net, stochastic=stochastic, schedule=schedule, prediction=prediction)
        out.append((states, net.J, net.state))
    (s_cpu, J_cpu, x_cpu), (s_jax, J_jax, x_jax) = out
    J0 = np.stack([random_coupling(10, 0.3, s) for s in (31, 32, 33)])
    assert s_jax.shape == (3, 300, 10) and s_jax.dtype == np.float64
    assert_allclose(s_jax, s_cpu, rtol=0, atol=ATOL)
    assert_allclose(J_jax, J_cpu, rtol=0, atol=ATOL)
    assert_array_equal(x_jax, s_jax[:, -1])
    assert_array_equal(np.diagonal(J_jax, axis1=1, axis2=2), 0.0)
    assert np.min(np.max(np.abs(J_jax - J0), axis=(1, 2))) > 1e-3      # every network learned
    if stochastic:
        assert np.min(np.std(s_jax, axis=1)) > 1e-3


@pytest.mark.parametrize("B, n, shared", [(1, 7, True), (4, 33, False)])
def test_means_over_segments_and_state_carried_between_calls(B, n, shared):
    """record="means", per-network patterns, a run split into two calls (the state and J carry
    over), float64 JAX against the CPU engine given the same uniforms."""
    g = np.random.default_rng(40 + n)
    pats = patterns_for(3, n, seed=41) if shared else np.stack(
        [patterns_for(3, n, seed=42 + k) for k in range(B)])
    idx = g.integers(0, 3, (B, 40))
    U = g.random((B, 2 * 40 * 7, n))
    alpha, iT = np.linspace(0.005, 0.02, B), np.linspace(0.3, 1.0, B)
    out = []
    for net in _pair(B, n, rng=list(range(B))):
        m = [net.simulate(pats, idx, scale=3.0, steps_per_segment=7, inverse_temperature=iT,
                          learning_rate=alpha, uniforms=U[:, half * 280:(half + 1) * 280],
                          record="means") for half in (0, 1)]
        out.append((np.concatenate(m, axis=1), net.J, net.state))
    (m_cpu, J_cpu, x_cpu), (m_jax, J_jax, x_jax) = out
    assert m_jax.shape == (B, 80, n)
    assert_allclose(m_jax, m_cpu, rtol=0, atol=ATOL)
    assert_allclose(J_jax, J_cpu, rtol=0, atol=ATOL)
    assert_allclose(x_jax, x_cpu, rtol=0, atol=ATOL)
    assert np.max(np.abs(J_jax)) > 0.05


def test_train_with_trace_matches_cpu_engine():
    """train(record=True): the same pattern choices (drawn from the same generators), states,
    couplings and the per-step macro VFE, complexity, accuracy and ||dJ||_F."""
    B, n, epochs, spe = 2, 16, 60, 5
    pats = patterns_for(3, n, seed=11)
    U = np.random.default_rng(3).random((B, epochs * spe, n))
    out = []
    for net in _pair(B, n, rng=[13, 14]):
        tr = net.train(pats, evidence=np.array([2.0, 3.0]), epochs=epochs, steps_per_epoch=spe,
                       inverse_temperature=np.array([1.0, 0.5]), learning_rate=0.01,
                       record=True, uniforms=U, prediction="paper")
        out.append((tr, net.J, net.state))
    (t_cpu, J_cpu, x_cpu), (t_jax, J_jax, x_jax) = out
    assert_array_equal(t_jax.pattern_index, t_cpu.pattern_index)
    assert_allclose(J_jax, J_cpu, rtol=0, atol=ATOL)
    assert_allclose(x_jax, x_cpu, rtol=0, atol=ATOL)
    for name in ("vfe", "complexity", "accuracy", "weight_change"):
        got, want = getattr(t_jax, name), getattr(t_cpu, name)
        assert got.shape == (B, epochs * spe)
        assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=name)
    assert np.ptp(t_jax.vfe) > 1.0                    # the trace moves: it is not all zeros


def test_large_network_matches_cpu_column_parallel_path():
    """One network of LARGE_NETWORK nodes, where the CPU engine sweeps J in column blocks."""
    n, T = LARGE_NETWORK, 4
    g = np.random.default_rng(50)
    J0 = random_coupling(n, 0.02, 51)
    bias = g.standard_normal(n)
    U = g.random((1, T, n))
    out = []
    for net in _pair(1, n, coupling=J0, state=g.uniform(-1, 1, n)):
        states = net.run(bias, T, inverse_temperature=0.5, learning_rate=0.01, uniforms=U)
        out.append((states, net.J))
    assert_allclose(out[1][0], out[0][0], rtol=0, atol=ATOL)
    assert_allclose(out[1][1], out[0][1], rtol=0, atol=ATOL)
    assert np.max(np.abs(out[1][1] - J0)) > 1e-3


def test_relax_matches_cpu_engine():
    B, n = 2, 16
    pats = patterns_for(3, n, seed=11)
    U = np.random.default_rng(3).random((B, 300, n))
    res = []
    for net in _pair(B, n, rng=[13, 14]):
        net.train(pats, evidence=2.0, epochs=60, steps_per_epoch=5, inverse_temperature=1.0,
                  learning_rate=0.01, uniforms=U)
        before = net.state
        res.append(net.relax(cb.langevin(0.1 * pats), tol=1e-12, max_steps=500))
        assert_array_equal(net.state, before)          # relax leaves the state alone
    cpu, jx = res
    assert jx.states.shape == (B, 3, n) and jx.steps.shape == (B, 3)
    assert cpu.all_converged and jx.all_converged
    assert_allclose(jx.states, cpu.states, rtol=0, atol=ATOL)     # (measured: 3e-16)
    # the step at which the largest change first drops below tol (measured: always the same)
    assert np.max(np.abs(jx.steps - cpu.steps)) <= 1
    assert np.min(jx.steps) > 10


def test_relax_stops_at_max_steps():
    net = jb.JaxAttractorBatch(1, 6, coupling=random_coupling(6, 1.5, 3))
    r = net.relax(np.full(6, 0.5), inverse_temperature=5.0, max_steps=3, tol=1e-300)
    assert_array_equal(r.steps, [[3]])
    assert not r.converged[0, 0]


def test_vfe_matches_cpu_engine():
    n = 12
    J0 = np.stack([random_coupling(n, 0.4, 60), random_coupling(n, 0.1, 61)])
    x0 = np.random.default_rng(62).uniform(-1, 1, (2, n))
    bias = np.random.default_rng(63).normal(0, 2, n)
    cpu, jx = _pair(2, n, coupling=J0, state=x0)
    for name in ("vfe", "complexity", "accuracy"):
        assert_allclose(getattr(jx, name)(bias), getattr(cpu, name)(bias), rtol=1e-12,
                        atol=1e-12)


# ---------------------------------------------------------------------------------------------
# Its own random numbers


def _own_run(seed, split, *, dtype="float64"):
    n = 9
    net = jb.JaxAttractorBatch(3, n, rng=seed, coupling=random_coupling(n, 0.3, 70),
                               dtype=dtype)
    bias = np.random.default_rng(71).normal(size=n)
    parts = [net.run(bias, k, inverse_temperature=0.8, learning_rate=0.01) for k in split]
    return np.concatenate(parts, axis=1), net.J


def test_own_random_numbers_depend_on_the_seed_only():
    a, Ja = _own_run(5, [120])
    b, Jb = _own_run(5, [37, 83])        # the same steps in two calls: the same bits
    c, _ = _own_run(6, [120])
    assert_array_equal(a, b)
    assert_array_equal(Ja, Jb)
    assert np.max(np.abs(a - c)) > 0.1   # another seed, other samples
    assert np.max(np.abs(a[0] - a[1])) > 0.1     # and the networks of a batch differ


def test_stationary_moments_match_closed_form_for_uncoupled_nodes():
    """J = 0, no learning: each state is an independent sample of CB(iT b), with mean L(iT b)
    and variance L'(iT b)."""
    B, n, T, iT = 16, 6, 500, 0.7
    bias = np.array([-4.0, -1.0, -0.1, 0.0, 0.5, 3.0])
    net = jb.JaxAttractorBatch(B, n, rng=80)
    x = net.run(bias, T, inverse_temperature=iT).reshape(B * T, n)
    mean, var = cb.langevin(iT * bias), cb.langevin_prime(iT * bias)
    se = np.sqrt(var / (B * T))
    assert np.all(np.abs(x.mean(axis=0) - mean) < 4.5 * se)
    se_var = np.sqrt(np.var((x - mean) ** 2, axis=0) / (B * T))
    assert np.all(np.abs(x.var(axis=0) - var) < 4.5 * se_var)


def test_stationary_moments_agree_with_cpu_engine_over_seeds():
    """Coupled networks, no learning, each backend with its own random numbers: the per-node
    mean and second moment over time, averaged over 24 networks (seeds), agree within the
    spread over seeds."""
    B, n, T, burn = 24, 8, 400, 50
    J0 = random_coupling(n, 0.3, 90)
    bias = np.random.default_rng(91).normal(0, 0.7, n)
    stats = []
    for net in (AttractorBatch(B, n, rng=92, coupling=J0),
                jb.JaxAttractorBatch(B, n, rng=93, coupling=J0)):
        x = net.run(bias, T, inverse_temperature=1.0)[:, burn:]
        stats.append((x.mean(axis=1), (x ** 2).mean(axis=1)))        # per network (B, n)
    for k in range(2):
        a, b = stats[0][k], stats[1][k]
        se = np.sqrt(a.var(axis=0, ddof=1) / B + b.var(axis=0, ddof=1) / B)
        assert np.all(np.abs(a.mean(axis=0) - b.mean(axis=0)) < 4.5 * se)
    assert np.max(np.abs(stats[1][0].mean(axis=0))) > 0.2      # the bias moves the means


def test_simulation1_attractor_correlation_agrees_with_cpu_engine():
    """Simulation 1 (paper settings, 6 seeds per backend): training on two bars correlated at
    0.77 gives near-orthogonal attractors; the mean attractor correlation of the JAX backend is
    the CPU engine's within the spread over seeds."""
    s1 = paper.SIMULATION1
    pats = datasets.bars()
    seeds = list(range(6))
    corr = []
    for cls in (AttractorBatch, jb.JaxAttractorBatch):
        net = cls(len(seeds), pats.shape[1], rng=seeds)
        net.train(pats, evidence=s1["evidence"], epochs=s1["epochs"],
                  steps_per_epoch=s1["steps_per_epoch"],
                  inverse_temperature=s1["inverse_temperature"],
                  learning_rate=s1["learning_rate"])
        fixed = net.relax(cb.langevin(0.1 * pats), tol=1e-10, max_steps=1000)
        assert fixed.all_converged
        corr.append(np.array([metrics.attractor_correlation(*f) for f in fixed.states]))
    cpu, jx = corr
    data = metrics.attractor_correlation(*pats)
    assert data > 0.7
    assert np.all(np.abs(jx) < 0.5) and np.all(np.abs(cpu) < 0.5)    # orthogonalised
    se = np.sqrt(cpu.var(ddof=1) / cpu.size + jx.var(ddof=1) / jx.size)
    assert abs(cpu.mean() - jx.mean()) < 4.5 * se


# ---------------------------------------------------------------------------------------------
# float32, configuration, arguments


def test_float32_follows_float64_and_keeps_its_dtype():
    runs = []
    for dtype in ("float64", "float32"):
        net = jb.JaxAttractorBatch(3, 10, dtype=dtype)
        states = _case(net)
        runs.append((states, net.J))
        assert states.dtype == np.dtype(dtype) and net.J.dtype == np.dtype(dtype)
    # float32 rounding (6e-8) grown over 300 learning steps (largest measured: 2e-6)
    assert_allclose(runs[1][0], runs[0][0], rtol=0, atol=2e-5)
    assert_allclose(runs[1][1], runs[0][1], rtol=0, atol=2e-5)
    assert np.max(np.abs(runs[1][0] - runs[0][0])) > 0      # (it is float32 arithmetic)
    s32, _ = _own_run(5, [60], dtype="float32")
    assert s32.dtype == np.float32 and np.all(np.abs(s32) <= 1)


def test_global_x64_setting_is_left_alone():
    before = jax.config.jax_enable_x64
    states, J = _own_run(5, [120])
    assert jax.config.jax_enable_x64 == before
    assert states.dtype == np.float64 and J.dtype == np.float64


def test_state_and_couplings_are_numpy_copies():
    J0 = random_coupling(5, 0.3, 110)
    net = jb.JaxAttractorBatch(2, 5, coupling=J0)
    J = net.J
    assert isinstance(J, np.ndarray) and J.shape == (2, 5, 5)
    J[0, 0, 1] = 99.0                    # a copy: the network is not changed through it
    assert_array_equal(net.J[0], J0)
    net.state = np.full(5, 0.5)
    assert_array_equal(net.state, np.full((2, 5), 0.5))
    net.run(np.zeros(5), 2, inverse_temperature=0.5, learning_rate=0.1, stochastic=False)
    assert_array_equal(np.diagonal(net.J, axis1=1, axis2=2), 0.0)
    assert np.max(np.abs(net.J - J0)) > 1e-5            # it learned (2e-4)
    assert_array_equal(net.symmetric_part(), 0.5 * (net.J + np.swapaxes(net.J, 1, 2)))
    assert_allclose(net.asymmetry(), [np.linalg.norm(j - j.T) / np.linalg.norm(j)
                                      for j in net.J], rtol=1e-12)


@pytest.mark.parametrize("kwargs, exc, word", [
    (dict(dtype="float16"), ValueError, "dtype"),
    (dict(dtype="cheese"), TypeError, "dtype"),
    (dict(coupling=np.ones((3, 3))), ValueError, "diagonal"),
    (dict(coupling=np.zeros((2, 2))), ValueError, "coupling"),
    (dict(rng=[0]), ValueError, "rng"),
])
def test_bad_constructor_arguments(kwargs, exc, word):
    with pytest.raises(exc, match=word):
        jb.JaxAttractorBatch(2, 3, **kwargs)


@pytest.mark.parametrize("kwargs, exc, word", [
    (dict(schedule="parallel"), ValueError, "schedule"),
    (dict(record="everything"), ValueError, "record"),
    (dict(prediction="oracle"), ValueError, "prediction"),
    (dict(uniforms=np.zeros((2, 4, 3))), ValueError, "uniforms"),
    (dict(uniforms=np.full((2, 5, 3), 0.5)), ValueError, "uniforms"),
    (dict(stochastic=False, uniforms=np.full((2, 4, 3), 0.5)), ValueError, "uniforms"),
    (dict(node_order=np.zeros((2, 4, 3), int)), ValueError, "node_order"),
    (dict(schedule="sequential", node_order=np.zeros((2, 4, 3), int)), ValueError,
     "node_order"),
    (dict(learning_rate=-1.0), ValueError, "learning_rate"),
    (dict(learning_rate=1e300), ValueError, "learning_rate"),
    (dict(inverse_temperature=[1.0, 2.0, 3.0]), ValueError, "inverse_temperature"),
    (dict(stochastic=1), TypeError, "stochastic"),
    (dict(steps_per_segment=0), ValueError, "steps_per_segment"),
])
def test_bad_simulate_arguments(kwargs, exc, word):
    net = jb.JaxAttractorBatch(2, 3, rng=0)
    with pytest.raises(exc, match=word):
        net.simulate(np.ones((1, 3)), [0, 0], steps_per_segment=kwargs.pop(
            "steps_per_segment", 2), **kwargs)


def test_missing_jax_is_an_import_error_that_says_what_to_install(monkeypatch):
    monkeypatch.setattr(jb, "jax", None)
    assert not jb.available()
    with pytest.raises(ImportError, match=r"pip install -e \"\.\[jax\]\""):
        jb.JaxAttractorBatch(1, 3)


def test_the_engine_and_simulations_do_not_import_jax():
    code = ("import sys, fep_core, fep_core.network, fep_core.experiments, fep_core.bench, "
            "fep_core.capacity, fep_core.backends; print('jax' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True, timeout=300).stdout.split()
    assert out[-1] == "False"


def test_chunk_steps():
    # 2**22 / 64 = 2**16 values and 2**28 / 64**2 = 2**16 work allow 2**16; 20000 steps need 2**15
    assert jb.chunk_steps(1, 64, 20000) == 2 ** 15
    # 2**28 / (380 * 64**2) = 172.5: the power of two below
    assert jb.chunk_steps(380, 64, 2000) == 128
    assert jb.chunk_steps(1, 50000, 10) == 1
    assert jb.chunk_steps(3, 10, 5) == 64                 # short runs share one chunk size
    assert jb.chunk_steps(3, 10, 65) == 128


def test_couplings_are_updated_in_place():
    """Each compiled chunk donates J: the array before a run is consumed, not copied."""
    net = jb.JaxAttractorBatch(2, 10, coupling=random_coupling(10, 0.3, 120))
    before = net._J
    states = net.run(np.zeros(10), 5, inverse_temperature=0.5, learning_rate=0.1,
                     stochastic=False)
    assert states.shape == (2, 5, 10)
    assert before.is_deleted()


# ---------------------------------------------------------------------------------------------
# The benchmark's JAX branch (what it measures and prints; no timing is asserted)


def test_benchmark_pieces_measure_and_the_table_prints(capsys, monkeypatch):
    from fep_core import bench, bench_jax

    assert bench_jax.device_bandwidth(mbytes=4, repeats=1, dtype="float64") > 0
    fake = {"machine": bench_jax.machine_info(),
            "numba": {"batch_net_steps_per_s": 4.0, "single_n64_steps_per_s": 2.0,
                      "large_steps_per_s": {"1024": 1.0}},
            "ratios": {}}
    for dt in ("float64", "float32"):
        fake[dt] = {"device_bandwidth_GBps": 9.0, "batch_net_steps_per_s": 8.0,
                    "single_n64_steps_per_s": 1.0, "large_steps_per_s": {"1024": 3.0},
                    "large_GBps": {"1024": 0.5}, "bandwidth_fraction": {"1024": 0.25},
                    "compile_s": 1.5, "first_call_s": 2.5}
        fake["ratios"][dt] = {"batch": 2.0, "single_n64": 0.5, "large": {"1024": 3.0}}
    monkeypatch.setattr(bench_jax, "run", lambda quick=False: fake)
    bench.main(["--backend", "jax", "--quick"])
    lines = capsys.readouterr().out.splitlines()
    assert f"jax {jax.__version__} on " in lines[0]
    batch = next(line for line in lines if line.startswith("batched 380 x n64"))
    assert batch.split()[-4:] == ["8", "8", "2.00", "2.00"]
    assert any(line.startswith("large network n=1024, fraction of bw") and "0.25" in line
               for line in lines)
