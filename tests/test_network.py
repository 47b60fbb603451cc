"""Tests of fep_core.network, the attractor network of Spisak & Friston (2025).

The compiled engine (``fep_core._kernels``: numba, J stored transposed, the learning update fused
with the next field computation) is checked against the deliberately plain NumPy reference
:mod:`fep_core.reference`, which follows section 2 of the spec literally (and is itself checked
against hand computations and quadrature in ``test_reference.py``). Both are driven with the same
uniforms (and, for the sequential schedule, the same node order), so every state and every
coupling must agree to rounding over hundreds of steps.

Further checks, each against an independent computation:

* the learning rule: central finite differences of the node-wise objective ``A(u_i) - u_i sigma_i``
  give the paper's rule; and the exact way the reference step departs from that gradient;
* deterministic dynamics reach fixed points ``x = L(iT (b + J x))``, and a 2-cycle is reported as
  not converged;
* batched and single-network runs agree bit for bit, as do runs split into chunks, and the
  column-parallel kernel of one large network (its threshold lowered here);
* long runs and relaxations can be interrupted with Ctrl-C;
* symmetric / antisymmetric parts and the asymmetry measure;
* bad input raises a ValueError/TypeError naming the argument.

Every test runs with warnings as errors, so a RuntimeWarning (overflow, invalid value) fails it.
"""
from __future__ import annotations

import inspect

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from fep_core import cb, network, reference
from fep_core.network import (
    AttractorBatch,
    AttractorNetwork,
    antisymmetric_part,
    asymmetry,
    macro_vfe,
    symmetric_part,
)

from _helpers import (
    BATCH_ALPHA,
    BATCH_EVIDENCE,
    BATCH_IT,
    BATCH_SEEDS,
    patterns_for,
    random_coupling,
)

pytestmark = pytest.mark.filterwarnings("error")

N = 12                   # nodes in the reference comparisons
STEPS = 300              # steps in the reference comparisons
# Engine vs reference. The two sum h_i = sum_j J_ij x_j in different orders (the engine in index
# order, the reference with BLAS) and take exp/log from different implementations, so they differ
# by an ulp or so per step. In the regime below (|J_ij| ~ 0.3) the dynamics do not amplify that:
# measured differences <= 1e-14.
# (In a chaotic regime, e.g. J_ij ~ N(0, 3) at iT = 1, a 1-ulp difference grows to ~1e-9 within
# 300 steps; that is a property of the map, not of either implementation, so it is not tested.)
ATOL = 1e-12


# ---------------------------------------------------------------------------------------------
# Fixtures


def uniforms_for(steps, n, seed):
    U = np.random.default_rng(seed).random((steps, n))
    assert np.all((U > 0) & (U < 1))
    return U


def orders_for(steps, n, seed):
    g = np.random.default_rng(seed)
    return np.array([g.permutation(n) for _ in range(steps)])


# ---------------------------------------------------------------------------------------------
# 1-2. Engine vs reference


@pytest.mark.parametrize("iT", [0.05, 1.0, 7.0])
@pytest.mark.parametrize("schedule", ["synchronous", "sequential"])
@pytest.mark.parametrize("stochastic", [True, False])
def test_run_matches_reference(iT, schedule, stochastic):
    J0 = random_coupling(N, 0.3, seed=1)
    x0 = np.random.default_rng(2).uniform(-1, 1, N)
    bias = np.random.default_rng(3).normal(0.0, 1.0, N)
    alpha = 0.02
    U = uniforms_for(STEPS, N, seed=4) if stochastic else None
    orders = orders_for(STEPS, N, seed=5) if schedule == "sequential" else None

    net = AttractorNetwork(N, rng=0, coupling=J0)
    net.state = x0
    states = net.run(bias, STEPS, inverse_temperature=iT, learning_rate=alpha,
                     stochastic=stochastic, schedule=schedule, uniforms=U, node_order=orders)
    ref = reference.run(J0, x0, bias, STEPS, inverse_temperature=iT, learning_rate=alpha,
                        stochastic=stochastic, schedule=schedule, uniforms=U, node_order=orders)
    ref_states, ref_J = ref.states, ref.coupling

    assert states.shape == (STEPS, N)
    assert_allclose(states, ref_states, atol=ATOL, rtol=0)
    assert_allclose(net.J, ref_J, atol=ATOL, rtol=0)
    assert_array_equal(net.state, states[-1])
    assert_array_equal(np.diag(net.J), 0.0)
    # Not vacuous: learning moved J well beyond the tolerance, states stay in [-1, 1].
    assert np.max(np.abs(net.J - J0)) > 1e-3
    assert np.all(np.abs(states) <= 1.0)
    if stochastic:                      # the samples really vary from step to step
        assert np.max(np.std(states, axis=0)) > 0.01


def test_sequential_differs_from_synchronous():
    """The schedule matters (so the two reference branches above are really different)."""
    J0 = random_coupling(N, 0.3, seed=1)
    U = uniforms_for(20, N, seed=4)
    orders = orders_for(20, N, seed=5)
    runs = []
    for schedule in ["synchronous", "sequential"]:
        net = AttractorNetwork(N, rng=0, coupling=J0)
        runs.append(net.run(np.ones(N), 20, learning_rate=0.0, schedule=schedule, uniforms=U,
                            node_order=orders if schedule == "sequential" else None))
    assert np.max(np.abs(runs[0] - runs[1])) > 1e-3


@pytest.mark.parametrize("schedule", ["synchronous", "sequential"])
def test_no_learning_keeps_coupling(schedule):
    J0 = random_coupling(N, 0.3, seed=7)
    net = AttractorNetwork(N, rng=3, coupling=J0)
    net.run(np.ones(N), 50, learning_rate=0.0, schedule=schedule)
    assert_array_equal(net.J, J0)


@pytest.mark.parametrize("order", ["random", "sequential"])
@pytest.mark.parametrize("iT", [0.05, 1.0, 7.0])
def test_train_matches_reference(order, iT):
    P, epochs, spe, evidence, alpha = 3, 60, 5, 2.0, 0.01
    pats = patterns_for(P, N, seed=11)
    U = uniforms_for(epochs * spe, N, seed=12)

    net = AttractorNetwork(N, rng=13)
    trace = net.train(pats, evidence=evidence, epochs=epochs, steps_per_epoch=spe,
                      inverse_temperature=iT, learning_rate=alpha, order=order, record=True,
                      uniforms=U)
    idx = trace.pattern_index
    assert idx.shape == (epochs,)
    assert idx.min() >= 0 and idx.max() < P
    if order == "sequential":
        assert_array_equal(idx, np.arange(epochs) % P)
    else:
        assert set(idx) == set(range(P)) and not np.array_equal(idx, np.arange(epochs) % P)

    biases = np.array([evidence * pats[k] for k in idx for _ in range(spe)])
    ref = reference.run(np.zeros((N, N)), np.zeros(N), biases, epochs * spe, inverse_temperature=iT,
                        learning_rate=alpha, uniforms=U, record=True)
    states, J, ref_trace, ref_dj = ref.states, ref.coupling, ref.trace[:, :3], ref.trace[:, 3]
    assert_allclose(net.J, J, atol=ATOL, rtol=0)
    assert_allclose(net.state, states[-1], atol=ATOL, rtol=0)
    assert np.max(np.abs(J)) > 0.05
    for got, col in ((trace.vfe, 0), (trace.complexity, 1), (trace.accuracy, 2)):
        assert got.shape == (epochs * spe,)
        # VFE parts are O(1..100); they are sums of n terms computed in different orders.
        assert_allclose(got, ref_trace[:, col], rtol=1e-12, atol=1e-12)
    assert_allclose(trace.vfe, trace.complexity - trace.accuracy, rtol=1e-14, atol=1e-13)
    # ||dJ||_F comes from O(n) sums in the engine, from the full difference here.
    assert_allclose(trace.weight_change, ref_dj, rtol=1e-9, atol=1e-15)


def test_trace_equals_public_macro_vfe_after_each_step():
    """The recorded trace is macro_vfe(J, state, bias) after each step (network's own J)."""
    pats = patterns_for(2, N, seed=21)
    net = AttractorNetwork(N, rng=22)
    vfe = []
    for e in range(4):
        tr = net.train(pats[e % 2][None], evidence=3.0, epochs=1, steps_per_epoch=1,
                       inverse_temperature=0.5, learning_rate=0.05, record=True)
        vfe.append(tr.vfe[0])
        assert_allclose(tr.vfe[0], macro_vfe(net.J, net.state, 3.0 * pats[e % 2])[0],
                        rtol=1e-12, atol=1e-12)
        assert_allclose(net.vfe(3.0 * pats[e % 2]), tr.vfe[0], rtol=1e-14, atol=1e-14)


def test_macro_vfe_closed_form():
    """macro_vfe against the spec's formula, with a hand-written KL."""
    rng = np.random.default_rng(31)
    J = random_coupling(5, 0.5, 32)
    m = rng.uniform(-1, 1, 5)
    b = rng.normal(size=5)
    bq = b + J @ m
    A = lambda z: np.log(2 * np.sinh(z) / z)                       # noqa: E731
    L = lambda z: 1 / np.tanh(z) - 1 / z                            # noqa: E731
    kl = (bq - b) * L(bq) - A(bq) + A(b)
    acc = b @ L(bq) + L(bq) @ J @ L(bq)
    assert_allclose(macro_vfe(J, m, b), (kl.sum() - acc, kl.sum(), acc), rtol=1e-12)
    # zero coupling and zero state: no complexity, accuracy b . L(b)
    assert_allclose(macro_vfe(np.zeros((5, 5)), np.zeros(5), b), (-b @ L(b), 0.0, b @ L(b)),
                    rtol=1e-13, atol=1e-15)


def test_uniforms_come_from_the_seeded_stream():
    """Without explicit uniforms a run uses rng.random((steps, n)) (training: after the
    pattern choices), so the documented draw order is what reproducibility rests on."""
    bias = np.linspace(-1, 1, N)
    a = AttractorNetwork(N, rng=5)
    b = AttractorNetwork(N, rng=99)
    U = np.random.default_rng(5).random((40, N))
    assert_array_equal(a.run(bias, 40, learning_rate=0.01),
                       b.run(bias, 40, learning_rate=0.01, uniforms=U))
    assert_array_equal(a.J, b.J)

    pats = patterns_for(3, N, seed=6)
    g = np.random.default_rng(7)
    idx = g.integers(0, 3, size=10)
    U = g.random((30, N))
    c = AttractorNetwork(N, rng=7)
    tc = c.train(pats, epochs=10, steps_per_epoch=3, inverse_temperature=1.0, learning_rate=0.01)
    assert_array_equal(tc.pattern_index, idx)
    # replaying those choices and uniforms on a network with another seed gives the same J
    batch = AttractorBatch(1, N, rng=[99])
    batch.simulate(pats, idx[None], scale=1.0, steps_per_segment=3, inverse_temperature=1.0,
                   learning_rate=0.01, uniforms=U[None], record=None)
    assert_array_equal(batch.J[0], c.J)
    assert_array_equal(batch.state[0], c.state)


# ---------------------------------------------------------------------------------------------
# 3. The learning rule and its derivation


def node_objective(J, bias, x, sigma):
    """sum_i A(u_i) - u_i sigma_i with u = b + J x: the -log likelihood of sigma under CB(u)
    (up to the log base measure); its J-gradient gives the paper's learning rule."""
    u = bias + J @ x
    return np.sum(cb.log_partition(u) - u * sigma)


def finite_difference_gradient(f, J, eps=1e-5):
    """Central differences of f with respect to every off-diagonal J_ij.

    Error: truncation eps^2 |f'''| / 6 ~ 1e-11 plus rounding ~ 1e-16 |f| / eps ~ 1e-10 (|f| ~ 10):
    compare with atol 1e-8.
    """
    n = J.shape[0]
    G = np.zeros_like(J)
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            Jp, Jm = J.copy(), J.copy()
            Jp[i, j] += eps
            Jm[i, j] -= eps
            G[i, j] = (f(Jp) - f(Jm)) / (2 * eps)
    return G


def off_diagonal(M):
    M = np.array(M, dtype=float)
    np.fill_diagonal(M, 0.0)
    return M


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_learning_rule_is_gradient_of_node_objective(seed):
    n = 7
    rng = np.random.default_rng(seed)
    J = random_coupling(n, 0.8, seed + 10)
    bias = rng.normal(0, 2, n)
    x = rng.uniform(-1, 1, n)
    sigma = rng.uniform(-1, 1, n)
    G = finite_difference_gradient(lambda Jv: node_objective(Jv, bias, x, sigma), J)
    u = bias + J @ x
    analytic = off_diagonal(np.outer(cb.langevin(u) - sigma, x))
    assert np.max(np.abs(analytic)) > 0.1
    assert_allclose(G, analytic, atol=1e-8, rtol=0)
    # so -alpha * gradient is the paper's rule alpha (sigma_i x_j - L(u_i) x_j)
    alpha = 0.01
    paper = off_diagonal(alpha * (np.outer(sigma, x) - np.outer(cb.langevin(u), x)))
    assert_allclose(-alpha * G, paper, atol=1e-10, rtol=0)


@pytest.mark.parametrize("stochastic", [True, False])
def test_reference_step_versus_gradient(stochastic):
    """The engine's one-step dJ is alpha (x_new_i - L(h_i)) x_new_j with h = J x_old, no bias, no
    iT. That is -alpha times the gradient of a function mixing two states (prediction from the
    old state, presynaptic factor from the new one), not of the node objective at one state."""
    n, alpha, iT = 8, 0.01, 0.5
    rng = np.random.default_rng(41)
    J0 = random_coupling(n, 0.6, 42)
    x_old = rng.uniform(-1, 1, n)
    bias = rng.normal(0, 1.5, n)
    net = AttractorNetwork(n, rng=43, coupling=J0)
    net.state = x_old
    U = rng.random((1, n)) if stochastic else None
    x_new = net.run(bias, 1, inverse_temperature=iT, learning_rate=alpha, stochastic=stochastic,
                    uniforms=U)[0]
    dJ = net.J - J0
    h = J0 @ x_old

    # exactly this form (rounding of J0 + dJ - J0 only)
    rule = off_diagonal(alpha * np.outer(x_new - cb.langevin(h), x_new))
    assert_allclose(dJ, rule, atol=1e-15, rtol=0)

    # ... which is -alpha * gradient of G(J') = sum_i A(h_i + ((J' - J0) x_new)_i) - (...) x_new_i
    def mixed(Jv):
        u = h + (Jv - J0) @ x_new
        return np.sum(cb.log_partition(u) - u * x_new)

    assert_allclose(dJ, -alpha * finite_difference_gradient(mixed, J0), atol=1e-10, rtol=0)

    # ... and not -alpha * gradient of the node objective at one consistent state:
    consistent = {
        # the paper's eq. 25 at the new state: u = b + J x_new
        "new state": node_objective_grad(J0, bias, x_new, x_new),
        # the paper's theta_i = b_i + sum_j J_ij sigma_j with the old state, factor x_old
        "old state": node_objective_grad(J0, bias, x_old, x_new),
        # the precision-weighted parameter the state was drawn from
        "with iT": off_diagonal(np.outer(cb.langevin(iT * (bias + h)) - x_new, x_new)),
    }
    for name, grad in consistent.items():
        gap = np.max(np.abs(dJ - (-alpha * grad)))
        assert gap > 1e-4, name           # dJ itself is O(1e-2)
    # With the mixed form but the bias added to the prediction, the gap is exactly
    # alpha (L(b_i + h_i) - L(h_i)) x_new_j: nonzero because the bias is.
    with_bias = off_diagonal(alpha * np.outer(x_new - cb.langevin(bias + h), x_new))
    assert_allclose(dJ - with_bias,
                    off_diagonal(alpha * np.outer(cb.langevin(bias + h) - cb.langevin(h), x_new)),
                    atol=1e-15, rtol=0)
    assert np.max(np.abs(dJ - with_bias)) > 1e-3


def node_objective_grad(J, bias, x, sigma):
    """Analytic gradient (checked by finite differences above): (L(b + J x)_i - sigma_i) x_j."""
    return off_diagonal(np.outer(cb.langevin(bias + J @ x) - sigma, x))


def test_deterministic_unit_precision_zero_bias_does_not_learn():
    """At iT = 1, b = 0, the deterministic update sets x_new = L(h): the prediction is exact and
    dJ = 0 identically, from any state. With iT != 1 (or a bias) it does learn."""
    n = 9
    J0 = random_coupling(n, 0.7, 51)
    x0 = np.random.default_rng(52).uniform(-1, 1, n)
    net = AttractorNetwork(n, rng=0, coupling=J0)
    net.state = x0
    states = net.run(np.zeros(n), 30, inverse_temperature=1.0, learning_rate=0.1,
                     stochastic=False)
    assert_array_equal(net.J, J0)
    assert np.max(np.abs(states[0] - x0)) > 0.05          # the state did move
    net.state = x0
    net.run(np.zeros(n), 1, inverse_temperature=2.0, learning_rate=0.1, stochastic=False)
    assert np.max(np.abs(net.J - J0)) > 1e-3


# ---------------------------------------------------------------------------------------------
# 4. Deterministic dynamics and fixed points


def hebbian_coupling(n, strength, seed):
    p = np.sign(np.random.default_rng(seed).normal(size=(2, n)))
    J = strength / n * (p.T @ p)
    np.fill_diagonal(J, 0.0)
    return J, p


@pytest.mark.parametrize("iT", [0.5, 1.0, 3.0])
def test_relax_reaches_fixed_points(iT):
    n = 16
    J, p = hebbian_coupling(n, 6.0, seed=61)
    bias = 0.1 * np.random.default_rng(62).normal(size=n)
    net = AttractorNetwork(n, rng=0, coupling=J)
    starts = np.vstack([0.1 * p, -0.1 * p, np.random.default_rng(63).uniform(-1, 1, (2, n))])
    before = net.state.copy()
    res = net.relax(starts, inverse_temperature=iT, bias=bias, tol=1e-12, max_steps=5000)
    assert res.all_converged
    assert res.states.shape == (6, n) and res.steps.shape == (6,)
    assert np.all(res.steps >= 1) and np.all(res.steps < 5000)
    residual = res.states - cb.langevin(iT * (bias + res.states @ J.T))
    assert_allclose(residual, 0.0, atol=1e-9)
    assert_array_equal(net.state, before)                  # relax leaves the state alone
    if iT >= 1.0:          # strong coupling: a start near a stored pattern ends near it
        overlap = res.states[:2] @ p.T / n
        assert overlap[0, 0] > 0.5 and overlap[1, 1] > 0.5


def test_relax_agrees_with_deterministic_run():
    n = 10
    J = random_coupling(n, 0.4, 64)             # spectral radius * L'(0) < 1: a contraction
    bias = np.linspace(-1, 1, n)
    start = np.random.default_rng(65).uniform(-1, 1, n)
    net = AttractorNetwork(n, rng=0, coupling=J)
    res = net.relax(start, bias=bias, tol=1e-13, max_steps=2000)
    assert res.converged and res.states.shape == (n,)
    net.state = start
    run = net.run(bias, int(res.steps), stochastic=False)
    assert_allclose(run[-1], res.states, atol=1e-15, rtol=0)
    # a contraction has one fixed point: every start lands on it
    others = net.relax(np.random.default_rng(66).uniform(-1, 1, (5, n)), bias=bias, tol=1e-13)
    assert_allclose(others.states, np.broadcast_to(res.states, (5, n)), atol=1e-11)


def test_relax_from_fixed_point_takes_one_step():
    n = 6
    J = random_coupling(n, 0.3, 67)
    net = AttractorNetwork(n, rng=0, coupling=J)
    fixed = net.relax(np.zeros(n), tol=1e-15, max_steps=1000).states
    again = net.relax(fixed, tol=1e-12)
    assert again.converged and again.steps == 1


def test_relax_reports_non_convergence_when_steps_run_out():
    n = 6
    J = random_coupling(n, 0.3, 68)
    net = AttractorNetwork(n, rng=0, coupling=J)
    res = net.relax(np.full(n, 0.9), max_steps=1)
    assert not res.converged and res.steps == 1
    assert not res.all_converged


def test_two_cycle_never_converges():
    """Two nodes with a strong negative symmetric coupling, synchronous deterministic updates:
    x -> L(-w x) has slope -w/3 < -1 at 0, so from a symmetric start the state flips sign every
    step (a 2-cycle x* <-> -x* with x* = L(w x*))."""
    w = 10.0
    J = np.array([[0.0, -w], [-w, 0.0]])
    net = AttractorNetwork(2, rng=0, coupling=J)
    res = net.relax(np.array([0.5, 0.5]), max_steps=1000)
    assert not res.converged and res.steps == 1000
    x = res.states
    one = cb.langevin(J @ x)
    two = cb.langevin(J @ one)
    assert_allclose(two, x, atol=1e-12)                   # period 2 ...
    assert np.all(np.abs(one - x) > 1.0)                    # ... not a fixed point
    x_star = cb.inverse_langevin(abs(x[0])) / w             # x* = L(w x*)  <=>  L^-1(x*) = w x*
    assert_allclose(abs(x[0]), x_star, rtol=1e-9)
    odd = net.relax(np.array([0.5, 0.5]), max_steps=1001).states
    assert_allclose(odd, -x, atol=1e-12)
    # the antisymmetric start goes to the stable fixed point (x*, -x*) instead
    anti = net.relax(np.array([0.5, -0.5]), max_steps=1000)
    assert anti.converged
    assert_allclose(anti.states, [abs(x[0]), -abs(x[0])], atol=1e-9)


# ---------------------------------------------------------------------------------------------
# 5. Batches, seeds and chunking


SEEDS, B_IT, B_ALPHA, B_EVIDENCE = BATCH_SEEDS, BATCH_IT, BATCH_ALPHA, BATCH_EVIDENCE


@pytest.mark.parametrize("schedule", ["synchronous", "sequential"])
def test_batch_run_equals_single_runs(schedule):
    n, T = 10, 80
    J0 = random_coupling(n, 0.3, 71)
    bias = np.random.default_rng(72).normal(size=(3, n))
    batch = AttractorBatch(3, n, rng=list(SEEDS), coupling=J0)
    states = batch.run(bias, T, inverse_temperature=B_IT, learning_rate=B_ALPHA,
                       schedule=schedule)
    for k, seed in enumerate(SEEDS):
        net = AttractorNetwork(n, rng=seed, coupling=J0)
        single = net.run(bias[k], T, inverse_temperature=float(B_IT[k]),
                         learning_rate=float(B_ALPHA[k]), schedule=schedule)
        assert_array_equal(states[k], single)
        assert_array_equal(batch.J[k], net.J)
        assert_array_equal(batch.state[k], net.state)


@pytest.mark.parametrize("order", ["random", "sequential"])
@pytest.mark.parametrize("schedule", ["synchronous", "sequential"])
def test_batch_train_equals_single_trains(order, schedule):
    n = 10
    pats = patterns_for(4, n, seed=73)
    batch = AttractorBatch(3, n, rng=list(SEEDS))
    tb = batch.train(pats, evidence=B_EVIDENCE, epochs=40, steps_per_epoch=3,
                     inverse_temperature=B_IT, learning_rate=B_ALPHA, order=order,
                     schedule=schedule, record=True)
    assert tb.vfe.shape == (3, 120) and tb.pattern_index.shape == (3, 40)
    for k, seed in enumerate(SEEDS):
        net = AttractorNetwork(n, rng=seed)
        ts = net.train(pats, evidence=float(B_EVIDENCE[k]), epochs=40, steps_per_epoch=3,
                       inverse_temperature=float(B_IT[k]), learning_rate=float(B_ALPHA[k]),
                       order=order, schedule=schedule, record=True)
        for field in ("pattern_index", "vfe", "complexity", "accuracy", "weight_change"):
            assert_array_equal(getattr(tb, field)[k], getattr(ts, field), err_msg=field)
        assert_array_equal(batch.J[k], net.J)
        assert_array_equal(batch.state[k], net.state)
    assert_array_equal(tb.weight_change[0], 0.0)         # alpha = 0 network
    assert_array_equal(batch.J[0], 0.0)


def test_batch_relax_equals_single_relax():
    n = 8
    J = np.stack([random_coupling(n, 1.5, s) for s in (81, 82)])
    starts = np.random.default_rng(83).uniform(-1, 1, (4, n))
    batch = AttractorBatch(2, n, rng=0, coupling=J)
    res = batch.relax(starts, inverse_temperature=np.array([0.5, 2.0]), max_steps=300)
    for k, iT in enumerate([0.5, 2.0]):
        single = AttractorNetwork(n, rng=0, coupling=J[k]).relax(starts, inverse_temperature=iT,
                                                                max_steps=300)
        assert_array_equal(res.states[k], single.states)
        assert_array_equal(res.steps[k], single.steps)
        assert_array_equal(res.converged[k], single.converged)


def _train_and_run(seed, n=10):
    net = AttractorNetwork(n, rng=seed)
    tr = net.train(patterns_for(3, n, seed=91), evidence=2.0, epochs=20, steps_per_epoch=4,
                   inverse_temperature=1.0, learning_rate=0.01, record=True)
    states = net.run(np.zeros(n), 30, schedule="sequential", learning_rate=0.01)
    return tr, states, net.J.copy()


def test_same_seed_same_numbers_different_seed_different():
    a, b, c = _train_and_run(5), _train_and_run(5), _train_and_run(6)
    assert_array_equal(a[0].pattern_index, b[0].pattern_index)
    assert_array_equal(a[0].vfe, b[0].vfe)
    assert_array_equal(a[1], b[1])
    assert_array_equal(a[2], b[2])
    assert not np.array_equal(a[1], c[1])
    assert not np.array_equal(a[2], c[2])
    # a Generator works like its seed
    g = AttractorNetwork(10, rng=np.random.default_rng(5))
    assert_array_equal(g.run(np.ones(10), 5), AttractorNetwork(10, rng=5).run(np.ones(10), 5))


def test_batch_seed_spawns_distinct_streams():
    batch = AttractorBatch(2, 6, rng=1)
    s = batch.run(np.zeros(6), 10)
    assert not np.array_equal(s[0], s[1])
    again = AttractorBatch(2, 6, rng=1).run(np.zeros(6), 10)
    assert_array_equal(s, again)


def _everything(schedule):
    n = 7
    pats = patterns_for(3, n, seed=95)
    batch = AttractorBatch(2, n, rng=[1, 2], coupling=random_coupling(n, 0.3, 96))
    tr = batch.train(pats, evidence=np.array([1.0, 3.0]), epochs=7, steps_per_epoch=3,
                     inverse_temperature=np.array([0.5, 2.0]), learning_rate=0.02,
                     schedule=schedule, record=True)
    states = batch.run(np.ones(n), 11, learning_rate=0.01, schedule=schedule)
    means = batch.simulate(pats, np.array([0, 2, 1, 1, 0]), steps_per_segment=4,
                           learning_rate=0.01, schedule=schedule, record="means")
    return tr, states, means, batch.J.copy(), batch.state.copy()


@pytest.mark.parametrize("schedule", ["synchronous", "sequential"])
@pytest.mark.parametrize("budget", [1, 2 * 7 * 3 * 2])   # 1 segment per chunk; 2 (uneven tail)
def test_chunking_does_not_change_results(monkeypatch, schedule, budget):
    default = _everything(schedule)
    monkeypatch.setattr(network, "_CHUNK_BUDGET", budget)
    tiny = _everything(schedule)
    for field in ("pattern_index", "vfe", "complexity", "accuracy", "weight_change"):
        assert_array_equal(getattr(default[0], field), getattr(tiny[0], field), err_msg=field)
    for a, b in zip(default[1:], tiny[1:]):
        assert_array_equal(a, b)


def _everything_work(schedule, n=7):
    """Every recording, segments of 4 steps (so that small chunks split them)."""
    pats = patterns_for(3, n, seed=98)
    batch = AttractorBatch(2, n, rng=[5, 6], coupling=random_coupling(n, 0.3, 99))
    tr = batch.train(pats, evidence=np.array([1.0, 3.0]), epochs=5, steps_per_epoch=4,
                     inverse_temperature=np.array([0.5, 2.0]), learning_rate=0.02,
                     schedule=schedule, record=True)
    states = batch.run(np.ones(n), 9, learning_rate=0.01, schedule=schedule)
    means = batch.simulate(pats, np.array([0, 2, 1, 1, 0]), steps_per_segment=4,
                           learning_rate=0.01, schedule=schedule, record="means")
    relax = batch.relax(np.random.default_rng(100).uniform(-1, 1, (3, n)),
                        inverse_temperature=np.array([1.0, 3.0]), max_steps=50)
    return (tr.vfe, tr.complexity, tr.accuracy, tr.weight_change, states, means, relax.states,
            relax.steps, relax.converged, batch.J.copy(), batch.state.copy())


@pytest.mark.parametrize("schedule", ["synchronous", "sequential"])
@pytest.mark.parametrize("budget", [1, 3 * 2 * (7 * 7 + 32 * 7 + 256)])   # 1 step; 3 steps
def test_work_chunks_do_not_change_results(monkeypatch, schedule, budget):
    """Kernel calls of bounded work (chunks that split segments, and relaxations resumed call
    after call) give the same bits as one call."""
    default = _everything_work(schedule)
    monkeypatch.setattr(network, "_WORK_BUDGET", budget)        # the first call's steps
    monkeypatch.setattr(network, "_CALL_SECONDS", 0.0)          # then 1 step per call
    calls = []
    real = network.K.run_batch
    monkeypatch.setattr(network.K, "run_batch", lambda *a: calls.append(a[9]) or real(*a))
    small = _everything_work(schedule)
    work = network._step_work(7, sequential=schedule == "sequential")
    assert max(calls) == max(1, budget // (2 * work))       # (the calls without a trace)
    assert calls.count(1) >= 30
    for a, b in zip(default, small):
        assert_array_equal(a, b)


def test_calls_are_sized_by_the_time_they_take(monkeypatch):
    """A slow call shrinks the next one at once; a fast one at most doubles it."""
    monkeypatch.setattr(network, "_CALL_SECONDS", 0.05)
    calls = network._Calls(1000, cap=5000)
    assert calls.steps == 1000
    calls.took(1000, 1.0)                   # 1 ms a step: 50 steps fit
    assert calls.steps == 50
    calls.took(50, 0.001)                   # much faster: doubled, no more
    assert calls.steps == 100
    calls.took(100, 0.0)                    # (a clock that did not move)
    assert calls.steps == 200
    calls.took(200, 100.0)                  # never fewer than one step
    assert calls.steps == 1
    assert network._Calls(10 ** 9, cap=7).steps == 7 and network._Calls(0, cap=0).steps == 1


def test_simulate_means_are_segment_means():
    n = 6
    pats = patterns_for(2, n, seed=97)
    idx = np.array([[0, 1, 1, 0]])
    a = AttractorBatch(1, n, rng=[4])
    b = AttractorBatch(1, n, rng=[4])
    means = a.simulate(pats, idx, steps_per_segment=5, learning_rate=0.01, record="means")
    states = b.simulate(pats, idx, steps_per_segment=5, learning_rate=0.01, record="states")
    assert means.shape == (1, 4, n)
    assert_allclose(means[0], states[0].reshape(4, 5, n).mean(1), atol=1e-15, rtol=0)


# ---------------------------------------------------------------------------------------------
# 5b. One large network: the column-parallel kernel (threshold lowered to small networks here)


def _large_kernel_calls(monkeypatch, threshold=8):
    """Lower the large-network threshold; return the list that records each call's step count."""
    monkeypatch.setattr(network, "LARGE_NETWORK", threshold)
    calls = []
    real = network.K.run_large_segments
    monkeypatch.setattr(network.K, "run_large_segments",
                        lambda *a: calls.append(a[9]) or real(*a))
    return calls


def _one_network_everything(make, n, uniforms=None):
    net = make()
    pats = patterns_for(3, n, seed=121)
    out = []
    for record, prediction, order in ((True, "code", "random"), (False, "paper", "sequential"),
                                      (True, "paper", "random")):
        tr = net.train(pats, evidence=2.0, epochs=6, steps_per_epoch=3, inverse_temperature=0.7,
                       learning_rate=0.02, record=record, prediction=prediction, order=order,
                       uniforms=uniforms)
        tr = [getattr(tr, f) for f in ("pattern_index", "vfe", "complexity", "accuracy",
                                       "weight_change")]
        out += [np.squeeze(a) for a in tr] + [np.array(net.J), np.array(net.state)]
    b = net if isinstance(net, AttractorBatch) else net._batch
    out.append(b.simulate(pats, np.array([2, 0, 1]), steps_per_segment=5, learning_rate=0.01,
                          record="means")[0])
    out.append(b.simulate(pats, np.array([1, 2]), steps_per_segment=4, learning_rate=0.01,
                          stochastic=False, inverse_temperature=2.0, record="trace")[0])
    out.append(np.squeeze(net.run(pats[0], 7, learning_rate=0.01)))
    out += [np.array(net.J), np.array(net.state)]
    return out


@pytest.mark.parametrize("budget", [None, 3 * (13 * 13 + 32 * 13 + 256)])
def test_one_large_network_trains_with_the_column_parallel_kernel(monkeypatch, budget):
    """train, simulate and run of one network at or above LARGE_NETWORK use the column-parallel
    kernel, and give the bits of the batched kernel (the same network in a batch of two)."""
    n = 13
    J0 = random_coupling(n, 0.3, 122)
    ref = _one_network_everything(lambda: AttractorBatch(2, n, rng=[7, 8], coupling=J0), n)
    calls = _large_kernel_calls(monkeypatch)
    if budget is not None:
        monkeypatch.setattr(network, "_WORK_BUDGET", budget)
        monkeypatch.setattr(network, "_CALL_SECONDS", 0.0)
    got = _one_network_everything(lambda: AttractorNetwork(n, rng=7, coupling=J0), n)
    assert len(calls) >= 5
    if budget is not None:
        assert max(calls) == 3
    assert len(got) == len(ref)
    for k, (a, b) in enumerate(zip(got, ref)):
        b = b[0] if b.ndim == a.ndim + 1 else b
        assert_array_equal(a, b, err_msg=str(k))


def test_one_large_network_with_given_uniforms(monkeypatch):
    n = 11
    J0 = random_coupling(n, 0.3, 123)
    U = uniforms_for(18, n, seed=124)
    pats = patterns_for(3, n, seed=125)
    kw = dict(evidence=3.0, epochs=6, steps_per_epoch=3, inverse_temperature=0.5,
              learning_rate=0.02, record=True, uniforms=U)
    ref = AttractorBatch(2, n, rng=[1, 2], coupling=J0)
    tr_ref = ref.train(pats, **{**kw, "uniforms": np.stack([U, U])})
    calls = _large_kernel_calls(monkeypatch)
    net = AttractorNetwork(n, rng=1, coupling=J0)
    tr = net.train(pats, **kw)
    assert calls
    assert_array_equal(tr.vfe, tr_ref.vfe[0])
    assert_array_equal(tr.weight_change, tr_ref.weight_change[0])
    assert_array_equal(net.J, ref.J[0])


def test_train_record_defaults_agree():
    """AttractorNetwork.train and AttractorBatch.train have the same defaults (no trace)."""
    for name in ("record", "order", "schedule", "prediction", "evidence", "progress"):
        a = inspect.signature(AttractorNetwork.train).parameters[name].default
        b = inspect.signature(AttractorBatch.train).parameters[name].default
        assert a == b, name
    tr = AttractorNetwork(5, rng=0).train(np.ones((2, 5)), epochs=3, steps_per_epoch=2,
                                         inverse_temperature=1.0, learning_rate=0.01)
    assert tr.vfe.shape == (0,) and tr.pattern_index.shape == (3,)


# ---------------------------------------------------------------------------------------------
# 5c. Ctrl-C during a long run








def test_ctrl_c_interrupts_a_long_relax(ctrl_c):
    """The 2-cycle never converges: a relaxation runs max_steps steps. Sized (on this machine)
    to take 6 s in one compiled call, it must stop within a fraction of a second of Ctrl-C."""
    net = AttractorNetwork(2, rng=0, coupling=np.array([[0.0, -10.0], [-10.0, 0.0]]))
    start = np.array([0.5, 0.5])
    steps = ctrl_c.steps_taking(6.0, lambda k: net.relax(start, max_steps=k), k=10_000)
    assert ctrl_c.seconds_to_interrupt(lambda: net.relax(start, max_steps=steps)) < 2.0
    assert not net.relax(start, max_steps=1001).converged        # still usable


def test_ctrl_c_interrupts_a_long_training_epoch(ctrl_c, locks_free):
    """One epoch of many steps (one segment): it must not be one uninterruptible compiled call."""
    n = 150
    net = AttractorNetwork(n, rng=0)
    pats = patterns_for(2, n, seed=126)

    def train(k):
        net.train(pats, epochs=1, steps_per_epoch=k, inverse_temperature=1.0,
                  learning_rate=0.001)

    steps = ctrl_c.steps_taking(6.0, train, k=200)
    assert ctrl_c.seconds_to_interrupt(lambda: train(steps)) < 2.0
    assert all(locks_free(net._batch._rngs))          # the generator is not left locked
    assert np.all(np.isfinite(net.J)) and np.all(np.diagonal(net.J) == 0)
    assert np.all(np.isfinite(net.run(pats[0], 3)))


# ---------------------------------------------------------------------------------------------
# 6. Symmetric and antisymmetric parts


def test_symmetric_antisymmetric_decomposition():
    J = random_coupling(9, 1.0, 101)
    S, A = symmetric_part(J), antisymmetric_part(J)
    assert_allclose(S + A, J, atol=1e-15, rtol=0)
    assert_array_equal(S, S.T)
    assert_array_equal(A, -A.T)
    expected = np.sqrt(np.sum((J - J.T) ** 2)) / np.sqrt(np.sum(J ** 2))
    assert_allclose(asymmetry(J), expected, rtol=1e-14)
    assert isinstance(asymmetry(J), float)
    assert asymmetry(S) == 0.0
    assert_allclose(asymmetry(A), 2.0, rtol=1e-15)        # purely antisymmetric: the maximum
    # batched (..., n, n)
    stack = np.stack([J, S, A, np.zeros_like(J)])
    assert_allclose(asymmetry(stack), [expected, 0.0, 2.0, 0.0], rtol=1e-14)
    assert_allclose(symmetric_part(stack)[0], S, rtol=0, atol=0)
    net = AttractorNetwork(9, rng=0, coupling=J)
    assert_allclose(net.asymmetry(), expected, rtol=1e-14)
    assert_array_equal(net.symmetric_part() + net.antisymmetric_part(), S + A)


def test_coupling_functions_of_huge_and_tiny_matrices_are_finite():
    """||J - J^T|| and ||J|| overflow (huge J) or underflow to 0 (tiny J) in double precision;
    the ratio does not depend on the scale, so it must not become NaN, or 0 ("symmetric")."""
    J = random_coupling(6, 1.0, 105)
    expected = asymmetry(J)
    for scale in (1e300, 2.0 ** 1000, 1e-300, 5e-310):
        assert_allclose(asymmetry(scale * J), expected, rtol=1e-12)
    assert_allclose(asymmetry(np.stack([1e300 * J, J, np.zeros_like(J)])), [expected, expected, 0])
    huge = np.finfo(float).max * np.sign(J)
    for part, sign in ((symmetric_part, 1), (antisymmetric_part, -1)):
        got = part(huge)
        assert np.all(np.isfinite(got))
        assert_allclose(got, 0.5 * huge + sign * 0.5 * huge.T, rtol=1e-15)


def test_asymmetry_of_zero_coupling_is_zero():
    assert asymmetry(np.zeros((4, 4))) == 0.0
    assert AttractorNetwork(4, rng=0).asymmetry() == 0.0
    assert_array_equal(symmetric_part(np.zeros((4, 4))), 0.0)
    assert_array_equal(AttractorBatch(3, 4, rng=0).asymmetry(), [0.0, 0.0, 0.0])


def test_sequence_training_builds_asymmetry():
    """Cyclic presentation with one step per epoch (Simulation 3) makes J asymmetric;
    random presentation of the same patterns with longer epochs much less so."""
    n = 12
    pats = patterns_for(3, n, seed=102)
    seq = AttractorNetwork(n, rng=1)
    seq.train(pats, evidence=3.0, epochs=600, steps_per_epoch=1, inverse_temperature=1.0,
              learning_rate=0.01, order="sequential", record=False)
    rnd = AttractorNetwork(n, rng=1)
    rnd.train(pats, evidence=3.0, epochs=60, steps_per_epoch=10, inverse_temperature=1.0,
              learning_rate=0.01, order="random", record=False)
    assert seq.asymmetry() > rnd.asymmetry() + 0.2


# ---------------------------------------------------------------------------------------------
# 7. Bad input


def _net(n=4, **kw):
    return AttractorNetwork(n, rng=0, **kw)


def _train(net, pats=None, **kw):
    args = dict(evidence=1.0, epochs=2, steps_per_epoch=2, inverse_temperature=1.0,
                learning_rate=0.01)
    args.update(kw)
    return net.train(np.ones((2, net.n_nodes)) if pats is None else pats, **args)


B4 = np.ones(4)
DIAG = np.eye(4)
ORD = np.tile(np.arange(4), (3, 1))
NAN = np.array([0.0, np.nan, 0.0, 0.0])
INF = np.array([0.0, np.inf, 0.0, 0.0])

BAD = {
    # shapes
    "bias shape": (ValueError, "bias", lambda: _net().run(np.ones(5), 3)),
    "bias shape batch": (ValueError, "bias", lambda: AttractorBatch(2, 4).run(np.ones((3, 4)), 3)),
    "relax bias shape": (ValueError, "bias", lambda: _net().relax(B4, bias=np.ones(3))),
    "patterns shape": (ValueError, "patterns", lambda: _train(_net(), np.ones((2, 5)))),
    "patterns 1-d": (ValueError, "patterns", lambda: _train(_net(), np.ones(4))),
    "patterns empty": (ValueError, "patterns", lambda: _train(_net(), np.ones((0, 4)))),
    "coupling shape": (ValueError, "coupling", lambda: _net(coupling=np.zeros((4, 5)))),
    "coupling shape setter": (ValueError, "coupling", lambda: setattr(_net(), "J", np.zeros(4))),
    "coupling batch shape": (ValueError, "coupling",
                             lambda: AttractorBatch(2, 4, coupling=np.zeros((3, 4, 4)))),
    "uniforms shape": (ValueError, "uniforms",
                       lambda: _net().run(B4, 3, uniforms=np.full((2, 4), .5))),
    "uniforms width": (ValueError, "uniforms",
                       lambda: _net().run(B4, 3, uniforms=np.full((3, 5), .5))),
    "train uniforms shape": (ValueError, "uniforms",
                             lambda: _train(_net(), uniforms=np.full((3, 4), .5))),
    "start shape": (ValueError, "start", lambda: _net().relax(np.zeros(5))),
    "start batch shape": (ValueError, "start",
                          lambda: AttractorBatch(2, 4).relax(np.zeros((3, 1, 4)))),
    "node_order shape": (ValueError, "node_order",
                         lambda: _net().run(B4, 3, schedule="sequential", node_order=ORD[:2])),
    "state shape": (ValueError, "state", lambda: setattr(_net(), "state", np.zeros(5))),
    "macro_vfe state": (ValueError, "state",
                        lambda: macro_vfe(np.zeros((3, 3)), np.zeros(4), np.zeros(3))),
    "macro_vfe bias": (ValueError, "bias",
                       lambda: macro_vfe(np.zeros((3, 3)), np.zeros(3), np.zeros(4))),
    "macro_vfe J": (ValueError, "J", lambda: macro_vfe(np.zeros(3), np.zeros(3), np.zeros(3))),
    # non-finite values
    "patterns nan": (ValueError, "patterns", lambda: _train(_net(), np.vstack([B4, NAN]))),
    "patterns inf": (ValueError, "patterns", lambda: _train(_net(), np.vstack([B4, INF]))),
    "bias nan": (ValueError, "bias", lambda: _net().run(NAN, 3)),
    "bias inf": (ValueError, "bias", lambda: _net().run(-INF, 3)),
    "relax bias nan": (ValueError, "bias", lambda: _net().relax(B4, bias=NAN)),
    "coupling nan": (ValueError, "coupling", lambda: _net(coupling=np.diag(NAN)[::-1])),
    "coupling inf": (ValueError, "coupling",
                     lambda: setattr(_net(), "J", np.where(DIAG == 0, np.inf, 0.0))),
    "start nan": (ValueError, "start", lambda: _net().relax(NAN)),
    "state nan": (ValueError, "state", lambda: setattr(_net(), "state", NAN)),
    "state outside [-1, 1]": (ValueError, "state", lambda: setattr(_net(), "state", 1.5 * B4)),
    "uniforms nan": (ValueError, "uniforms",
                     lambda: _net().run(B4, 1, uniforms=np.array([[0.5, np.nan, 0.5, 0.5]]))),
    "evidence nan": (ValueError, "evidence", lambda: _train(_net(), evidence=float("nan"))),
    "inverse_temperature inf": (ValueError, "inverse_temperature",
                                lambda: _net().run(B4, 2, inverse_temperature=float("inf"))),
    # self-connections
    "coupling diagonal": (ValueError, "coupling", lambda: _net(coupling=0.1 * DIAG)),
    "coupling diagonal setter": (ValueError, "coupling",
                                 lambda: setattr(_net(), "J", np.full((4, 4), 0.2))),
    # learning rate and precision
    "learning_rate negative run": (ValueError, "learning_rate",
                                   lambda: _net().run(B4, 2, learning_rate=-0.1)),
    "learning_rate negative train": (ValueError, "learning_rate",
                                     lambda: _train(_net(), learning_rate=-1e-9)),
    "learning_rate batch negative": (ValueError, "learning_rate",
                                     lambda: AttractorBatch(2, 4).run(
                                         B4, 2, learning_rate=np.array([0.1, -0.1]))),
    "learning_rate batch shape": (ValueError, "learning_rate",
                                  lambda: AttractorBatch(2, 4).run(B4, 2,
                                                                   learning_rate=np.zeros(3))),
    "learning_rate array for one network": (TypeError, "learning_rate",
                                            lambda: _net().run(B4, 2, learning_rate=np.zeros(1))),
    "inverse_temperature zero run": (ValueError, "inverse_temperature",
                                     lambda: _net().run(B4, 2, inverse_temperature=0.0)),
    "inverse_temperature negative run": (ValueError, "inverse_temperature",
                                         lambda: _net().run(B4, 2, inverse_temperature=-1.0)),
    "inverse_temperature zero train": (ValueError, "inverse_temperature",
                                       lambda: _train(_net(), inverse_temperature=0.0)),
    "inverse_temperature negative train": (ValueError, "inverse_temperature",
                                           lambda: _train(_net(), inverse_temperature=-0.5)),
    "inverse_temperature zero relax": (ValueError, "inverse_temperature",
                                       lambda: _net().relax(B4 * 0, inverse_temperature=0)),
    "inverse_temperature negative batch": (ValueError, "inverse_temperature",
                                           lambda: AttractorBatch(2, 4).run(
                                               B4, 2, inverse_temperature=np.array([1.0, -1.0]))),
    "inverse_temperature string": (TypeError, "inverse_temperature",
                                   lambda: _net().run(B4, 2, inverse_temperature="hot")),
    "evidence zero": (ValueError, "evidence", lambda: _train(_net(), evidence=0.0)),
    "evidence negative batch": (ValueError, "evidence",
                                lambda: _train(AttractorBatch(2, 4),
                                               evidence=np.array([1.0, -2.0]))),
    # counts
    "steps zero": (ValueError, "steps", lambda: _net().run(B4, 0)),
    "steps negative": (ValueError, "steps", lambda: _net().run(B4, -3)),
    "steps float": (TypeError, "steps", lambda: _net().run(B4, 2.5)),
    "epochs zero": (ValueError, "epochs", lambda: _train(_net(), epochs=0)),
    "epochs float": (TypeError, "epochs", lambda: _train(_net(), epochs=2.0)),
    "steps_per_epoch zero": (ValueError, "steps_per_epoch",
                             lambda: _train(_net(), steps_per_epoch=0)),
    "max_steps zero": (ValueError, "max_steps", lambda: _net().relax(B4 * 0, max_steps=0)),
    "tol zero": (ValueError, "tol", lambda: _net().relax(B4 * 0, tol=0.0)),
    "n_nodes zero": (ValueError, "n_nodes", lambda: AttractorNetwork(0)),
    "n_networks zero": (ValueError, "n_networks", lambda: AttractorBatch(0, 3)),
    "n_nodes float": (TypeError, "n_nodes", lambda: AttractorNetwork(3.0)),
    # uniforms outside (0, 1)
    "uniforms 0": (ValueError, "uniforms",
                   lambda: _net().run(B4, 1, uniforms=np.array([[0.5, 0.0, 0.5, 0.5]]))),
    "uniforms 1": (ValueError, "uniforms",
                   lambda: _net().run(B4, 1, uniforms=np.array([[0.5, 1.0, 0.5, 0.5]]))),
    "uniforms negative": (ValueError, "uniforms",
                          lambda: _net().run(B4, 1, uniforms=np.full((1, 4), -0.2))),
    "uniforms above 1": (ValueError, "uniforms",
                         lambda: _net().run(B4, 1, uniforms=np.full((1, 4), 1.2))),
    "uniforms 0 in train": (ValueError, "uniforms",
                            lambda: _train(_net(), uniforms=np.zeros((4, 4)))),
    "uniforms when deterministic": (ValueError, "uniforms",
                                    lambda: _net().run(B4, 1, stochastic=False,
                                                       uniforms=np.full((1, 4), .5))),
    # choices
    "schedule": (ValueError, "schedule", lambda: _net().run(B4, 2, schedule="gibbs")),
    "schedule train": (ValueError, "schedule", lambda: _train(_net(), schedule="async")),
    "order": (ValueError, "^order", lambda: _train(_net(), order="shuffled")),
    "stochastic": (TypeError, "stochastic", lambda: _net().run(B4, 2, stochastic="yes")),
    # node order
    "node_order repeated": (ValueError, "node_order",
                            lambda: _net().run(B4, 3, schedule="sequential",
                                               node_order=np.array([[0, 1, 2, 3], [0, 0, 2, 3],
                                                                    [3, 2, 1, 0]]))),
    "node_order out of range": (ValueError, "node_order",
                                lambda: _net().run(B4, 3, schedule="sequential",
                                                   node_order=ORD + 1)),
    "node_order negative": (ValueError, "node_order",
                            lambda: _net().run(B4, 3, schedule="sequential", node_order=ORD - 1)),
    "node_order float": (ValueError, "node_order",
                         lambda: _net().run(B4, 3, schedule="sequential",
                                            node_order=ORD.astype(float))),
    # rng
    "rng string": (TypeError, "rng", lambda: AttractorNetwork(4, rng="seed")),
    "rng float": (TypeError, "rng", lambda: AttractorNetwork(4, rng=1.5)),
    "rng list for one network": (TypeError, "rng", lambda: AttractorNetwork(4, rng=[1, 2])),
    "rng negative": (ValueError, "rng", lambda: AttractorNetwork(4, rng=-1)),
    "rng array": (TypeError, "rng", lambda: AttractorBatch(2, 4, rng=np.array([1, 2]))),
    "rng wrong count": (ValueError, "rng", lambda: AttractorBatch(2, 4, rng=[1, 2, 3])),
    "rng bad entry": (TypeError, "rng", lambda: AttractorBatch(2, 4, rng=[1, "x"])),
    "rng legacy RandomState": (TypeError, "rng",
                               lambda: AttractorNetwork(4, rng=np.random.RandomState(0))),
    # simulate
    "segment_index float": (TypeError, "segment_index",
                            lambda: AttractorBatch(1, 4).simulate(np.ones((2, 4)),
                                                                  np.array([0.0, 1.0]))),
    "segment_index out of range": (ValueError, "segment_index",
                                   lambda: AttractorBatch(1, 4).simulate(np.ones((2, 4)),
                                                                         np.array([0, 2]))),
    "scale negative": (ValueError, "scale",
                       lambda: AttractorBatch(1, 4).simulate(np.ones((2, 4)), [0], scale=-1.0)),
    "record not a bool in train": (TypeError, "record", lambda: _train(_net(), record="trace")),
    # functions of a coupling matrix
    "asymmetry nan": (ValueError, "J", lambda: asymmetry(np.diag(NAN)[::-1])),
    "asymmetry inf": (ValueError, "J", lambda: asymmetry(np.where(DIAG == 0, np.inf, 0.0))),
    "asymmetry not square": (ValueError, "J", lambda: asymmetry(np.ones((3, 4)))),
    "asymmetry 1-d": (ValueError, "J", lambda: asymmetry(B4)),
    "asymmetry scalar": (ValueError, "J", lambda: asymmetry(1.0)),
    "asymmetry empty": (ValueError, "J", lambda: asymmetry(np.zeros((0, 0)))),
    "asymmetry stack nan": (ValueError, "J",
                            lambda: asymmetry(np.stack([DIAG * 0, np.diag(NAN)[::-1]]))),
    "asymmetry text": (TypeError, "J", lambda: asymmetry("J")),
    "symmetric_part nan": (ValueError, "J", lambda: symmetric_part(np.diag(NAN)[::-1])),
    "symmetric_part not square": (ValueError, "J", lambda: symmetric_part(np.ones((2, 3)))),
    "antisymmetric_part inf": (ValueError, "J",
                               lambda: antisymmetric_part(np.where(DIAG == 0, -np.inf, 0.0))),
    "antisymmetric_part 1-d": (ValueError, "J", lambda: antisymmetric_part(B4)),
    # finite, but so large that fields, couplings or the VFE overflow (silent NaN before)
    "coupling too large": (ValueError, "coupling",
                           lambda: _net(coupling=np.where(DIAG == 0, 1e300, 0.0))),
    "coupling too large setter": (ValueError, "coupling",
                                  lambda: setattr(_net(), "J", np.where(DIAG == 0, -1e308, 0.0))),
    "macro_vfe overflow": (ValueError, "J",
                           lambda: macro_vfe(np.where(DIAG == 0, 1e308, 0.0), B4, B4)),
    "vfe overflow": (ValueError, "bias", lambda: _net().vfe(np.full(4, 1e308))),
    "learning_rate overflow": (ValueError, "learning_rate",
                               lambda: _net().run(B4 * 0, 50, learning_rate=1e308,
                                                  inverse_temperature=1e-307)),
    "learning_rate overflow train": (ValueError, "learning_rate",
                                     lambda: _train(_net(), learning_rate=1e308, epochs=20)),
    "relax start overflow": (ValueError, "start",
                             lambda: _net(coupling=np.where(DIAG == 0, 1e299, 0.0)).relax(
                                 np.array([1e300, -1e300, 1e300, -1e300]))),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_input_raises_naming_argument(case):
    exc, name, call = BAD[case]
    with pytest.raises(exc, match=name):
        call()


def test_bad_input_leaves_network_unchanged():
    net = _net(coupling=random_coupling(4, 0.3, 111))
    net.state = np.full(4, 0.25)
    J, x = net.J.copy(), net.state.copy()
    for call in (lambda: net.run(B4, 3, uniforms=np.zeros((3, 4))),
                 lambda: net.run(B4, 3, schedule="sequential", node_order=ORD * 0),
                 lambda: _train(net, inverse_temperature=-1.0),
                 lambda: net.run(B4, 50, learning_rate=1e308, inverse_temperature=1e-307)):
        with pytest.raises(ValueError):
            call()
    assert_array_equal(net.J, J)
    assert_array_equal(net.state, x)


@pytest.mark.parametrize("schedule", ["synchronous", "sequential"])
def test_couplings_that_overflow_while_learning_raise(monkeypatch, schedule, locks_free):
    """With the check of the learning rate before a run switched off, the check after each
    kernel call still turns couplings that overflowed into an error, not NaN states."""
    monkeypatch.setattr(network, "_FIELD_LIMIT", np.inf)
    net = _net()
    with pytest.raises(ValueError, match="learning_rate"):
        net.run(np.zeros(4), 50, learning_rate=1e308, inverse_temperature=1e-307,
                schedule=schedule)
    assert all(locks_free(net._batch._rngs))


def test_batch_integer_state_is_used_as_float():
    """An integer state array must not make the kernel round new states to integers."""
    batch = AttractorBatch(1, 4, rng=0)
    batch.state = np.zeros((1, 4), dtype=int)
    states = batch.run(np.ones(4), 3, stochastic=False)
    assert_allclose(states[0, 0], cb.langevin(1.0), rtol=1e-15)
    assert batch.state.dtype == float


# ---------------------------------------------------------------------------------------------
# Engine defects found while writing these tests, fixed since: each is pinned as a plain test.


def test_batch_state_is_validated_shape():
    batch = AttractorBatch(1, 4, rng=0)
    with pytest.raises(ValueError, match="state"):
        batch.state = np.zeros((1, 7))
        # (not run: with a wrong shape the kernel would index past the end of x)


def test_batch_state_nan_rejected():
    batch = AttractorBatch(1, 4, rng=0)
    with pytest.raises(ValueError, match="state"):
        batch.state = np.full((1, 4), np.nan)
        batch.run(np.ones(4), 2)


def test_node_order_without_sequential_schedule_rejected():
    with pytest.raises(ValueError, match="node_order"):
        _net().run(B4, 3, node_order=ORD)


def test_macro_vfe_non_square_coupling_named():
    with pytest.raises(ValueError, match="J"):
        macro_vfe(np.zeros((3, 4)), np.zeros(4), np.zeros(3))


def test_relax_tol_array_named():
    with pytest.raises((TypeError, ValueError), match="tol"):
        _net().relax(B4 * 0, tol=np.array([1e-3, 1e-3]))


def test_unknown_record_named():
    with pytest.raises(ValueError, match="record"):
        AttractorBatch(1, 4).simulate(np.ones((2, 4)), [0], record="all")


def test_simulate_passes_writable_arrays_to_kernel(monkeypatch):
    seen = []
    monkeypatch.setattr(network.K, "run_batch",
                        lambda *args: seen.append([a.flags.writeable for a in args
                                                   if isinstance(a, np.ndarray)]))
    AttractorBatch(1, 4, rng=0).simulate(np.ones((2, 4)), np.array([0, 1]), record=None)
    assert seen and all(all(flags) for flags in seen)


# ---------------------------------------------------------------------------------------------
# Options and flags: only a valid option or a bool passes; anything else names the argument


_NOT_OPTIONS = [[], ["synchronous"], np.array(["sequential"]), np.zeros((0, 3)), 1, None,
                ("synchronous",)]


@pytest.mark.parametrize("value", _NOT_OPTIONS, ids=repr)
@pytest.mark.parametrize("arg, call", [
    ("schedule", lambda v: _net().run(B4, 3, schedule=v)),
    ("schedule", lambda v: _train(_net(), schedule=v)),
    ("order", lambda v: _train(_net(), order=v)),
    ("prediction", lambda v: _train(_net(), prediction=v)),
    ("record", lambda v: AttractorBatch(1, 4).simulate(np.ones((2, 4)), [0], record=v)),
])
def test_an_option_that_is_not_a_string_names_the_argument(arg, call, value):
    if arg == "record" and value is None:
        return                      # record=None is a valid option (record nothing)
    with pytest.raises((TypeError, ValueError), match=rf"^{arg} must be one of"):
        call(value)


@pytest.mark.parametrize("value", [1, 0, "yes", None, np.array([True]), np.zeros((0, 3))], ids=repr)
@pytest.mark.parametrize("arg, call", [
    ("progress", lambda v: _net().run(B4, 3, progress=v)),
    ("progress", lambda v: _train(_net(), progress=v)),
    ("stochastic", lambda v: _net().run(B4, 3, stochastic=v)),
    ("record", lambda v: _train(_net(), record=v)),
])
def test_a_flag_that_is_not_a_bool_names_the_argument(arg, call, value):
    with pytest.raises(TypeError, match=rf"^{arg} must be True or False"):
        call(value)


def test_numpy_bools_and_strings_are_valid_options():
    a = AttractorNetwork(4, rng=5).run(B4, 3, schedule=np.str_("sequential"), stochastic=np.True_,
                                       progress=np.False_)
    b = AttractorNetwork(4, rng=5).run(B4, 3, schedule="sequential")
    assert_array_equal(a, b)


@pytest.mark.parametrize("arg, call", [
    ("node_order", lambda: _net().run(B4, 3, schedule="sequential",
                                      node_order=[[0, 1, 2, 3], [0, 1]])),
    ("node_order", lambda: AttractorBatch(1, 4).run(B4, 2, schedule="sequential",
                                                    node_order=[[[0, 1, 2, 3], [0, 1]]])),
    ("segment_index", lambda: AttractorBatch(1, 4).simulate(np.ones((2, 4)), [[0, 1], [0]])),
    ("patterns", lambda: AttractorBatch(1, 4).simulate(np.zeros((0, 4)), [0])),
])
def test_ragged_or_empty_arrays_name_the_argument(arg, call):
    with pytest.raises((TypeError, ValueError), match=rf"^{arg}\b"):
        call()
