"""Tests of fep_core.reference, the plain NumPy reference of the network step.

* Reference versus the compiled engine (:mod:`fep_core.network`): single networks and batches,
  stochastic (shared uniforms and node orders, or the same seed, so both consume one stream) and
  deterministic, synchronous and sequential schedules, both predictions of the learning rule,
  with learning, over 300 steps: states and couplings agree to ``ATOL``; the macro free energy
  (which :func:`fep_core.network.macro_vfe` returns) equals the engine's compiled evaluation and
  trace to rounding.
* The reference against independent computations: the learning rule on 2- and 3-node networks
  written out by hand, the posterior mean and variance against numerical quadrature of the CB
  density (scipy.integrate), the sequential sweep and the inverse-CDF sample by hand (the macro
  free energy against its closed form: tests/test_network.py, through macro_vfe).
* Bad arguments raise ValueError/TypeError naming the argument; inputs are never modified.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import integrate

from fep_core import reference as ref
from fep_core.network import AttractorBatch, AttractorNetwork

from _helpers import (
    BATCH_ALPHA,
    BATCH_EVIDENCE,
    BATCH_IT,
    BATCH_SEEDS,
    patterns_for,
    random_coupling,
)

pytestmark = pytest.mark.filterwarnings("error")

N, T = 12, 300
# Engine vs reference: the field J @ x is summed in another order (BLAS against the engine's
# sequential sum) and exp/log come from other implementations, so each step differs by an ulp or
# so; in these non-chaotic regimes (|J_ij| ~ 0.3, learning rates <= 0.03) that does not grow
# much: the largest difference measured over every comparison in this file is 4e-14.
ATOL = 1e-12


def start(n=N, seed=2):
    g = np.random.default_rng(seed)
    return random_coupling(n, 0.3, seed + 100), g.uniform(-1, 1, n), g.normal(0.0, 1.0, n)


def assert_close_and_moved(states, J, ref_run, J0, moved=1e-3):
    assert_allclose(states, ref_run.states, atol=ATOL, rtol=0)
    assert_allclose(J, ref_run.coupling, atol=ATOL, rtol=0)
    assert np.max(np.abs(J - J0)) > moved           # learning really happened, far beyond ATOL
    assert_array_equal(np.diag(ref_run.coupling), 0.0)


# ---------------------------------------------------------------------------------------------
# Reference versus engine


@pytest.mark.parametrize("prediction", ["code", "paper"])
@pytest.mark.parametrize("schedule", ["synchronous", "sequential"])
@pytest.mark.parametrize("stochastic", [True, False])
def test_run_with_shared_uniforms_matches_engine(stochastic, schedule, prediction):
    J0, x0, bias = start()
    # (not iT = 1: deterministic with the paper's prediction, L(b + h), would then predict the
    # new state exactly and learn nothing)
    iT, alpha = 0.5, 0.02
    g = np.random.default_rng(4)
    U = g.random((T, N)) if stochastic else None
    orders = np.argsort(g.random((T, N)), axis=1) if schedule == "sequential" else None

    batch = AttractorBatch(1, N, rng=[0], coupling=J0)
    batch.state = x0
    states = batch.simulate(bias[None], np.zeros(T, np.int64), inverse_temperature=iT,
                            learning_rate=alpha, stochastic=stochastic, schedule=schedule,
                            uniforms=None if U is None else U[None],
                            node_order=None if orders is None else orders[None],
                            prediction=prediction)[0]
    got = ref.run(J0, x0, bias, T, inverse_temperature=iT, learning_rate=alpha,
                  stochastic=stochastic, schedule=schedule, prediction=prediction, uniforms=U,
                  node_order=orders)
    assert got.states.shape == (T, N) and got.trace is None and got.pattern_index is None
    assert_close_and_moved(states, batch.J[0], got, J0)
    if stochastic:
        assert np.max(np.std(got.states, axis=0)) > 0.01

    # run is a loop of step: chaining single steps gives the same bits
    x, J = x0, J0
    for t in range(T):
        x, J = ref.step(J, x, bias, inverse_temperature=iT, learning_rate=alpha,
                        stochastic=stochastic, schedule=schedule, prediction=prediction,
                        uniforms=None if U is None else U[t],
                        node_order=None if orders is None else orders[t])
        assert_array_equal(x, got.states[t])
    assert_array_equal(J, got.coupling)


@pytest.mark.parametrize("schedule", ["synchronous", "sequential"])
@pytest.mark.parametrize("stochastic", [True, False])
def test_same_seed_consumes_the_same_stream_as_the_engine(stochastic, schedule):
    """Without explicit uniforms the reference draws what the engine draws, in the same order
    (node orders of the whole run first, then n uniforms per step)."""
    J0, x0, bias = start(seed=5)
    net = AttractorNetwork(N, rng=17, coupling=J0)
    net.state = x0
    states = net.run(bias, T, inverse_temperature=0.5, learning_rate=0.01,
                     stochastic=stochastic, schedule=schedule)
    got = ref.run(J0, x0, bias, T, inverse_temperature=0.5, learning_rate=0.01,
                  stochastic=stochastic, schedule=schedule, rng=17)
    assert_close_and_moved(states, net.J, got, J0)
    # a Generator continues its stream: two runs of half the length give the same numbers
    # (the synchronous schedule; sequential draws all orders of a run first)
    if schedule == "synchronous":
        g = np.random.default_rng(17)
        a = ref.run(J0, x0, bias, T // 2, inverse_temperature=0.5, learning_rate=0.01,
                    stochastic=stochastic, rng=g)
        b = ref.run(a.coupling, a.states[-1], bias, T - T // 2, inverse_temperature=0.5,
                    learning_rate=0.01, stochastic=stochastic, rng=g)
        assert_array_equal(np.vstack([a.states, b.states]), got.states)


@pytest.mark.parametrize("prediction", ["code", "paper"])
@pytest.mark.parametrize("order", ["random", "sequential"])
@pytest.mark.parametrize("schedule", ["synchronous", "sequential"])
def test_single_network_train_matches_engine(schedule, order, prediction):
    P, epochs, spe, evidence = 3, 60, 5, 2.0
    pats = patterns_for(P, N, seed=11)
    net = AttractorNetwork(N, rng=13)
    tr = net.train(pats, evidence=evidence, epochs=epochs, steps_per_epoch=spe,
                   inverse_temperature=1.0, learning_rate=0.01, order=order, schedule=schedule,
                   prediction=prediction, record=True)
    got = ref.train(np.zeros((N, N)), np.zeros(N), pats, evidence=evidence, epochs=epochs,
                    steps_per_epoch=spe, inverse_temperature=1.0, learning_rate=0.01,
                    order=order, schedule=schedule, prediction=prediction, rng=13, record=True)
    assert_array_equal(got.pattern_index, tr.pattern_index)
    assert_allclose(got.coupling, net.J, atol=ATOL, rtol=0)
    assert_allclose(got.states[-1], net.state, atol=ATOL, rtol=0)
    assert np.max(np.abs(net.J)) > 0.05
    assert got.trace.shape == (epochs * spe, 4)
    for col, engine in enumerate((tr.vfe, tr.complexity, tr.accuracy)):
        assert_allclose(got.trace[:, col], engine, rtol=1e-12, atol=1e-12)
    # ||dJ||_F: the engine's from O(n) sums, the reference's from the difference of J
    assert_allclose(got.trace[:, 3], tr.weight_change, rtol=1e-9, atol=1e-15)


B_SEEDS, B_IT, B_ALPHA, B_EVIDENCE = BATCH_SEEDS, BATCH_IT, BATCH_ALPHA, BATCH_EVIDENCE


@pytest.mark.parametrize("schedule", ["synchronous", "sequential"])
def test_batch_train_matches_reference_per_network(schedule):
    n, epochs, spe = 10, 60, 5
    pats = patterns_for(4, n, seed=21)
    batch = AttractorBatch(3, n, rng=list(B_SEEDS))
    tb = batch.train(pats, evidence=B_EVIDENCE, epochs=epochs, steps_per_epoch=spe,
                     inverse_temperature=B_IT, learning_rate=B_ALPHA, schedule=schedule,
                     record=True)
    for k, seed in enumerate(B_SEEDS):
        got = ref.train(np.zeros((n, n)), np.zeros(n), pats, evidence=B_EVIDENCE[k],
                        epochs=epochs, steps_per_epoch=spe, inverse_temperature=B_IT[k],
                        learning_rate=B_ALPHA[k], schedule=schedule, rng=seed, record=True)
        assert_array_equal(got.pattern_index, tb.pattern_index[k])
        assert_allclose(got.coupling, batch.J[k], atol=ATOL, rtol=0)
        assert_allclose(got.states[-1], batch.state[k], atol=ATOL, rtol=0)
        assert_allclose(got.trace[:, 0], tb.vfe[k], rtol=1e-12, atol=1e-12)
    assert_array_equal(batch.J[0], 0.0)                     # the alpha = 0 network
    assert np.max(np.abs(batch.J[2])) > 0.05


@pytest.mark.parametrize("stochastic", [True, False])
def test_batch_simulate_with_shared_uniforms_matches_reference(stochastic):
    """A batch seeded with one int (spawned child streams) and given uniforms for every
    network; the reference is run network by network with the same uniforms."""
    B, n = 3, 10
    J0 = np.stack([random_coupling(n, 0.3, s) for s in (31, 32, 33)])
    x0 = np.random.default_rng(34).uniform(-1, 1, (B, n))
    pats = patterns_for(2, n, seed=35)
    idx = np.tile(np.arange(T // 10) % 2, (B, 1))          # 30 segments of 10 steps
    U = np.random.default_rng(36).random((B, T, n)) if stochastic else None
    batch = AttractorBatch(B, n, rng=7, coupling=J0)
    batch.state = x0
    states = batch.simulate(pats, idx, scale=B_EVIDENCE, steps_per_segment=10,
                            inverse_temperature=B_IT, learning_rate=np.array([0.01, 0.02, 0.03]),
                            stochastic=stochastic, uniforms=U)
    for k in range(B):
        biases = np.repeat(B_EVIDENCE[k] * pats[idx[k]], 10, axis=0)
        got = ref.run(J0[k], x0[k], biases, T, inverse_temperature=B_IT[k],
                      learning_rate=[0.01, 0.02, 0.03][k], stochastic=stochastic,
                      uniforms=None if U is None else U[k])
        # (network 0, deterministic at iT = 0.05, has states ~ 0.05 and learns slowly)
        assert_close_and_moved(states[k], batch.J[k], got, J0[k], moved=1e-4)
    if stochastic:      # and without the uniforms, the spawned child streams are the reference's
        batch = AttractorBatch(B, n, rng=7, coupling=J0)
        batch.state = x0
        states = batch.simulate(pats, idx, scale=B_EVIDENCE, steps_per_segment=10,
                                inverse_temperature=B_IT, learning_rate=0.01)
        children = np.random.default_rng(7).spawn(B)
        for k in range(B):
            biases = np.repeat(B_EVIDENCE[k] * pats[idx[k]], 10, axis=0)
            got = ref.run(J0[k], x0[k], biases, T, inverse_temperature=B_IT[k],
                          learning_rate=0.01, rng=children[k])
            assert_close_and_moved(states[k], batch.J[k], got, J0[k], moved=1e-4)


def test_no_learning_returns_the_coupling_unchanged():
    J0, x0, bias = start(seed=41)
    for schedule in ("synchronous", "sequential"):
        got = ref.run(J0, x0, bias, 20, schedule=schedule, rng=1)
        assert_array_equal(got.coupling, J0)
        assert not np.shares_memory(got.coupling, J0)         # a new array, as with learning
        one = ref.step(J0, x0, bias, schedule=schedule, rng=1)
        assert_array_equal(one.coupling, J0)
        assert not np.shares_memory(one.coupling, J0)


def test_macro_free_energy_matches_the_compiled_engine():
    rng = np.random.default_rng(51)
    for n, scale in ((1, 0.0), (5, 0.5), (12, 2.0), (30, 0.1)):
        J = random_coupling(n, scale, 52 + n)
        m = rng.uniform(-1, 1, n)
        b = rng.normal(0, 3, n)
        got = ref.macro_free_energy(J, m, b)
        assert got.vfe == got.complexity - got.accuracy
        # and the engine's own evaluation (its sums in another order)
        net = AttractorNetwork(n, rng=0, coupling=J)
        net.state = m
        assert_allclose(got.vfe, net.vfe(b), rtol=1e-12, atol=1e-12)
        assert_allclose(got.complexity, net.complexity(b), rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------------------------
# The reference against independent computations


def L_closed(z):
    """Langevin function in closed form (fine away from 0)."""
    return 1.0 / math.tanh(z) - 1.0 / z


def test_learning_rule_on_two_nodes_by_hand():
    # J = 0: no prediction, the change is purely Hebbian alpha x_i x_j
    got = ref.learning_step(np.zeros((2, 2)), [0.5, -1.0], [0.0, 0.0], learning_rate=0.1)
    assert_allclose(got, [[0.0, -0.05], [-0.05, 0.0]], rtol=0, atol=1e-17)
    # J_01 = 2 and old state (0, 1): h = (2, 0); new state (1, 0.5)
    J = np.array([[0.0, 2.0], [0.0, 0.0]])
    h = J @ np.array([0.0, 1.0])
    assert_array_equal(h, [2.0, 0.0])
    got = ref.learning_step(J, [1.0, 0.5], h, learning_rate=0.1)
    # dJ_01 = 0.1 (1 * 0.5 - L(2) * 0.5), dJ_10 = 0.1 (0.5 * 1 - L(0) * 1) = 0.05
    want = [[0.0, 2.0 + 0.1 * (0.5 - L_closed(2.0) * 0.5)], [0.05, 0.0]]
    assert_allclose(got, want, rtol=1e-15, atol=0)
    # the paper's prediction adds the bias: L(b_i + h_i)
    got = ref.learning_step(J, [1.0, 0.5], h, learning_rate=0.1, prediction="paper",
                            bias=[-0.5, 1.0])
    want = [[0.0, 2.0 + 0.1 * (0.5 - L_closed(1.5) * 0.5)],
            [0.1 * (0.5 - L_closed(1.0)), 0.0]]
    assert_allclose(got, want, rtol=1e-15, atol=1e-17)


def test_learning_rule_on_three_nodes_by_hand():
    J = np.array([[0.0, 0.5, -0.2], [0.1, 0.0, 0.3], [-0.4, 0.6, 0.0]])
    old = np.array([0.2, -0.5, 0.9])
    new = np.array([0.7, -0.1, -0.3])
    alpha = 0.05
    h = [sum(J[i, j] * old[j] for j in range(3)) for i in range(3)]
    want = J.copy()
    for i in range(3):
        for j in range(3):
            if i != j:
                want[i, j] += alpha * (new[i] * new[j] - L_closed(h[i]) * new[j])
    got = ref.learning_step(J, new, J @ old, learning_rate=alpha)
    assert_allclose(got, want, rtol=0, atol=1e-15)
    assert np.max(np.abs(got - J)) > 1e-3
    # the step with that new state (deterministic, so new = L(iT (b + h))) learns the same
    bias = np.array([0.3, -1.0, 0.5])
    x_new, J_new = ref.step(J, old, bias, inverse_temperature=2.0, learning_rate=alpha,
                            stochastic=False)
    assert_allclose(x_new, [L_closed(2.0 * (bias[i] + h[i])) for i in range(3)], rtol=1e-14)
    assert_allclose(J_new, ref.learning_step(J, x_new, J @ old, learning_rate=alpha), atol=1e-16)


def cb_moments_by_quadrature(theta):
    """Mean and variance of the density proportional to exp(theta x) on [-1, 1], integrated
    numerically. The integrals are folded onto [0, 1] (x and -x together: cosh for the even
    moments, sinh for the mean, so that the mean does not cancel for small theta) and scaled by
    exp(-|theta|) (nothing overflows)."""
    s = math.exp(-abs(theta))
    parts = (lambda x: s * math.cosh(theta * x),                       # density (unnormalised)
             lambda x: s * x * math.sinh(theta * x),                   # x times it
             lambda x: s * x * x * math.cosh(theta * x))               # x^2 times it
    z, m1, m2 = (integrate.quad(f, 0, 1, epsabs=0, epsrel=1e-13, limit=200)[0] for f in parts)
    return m1 / z, m2 / z - (m1 / z) ** 2


THETAS = np.array([-40.0, -3.0, -0.2, 1e-3, 0.7, 5.0, 40.0])


def test_posterior_mean_matches_quadrature():
    """Deterministic inference sets each node to the mean of CB(iT (b + J x)): compared with
    numerical integration of the density, for a coupled 3-node network and a range of evidence."""
    J = np.array([[0.0, 1.5, -1.0], [0.7, 0.0, 0.8], [-1.0, 0.3, 0.0]])
    x = np.array([0.4, -0.6, 0.9])
    b = np.array([0.3, -0.2, 2.0])
    iT = 1.7
    got = ref.inference_step(J, x, b, inverse_temperature=iT, stochastic=False)
    theta = [iT * (b[i] + sum(J[i, j] * x[j] for j in range(3))) for i in range(3)]
    assert_allclose(got, [cb_moments_by_quadrature(t)[0] for t in theta], rtol=1e-10, atol=1e-14)
    # one node per evidence level, no coupling: the stationary posterior mean itself
    n = len(THETAS)
    got = ref.inference_step(np.zeros((n, n)), np.zeros(n), THETAS, stochastic=False)
    assert_allclose(got, [cb_moments_by_quadrature(t)[0] for t in THETAS], rtol=1e-10,
                    atol=1e-14)


def test_samples_have_the_quadrature_mean_and_variance():
    """Stochastic inference samples CB(iT theta): 4000 steps of uncoupled nodes (independent
    samples) have the mean and variance of the integrated density within 5 standard errors."""
    n, steps = len(THETAS), 4000
    S = ref.run(np.zeros((n, n)), np.zeros(n), THETAS, steps, rng=61).states
    for i, t in enumerate(THETAS):
        mean, var = cb_moments_by_quadrature(t)
        assert abs(S[:, i].mean() - mean) < 5 * math.sqrt(var / steps), t
        fourth = np.mean((S[:, i] - mean) ** 4)
        assert abs(S[:, i].var() - var) < 5 * math.sqrt((fourth - var ** 2) / steps) + 1e-12, t
    assert np.all(np.abs(S) <= 1.0)


def test_stochastic_step_is_the_inverse_cdf_by_hand():
    J = np.array([[0.0, 0.8], [-0.5, 0.0]])
    x = np.array([0.3, -0.9])
    b = np.array([0.2, 1.0])
    u = np.array([0.25, 0.9])
    got = ref.inference_step(J, x, b, inverse_temperature=1.5, uniforms=u)
    for i in range(2):
        th = 1.5 * (b[i] + J[i] @ x)
        by_hand = math.log(math.exp(-th) + u[i] * (math.exp(th) - math.exp(-th))) / th
        assert_allclose(got[i], by_hand, rtol=1e-13)


def test_sequential_sweep_by_hand():
    """Order (1, 0): node 1 sees the old x_0, then node 0 sees the new x_1."""
    J = np.array([[0.0, 1.2], [-0.7, 0.0]])
    x = np.array([0.5, -0.4])
    b = np.array([1.0, 2.0])
    iT = 1.5                    # (|iT theta| >= 0.7, where coth z - 1/z loses little to rounding)
    got, field = ref.sequential_inference_step(J, x, b, inverse_temperature=iT,
                                               stochastic=False, node_order=[1, 0])
    x1 = L_closed(iT * (b[1] - 0.7 * x[0]))
    x0 = L_closed(iT * (b[0] + 1.2 * x1))
    assert_allclose(got, [x0, x1], rtol=1e-14)
    assert_allclose(field, [1.2 * x1, -0.7 * x[0]], rtol=1e-15)
    # the synchronous step uses the old x_1 for node 0 instead
    sync = ref.inference_step(J, x, b, inverse_temperature=iT, stochastic=False)
    assert_allclose(sync, [L_closed(iT * (b[0] + 1.2 * x[1])), x1], rtol=1e-14)
    # learning after the sweep: each node's prediction is the field it saw
    _, J_new = ref.step(J, x, b, inverse_temperature=iT, learning_rate=0.1, stochastic=False,
                        schedule="sequential", node_order=[1, 0])
    assert_allclose(J_new, ref.learning_step(J, got, field, learning_rate=0.1), atol=1e-16)


def test_inputs_are_not_modified():
    J0, x0, bias = start(seed=81)
    args = [a.copy() for a in (J0, x0, bias)]
    U = np.random.default_rng(82).random(N)
    ref.step(J0, x0, bias, learning_rate=0.1, uniforms=U)
    ref.step(J0, x0, bias, learning_rate=0.1, schedule="sequential", rng=0)
    ref.run(J0, x0, bias, 5, learning_rate=0.1, rng=0, record=True)
    ref.learning_step(J0, x0, bias, learning_rate=0.1)
    for a, b in zip(args, (J0, x0, bias)):
        assert_array_equal(a, b)


# ---------------------------------------------------------------------------------------------
# Bad arguments


J4, X4, B4 = np.zeros((4, 4)), np.zeros(4), np.ones(4)
P4 = np.ones((2, 4))


def _train(**kw):
    args = dict(evidence=1.0, epochs=2, steps_per_epoch=2, inverse_temperature=1.0,
                learning_rate=0.01, rng=0)
    args.update(kw)
    return ref.train(J4, X4, P4, **args)


BAD = {
    "J not square": (ValueError, "J", lambda: ref.step(np.zeros((4, 5)), X4, B4)),
    "J 1-d": (ValueError, "J", lambda: ref.inference_step(np.zeros(4), X4, B4)),
    "J diagonal": (ValueError, "J", lambda: ref.run(np.eye(4), X4, B4, 2)),
    "J nan": (ValueError, "J", lambda: ref.step(np.full((4, 4), np.nan), X4, B4)),
    "J text": (TypeError, "J", lambda: ref.step("J", X4, B4)),
    "state shape": (ValueError, "state", lambda: ref.step(J4, np.zeros(3), B4)),
    "state outside [-1, 1]": (ValueError, "state", lambda: ref.inference_step(J4, 2 * B4, B4)),
    "state ragged": (TypeError, "state", lambda: ref.step(J4, [[0.0], [1.0, 2.0]], B4)),
    "bias shape": (ValueError, "bias", lambda: ref.step(J4, X4, np.ones(5))),
    "bias inf": (ValueError, "bias", lambda: ref.step(J4, X4, np.full(4, np.inf))),
    "run bias shape": (ValueError, "bias", lambda: ref.run(J4, X4, np.ones((3, 4)), 2)),
    "field shape": (ValueError, "field", lambda: ref.learning_step(J4, X4, np.ones(3),
                                                                     learning_rate=0.1)),
    "inverse_temperature zero": (ValueError, "inverse_temperature",
                                 lambda: ref.step(J4, X4, B4, inverse_temperature=0.0)),
    "inverse_temperature text": (TypeError, "inverse_temperature",
                                 lambda: ref.inference_step(J4, X4, B4, inverse_temperature="hot")),
    "learning_rate negative": (ValueError, "learning_rate",
                               lambda: ref.step(J4, X4, B4, learning_rate=-0.1)),
    "learning_rate missing value": (TypeError, "learning_rate",
                                    lambda: ref.learning_step(J4, X4, X4, learning_rate=None)),
    "learning_rate overflow": (ValueError, "learning_rate",
                               lambda: ref.run(J4, X4, 0 * B4, 50, learning_rate=1e308,
                                               inverse_temperature=1e-307, rng=0)),
    "stochastic": (TypeError, "stochastic", lambda: ref.step(J4, X4, B4, stochastic="yes")),
    "prediction": (ValueError, "prediction", lambda: ref.step(J4, X4, B4, prediction="both")),
    "prediction paper without bias": (ValueError, "bias",
                                      lambda: ref.learning_step(J4, X4, X4, learning_rate=0.1,
                                                                prediction="paper")),
    "schedule": (ValueError, "schedule", lambda: ref.run(J4, X4, B4, 2, schedule="gibbs")),
    "node_order without sequential": (ValueError, "node_order",
                                      lambda: ref.step(J4, X4, B4, node_order=np.arange(4))),
    "node_order repeated": (ValueError, "node_order",
                            lambda: ref.step(J4, X4, B4, schedule="sequential",
                                             node_order=[0, 0, 1, 2])),
    "node_order float": (TypeError, "node_order",
                         lambda: ref.sequential_inference_step(J4, X4, B4,
                                                               node_order=np.arange(4.0))),
    "node_order shape": (ValueError, "node_order",
                         lambda: ref.run(J4, X4, B4, 3, schedule="sequential",
                                         node_order=np.tile(np.arange(4), (2, 1)))),
    "uniforms shape": (ValueError, "uniforms",
                       lambda: ref.step(J4, X4, B4, uniforms=np.full(3, .5))),
    "uniforms above 1": (ValueError, "uniforms", lambda: ref.step(J4, X4, B4, uniforms=1.5 * B4)),
    "uniforms nan": (ValueError, "uniforms",
                     lambda: ref.inference_step(J4, X4, B4, uniforms=np.full(4, np.nan))),
    "uniforms when deterministic": (ValueError, "uniforms",
                                    lambda: ref.step(J4, X4, B4, stochastic=False,
                                                     uniforms=0.5 * B4)),
    "run uniforms shape": (ValueError, "uniforms",
                           lambda: ref.run(J4, X4, B4, 3, uniforms=np.full((2, 4), .5))),
    "rng text": (TypeError, "rng", lambda: ref.step(J4, X4, B4, rng="seed")),
    "rng negative": (ValueError, "rng", lambda: ref.run(J4, X4, B4, 2, rng=-1)),
    "steps zero": (ValueError, "steps", lambda: ref.run(J4, X4, B4, 0)),
    "steps float": (TypeError, "steps", lambda: ref.run(J4, X4, B4, 2.5)),
    "record": (TypeError, "record", lambda: ref.run(J4, X4, B4, 2, record="yes")),
    "patterns shape": (ValueError, "patterns", lambda: ref.train(J4, X4, np.ones((2, 5)),
                                                                 epochs=1, steps_per_epoch=1,
                                                                 inverse_temperature=1.0,
                                                                 learning_rate=0.0)),
    "evidence zero": (ValueError, "evidence", lambda: _train(evidence=0.0)),
    "epochs zero": (ValueError, "epochs", lambda: _train(epochs=0)),
    "steps_per_epoch float": (TypeError, "steps_per_epoch", lambda: _train(steps_per_epoch=1.5)),
    "order": (ValueError, "^order", lambda: _train(order="shuffled")),
    "train prediction": (ValueError, "prediction", lambda: _train(prediction="x")),
    "train uniforms shape": (ValueError, "uniforms", lambda: _train(uniforms=np.full((3, 4), .5))),
    "macro J not square": (ValueError, "J",
                           lambda: ref.macro_free_energy(np.zeros((3, 4)), X4, B4)),
    "macro state shape": (ValueError, "state", lambda: ref.macro_free_energy(J4, np.zeros(3), B4)),
    "macro bias nan": (ValueError, "bias",
                       lambda: ref.macro_free_energy(J4, X4, np.full(4, np.nan))),
    "macro overflow": (ValueError, "J",
                       lambda: ref.macro_free_energy(np.where(np.eye(4) == 0, 1e308, 0.0), B4, B4)),
    "field overflow": (ValueError, "J",
                       lambda: ref.step(np.where(np.eye(4) == 0, 1e308, 0.0), B4, B4, rng=0)),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_argument_raises_naming_it(case):
    exc, name, call = BAD[case]
    with pytest.raises(exc, match=name):
        call()


def test_train_checks_every_argument_before_drawing():
    """A bad argument is reported before the generator is advanced."""
    g = np.random.default_rng(91)
    with pytest.raises(ValueError, match="schedule"):
        ref.train(J4, X4, P4, epochs=3, steps_per_epoch=1, inverse_temperature=1.0,
                  learning_rate=0.0, schedule="gibbs", rng=g)
    assert g.random() == np.random.default_rng(91).random()
