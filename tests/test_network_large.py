"""The column-parallel kernel used for one large network agrees bit for bit with the batched one,
in runs and in training, and a long run of a large network can be interrupted with Ctrl-C."""

import numpy as np
import pytest

from fep_core import network
from fep_core.network import AttractorBatch, AttractorNetwork

N = network.LARGE_NETWORK + 37          # not a multiple of the chunk count or of 4


def _coupling(seed):
    rng = np.random.default_rng(seed)
    J = rng.normal(0, 0.3 / np.sqrt(N), (N, N))
    np.fill_diagonal(J, 0)
    return J


@pytest.mark.parametrize("stochastic", [True, False])
@pytest.mark.parametrize("learning_rate", [0.0, 0.01])
def test_large_run_equals_batched_kernel(stochastic, learning_rate):
    J0 = _coupling(1)
    bias = np.random.default_rng(2).normal(0, 1, N)
    U = np.random.default_rng(3).uniform(0.001, 0.999, (6, N))
    kw = dict(inverse_temperature=0.7, learning_rate=learning_rate, stochastic=stochastic,
              uniforms=U if stochastic else None)
    large = AttractorNetwork(N, rng=0, coupling=J0)
    s_large = large.run(bias, 6, **kw)                  # n >= LARGE_NETWORK: column-parallel kernel
    ref = AttractorBatch(1, N, rng=[0], coupling=J0)    # the batched kernel, same uniforms
    s_ref = ref.simulate(bias[None], np.zeros(6, np.int64), steps_per_segment=1, record="states",
                         **{**kw, "uniforms": U[None] if stochastic else None})[0]
    assert np.array_equal(s_large, s_ref)
    assert np.array_equal(large.J, ref.J[0])
    assert np.all(np.diagonal(large.J) == 0)


def test_large_run_same_seed_same_numbers():
    J0 = _coupling(4)
    a = AttractorNetwork(N, rng=9, coupling=J0).run(np.ones(N), 3, learning_rate=0.001)
    b = AttractorNetwork(N, rng=9, coupling=J0).run(np.ones(N), 3, learning_rate=0.001)
    c = AttractorNetwork(N, rng=10, coupling=J0).run(np.ones(N), 3, learning_rate=0.001)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_large_run_draws_the_generators_numbers():
    """Without uniforms the column-parallel kernel draws from the network's generator, exactly
    what ``rng.random((steps, n))`` returns."""
    J0 = _coupling(5)
    bias = np.random.default_rng(6).normal(0, 1, N)
    drawn = AttractorNetwork(N, rng=11, coupling=J0)
    s_drawn = drawn.run(bias, 5, learning_rate=0.001, inverse_temperature=0.5)
    U = np.random.default_rng(11).random((5, N))
    given = AttractorNetwork(N, rng=0, coupling=J0)
    s_given = given.run(bias, 5, learning_rate=0.001, inverse_temperature=0.5, uniforms=U)
    assert np.array_equal(s_drawn, s_given)
    assert np.array_equal(drawn.J, given.J)


def _spy_large_kernel(monkeypatch):
    calls = []
    real = network.K.run_large_segments
    monkeypatch.setattr(network.K, "run_large_segments", lambda *a: calls.append(a[9]) or real(*a))
    return calls


@pytest.mark.parametrize("record", [False, True])
def test_large_train_uses_column_parallel_kernel_and_equals_batched(monkeypatch, record):
    """AttractorNetwork.train of a network at or above LARGE_NETWORK runs the column-parallel
    kernel (as run does) and gives the bits of the batched kernel (a batch of two)."""
    J0 = _coupling(7)
    pats = np.random.default_rng(8).normal(0, 1, (3, N))
    kw = dict(evidence=2.0, epochs=3, steps_per_epoch=2, inverse_temperature=0.8,
              learning_rate=0.002, record=record)
    ref = AttractorBatch(2, N, rng=[12, 13], coupling=J0)       # B = 2: the batched kernel
    tr_ref = ref.train(pats, **kw)
    calls = _spy_large_kernel(monkeypatch)
    net = AttractorNetwork(N, rng=12, coupling=J0)
    tr = net.train(pats, **kw)
    assert calls and sum(calls) == 6
    for field in ("pattern_index", "vfe", "complexity", "accuracy", "weight_change"):
        assert np.array_equal(getattr(tr, field), getattr(tr_ref, field)[0]), field
    assert tr.vfe.shape == ((6,) if record else (0,))
    assert np.array_equal(net.J, ref.J[0])
    assert np.array_equal(net.state, ref.state[0])






@pytest.mark.parametrize("how", ["run", "train"])
def test_ctrl_c_interrupts_a_long_run_of_a_large_network(how, ctrl_c):
    """Sized (on this machine) to take 6 s, a run or training epoch of a large network must stop
    within a fraction of a second of Ctrl-C, and leave a usable network."""
    net = AttractorNetwork(N, rng=14, coupling=_coupling(9))
    bias = np.random.default_rng(10).normal(0, 1, N)

    def go(k):
        if how == "run":
            net.run(bias, k, learning_rate=0.001)
        else:
            net.train(bias[None], epochs=1, steps_per_epoch=k, inverse_temperature=1.0,
                      learning_rate=0.001)

    steps = ctrl_c.steps_taking(6.0, go, k=8)
    assert ctrl_c.seconds_to_interrupt(lambda: go(steps)) < 2.0
    assert np.all(np.isfinite(net.J)) and np.all(np.diagonal(net.J) == 0)
    assert np.all(np.isfinite(net.run(bias, 2)))
