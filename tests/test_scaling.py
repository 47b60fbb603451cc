"""The runtime-scaling study (fep_core.scaling) and its patterns (datasets.sparse_ternary_patterns):
the exponent fit against closed forms and scipy's regression, the patterns' counts and
distribution, the step-time table's bookkeeping on tiny networks (no timing is asserted: speed is
measured by ``python -m fep_core.bench --scaling``), and argument checks."""
from __future__ import annotations

import weakref

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats

from fep_core import network, paper, scaling
from fep_core.datasets import sparse_ternary_patterns

# ---------------------------------------------------------------------------------------------
# Patterns


@pytest.mark.parametrize("P, n, density", [(20, 100, 0.2), (3, 7, 0.5), (5, 10, 0.25),
                                           (2, 1, 0.2), (4, 9, 0.0), (4, 9, 1.0)])
def test_patterns_are_ternary_with_round_density_n_nonzeros_each(P, n, density):
    x = sparse_ternary_patterns(P, n, density, 0)
    assert x.shape == (P, n) and x.dtype == float
    assert set(np.unique(x)) <= {-1.0, 0.0, 1.0}
    k = int(np.floor(density * n + 0.5))                 # halves rounded up: 0.25 * 10 -> 3
    assert_array_equal(np.count_nonzero(x, axis=1), np.full(P, k))


def test_patterns_follow_the_seed():
    a = sparse_ternary_patterns(4, 50, 0.2, 3)
    assert_array_equal(a, sparse_ternary_patterns(4, 50, 0.2, np.random.default_rng(3)))
    assert not np.array_equal(a, sparse_ternary_patterns(4, 50, 0.2, 4))


def test_pattern_signs_and_positions_are_uniform():
    """4000 patterns of 50 nodes, 10 non-zero each: every node is non-zero in 4000 * 0.2 = 800
    of them on average (binomial, sd 25) and the signs are fair (sd of the + count: 100)."""
    x = sparse_ternary_patterns(4000, 50, 0.2, 5)
    per_node = np.count_nonzero(x, axis=0)
    assert np.all(np.abs(per_node - 800) < 5 * np.sqrt(4000 * 0.2 * 0.8))
    assert stats.chisquare(per_node).pvalue > 1e-3
    plus = np.sum(x > 0)
    assert abs(plus - 20000) < 5 * np.sqrt(40000 * 0.25)


@pytest.mark.parametrize("args, error, name", [
    ((0, 5, 0.2), ValueError, "n_patterns"), ((2, 0, 0.2), ValueError, "n_nodes"),
    ((2, 5, -0.1), ValueError, "density"), ((2, 5, 1.5), ValueError, "density"),
    ((2, 5, float("nan")), ValueError, "density"), ((2.0, 5, 0.2), TypeError, "n_patterns"),
    ((2, 5, "0.2"), TypeError, "density")])
def test_pattern_arguments_are_checked(args, error, name):
    with pytest.raises(error, match=name):
        sparse_ternary_patterns(*args, 0)
    with pytest.raises(TypeError, match="rng"):
        sparse_ternary_patterns(2, 5, 0.2, "seed")


# ---------------------------------------------------------------------------------------------
# Exponent


@pytest.mark.parametrize("k, c", [(2.0, 3e-9), (1.0, 1.0), (2.5, 1e-12), (0.0, 0.7),
                                  (-1.0, 5.0)])
def test_exact_power_law_gives_its_exponent_and_zero_error(k, c):
    N = np.array([2048, 4096, 8192, 16384, 50000], dtype=float)
    fit = scaling.fit_exponent(N, c * N ** k)
    assert_allclose(fit.exponent, k, rtol=0, atol=1e-12)
    assert fit.stderr < 1e-12
    assert_allclose(fit.intercept, np.log(c), rtol=0, atol=1e-10)
    assert fit.n_points == 5


def test_sizes_below_min_nodes_are_left_out():
    N = np.array([64, 128, 256, 2048, 4096, 8192])
    t = np.where(N < 2048, 1e-6, 2e-9 * N.astype(float) ** 2)    # flat (overhead-bound) below
    assert_allclose(scaling.fit_exponent(N, t).exponent, 2.0, atol=1e-12)
    assert scaling.fit_exponent(N, t).n_points == 3
    low = scaling.fit_exponent(N, t, min_nodes=64)
    assert low.n_points == 6
    assert_allclose(low.exponent, stats.linregress(np.log(N), np.log(t)).slope, rtol=1e-12)
    assert abs(low.exponent - 2.0) > 0.5


def test_noisy_fit_equals_scipy_linregress():
    rng = np.random.default_rng(6)
    N = np.geomspace(2048, 50000, 7)
    t = 1e-9 * N ** 2.1 * np.exp(rng.normal(0, 0.1, N.size))
    fit = scaling.fit_exponent(N, t)
    ref = stats.linregress(np.log(N), np.log(t))
    assert_allclose([fit.exponent, fit.stderr, fit.intercept],
                    [ref.slope, ref.stderr, ref.intercept], rtol=1e-10)


@pytest.mark.parametrize("N, t, kw, error, name", [
    ([2048, 4096], [1.0, 4.0], {}, ValueError, "3 distinct"),
    ([2048, 2048, 2048, 4096], [1.0, 1.1, 0.9, 4.0], {}, ValueError, "3 distinct"),
    ([64, 128, 256], [1.0, 2.0, 3.0], {}, ValueError, "min_nodes"),
    ([1, 2, 3], [1.0, 2.0], {"min_nodes": 1}, ValueError, "same length"),
    ([1, 2, 3], [1.0, 0.0, 3.0], {"min_nodes": 1}, ValueError, "seconds"),
    ([0, 2, 3], [1.0, 2.0, 3.0], {"min_nodes": 0}, ValueError, "n_nodes"),
    ([1, 2, 3], [1.0, np.nan, 3.0], {"min_nodes": 1}, ValueError, "seconds"),
    ([[1, 2, 3]], [1.0, 2.0, 3.0], {"min_nodes": 1}, ValueError, "n_nodes"),
    ([1, 2, 3], [1.0, 2.0, 3.0], {"min_nodes": [1, 2]}, ValueError, "min_nodes"),
])
def test_fit_arguments_are_checked(N, t, kw, error, name):
    with pytest.raises(error, match=name):
        scaling.fit_exponent(N, t, **kw)


# ---------------------------------------------------------------------------------------------
# Step times (bookkeeping only: tiny networks, no timing asserted)


COLUMNS = ["n_nodes", "steps", "seconds_per_step", "steps_per_s", "bytes_per_step",
           "bandwidth_gb_s", "memory_bandwidth_gb_s", "bandwidth_fraction"]


@pytest.mark.parametrize("dtype, itemsize", [("float32", 4), ("float64", 8)])
def test_step_times_table(dtype, itemsize):
    df = scaling.step_times([8, 20], dtype=dtype, steps=3, repeats=2, mbytes=8)
    assert list(df.columns) == COLUMNS
    assert_array_equal(df["n_nodes"], [8, 20])
    assert_array_equal(df["steps"], [3, 3])
    assert_array_equal(df["bytes_per_step"], 2.0 * itemsize * np.array([64, 400]))
    assert np.all(np.isfinite(df.drop(columns="n_nodes").to_numpy()))
    assert np.all(df["seconds_per_step"] > 0)
    assert_allclose(df["steps_per_s"], 1 / df["seconds_per_step"], rtol=1e-15)
    assert_allclose(df["bandwidth_gb_s"], df["bytes_per_step"] / df["seconds_per_step"] / 1e9,
                    rtol=1e-15)
    assert np.all(df["memory_bandwidth_gb_s"] > 0) and np.all(df["bandwidth_fraction"] > 0)
    assert df.attrs == {"dtype": dtype, "repeats": 2}


def test_step_times_trains_each_size_on_sparse_patterns_and_frees_it_first(monkeypatch):
    """Spy on the networks the study builds: one per size, of the asked dtype, trained on
    Simulation 5a's settings and patterns, the previous one gone before the next is built."""
    built, trains = [], []
    real = network.AttractorBatch

    class Spy(real):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            if self.n_nodes in (10, 30):
                assert all(r() is None for r in built), "the previous network is still alive"
                built.append(weakref.ref(self))

        def train(self, patterns, **kw):
            if self.n_nodes in (10, 30):
                trains.append((self.n_nodes, self.dtype, np.array(patterns), kw))
            return super().train(patterns, **kw)

    monkeypatch.setattr(network, "AttractorBatch", Spy)
    scaling.step_times([10, 30], steps=2, repeats=2, mbytes=8)
    assert len(built) == 2
    s = paper.SIMULATION5_SCALING
    assert [t[0] for t in trains] == [10] * 5 + [30] * 5   # an untimed step, 2 pairs of calls
    for n, dtype, pats, kw in trains:
        assert dtype == np.float32
        assert pats.shape == (s["n_patterns"], n)
        assert_array_equal(np.count_nonzero(pats, axis=1),
                           np.full(s["n_patterns"], int(s["pattern_density"] * n + 0.5)))
        assert kw["evidence"] == s["evidence"] and kw["steps_per_epoch"] == 1
        assert kw["inverse_temperature"] == s["inverse_temperature"]
        assert kw["learning_rate"] == s["learning_rate"]
    assert [t[3]["epochs"] for t in trains] == [1, 2, 4, 2, 4] * 2     # k = 2 and 2k steps


def test_a_calls_fixed_cost_cancels_and_noise_falls_back_to_an_upper_bound(monkeypatch):
    """With calls that cost a fixed 0.5 s plus 1 ms per step and node, the step time is exactly
    the per-step part; where the shorter call took longer than the longer (noise), the longer
    call's time per step is reported."""
    monkeypatch.setattr(scaling, "_timed_steps",
                        lambda net, patterns, steps: 0.5 + 1e-3 * steps * net.n_nodes)
    df = scaling.step_times([10, 30], steps=3, repeats=2, mbytes=8)
    assert_allclose(df["seconds_per_step"], [1e-2, 3e-2], rtol=1e-12)
    assert_allclose(df["bandwidth_fraction"],
                    df["bytes_per_step"] / df["seconds_per_step"]
                    / (1e9 * df["memory_bandwidth_gb_s"]), rtol=1e-12)
    monkeypatch.setattr(scaling, "_timed_steps",
                        lambda net, patterns, steps: 1.0 if steps == 3 else 0.9)
    df = scaling.step_times([10], steps=3, repeats=2, mbytes=8)
    assert_allclose(df["seconds_per_step"], [0.9 / 6], rtol=1e-12)


def test_step_times_calibrates_the_steps_of_a_timed_call():
    df = scaling.step_times([8], repeats=1, mbytes=8)
    assert df["steps"].iloc[0] >= 2                 # a 1-step call of 8 nodes is microseconds
    assert df["steps"].iloc[0] * df["seconds_per_step"].iloc[0] > 0.01


@pytest.mark.parametrize("kw, error, name", [
    ({"sizes": []}, ValueError, "sizes"), ({"sizes": [8, 0]}, ValueError, "sizes"),
    ({"sizes": [8.0]}, TypeError, "sizes"), ({"sizes": 8}, TypeError, "sizes"),
    ({"dtype": "float16"}, ValueError, "dtype"), ({"steps": 0}, ValueError, "steps"),
    ({"repeats": 0}, ValueError, "repeats"), ({"rng": "x"}, TypeError, "rng"),
])
def test_step_times_arguments_are_checked(kw, error, name):
    with pytest.raises(error, match=name):
        scaling.step_times(**{"sizes": [8], **kw})


def test_memory_bandwidth_is_a_positive_rate():
    bw = scaling.memory_bandwidth(mbytes=8, repeats=3)
    assert np.isfinite(bw) and bw > 1e6
    a = scaling.bandwidth_array(4)
    assert a.nbytes == 4 * 2 ** 20 and np.all(a == 1.0)          # swept once
    scaling.sweep_bandwidth(a)
    assert np.all(a == 2.0)
    with pytest.raises(ValueError, match="mbytes"):
        scaling.bandwidth_array(0)


def test_sizes_of_the_study():
    assert scaling.SIZES == (64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 50000)


def test_authors_series_is_the_papers_table():
    df = scaling.authors_series()
    r = paper.SCALING_REPORTED
    assert_array_equal(df["n_nodes"], r["n_nodes"])
    assert_array_equal(df["steps_per_s"], r["steps_per_s"])
    assert_allclose(df["seconds_per_step"], 1 / np.array(r["steps_per_s"]), rtol=1e-15)
    assert df.attrs["machine"] == r["machine"] and df.attrs["note"] == r["note"]
