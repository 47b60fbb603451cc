"""Tests of fep_core.theory (the theory chapter's helpers) and its figures/callback.

Every helper is compared with an independent computation: finite differences, adaptive
quadrature (scipy), analytic integration over one node, brute-force loops, and the compiled engine
of fep_core.network for the reference learning step.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import integrate

from fep_core import cb, explore, theory as th
from fep_core.network import AttractorNetwork, symmetric_part
from fep_core.plotting import theory as plots

from _helpers import assert_labelled

pytestmark = pytest.mark.filterwarnings("error")

H = 1e-5                                     # central-difference step

BIAS = np.array([0.3, -0.2, 0.1])
J_SYM = np.array([[0.0, 1.5, -1.0], [1.5, 0.0, 0.8], [-1.0, 0.8, 0.0]])
STATE = np.array([0.5, 0.4, -0.7])


def _random_net(n, seed, scale=0.7, symmetric=True):
    rng = np.random.default_rng(seed)
    J = rng.normal(0, scale, (n, n))
    if symmetric:
        J = 0.5 * (J + J.T)
    np.fill_diagonal(J, 0)
    return J, rng.normal(0, 1, n), rng.uniform(-1, 1, n)


# ---------------------------------------------------------------------------------------------
# local evidence and the joint


def test_local_evidence_matches_loop():
    J, b, s = _random_net(5, 0, symmetric=False)
    ref = [b[i] + sum(J[i, j] * s[j] for j in range(5) if j != i) for i in range(5)]
    assert_allclose(th.local_evidence(b, J, s), ref, rtol=1e-14)


@pytest.mark.parametrize("pair_weight", [0.5, 1.0])
@pytest.mark.parametrize("iT", [0.1, 1.0, 4.0])
def test_log_joint_matches_double_sum(pair_weight, iT):
    J, b, _ = _random_net(4, 1, symmetric=False)
    pts = np.random.default_rng(2).uniform(-1, 1, (7, 4))
    ref = [iT * (sum(b[i] * x[i] for i in range(4))
                 + pair_weight * sum(J[i, j] * x[i] * x[j] for i in range(4) for j in range(4)))
           for x in pts]
    assert_allclose(th.log_joint(pts, b, J, inverse_temperature=iT, pair_weight=pair_weight), ref,
                    rtol=1e-13)
    # only the symmetric part enters
    assert_allclose(th.log_joint(pts, b, J, inverse_temperature=iT, pair_weight=pair_weight),
                    th.log_joint(pts, b, symmetric_part(J), inverse_temperature=iT,
                                 pair_weight=pair_weight), rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("node", [0, 1, 2])
@pytest.mark.parametrize("iT", [0.2, 1.0, 3.0])
def test_conditional_density_is_cb_of_local_evidence(node, iT):
    x = np.linspace(-1, 1, 41)
    theta = th.local_evidence(BIAS, J_SYM, STATE)[node]
    dens = th.conditional_density(x, node, STATE, BIAS, J_SYM, inverse_temperature=iT)
    assert_allclose(dens, cb.pdf(x, iT * theta), rtol=1e-12)
    # the independent route: normalise the joint along sigma_i with adaptive quadrature
    def joint(v):
        s = STATE.copy()
        s[node] = v
        return np.exp(th.log_joint(s, BIAS, J_SYM, inverse_temperature=iT))
    z = integrate.quad(joint, -1, 1, epsabs=0, epsrel=1e-13)[0]
    assert_allclose(dens, [joint(v) / z for v in x], rtol=1e-11)


def test_double_counting_joint_has_twice_the_field():
    x = np.linspace(-1, 1, 21)
    field = J_SYM[0] @ STATE - J_SYM[0, 0] * STATE[0]
    dens = th.conditional_density(x, 0, STATE, BIAS, J_SYM, pair_weight=1.0)
    assert_allclose(dens, cb.pdf(x, BIAS[0] + 2 * field), rtol=1e-12)


def test_quadrature_grid_integrates_polynomials_exactly():
    pts, w = th.quadrature_grid(3, 6)
    assert pts.shape == (216, 3) and w.shape == (216,)
    assert_allclose(w.sum(), 8, rtol=1e-14)
    # int x^2 y^4 z^0 over the cube = (2/3)(2/5)(2)
    assert_allclose(w @ (pts[:, 0] ** 2 * pts[:, 1] ** 4), (2 / 3) * (2 / 5) * 2, rtol=1e-13)


def test_boltzmann_moments_against_analytic_marginal():
    # integrate sigma_0 in closed form (int e^{t s} ds = e^{A(t)}), sigma_1, sigma_2 adaptively
    def weight(s1, s2, f):
        t = BIAS[0] + J_SYM[0, 1] * s1 + J_SYM[0, 2] * s2
        return f(t) * np.exp(cb.log_partition(t) + BIAS[1] * s1 + BIAS[2] * s2
                             + J_SYM[1, 2] * s1 * s2)

    def dq(g):
        return integrate.dblquad(g, -1, 1, -1, 1, epsabs=1e-13, epsrel=1e-12)[0]

    z = dq(lambda s2, s1: weight(s1, s2, lambda t: 1.0))
    m0 = dq(lambda s2, s1: weight(s1, s2, cb.langevin)) / z
    m1 = dq(lambda s2, s1: s1 * weight(s1, s2, lambda t: 1.0)) / z
    e00 = dq(lambda s2, s1: weight(s1, s2,
                                   lambda t: cb.langevin_prime(t) + cb.langevin(t) ** 2)) / z
    e01 = dq(lambda s2, s1: s1 * weight(s1, s2, cb.langevin)) / z
    e12 = dq(lambda s2, s1: s1 * s2 * weight(s1, s2, lambda t: 1.0)) / z
    mean, second, log_z = th.boltzmann_moments(BIAS, J_SYM)
    assert_allclose([mean[0], mean[1]], [m0, m1], rtol=1e-9)
    assert_allclose([second[0, 0], second[0, 1], second[1, 2]], [e00, e01, e12], rtol=1e-9)
    assert_allclose(log_z, np.log(z), rtol=1e-11)


def test_boltzmann_moments_of_independent_nodes():
    b = np.array([-2.0, 0.0, 5.0])
    mean, second, log_z = th.boltzmann_moments(b, np.zeros((3, 3)))
    assert_allclose(mean, cb.langevin(b), rtol=1e-12, atol=1e-15)
    assert_allclose(np.diag(second), cb.langevin_prime(b) + cb.langevin(b) ** 2, rtol=1e-12)
    assert_allclose(second[0, 2], cb.langevin(b[0]) * cb.langevin(b[2]), rtol=1e-12)
    assert_allclose(log_z, np.sum(cb.log_partition(b)), rtol=1e-13)


# ---------------------------------------------------------------------------------------------
# the node's free energy


@pytest.mark.parametrize("iT", [0.05, 1.0, 7.0])
@pytest.mark.parametrize("node", [0, 2])
def test_node_free_energy_gradient_by_finite_differences(iT, node):
    theta = th.local_evidence(BIAS, J_SYM, STATE)[node]
    bq = np.array([-30.0, -4.0, -0.5, 0.0, 0.3, iT * theta, 2.0, 12.0])

    def F(q):
        return th.node_free_energy(q, node, BIAS, J_SYM, STATE, inverse_temperature=iT)

    fd = (F(bq + H) - F(bq - H)) / (2 * H)
    assert_allclose(fd, th.node_free_energy_gradient(bq, theta, inverse_temperature=iT),
                    rtol=1e-6, atol=1e-9)
    assert abs(th.node_free_energy_gradient(iT * theta, theta, inverse_temperature=iT)) == 0.0


@pytest.mark.parametrize("iT", [0.3, 1.0, 2.5])
def test_node_free_energy_is_expected_log_ratio(iT):
    """F(b_q) = E_q[ln q(sigma_i) - ln p~(sigma)] by quadrature over sigma_i, J symmetric."""
    node = 1
    for bq in (-5.0, -0.2, 0.0, 1.3, 9.0):
        def integrand(v, bq=bq):
            s = STATE.copy()
            s[node] = v
            return cb.pdf(v, bq) * (cb.log_pdf(v, bq)
                                    - th.log_joint(s, BIAS, J_SYM, inverse_temperature=iT))
        ref = integrate.quad(integrand, -1, 1, epsabs=1e-13, epsrel=1e-12)[0]
        assert_allclose(th.node_free_energy(bq, node, BIAS, J_SYM, STATE, inverse_temperature=iT),
                        ref, rtol=1e-10, atol=1e-12)


def test_node_free_energy_minimum_and_kl_gap():
    node = 0
    theta = th.local_evidence(BIAS, J_SYM, STATE)[node]
    bq = np.linspace(-10, 10, 101)
    F = th.node_free_energy(bq, node, BIAS, J_SYM, STATE)
    F_min = th.node_free_energy(theta, node, BIAS, J_SYM, STATE)
    assert_allclose(F - F_min, cb.kl(bq, theta), rtol=1e-9, atol=1e-13)
    assert np.all(F - F_min >= -1e-13)          # rounding at b_q == theta

    def joint(v):
        s = STATE.copy()
        s[node] = v
        return np.exp(th.log_joint(s, BIAS, J_SYM))
    assert_allclose(F_min, -np.log(integrate.quad(joint, -1, 1, epsrel=1e-13)[0]), rtol=1e-12)


def test_node_free_energy_ignores_own_state_and_broadcasts():
    s2 = STATE.copy()
    s2[0] = -0.9
    bq = np.array([[0.1, 2.0], [-3.0, 0.0]])
    out = th.node_free_energy(bq, 0, BIAS, J_SYM, STATE)
    assert out.shape == (2, 2)
    assert_allclose(out, th.node_free_energy(bq, 0, BIAS, J_SYM, s2), rtol=1e-15)
    assert isinstance(th.node_free_energy(0.5, 0, BIAS, J_SYM, STATE), float)


# ---------------------------------------------------------------------------------------------
# relaxation


@pytest.mark.parametrize("iT", [0.1, 1.0, 3.0])
def test_relaxation_schemes_against_loops(iT):
    b0, theta, eps, n = -8.0, 2.0, 0.3, 25
    natural = th.relax_variational_bias(b0, theta, learning_rate=eps, n_steps=n,
                                        inverse_temperature=iT, scheme="natural")
    assert_allclose(natural - iT * theta, (b0 - iT * theta) * (1 - eps) ** np.arange(n + 1),
                    rtol=1e-12, atol=1e-14)
    plain = th.relax_variational_bias(b0, theta, learning_rate=eps, n_steps=n,
                                      inverse_temperature=iT, scheme="plain")
    b, ref = b0, [b0]
    for _ in range(n):
        # 1/b^2 - 1/sinh^2 b written out independently of fep_core.cb
        fisher = 1 / b ** 2 - 1 / np.sinh(b) ** 2 if b != 0 else 1 / 3
        b = b - eps * (b - iT * theta) * fisher
        ref.append(b)
    assert_allclose(plain, ref, rtol=1e-10)
    # the plain scheme is slower from a saturated start
    assert abs(plain[-1] - iT * theta) > abs(natural[-1] - iT * theta)


def test_relaxation_divergence_raises():
    with pytest.raises(ValueError, match="learning_rate"):
        th.relax_variational_bias(1.0, 2.0, learning_rate=1e200, n_steps=50, scheme="natural")


# The natural-gradient chapter's continuous-Bernoulli node (was geometry.cb_relaxation): the
# target is theta itself at unit precision.
def test_relaxation_plain_step_is_the_gradient_of_the_kl():
    b0, target, eps = 8.0, 0.5, 0.2
    nat = th.relax_variational_bias(b0, target, learning_rate=eps, n_steps=40, scheme="natural")
    assert_allclose(nat - target, (b0 - target) * (1 - eps) ** np.arange(41), rtol=1e-12)
    plain = th.relax_variational_bias(b0, target, learning_rate=eps, n_steps=40, scheme="plain")
    # the plain step is the gradient of KL[CB(b) || CB(target)] (checked by finite differences)
    h = 1e-6
    fd = (cb.kl(b0 + h, target) - cb.kl(b0 - h, target)) / (2 * h)
    assert_allclose((b0 - plain[1]) / eps, fd, rtol=1e-6)
    # saturated start: the plain scheme crawls (Fisher information ~ 1/b^2)
    assert abs(plain[-1] - target) > 100 * abs(nat[-1] - target)
    # both approach the target monotonically
    assert np.all(np.diff(np.abs(plain - target)) < 0)
    assert np.all(np.diff(np.abs(nat - target)) < 0)


@pytest.mark.parametrize("kwargs, name", [
    (dict(learning_rate=0), "learning_rate"), (dict(scheme="fast"), "scheme"),
    (dict(b_start=np.nan), "b_start"),
    (dict(learning_rate=3, scheme="natural"), "learning_rate"),
    (dict(learning_rate=2.0, scheme="natural"), "learning_rate"),
    (dict(learning_rate=6.0, scheme="plain"), "learning_rate"),
    (dict(learning_rate=np.inf), "learning_rate"),
    (dict(b_start=1e308, theta=-1e308), "b_start"), (dict(theta=np.nan), "theta"),
    (dict(n_steps=-1), "n_steps")])
def test_relaxation_learning_rate_range_and_bad_input(kwargs, name):
    args = dict(b_start=1.0, theta=0.0, learning_rate=0.2, n_steps=60, scheme="natural")
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=_names(name)):
        th.relax_variational_bias(**args)


def test_relaxation_limits_are_the_stability_limits():
    # just below the limit the error still shrinks (the plain factor 1 - eps L'(b) > -1 as
    # L' <= 1/3), at the limit it is refused before any step
    for scheme, limit in th.RELAXATION_RATE_LIMIT.items():
        path = th.relax_variational_bias(0.3, 0.0, learning_rate=0.999 * limit, n_steps=200,
                                         scheme=scheme)
        assert np.all(np.diff(np.abs(path)) <= 0) and abs(path[-1]) < 0.3
        with pytest.raises(ValueError, match=_names("learning_rate")):
            th.relax_variational_bias(0.3, 0.0, learning_rate=limit, n_steps=1, scheme=scheme)
    # a diverging rate used to double the error every step until the Fisher information 1/b^2
    # underflowed to 0 (a ZeroDivisionError); now it is refused
    with pytest.raises(ValueError, match="learning_rate"):
        th.relax_variational_bias(1.0, 0.0, learning_rate=3, n_steps=600, scheme="natural")


def test_relaxation_saturated_start():
    # L'(b) = 1/b^2 underflows to 0 beyond |b| ~ 1e154: the natural step is still
    # b - eps (b - target), exactly
    nat = th.relax_variational_bias(1e200, 0.5, learning_rate=0.2, n_steps=10, scheme="natural")
    assert_allclose(nat - 0.5, (1e200 - 0.5) * 0.8 ** np.arange(11), rtol=1e-13)
    b, ref = 1e200, [1e200]
    for _ in range(10):
        b = b - 0.2 * (b - 0.5)
        ref.append(b)
    assert np.array_equal(nat, ref)
    plain = th.relax_variational_bias(1e200, 0.5, learning_rate=0.2, n_steps=10, scheme="plain")
    assert np.all(plain == 1e200)          # the plain step is below one ulp of b: it does not move
    # below the underflow the plain step is eps (b - target) L'(b), as written
    plain = th.relax_variational_bias(1e100, 0.5, learning_rate=0.2, n_steps=10, scheme="plain")
    b, ref = 1e100, [1e100]
    for _ in range(10):
        b = b - 0.2 * (b - 0.5) * float(cb.langevin_prime(b))
        ref.append(b)
    assert np.array_equal(plain, ref)


# ---------------------------------------------------------------------------------------------
# learning


def test_node_surprise_is_minus_log_density():
    s = np.array([-1.0, -0.3, 0.0, 0.8, 1.0])
    u = np.array([-20.0, 0.0, 1e-9, 2.0, 300.0])
    assert_allclose(th.node_surprise(s, u), -cb.log_pdf(s, u), rtol=1e-12)


def test_learning_gradient_by_finite_differences():
    J, b, x = _random_net(5, 3, symmetric=False)
    s = np.random.default_rng(4).uniform(-1, 1, 5)
    G = th.learning_gradient(J, b, x, s)

    def total(M):
        return np.sum(th.node_surprise(s, b + M @ x))

    fd = np.zeros_like(J)
    for i in range(5):
        for j in range(5):
            if i != j:
                E = np.zeros_like(J)
                E[i, j] = H
                fd[i, j] = (total(J + E) - total(J - E)) / (2 * H)
    assert_allclose(G, fd, rtol=1e-7, atol=1e-10)
    assert np.all(np.diag(G) == 0)


@pytest.mark.parametrize("iT,alpha", [(0.1, 0.01), (1.0, 0.001), (5.0, 0.3)])
def test_reference_update_matches_engine(iT, alpha):
    J, b, s_old = _random_net(6, 5, symmetric=False)
    net = AttractorNetwork(6, rng=9, coupling=J)
    net.state = s_old
    s_new = net.run(b, 1, inverse_temperature=iT, learning_rate=alpha)[0]
    # J + dJ is rounded once to the precision of J's entries
    assert_allclose(net.J - J, th.coupling_update_reference(J, s_old, s_new, learning_rate=alpha),
                    rtol=1e-12, atol=4 * np.finfo(float).eps * np.abs(J).max())


def test_reference_and_gradient_updates_by_loops():
    J, b, s_old = _random_net(4, 6, symmetric=False)
    s_new = np.random.default_rng(7).uniform(-1, 1, 4)
    alpha = 0.05
    h = J @ s_old
    ref_code = np.array([[0.0 if i == j
                          else alpha * (s_new[i] * s_new[j] - cb.langevin(h[i]) * s_new[j])
                          for j in range(4)] for i in range(4)])
    u = b + h
    ref_grad = np.array([[0.0 if i == j else alpha * (s_new[i] - cb.langevin(u[i])) * s_old[j]
                          for j in range(4)] for i in range(4)])
    assert_allclose(th.coupling_update_reference(J, s_old, s_new, learning_rate=alpha), ref_code,
                    rtol=1e-13)
    assert_allclose(th.coupling_update_gradient(J, b, s_old, s_new, learning_rate=alpha), ref_grad,
                    rtol=1e-13)
    # same states, zero bias, old == new state: the two readings coincide
    assert_allclose(th.coupling_update_reference(J, s_old, s_old, learning_rate=alpha),
                    th.coupling_update_gradient(J, np.zeros(4), s_old, s_old, learning_rate=alpha),
                    rtol=1e-13, atol=1e-17)


# ---------------------------------------------------------------------------------------------
# antisymmetric couplings and run statistics


def test_cyclic_antisymmetric_structure():
    J = th.cyclic_antisymmetric(4, 2.0)
    assert_allclose(J, -J.T)
    assert J[1, 0] == 2.0 and J[0, 1] == -2.0 and J[0, 3] == 2.0 and J[3, 0] == -2.0
    assert np.all(np.diag(J) == 0)


def test_cycle_counts_on_known_sequences():
    eye = np.eye(3)
    forward = eye[[0, 1, 2, 0, 1, 2, 2, 0]]
    assert th.cycle_counts(forward) == (6, 0, 1.0)
    backward = eye[[2, 1, 0, 2]]
    assert th.cycle_counts(backward) == (0, 3, -1.0)
    mixed = eye[[0, 1, 0, 1, 1]]
    fwd, bwd, flux = th.cycle_counts(mixed)
    assert (fwd, bwd) == (2, 1) and flux == pytest.approx(1 / 3, rel=1e-15)
    assert th.cycle_counts(eye[[0, 0, 0]]) == (0, 0, 0.0)


def test_batch_means_se_for_independent_samples():
    x = np.random.default_rng(0).normal(size=(100_000, 2))
    se = th.batch_means_se(x, n_batches=100)
    assert se.shape == (2,)
    assert np.all(np.abs(se / (1 / np.sqrt(100_000)) - 1) < 0.3)
    # a series of constant blocks: the blocks' standard error, computed by hand
    blocks = np.repeat([1.0, 3.0, 2.0, 6.0], 5)
    assert_allclose(th.batch_means_se(blocks, n_batches=4), np.std([1, 3, 2, 6], ddof=1) / 2,
                    rtol=1e-14)


def test_sequential_run_samples_the_joint():
    """The engine's random-scan update samples exp(b.sigma + 1/2 sigma^T J sigma) (symmetric J)."""
    net = AttractorNetwork(3, rng=21, coupling=J_SYM)
    S = net.run(BIAS, 60_000, schedule="sequential")
    mean, second, _ = th.boltzmann_moments(BIAS, J_SYM)
    stats = np.column_stack([S, S[:, 0] * S[:, 1], S[:, 1] * S[:, 2]])
    exact = np.concatenate([mean, [second[0, 1], second[1, 2]]])
    z = (stats.mean(0) - exact) / th.batch_means_se(stats)
    assert np.all(np.abs(z) < 5)


# ---------------------------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize("call,name", [
    (lambda: th.local_evidence(BIAS, np.ones((3, 3)), STATE), "coupling"),
    (lambda: th.local_evidence(BIAS, np.zeros((3, 4)), STATE), "coupling"),
    (lambda: th.local_evidence(BIAS[:2], J_SYM, STATE), "bias"),
    (lambda: th.local_evidence(BIAS, J_SYM, [0.1, 2.0, 0.0]), "state"),
    (lambda: th.local_evidence(BIAS, J_SYM, [0.1, np.nan, 0.0]), "state"),
    (lambda: th.node_free_energy(np.inf, 0, BIAS, J_SYM, STATE), "b_q"),
    (lambda: th.node_free_energy(0.0, 3, BIAS, J_SYM, STATE), "node"),
    (lambda: th.node_free_energy(0.0, -1, BIAS, J_SYM, STATE), "node"),
    (lambda: th.node_free_energy(0.0, 0, BIAS, J_SYM, STATE, inverse_temperature=0),
     "inverse_temperature"),
    (lambda: th.node_free_energy_gradient(0.0, np.nan), "theta"),
    (lambda: th.relax_variational_bias(0.0, 1.0, learning_rate=-0.1, n_steps=5), "learning_rate"),
    (lambda: th.relax_variational_bias(0.0, 1.0, learning_rate=0.1, n_steps=0), "n_steps"),
    (lambda: th.relax_variational_bias(0.0, 1.0, learning_rate=0.1, n_steps=5, scheme="fast"),
     "scheme"),
    (lambda: th.relax_variational_bias(np.nan, 1.0, learning_rate=0.1, n_steps=5), "b_start"),
    (lambda: th.log_joint(np.zeros((2, 3)), BIAS, J_SYM, inverse_temperature=-1),
     "inverse_temperature"),
    (lambda: th.log_joint(np.zeros((2, 4)), BIAS, J_SYM), "states"),
    (lambda: th.node_surprise(1.5, 0.0), "state_i"),
    (lambda: th.node_surprise(0.5, np.inf), "u"),
    (lambda: th.coupling_update_reference(J_SYM, STATE, STATE, learning_rate=-1), "learning_rate"),
    (lambda: th.learning_gradient(J_SYM, BIAS, STATE, [0, 0]), "postsynaptic"),
    (lambda: th.quadrature_grid(0), "n_nodes"),
    (lambda: th.quadrature_grid(8, 48), "n_points"),
    (lambda: th.conditional_density(1.2, 0, STATE, BIAS, J_SYM), "x"),
    (lambda: th.cyclic_antisymmetric(2, 1.0), "n_nodes"),
    (lambda: th.cycle_counts(np.zeros((5, 2))), "states"),
    (lambda: th.batch_means_se(np.zeros(10), n_batches=20), "n_batches"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises((ValueError, TypeError), match=name):
        call()


def test_bad_input_types():
    with pytest.raises(TypeError, match="n_steps"):
        th.relax_variational_bias(0.0, 1.0, learning_rate=0.1, n_steps=2.5)
    with pytest.raises(TypeError, match="learning_rate"):
        th.relax_variational_bias(0.0, 1.0, learning_rate="fast", n_steps=5)


# ---------------------------------------------------------------------------------------------
# figures and the interactive callback


@pytest.mark.parametrize("kwargs", [
    {},                                                                  # defaults
    dict(inverse_temperature=0.01, learning_rate=0.001),                 # slider minima
    dict(inverse_temperature=10.0, learning_rate=1.9, theta=10.0, start=20.0),   # maxima
    dict(inverse_temperature=10.0, learning_rate=1.9, theta=-10.0, start=-20.0),
    dict(theta=0.0, start=0.0),
])
def test_callback_returns_labelled_figure(kwargs):
    fig = explore.theory(**kwargs)
    try:
        assert_labelled(fig)
        assert len(fig.axes) == 2
        # the natural-gradient line ends where relax_variational_bias says
        iT = kwargs.get("inverse_temperature", 1.0)
        path = th.relax_variational_bias(kwargs.get("start", -8.0), kwargs.get("theta", 3.0),
                                         learning_rate=kwargs.get("learning_rate", 0.2), n_steps=40,
                                         inverse_temperature=iT, scheme="natural")
        line = [ln for ln in fig.axes[0].lines if ln.get_label() == "natural gradient"][0]
        assert_allclose(line.get_ydata(), path, rtol=1e-15)
    finally:
        plt.close(fig)


@pytest.mark.parametrize("kwargs,name", [
    (dict(inverse_temperature=0.0), "inverse_temperature"),
    (dict(learning_rate=-1.0), "learning_rate"),
    (dict(theta=np.nan), "theta"),
    (dict(start=np.inf), "start"),
    (dict(n_steps=0), "n_steps"),
])
def test_callback_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=name):
        explore.theory(**kwargs)


def test_static_figures_are_labelled():
    x = np.linspace(-1, 1, 11)
    S = AttractorNetwork(3, rng=0, coupling=th.cyclic_antisymmetric(3, 3.0)).run(np.zeros(3), 50,
                                                                                schedule="sequential")
    figs = [plots.plot_cb_densities([-2.0, 0.0, 3.0]), plots.plot_langevin(),
            plots.plot_sample_histogram(cb.sample(np.full(200, 1.0), rng=0), 1.0),
            plots.plot_conditional(x, cb.pdf(x, 1.0), cb.pdf(x, 1.0), cb.pdf(x, 2.0)),
            plots.plot_node_free_energy(x, x ** 2, 2 * x, 0.0, 2 * x + 1),
            plots.plot_relaxation({"plain": x, "natural": x}, 0.0),
            plots.plot_cycles(S, {"symmetric": (5, 5), "cyclic": (9, 1)})]
    try:
        for fig in figs:
            assert_labelled(fig)
            fig.canvas.draw()                    # mathtext in labels must parse
    finally:
        for fig in figs:
            plt.close(fig)


# ---------------------------------------------------------------------------------------------
# edges: bounded work, and the callback on every corner of its sliders


@pytest.mark.parametrize("args", [(10 ** 8,), (10 ** 8, 2), (23, 2), (5, 48), (1, 10 ** 12),
                                  (10 ** 18, 10 ** 18)])
def test_quadrature_grid_too_large_fails_at_once(args):
    import time

    t0 = time.monotonic()
    with pytest.raises(ValueError, match="n_points"):
        th.quadrature_grid(*args)
    assert time.monotonic() - t0 < 1.0


def test_quadrature_grid_at_the_limit():
    with pytest.raises(ValueError, match="4,194,304"):
        th.quadrature_grid(22, 2)
    with pytest.raises(ValueError, match="n_points must be at most 1000"):
        th.quadrature_grid(1, 1001)                    # the rule itself costs O(n_points**3)
    pts, w = th.quadrature_grid(3, 100)                # 1,000,000 points: allowed
    assert pts.shape == (1_000_000, 3)
    assert_allclose(w.sum(), 8.0, rtol=1e-12)


def test_conditional_density_n_points_is_bounded():
    import time

    t0 = time.monotonic()
    with pytest.raises(ValueError, match="n_points"):
        th.conditional_density(0.0, 0, STATE, BIAS, J_SYM, n_points=10 ** 9)
    assert time.monotonic() - t0 < 1.0


def test_relaxation_target_overflow_names_the_arguments():
    with pytest.raises(ValueError, match="theta"):
        th.relax_variational_bias(0.0, 1e308, learning_rate=0.1, n_steps=5,
                                  inverse_temperature=10.0)
    with pytest.raises(ValueError, match="inverse_temperature"):
        explore.theory(theta=1e308, inverse_temperature=10.0)



def _callback_ok(kwargs, draw=True):
    try:
        fig = explore.theory(**kwargs)      # warnings are errors in this module
    except (ValueError, TypeError) as exc:
        assert str(exc)
        return False
    try:
        assert_labelled(fig)
        if draw:
            fig.canvas.draw()
    finally:
        plt.close(fig)
    return True


# Every slider corner: tests/test_widgets.py::test_callback_draws_or_explains (MUST_DRAW).


def test_callback_at_random_interior_points():
    rng = np.random.default_rng(11)
    for _ in range(30):
        _callback_ok(dict(
            inverse_temperature=float(np.exp(rng.uniform(np.log(0.01), np.log(10.0)))),
            learning_rate=float(np.exp(rng.uniform(np.log(0.001), np.log(1.9)))),
            theta=float(rng.integers(-20, 21) / 2), start=float(rng.integers(-40, 41) / 2)),
            draw=False)


# ---------------------------------------------------------------------------------------------
# Bad arguments named as the caller spells them (tests/test_properties.py's contract)
def _names(name):
    """A ``pytest.raises(match=...)`` pattern: ``name`` as a whole word."""
    return rf"(?<![A-Za-z0-9_]){name}(?![A-Za-z0-9_])"


_STATE_CALLS = {
    "local_evidence": (lambda v: th.local_evidence(BIAS, J_SYM, v), "state"),
    "node_free_energy": (lambda v: th.node_free_energy(0.3, 1, BIAS, J_SYM, v), "state"),
    "conditional_density": (lambda v: th.conditional_density(0.2, 0, v, BIAS, J_SYM, n_points=8),
                            "state"),
    "learning_gradient.pre": (lambda v: th.learning_gradient(J_SYM, BIAS, v, STATE), "presynaptic"),
    "learning_gradient.post": (lambda v: th.learning_gradient(J_SYM, BIAS, STATE, v),
                               "postsynaptic"),
    "coupling_update_reference.old": (
        lambda v: th.coupling_update_reference(J_SYM, v, STATE, learning_rate=0.1), "state_old"),
    "coupling_update_reference.new": (
        lambda v: th.coupling_update_reference(J_SYM, STATE, v, learning_rate=0.1), "state_new"),
    "coupling_update_gradient.old": (
        lambda v: th.coupling_update_gradient(J_SYM, BIAS, v, STATE, learning_rate=0.1),
        "state_old"),
    "coupling_update_gradient.new": (
        lambda v: th.coupling_update_gradient(J_SYM, BIAS, STATE, v, learning_rate=0.1),
        "state_new"),
}


@pytest.mark.parametrize("bad", [np.zeros((0, 3)), STATE[None, None], STATE[None], np.zeros(0), 0.5,
                                 [0.1, np.nan, 0.0], "abc"])
@pytest.mark.parametrize("call", list(_STATE_CALLS), ids=str)
def test_one_state_vector_arguments_are_named(call, bad):
    func, name = _STATE_CALLS[call]
    with pytest.raises((ValueError, TypeError), match=_names(name)):
        func(bad)


@pytest.mark.parametrize("bad", [[], np.zeros((0, 3)), np.array([0.1, 0.2, 0.3]), np.zeros(0)])
@pytest.mark.parametrize("func, args", [(th.node_free_energy_gradient, ("b_q", "theta")),
                                        (th.node_surprise, ("state_i", "u"))])
@pytest.mark.parametrize("which", [0, 1])
def test_shapes_that_do_not_broadcast_are_named(func, args, which, bad):
    kwargs = {args[0]: np.array([0.1, -0.5]), args[1]: np.array([0.5, 1.0])}
    kwargs[args[which]] = bad
    with pytest.raises(ValueError, match=_names(args[which])):
        func(**kwargs)


def test_broadcasting_arguments_keep_working():
    assert th.node_surprise(np.zeros(0), 1.0).shape == (0,)
    grad = th.node_free_energy_gradient(np.array([[0.1], [0.2]]), np.array([0.5, 1.0]))
    assert grad.shape == (2, 2)


@pytest.mark.parametrize("scheme", [["plain"], np.array(["plain"]), np.full((2, 2, 2), 0.5), None,
                                    np.zeros((0, 3)), [], [[1.0, 2.0], [3.0]], 3])
def test_relax_variational_bias_scheme_must_be_a_name(scheme):
    with pytest.raises((ValueError, TypeError), match=_names("scheme")):
        th.relax_variational_bias(0.0, 1.0, learning_rate=0.1, n_steps=3, scheme=scheme)


@pytest.mark.parametrize("coupling", [np.zeros((0, 0)), np.zeros((1, 1)), np.zeros((4, 4))])
def test_coupling_of_another_size_is_named(coupling):
    calls = [lambda: th.local_evidence(BIAS, coupling, STATE),
             lambda: th.log_joint(STATE[None], BIAS, coupling),
             lambda: th.node_free_energy(0.3, 2, BIAS, coupling, STATE),
             lambda: th.learning_gradient(coupling, BIAS, STATE, STATE),
             lambda: th.coupling_update_reference(coupling, STATE, STATE, learning_rate=0.1),
             lambda: th.coupling_update_gradient(coupling, BIAS, STATE, STATE, learning_rate=0.1),
             lambda: th.conditional_density(0.2, 0, STATE, BIAS, coupling, n_points=8)]
    for call in calls:
        with pytest.raises(ValueError, match=_names("coupling")):
            call()
