"""fep_core.baselines: the classic networks, each checked against facts that hold exactly.

References used here, written independently of the module: hand-computed couplings and dynamics
of 3-node networks; closed forms for orthogonal (Hadamard) patterns, derived below for the
Hebbian and Storkey rules; the exact binomial law of a Hebbian field for random patterns;
brute-force enumeration (itertools) for the Boltzmann machine; central finite differences;
sampling bounds derived from the sample size.
"""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.linalg import hadamard
from scipy.stats import binom

from fep_core import baselines as bl
from fep_core.paper import HEBBIAN_CAPACITY

SCHEDULES = bl.SCHEDULES


def random_patterns(K, N, seed):
    return np.random.default_rng(seed).choice([-1.0, 1.0], size=(K, N))


def fixed_after_one_sweep(W, patterns, schedule, bias=None):
    """recall's verdict: each row is a fixed point (one sweep, nothing changed)."""
    r = bl.recall(W, patterns, max_sweeps=1, schedule=schedule, rng=0, bias=bias)
    return r.converged & np.all(r.states == patterns, axis=-1)


# ---------------------------------------------------------------------------------------------
# Hebbian


def test_hebbian_by_hand():
    # xi = (1, -1, 1), N = 3: W = xi xi^T / 3 without the diagonal
    W = bl.hebbian([[1, -1, 1]])
    assert_allclose(W, np.array([[0, -1, 1], [-1, 0, -1], [1, -1, 0]]) / 3, rtol=0, atol=1e-15)
    # and a second pattern (1, 1, -1) adds (1/3) [[0, 1, -1], [1, 0, -1], [-1, -1, 0]]
    W2 = bl.hebbian([[1, -1, 1], [1, 1, -1]])
    assert_allclose(W2, np.array([[0, 0, 0], [0, 0, -2], [0, -2, 0]]) / 3, rtol=0, atol=1e-15)


@pytest.mark.parametrize("N", [16, 64])
def test_hebbian_orthogonal_patterns_are_fixed_points_below_n(N):
    # For K mutually orthogonal +-1 patterns, W xi^nu = (1/N) sum_mu xi^mu (xi^mu . xi^nu)
    # - (K/N) xi^nu = (1 - K/N) xi^nu: every pattern (and its negative) is a fixed point for
    # all K < N. At K = N, W = I - I = 0: every field is a tie, which keeps the state.
    H = hadamard(N).astype(float)
    for K in sorted({1, 2, N // 4, N // 2, N - 1}):
        W = bl.hebbian(H[:K])
        assert_allclose(H[:K] @ W.T, (1 - K / N) * H[:K], rtol=0, atol=1e-12)
        for schedule in SCHEDULES:
            assert fixed_after_one_sweep(W, H[:K], schedule).all()
            assert fixed_after_one_sweep(W, -H[:K], schedule).all()
    W = bl.hebbian(H)
    assert_allclose(W, 0.0, atol=1e-12)
    assert fixed_after_one_sweep(W, H[::7], "asynchronous").all()


@pytest.mark.parametrize("N", [7, 100, 101])
def test_hebbian_single_pattern_and_its_negative_are_fixed_points(N):
    xi = random_patterns(1, N, N)
    W = bl.hebbian(xi)
    for schedule in SCHEDULES:
        assert fixed_after_one_sweep(W, np.vstack([xi, -xi]), schedule).all()
    # and a corrupted copy is pulled back in one asynchronous sweep (field (N-1-2f)/N > 0)
    start = xi.copy()
    start[0, : (N - 1) // 3] *= -1
    r = bl.recall(W, start, rng=1)
    assert_array_equal(r.states, xi)
    assert r.converged.all()


def _hebbian_unstable_probability(N, K):
    """P(xi_i h_i < 0) for one bit of a stored random pattern, exactly.

    N xi_i h_i = (N - 1) + sum over mu != nu, j != i of xi^nu_i xi^mu_i xi^mu_j xi^nu_j: the
    (K - 1)(N - 1) terms are independent uniform +-1 (for fixed i and nu, each xi^mu_j with
    j != i enters one term, multiplied by signs fixed by the other patterns), so the sum is
    2Y - n with Y ~ Binomial(n = (K - 1)(N - 1), 1/2); the bit is unstable when
    Y < (n - N + 1) / 2.
    """
    n = (K - 1) * (N - 1)
    threshold = (n - N + 1) / 2
    assert threshold != int(threshold), "choose K so that no field can be exactly zero"
    return float(binom.cdf(math.floor(threshold), n, 0.5))


def test_hebbian_random_patterns_above_capacity_are_not_fixed_points():
    N, repeats = 200, 20
    K = 2 * int(1.5 * HEBBIAN_CAPACITY * N) + 1           # 83 = 3.0 x 0.138 N, odd: no ties
    p = _hebbian_unstable_probability(N, K)                # 0.0596
    unstable, fixed = [], []
    for r in range(repeats):
        X = random_patterns(K, N, 100 + r)
        W = bl.hebbian(X)
        unstable.append(np.mean(X * (X @ W.T) < 0))
        fixed.append(np.mean(fixed_after_one_sweep(W, X, "asynchronous")))
    unstable = np.array(unstable)
    # the fraction of unstable bits is unbiased for p; its standard error is measured from the
    # spread over independent pattern sets (0.00058 here; the mean was 1.6 SE below p)
    se = unstable.std(ddof=1) / np.sqrt(repeats)
    assert abs(unstable.mean() - p) < 5 * se
    # a pattern is fixed only if all N bits are stable: about (1 - p)^N = 5e-6 if the bits were
    # independent; none of the 1660 was. "Most are not", with a wide margin:
    assert np.mean(fixed) < 0.05


def test_hebbian_random_patterns_well_below_capacity_are_fixed_points():
    N = 200
    K = 2 * int(0.25 * HEBBIAN_CAPACITY * N) + 1           # 13 = 0.065 N
    p = _hebbian_unstable_probability(N, K)
    assert (1 - p) ** N > 0.995                            # 0.9954 if bits were independent
    fixed = [fixed_after_one_sweep(bl.hebbian(X), X, "asynchronous").mean()
             for X in (random_patterns(K, N, 300 + r) for r in range(10))]
    assert np.mean(fixed) > 0.97                            # measured: all 130


# ---------------------------------------------------------------------------------------------
# Projector


@pytest.mark.parametrize("fraction", [0.5, 0.9])
def test_projector_is_the_orthogonal_projector_and_patterns_are_fixed_points(fraction):
    N = 100
    K = int(fraction * N)
    X = random_patterns(K, N, K)
    assert np.linalg.matrix_rank(X) == K                   # linearly independent
    P = bl.projector(X, zero_diagonal=False)
    assert_array_equal(P, P.T)
    assert_allclose(P @ P, P, rtol=0, atol=1e-12)
    assert_allclose(X @ P, X, rtol=0, atol=1e-12)          # P xi = xi (P symmetric)
    assert_allclose(np.trace(P), K, rtol=1e-12)
    # the textbook formula, with the Gram matrix inverted (well conditioned here)
    Xi = X.T
    assert_allclose(P, Xi @ np.linalg.solve(Xi.T @ Xi, Xi.T), rtol=0, atol=1e-10)
    W0 = bl.projector(X)                                   # Kanter-Sompolinsky: no diagonal
    assert_array_equal(np.diagonal(W0), 0.0)
    assert_allclose(W0, P - np.diag(np.diagonal(P)), rtol=0, atol=0)
    for W in (P, W0):
        for schedule in SCHEDULES:
            assert fixed_after_one_sweep(W, X, schedule).all()
            assert fixed_after_one_sweep(W, -X, schedule).all()


def test_projector_rank_deficient_patterns_project_onto_their_span():
    X = random_patterns(10, 40, 5)
    dependent = np.vstack([X, X[0], X[2] + X[3] - X[4], X[::3]])   # 18 rows, rank 10
    for zero_diagonal in (False, True):
        assert_allclose(bl.projector(dependent, zero_diagonal=zero_diagonal),
                        bl.projector(X, zero_diagonal=zero_diagonal), rtol=0, atol=1e-12)


def test_projector_of_a_spanning_set_is_the_identity():
    X = random_patterns(30, 20, 8)                         # K > N: they span R^N
    assert_allclose(bl.projector(X, zero_diagonal=False), np.eye(20), rtol=0, atol=1e-12)
    assert_allclose(bl.projector(X), 0.0, atol=1e-12)
    assert_array_equal(bl.projector(np.zeros((0, 5))), np.zeros((5, 5)))


def test_projector_rcond_cuts_small_singular_values():
    X = random_patterns(3, 10, 3)
    nearly = np.vstack([X[:2], X[0] + 1e-9 * X[2]])
    X = X[:2]
    # the third row adds a direction of singular value ~1e-9 relative: kept by default...
    assert_allclose(np.trace(bl.projector(nearly, zero_diagonal=False)), 3, rtol=1e-9)
    # ...and dropped with rcond above it
    P = bl.projector(nearly, zero_diagonal=False, rcond=1e-6)
    assert_allclose(P, bl.projector(X, zero_diagonal=False), rtol=0, atol=1e-8)


# ---------------------------------------------------------------------------------------------
# Storkey


def test_storkey_one_pattern_is_hebbian():
    assert_allclose(bl.storkey([[1, -1, 1]]),
                    np.array([[0, -1, 1], [-1, 0, -1], [1, -1, 0]]) / 3, rtol=0, atol=1e-15)
    X = random_patterns(1, 50, 2)
    assert_allclose(bl.storkey(X), bl.hebbian(X), rtol=0, atol=1e-15)


def test_storkey_by_hand_three_nodes_two_patterns():
    # xi1 = (1, 1, -1): W = (1/3) [[0, 1, -1], [1, 0, -1], [-1, -1, 0]].
    # xi2 = (1, -1, 1): h = W xi2 = (1/3)(-2, 0, 0); h_ij = h_i - W_ij xi2_j:
    #   h = (1/3) [[-2, -1, -1], [-1, 0, 1], [1, -1, 0]]
    # 3 dW_ij = xi_i xi_j - xi_i h_ji - h_ij xi_j:
    #   (0,1): -1 - (-1/3) - (1/3) = -1      -> W01 = 1/3 - 1/3 = 0
    #   (0,2):  1 - (1/3) - (-1/3) = 1       -> W02 = -1/3 + 1/3 = 0
    #   (1,2): -1 - (1/3) - (1/3) = -5/3     -> W12 = -1/3 - 5/9 = -8/9
    W = bl.storkey([[1, 1, -1], [1, -1, 1]])
    assert_allclose(W, np.array([[0, 0, 0], [0, 0, -8], [0, -8, 0]]) / 9, rtol=0, atol=1e-15)


def test_storkey_is_symmetric_with_zero_diagonal():
    W = bl.storkey(random_patterns(30, 60, 4))
    assert_array_equal(W, W.T)
    assert_array_equal(np.diagonal(W), 0.0)


def _storkey_orthogonal_coefficients(K, N):
    """Storkey's couplings for orthogonal +-1 patterns: W = sum_mu c_mu (xi xi^T - I) / N.

    If W has this form, a new pattern x orthogonal to the others sees h = W x = -(C/N) x
    (C = sum_mu c_mu), so h_ij x_j = h_i x_j - W_ij and
    dW = (x x^T - h x^T - x h^T + 2 W) / N = (1 + 2C/N) x x^T / N + (2/N) W:
    the old coefficients grow by (1 + 2/N) and the new one is 1 + 2C/N.
    """
    c = []
    for _ in range(K):
        C = sum(c)
        c = [ci * (1 + 2 / N) for ci in c] + [1 + 2 * C / N]
    return np.array(c)


@pytest.mark.parametrize("N", [16, 64])
def test_storkey_orthogonal_patterns_closed_form_and_fixed_points(N):
    H = hadamard(N).astype(float)[np.random.default_rng(N).permutation(N)]
    last_fixed = 0
    for K in range(1, N + 1):
        c = _storkey_orthogonal_coefficients(K, N)
        expected = (H[:K].T * c) @ H[:K] / N - c.sum() / N * np.eye(N)
        np.fill_diagonal(expected, 0.0)
        W = bl.storkey(H[:K])
        assert_allclose(W, expected, rtol=1e-12, atol=1e-12)
        # W xi^nu = (c_nu - C/N) xi^nu: pattern nu is a fixed point iff c_nu > C/N; the
        # oldest pattern has the smallest c, (1 + 2/N)^(K-1), so all are fixed points until
        # (1 + 2/N)^(K-1) <= C/N: K <= 0.72 N at large N (e^{2K/N} < 2 + sqrt(5))
        all_fixed = bool(np.all(c > c.sum() / N))
        assert fixed_after_one_sweep(W, H[:K], "asynchronous").all() == all_fixed
        last_fixed = K if all_fixed else last_fixed
    assert last_fixed == {16: 12, 64: 47}[N]
    assert last_fixed < math.log(2 + math.sqrt(5)) / 2 * N + 1


def test_storkey_holds_more_random_patterns_than_hebb():
    # K = 41 = 1.5 x 0.138 N, N = 200: measured over 10 sets, every Storkey pattern was a fixed
    # point and 15% of Hebb's (Storkey's capacity is about N / sqrt(2 ln N) = 61 here)
    N = 200
    K = 2 * int(0.75 * HEBBIAN_CAPACITY * N) + 1
    hebb, stork = [], []
    for r in range(10):
        X = random_patterns(K, N, 500 + r)
        hebb.append(fixed_after_one_sweep(bl.hebbian(X), X, "asynchronous").mean())
        stork.append(fixed_after_one_sweep(bl.storkey(X), X, "asynchronous").mean())
    assert np.mean(stork) > 0.9
    assert np.mean(hebb) < 0.5


# ---------------------------------------------------------------------------------------------
# Recall

STAR = np.array([[0, 1, 1], [1, 0, 0], [1, 0, 0]], dtype=float)   # node 0 linked to 1 and 2


def test_recall_asynchronous_star_by_hand():
    # Start (-1, 1, 1). h = (2, -1, -1). Orders (0,1,2), (0,2,1): node 0 flips first, then
    # nodes 1 and 2 see +1 -> (1, 1, 1). Orders with 1 and 2 before 0: both flip to -1 and
    # node 0 sees -2 -> (-1, -1, -1). Orders (1,0,2), (2,0,1): node 0 sees 0 (a tie, kept) and
    # the last node sees -1 -> (-1, -1, -1). So P(1,1,1) = 2/6, and every state converges in
    # the second sweep.
    M = 6000
    r = bl.recall(STAR, np.tile([-1.0, 1.0, 1.0], (M, 1)), rng=11)
    up = np.all(r.states == 1, axis=1)
    down = np.all(r.states == -1, axis=1)
    assert np.all(up | down)
    assert abs(up.mean() - 1 / 3) < 5 * math.sqrt(2 / 9 / M)
    assert_array_equal(r.sweeps, 2)
    assert r.all_converged


def test_recall_synchronous_two_cycle():
    # h = W (-1, 1, 1) = (2, -1, -1) -> (1, -1, -1); h = (-2, 1, 1) -> (-1, 1, 1): a 2-cycle
    r = bl.recall(STAR, [-1.0, 1.0, 1.0], schedule="synchronous", max_sweeps=1)
    assert_array_equal(r.states, [1, -1, -1])
    assert not r.converged and r.sweeps == 1
    r = bl.recall(STAR, [-1.0, 1.0, 1.0], schedule="synchronous", max_sweeps=50)
    assert_array_equal(r.states, [-1, 1, 1])                # stopped when the cycle closed
    assert not r.converged and r.sweeps == 2
    # the same start converges asynchronously (symmetric couplings)
    assert bl.recall(STAR, [-1.0, 1.0, 1.0], rng=0).converged


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_recall_triangle_by_hand(schedule):
    # all-to-all +1 couplings, start (1, 1, -1): h = (0, 0, 2); nodes 0 and 1 tie (kept), node
    # 2 flips to +1 whatever the order (its field does not depend on its own flip) -> (1,1,1)
    W = np.ones((3, 3)) - np.eye(3)
    r = bl.recall(W, np.tile([1.0, 1.0, -1.0], (50, 1)), schedule=schedule, rng=3)
    assert_array_equal(r.states, 1.0)
    assert_array_equal(r.sweeps, 2)
    assert r.all_converged


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_recall_ties_keep_the_state(schedule):
    # no couplings: s = sign(b), and a zero bias keeps the state
    r = bl.recall(np.zeros((3, 3)), [[-1.0, -1.0, 1.0], [1.0, 1.0, -1.0]],
                  bias=[1.0, -1.0, 0.0], schedule=schedule, rng=0)
    assert_array_equal(r.states, [[1, -1, 1], [1, -1, -1]])
    # a field that is zero in exact arithmetic but not in floating point: 0.1 + 0.2 - 0.3
    W = np.zeros((4, 4))
    W[0, 1:] = W[1:, 0] = [0.1, 0.2, 0.3]
    start = np.array([-1.0, 1.0, 1.0, -1.0])
    assert (W @ start)[0] != 0                              # 5.6e-17 as summed here
    r = bl.recall(W, start, schedule=schedule, rng=0, max_sweeps=1)
    assert r.states[0] == -1                                # node 0: a tie, kept


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_recall_bias_is_added_to_the_field(schedule):
    # one coupling of 1 between nodes 0 and 1; a bias of -2 on node 0 overrides it
    W = np.array([[0.0, 1.0], [1.0, 0.0]])
    r = bl.recall(W, [1.0, 1.0], bias=[-2.0, 0.0], schedule=schedule, rng=0)
    # node 0: h = 1 - 2 = -1 -> -1; node 1 then follows node 0 (h = -1) -> (-1, -1)
    assert_array_equal(r.states, [-1, -1])
    assert r.converged


def _sync_reference(W, b, s, max_sweeps):
    """Synchronous sign dynamics written out node by node (ties: |h| < 1e-12 keeps)."""
    s = s.copy()
    before = None
    for sweep in range(1, max_sweeps + 1):
        new = s.copy()
        for i in range(len(s)):
            h = sum(W[i, j] * s[j] for j in range(len(s))) + b[i]
            if abs(h) > 1e-12:
                new[i] = 1.0 if h > 0 else -1.0
        if np.array_equal(new, s):
            return s, sweep, True
        if before is not None and np.array_equal(new, before):
            return new, sweep, False
        before, s = s, new
    return s, max_sweeps, False


def test_recall_synchronous_matches_a_plain_loop():
    rng = np.random.default_rng(7)
    N, M = 9, 40
    for trial in range(4):
        W = rng.normal(size=(N, N))
        if trial % 2:
            W = W + W.T
        b = rng.normal(scale=0.5, size=N)
        S = rng.choice([-1.0, 1.0], size=(M, N))
        r = bl.recall(W, S, bias=b, schedule="synchronous", max_sweeps=30)
        for m in range(M):
            state, sweeps, converged = _sync_reference(W, b, S[m], 30)
            assert_array_equal(r.states[m], state)
            assert r.sweeps[m] == sweeps and r.converged[m] == converged


def test_recall_asynchronous_ends_in_fixed_points_of_lower_energy():
    # symmetric couplings, zero diagonal: Hopfield's energy -s^T W s / 2 - b^T s decreases at
    # every flip, so the dynamics converge, and a converged state has no unstable node
    rng = np.random.default_rng(8)
    N, M = 30, 200
    A = rng.normal(size=(N, N))
    W = np.triu(A, 1) + np.triu(A, 1).T
    b = rng.normal(size=N)
    S = rng.choice([-1.0, 1.0], size=(M, N))
    r = bl.recall(W, S, bias=b, rng=1, max_sweeps=1000)
    assert r.all_converged
    h = r.states @ W.T + b
    assert np.all(r.states * h > 0)                         # no ties in Gaussian fields
    energy = lambda s: -0.5 * np.einsum("mi,ij,mj->m", s, W, s) - s @ b  # noqa: E731
    assert np.all(energy(r.states) <= energy(S) + 1e-12)


def test_recall_batches_of_networks():
    rng = np.random.default_rng(9)
    B, N, M = 3, 40, 25
    X = random_patterns(B, N, 10)                            # one pattern per network
    W = np.stack([bl.hebbian(x[None]) for x in X])
    start = np.where(rng.random((B, M, N)) < 0.2, -1.0, 1.0) * X[:, None, :]
    r = bl.recall(W, start, rng=2)
    assert r.states.shape == (B, M, N) and r.sweeps.shape == (B, M)
    assert_array_equal(r.states, np.broadcast_to(X[:, None, :], (B, M, N)))
    # the same starts in every network: (M, N) broadcast to (B, M, N)
    r = bl.recall(W, start[0], schedule="synchronous")
    for k in range(B):
        alone = bl.recall(W[k], start[0], schedule="synchronous")
        assert_array_equal(r.states[k], alone.states)
        assert_array_equal(r.sweeps[k], alone.sweeps)
    # one bias per network equals the same bias given per state
    bias = rng.normal(size=(B, N))
    a = bl.recall(W, start, bias=bias, schedule="synchronous")
    c = bl.recall(W, start, bias=np.repeat(bias[:, None], M, axis=1), schedule="synchronous")
    assert_array_equal(a.states, c.states)


def test_recall_seed_reproduces_bits_and_threads_do_not_matter(monkeypatch):
    W = bl.hebbian(random_patterns(12, 60, 1))
    start = random_patterns(300, 60, 2)
    a = bl.recall(W, start, rng=5)
    b = bl.recall(W, start, rng=np.random.default_rng(5))
    assert_array_equal(a.states, b.states)
    assert_array_equal(a.sweeps, b.sweeps)
    assert not np.array_equal(a.states, bl.recall(W, start, rng=6).states)
    for work in (0, 2 ** 62):                               # all parallel / all on one thread
        monkeypatch.setattr(bl, "_PARALLEL_WORK", work)
        c = bl.recall(W, start, rng=5)
        assert_array_equal(a.states, c.states)
        assert_array_equal(a.sweeps, c.sweeps)


def test_recall_one_state_keeps_its_shape():
    r = bl.recall(STAR, [1.0, 1.0, 1.0], rng=0)
    assert r.states.shape == (3,) and r.sweeps.shape == () and r.converged.shape == ()


# ---------------------------------------------------------------------------------------------
# Overlap


def test_overlap_of_spins_is_hopfields_m_exactly():
    X = random_patterns(5, 37, 1)
    S = random_patterns(8, 37, 2)
    assert_array_equal(bl.overlap(S, X), (S @ X.T) / 37)
    assert_array_equal(bl.overlap(X, X).diagonal(), 1.0)
    assert_array_equal(bl.overlap(-X[0], X)[0], -1.0)


def test_overlap_of_continuous_states_is_the_cosine():
    rng = np.random.default_rng(3)
    S, X = rng.normal(size=(4, 10)), rng.normal(size=(3, 10))
    for i in range(4):
        for k in range(3):
            cos = S[i] @ X[k] / (np.linalg.norm(S[i]) * np.linalg.norm(X[k]))
            assert_allclose(bl.overlap(S, X)[i, k], cos, rtol=1e-14, atol=1e-15)
    assert_array_equal(bl.overlap(np.zeros((2, 10)), X), 0.0)
    assert_allclose(bl.overlap(7.0 * S, X), bl.overlap(S, X), rtol=1e-14)


def test_overlap_shapes():
    X = random_patterns(3, 10, 4)
    assert bl.overlap(X[0], X).shape == (3,)
    assert bl.overlap(np.ones((2, 5, 10)), X).shape == (2, 5, 3)
    Xb = np.stack([X, -X])                                   # each network's own patterns
    S = np.stack([X[:2], X[:2]])
    m = bl.overlap(S, Xb)
    assert m.shape == (2, 2, 3)
    assert_array_equal(m[1], -m[0])


# ---------------------------------------------------------------------------------------------
# Boltzmann machine: exact quantities against brute force


def random_machine(n, seed, scale=0.7):
    rng = np.random.default_rng(seed)
    A = rng.normal(scale=scale, size=(n, n))
    W = np.triu(A, 1) + np.triu(A, 1).T
    return W, rng.normal(scale=0.5, size=n)


def brute_force(W, b):
    """{state tuple: probability}, by itertools over {-1, +1}^n and explicit sums."""
    n = len(b)
    weights = {}
    for s in itertools.product((-1.0, 1.0), repeat=n):
        e = sum(0.5 * W[i, j] * s[i] * s[j] for i in range(n) for j in range(n))
        e += sum(b[i] * s[i] for i in range(n))
        weights[s] = math.exp(e)
    Z = sum(weights.values())
    return {s: w / Z for s, w in weights.items()}, math.log(Z)


@pytest.mark.parametrize("n", [1, 3, 4])
def test_exact_distribution_matches_brute_force(n):
    W, b = random_machine(n, n)
    d = bl.exact_distribution(W, b)
    assert d.states.shape == (2 ** n, n)
    assert_allclose(d.probabilities.sum(), 1.0, rtol=1e-14)
    reference, logZ = brute_force(W, b)
    assert len({tuple(s) for s in d.states}) == 2 ** n
    for s, p in zip(d.states, d.probabilities):
        assert_allclose(p, reference[tuple(s)], rtol=1e-12)
    assert_allclose(bl.log_partition(W, b), logZ, rtol=1e-13)


def test_exact_distribution_order_and_extreme_fields():
    d = bl.exact_distribution(np.zeros((2, 2)), np.zeros(2))
    assert_array_equal(d.states, [[-1, -1], [-1, 1], [1, -1], [1, 1]])
    assert_allclose(d.probabilities, 0.25, rtol=1e-15)
    # fields of 1000 (exp overflows) still give a distribution: all mass on (+1, +1)
    d = bl.exact_distribution(np.zeros((2, 2)), [1000.0, 1000.0])
    assert_allclose(d.probabilities, [0, 0, 0, 1], atol=1e-300)
    assert np.isfinite(bl.log_partition(np.zeros((2, 2)), [1000.0, 1000.0]))


def test_log_likelihood_matches_brute_force():
    W, b = random_machine(4, 5)
    data = random_patterns(6, 4, 6)
    reference, _ = brute_force(W, b)
    expected = np.mean([math.log(reference[tuple(s)]) for s in data])
    assert_allclose(bl.log_likelihood(W, b, data), expected, rtol=1e-13)


def test_log_likelihood_gradient_matches_finite_differences():
    n = 4
    W, b = random_machine(n, 7)
    data = random_patterns(5, n, 8)
    gW, gb = bl.log_likelihood_gradient(W, b, data)
    assert_array_equal(gW, gW.T)
    assert_array_equal(np.diagonal(gW), 0.0)
    eps = 1e-5                       # central differences: error ~ eps^2 ~ 1e-10
    for i, j in itertools.combinations(range(n), 2):
        E = np.zeros((n, n))
        E[i, j] = E[j, i] = eps      # a symmetric coupling moves both entries
        fd = (bl.log_likelihood(W + E, b, data) - bl.log_likelihood(W - E, b, data)) / (2 * eps)
        assert_allclose(gW[i, j], fd, rtol=0, atol=1e-8)
    for i in range(n):
        e = np.zeros(n)
        e[i] = eps
        fd = (bl.log_likelihood(W, b + e, data) - bl.log_likelihood(W, b - e, data)) / (2 * eps)
        assert_allclose(gb[i], fd, rtol=0, atol=1e-8)


# ---------------------------------------------------------------------------------------------
# Boltzmann machine: sampling


def _index(states):
    """Row k of exact_distribution's order for each +-1 row."""
    n = states.shape[1]
    return ((states > 0) * (2 ** np.arange(n - 1, -1, -1))).sum(axis=1)


def _tv_bound(p, samples, delta=1e-6):
    """A bound on the total variation between p and an empirical law of ``samples`` iid draws
    that fails with probability below ``delta``: E[TV] <= 1/2 sum sqrt(p (1 - p) / n) (Jensen),
    and TV moves by at most 1/n per draw, so P(TV > E + t) <= exp(-2 n t^2) (McDiarmid)."""
    return (0.5 * np.sum(np.sqrt(p * (1 - p) / samples))
            + math.sqrt(math.log(1 / delta) / (2 * samples)))


def _tv(p, states):
    emp = np.bincount(_index(states), minlength=len(p)) / len(states)
    return 0.5 * np.abs(emp - p).sum()


def _one_sweep_law(W, b, s0, gain=2.0):
    """Law of the state after one sequential sweep from s0, by enumeration: P(s') = prod_i
    sigma(gain s'_i h_i), h_i with units < i already updated (s') and units > i still at s0.
    Gibbs sampling is gain 2 (the two states of a +-1 unit differ by 2 h_i in log-weight)."""
    n = len(s0)
    p = np.zeros(2 ** n)
    for k, s in enumerate(itertools.product((-1.0, 1.0), repeat=n)):
        prob = 1.0
        for i in range(n):
            h = W[i] @ np.concatenate([s[:i], s0[i:]]) + b[i]
            prob *= 1 / (1 + math.exp(-gain * s[i] * h))
        p[k] = prob
    return p


def test_gibbs_one_sweep_follows_the_exact_transition():
    n, C = 3, 40000
    W, b = random_machine(n, 12, scale=1.0)
    s0 = np.array([1.0, -1.0, 1.0])
    p = _one_sweep_law(W, b, s0)
    assert_allclose(p.sum(), 1.0, rtol=1e-14)
    out = bl.gibbs(W, b, np.tile(s0, (C, 1)), 1, rng=13)
    bound = _tv_bound(p, C)
    assert _tv(p, out) < bound
    # the test has power: a sampler using sigma(h) would be further away than the bound
    assert bound < 0.5 * np.abs(p - _one_sweep_law(W, b, s0, gain=1.0)).sum()


def test_gibbs_law_after_t_sweeps_is_exact():
    # from uniform random starts, the chains' law after t sweeps is q0 T^t with T the exact
    # one-sweep transition matrix (enumerated above): checked at t = 30, before this strongly
    # coupled machine has mixed (second eigenvalue of T: 0.93), and at t = 250, after it
    n, C = 4, 20000
    W, b = random_machine(n, 14)
    T = np.array([_one_sweep_law(W, b, np.array(s))
                  for s in itertools.product((-1.0, 1.0), repeat=n)])
    p = bl.exact_distribution(W, b).probabilities
    assert_allclose(p @ T, p, rtol=0, atol=1e-15)           # p is stationary
    start = random_patterns(C, n, 15)
    for t in (30, 250):
        q = np.full(2 ** n, 2.0 ** -n) @ np.linalg.matrix_power(T, t)
        out = bl.gibbs(W, b, start, t, rng=16)
        assert _tv(q, out) < _tv_bound(q, C)
    assert 0.5 * np.abs(q - p).sum() < 1e-6                  # at t = 250, q is p
    # power: sampling with sigma(h) samples the machine (W/2, b/2), further away than the bound
    assert _tv_bound(p, C) < 0.5 * np.abs(p - bl.exact_distribution(W / 2, b / 2)
                                          .probabilities).sum()


def test_gibbs_bits_depend_on_the_seed_only(monkeypatch):
    W, b = random_machine(4, 17)
    start = random_patterns(50, 4, 18)
    a = bl.gibbs(W, b, start, 10, rng=19)
    assert_array_equal(a, bl.gibbs(W, b, start, 10, rng=19))
    # the draws are rng.random((sweeps, C, N)) in order: 10 sweeps = 4 + 6 on one generator
    g = np.random.default_rng(19)
    assert_array_equal(a, bl.gibbs(W, b, bl.gibbs(W, b, start, 4, rng=g), 6, rng=g))
    for budget in (1, 2 ** 30):                              # uniforms drawn in small blocks
        monkeypatch.setattr(bl, "_UNIFORM_BUDGET", budget)
        assert_array_equal(a, bl.gibbs(W, b, start, 10, rng=19))
    for work in (0, 2 ** 62):
        monkeypatch.setattr(bl, "_PARALLEL_WORK", work)
        assert_array_equal(a, bl.gibbs(W, b, start, 10, rng=19))
    assert_array_equal(bl.gibbs(W, b, start, 0, rng=1), start)


# ---------------------------------------------------------------------------------------------
# Boltzmann machine: learning


def test_cd_with_many_sweeps_and_chains_approximates_the_exact_gradient():
    n, C = 4, 40000
    W, b = random_machine(n, 20, scale=0.5)
    data = random_patterns(4, n, 21)
    gW, gb = bl.log_likelihood_gradient(W, b, data)
    cW, cb_, chains = bl.cd_gradient(W, b, data, k=30, n_chains=C, rng=22)
    assert chains.shape == (C, n)
    # the error is the chains' moments minus the model's; each is a mean of C near-independent
    # draws, so its standard error is sqrt(Var / C) with the exact Var(s_i s_j) = 1 - <s_i
    # s_j>^2 and Var(s_i) = 1 - <s_i>^2. Measured: at most 2.7 SE over the 10 entries here,
    # and 0.7-1.7 SE for seeds 0-4; CD-1 on the same chains is biased (4-7 SE)
    d = bl.exact_distribution(W, b)
    S, p = d.states, d.probabilities
    pair = np.einsum("k,ki,kj->ij", p, S, S)
    mean = p @ S
    iu = np.triu_indices(n, 1)
    z_pair = (cW - gW)[iu] / np.sqrt((1 - pair[iu] ** 2) / C)
    z_mean = (cb_ - gb) / np.sqrt((1 - mean ** 2) / C)
    assert np.max(np.abs(z_pair)) < 5 and np.max(np.abs(z_mean)) < 5


def test_cd_gradient_persistent_chains_are_carried_on():
    W, b = random_machine(3, 23)
    data = random_patterns(2, 3, 24)
    chains = random_patterns(7, 3, 25)
    g1 = bl.cd_gradient(W, b, data, k=2, chains=chains, rng=26)
    assert_array_equal(g1[2], bl.gibbs(W, b, chains, 2, rng=26))
    # CD-k's default chains start at the data rows, one per row
    g2 = bl.cd_gradient(W, b, data, k=1, rng=27)
    assert_array_equal(g2[2], bl.gibbs(W, b, data, 1, rng=27))


@pytest.mark.parametrize("persistent", [False, True])
def test_training_increases_the_exact_log_likelihood(persistent):
    n = 5
    patterns = random_patterns(3, n, 30)
    W, b, trace = bl.train_boltzmann(patterns, k=1, persistent=persistent, epochs=300,
                                     learning_rate=0.05, n_chains=300, rng=31, trace=True)
    assert trace.shape == (301,)
    assert_allclose(trace[0], -n * math.log(2), rtol=1e-14)   # W = 0, b = 0: uniform
    assert_allclose(trace[-1], bl.log_likelihood(W, b, patterns), rtol=1e-14)
    # measured: from -3.47 to -1.14 (CD-1) and -1.13 (PCD); all mass spread evenly on the
    # three patterns would give -log 3 = -1.10
    assert trace[-1] > trace[0] + 1.5
    assert_array_equal(W, W.T)
    assert_array_equal(np.diagonal(W), 0.0)


def test_training_bits_depend_on_the_seed_only():
    patterns = random_patterns(3, 6, 32)
    kw = dict(k=2, epochs=20, learning_rate=0.1, n_chains=10)
    a = bl.train_boltzmann(patterns, rng=33, **kw)
    b = bl.train_boltzmann(patterns, rng=np.random.default_rng(33), **kw)
    assert_array_equal(a[0], b[0])
    assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], bl.train_boltzmann(patterns, rng=34, **kw)[0])
    W, b0 = bl.train_boltzmann(patterns, epochs=0, learning_rate=0.1, rng=0)
    assert_array_equal(W, 0.0)
    assert_array_equal(b0, 0.0)


@pytest.mark.parametrize("split", [0, 7, 25])
def test_cd_training_continued_from_initial_equals_one_run(split):
    patterns = random_patterns(4, 7, 35)
    kw = dict(k=1, learning_rate=0.1)
    whole = bl.train_boltzmann(patterns, epochs=25, rng=8, **kw)
    gen = np.random.default_rng(8)
    first = bl.train_boltzmann(patterns, epochs=split, rng=gen, **kw)
    kept = (first[0].copy(), first[1].copy())
    rest = bl.train_boltzmann(patterns, epochs=25 - split, rng=gen, initial=first, **kw)
    assert_array_equal(rest[0], whole[0])
    assert_array_equal(rest[1], whole[1])
    assert_array_equal(first[0], kept[0])               # the initial machine is not modified
    assert_array_equal(first[1], kept[1])


def test_training_from_a_machine_moves_it_toward_the_patterns():
    patterns = random_patterns(3, 6, 36)
    W0 = -bl.hebbian(patterns)                          # a machine that dislikes the patterns
    b0 = np.zeros(6)
    W, b, lls = bl.train_boltzmann(patterns, epochs=100, learning_rate=0.1, rng=1,
                                   initial=(W0, b0), trace=True)
    assert lls[0] == bl.log_likelihood(W0, b0, patterns)
    assert lls[-1] > lls[0] + 1.0, lls[[0, -1]]


# ---------------------------------------------------------------------------------------------
# Validation: a bad argument is refused with an error that names it

X3 = np.array([[1.0, -1.0, 1.0], [1.0, 1.0, -1.0]])
W3 = bl.hebbian(X3)
B3 = np.zeros(3)


@pytest.mark.parametrize("call, error, match", [
    (lambda: bl.hebbian("abc"), TypeError, "patterns"),
    (lambda: bl.hebbian(np.ones(3)), ValueError, "patterns"),
    (lambda: bl.hebbian([[1.0, np.nan]]), ValueError, "patterns"),
    (lambda: bl.storkey(np.ones((2, 0))), ValueError, "patterns"),
    (lambda: bl.projector(X3, zero_diagonal=1), TypeError, "zero_diagonal"),
    (lambda: bl.projector(X3, rcond=-1.0), ValueError, "rcond"),
    (lambda: bl.recall(np.ones((3, 2)), X3), ValueError, "W"),
    (lambda: bl.recall(np.full((3, 3), np.inf), X3), ValueError, "W"),
    (lambda: bl.recall(np.full((3, 3), 1e308), X3), ValueError, "W"),
    (lambda: bl.recall(W3, X3 * 0.5), ValueError, "start"),
    (lambda: bl.recall(W3, np.ones((2, 4))), ValueError, "start"),
    (lambda: bl.recall(np.stack([W3, W3]), np.ones((3, 2, 3))), ValueError, "start"),
    (lambda: bl.recall(np.stack([W3, W3]), np.ones(3)), ValueError, "start"),
    (lambda: bl.recall(W3, X3, max_sweeps=0), ValueError, "max_sweeps"),
    (lambda: bl.recall(W3, X3, max_sweeps=2.0), TypeError, "max_sweeps"),
    (lambda: bl.recall(W3, X3, schedule="random"), ValueError, "schedule"),
    (lambda: bl.recall(W3, X3, rng=-1), ValueError, "rng"),
    (lambda: bl.recall(W3, X3, rng="seed"), TypeError, "rng"),
    (lambda: bl.recall(W3, X3, bias=np.ones(4)), ValueError, "bias"),
    (lambda: bl.recall(W3, X3, bias=np.ones((3, 3))), ValueError, "bias"),
    (lambda: bl.overlap(np.ones((2, 4)), X3), ValueError, "states and patterns"),
    (lambda: bl.overlap(np.ones((2, 3)), np.ones((2, 2, 3))), ValueError, "patterns"),
    (lambda: bl.exact_distribution(np.triu(np.ones((3, 3)), 1), B3), ValueError, "symmetric"),
    (lambda: bl.exact_distribution(np.eye(3), B3), ValueError, "diagonal"),
    (lambda: bl.exact_distribution(W3, np.zeros(4)), ValueError, "b"),
    (lambda: bl.exact_distribution(np.zeros((21, 21)), np.zeros(21)), ValueError, "W has 21"),
    (lambda: bl.log_partition(W3, [0.0, np.nan, 0.0]), ValueError, "b"),
    (lambda: bl.log_likelihood(W3, B3, X3 * 0.5), ValueError, "data"),
    (lambda: bl.log_likelihood(W3, B3, np.ones((2, 4))), ValueError, "data"),
    (lambda: bl.log_likelihood(W3, B3, np.ones((0, 3))), ValueError, "data"),
    (lambda: bl.log_likelihood_gradient(W3, B3, np.ones(3)), ValueError, "data"),
    (lambda: bl.gibbs(W3, B3, X3, -1, rng=0), ValueError, "sweeps"),
    (lambda: bl.gibbs(W3, B3, np.zeros((2, 3)), 1, rng=0), ValueError, "states"),
    (lambda: bl.gibbs(W3, B3, np.ones((2, 4)), 1, rng=0), ValueError, "states"),
    (lambda: bl.cd_gradient(W3, B3, X3, k=0, rng=0), ValueError, "k"),
    (lambda: bl.cd_gradient(W3, B3, X3, chains=X3, n_chains=2, rng=0), ValueError, "n_chains"),
    (lambda: bl.cd_gradient(W3, B3, X3, chains=np.ones((2, 4)), rng=0), ValueError, "chains"),
    (lambda: bl.train_boltzmann(X3, epochs=-1, learning_rate=0.1, rng=0), ValueError, "epochs"),
    (lambda: bl.train_boltzmann(X3, epochs=1, learning_rate=0.0, rng=0), ValueError,
     "learning_rate"),
    (lambda: bl.train_boltzmann(X3, persistent="yes", epochs=1, learning_rate=0.1, rng=0),
     TypeError, "persistent"),
    (lambda: bl.train_boltzmann(X3, n_chains=0, epochs=1, learning_rate=0.1, rng=0), ValueError,
     "n_chains"),
    (lambda: bl.train_boltzmann(X3 * 2, epochs=1, learning_rate=0.1, rng=0), ValueError,
     "patterns"),
    (lambda: bl.train_boltzmann(np.ones((2, 21)), epochs=1, learning_rate=0.1, rng=0,
                                trace=True), ValueError, "patterns"),
    (lambda: bl.train_boltzmann(X3, epochs=1, learning_rate=0.1, rng=0, initial=W3), TypeError,
     "initial"),
    (lambda: bl.train_boltzmann(X3, epochs=1, learning_rate=0.1, rng=0,
                                initial=(W3 + np.triu(W3 + 1, 1), B3)), ValueError, "initial"),
    (lambda: bl.train_boltzmann(X3, epochs=1, learning_rate=0.1, rng=0,
                                initial=(np.zeros((4, 4)), np.zeros(4))), ValueError, "initial"),
    (lambda: bl.train_boltzmann(X3, epochs=1, learning_rate=0.1, rng=0,
                                initial=(W3, np.full(3, np.nan))), ValueError, "initial"),
])
def test_bad_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_training_that_diverges_is_refused_not_nan():
    with pytest.raises(FloatingPointError, match="learning_rate"):
        bl.train_boltzmann(X3, epochs=5, learning_rate=1e308, rng=0)


def test_projector_row_of_a_node_in_the_span_is_exactly_zero():
    """xi1 - xi2 = 2 e_0: node 0's unit vector lies in the span, so P_00 = 1 and the rest of its
    row is 0 exactly (not rounding noise); with the diagonal removed its field is a tie and both
    patterns stay fixed points under either schedule."""
    rng = np.random.default_rng(5)
    rest = np.where(rng.random(11) < 0.5, -1.0, 1.0)
    xi = np.array([np.r_[1.0, rest], np.r_[-1.0, rest]])
    P = bl.projector(xi, zero_diagonal=False)
    assert_allclose(P[0, 0], 1.0, rtol=1e-14)
    assert not np.any(P[0, 1:]) and not np.any(P[1:, 0])
    W = bl.projector(xi)
    for schedule in bl.SCHEDULES:
        res = bl.recall(W, xi, schedule=schedule, rng=0)
        assert_array_equal(res.states, xi)
