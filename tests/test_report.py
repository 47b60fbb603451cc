"""Tests of the reproduction report: fep_core.report (the paper's values, the status rule, the
runs over seeds and the reproduction notes) and its figures and callback
(fep_core.plotting.report). Simulations run at small settings; the chapter runs them at the
paper's and asserts the results there."""
import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from fep_core import (
    analysis,
    cb,
    datasets,
    experiments as X,
    explore,
    metrics,
    paper,
    report as R,
    theory,
)
from fep_core.plotting import report as P

from _helpers import assert_labelled

SMALL_CELL = dict(epochs=30, trials=5, eval_steps=5)
SMALL_GRID = dict(evidences=[6.0, 11.0, 16.0], inverse_temperatures=[0.02, 0.05, 0.167, 0.36],
                  epochs=30, trials=5, eval_steps=5)
SMALL_SIM4 = dict(epochs=30, free_steps=50, trials=5, eval_steps=5, control_seeds=range(2),
                  control_epochs_first=20, control_epochs_second=10)

pytestmark = pytest.mark.usefixtures("close_figures")


@pytest.fixture(scope="module")
def grid():
    return X.simulation2(**SMALL_GRID)


@pytest.fixture(scope="module")
def sim4():
    return X.simulation4(**SMALL_SIM4)


@pytest.fixture(scope="module")
def runs(grid, sim4):
    return R.run_reproduction(grid=grid, simulation4=sim4, sim1_seeds=[0, 1, 2], sim2_seeds=[0, 1],
                              sim3_seeds=[0, 1], sim1_kwargs=dict(epochs=60),
                              sim2_kwargs=SMALL_CELL, sim3_kwargs=dict(epochs=150, free_steps=30))


@pytest.fixture(scope="module")
def table(runs):
    return R.reproduction_table(runs)


# ---------------------------------------------------------------------------------------------
# The paper's values


@pytest.mark.parametrize("reported, expected", [("0.77", 0.005), ("10", 0.5), ("29.94", 0.005),
                                                ("-0.05", 0.005), ("0.292", 0.0005),
                                                ("17.3", 0.05)])
def test_resolution(reported, expected):
    assert_allclose(R.resolution(reported), expected, rtol=1e-15)


def test_resolution_rejects_bad_input():
    with pytest.raises(TypeError, match="reported"):
        R.resolution(0.77)
    with pytest.raises(ValueError, match="reported"):
        R.resolution("very similar")


# ---------------------------------------------------------------------------------------------
# The status rule


@pytest.mark.parametrize("paper, values, rounding, expected", [
    (0.5, [0.4, 0.6], 0.0, "reproduced"),            # inside the range
    (0.4, [0.4, 0.6], 0.0, "reproduced"),            # on its edge
    (0.77, [0.7706], 0.005, "reproduced"),           # deterministic, equal after rounding
    (0.77, [0.7751], 0.005, "close"),                # just outside the rounding: margin 0.077
    (0.77, [0.90], 0.005, "differs"),
    (0.44, [0.40, 0.41], 0.0, "close"),              # margin max(2 * 0.00707, 0.044) = 0.044
    (0.46, [0.40, 0.41], 0.0, "differs"),              # margin 0.046: 0.456 < 0.46
    (17.3, [17.9, 22.5, 20.0], 0.05, "close"),       # 0.55 below the range; margin 2 sd
    (-0.05, [-0.088, -0.053], 0.005, "reproduced"),
    (10, [9, 9, 9], 0.5, "close"),                   # counts: 10 is 0.5 beyond 9.5; margin 1
    (10, [7, 7], 0.5, "differs"),
])
def test_status_rule(paper, values, rounding, expected):
    assert R.status(paper, values, rounding=rounding) == expected


def test_status_margins_are_the_stated_ones():
    v = np.array([1.0, 1.2, 1.1, 0.9])
    sd = v.std(ddof=1)
    edge = 1.2 + 2 * sd                              # sd margin dominates (0.26 > 0.1 * 1.46)
    assert R.status(edge - 1e-9, v) == "close" and R.status(edge + 1e-9, v) == "differs"
    assert R.status(edge + 1e-9, v, sd_margin=3) == "close"
    assert R.status(5.0, [1.0]) == "differs" and R.status(1.1, [1.0]) == "close"
    assert R.status(1.1, [1.0], relative_margin=0) == "differs"


@pytest.mark.parametrize("kwargs, error", [
    (dict(paper=0.5, values=[]), ValueError), (dict(paper=0.5, values=[0.1, np.nan]), ValueError),
    (dict(paper=np.nan, values=[0.1]), ValueError), (dict(paper="x", values=[0.1]), TypeError),
    (dict(paper=0.5, values=[0.1], rounding=-1), ValueError),
])
def test_status_rejects_bad_input(kwargs, error):
    with pytest.raises(error):
        R.status(**kwargs)


@pytest.mark.parametrize("holds, expected", [
    ([True] * 10, "reproduced"), ([True] * 9 + [False], "reproduced"),
    ([True] * 8 + [False] * 2, "close"), ([True, False], "close"),
    ([True] + [False] * 2, "differs"), ([False], "differs"), ([True], "reproduced"),
])
def test_claim_status(holds, expected):
    assert R.claim_status(np.array(holds)) == expected


@pytest.mark.parametrize("holds", [[], [1, 0], [0.5]])
def test_claim_status_rejects_non_booleans(holds):
    with pytest.raises(TypeError, match="holds"):
        R.claim_status(holds)


# ---------------------------------------------------------------------------------------------
# Runs over seeds


def test_simulation1_runs_match_the_simulation():
    df = R.simulation1_runs([3, 1], epochs=60)
    assert list(df.seed) == [3, 1]
    for _, row in df.iterrows():
        r = X.simulation1(seed=int(row.seed), epochs=60)
        assert row.attractor_correlation == r.attractor_correlation and row.asymmetry == r.asymmetry
        # 600 steps: the mean over the last tenth
        assert_allclose(row.vfe_last, r.trace.vfe[-60:].mean(), rtol=1e-12)
        assert_allclose([row.retrieval_vertical, row.retrieval_horizontal],
                        r.retrieval_projection[15:].mean(axis=0), rtol=1e-12)
        assert_allclose([row.cross_vertical, row.cross_horizontal],
                        r.generalization_projection[10:].mean(axis=0), rtol=1e-12)
    assert_allclose(df.data_correlation, np.corrcoef(datasets.bars())[0, 1], rtol=1e-12)


@pytest.mark.parametrize("seeds, error", [([], ValueError), ([0, 0], ValueError),
                                          ([-1], ValueError), ([0.5], TypeError), (3, TypeError),
                                          ("01", TypeError)])
def test_seed_validation(seeds, error):
    with pytest.raises(error, match="seeds"):
        R.simulation1_runs(seeds, epochs=5)


def test_regime_runs_match_simulation2_cell():
    df = R.regime_runs([1], **SMALL_CELL)
    assert list(df.regime) == list(X.REGIMES)
    for _, row in df.iterrows():
        e, t = X.REGIMES[row.regime]
        c = X.simulation2_cell(seed=1, evidence=e, inverse_temperature=t, **SMALL_CELL)
        for q in ("retrieval", "generalization", "n_attractors", "asymmetry"):
            assert row[q] == c.summary[q]
        assert_allclose(row.attractor_amplitude, np.abs(c.attractors).mean(), rtol=1e-12)
        if len(c.attractors) > 1:
            assert_allclose(row.orthogonality_with_self,
                            metrics.orthogonality(c.attractors, include_self=True), rtol=1e-12)
        else:
            assert np.isnan(row.orthogonality_with_self)


def test_simulation3_runs():
    df = R.simulation3_runs([0, 4], epochs=150, free_steps=30)
    for _, row in df.iterrows():
        r = X.simulation3(seed=int(row.seed), epochs=150, free_steps=30)
        assert row.asymmetry == r.asymmetry and row.sequence_order == r.sequence_order
        assert row.attractors_are_digits == (r.symmetric_attractor_labels == "123")
        assert row.cycles == paper.cycles_forward(r.sequence_order, "123", repeats=3)


def test_grid_precision_claims_on_a_constructed_table():
    its = np.geomspace(0.01, 1, 10)
    t = pd.DataFrame([{"evidence": e, "inverse_temperature": i,
                       "retrieval": -abs(np.log(i / 0.2)) + 0.01 * e,     # peak at iT 0.2
                       "generalization": -i + 0.001 * e}                   # best at the lowest iT
                      for e in (1.0, 2.0) for i in its])
    c = R.grid_precision_claims(t, top_fraction=0.1)
    assert c["retrieval"]["in_band"].size == 2 and c["retrieval"]["in_band"].all()
    assert c["retrieval"]["best_evidence"] == 2.0 and 0.1 <= c["retrieval"]["best_iT"] <= 0.5
    assert c["generalization"]["best_iT"] == 0.01 and c["generalization"]["best_in_band"]
    c = R.grid_precision_claims(t, top_fraction=1.0)
    assert c["generalization"]["in_band"].sum() == 2 * np.sum(its < 0.1)
    with pytest.raises(ValueError, match="top_fraction"):
        R.grid_precision_claims(t, top_fraction=2)
    with pytest.raises(TypeError, match="table"):
        R.grid_precision_claims(t.drop(columns="retrieval"))


# ---------------------------------------------------------------------------------------------
# The table


def test_reproduction_table_rows_and_statuses(table, runs):
    pv = paper.reported_values()
    assert list(table.index) == list(pv.index)
    assert table.status.isin(R.STATUSES).all()
    assert_array_equal(table.n[["s1_attr_corr", "s1_vfe", "s1_retrieval", "s1_cross"]], 3)
    assert table.loc["s2_balanced_retrieval", "n"] == 2 and table.loc["s3_asymmetry", "n"] == 2
    # numbers: the status is the rule applied to the per-seed values, with the paper's rounding
    for key, row in table[table.kind == "number"].iterrows():
        v = np.asarray(row["values"])
        if v.size:
            assert row.status == R.status(row.paper, v, rounding=R.resolution(row.reported)), key
            assert_allclose(row["mean"], v.mean(), rtol=1e-12)
    assert_allclose(table.loc["s1_attr_corr", "values"], runs.simulation1.attractor_correlation,
                    rtol=0)
    bal = runs.regimes[runs.regimes.regime == "balanced"]
    assert_allclose(table.loc["s2_balanced_retrieval", "values"], bal.retrieval, rtol=0)
    assert table.loc["s2_data_orthogonality", "mean"] == runs.grid.data_orthogonality_with_self
    assert table.loc["s2_data_orthogonality", "status"] == "reproduced"        # deterministic data
    assert table.loc["s1_data_corr", "status"] == "reproduced"
    # claims: the status is the claim rule on the cases
    for key, row in table[table.kind == "claim"].iterrows():
        if key != "s4_soft":
            assert row.status == R.claim_status(np.asarray(row["values"], dtype=bool)), key
    h = paper.vfe_decreases(runs.simulation1.vfe_first, runs.simulation1.vfe_last)
    assert table.loc["s1_vfe", "values"] == tuple(h.tolist())
    s4 = runs.simulation4
    assert table.loc["s4_coupling", "values"] == (s4.J_change <= paper.COUPLING_CHANGE,)
    assert table.loc["s4_coupling", "criterion"] and table.loc["s4_coupling", "book"]


def test_reproduction_table_validates(runs):
    with pytest.raises(TypeError, match="runs"):
        R.reproduction_table({"simulation1": None})
    with pytest.raises(TypeError, match="grid"):
        R.run_reproduction(grid=None, simulation4=runs.simulation4)
    with pytest.raises(TypeError, match="simulation4"):
        R.run_reproduction(grid=runs.grid, simulation4="x")


# ---------------------------------------------------------------------------------------------
# Reproduction notes


def test_orthogonality_conventions(grid, runs):
    o = R.orthogonality_conventions(grid, runs.regimes)
    d = datasets.digits().train
    assert_allclose(o.iloc[0]["distinct pairs"], metrics.orthogonality(d), rtol=1e-12)
    assert_allclose(o.iloc[0]["with self-angles"], 29.94, atol=0.005)
    assert_allclose(o.iloc[0]["distinct pairs"], 23.26, atol=0.005)
    # independent: |90 - angle| over the full matrix by hand, self-angles (0 deg) included
    u = d / np.linalg.norm(d, axis=1, keepdims=True)
    ang = np.degrees(np.arccos(np.clip(u @ u.T, -1, 1)))
    np.fill_diagonal(ang, 0.0)
    assert_allclose(o.iloc[0]["with self-angles"], np.abs(90 - ang).mean(), rtol=1e-12)
    assert list(o.paper) == [29.94, 17.3, 27.6]


def test_learning_rate_effect_small():
    df = R.learning_rate_effect(seeds=[0, 1], **SMALL_CELL)
    assert list(df.variant.unique()) == ["learning rate 0.001", "learning rate 0.01"]
    e, t = X.REGIMES["balanced"]
    c = X.simulation2_cell(seed=1, evidence=e, inverse_temperature=t, learning_rate=0.01,
                           **SMALL_CELL)
    row = df[(df.variant == "learning rate 0.01") & (df.seed == 1)].iloc[0]
    assert row.retrieval == c.summary["retrieval"] and row.asymmetry == c.summary["asymmetry"]
    with pytest.raises(ValueError, match="learning_rates"):
        R.learning_rate_effect(seeds=[0], learning_rates=(-0.1,), **SMALL_CELL)


@pytest.mark.parametrize("func, option, values", [
    (R.prediction_effect, "prediction", ("code", "paper")),
    (R.schedule_effect, "schedule", ("synchronous", "sequential"))])
def test_variant_effects_small(func, option, values):
    out = func([0, 2], [1], sim1_kwargs=dict(epochs=40), sim2_kwargs=SMALL_CELL)
    s1, s2 = out["simulation1"], out["simulation2"]
    assert s1.variant.nunique() == 2 and len(s1) == 4 and len(s2) == 2
    for label, value in zip(s1.variant.unique(), values):
        r = X.simulation1(seed=2, epochs=40, **{option: value})
        assert s1[(s1.variant == label) & (s1.seed == 2)].asymmetry.iloc[0] == r.asymmetry
        e, t = X.REGIMES["balanced"]
        c = X.simulation2_cell(seed=1, evidence=e, inverse_temperature=t, **SMALL_CELL,
                               **{option: value})
        assert s2[s2.variant == label].retrieval.iloc[0] == c.summary["retrieval"]


@pytest.mark.parametrize("func, kwargs, error, name", [
    (R.regime_runs, dict(regimes={}), ValueError, "regimes"),
    (R.regime_runs, dict(regimes=[("balanced", 11.0, 0.17)]), TypeError, "regimes"),
    (R.regime_runs, dict(regimes={"x": (1.0,)}), ValueError, "regimes"),
    (R.regime_runs, dict(regimes={"x": 11.0}), TypeError, "regimes"),
    (R.learning_rate_effect, dict(learning_rates=()), ValueError, "learning_rates"),
    (R.learning_rate_effect, dict(learning_rates=0.01), TypeError, "learning_rates"),
    (R.learning_rate_effect, dict(learning_rates=(0.01, 0.01)), ValueError, "learning_rates"),
    (R.balanced_cell_variants, dict(variants={"a": 3}), TypeError, "variants"),
])
def test_report_runs_reject_bad_input(func, kwargs, error, name):
    with pytest.raises(error, match=rf"^{name}\b"):
        func(seeds=[0], **kwargs, **SMALL_CELL)


def test_balanced_cell_variants_validates():
    with pytest.raises(TypeError, match="variants"):
        R.balanced_cell_variants({}, seeds=[0])
    with pytest.raises(ValueError, match="schedule"):
        R.balanced_cell_variants({"x": {"schedule": "random"}}, seeds=[0], **SMALL_CELL)


def test_sampling_check_small():
    s = R.sampling_check(steps=20_000)
    mean, second, _ = theory.boltzmann_moments(R.THEORY_BIAS, R.THEORY_COUPLING)
    assert_allclose(s.loc["exact", ["E[s0]", "E[s1]", "E[s2]"]], mean, rtol=1e-14)
    assert_allclose(s.loc["exact", "E[s0 s1]"], second[0, 1], rtol=1e-14)
    assert s.loc["z sequential"].abs().max() < 5
    assert s.loc["z synchronous"].abs().max() > 20                 # ~158 / sqrt(10) at 20k steps
    assert s.loc["synchronous", "E[s0 s1]"] < 0 < s.loc["exact", "E[s0 s1]"]
    with pytest.raises(ValueError, match="symmetric"):
        R.sampling_check(coupling=np.array([[0, 1.0, 0], [0, 0, 0], [0, 0, 0]]), steps=1000)


def test_sampling_check_exact_moments_independently():
    # independent: integrate sigma_0 analytically (int e^{theta s} ds = e^{A(theta)}) and the other
    # two nodes on a fine tensor Gauss-Legendre rule
    b, J = R.THEORY_BIAS, R.THEORY_COUPLING
    x, w = np.polynomial.legendre.leggauss(80)
    s1, s2 = np.meshgrid(x, x, indexing="ij")
    W = np.outer(w, w)
    th0 = b[0] + J[0, 1] * s1 + J[0, 2] * s2
    dens = np.exp(cb.log_partition(th0) + b[1] * s1 + b[2] * s2 + J[1, 2] * s1 * s2) * W
    m0 = np.sum(cb.langevin(th0) * dens) / dens.sum()
    c12 = np.sum(s1 * s2 * dens) / dens.sum()
    s = R.sampling_check(steps=1000)
    assert_allclose([s.loc["exact", "E[s0]"], s.loc["exact", "E[s1 s2]"]], [m0, c12], rtol=1e-9)


def test_pair_weight_check():
    p = R.pair_weight_check(n_states=4)
    assert p.loc[0.5].iloc[0] < 1e-10
    # independent: with weight 1 the conditional of node i is CB(b_i + 2 sum_j J_ij s_j)
    g = np.random.default_rng(0)
    states = g.uniform(-1, 1, (4, 3))
    x = np.linspace(-1, 1, 101)
    worst = max(np.max(np.abs(cb.pdf(x, R.THEORY_BIAS[i] + 2 * R.THEORY_COUPLING[i] @ s)
                              - cb.pdf(x, R.THEORY_BIAS[i] + R.THEORY_COUPLING[i] @ s)))
                for s in states for i in range(3))
    assert_allclose(p.loc[1.0].iloc[0], worst, rtol=1e-9)


def test_retention_summary_of_a_run(sim4):
    summary, diffs = analysis.retention_summary(sim4), analysis.retention_differences(sim4)
    assert list(summary.index) == ["sequential", "replay", "rest"]
    c = sim4.control
    assert_allclose(summary.loc["replay", "digits 0-4 mean"],
                    c[c.condition == "replay"]["first"].mean(), rtol=1e-12)
    w = c.pivot(index="seed", columns="condition", values="first")
    assert_allclose(diffs["replay - rest"], w["replay"] - w["rest"], rtol=1e-12)
    with pytest.raises(TypeError, match="Simulation4Result"):
        analysis.retention_summary(c.drop(columns="second"))


# ---------------------------------------------------------------------------------------------
# New findings


def test_asymmetry_vs_epochs_continues_simulation1():
    df = R.asymmetry_vs_epochs(seeds=[0, 2], checkpoints=(40, 90))
    assert len(df) == 4
    for s in (0, 2):
        r = X.simulation1(seed=s, epochs=40)
        row = df[(df.seed == s) & (df.epochs == 40)].iloc[0]
        assert row.asymmetry == r.asymmetry                        # the first checkpoint is Sim 1
        assert row.attractor_correlation == r.attractor_correlation
        assert_allclose(row.norm_symmetric, np.linalg.norm(0.5 * (r.J + r.J.T)), rtol=1e-12)
        assert_allclose(row.norm_antisymmetric, np.linalg.norm(0.5 * (r.J - r.J.T)), rtol=1e-12)
        assert_allclose(row.asymmetry, 2 * row.norm_antisymmetric / np.linalg.norm(r.J), rtol=1e-12)
    # the second checkpoint continues the same run: different from a fresh 50-epoch training
    assert (df[df.epochs == 90].asymmetry.to_numpy()
            != df[df.epochs == 40].asymmetry.to_numpy()).all()


@pytest.mark.parametrize("kwargs, error", [(dict(checkpoints=(50, 20)), ValueError),
                                           (dict(checkpoints=()), ValueError),
                                           (dict(checkpoints=(0,)), ValueError),
                                           (dict(temperature=2.0), TypeError)])
def test_asymmetry_vs_epochs_validates(kwargs, error):
    with pytest.raises(error):
        R.asymmetry_vs_epochs(seeds=[0], **kwargs)


def test_grid_asymmetry():
    t = pd.DataFrame({"inverse_temperature": [0.1, 0.1, 0.1, 1.0, 1.0],
                      "asymmetry": [0.2, 0.4, 0.3, 0.5, 0.7]})
    per, r = R.grid_asymmetry(t)
    assert_allclose(per.loc[0.1].to_numpy(), [0.3, 0.2, 0.4])
    assert_allclose(per.loc[1.0].to_numpy(), [0.6, 0.5, 0.7])
    assert_allclose(r, np.corrcoef(np.log(t.inverse_temperature), t.asymmetry)[0, 1], rtol=1e-12)
    with pytest.raises(TypeError, match="table"):
        R.grid_asymmetry(t.drop(columns="asymmetry"))


# ---------------------------------------------------------------------------------------------
# Figures and the callback


def _number_table(rows):
    """A reproduction table of numbers only: ``rows`` of (quantity, paper, reported, values),
    with the status of the rule."""
    out = {}
    for k, (quantity, p, reported, values) in enumerate(rows):
        out[f"n{k}"] = {"simulation": 1 + k % 3, "quantity": quantity, "paper": p,
                        "reported": reported, "kind": "number", "values": tuple(values),
                        "status": R.status(p, values, rounding=R.resolution(reported))
                        if len(values) else "differs"}      # as reproduction_table marks them
    return pd.DataFrame.from_dict(out, orient="index")


CONSTRUCTED = [("near", 0.77, "0.77", [0.771]),                       # reproduced, rounding
               ("spread", -0.19, "-0.19", [-0.25, -0.2, -0.15, -0.1]),  # reproduced
               ("close one", 17.3, "17.3", [18.0, 19.0, 20.0, 21.0]),     # close
               ("far away", 10.0, "10", [1.0, 1.0, 2.0, 2.0]),           # differs, beyond axis
               ("undefined", 0.5, "0.5", [])]                            # no value in any seed


def test_normalised_values_are_the_status_rule():
    t = _number_table(CONSTRUCTED)
    assert list(t.status) == ["reproduced", "reproduced", "close", "differs", "differs"]
    long = P.normalised_values(t)
    assert list(dict.fromkeys(long.key)) == list(t.index)
    for key, row in t.iterrows():
        sub = long[long.key == key]
        v = np.asarray(row["values"], dtype=float)
        if v.size == 0:
            assert len(sub) == 1 and sub.deviation.isna().all()
            continue
        sd = v.std(ddof=1) if v.size > 1 else 0.0
        margin = max(2 * sd, 0.1 * abs(row.paper))
        assert_allclose(sub.margin, margin, rtol=1e-12)
        assert_allclose(sub.deviation, (v - row.paper) / margin, rtol=1e-12)
        # on this scale: reproduced <=> the range (widened by rounding) reaches 0; close <=>
        # it comes within 1
        r = R.resolution(row.reported) / margin
        lo, hi = sub.deviation.min() - r, sub.deviation.max() + r
        gap = max(lo, -hi, 0.0)
        expected = "reproduced" if gap == 0 else "close" if gap <= 1 else "differs"
        assert row.status == expected, key
    with pytest.raises(TypeError, match="table"):
        P.normalised_values(pd.DataFrame({"x": [1]}))
    with pytest.raises(ValueError, match="numeric"):
        P.normalised_values(t.assign(kind="claim"))


def test_plot_reproduction(table):
    fig = P.plot_reproduction(table)
    (ax,) = fig.get_axes()                   # one dot plot (and its secondary value axis)
    nums = table[table.kind == "number"]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [f"Sim. {r.simulation}: {r.quantity}" for _, r in nums.iterrows()]
    assert ax.get_xlabel() and ax.child_axes[0].get_ylabel()
    # the paper's value is the line at 0; the margin band spans +-1
    assert any(np.allclose(line.get_xdata(), 0) for line in ax.get_lines())
    long = P.normalised_values(table)
    points = np.concatenate([c.get_offsets() for c in ax.collections if len(c.get_offsets())])
    limit = ax.get_xlim()[1]
    for k, key in enumerate(nums.index):
        mine = np.sort(points[np.abs(points[:, 1] - k) < 0.4, 0])
        d = long[long.key == key].deviation.dropna()
        assert_allclose(mine, np.sort(d[d.abs() <= limit]), rtol=1e-9, atol=1e-12)
        if (d.abs() > limit).any():       # values beyond the axis: a triangle at its edge
            assert any(ln.get_marker() in "<>" and ln.get_ydata()[0] == k
                       for ln in ax.get_lines())
    with pytest.raises(TypeError, match="table"):
        P.plot_reproduction(pd.DataFrame({"x": [1]}))
    _, given = plt.subplots()
    assert P.plot_reproduction(table, ax=given) is given.figure


def test_plot_reproduction_marks_status_and_clips():
    t = _number_table(CONSTRUCTED)
    fig = P.plot_reproduction(t)
    ax = fig.get_axes()[0]
    lo, hi = ax.get_xlim()
    assert lo == -hi and P.LIMIT_MIN <= hi <= P.LIMIT_MAX
    # each row's points have the colour of its status
    for c in ax.collections:
        xy = c.get_offsets()
        if not len(xy):
            continue
        rows = {int(round(y)) for y in xy[:, 1]}
        assert len(rows) == 1
        colour = mcolors.to_hex(c.get_facecolor()[0][:3])
        assert colour == P.STATUS_COLOURS[t.status.iloc[rows.pop()]]
    # the row beyond the axis is drawn as a triangle at the left edge, the undefined one as text
    edge = [ln for ln in ax.get_lines() if ln.get_marker() == "<"]
    assert len(edge) == 1 and edge[0].get_xdata()[0] == lo and edge[0].get_ydata()[0] == 3
    assert any("undefined" in txt.get_text() for txt in ax.texts)
    # the status legend is below the axes, not over them
    (legend,) = fig.legends
    assert [tx.get_text() for tx in legend.get_texts()][:3] == list(P.STATUS_COLOURS)
    fig.canvas.draw()
    assert legend.get_window_extent().y1 <= ax.get_window_extent().y0
    # the right-hand column: paper's value as printed | this book's mean
    right = [tx.get_text() for tx in ax.child_axes[0].get_yticklabels()]
    assert right[0] == "0.77 | 0.771" and right[1] == "\u22120.19 | \u22120.175"


def test_plot_reproduction_is_the_same_every_time():
    t = _number_table(CONSTRUCTED)

    def points():
        ax = P.plot_reproduction(t).get_axes()[0]
        return np.concatenate([c.get_offsets() for c in ax.collections if len(c.get_offsets())])

    np.random.seed(3)
    state = np.random.get_state()[1].copy()
    first = points()
    assert_array_equal(np.random.get_state()[1], state)    # numpy's global generator untouched
    np.random.uniform()
    assert_array_equal(points(), first)                     # the jitter does not depend on it


def test_plot_variants():
    pred = R.prediction_effect([0, 1], [0], sim1_kwargs=dict(epochs=40), sim2_kwargs=SMALL_CELL)
    sched = R.schedule_effect([0, 1], [0], sim1_kwargs=dict(epochs=40), sim2_kwargs=SMALL_CELL)
    lr = R.learning_rate_effect([0], **SMALL_CELL)
    fig = P.plot_variants(pred, sched, lr)
    axes = fig.get_axes()
    assert len(axes) == 5
    assert all(a.get_xlabel() for a in axes)
    assert axes[0].get_ylabel() and axes[2].get_ylabel()     # rows share their variant axis
    assert [t.get_text() for t in axes[2].get_yticklabels()] == [
        "code's rule", "text's rate 0.01", "paper's prediction", "sequential updates"]
    assert [t.get_text() for t in axes[0].get_yticklabels()] == [
        "code's rule", "paper's prediction", "sequential updates"]
    # the seeds of the code's rule lie in its row, the paper's value is a vertical line
    code = pred["simulation1"][pred["simulation1"].variant == "code: L(h)"]
    pts = np.concatenate([ln.get_xydata() for ln in axes[0].get_lines()
                          if ln.get_marker() == "o"])
    assert_allclose(np.sort(pts[np.abs(pts[:, 1]) < 0.2, 0]),
                    np.sort(code.attractor_correlation), rtol=1e-12)
    assert any(np.allclose(ln.get_xdata(), paper.value("s1_attr_corr"))
               for ln in axes[0].get_lines())
    assert len(fig.subfigs[1].legends) == 1
    _, axes = plt.subplots(1, 5)
    assert P.plot_variants(pred, sched, lr, ax=axes) is axes[0].figure
    assert all(a.get_ylabel() for a in axes)
    with pytest.raises(ValueError, match="5 axes"):
        P.plot_variants(pred, sched, lr, ax=axes[:2])
    with pytest.raises(TypeError, match="prediction"):
        P.plot_variants(lr, sched, lr)


def test_plot_long_training(grid):
    df = R.asymmetry_vs_epochs(seeds=[0, 1], checkpoints=(20, 60))
    fig = P.plot_long_training(df, grid.table)
    assert_labelled(fig)
    a, b, c = fig.get_axes()
    assert a.get_title().startswith("(a)") and c.get_title().startswith("(c)")
    assert "$i_T$" in c.get_xlabel()
    # (c) spans the column below (a) and (b)
    fig.canvas.draw()
    ba, bb, bc = (x.get_position() for x in (a, b, c))
    assert bc.y1 < min(ba.y0, bb.y0) and bc.width > 1.5 * ba.width
    with pytest.raises(TypeError, match="epochs_table"):
        P.plot_long_training(grid.table, grid.table)
    _, axes = plt.subplots(1, 3)
    assert P.plot_long_training(df, grid.table, ax=axes) is axes[0].figure


def test_explore_defaults_match_simulation1():
    fig = explore.reproduction_report()
    assert_labelled(fig)
    r = X.simulation1()
    title = fig._suptitle.get_text()
    assert f"attractor r = {r.attractor_correlation:.2f}".replace("-", "\u2212") in title
    assert "$i_T$" in title and "\u03b1" in title
    bars = fig.get_axes()[2].patches
    assert len(bars) == 1
    assert_allclose(bars[0].get_height(), r.attractor_correlation, rtol=1e-12)


def test_explore_variant_compares_with_the_code():
    fig = explore.reproduction_report(prediction="paper", schedule="sequential", seed=1)
    r = X.simulation1(seed=1, prediction="paper", schedule="sequential")
    code = X.simulation1(seed=1)
    heights = [b.get_height() for b in fig.get_axes()[3].patches]
    assert_allclose(heights, [r.asymmetry, code.asymmetry], rtol=1e-12)


@pytest.mark.parametrize("kwargs", [dict(prediction="both"), dict(schedule="random"),
                                    dict(inverse_temperature=-1.0), dict(learning_rate=-0.1),
                                    dict(seed=-1),
                                    # no attractor
                                    dict(inverse_temperature=0.01, learning_rate=1e-4)])
def test_explore_raises_value_error(kwargs):
    with pytest.raises(ValueError):
        explore.reproduction_report(**kwargs)


def test_revision_table_refuses_other_runs():
    with pytest.raises(TypeError, match="runs must be a RevisionRuns"):
        R.revision_table({"simulation5": None})


def test_revision_items_are_the_capacity_tables_cells_and_have_chapters():
    from fep_core import paper

    table = paper.CAPACITY_REPORTED
    by_id = {r.id: r for r in paper.REVISION_REPORTED}
    for key, column, k in (("s5_retention_k90", "retention", 90),
                           ("s5_reconstruction_k10", "reconstruction", 10),
                           ("s5_gain_k50", "gain", 50)):
        assert by_id[key].value == table[column][table["n_patterns"].index(k)]
        assert float(by_id[key].reported) == by_id[key].value
    assert {key.split("_", 1)[0] for key in by_id} <= set(R.CHAPTER_OF)
