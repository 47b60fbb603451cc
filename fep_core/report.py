"""The reproduction report: every number Spisak & Friston (2025) report, next to this book's.

The chapter "Reproduction report" shows tables computed here from :mod:`fep_core.experiments`
and :mod:`fep_core.theory`; nothing in this module simulates anything of its own beyond calling
those functions (and, for the long-training study, continuing a Simulation-1 network).

=================================  ==============================================================
``status``                          the rule deciding reproduced / close / differs for a number
``claim_status``                    the same for a claim that holds in some fraction of cases
``simulation1_runs``                Simulation 1 over seeds: correlations, asymmetry, probes
``regime_runs``                     the three Simulation-2 regime cells over seeds
``simulation3_runs``                Simulation 3 over seeds: asymmetry, attractors, free run
``grid_precision_claims``           where the grid's best retrieval / generalisation cells lie
``run_reproduction``                all of the above at once (a :class:`ReproductionRuns`)
``reproduction_table``              paper value, this book's value and status, one row per number
``orthogonality_conventions``       note 1: the 29.94 deg data value counts self-angles
``balanced_cell_variants``          the balanced Simulation-2 cell under reproduction-note variants
``learning_rate_effect``            note 2: learning rate 0.001 (code) vs 0.01 (text)
``prediction_effect``               note 3: prediction L(h_i) (code) vs L(b_i + h_i) (paper)
``schedule_effect``                 note 4: synchronous (code) vs sequential updates
``sampling_check``                  note 4: which schedule samples the Boltzmann-like joint
``pair_weight_check``               note 5: which pairwise joint matches the inference rule
``asymmetry_vs_epochs``             finding: Simulation 1's asymmetry under longer training
``grid_asymmetry``                  finding: coupling asymmetry over the Simulation-2 grid
``revision_runs``, ``revision_table``  the revision's capacity and faces claims (Simulations 5, 6)
=================================  ==============================================================

The paper's numbers and the test of each of its claims come from :mod:`fep_core.paper`
(:func:`fep_core.paper.reported_values`); the summary of Simulation 4's retention control (note 6)
from :func:`fep_core.analysis.retention_summary`. Where the paper and its reference code disagree,
the simulations follow the code; the notes measure what the other choice changes.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import cb, datasets, experiments, metrics, paper, theory
from ._validation import count, finite_array, positive
from .cache import cached
from .network import AttractorBatch, AttractorNetwork, asymmetry
from .streams import TRAIN, stream

__all__ = ["status", "claim_status", "resolution", "simulation1_runs", "regime_runs",
           "simulation3_runs", "grid_precision_claims", "ReproductionRuns", "run_reproduction",
           "reproduction_table", "orthogonality_conventions", "balanced_cell_variants",
           "learning_rate_effect", "prediction_effect", "schedule_effect", "sampling_check",
           "pair_weight_check", "asymmetry_vs_epochs", "grid_asymmetry",
           "CLAIM_REPRODUCED", "CLAIM_CLOSE", "STATUSES", "THEORY_BIAS", "THEORY_COUPLING",
           "BOOK_SEEDS", "CHAPTER_OF", "book_runs", "verdict", "verdict_items", "SD_MARGIN",
           "RELATIVE_MARGIN", "status_margin", "revision_runs", "revision_table"]

STATUSES = ("reproduced", "close", "differs")
# A claim counts as reproduced when it holds in at least 90% of the cases tested (seeds, or the
# grid's best cells), as close when it holds in at least half of them.
CLAIM_REPRODUCED, CLAIM_CLOSE = 0.9, 0.5

_REGIME_KEYS = {"balanced": "balanced", "high": "high complexity", "low": "low complexity"}
_QUANTITIES = ("retrieval", "generalization", "n_attractors", "orthogonality")


def resolution(reported):
    """Half a unit in the last digit of a number as printed: ``"0.292"`` -> 0.0005,
    ``"10"`` -> 0.5."""
    if not isinstance(reported, str):
        raise TypeError(f"reported must be a string, got {type(reported).__name__}")
    try:
        float(reported)
    except ValueError as exc:
        raise ValueError(f"reported must be a number as printed, got {reported!r}") from exc
    decimals = len(reported.split(".")[1]) if "." in reported else 0
    return 0.5 * 10.0 ** (-decimals)


# The margin of the status rule: a number is "close" within max(SD_MARGIN seed sd,
# RELATIVE_MARGIN |paper|) of this book's range (status, status_margin).
SD_MARGIN, RELATIVE_MARGIN = 2.0, 0.1


def status_margin(paper, values, *, sd_margin=SD_MARGIN, relative_margin=RELATIVE_MARGIN):
    """The margin of :func:`status`: ``max(sd_margin * sd, relative_margin * |paper|)``, sd the
    standard deviation of ``values`` (0 for fewer than two)."""
    v = np.asarray(values, dtype=float).ravel()
    sd = float(v.std(ddof=1)) if v.size > 1 else 0.0
    return max(sd_margin * sd, relative_margin * abs(float(paper)))


def status(paper, values, *, rounding=0.0, sd_margin=SD_MARGIN, relative_margin=RELATIVE_MARGIN):
    """Decide whether a reported number is reproduced by this book's values over seeds.

    Rule: let ``[lo, hi]`` be the range of ``values`` widened by ``rounding`` (half a unit of the
    paper's last printed digit). The number is *reproduced* if the paper's value lies in
    ``[lo, hi]``; *close* if it lies within ``margin = max(sd_margin * sd, relative_margin *
    |paper|)`` of that interval (sd: the values' standard deviation, 0 for a single value);
    otherwise it *differs*.

    Parameters
    ----------
    paper : float — the paper's value
    values : array (k,) — this book's values (one per seed; NaN entries are not allowed)
    rounding, sd_margin, relative_margin : float >= 0

    Returns
    -------
    str, one of :data:`STATUSES`
    """
    p = float(finite_array(paper, "paper", ndim=0))
    v = finite_array(values, "values").ravel()
    if v.size == 0:
        raise ValueError("values must hold at least one value")
    rounding = positive(rounding, "rounding", allow_zero=True)
    sd_margin = positive(sd_margin, "sd_margin", allow_zero=True)
    relative_margin = positive(relative_margin, "relative_margin", allow_zero=True)
    lo, hi = v.min() - rounding, v.max() + rounding
    if lo <= p <= hi:
        return "reproduced"
    margin = status_margin(p, v, sd_margin=sd_margin, relative_margin=relative_margin)
    return "close" if lo - margin <= p <= hi + margin else "differs"


def claim_status(holds):
    """Status of a claim from the cases in which it was tested (booleans, e.g. one per seed):
    reproduced if it holds in at least 90% of them, close if in at least half, else differs."""
    h = np.asarray(holds)
    if h.size == 0 or h.dtype != bool:
        raise TypeError("holds must be a non-empty array of booleans")
    frac = float(h.mean())
    if frac >= CLAIM_REPRODUCED:
        return "reproduced"
    return "close" if frac >= CLAIM_CLOSE else "differs"


# ---------------------------------------------------------------------------------------------
# The simulations over seeds


def _seeds(seeds, name="seeds"):
    if isinstance(seeds, (str, bytes)) or isinstance(seeds, numbers.Number):
        raise TypeError(f"{name} must be a sequence of integer seeds, got {type(seeds).__name__}")
    out = [count(s, name, minimum=0) for s in seeds]
    if not out:
        raise ValueError(f"{name} must hold at least one seed")
    if len(set(out)) != len(out):
        raise ValueError(f"{name} must not repeat a seed")
    return out


def simulation1_runs(seeds=range(20), **kwargs):
    """Simulation 1 for each (validated) seed: :func:`fep_core.experiments.simulation1_seeds`.

    Returns
    -------
    DataFrame, one row per seed: ``data_correlation``, ``attractor_correlation``, ``asymmetry``,
    ``converged`` (both attractor searches), ``vfe_first`` / ``vfe_last`` (mean macro VFE over
    the first and last tenth of training), ``retrieval_vertical`` / ``retrieval_horizontal``
    (mean cosine of the retrieval state with each attractor over the second half of the probe)
    and ``cross_vertical`` / ``cross_horizontal`` (the same for the cross).
    """
    # the Simulation-1 chapter computes the same 20 seeds: one run per build, shared by cache
    return cached(experiments.simulation1_seeds, seeds=tuple(_seeds(seeds)), **kwargs)


def _regimes(regimes):
    """A non-empty dict name -> (evidence, inverse_temperature)."""
    want = "a dict name -> (evidence, inverse_temperature)"
    try:
        out = dict(regimes)
    except (TypeError, ValueError):
        raise TypeError(f"regimes must be {want}, got {type(regimes).__name__}") from None
    if not out:
        raise ValueError(f"regimes must be {want} with at least one regime")
    for name, cell in out.items():
        if isinstance(cell, (str, bytes)) or not hasattr(cell, "__len__"):
            raise TypeError(f"regimes must be {want}, got {type(cell).__name__} for {name!r}")
        if len(cell) != 2:
            raise ValueError(f"regimes must be {want}, got {len(cell)} values for {name!r}")
    return out


def regime_runs(seeds=range(5), regimes=None, **kwargs):
    """The Simulation-2 regime cells for each seed, via
    :func:`fep_core.experiments.simulation2_cell`.

    Parameters
    ----------
    seeds : sequence of int
    regimes : dict name -> (evidence, inverse_temperature); default
        :data:`fep_core.experiments.REGIMES`
    kwargs : passed to ``simulation2_cell`` (e.g. ``epochs``, ``learning_rate``, ``schedule``)

    Returns
    -------
    DataFrame, one row per (regime, seed), with the cell's summary (evidence,
    inverse_temperature, retrieval, generalization, n_attractors, orthogonality (distinct
    pairs), attractor_correlation, asymmetry, converged) plus ``orthogonality_with_self`` (the
    full-matrix convention of the paper's data value) and ``attractor_amplitude`` (mean |state|).
    """
    regimes = experiments.REGIMES if regimes is None else _regimes(regimes)
    rows = []
    for s in _seeds(seeds):
        for name, (e, t) in regimes.items():
            c = experiments.simulation2_cell(seed=s, evidence=e, inverse_temperature=t, **kwargs)
            rows.append({"regime": name, "seed": s, **c.summary,
                         "orthogonality_with_self": metrics.orthogonality(c.attractors,
                                                                          include_self=True)
                         if len(c.attractors) > 1 else np.nan,
                         "attractor_amplitude": float(np.abs(c.attractors).mean())})
    return pd.DataFrame(rows)


def simulation3_runs(seeds=range(10), cycles=3, **kwargs):
    """Simulation 3 for each seed: ``asymmetry``, ``symmetric_attractor_labels`` (the digit each
    attractor of J_sym is recognised as), ``sequence_order`` (succession of digits in the free
    run) and ``cycles`` (:func:`fep_core.paper.cycles_forward`: the free run steps only forwards
    1 -> 2 -> 3 -> 1 and completes at least ``cycles`` cycles)."""
    cycles = count(cycles, "cycles")
    rows = []
    for s in _seeds(seeds):
        r = experiments.simulation3(seed=s, **kwargs)
        rows.append({"seed": s, "asymmetry": r.asymmetry,
                     "symmetric_attractor_labels": r.symmetric_attractor_labels,
                     "attractors_are_digits": r.symmetric_attractor_labels == r.labels,
                     "sequence_order": r.sequence_order,
                     "cycles": paper.cycles_forward(r.sequence_order, r.labels, repeats=cycles)})
    return pd.DataFrame(rows)


def grid_precision_claims(table, *, top_fraction=paper.TOP_FRACTION):
    """Where the best cells of the Simulation-2 grid lie in precision.

    The paper says retrieval is best at iT 0.1-0.5 and generalisation prefers iT < 0.1
    (:data:`fep_core.paper.BANDS`). For each measure, takes the top ``top_fraction`` of cells
    (:func:`fep_core.paper.top_cells`) and the best cell.

    Parameters
    ----------
    table : DataFrame — ``Simulation2Result.table``

    Returns
    -------
    dict with, per measure ``retrieval`` / ``generalization``: ``in_band`` (bool array, one per
    top cell: its precision lies in the paper's band), ``best_iT``, ``best_evidence``, ``best``
    (score) and ``band`` (a description).
    """
    need = {"inverse_temperature", "evidence", "retrieval", "generalization"}
    if not isinstance(table, pd.DataFrame) or not need <= set(table.columns):
        raise TypeError(f"table must be a DataFrame with columns {sorted(need)}")
    frac = positive(top_fraction, "top_fraction")
    if frac > 1:
        raise ValueError(f"top_fraction must be at most 1, got {frac}")
    out = {}
    for measure in ("retrieval", "generalization"):
        top = table[paper.top_cells(table, measure, fraction=frac)]
        best = table.loc[table[measure].idxmax()]
        out[measure] = {"in_band": paper.in_band(top.inverse_temperature.to_numpy(), measure),
                        "best_iT": float(best.inverse_temperature),
                        "best_evidence": float(best.evidence), "best": float(best[measure]),
                        "band": paper.BANDS[measure][2],
                        "best_in_band": bool(paper.in_band(best.inverse_temperature, measure))}
    return out


# ---------------------------------------------------------------------------------------------
# All runs and the table


@dataclass
class ReproductionRuns:
    """Everything the reproduction table is computed from.

    ``simulation1``: :func:`simulation1_runs`; ``regimes``: :func:`regime_runs`; ``grid``: a
    :class:`fep_core.experiments.Simulation2Result`; ``simulation3``: :func:`simulation3_runs`;
    ``simulation4``: a :class:`fep_core.experiments.Simulation4Result` (one seed, with its control).
    """

    simulation1: pd.DataFrame
    regimes: pd.DataFrame
    grid: object
    simulation3: pd.DataFrame
    simulation4: object


def run_reproduction(*, grid, simulation4=None, sim1_seeds=range(20), sim2_seeds=range(5),
                     sim3_seeds=range(10), sim1_kwargs=None, sim2_kwargs=None, sim3_kwargs=None,
                     sim4_kwargs=None):
    """Run every simulation the reproduction table needs.

    Parameters
    ----------
    grid : Simulation2Result — the Simulation-2 grid (computed once per build by the chapter
        with ``fep_core.cache.cached(simulation2, seed=0, progress=True)``)
    simulation4 : Simulation4Result, optional — computed with ``sim4_kwargs`` if not given
    sim1_seeds, sim2_seeds, sim3_seeds : seeds of Simulations 1, 2 (regime cells) and 3
    sim*_kwargs : dict, optional — settings passed on (default: the paper's)
    """
    if not isinstance(grid, experiments.Simulation2Result):
        raise TypeError("grid must be a Simulation2Result (fep_core.experiments.simulation2)")
    if simulation4 is None:
        simulation4 = experiments.simulation4(**(sim4_kwargs or {}))
    elif not isinstance(simulation4, experiments.Simulation4Result):
        raise TypeError("simulation4 must be a Simulation4Result "
                        "(fep_core.experiments.simulation4)")
    return ReproductionRuns(simulation1=simulation1_runs(sim1_seeds, **(sim1_kwargs or {})),
                            regimes=regime_runs(sim2_seeds, **(sim2_kwargs or {})), grid=grid,
                            simulation3=simulation3_runs(sim3_seeds, **(sim3_kwargs or {})),
                            simulation4=simulation4)


# The reproduction report's seeds (its chapter and the front page read the same runs).
BOOK_SEEDS = {"sim1_seeds": range(20), "sim2_seeds": range(10), "sim3_seeds": range(10)}

# Where each simulation's numbers are discussed: the prefix of a reproduction-table key -> the
# chapter (document name) that shows them.
CHAPTER_OF = {"s1": "simulation1", "s2": "simulation2", "s3": "simulation3", "s4": "simulation4",
              "s5": "simulation5", "s6": "simulation6"}


def book_runs():
    """The reproduction report's runs: :func:`run_reproduction` at :data:`BOOK_SEEDS`, with the
    Simulation-2 grid and Simulation 4 (seed 0) read through the result cache, as the chapters
    compute them. Meant to be called through ``fep_core.cache.cached(book_runs)``."""
    grid = cached(experiments.simulation2, seed=0, progress=True)
    sim4 = cached(experiments.simulation4, seed=0, progress=True)
    return run_reproduction(grid=grid, simulation4=sim4, **BOOK_SEEDS)


def verdict(table):
    """The reproduction's verdict for a front page.

    Parameters
    ----------
    table : DataFrame — :func:`reproduction_table`

    Returns
    -------
    counts : dict — ``{status: number of rows}`` for every status of :data:`STATUSES`
    differing : DataFrame — the rows that are not reproduced (status, quantity, reported value,
        this book's value) with ``chapter``, the document that shows them
    """
    if "status" not in getattr(table, "columns", ()):
        raise TypeError("table must be a reproduction table (reproduction_table)")
    counts = {s: int((table.status == s).sum()) for s in STATUSES}
    rest = table[table.status != "reproduced"].copy()
    rest["chapter"] = [CHAPTER_OF[key.split("_", 1)[0]] for key in rest.index]
    order = {s: i for i, s in enumerate(STATUSES)}
    rest = rest.sort_values("status", key=lambda s: s.map(order), kind="stable")
    return counts, rest[["status", "quantity", "reported", "book", "chapter"]]


def verdict_items(rest):
    """The rows of :func:`verdict` that are not reproduced as a markdown list, one line each:
    status, the chapter that shows it (a ``{doc}`` link), the quantity, the paper's value and
    this book's."""
    missing = {"status", "quantity", "reported", "book", "chapter"} - set(getattr(rest, "columns",
                                                                                 ()))
    if missing:
        raise TypeError(f"rest must be verdict()'s second result; it lacks {sorted(missing)}")
    return "\n".join(f"* *{row.status}* ({{doc}}`{row.chapter}`): {row.quantity}. Paper: "
                     f"{row.reported}; this book: {row.book}." for row in rest.itertuples())


def _fmt(x, digits):
    return f"{x:.{digits}f}".replace("-", "\u2212")


def _numeric_row(values, paper, reported, digits):
    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v)]          # e.g. orthogonality of a seed that formed a single attractor
    n = v.size
    if n == 0:
        return {"book": "undefined", "mean": np.nan, "sd": np.nan, "min": np.nan, "max": np.nan,
                "n": 0, "values": (), "status": "differs"}
    if n == 1:
        book = _fmt(v[0], digits)
    else:
        book = (f"{_fmt(v.mean(), digits)} \u00b1 {_fmt(v.std(ddof=1), digits)} "
                f"({_fmt(v.min(), digits)} to {_fmt(v.max(), digits)}; {n} seeds)")
    return {"book": book, "mean": float(v.mean()), "sd": float(v.std(ddof=1)) if n > 1 else 0.0,
            "min": float(v.min()), "max": float(v.max()), "n": n, "values": tuple(v.tolist()),
            "status": status(paper, v, rounding=resolution(reported))}


def _claim_row(holds, book):
    h = np.asarray(holds, dtype=bool)
    return {"book": book, "mean": float(h.mean()), "sd": np.nan, "min": np.nan, "max": np.nan,
            "n": h.size, "values": tuple(h.tolist()), "status": claim_status(h)}


def reproduction_table(runs):
    """The paper's numbers next to this book's, one row per item of
    :func:`fep_core.paper.reported_values`.

    Numbers use :func:`status` on the per-seed values; claims use :func:`claim_status` on the
    cases tested (seeds, the grid's top cells, or the single Simulation-4 run), each decided by
    its predicate in :mod:`fep_core.paper`. The criteria are in the ``criterion`` column.

    Parameters
    ----------
    runs : ReproductionRuns

    Returns
    -------
    DataFrame indexed like :func:`fep_core.paper.reported_values`, with its columns plus ``book``
    (formatted), ``mean``, ``sd``, ``min``, ``max``, ``n`` (cases), ``values`` (per case),
    ``status`` and ``criterion``.
    """
    if not isinstance(runs, ReproductionRuns):
        raise TypeError("runs must be a ReproductionRuns (see run_reproduction)")
    pv = paper.reported_values()
    rows = {}
    s1, reg, s3, s4, grid = (runs.simulation1, runs.regimes, runs.simulation3, runs.simulation4,
                             runs.grid)

    def number(key, values, digits,
               criterion="paper value in the seed range (see the status rule)"):
        rows[key] = {**_numeric_row(values, pv.loc[key, "paper"], pv.loc[key, "reported"], digits),
                     "criterion": criterion}

    number("s1_data_corr", s1.data_correlation.to_numpy()[:1], 3,
           "deterministic: equal after rounding")
    number("s1_attr_corr", s1.attractor_correlation, 3)
    n1 = len(s1)
    h = paper.vfe_decreases(s1.vfe_first, s1.vfe_last)
    rows["s1_vfe"] = {**_claim_row(h, f"falls in {h.sum()}/{n1} seeds "
                                      f"({_fmt(s1.vfe_first.mean(), 1)} to "
                                      f"{_fmt(s1.vfe_last.mean(), 1)} nats)"),
                      "criterion": "mean VFE of the last tenth of training below that of the "
                                   "first tenth"}
    h = paper.retrieves_first_pattern(s1.retrieval_vertical, s1.retrieval_horizontal)
    rows["s1_retrieval"] = {**_claim_row(h, f"in {h.sum()}/{n1} seeds "
                                            f"(cosine {_fmt(s1.retrieval_vertical.mean(), 2)}"
                                            f" vs {_fmt(s1.retrieval_horizontal.mean(), 2)})"),
                            "criterion": "state closer to the vertical than to the horizontal "
                                         "attractor"}
    h = paper.mixes_both(s1.cross_vertical, s1.cross_horizontal)
    rows["s1_cross"] = {**_claim_row(h, f"in {h.sum()}/{n1} seeds"),
                        "criterion": f"cosine above {paper.MIX_THRESHOLD} with both attractors"}
    for short, regime in _REGIME_KEYS.items():
        sub = reg[reg.regime == regime]
        for q in _QUANTITIES:
            key = f"s2_{short}_{q}"
            if key in pv.index:
                number(key, sub[q].to_numpy(), 1 if q in ("orthogonality", "n_attractors") else 3)
    number("s2_data_orthogonality", [grid.data_orthogonality_with_self], 2,
           "deterministic; the paper's full-matrix convention (with self-angles)")
    claims = grid_precision_claims(grid.table)
    for key, measure in (("s2_retrieval_band", "retrieval"),
                         ("s2_generalization_band", "generalization")):
        c = claims[measure]
        rows[key] = {**_claim_row(c["in_band"],
                                  f"{c['in_band'].sum()}/{c['in_band'].size} top cells in band; "
                                  f"best cell iT {c['best_iT']:.3f} "
                                  f"(evidence {c['best_evidence']:.0f})"),
                     "criterion": f"precision of the top {100 * paper.TOP_FRACTION:.0f}% of grid "
                                  f"cells ({c['band']}); grid seed 0"}
    number("s3_asymmetry", s3.asymmetry, 3)
    n3 = len(s3)
    h = s3.attractors_are_digits.to_numpy(dtype=bool)
    rows["s3_symmetric_attractors"] = {**_claim_row(h, f"in {h.sum()}/{n3} seeds"),
                                       "criterion": "the attractor from each digit is recognised "
                                                    "as that digit"}
    h = s3.cycles.to_numpy(dtype=bool)
    rows["s3_free_run"] = {**_claim_row(h, f"in {h.sum()}/{n3} seeds (seed {s3.seed.iloc[0]}: "
                                           f"{s3.sequence_order.iloc[0][:9]}...)"),
                           "criterion": "only forward steps 1 \u2192 2 \u2192 3 \u2192 1, "
                                        "at least 3 full cycles"}
    # Simulation 4: one run (seed 0). "Very similar" is judged against seed-to-seed spread.
    off = ~np.eye(s4.J_before.shape[0], dtype=bool)
    j_corr = float(np.corrcoef(s4.J_before[off], s4.J_after[off])[0, 1])
    rows["s4_coupling"] = {**_claim_row(paper.couplings_similar([s4.J_change]),
                                        f"relative change {s4.J_change:.2f}; "
                                        f"correlation of entries {j_corr:.2f}"),
                           "criterion": f"||J_after - J_before||_F <= {paper.COUPLING_CHANGE} "
                                        f"||J_before||_F"}
    bal = reg[reg.regime == "balanced"]
    for key, q, before, after in (("s4_retrieval", "retrieval", s4.retrieval_before,
                                   s4.retrieval_after),
                                  ("s4_generalization", "generalization", s4.generalization_before,
                                   s4.generalization_after)):
        sd = float(bal[q].std(ddof=1)) if len(bal) > 1 else 0.0
        rows[key] = {**_claim_row(paper.scores_similar([before], [after], sd),
                                  f"{_fmt(before, 3)} before, {_fmt(after, 3)} after (seed 0)"),
                     "criterion": f"|after - before| within {paper.SCORE_SDS:g} seed sds of the "
                                  f"balanced cell ({paper.SCORE_SDS * sd:.3f})"}
    amp = float(np.abs(s4.attractors_before).mean())
    soft_after = paper.soft_attractors(s4.attractors_after, amp)
    n_soft = int(soft_after.sum())
    some = 0 < n_soft < soft_after.size
    rows["s4_soft"] = {**_claim_row([some], f"{n_soft} of {soft_after.size} soft after "
                                            f"(mean |state| {amp:.2f} before, "
                                            f"{np.abs(s4.attractors_after).mean():.2f} after)"),
                       "criterion": f"some but not all attractors have mean |state| below "
                                    f"{paper.SOFT_FRACTION:g} times that before"}
    if n_soft == soft_after.size and n_soft > 0:
        rows["s4_soft"]["status"] = "close"      # all soft: the direction holds, more than "some"
    table = pd.DataFrame.from_dict(rows, orient="index")
    return pv.join(table, how="left")


# ---------------------------------------------------------------------------------------------
# Reproduction notes


def orthogonality_conventions(grid, regimes):
    """Note 1: orthogonality (mean |90 - angle|, degrees) in both conventions.

    Parameters
    ----------
    grid : Simulation2Result — for the training digits' values
    regimes : DataFrame of :func:`regime_runs`

    Returns
    -------
    DataFrame with rows "training digits" and one per regime with more than one attractor
    (mean over seeds), columns ``paper``, ``distinct pairs`` and ``with self-angles``.
    """
    rows = [{"vectors": "training digits", "paper": paper.value("s2_data_orthogonality"),
             "distinct pairs": grid.data_orthogonality,
             "with self-angles": grid.data_orthogonality_with_self}]
    for short, name in (("balanced", "balanced"), ("high", "high complexity")):
        sub = regimes[regimes.regime == name]
        rows.append({"vectors": f"{name} attractors (mean of {len(sub)} seeds)",
                     "paper": paper.value(f"s2_{short}_orthogonality"),
                     "distinct pairs": float(sub.orthogonality.mean()),
                     "with self-angles": float(sub.orthogonality_with_self.mean())})
    return pd.DataFrame(rows).set_index("vectors")


_BALANCED = experiments.REGIMES["balanced"]


def balanced_cell_variants(variants, seeds=range(5), **kwargs):
    """The balanced Simulation-2 cell (evidence 11, iT 0.167) under several settings.

    Parameters
    ----------
    variants : dict name -> dict of ``simulation2_cell`` arguments (e.g. ``{"learning_rate":
        0.01}``, ``{"prediction": "paper"}``, ``{"schedule": "sequential"}``)
    seeds : sequence of int
    kwargs : common arguments (e.g. ``epochs`` for a quick run)

    Returns
    -------
    DataFrame, one row per (variant, seed), with the cell's summary.
    """
    if not isinstance(variants, dict) or not variants:
        raise TypeError("variants must be a non-empty dict name -> settings")
    for name, settings in variants.items():
        if not isinstance(settings, dict):
            raise TypeError(f"variants must map each name to a dict of simulation2_cell "
                            f"arguments, got {type(settings).__name__} for {name!r}")
    frames = []
    for name, settings in variants.items():
        df = regime_runs(seeds, regimes={"balanced": _BALANCED}, **{**kwargs, **dict(settings)})
        frames.append(df.assign(variant=name))
    return pd.concat(frames, ignore_index=True)


def learning_rate_effect(seeds=range(5),
                         learning_rates=(paper.SIMULATION2["learning_rate"],
                                         paper.CODE_DIFFERENCES["simulation2 learning_rate"][0]),
                         **kwargs):
    """Note 2: the balanced cell at the code's learning rate 0.001 and the text's 0.01, over
    seeds."""
    if (isinstance(learning_rates, (str, bytes, numbers.Number))
            or not hasattr(learning_rates, "__iter__")):
        raise TypeError(f"learning_rates must be a sequence of learning rates, "
                        f"got {type(learning_rates).__name__}")
    learning_rates = list(learning_rates)
    variants = {f"learning rate {positive(a, 'learning_rates'):g}": {"learning_rate": a}
                for a in learning_rates}
    if not variants:
        raise ValueError("learning_rates must hold at least one learning rate")
    if len(variants) != len(learning_rates):
        raise ValueError("learning_rates must not repeat a learning rate")
    return balanced_cell_variants(variants, seeds, **kwargs)


def _sim1_variants(variants, seeds, kwargs):
    frames = [simulation1_runs(seeds, **{**kwargs, **settings}).assign(variant=name)
              for name, settings in variants.items()]
    return pd.concat(frames, ignore_index=True)


def _variant_effect(option, values, labels, sim1_seeds, sim2_seeds, sim1_kwargs, sim2_kwargs):
    variants = {label: {option: v} for v, label in zip(values, labels)}
    return {"simulation1": _sim1_variants(variants, sim1_seeds, sim1_kwargs or {}),
            "simulation2": balanced_cell_variants(variants, sim2_seeds, **(sim2_kwargs or {}))}


def prediction_effect(sim1_seeds=range(10), sim2_seeds=range(5), *, sim1_kwargs=None,
                      sim2_kwargs=None):
    """Note 3: anti-Hebbian prediction ``L(h_i)`` (code) vs ``L(b_i + h_i)`` (the paper's equation).

    Returns
    -------
    dict with ``simulation1`` (:func:`simulation1_runs` rows with a ``variant`` column) and
    ``simulation2`` (balanced cell, :func:`balanced_cell_variants`), variants "code: L(h)" and
    "paper: L(b + h)".
    """
    return _variant_effect("prediction", ("code", "paper"), ("code: L(h)", "paper: L(b + h)"),
                           sim1_seeds, sim2_seeds, sim1_kwargs, sim2_kwargs)


def schedule_effect(sim1_seeds=range(10), sim2_seeds=range(5), *, sim1_kwargs=None,
                    sim2_kwargs=None):
    """Note 4: synchronous updates (code) vs random-scan sequential (Gibbs) updates; same
    return layout as :func:`prediction_effect`, variants "synchronous" and "sequential"."""
    return _variant_effect("schedule", ("synchronous", "sequential"), ("synchronous", "sequential"),
                           sim1_seeds, sim2_seeds, sim1_kwargs, sim2_kwargs)


# The 3-node network of the Theory chapter (bias, symmetric coupling).
THEORY_BIAS = np.array([0.3, -0.2, 0.1])
THEORY_COUPLING = np.array([[0.0, 1.5, -1.0], [1.5, 0.0, 0.8], [-1.0, 0.8, 0.0]])


def sampling_check(bias=THEORY_BIAS, coupling=THEORY_COUPLING, *, steps=200_000, rng=1,
                   inverse_temperature=1.0, n_batches=50):
    """Note 4: time averages of a free run under each schedule against the exact moments of
    ``p(sigma) ~ exp(iT (b.sigma + 1/2 sigma^T J sigma))`` (quadrature; small symmetric networks).

    Returns
    -------
    DataFrame with rows "sequential", "synchronous" (estimates) and "exact", columns ``E[s_i]``
    and ``E[s_i s_j]`` (i < j); plus rows "z sequential" / "z synchronous": (estimate - exact) /
    standard error (batch means).
    """
    J = finite_array(coupling, "coupling", ndim=2)
    if not np.allclose(J, J.T):
        raise ValueError("coupling must be symmetric (the joint is that of its symmetric part)")
    n = J.shape[0]
    steps = count(steps, "steps", minimum=n_batches)
    mean, second, _ = theory.boltzmann_moments(bias, J, inverse_temperature=inverse_temperature)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    exact = np.concatenate([mean, [second[i, j] for i, j in pairs]])
    rows = {}
    for schedule in ("sequential", "synchronous"):
        net = AttractorNetwork(n, rng=rng, coupling=J)
        S = net.run(np.asarray(bias, dtype=float), steps, inverse_temperature=inverse_temperature,
                    schedule=schedule)
        stats = np.column_stack([S] + [S[:, i] * S[:, j] for i, j in pairs])
        est, se = stats.mean(axis=0), theory.batch_means_se(stats, n_batches)
        rows[schedule] = est
        rows[f"z {schedule}"] = (est - exact) / se
    rows["exact"] = exact
    cols = [f"E[s{i}]" for i in range(n)] + [f"E[s{i} s{j}]" for i, j in pairs]
    return pd.DataFrame(rows, index=cols).T.loc[["exact", "sequential", "synchronous",
                                                 "z sequential", "z synchronous"]]


def pair_weight_check(bias=THEORY_BIAS, coupling=THEORY_COUPLING, *, n_states=20, rng=0,
                      n_grid=101):
    """Note 5: the full conditional of each node under ``exp(b.s + w s^T J s)`` against the
    inference rule's ``CB(b_i + sum_j J_ij s_j)``, for ``w = 1/2`` and ``w = 1`` (the product of
    pairwise joints), at ``n_states`` random states.

    Returns
    -------
    DataFrame indexed by pair weight with the largest absolute density difference over nodes,
    states and a grid of ``n_grid`` points of [-1, 1].
    """
    J = finite_array(coupling, "coupling", ndim=2)
    b = finite_array(bias, "bias", shape=(J.shape[0],))
    g = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    x = np.linspace(-1.0, 1.0, count(n_grid, "n_grid", minimum=2))
    out = {}
    states = g.uniform(-1.0, 1.0, (count(n_states, "n_states"), J.shape[0]))
    for w in (0.5, 1.0):
        worst = 0.0
        for s in states:
            theta = theory.local_evidence(b, J, s)
            for i in range(J.shape[0]):
                dens = theory.conditional_density(x, i, s, b, J, pair_weight=w)
                worst = max(worst, float(np.max(np.abs(dens - cb.pdf(x, theta[i])))))
        out[w] = worst
    return pd.DataFrame({"max |conditional - CB(theta_i)|": out}).rename_axis("pair weight")


# ---------------------------------------------------------------------------------------------
# New findings


def asymmetry_vs_epochs(seeds=range(5), checkpoints=(500, 1500, 4500, 13500, 40500, 121500),
                        **settings):
    """Simulation 1 trained far beyond the paper's 500 epochs, measured at checkpoints.

    Each seed's network is trained exactly as :func:`fep_core.experiments.simulation1` trains it
    (same random stream), in one continuous run paused at every checkpoint (so the first
    checkpoint, 500 epochs, is that simulation's network), all seeds as one batch.

    Parameters
    ----------
    seeds : sequence of int
    checkpoints : increasing epochs
    settings : evidence (30), inverse_temperature (0.1), learning_rate (0.01), steps_per_epoch (10)

    Returns
    -------
    DataFrame, one row per (seed, epochs): ``asymmetry``, ``norm_symmetric`` and
    ``norm_antisymmetric`` (Frobenius norms of the two parts of J), ``attractor_correlation``
    and ``converged`` (both attractor searches converged).
    """
    seeds = _seeds(seeds)
    cps = [count(c, "checkpoints") for c in checkpoints]
    if not cps or np.any(np.diff(cps) <= 0):
        raise ValueError("checkpoints must be a non-empty increasing sequence of epochs")
    unknown = set(settings) - {"evidence", "inverse_temperature", "learning_rate",
                               "steps_per_epoch"}
    if unknown:
        raise TypeError(f"unexpected settings: {sorted(unknown)}")
    p = {k: paper.SIMULATION1[k] for k in ("evidence", "inverse_temperature", "learning_rate",
                                           "steps_per_epoch")}
    p.update(settings)
    pats = datasets.bars()
    # Simulation 1's training stream (fep_core.streams): the first checkpoint is exactly the
    # chapter's network.
    batch = AttractorBatch(len(seeds), pats.shape[1], rng=[stream(s, TRAIN) for s in seeds])
    rows, done = [], 0
    for cp in cps:
        batch.train(pats, evidence=p["evidence"], epochs=cp - done,
                    steps_per_epoch=p["steps_per_epoch"],
                    inverse_temperature=p["inverse_temperature"], learning_rate=p["learning_rate"])
        done = cp
        _, fixed, conv = metrics.find_attractors(batch,
                                                 np.broadcast_to(pats, (len(seeds),) + pats.shape))
        J = batch.J
        for k, s in enumerate(seeds):
            rows.append({"seed": s, "epochs": cp, "asymmetry": float(asymmetry(J[k])),
                         "norm_symmetric": float(np.linalg.norm(batch.symmetric_part()[k])),
                         "norm_antisymmetric": float(np.linalg.norm(batch.antisymmetric_part()[k])),
                         "attractor_correlation": metrics.attractor_correlation(*fixed[k]),
                         "converged": bool(np.all(conv[k]))})
    return pd.DataFrame(rows)


def grid_asymmetry(table):
    """Coupling asymmetry over the Simulation-2 grid, per precision: median, min and max over
    the evidence levels, and the correlation of asymmetry with log precision over all cells.

    Returns
    -------
    (per_precision, correlation) : (DataFrame indexed by inverse_temperature, float)
    """
    if (not isinstance(table, pd.DataFrame)
            or not {"inverse_temperature", "asymmetry"} <= set(table.columns)):
        raise TypeError("table must be a Simulation2Result.table")
    per = table.groupby("inverse_temperature").asymmetry.agg(["median", "min", "max"])
    r = float(np.corrcoef(np.log(table.inverse_temperature), table.asymmetry)[0, 1])
    return per, r


# ---------------------------------------------------------------------------------------------
# The revision: Simulations 5b (capacity) and 6 (faces)


@dataclass
class RevisionRuns:
    """What :func:`revision_table` reads: ``simulation5`` (:func:`fep_core.capacity.simulation5`),
    ``simulation6`` (:func:`fep_core.faces.simulation6` on the chapter's faces) and ``train``
    (its training faces, (K, n))."""

    simulation5: object
    simulation6: object
    train: np.ndarray


def revision_runs():
    """The Simulation-5 and -6 chapters' results, read through the result cache with the
    chapters' own arguments (so a book build computes them once)."""
    from . import capacity, faces

    s5 = cached(capacity.simulation5)
    s6 = cached(faces.simulation6, n_examples=10, n_held_out_examples=10, seed=0)
    return RevisionRuns(s5, s6, datasets.faces()[s6.split.train])


def revision_table(runs):
    """The revision's numbers and claims (:data:`fep_core.paper.REVISION_REPORTED`) next to this
    book's, with the status rules of :func:`reproduction_table`.

    Capacity numbers: the per-repeat values of the authors' protocol with the state reset at each
    epoch (as the authors' code runs it). Capacity claims: one case per network size and repeat
    (:func:`fep_core.capacity.claim_cases`). "Stored faces are attractors": the trained face
    network of seed 0 (:func:`fep_core.faces.stored_faces`). "Gain typically positive": one case
    per cell of the likelihood x prior precision grid
    (:func:`fep_core.faces.gain_typically_positive`).
    """
    from . import capacity, faces

    if not isinstance(runs, RevisionRuns):
        raise TypeError("runs must be a RevisionRuns (see revision_runs)")
    items = {r.id: r for r in paper.REVISION_REPORTED}
    rows = {}
    authors = runs.simulation5.authors.table
    reset = authors[authors.reset_state]
    for key, column, k in (("s5_retention_k90", "retention", 90),
                           ("s5_reconstruction_k10", "reconstruction", 10),
                           ("s5_gain_k50", "gain", 50)):
        r = items[key]
        values = reset.loc[reset.n_patterns == k, column].to_numpy()
        digits = len(r.reported.split(".")[1])
        rows[key] = {**_numeric_row(values, r.value, r.reported, digits),
                     "criterion": "paper value in the repeats' range (state reset each epoch)"}
    cases = capacity.claim_cases(runs.simulation5.study)
    for key, column, words in (
            ("s5_exceeds_hebbian", "exceeds_hebbian",
             f"critical load above {capacity.CLAIM_FACTOR:g} x the Hebbian network's"),
            ("s5_approaches_n", "approaches_n",
             f"critical load at least {capacity.CLAIM_FRACTION:g}")):
        holds = cases[column].to_numpy(dtype=bool)
        rows[key] = {**_claim_row(holds, f"holds in {int(holds.sum())} of {holds.size} cases"),
                     "criterion": words + " (10% flipped, N = 50, 100, 200, each repeat)"}
    ev = runs.simulation6.evaluation
    stored = faces.stored_faces(ev.fixed_points[0], runs.train)
    rows["s6_stored_faces"] = {
        **_claim_row([stored], "holds" if stored else "does not hold"),
        "criterion": f"at least {faces.STORED_FRACTION:g} of the training faces relax to a "
                     f"fixed point closer to them than to any other face"}
    typical = faces.gain_typically_positive(runs.simulation6.grid.gains).ravel()
    rows["s6_gain"] = {
        **_claim_row(typical, f"in {int(typical.sum())} of {typical.size} grid cells"),
        "criterion": f"more than {faces.GAIN_FRACTION:g} of the faces gain, per cell of the "
                     f"likelihood x prior precision grid"}
    table = pd.DataFrame([{"id": r.id, "simulation": r.simulation, "quantity": r.quantity,
                           "paper": np.nan if r.value is None else float(r.value),
                           "reported": r.reported, "source": r.source,
                           "kind": "claim" if r.value is None else "number"}
                          for r in paper.REVISION_REPORTED]).set_index("id")
    return table.join(pd.DataFrame.from_dict(rows, orient="index"))
