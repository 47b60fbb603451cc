"""The comparison with classic networks (fep_core.comparison): each task on a tiny case with a
known answer, the paper's networks identical to the simulations' own, the predicates on
hand-made inputs, the table, determinism and argument checks.

Known answers used: a network holding one pattern recalls it from any start with more agreeing
than disagreeing entries; the projector keeps K < N independent patterns as fixed points (its
fixed-point capacity reaches the largest load tested); symmetric couplings have asymmetry 0 and
cannot cycle 1 -> 2 -> 3; Hebbian couplings of two sets add up to those of both; CD-1 from zero
is train_boltzmann, bit for bit.
"""
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from fep_core import baselines, capacity, comparison as C, datasets, experiments, metrics, paper

# ---------------------------------------------------------------------------------------------
# The claims the predicates test are the paper's words


def test_every_claim_kind_matches_the_papers_words():
    words = paper.COMPARISON
    assert tuple(words) == C.ROWS and C.TABLE_NETWORKS == tuple(words["learning"])
    kinds = {"one shot": "one shot", "two phases": "clamped and free",
             "one phase": "one phase", "hebbian": "0.14", "approaches N": "approaches N",
             "no": "no", "forgets": "forgets", "replay": "replay", "once": "once",
             "per step": "per step"}
    for row, cells in C.CLAIMS.items():
        for net, kind in cells.items():
            w = words[row][net]
            if kind == "N":
                assert w == "N"
            elif kind == "yes":
                assert w.startswith("yes") or w in ("by construction", "emergent")
            else:
                assert kinds[kind] in w, (row, net, kind, w)
    # predictive coding is not built: it has no claim to test
    assert all("predictive coding" not in cells for cells in C.CLAIMS.values())


# ---------------------------------------------------------------------------------------------
# Binary networks


def test_binarise():
    assert_array_equal(C.binarise([[-0.5, 0.0, 2.0], [1e-300, -1e-300, -3.0]]),
                       [[-1, 1, 1], [1, -1, -1]])
    with pytest.raises(ValueError, match="patterns"):
        C.binarise([np.nan, 1.0])


def test_binary_recall_scores_on_a_one_pattern_network():
    xi = np.array([1, -1, 1, 1, -1, -1, 1, -1, 1, 1.0])
    W = baselines.hebbian(xi[None])[None]
    noise = 0.3 * np.random.default_rng(0).standard_normal((4, 10))
    out = C.binary_recall_scores(W, xi[None].repeat(4, 0), noise=noise, rng=1)
    # small noise keeps most entries: the network completes to the pattern
    assert_array_equal(out["response"][0], np.tile(xi, (4, 1)))
    noisy = xi + xi.std() * noise
    want = np.array([np.corrcoef(n, xi)[0, 1] ** 2 for n in noisy])
    assert_allclose(out["r2_noisy"][0], want, rtol=1e-12)
    assert_allclose(out["r2_response"][0], 1.0, rtol=1e-12)
    assert_allclose(out["score"][0], 1.0 - want, rtol=1e-12)


def test_binary_recall_scores_is_deterministic_and_checks_shapes():
    rng = np.random.default_rng(3)
    pats = np.where(rng.random((3, 16)) < 0.5, -1.0, 1.0)
    W = np.stack([baselines.hebbian(pats), baselines.projector(pats)])
    noise = rng.standard_normal((3, 16))
    a = C.binary_recall_scores(W, pats, noise=noise, rng=7)
    b = C.binary_recall_scores(W, pats, noise=noise, rng=7)
    assert_array_equal(a["score"], b["score"])
    assert a["score"].shape == (2, 3)
    with pytest.raises(ValueError, match="nodes"):
        C.binary_recall_scores(W, pats[:, :8], noise=noise[:, :8], rng=0)
    with pytest.raises(ValueError, match="W"):
        C.binary_recall_scores(W[0], pats, noise=noise, rng=0)


def test_projector_attractors_are_its_patterns():
    rng = np.random.default_rng(4)
    pats = np.where(rng.random((4, 20)) < 0.5, -1.0, 1.0)
    uniq, ends = C.binary_attractors(baselines.projector(pats)[None], pats, rng=0)
    assert_array_equal(ends[0], pats)
    assert len(uniq[0]) == 4
    assert metrics.orthogonality(uniq[0]) == pytest.approx(metrics.orthogonality(pats), abs=1e-12)


# ---------------------------------------------------------------------------------------------
# Boltzmann machine


def test_continue_boltzmann_from_zero_is_train_boltzmann_bit_for_bit():
    pats = np.where(np.random.default_rng(5).random((6, 12)) < 0.5, -1.0, 1.0)
    W0, b0 = baselines.train_boltzmann(pats, k=1, epochs=30, learning_rate=0.05, rng=11)
    W1, b1, kept = C.continue_boltzmann(np.zeros((12, 12)), np.zeros(12), pats, epochs=30,
                                        rng=11, record=(0, 10, 30))
    assert_array_equal(W0, W1)
    assert_array_equal(b0, b1)
    assert sorted(kept) == [0, 10, 30]
    assert_array_equal(kept[0][0], 0.0)
    assert_array_equal(kept[30][0], W1)
    W10, b10 = baselines.train_boltzmann(pats, k=1, epochs=10, learning_rate=0.05, rng=11)
    assert_array_equal(kept[10][0], W10)


def test_continue_boltzmann_continues_and_checks():
    pats = np.where(np.random.default_rng(6).random((4, 8)) < 0.5, -1.0, 1.0)
    W, b = C.continue_boltzmann(np.zeros((8, 8)), np.zeros(8), pats, epochs=0, rng=0)
    assert_array_equal(W, 0.0)
    assert_array_equal(b, 0.0)
    # two phases from one generator equal one run of their total length on the same patterns
    g = np.random.default_rng(1)
    Wa, ba = C.continue_boltzmann(np.zeros((8, 8)), np.zeros(8), pats, epochs=5, rng=g)
    Wb, bb = C.continue_boltzmann(Wa, ba, pats, epochs=5, rng=g)
    Wc, bc = C.continue_boltzmann(np.zeros((8, 8)), np.zeros(8), pats, epochs=10, rng=1)
    assert_array_equal(Wb, Wc)
    with pytest.raises(ValueError, match="record"):
        C.continue_boltzmann(W, b, pats, epochs=3, rng=0, record=(5,))
    with pytest.raises(ValueError, match="learning_rate"):
        C.continue_boltzmann(W, b, pats, epochs=3, rng=0, learning_rate=-1.0)


# ---------------------------------------------------------------------------------------------
# Capacity: a tiny study


@pytest.fixture(scope="module")
def tiny_study():
    return capacity.capacity_study((16,), loads={16: (2, 4)}, repeats={16: 2},
                                   baseline_loads={16: (1, 2, 4, 8, 12)}, corruption=(0.0, 0.1),
                                   precisions=(100.0,), attractor_sizes=(), epochs=60)


def test_capacity_task_on_a_tiny_study(tiny_study):
    cap = C.capacity_task(tiny_study, n_nodes=16, boltzmann_loads=(2, 4, 8))
    assert set(cap.network) == set(C.CLASSIC) | {"this network"}
    assert len(cap) == 5 * 2 * 2                       # networks x repeats x corruptions
    assert set(cap.censored) <= {-1, 0, 1} and np.isfinite(cap.alpha_c).all()
    # the projector keeps every pattern of every load tested (K < N independent patterns):
    # its fixed-point capacity is censored at the largest load, 12/16
    proj = cap[(cap.network == "projector network") & (cap.corruption == 0.0)]
    assert (proj.censored == 1).all()
    assert_allclose(proj.alpha_c.to_numpy(float), 12 / 16, rtol=1e-12)
    # the study's own numbers are passed through unchanged
    heb = tiny_study.critical[(tiny_study.critical.network == "Hebbian")].sort_values(
        ["repeat", "corruption"])
    mine = cap[cap.network == "Hopfield"].sort_values(["repeat", "corruption"])
    assert_array_equal(mine.alpha_c.to_numpy(), heb.alpha_c.to_numpy())
    recall = cap.attrs["boltzmann_recall"]
    assert set(recall.n_patterns) == {2, 4, 8} and recall.recalled.between(0, 1).all()
    # the Boltzmann machines store their patterns as fixed points at these low loads
    assert (recall[recall.corruption == 0.0].recalled == 1).all()


def test_capacity_task_is_deterministic_and_checks(tiny_study):
    a = C.capacity_task(tiny_study, n_nodes=16, boltzmann_loads=(2, 4), seed=3)
    b = C.capacity_task(tiny_study, n_nodes=16, boltzmann_loads=(2, 4), seed=3)
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(TypeError, match="CapacityStudy"):
        C.capacity_task("study")
    with pytest.raises(ValueError, match="n_nodes = 100"):
        C.capacity_task(tiny_study)


# ---------------------------------------------------------------------------------------------
# The digits and the sequences: the paper's networks are the simulations' own


@pytest.fixture(scope="module")
def digits_one_seed():
    return C.digits_task(seeds=(0,), curve_epochs=(100, paper.SIMULATION2["epochs"]),
                         curve_trials=10)


def test_digits_task_seed_0_is_simulation2s_balanced_cell(digits_one_seed):
    cell = experiments.simulation2_cell(seed=0)
    fep = digits_one_seed.scores.set_index("network").loc["this network"]
    assert fep.retrieval == cell.summary["retrieval"]
    assert fep.generalization == cell.summary["generalization"]
    assert fep.n_attractors == cell.summary["n_attractors"]
    assert fep.orthogonality == cell.summary["orthogonality"]
    assert_array_equal(digits_one_seed.J[0], cell.network.J)


def test_digits_task_classic_networks(digits_one_seed):
    s = digits_one_seed.scores.set_index("network")
    train = C.binarise(datasets.digits().train)
    # the projector and the Boltzmann machine keep every binarised digit as a fixed point
    assert s.loc["projector network", "patterns_fixed"] == 1.0
    assert s.loc["projector network", "n_attractors"] == 10
    assert s.loc["projector network", "data_orthogonality"] == pytest.approx(
        metrics.orthogonality(train), abs=1e-12)
    # the correlated digits merge under the Hebbian rule
    assert s.loc["Hopfield", "n_attractors"] < 10 and s.loc["Hopfield", "patterns_fixed"] == 0
    cv = digits_one_seed.curves
    assert (cv[cv.network.isin(["Hopfield", "Storkey", "projector network"])]
            .presentations == 1).all()
    assert set(cv[cv.network == "this network"].presentations) == {10.0, 500.0}
    assert set(cv[cv.network == "Boltzmann machine"].presentations) == set(C.BOLTZMANN_CURVE)


def test_digits_task_checks():
    with pytest.raises(ValueError, match="curve_epochs"):
        C.digits_task(seeds=(0,), curve_epochs=(10, 20))
    with pytest.raises(ValueError, match="curve_trials"):
        C.digits_task(seeds=(0,), curve_trials=200, trials=100)
    with pytest.raises(ValueError, match="distinct"):
        C.digits_task(seeds=(1, 1))
    with pytest.raises(TypeError, match="seeds"):
        C.digits_task(seeds="01")


def test_sequences_task_hebbian_cannot_hold_a_sequence():
    res = C.sequences_task(seeds=(0, 1))
    t = res.table.set_index(["network", "seed"])
    for s in (0, 1):
        sim3 = experiments.simulation3(seed=s)
        assert t.loc[("this network", s), "order"] == sim3.sequence_order
        assert t.loc[("this network", s), "asymmetry"] == pytest.approx(sim3.asymmetry,
                                                                         rel=1e-12)
    for name in C.CLASSIC:
        rows = t.loc[name]
        assert (rows.asymmetry == 0).all()           # symmetric couplings
        assert not rows.cycles.any()
        assert (rows.order == "1").all()             # stays in the first digit
    assert res.recognised["Hopfield"].shape == (2, paper.SIMULATION3["free_steps"])
    assert res.labels == "123"


# ---------------------------------------------------------------------------------------------
# Continual learning


def test_continual_task_with_a_hand_made_control():
    control = pd.DataFrame({"seed": [0, 0, 0], "condition": ["sequential", "replay", "rest"],
                            "first": [0.2, 0.1, 0.15], "second": [0.3, 0.25, 0.28]})
    out = C.continual_task(control, seeds=(0,)).set_index(["network", "condition"])
    fep = out.loc["this network"]
    assert_array_equal(fep.loc[["sequential", "replay", "rest"], "first_after"], [0.2, 0.1, 0.15])
    assert fep.first_before.nunique() == 1 and fep.first_before.iloc[0] > C.RETRIEVAL_FLOOR
    assert_allclose(fep.retained, fep.first_after / fep.first_before, rtol=1e-12)
    # recomputed on all ten digits the projector keeps the first five exactly (fixed points)
    proj = out.loc[("projector network", "recomputed on all")]
    assert proj.first_after == pytest.approx(proj.first_before, abs=0.05)
    assert out.loc[("projector network", "second set only"), "first_after"] < 0
    # the Hebbian network never stored the first set: its retention is undefined
    assert np.isnan(out.loc[("Hopfield", "incremental"), "retained"])
    with pytest.raises(ValueError, match="seeds"):
        C.continual_task(control, seeds=(0, 1))
    with pytest.raises(TypeError, match="control"):
        C.continual_task(control.drop(columns="first"), seeds=(0,))


def test_hebbian_continued_learning_is_the_sum_of_the_two_sets():
    d = datasets.digits()
    first, second = C.binarise(d.train[:5]), C.binarise(d.train[5:])
    assert_allclose(baselines.hebbian(np.concatenate([first, second])),
                    baselines.hebbian(first) + baselines.hebbian(second), atol=1e-15)


# ---------------------------------------------------------------------------------------------
# Cost


def test_measure_costs_tiny():
    c = C.measure_costs((8, 16), epochs=2, repeats=1)
    assert set(c.network) == set(C.CLASSIC) | {"this network"}
    assert len(c) == 10
    for col in ("seconds", "peak_bytes", "learning_seconds"):
        assert (np.isfinite(c[col]) & (c[col] >= 0)).all(), col
    assert (c.seconds > 0).all() and np.isfinite(c.exponent).all()
    at16 = c[c.n_nodes == 16].set_index("network")
    assert at16.loc["Hopfield", "kept_bytes"] == 16 * 16 * 8
    assert at16.loc["projector network", "kept_bytes"] == (16 * 16 + 2 * 16) * 8
    assert at16.loc["this network", "presentations_used"] == paper.SIMULATION5_CAPACITY["epochs"]
    assert at16.loc["Boltzmann machine", "presentations_used"] == C.BOLTZMANN["epochs"] * 2
    with pytest.raises(ValueError, match="two network sizes"):
        C.measure_costs((8, 8))
    with pytest.raises(ValueError, match="load"):
        C.measure_costs((8, 16), load=0.0)


# ---------------------------------------------------------------------------------------------
# The predicates on hand-made inputs


def test_learning_verdict():
    assert C.learning_verdict("one shot", [1, 1, 1], 0) == C.HOLDS
    assert C.learning_verdict("one shot", [1, 30], 0) == C.PARTLY
    assert C.learning_verdict("one shot", [30, 30], 0) == C.FAILS
    assert C.learning_verdict("one phase", [100, 300], 0) == C.HOLDS
    assert C.learning_verdict("one phase", [1], 1) == C.FAILS
    assert C.learning_verdict("two phases", [30], 1) == C.HOLDS
    assert C.learning_verdict("two phases", [30], 0) == C.FAILS
    with pytest.raises(ValueError, match="claim"):
        C.learning_verdict("fast", [1], 0)


def test_capacity_verdict():
    H = paper.HEBBIAN_CAPACITY
    assert C.capacity_verdict("hebbian", [0.13, 0.14, 0.15]) == C.HOLDS
    assert C.capacity_verdict("hebbian", [0.43, 0.42]) == C.FAILS
    assert C.capacity_verdict("hebbian", [0.14, 0.43]) == C.PARTLY
    # a censored bound that straddles the band cannot decide
    assert C.capacity_verdict("hebbian", [0.1], [1]) == C.UNDECIDED
    assert C.capacity_verdict("hebbian", [0.1], [-1]) == C.UNDECIDED
    assert C.capacity_verdict("hebbian", [0.05], [-1]) == C.FAILS    # at most 0.05: below
    assert C.capacity_verdict("hebbian", [0.5], [1]) == C.FAILS
    assert C.capacity_verdict("N", [0.95]) == C.HOLDS
    assert C.capacity_verdict("N", [0.43], fixed_point_alpha_c=[0.9],
                              fixed_point_censored=[1]) == C.PARTLY
    assert C.capacity_verdict("N", [0.43], fixed_point_alpha_c=[0.6]) == C.FAILS
    assert C.capacity_verdict("N", [0.43]) == C.FAILS
    assert C.capacity_verdict("approaches N", [0.95, 0.92]) == C.HOLDS
    assert C.capacity_verdict("approaches N", [0.44, 0.45]) == C.PARTLY
    assert C.capacity_verdict("approaches N", [2 * H, 2 * H]) == C.FAILS
    assert C.capacity_verdict("approaches N", [0.44, 0.95]) == C.PARTLY
    with pytest.raises(ValueError, match="censored"):
        C.capacity_verdict("N", [0.4], [2])


def test_sequence_verdict():
    assert C.sequence_verdict("yes", [True] * 5) == C.HOLDS
    assert C.sequence_verdict("yes", [True, False]) == C.PARTLY
    assert C.sequence_verdict("yes", [False]) == C.FAILS
    assert C.sequence_verdict("no", [False, False]) == C.HOLDS
    assert C.sequence_verdict("no", [True]) == C.FAILS
    with pytest.raises(ValueError, match="at least one"):
        C.sequence_verdict("no", [])


def test_orthogonality_verdict():
    ten = [10, 10, 10]
    data = [23.3] * 3
    assert C.orthogonality_verdict("yes", [18.0, 19.0, 20.0], data, ten, 10) == C.HOLDS
    assert C.orthogonality_verdict("no", [18.0, 19.0, 20.0], data, ten, 10) == C.FAILS
    # attractors equal to the data: no gain
    assert C.orthogonality_verdict("yes", data, data, ten, 10) == C.FAILS
    assert C.orthogonality_verdict("no", data, data, ten, 10) == C.HOLDS
    # a gain of 2 degrees on average: weakly orthogonalised
    assert C.orthogonality_verdict("yes", [21.3] * 3, data, ten, 10) == C.PARTLY
    # a seed below the data makes a large mean gain partial
    assert C.orthogonality_verdict("yes", [15.0, 15.0, 24.0], data, ten, 10) == C.PARTLY
    # three mixture states far from each other are not a set of orthogonalised memories
    assert C.orthogonality_verdict("yes", [5.0] * 3, data, [3, 3, 3], 10) == C.FAILS
    assert C.orthogonality_verdict("no", [np.nan] * 3, data, [1, 1, 1], 10) == C.HOLDS
    with pytest.raises(ValueError, match="one length"):
        C.orthogonality_verdict("yes", [1.0, 2.0], data, ten, 10)


def test_continual_verdict():
    before = np.array([0.3, 0.32])
    assert C.continual_verdict("forgets", before, [-0.2, -0.1]) == C.HOLDS
    assert C.continual_verdict("forgets", before, [0.25, 0.27]) == C.FAILS
    assert C.continual_verdict("forgets", before, [0.25, 0.1]) == C.PARTLY
    assert C.continual_verdict("forgets", [0.01, 0.3], [0.0, 0.1]) == C.UNDECIDED
    # replay that helps and keeps: holds; keeps without helping: partly; neither: fails
    assert C.continual_verdict("replay", before, [0.22, 0.22],
                               replay_after=[0.28, 0.3]) == C.HOLDS
    assert C.continual_verdict("replay", before, [0.22, 0.23],
                               replay_after=[0.19, 0.2]) == C.PARTLY
    assert C.continual_verdict("replay", before, [0.05, 0.05],
                               replay_after=[0.04, 0.05]) == C.FAILS
    with pytest.raises(ValueError, match="replay_after"):
        C.continual_verdict("replay", before, before)
    with pytest.raises(ValueError, match="paired"):
        C.continual_verdict("forgets", before, [0.1])


def test_cost_verdict():
    assert C.cost_verdict("per step", 2.0) == C.HOLDS
    assert C.cost_verdict("once", 1.2) == C.HOLDS          # O() bounds from above
    assert C.cost_verdict("once", 2.0 + 1.5 * C.COST_TOLERANCE) == C.PARTLY
    assert C.cost_verdict("once", 3.5) == C.FAILS
    with pytest.raises(ValueError, match="exponent"):
        C.cost_verdict("once", np.nan)


# ---------------------------------------------------------------------------------------------
# The table, on a small real result


def _small_result(study):
    cap = C.capacity_task(study, n_nodes=16, boltzmann_loads=(2, 4, 8))
    recall = cap.attrs["boltzmann_recall"]
    control = pd.DataFrame({"seed": [0, 0, 0, 1, 1, 1],
                            "condition": ["sequential", "replay", "rest"] * 2,
                            "first": [0.22, 0.19, 0.19, 0.23, 0.2, 0.18],
                            "second": [0.29, 0.28, 0.27, 0.3, 0.27, 0.26]})
    digits = C.digits_task(seeds=(0, 1), curve_epochs=(1000, 5000), curve_trials=10)
    return C.ComparisonResult(cap, recall, digits, C.sequences_task(seeds=(0, 1)),
                              C.continual_task(control, seeds=(0, 1)),
                              C.measure_costs((8, 16), epochs=2, repeats=1),
                              {"seeds": (0, 1)})


def test_comparison_table(tiny_study):
    res = _small_result(tiny_study)
    t = C.comparison_table(res)
    assert len(t) == len(C.ROWS) * len(C.NETWORKS)
    assert set(t.verdict) <= set(C.VERDICTS)
    pc = t[t.network == "predictive coding"]
    assert (pc.verdict == C.NOT_MEASURED).all()
    assert (t[t.network == "Storkey"].verdict == C.NO_CLAIM).all()
    assert (t[t.network == "Storkey"].paper == "\u2014").all()
    for row in C.ROWS:
        for net in C.TABLE_NETWORKS:
            assert t[(t.row == row) & (t.network == net)].paper.iloc[0] == \
                paper.COMPARISON[row][net]
    v = t.set_index(["row", "network"]).verdict
    assert v[("sequences", "this network")] == C.HOLDS
    assert v[("sequences", "Hopfield")] == C.HOLDS
    assert v[("continual learning", "Hopfield")] == C.UNDECIDED
    assert v[("orthogonal attractors", "projector network")] == C.FAILS
    with pytest.raises(TypeError, match="ComparisonResult"):
        C.comparison_table(t)


def test_presentations_to_learn():
    curves = pd.DataFrame({"network": ["a"] * 4 + ["b"] * 2, "seed": [0] * 6,
                           "presentations": [1, 10, 100, 500, 1, 2],
                           "retrieval": [0.0, 0.1, 0.28, 0.3, -0.1, -0.2]})
    p = C.presentations_to_learn(curves).set_index("network").presentations
    assert p["a"] == 100                # first point at or above 0.9 x 0.3
    assert p["b"] == 2                  # a non-positive final value: the last point


# ---------------------------------------------------------------------------------------------
# The interactive points


def test_explore_points_checks():
    with pytest.raises(ValueError, match="one length"):
        C.explore_points([1.0, 2.0], [1.0], [0.4])
    with pytest.raises(ValueError, match="inverse_temperatures"):
        C.explore_points([0.0], [1.0], [0.4])
    with pytest.raises(ValueError, match="loads"):
        C.explore_points([1.0], [1.0], [1.5])
