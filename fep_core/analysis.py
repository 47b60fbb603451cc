"""Summaries of computed results that chapters, figures and the report share.

Nothing here simulates: every function reshapes or summarises a result of
:mod:`fep_core.experiments` (the Simulation-2 grid table, recorded states, the Simulation-4
retention control), so that a chapter, its figures and the reproduction report all read the
same numbers. Figures live in :mod:`fep_core.plotting`, which imports this module, never the
reverse.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import datasets, metrics, paper
from ._validation import count, finite_array, paired_vectors, positive

__all__ = ["grid_matrix", "best_region", "precision_profile", "digit_correlations",
           "RETENTION_CONDITIONS", "retention_summary", "retention_differences"]


def _grid_table(table):
    if not isinstance(table, pd.DataFrame) or not {"evidence", "inverse_temperature"} <= set(
            table.columns):
        raise TypeError("table must be a Simulation2Result.table (a DataFrame with columns "
                        "evidence and inverse_temperature)")
    if table.empty:
        raise ValueError("table must hold at least one grid cell, got an empty table")
    if table.duplicated(["evidence", "inverse_temperature"]).any():
        raise ValueError("table must hold each (evidence, inverse_temperature) cell once, got "
                         "duplicate cells")
    return table


# ---------------------------------------------------------------------------------------------
# The Simulation-2 grid


def grid_matrix(table, column):
    """Values of ``column`` of the grid table as a matrix.

    Returns
    -------
    (evidences (E,), inverse_temperatures (I,), values (E, I)), axes sorted ascending.
    """
    table = _grid_table(table)
    if not isinstance(column, str) or column not in table.columns:
        raise ValueError(f"column must be one of {list(table.columns)}, got {column!r}")
    wide = table.pivot(index="evidence", columns="inverse_temperature", values=column).sort_index()
    wide = wide.reindex(sorted(wide.columns), axis=1)
    return wide.index.to_numpy(float), wide.columns.to_numpy(float), wide.to_numpy(float)


def best_region(table, column, *, fraction=paper.TOP_FRACTION, n_patterns=10):
    """Boolean matrix (E, I) of the grid cells where ``column`` is at its best.

    Retrieval and generalisation: the top ``fraction`` of cells as the reproduction report
    counts them (:func:`fep_core.paper.top_cells`). Orthogonality (lower is better): the same
    number of cells, among those with at least two attractors, closest to orthogonal. Number of
    attractors: exactly ``n_patterns`` (one per training digit).
    """
    table = _grid_table(table)
    if not isinstance(column, str) or column not in table.columns:
        raise ValueError(f"column must be one of {list(table.columns)}, got {column!r}")
    if not 0 < positive(fraction, "fraction") < 1:
        raise ValueError(f"fraction must lie in (0, 1), got {fraction}")
    if column == "n_attractors":
        _, _, v = grid_matrix(table, column)
        return v == count(n_patterns, "n_patterns")
    # lower orthogonality is better; NaN (fewer than two attractors) is never chosen
    scored = table.assign(_score=-table[column] if column == "orthogonality" else table[column])
    mask = paper.top_cells(scored, "_score", fraction=fraction)
    _, _, m = grid_matrix(table.assign(_best=mask.astype(float)), "_best")
    return m == 1.0


def precision_profile(table, column):
    """How ``column`` depends on precision: per inverse temperature, the best value over
    evidence levels, the evidence level attaining it and the median over evidence levels.

    Returns a DataFrame indexed by inverse temperature.
    """
    ev, its, v = grid_matrix(table, column)
    best = np.nanargmax(v, axis=0)
    return pd.DataFrame({"best": v[best, np.arange(its.size)], "best_evidence": ev[best],
                         "median": np.nanmedian(v, axis=0)},
                        index=pd.Index(its, name="inverse_temperature"))


# ---------------------------------------------------------------------------------------------
# States against the digits


def digit_correlations(states, digits=None, *, every=1):
    """Pearson correlation of every ``every``-th state with each digit.

    Parameters
    ----------
    states : array (T, 64)
    digits : array (D, 64), optional — default: the ten training digits
    every : int >= 1

    Returns
    -------
    array (ceil(T / every), D)
    """
    ref = datasets.digits().train if digits is None else finite_array(digits, "digits", ndim=2)
    s = finite_array(states, "states", ndim=2)[::count(every, "every")]
    paired_vectors(s[:, None, :], ref[None, :, :], ("states", "digits"))
    return metrics.correlation(s[:, None, :], ref[None, :, :])


# ---------------------------------------------------------------------------------------------
# Simulation 4's retention control

RETENTION_CONDITIONS = ("sequential", "replay", "rest")


def _control(result_or_control):
    c = getattr(result_or_control, "control", result_or_control)
    need = {"seed", "condition", "first", "second"}
    if not isinstance(c, pd.DataFrame) or not need <= set(c.columns):
        raise TypeError(f"result must be a Simulation4Result or its control DataFrame (columns "
                        f"{sorted(need)})")
    if set(c["condition"]) != set(RETENTION_CONDITIONS):
        raise ValueError(f"result must hold the conditions {list(RETENTION_CONDITIONS)}, got "
                         f"{sorted(set(c['condition']))}")
    if c.duplicated(["seed", "condition"]).any():
        raise ValueError("result must hold one row per (seed, condition), got duplicates")
    return c


def retention_summary(result):
    """The retention control per condition: mean and sd over seeds of the retrieval of the
    first set (digits 0-4) and of the second (5-9), and the paired differences of the first
    set's retrieval from the sequential condition (mean, min, max over seeds).

    Parameters
    ----------
    result : Simulation4Result, or its ``control`` DataFrame

    Returns
    -------
    DataFrame indexed by condition (in :data:`RETENTION_CONDITIONS` order).
    """
    c = _control(result)
    rows = {}
    seq = c[c["condition"] == "sequential"].set_index("seed")
    for cond in RETENTION_CONDITIONS:
        sub = c[c["condition"] == cond].set_index("seed")
        if sub.empty:
            continue
        diff = sub["first"] - seq["first"].reindex(sub.index)
        rows[cond] = {"seeds": len(sub), "digits 0-4 mean": sub["first"].mean(),
                      "digits 0-4 sd": sub["first"].std(ddof=1),
                      "digits 5-9 mean": sub["second"].mean(),
                      "digits 5-9 sd": sub["second"].std(ddof=1),
                      "0-4 minus sequential (mean)": diff.mean(),
                      "0-4 minus sequential (min)": diff.min(),
                      "0-4 minus sequential (max)": diff.max()}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("condition")


def retention_differences(result, set_="first"):
    """Per seed, the paired differences replay - rest, replay - sequential and
    rest - sequential of the retrieval of one set (``"first"``: digits 0-4, or ``"second"``).

    Returns
    -------
    DataFrame indexed by seed.
    """
    c = _control(result)
    if not isinstance(set_, str) or set_ not in ("first", "second"):
        raise ValueError(f"set_ must be 'first' or 'second', got {set_!r}")
    wide = c.pivot(index="seed", columns="condition", values=set_)
    return pd.DataFrame({"replay - rest": wide["replay"] - wide["rest"],
                         "replay - sequential": wide["replay"] - wide["sequential"],
                         "rest - sequential": wide["rest"] - wide["sequential"]})
