"""The engine switch (:mod:`fep_core.backends`) and the simulations that take ``backend=``.

Exactness of the JAX engine itself (1e-12 against the numba engine given the same uniforms,
statistics over seeds) is tested in test_jax_backend.py; here: that the switch builds the
engine it names with the arguments it was given, that the simulations route their training
through it and their analyses through the CPU engine, and that bad input is refused by name.
"""
from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from fep_core import capacity, datasets, experiments, faces
from fep_core.backends import BACKENDS, as_numba_batch, make_batch
from fep_core.network import AttractorBatch
from fep_core.streams import TRAIN, cell_key, stream

jax = pytest.importorskip("jax", reason="the JAX backend is optional: pip install -e '.[jax]'")
from fep_core.jax_backend import JaxAttractorBatch  # noqa: E402


def _coupling(n, seed):
    J = np.random.default_rng(seed).normal(0, 0.1, (n, n))
    np.fill_diagonal(J, 0)
    return J


def test_backends_are_named():
    assert BACKENDS == ("numba", "jax")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_numba_backend_is_the_cpu_engine_bit_for_bit(dtype):
    J = _coupling(6, 1)
    made = make_batch(3, 6, rng=7, coupling=J, dtype=dtype)
    direct = AttractorBatch(3, 6, rng=7, coupling=J, dtype=dtype)
    assert type(made) is AttractorBatch and made.dtype == direct.dtype
    for b in (made, direct):
        b.run(np.full(6, 0.3), 20, inverse_temperature=2.0, learning_rate=0.01)
    assert_array_equal(made.J, direct.J)
    assert_array_equal(made.state, direct.state)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_jax_backend_is_the_jax_engine_bit_for_bit(dtype):
    J = _coupling(6, 2)
    made = make_batch(2, 6, rng=[3, 4], coupling=J, dtype=dtype, backend="jax")
    direct = JaxAttractorBatch(2, 6, rng=[3, 4], coupling=J, dtype=dtype)
    assert type(made) is JaxAttractorBatch and made.dtype == direct.dtype
    for b in (made, direct):
        b.run(np.full(6, -0.2), 15, inverse_temperature=1.5, learning_rate=0.02)
    assert_array_equal(made.J, direct.J)
    assert_array_equal(made.state, direct.state)


@pytest.mark.parametrize("bad, error", [("torch", ValueError), ("JAX", ValueError),
                                        (None, TypeError), (["jax"], TypeError)])
def test_an_unknown_backend_is_refused_by_name(bad, error):
    with pytest.raises(error, match="backend"):
        make_batch(1, 4, backend=bad)
    with pytest.raises(error, match="backend"):
        experiments.simulation2(evidences=[1.0], inverse_temperatures=[0.5], epochs=1,
                                steps_per_epoch=1, trials=1, eval_steps=1, backend=bad)
    with pytest.raises(error, match="backend"):
        capacity.train_networks([2], n_nodes=5, epochs=1, steps_per_epoch=1, backend=bad)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_as_numba_batch_copies_couplings_and_state(dtype):
    jb = JaxAttractorBatch(2, 5, rng=0, coupling=_coupling(5, 3), dtype=dtype)
    jb.run(np.full(5, 0.5), 10, learning_rate=0.01)
    cpu = as_numba_batch(jb, rng=1)
    assert type(cpu) is AttractorBatch and cpu.dtype == jb.dtype
    assert_array_equal(cpu.J, jb.J)
    assert_array_equal(cpu.state, jb.state)
    # by default the copy draws from the JAX batch's own generators: a seed, the same bits
    twins = [JaxAttractorBatch(2, 5, rng=9, coupling=_coupling(5, 4), dtype=dtype)
             for _ in range(2)]
    runs = [as_numba_batch(t).run(np.zeros(5), 8) for t in twins]
    assert_array_equal(runs[0], runs[1])
    assert twins[0].generators[0].random() == twins[1].generators[0].random()
    numba_batch = AttractorBatch(1, 3, rng=0)
    assert as_numba_batch(numba_batch) is numba_batch          # no copy on the CPU engine
    with pytest.raises(ValueError, match="rng must be None"):   # it keeps its own generators
        as_numba_batch(numba_batch, rng=1)
    with pytest.raises(TypeError, match="batch must be"):
        as_numba_batch(np.zeros((2, 5, 5)))


SMALL = dict(learning_rate=0.001, epochs=40, steps_per_epoch=5)


def _digit_networks_by_hand(E, IT, seed):
    """The JAX engine trained on each cell's training stream, as Simulation 2 trains."""
    rngs = [stream(seed, *cell_key(e, t), TRAIN) for e, t in zip(E, IT)]
    by_hand = JaxAttractorBatch(len(E), 64, rng=rngs)
    by_hand.train(datasets.digits().train, evidence=E, epochs=SMALL["epochs"],
                  steps_per_epoch=SMALL["steps_per_epoch"], inverse_temperature=IT,
                  learning_rate=SMALL["learning_rate"])
    return by_hand


def test_digit_networks_train_on_the_named_engine():
    E, IT = np.array([1.0, 5.0]), np.array([0.2, 1.0])
    got = experiments.train_digit_networks(E, IT, seed=3, backend="jax", **SMALL)
    assert isinstance(got, JaxAttractorBatch)
    by_hand = _digit_networks_by_hand(E, IT, 3)
    assert_array_equal(got.J, by_hand.J)
    assert_array_equal(got.state, by_hand.state)
    numba = experiments.train_digit_networks(E, IT, seed=3, **SMALL)
    assert isinstance(numba, AttractorBatch)
    assert not np.array_equal(numba.J, got.J)         # other random numbers, same protocol


def test_simulation2_on_jax_is_evaluated_on_the_cpu_from_the_trained_networks():
    kw = dict(evidences=[2.0], inverse_temperatures=[0.3, 1.0], seed=1, trials=3,
              eval_steps=5, **SMALL)
    res = experiments.simulation2(backend="jax", **kw)
    assert res.params["backend"] == "jax"
    again = experiments.simulation2(backend="jax", **kw)
    assert_array_equal(res.J, again.J)                 # same seed, same bits
    assert_array_equal(res.retrieval_scores, again.retrieval_scores)
    # the networks trained by hand on JAX, evaluated on the CPU engine: the same table
    E, IT = np.array([2.0, 2.0]), np.array([0.3, 1.0])
    trained = as_numba_batch(_digit_networks_by_hand(E, IT, 1))
    assert_array_equal(res.J, trained.J)
    ret, gen, _, uniq, _, _ = experiments.evaluate_digit_networks(trained, E, IT, seed=1,
                                                                  trials=3, eval_steps=5)
    assert_array_equal(res.retrieval_scores, ret["score"])
    assert_array_equal(res.generalization_scores, gen["score"])
    assert len(res.attractors) == len(uniq)
    for a, b in zip(res.attractors, uniq):
        assert_array_equal(a, b)


@pytest.mark.parametrize("reset", [False, True])
def test_capacity_networks_train_on_the_named_engine(reset):
    kw = dict(n_nodes=24, repeats=2, rng=5, reset_state=reset, epochs=300, steps_per_epoch=5,
              learning_rate=0.01)
    jx = capacity.train_networks([3, 6], backend="jax", **kw)
    cpu = capacity.train_networks([3, 6], **kw)
    assert_array_equal(jx.patterns, cpu.patterns)       # same patterns and networks ...
    assert_array_equal(jx.n_patterns, cpu.n_patterns)
    assert not np.array_equal(jx.J, cpu.J)              # ... other training noise
    again = capacity.train_networks([3, 6], backend="jax", **kw)
    assert_array_equal(jx.J, again.J)
    # learning is driven by each network's own patterns: the two engines' couplings agree
    # network by network far better than with another network's
    flat = lambda J: J.reshape(len(J), -1)                       # noqa: E731
    r = np.corrcoef(flat(jx.J), flat(cpu.J))[:4, 4:]
    assert np.all(np.diag(r) > 0.8), np.diag(r)
    off = r[~np.eye(4, dtype=bool)]
    assert np.diag(r).min() > off.max() + 0.3, (np.diag(r), off)


def _tiny_faces(count=10, seed=3):
    return datasets.zscore(np.random.default_rng(seed).normal(size=(count, 16)))


FACE_SETTINGS = dict(evidence=np.array([2.0, 5.0]), inverse_temperature=np.array([0.3, 1.0]),
                     learning_rate=np.array([0.01, 0.03]), epochs=15, steps_per_epoch=3)


def test_face_networks_train_on_the_named_engine():
    x = _tiny_faces()
    got = faces.train_faces(x, **FACE_SETTINGS, seed=2, backend="jax")
    assert isinstance(got, JaxAttractorBatch)
    s = FACE_SETTINGS
    # each network's training stream, keyed by its setting (thousandths of the evidence,
    # billionths of the precision and learning rate), as fep_core.faces keys it
    rngs = [stream(2, faces.FACES, round(e * 1000), round(t * 1e9), round(a * 1e9), TRAIN)
            for e, t, a in zip(s["evidence"], s["inverse_temperature"], s["learning_rate"])]
    by_hand = JaxAttractorBatch(2, 16, rng=rngs)
    by_hand.train(x, evidence=s["evidence"], epochs=s["epochs"],
                  steps_per_epoch=s["steps_per_epoch"],
                  inverse_temperature=s["inverse_temperature"], learning_rate=s["learning_rate"])
    assert_array_equal(got.J, by_hand.J)
    # the evaluation takes the JAX batch and runs on the CPU engine, as from its copy
    kw = dict(evidence=s["evidence"], inverse_temperature=s["inverse_temperature"],
              learning_rate=s["learning_rate"], trials=3, eval_steps=4, seed=2)
    a = faces.evaluate(got, x[:7], x[7:], **kw)
    b = faces.evaluate(as_numba_batch(by_hand), x[:7], x[7:], **kw)
    assert_array_equal(a.retrieval, b.retrieval)
    assert_array_equal(a.generalization, b.generalization)
    assert_array_equal(a.fixed_points, b.fixed_points)


def test_simulation6_and_the_sweep_on_jax_are_deterministic():
    x = _tiny_faces()
    kw = dict(images=x, n_held_out=3, trials=3, eval_steps=4, epochs=15, steps_per_epoch=3,
              seed=1)
    one = faces.simulation6(evidence=2.0, inverse_temperature=0.3, learning_rate=0.01,
                            backend="jax", **kw)
    again = faces.simulation6(evidence=2.0, inverse_temperature=0.3, learning_rate=0.01,
                              backend="jax", **kw)
    cpu = faces.simulation6(evidence=2.0, inverse_temperature=0.3, learning_rate=0.01, **kw)
    assert one.params["backend"] == "jax" and cpu.params["backend"] == "numba"
    assert_array_equal(one.J, again.J)
    assert_array_equal(one.evaluation.retrieval, again.evaluation.retrieval)
    assert not np.array_equal(one.J, cpu.J)              # its own training noise
    sweep = faces.sweep(precisions=(0.3,), evidences=(2.0,), learning_rates=(0.01,), starts=4,
                        backend="jax", **kw)
    assert_array_equal(sweep.J[0], one.J)                # the same network as simulation6's
