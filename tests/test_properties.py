"""Property-based standing guard over fep_core's public API (Hypothesis).

Every public function and method of the modules cb, network, metrics, datasets, experiments,
gaussian, geometry, theory, cache, widgets, explore, paper, analysis, streams, reference,
precomputed and grids (the package module; each chapter's grid module is tested beside its
experiment, tests/test_grids_*.py) (plotting, bench and report are out of scope; the callbacks
that run a simulation are in :data:`NOT_CASES`) has an entry in
:data:`CASES`: the callable, valid keyword arguments (tiny sizes, chosen from the
docstrings) and, derived from each valid value, strategies of *bad* values for that argument.
One argument at a time is replaced by a bad value (NaN, +-inf, strings, None, ragged nested lists,
3-D arrays, empty arrays and sequences, zero and negative sizes, non-integers, valid arrays with a
NaN/inf entry or a wrong shape, ...; for a DataFrame argument also malformed frames: emptied, a
required column dropped) and the call must

* raise ``ValueError`` or ``TypeError`` whose message names the argument (the parameter name, as
  a word, appears in ``str(exc)``), or
* return finite values: every float and array in the result, recursively through tuples, lists,
  dicts, dataclasses and DataFrames (:func:`_assert_finite`), is finite, except where a docstring
  documents a NaN/inf (:data:`DOCUMENTED_NONFINITE`, an explicit, commented allow-list);

and never raise another exception type or hang (a hard wall-time limit per call, besides
Hypothesis' per-example deadline).

The expensive experiments (:data:`EXPENSIVE`: the Simulation-2 grid and Simulation 4 take minutes at
the paper's settings) are called with tiny sizes and, first, with the simulation engine replaced by
a tripwire: a bad value must be rejected *before* the engine starts. One that is rejected only after
the simulation has started is reported ("late validation": at the paper's settings, minutes of work
before the error).

Tests:

``test_bad_argument_catalogue``  every argument x a fixed catalogue of bad values, deterministic;
                                 reports every violation of a function at once.
``test_bad_argument``            Hypothesis: generated bad values (random shapes, dtypes, NaN/inf
                                 at random positions, random scalars and nested lists) for an
                                 argument drawn at random; one test per function, shrunk.
``test_bad_argument_slow``       the same for the slow cases (experiments, figures), not shrunk.
``test_valid_call``              the valid arguments of each case really are valid (finite result).
``test_coverage``                every public name is a case or in :data:`NOT_CASES` with a reason,
                                 and every case's valid arguments cover its whole signature.
``test_valid_*``                 valid-input properties where cheap and meaningful.

Generated finite numbers are kept to |x| <= 1e6 (floating-point overflow is not what is probed
here), except in the valid-input properties of cb (|b| <= 1e300, as documented) and of
network.asymmetry (any finite matrix). The hard time limit does not count numba compilation.
Hypothesis runs derandomized (``derandomize=True``, no example database), so CI is deterministic.
"""
from __future__ import annotations

import contextlib
import dataclasses
import inspect
import math
import numbers
import os
import pathlib
import re
import signal
import warnings
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Callable

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from fep_core import (
    _kernels,
    analysis,
    backends,
    cache,
    cb,
    datasets,
    experiments,
    explore,
    gaussian,
    geometry,
    grids,
    metrics,
    network,
    paper,
    precomputed,
    reference,
    streams,
    theory,
    widgets,
)

NAN, INF = float("nan"), float("inf")

HARD_LIMIT_S = 15.0          # a call that runs longer than this is a hang (checked with SIGALRM)
HYPOTHESIS = dict(derandomize=True, database=None, print_blob=False,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                         HealthCheck.filter_too_much])


# =============================================================================================
# Valid arguments (tiny sizes)

N3 = 3                                             # nodes of the small networks below
J3 = np.array([[0.0, 0.5, -0.2],
               [0.3, 0.0, 0.1],
               [-0.4, 0.2, 0.0]])                  # zero diagonal, asymmetric
J3_SYM = 0.5 * (J3 + J3.T)
STATE3 = np.array([0.1, -0.2, 0.3])
BIAS3 = np.array([0.5, -0.5, 0.2])
PATTERNS3 = np.array([[1.0, -1.0, 0.5],
                      [-0.5, 1.0, -1.0]])

A3 = np.array([[0.7, 0.2, 0.1],
               [0.2, 0.5, 0.3],
               [0.1, 0.3, 0.6]])                   # columns sum to 1
D3 = np.array([0.5, 0.3, 0.2])
S3 = np.array([0.2, 0.3, 0.5])
Q3 = np.array([0.6, 0.3, 0.1])


def _perms(shape, seed=0):
    """Integer permutations of range(shape[-1]) with leading shape ``shape[:-1]``."""
    rng = np.random.default_rng(seed)
    return np.argsort(rng.random(shape), axis=-1)


class Fresh:
    """A valid value built anew for every call (objects that calls mutate: networks, frames)."""

    def __init__(self, factory, label):
        self.factory, self.label = factory, label

    def __repr__(self):
        return f"<fresh {self.label}>"


def _resolve(value):
    if isinstance(value, Fresh):
        return value.factory()
    if isinstance(value, np.ndarray):
        return value.copy()
    return value


_POPULATION = {}


def _population():
    """A tiny geometry.population_study frame (computed once, copied per call)."""
    if "df" not in _POPULATION:
        _POPULATION["df"] = geometry.population_study(4, (2, 3), max_steps=50, rng=0)
    return _POPULATION["df"].copy()


def _figure_callback(x):
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(1, 1))
    return fig


SIM1_TINY = dict(seed=0, evidence=30.0, inverse_temperature=0.1, learning_rate=0.01, epochs=3,
                 steps_per_epoch=2, retrieval_inverse_temperature=1.0, retrieval_steps=3,
                 generalization_inverse_temperature=2.0, generalization_steps=3, noise=1.0,
                 schedule="synchronous", prediction="code")
_SIM1_SEEDLESS = {k: v for k, v in SIM1_TINY.items() if k != "seed"}
SIM2_TINY = dict(seed=0, evidences=np.array([11.0]), inverse_temperatures=np.array([0.3]),
                 learning_rate=0.001, epochs=2, steps_per_epoch=2, trials=2, eval_steps=2,
                 progress=False, backend="numba")
CELL_TINY = dict(seed=0, evidence=11.0, inverse_temperature=0.3, learning_rate=0.001, epochs=2,
                 steps_per_epoch=2, trials=2, eval_steps=2, schedule="synchronous",
                 prediction="code")
SIM3_TINY = dict(seed=0, digits=(1, 2, 3), evidence=20.0, epochs=3, steps_per_epoch=1,
                 inverse_temperature=1.0, learning_rate=0.001, free_steps=3,
                 recognition_threshold=0.5)
SIM3A_TINY = dict(seeds=[0], orders=("sequential", "random"), digits=(1, 2, 3), evidence=20.0,
                  epochs=4, n_checkpoints=2, inverse_temperature=1.0, learning_rate=0.001)
SIM4_TINY = dict(seed=0, evidence=11.0, inverse_temperature=0.3, learning_rate=0.001, epochs=2,
                 steps_per_epoch=2, free_steps=3, trials=2, eval_steps=2, control_seeds=[0],
                 control_epochs_first=2, control_epochs_second=2, control_free_steps_per_epoch=2,
                 progress=False)
FREE_TINY = dict(inverse_temperature=0.3, learning_rate=0.001, free_steps=3, epochs=2, seed=0,
                 trials=2, training_evidence=11.0, training_inverse_temperature=0.3,
                 training_learning_rate=0.001)

# Two digit networks (64 nodes): training (train_digit_networks) and scoring (evaluate_...).
DIGIT_CELLS = dict(evidences=np.array([11.0, 6.0]), inverse_temperatures=np.array([0.3, 0.03]))
TRAIN_DIGITS_TINY = dict(**DIGIT_CELLS, seed=0, learning_rate=0.001, epochs=2, steps_per_epoch=2,
                         progress=False, schedule="synchronous", prediction="code",
                         backend="numba")
EVAL_DIGITS_TINY = dict(**DIGIT_CELLS, seed=0, trials=2, eval_steps=2)


def _digit_batch():
    """Two 64-node networks with Hebbian couplings of the training digits (built without the
    engine, so that it can be made while the engine is blocked)."""
    train = datasets.digits().train
    J = 0.01 * train.T @ train / len(train)
    np.fill_diagonal(J, 0.0)
    return network.AttractorBatch(2, 64, rng=0, coupling=np.stack([J, 0.5 * J]))


# Tiny Simulation-2 grid table (2 evidences x 2 precisions, one NaN orthogonality as in a real
# table) and Simulation-4 retention control (2 seeds x 3 conditions).
def _grid_table():
    rows = [{"evidence": e, "inverse_temperature": t, "retrieval": 0.1 * k,
             "generalization": 0.05 * (3 - k), "n_attractors": [1, 10, 10, 4][k],
             "orthogonality": [np.nan, 20.0, 25.0, 30.0][k]}
            for k, (e, t) in enumerate([(5.0, 0.05), (5.0, 0.2), (11.0, 0.05), (11.0, 0.2)])]
    return pd.DataFrame(rows[::-1])


def _control_table():
    return pd.DataFrame({"seed": [0, 0, 0, 1, 1, 1],
                         "condition": ["sequential", "replay", "rest"] * 2,
                         "first": [0.1, 0.3, 0.2, 0.0, 0.1, 0.05],
                         "second": [0.2, 0.1, 0.3, 0.4, 0.2, 0.0]})


def _frame_bad_values(factory, label, required):
    """Malformed frames for a DataFrame argument: emptied (all columns kept), each required
    column dropped, and its index duplicated (the rows twice)."""
    out = [(f"the valid {label} emptied", Fresh(lambda: factory().iloc[:0], f"empty {label}")),
           (f"the valid {label} with every row twice",
            Fresh(lambda: pd.concat([factory(), factory()]), f"{label} twice"))]
    for col in required:
        out.append((f"the valid {label} less column {col}",
                    Fresh(lambda col=col: factory().drop(columns=col), f"{label} less {col}")))
    return out


_GRID_BAD = {"table": _frame_bad_values(_grid_table, "grid table",
                                        ("evidence", "inverse_temperature", "retrieval"))}
# a table without the requested column: an error naming ``column`` is right
_GRID_ALIASES = {"table": ("column",)}
_CONTROL_BAD = {"result": _frame_bad_values(_control_table, "control frame",
                                            ("seed", "condition", "first", "second"))}

# fep_core.reference: one network of N3 nodes, and a (steps, n) run
FIELD3 = J3 @ STATE3
ORDER3 = np.array([2, 0, 1])
_REF_RUN_ALIASES = {"steps": ("uniforms", "node_order", "bias")}

# fep_core.precomputed: a 3 x 2 grid (two of the theory chapter's sliders), a choice control, and
# a panel of 6 points with one view of every kind (the Heatmap's x is theta, its y start)
PC_THETA = precomputed.Control("theta", "θ", (-10.0, 3.0, 10.0), 3.0)
PC_START = precomputed.Control("start", "start", (-8.0, 20.0), -8.0)
PC_CHOICE = precomputed.Control("prediction", "prediction rule", (0, 1), 0,
                                names=("code", "paper"))
PC_GRID = precomputed.Grid("theory", (PC_THETA, PC_START))
_PC_SIZE = 6
PC_X = np.arange(4.0)
PC_ARRAYS = {"y": np.arange(_PC_SIZE)[:, None] * PC_X + 1.0,
             "level": np.arange(_PC_SIZE) / 2.0,
             "img": np.linspace(-1.0, 1.0, _PC_SIZE * 2 * 9).reshape(_PC_SIZE, 2, 3, 3),
             "map": np.arange(_PC_SIZE * 6.0).reshape(_PC_SIZE, 2, 3)}
PC_READOUTS = {"r": precomputed.Readout("a number", np.arange(_PC_SIZE) * 0.5)}
PC_VIEWS = (precomputed.Lines("curves", PC_X, {"y": "y"}, guides={"level": "level"}),
            precomputed.Tiles("images", "img"),
            precomputed.Heatmap("map", "map", x="theta", y="start"),
            precomputed.Bars("bars", {"level": "level"}))


def _precomputed():
    return precomputed.Precomputed(PC_GRID, PC_ARRAYS, PC_READOUTS, PC_VIEWS, note="a note")


def _with(mapping, **change):
    return {**mapping, **change}


# Malformed panels: the generic catalogue cannot derive them from a dict of arrays. An error
# that names the entry ("array 'y' ...", "readout 'r' ...", "heatmap 'map' ...") names the
# argument.
_PC_BAD = {
    "grid": [("a grid of another size",
              precomputed.Grid("theory", (PC_THETA,)))],
    "arrays": [
        ("arrays with a NaN entry",
         _with(PC_ARRAYS, y=np.where(np.arange(_PC_SIZE)[:, None] == 4, NAN, PC_ARRAYS["y"]))),
        ("arrays with an array one point short", _with(PC_ARRAYS, y=PC_ARRAYS["y"][:-1])),
        ("arrays without an array a view draws",
         {k: v for k, v in PC_ARRAYS.items() if k != "y"}),
        ("arrays with a key that is not a string", {**PC_ARRAYS, 1: PC_ARRAYS["level"]}),
        ("arrays with a scalar entry", _with(PC_ARRAYS, level=1.0)),
        ("arrays with an entry of strings", _with(PC_ARRAYS, y=PC_ARRAYS["y"].astype(str))),
        ("arrays with a ragged entry", _with(PC_ARRAYS, y=[[1.0, 2.0], [3.0]])),
    ],
    "readouts": [
        ("a readout with NaN and no reason",
         {"r": precomputed.Readout("r", np.full(_PC_SIZE, NAN))}),
        ("a readout with an inf", {"r": precomputed.Readout("r", np.full(_PC_SIZE, INF))}),
        ("a readout one point short", {"r": precomputed.Readout("r", np.zeros(_PC_SIZE - 1))}),
        ("a readout that is a plain array", {"r": np.zeros(_PC_SIZE)}),
        ("a readout named like an array", {"level": precomputed.Readout("l", np.zeros(_PC_SIZE))}),
        ("a readout of strings", {"r": precomputed.Readout("r", np.array(["a"] * _PC_SIZE))}),
        ("a readout with NaN digits",
         {"r": precomputed.Readout("r", np.zeros(_PC_SIZE), digits=NAN)}),
        ("a readout with 2.5 digits",
         {"r": precomputed.Readout("r", np.zeros(_PC_SIZE), digits=2.5)}),
    ],
    "views": [
        ("lines drawing an array that is not there",
         (precomputed.Lines("t", PC_X, {"y": "missing"}),)),
        ("lines whose series is a number, not an array key",
         (precomputed.Lines("t", PC_X, {"y": 1.0}),)),
        ("a heatmap with its axes swapped (wrong shape)",
         (precomputed.Heatmap("map", "map", x="start", y="theta"),)),
        ("a heatmap over a control the grid lacks",
         (precomputed.Heatmap("map", "map", x="theta", y="nope"),)),
        ("tiles of a 3-D array", (precomputed.Tiles("images", "map"),)),
        ("a string in place of a view", ("a figure",)),
    ],
}
_PC_ALIASES = {"arrays": ("array",), "readouts": ("readout",),
               "views": ("view", "lines", "heatmap", "tiles")}


# =============================================================================================
# Documented non-finite results (the allow-list)
#
# case name -> {result path: kinds}. A path is "" for the whole result, a dataclass field / dict
# key / DataFrame column otherwise ("table.orthogonality"); list and tuple indices are dropped.
# Every entry quotes where the NaN/inf is documented.

DOCUMENTED_NONFINITE = {
    # metrics.orthogonality: "Returns NaN when no pair remains (fewer than two distinct vectors):
    # the quantity is undefined there, e.g. for a network with a single attractor."
    "metrics.orthogonality": {"": {"nan"}},
    # metrics.attractor_correlation: "NaN, explicitly and without a warning, when one is constant
    # (e.g. the zero state), where it is undefined."
    "metrics.attractor_correlation": {"": {"nan"}},
    # paper.reported_values: "``paper`` (the value as a float, NaN for a qualitative claim)".
    "paper.reported_values": {"paper": {"nan"}},
    # metrics.attractor_correlation (Simulation1Result.data_correlation / attractor_correlation):
    # "NaN (explicitly, without a warning) when one is constant, e.g. an attractor at the zero
    # state, where a correlation is undefined." simulation1_seeds copies both into its table.
    "experiments.simulation1": {"data_correlation": {"nan"}, "attractor_correlation": {"nan"}},
    "experiments.simulation1_seeds": {"data_correlation": {"nan"},
                                      "attractor_correlation": {"nan"}},
    # The Simulation-2 table's orthogonality is metrics.orthogonality (NaN documented above, for
    # fewer than two attractors); its attractor_correlation is the same undefined quantity for the
    # same networks (set to NaN explicitly, as metrics.attractor_correlation documents).
    "experiments.simulation2": {"table.orthogonality": {"nan"},
                                "table.attractor_correlation": {"nan"}},
    "experiments.simulation2_cell": {"summary.orthogonality": {"nan"},
                                     "summary.attractor_correlation": {"nan"}},
    # geometry.population_study: "steps_to_tol (first step with KL < kl_tolerance; NaN if never)".
    "geometry.population_study": {"steps_to_tol": {"nan"}},
    # geometry.scheme_summary: "median_steps (runs that never reached the tolerance count as
    # infinitely slow ...)", so the median may be inf.
    "geometry.scheme_summary": {"median_steps": {"inf"}},
}


# =============================================================================================
# The table

@dataclass(repr=False)
class ApiCase:
    """One public callable: ``func(**valid)`` is a valid call; ``strategies_per_arg[arg]`` draws bad
    values for ``arg`` (the others stay valid)."""

    name: str                                   # "module.qualname[variant]": the test id
    func: Callable[..., Any]                    # called as func(**kwargs)
    valid_kwargs: dict
    strategies_per_arg: dict = field(default_factory=dict)
    target: Any = None                          # the public object covered (for test_coverage)
    skip_args: dict = field(default_factory=dict)   # arg -> why it is not probed
    aliases: dict = field(default_factory=dict)     # arg -> other names an error may use
    expensive: bool = False                     # minutes at paper scale: check for late validation
    catalogue: dict = field(default_factory=dict)   # arg -> [(label, bad value)]

    def __repr__(self):
        return f"<ApiCase {self.name}>"

    @property
    def probed(self):
        return [a for a in self.valid_kwargs if a not in self.skip_args]

    def kwargs_with(self, arg, value):
        kw = {k: _resolve(v) for k, v in self.valid_kwargs.items()}
        kw[arg] = value.factory() if isinstance(value, Fresh) else value
        return kw


def _numeric_array(value):
    """``value`` as a non-empty numeric ndarray, or None (objects, strings, scalars of other
    kinds)."""
    if isinstance(value, (Fresh, str, bool, dict)) or value is None or callable(value):
        return None
    try:
        arr = np.asarray(value)
    except Exception:
        return None
    if arr.dtype.kind not in "iuf" or arr.size == 0:
        return None
    return arr


def _bad_catalogue(valid):
    """Fixed bad values for an argument whose valid value is ``valid``: (label, value) pairs."""
    out = [("NaN", NAN), ("+inf", INF), ("-inf", -INF), ("a string", "abc"), ("None", None),
           ("a ragged nested list", [[1.0, 2.0], [3.0]]), ("a 3-D array", np.full((2, 2, 2), 0.5)),
           ("an empty list", []), ("an empty 2-D array", np.zeros((0, 3))),
           ("zero", 0), ("-1", -1), ("-0.5", -0.5), ("2.5", 2.5), ("True", True),
           ("an object", object())]
    arr = _numeric_array(valid)
    if arr is not None:
        if arr.ndim == 0:
            out.append(("the valid scalar as a 2-element array", np.array([arr, arr])))
            out.append(("the valid scalar in a list", [arr.item()]))
        else:
            for label, v in (("NaN", NAN), ("+inf", INF)):
                a = arr.astype(float)
                a.flat[-1] = v
                out.append((f"the valid array with its last entry {label}", a))
            out.append(("the valid array less its last entry along the last axis", arr[..., :-1]))
            out.append(("the valid array with its last entry repeated along the last axis",
                        np.concatenate([arr, arr[..., -1:]], axis=-1)))
            out.append(("the valid array with two more leading axes", arr[None, None]))
            out.append(("the valid array emptied along axis 0", arr[:0]))
            out.append(("the valid array as nested lists of strings", arr.astype(str).tolist()))
            if arr.dtype.kind in "iu":
                a = arr.copy()
                a.flat[-1] = 999
                out.append(("the valid integers with an entry 999 (out of range)", a))
    elif isinstance(valid, str):
        out += [("an unknown option", valid.upper() + "_X"), ("the empty string", "")]
    elif isinstance(valid, (tuple, list)) and valid and all(isinstance(v, str) for v in valid):
        out += [("an unknown option in the sequence", (valid[0], "bogus")), ("an empty tuple", ())]
    return out


_FINITE = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
_ANY_FLOAT = _FINITE | st.sampled_from([NAN, INF, -INF])
_ANY_COMPLEX = (st.complex_numbers(max_magnitude=1e6)
                | st.sampled_from([complex(NAN, 0), complex(0, INF)]))


def _fuzz_strategy(valid, labelled):
    """Generated bad values for an argument whose valid value is ``valid``."""
    shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)
    parts = [
        st.sampled_from([v for _, v in labelled]),
        hnp.arrays(np.float64, shapes, elements=_ANY_FLOAT),
        hnp.arrays(np.int64, shapes, elements=st.integers(-5, 5)),
        hnp.arrays(np.bool_, shapes),
        hnp.arrays(np.complex128, shapes, elements=_ANY_COMPLEX),
        _ANY_FLOAT, st.integers(-5, 5), st.text(max_size=3), st.none(), st.booleans(),
        st.recursive(_ANY_FLOAT | st.integers(-3, 3),
                     lambda children: st.lists(children, max_size=3), max_leaves=6),
    ]
    arr = _numeric_array(valid)
    if arr is not None and arr.ndim > 0:
        base = arr.astype(float)

        def inject(args):
            index, v = args
            a = base.copy()
            a.flat[index] = v
            return a

        parts.append(st.tuples(st.integers(0, base.size - 1),
                               st.sampled_from([NAN, INF, -INF])).map(inject))
        # the valid shape with arbitrary entries (out-of-range values, non-finite values)
        parts.append(hnp.arrays(np.float64, base.shape, elements=_ANY_FLOAT))
        # arbitrary shapes of finite entries of the valid magnitude
        parts.append(hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0,
                                                             max_side=4),
                                elements=st.floats(-2.0, 2.0)))
    elif arr is not None:                        # scalar: other scalars, arrays of scalars
        parts.append(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=2, max_side=3),
                                elements=_ANY_FLOAT))
    if isinstance(valid, str):
        parts.append(st.text(min_size=1, max_size=8))
    return st.one_of(parts)


def case(name, func, valid, *, target=None, skip=None, aliases=None, expensive=False, extra=None):
    """An :class:`ApiCase`; ``extra`` (arg -> [(label, bad value)]) adds bad values the generic
    catalogue cannot derive from the valid one (malformed DataFrames); a :class:`Fresh` bad value
    is built anew for every call."""
    c = ApiCase(name, func, dict(valid), target=target, skip_args=dict(skip or {}),
                aliases=dict(aliases or {}), expensive=expensive)
    for arg in c.probed:
        labelled = _bad_catalogue(valid[arg]) + list((extra or {}).get(arg, ()))
        c.catalogue[arg] = labelled
        c.strategies_per_arg[arg] = _fuzz_strategy(valid[arg], labelled)
    return c


# Valid arrays sized by another argument: a new length of ``steps`` (or of the segments, epochs)
# makes the valid ``uniforms``/``node_order`` inconsistent, and an error naming those is right.
_STEPS_COUPLED = ("uniforms", "node_order")
_SIM_ALIASES = {"segment_index": _STEPS_COUPLED, "steps_per_segment": _STEPS_COUPLED}
_RUN_ALIASES = {"steps": _STEPS_COUPLED}
_TRAIN_ALIASES = {"epochs": ("uniforms",), "steps_per_epoch": ("uniforms",)}


def _net3(**kw):
    return network.AttractorNetwork(N3, rng=0, coupling=J3, **kw)


def _batch23():
    return network.AttractorBatch(2, N3, rng=0, coupling=J3)


def _set_attr(factory, attr):
    def setter(value):
        obj = factory()
        setattr(obj, attr, value)
        return getattr(obj, attr)
    return setter


def _method(factory, name):
    def call(**kw):
        return getattr(factory(), name)(**kw)
    return call


_CB_B = np.array([0.5, -1.0])
_CB_X = np.array([0.2, -0.3])

_PROGRESS_SKIP = {"progress": "a display flag handed to AttractorBatch.train/run (probed there)"}

CASES = [
    # ---------------------------------------------------------------- cb
    *[case(f"cb.{f}", getattr(cb, f), {"b": _CB_B}, target=getattr(cb, f))
      for f in ("langevin", "langevin_prime", "fisher_information", "log_partition", "entropy")],
    case("cb.inverse_langevin", cb.inverse_langevin, {"mean": np.array([0.3, -0.2])},
         target=cb.inverse_langevin),
    case("cb.kl", cb.kl, {"bq": np.array([0.5, 1.0]), "bp": np.array([0.1, -2.0])}, target=cb.kl),
    *[case(f"cb.{f}", getattr(cb, f), {"x": _CB_X, "b": np.array([1.0, 2.0])},
           target=getattr(cb, f))
      for f in ("log_pdf", "pdf", "cdf")],
    case("cb.ppf", cb.ppf, {"u": np.array([0.2, 0.7]), "b": np.array([1.0, -1.0])}, target=cb.ppf),
    case("cb.sample", cb.sample, {"b": _CB_B, "rng": 0, "size": (3, 2)}, target=cb.sample),

    # ---------------------------------------------------------------- network: functions
    case("network.symmetric_part", network.symmetric_part, {"J": J3},
         target=network.symmetric_part),
    case("network.antisymmetric_part", network.antisymmetric_part, {"J": J3},
         target=network.antisymmetric_part),
    case("network.asymmetry", network.asymmetry, {"J": J3}, target=network.asymmetry),
    case("network.macro_vfe", network.macro_vfe, {"J": J3, "state": STATE3, "bias": BIAS3},
         target=network.macro_vfe),

    # ---------------------------------------------------------------- network: AttractorBatch
    case("network.AttractorBatch", network.AttractorBatch,
         {"n_networks": 2, "n_nodes": N3, "rng": 0, "coupling": J3, "dtype": "float32"},
         aliases={"n_nodes": ("coupling",)}, target=network.AttractorBatch),
    case("backends.make_batch", backends.make_batch,
         {"n_networks": 2, "n_nodes": N3, "backend": "numba", "rng": 0, "coupling": J3,
          "dtype": "float64"}, aliases={"n_nodes": ("coupling",)}, target=backends.make_batch),
    case("backends.as_numba_batch", backends.as_numba_batch,
         {"batch": Fresh(_batch23, "AttractorBatch of 2 networks"), "rng": None},
         target=backends.as_numba_batch),
    case("network.AttractorBatch.state", _set_attr(_batch23, "state"),
         {"value": np.array([STATE3, -STATE3])}, target=network.AttractorBatch.state,
         aliases={"value": ("state",)}),
    case("network.AttractorBatch.J", _set_attr(_batch23, "J"), {"value": J3},
         target=network.AttractorBatch.J,
         # the setter's errors call the couplings by the constructor's name, "coupling"
         aliases={"value": ("J", "coupling")}),
    *[case(f"network.AttractorBatch.{m}", _method(_batch23, m), {},
           target=getattr(network.AttractorBatch, m))
      for m in ("symmetric_part", "antisymmetric_part", "asymmetry")],
    *[case(f"network.AttractorBatch.{m}", _method(_batch23, m), {"bias": BIAS3},
           target=getattr(network.AttractorBatch, m))
      for m in ("vfe", "complexity", "accuracy")],
    case("network.AttractorBatch.simulate", _method(_batch23, "simulate"),
         dict(patterns=PATTERNS3, segment_index=np.array([0, 1]), scale=1.0, steps_per_segment=2,
              inverse_temperature=1.0, learning_rate=0.01, stochastic=True, schedule="synchronous",
              uniforms=np.full((2, 4, N3), 0.5), node_order=None, record="states",
              prediction="code", progress=False),
         aliases=_SIM_ALIASES,
         target=network.AttractorBatch.simulate),
    case("network.AttractorBatch.simulate[sequential]", _method(_batch23, "simulate"),
         dict(patterns=PATTERNS3, segment_index=np.array([0, 1]), scale=1.0, steps_per_segment=2,
              inverse_temperature=1.0, learning_rate=0.01, stochastic=False, schedule="sequential",
              uniforms=None, node_order=_perms((2, 4, N3)), record="trace", prediction="paper",
              progress=False),
         aliases=_SIM_ALIASES),
    case("network.AttractorBatch.run", _method(_batch23, "run"),
         dict(bias=BIAS3, steps=3, inverse_temperature=1.0, learning_rate=0.01, stochastic=True,
              schedule="synchronous", uniforms=np.full((2, 3, N3), 0.5), node_order=None,
              progress=False),
         aliases=_RUN_ALIASES,
         target=network.AttractorBatch.run),
    case("network.AttractorBatch.run[sequential]", _method(_batch23, "run"),
         dict(bias=BIAS3, steps=3, inverse_temperature=1.0, learning_rate=0.01, stochastic=True,
              schedule="sequential", uniforms=None, node_order=_perms((2, 3, N3)), progress=False),
         aliases=_RUN_ALIASES),
    case("network.AttractorBatch.train", _method(_batch23, "train"),
         dict(patterns=PATTERNS3, evidence=1.0, epochs=3, steps_per_epoch=2,
              inverse_temperature=1.0, learning_rate=0.01, order="random", record=True,
              schedule="synchronous",
              uniforms=np.full((2, 6, N3), 0.5), prediction="code", progress=False),
         aliases=_TRAIN_ALIASES,
         target=network.AttractorBatch.train),
    case("network.AttractorBatch.relax", _method(_batch23, "relax"),
         dict(start=PATTERNS3 / 2, inverse_temperature=1.0, bias=BIAS3, tol=1e-10, max_steps=100),
         target=network.AttractorBatch.relax),

    # ---------------------------------------------------------------- network: AttractorNetwork
    case("network.AttractorNetwork", network.AttractorNetwork,
         {"n_nodes": N3, "rng": 0, "coupling": J3, "dtype": "float32"},
         aliases={"n_nodes": ("coupling",)}, target=network.AttractorNetwork),
    case("network.AttractorNetwork.state", _set_attr(_net3, "state"), {"value": STATE3},
         target=network.AttractorNetwork.state, aliases={"value": ("state",)}),
    case("network.AttractorNetwork.J", _set_attr(_net3, "J"), {"value": J3},
         target=network.AttractorNetwork.J, aliases={"value": ("J", "coupling")}),
    *[case(f"network.AttractorNetwork.{m}", _method(_net3, m), {},
           target=getattr(network.AttractorNetwork, m))
      for m in ("symmetric_part", "antisymmetric_part", "asymmetry")],
    *[case(f"network.AttractorNetwork.{m}", _method(_net3, m), {"bias": BIAS3},
           target=getattr(network.AttractorNetwork, m))
      for m in ("vfe", "complexity", "accuracy")],
    case("network.AttractorNetwork.run", _method(_net3, "run"),
         dict(bias=BIAS3, steps=3, inverse_temperature=1.0, learning_rate=0.01, stochastic=True,
              schedule="synchronous", uniforms=np.full((3, N3), 0.5), node_order=None,
              progress=False),
         aliases=_RUN_ALIASES,
         target=network.AttractorNetwork.run),
    case("network.AttractorNetwork.run[sequential]", _method(_net3, "run"),
         dict(bias=BIAS3, steps=3, inverse_temperature=1.0, learning_rate=0.0, stochastic=False,
              schedule="sequential", uniforms=None, node_order=_perms((3, N3)), progress=False),
         aliases=_RUN_ALIASES),
    case("network.AttractorNetwork.train", _method(_net3, "train"),
         dict(patterns=PATTERNS3, evidence=1.0, epochs=3, steps_per_epoch=2,
              inverse_temperature=1.0, learning_rate=0.01, order="sequential", record=True,
              schedule="synchronous",
              uniforms=np.full((6, N3), 0.5), prediction="code", progress=False),
         aliases=_TRAIN_ALIASES,
         target=network.AttractorNetwork.train),
    case("network.AttractorNetwork.relax", _method(_net3, "relax"),
         dict(start=STATE3, inverse_temperature=1.0, bias=BIAS3, tol=1e-10, max_steps=100),
         target=network.AttractorNetwork.relax),
    case("network.RelaxResult.all_converged",
         lambda: _net3().relax(STATE3).all_converged, {}, target=network.RelaxResult.all_converged),

    # ---------------------------------------------------------------- metrics
    case("metrics.correlation", metrics.correlation,
         {"a": np.array([[1.0, 2.0, 0.5, -1.0], [0.0, 1.0, 3.0, 2.0]]),
          "b": np.array([[2.0, 1.0, 0.0, -1.0], [1.0, 1.5, 2.0, 0.0]])},
         target=metrics.correlation),
    case("metrics.pairwise_angles", metrics.pairwise_angles,
         {"vectors": np.array([[1.0, 0.0, 2.0], [0.5, 1.0, 0.0], [-1.0, 1.0, 1.0]]),
          "include_self": False}, target=metrics.pairwise_angles),
    case("metrics.orthogonality", metrics.orthogonality,
         {"vectors": np.array([[1.0, 0.0, 2.0], [0.5, 1.0, 0.0], [-1.0, 1.0, 1.0]]),
          "include_self": False, "drop_degrees": 1.0}, target=metrics.orthogonality),
    case("metrics.mean_correlation", metrics.mean_correlation,
         {"vectors": np.array([[1.0, 0.0, 2.0], [0.5, 1.0, 0.0], [-1.0, 1.0, 1.0]]),
          "include_self": False}, target=metrics.mean_correlation),
    case("metrics.unique_states", metrics.unique_states,
         {"states": np.array([[0.1, 0.2], [0.101, 0.2], [-0.5, 0.5]]), "decimals": 2},
         target=metrics.unique_states),
    case("metrics.find_attractors", metrics.find_attractors,
         dict(network=Fresh(lambda: network.AttractorNetwork(N3, coupling=J3_SYM),
                            "AttractorNetwork"),
              patterns=PATTERNS3, start_scale=0.1, decimals=2, tol=1e-10, max_steps=100),
         target=metrics.find_attractors),
    case("metrics.recall_scores", metrics.recall_scores,
         dict(batch=Fresh(_batch23, "AttractorBatch"), originals=PATTERNS3, rng=0, steps=3,
              inverse_temperature=1.0),
         target=metrics.recall_scores),
    case("metrics.recognise", metrics.recognise,
         dict(states=np.array([[1.0, -1.0, 0.4], [0.0, 1.0, -1.0], [0.2, 0.1, 0.3],
                               [1.0, 0.0, 0.5]]),
              references=PATTERNS3, threshold=0.5), target=metrics.recognise),
    case("metrics.sequence_string", metrics.sequence_string,
         {"indices": np.array([0, 0, -1, 1, 1, 0]), "labels": "ab"},
         target=metrics.sequence_string),
    case("metrics.attractor_correlation", metrics.attractor_correlation,
         {"a": np.array([1.0, -1.0, 0.5, 0.2]), "b": np.array([0.5, -0.2, 1.0, -1.0])},
         target=metrics.attractor_correlation),
    case("metrics.cosine_projection", metrics.cosine_projection,
         {"states": np.array([[1.0, 0.0, 0.5], [0.0, 0.0, 0.0]]),
          "attractors": np.array([[1.0, -1.0, 0.5], [0.2, 0.3, -0.1]])},
         target=metrics.cosine_projection),
    case("metrics.retrieval_targets", metrics.retrieval_targets,
         {"patterns": PATTERNS3, "evidence": 11.0}, target=metrics.retrieval_targets),
    case("metrics.retrieval_targets[per network]", metrics.retrieval_targets,
         {"patterns": PATTERNS3[None], "evidence": np.array([11.0, 6.0])[:, None, None]}),

    # ---------------------------------------------------------------- datasets
    case("datasets.zscore", datasets.zscore,
         {"patterns": np.array([[1.0, 2.0, 4.0], [0.0, 1.0, -1.0]])}, target=datasets.zscore),
    case("datasets.bars", datasets.bars, {"size": 5, "centre": 4.0}, target=datasets.bars),
    case("datasets.cross", datasets.cross, {"size": 5, "centre": 4.0}, target=datasets.cross),
    case("datasets.digits", datasets.digits, {"n_train": 10}, target=datasets.digits),

    # ---------------------------------------------------------------- experiments (tiny sizes)
    case("experiments.simulation1", experiments.simulation1, SIM1_TINY,
         target=experiments.simulation1),
    case("experiments.simulation1_seeds",
         lambda seeds, **kw: experiments.simulation1_seeds(seeds, **kw),
         {"seeds": [0], **_SIM1_SEEDLESS}, target=experiments.simulation1_seeds,
         skip={k: "passed on to simulation1 (probed there)" for k in _SIM1_SEEDLESS}),
    case("experiments.simulation2", experiments.simulation2, SIM2_TINY,
         target=experiments.simulation2, expensive=True, skip=_PROGRESS_SKIP),
    case("experiments.simulation2_cell", experiments.simulation2_cell, CELL_TINY,
         target=experiments.simulation2_cell),
    case("experiments.simulation3", experiments.simulation3, SIM3_TINY,
         target=experiments.simulation3),
    case("experiments.simulation3_asymmetry", experiments.simulation3_asymmetry, SIM3A_TINY,
         target=experiments.simulation3_asymmetry),
    case("experiments.simulation4", experiments.simulation4, SIM4_TINY,
         target=experiments.simulation4, expensive=True, skip=_PROGRESS_SKIP),
    case("experiments.free_run_continuation", experiments.free_run_continuation, FREE_TINY,
         target=experiments.free_run_continuation),
    case("experiments.train_digit_networks", experiments.train_digit_networks, TRAIN_DIGITS_TINY,
         target=experiments.train_digit_networks, expensive=True),
    case("experiments.evaluate_digit_networks", experiments.evaluate_digit_networks,
         dict(batch=Fresh(_digit_batch, "AttractorBatch of 2 digit networks"), **EVAL_DIGITS_TINY),
         target=experiments.evaluate_digit_networks, expensive=True),

    # ---------------------------------------------------------------- gaussian
    case("gaussian.kl", gaussian.kl,
         dict(mean_q=np.array([0.5, 1.0]), var_q=np.array([1.0, 0.5]), mean_p=0.0, var_p=2.0),
         target=gaussian.kl),
    *[case(f"gaussian.{f}", getattr(gaussian, f),
           dict(y=np.array([1.0, 2.0]), prior_mean=0.0, prior_precision=1.0,
                likelihood_precision=2.0),
           target=getattr(gaussian, f))
      for f in ("posterior", "log_evidence")],
    case("gaussian.free_energy", gaussian.free_energy,
         dict(mean=np.array([0.5, 0.0]), var=np.array([1.0, 0.3]), y=np.array([1.0, 2.0]),
              prior_mean=0.0, prior_precision=1.0, likelihood_precision=2.0, form="energy-entropy"),
         target=gaussian.free_energy),
    case("gaussian.gradient", gaussian.gradient,
         dict(mean=np.array([0.5, 0.0]), log_sd=np.array([0.0, -1.0]), y=np.array([1.0, 2.0]),
              prior_mean=0.0, prior_precision=1.0, likelihood_precision=2.0),
         target=gaussian.gradient),
    case("gaussian.stability_limit", gaussian.stability_limit,
         dict(prior_precision=1.0, likelihood_precision=2.0), target=gaussian.stability_limit),
    case("gaussian.descend", gaussian.descend,
         dict(y=1.0, mean0=0.0, log_sd0=0.0, learning_rate=0.1, n_steps=5, prior_mean=0.0,
              prior_precision=1.0, likelihood_precision=1.0, update_log_sd=True),
         target=gaussian.descend),
    case("gaussian.Descent.var", lambda: gaussian.descend(1.0, n_steps=3).var, {},
         target=gaussian.Descent.var),
    case("gaussian.blog_free_energy", gaussian.blog_free_energy,
         dict(y=np.array([1.0, -1.0]), n_grid=50, lower=-5.0, upper=5.0),
         target=gaussian.blog_free_energy),
    case("gaussian.blog_comparison", gaussian.blog_comparison,
         dict(y_values=np.array([-1.0, 1.0]), n_grid=50, lower=-5.0, upper=5.0),
         target=gaussian.blog_comparison),
    case("gaussian.blog_errors", gaussian.blog_errors,
         dict(table=Fresh(lambda: gaussian.blog_comparison(np.array([-1.0, 1.0]), n_grid=50),
                          "blog_comparison table")),
         target=gaussian.blog_errors),
    case("gaussian.normal_pdf", gaussian.normal_pdf,
         dict(x=np.array([0.0, 1.0]), mean=0.5, var=2.0), target=gaussian.normal_pdf),

    # ---------------------------------------------------------------- geometry
    *[case(f"geometry.{f}", getattr(geometry, f), dict(A=A3, D=D3, o=1),
           target=getattr(geometry, f))
      for f in ("log_joint", "posterior", "log_evidence")],
    case("geometry.free_energy", geometry.free_energy,
         dict(s=S3, A=A3, D=D3, o=1, form="energy-entropy"), target=geometry.free_energy),
    case("geometry.gradient", geometry.gradient, dict(s=S3, A=A3, D=D3, o=1),
         target=geometry.gradient),
    *[case(f"geometry.{f}", getattr(geometry, f), dict(p=S3, q=Q3), target=getattr(geometry, f))
      for f in ("kl_categorical", "fisher_rao", "chord_length")],
    case("geometry.information_length", geometry.information_length,
         {"path": np.array([D3, S3, Q3, [0.1, 0.1, 0.8]])}, target=geometry.information_length),
    case("geometry.geodesic", geometry.geodesic, dict(p=S3, q=Q3, n_points=5),
         target=geometry.geodesic),
    *[case(f"geometry.{f}", getattr(geometry, f),
           dict(s0=D3, A=A3, D=D3, o=1, learning_rate=0.25, n_steps=5), target=getattr(geometry, f))
      for f in ("active_inference", "logit_descent")],
    case("geometry.natural_gradient", geometry.natural_gradient,
         dict(s0=D3, A=A3, D=D3, o=1, learning_rate=0.25, n_steps=5, return_clipped=True),
         target=geometry.natural_gradient),
    case("geometry.run_scheme", geometry.run_scheme,
         dict(scheme="logit_descent", s0=D3, A=A3, D=D3, o=1, learning_rate=0.25, n_steps=5),
         target=geometry.run_scheme),
    case("geometry.max_path_difference", geometry.max_path_difference,
         dict(s0=D3, A=A3, D=D3, o=1, learning_rate=0.25, horizon=1.0),
         target=geometry.max_path_difference),
    case("geometry.random_models", geometry.random_models,
         dict(n_models=2, n_states=3, n_outcomes=4, precision=1.0, concentration=1.0, rng=0),
         target=geometry.random_models),
    case("geometry.random_model", geometry.random_model,
         dict(n_states=3, n_outcomes=4, precision=1.0, concentration=1.0, rng=0),
         target=geometry.random_model),
    case("geometry.population_study", geometry.population_study,
         dict(n_models=2, state_sizes=(2, 3), learning_rate=0.1, precision=1.0, concentration=1.0,
              kl_tolerance=1e-6, stop_kl=1e-10, max_steps=20, rng=0),
         target=geometry.population_study),
    case("geometry.paired_difference", geometry.paired_difference,
         dict(df=Fresh(_population, "population_study frame"), metric="information_length",
              scheme="natural_gradient", baseline="active_inference", confidence=0.95),
         target=geometry.paired_difference),
    case("geometry.path_geometry", geometry.path_geometry,
         dict(paths={"active_inference": np.array([D3, S3]),
                     "natural_gradient": np.array([D3, Q3])},
              posterior=S3), target=geometry.path_geometry),
    case("geometry.scheme_summary", geometry.scheme_summary,
         {"df": Fresh(_population, "population_study frame")}, target=geometry.scheme_summary),

    # ---------------------------------------------------------------- theory
    case("theory.local_evidence", theory.local_evidence,
         dict(bias=BIAS3, coupling=J3, state=STATE3), target=theory.local_evidence),
    case("theory.log_joint", theory.log_joint,
         dict(states=PATTERNS3 / 2, bias=BIAS3, coupling=J3, inverse_temperature=1.0,
              pair_weight=0.5), target=theory.log_joint),
    case("theory.node_free_energy", theory.node_free_energy,
         dict(b_q=np.array([0.1, 1.0]), node=1, bias=BIAS3, coupling=J3, state=STATE3,
              inverse_temperature=1.0), target=theory.node_free_energy),
    case("theory.node_free_energy_gradient", theory.node_free_energy_gradient,
         dict(b_q=np.array([0.1, 1.0]), theta=np.array([0.5, -0.5]), inverse_temperature=1.0),
         target=theory.node_free_energy_gradient),
    case("theory.relax_variational_bias", theory.relax_variational_bias,
         dict(b_start=0.0, theta=2.0, learning_rate=0.5, n_steps=5, inverse_temperature=1.0,
              scheme="plain"), target=theory.relax_variational_bias),
    case("theory.node_surprise", theory.node_surprise,
         dict(state_i=np.array([0.2, -0.5]), u=np.array([1.0, 2.0])), target=theory.node_surprise),
    case("theory.learning_gradient", theory.learning_gradient,
         dict(coupling=J3, bias=BIAS3, presynaptic=STATE3, postsynaptic=-STATE3),
         target=theory.learning_gradient),
    case("theory.coupling_update_reference", theory.coupling_update_reference,
         dict(coupling=J3, state_old=STATE3, state_new=-STATE3, learning_rate=0.1),
         target=theory.coupling_update_reference),
    case("theory.coupling_update_gradient", theory.coupling_update_gradient,
         dict(coupling=J3, bias=BIAS3, state_old=STATE3, state_new=-STATE3, learning_rate=0.1),
         target=theory.coupling_update_gradient),
    case("theory.quadrature_grid", theory.quadrature_grid, dict(n_nodes=2, n_points=4),
         target=theory.quadrature_grid),
    case("theory.boltzmann_moments", theory.boltzmann_moments,
         dict(bias=np.array([0.5, -0.3]), coupling=np.array([[0.0, 0.4], [0.4, 0.0]]),
              inverse_temperature=1.0, n_points=8), target=theory.boltzmann_moments),
    case("theory.conditional_density", theory.conditional_density,
         dict(x=np.array([0.0, 0.5]), node=0, state=STATE3, bias=BIAS3, coupling=J3,
              inverse_temperature=1.0, pair_weight=0.5, n_points=8),
         target=theory.conditional_density),
    case("theory.cyclic_antisymmetric", theory.cyclic_antisymmetric, dict(n_nodes=4, strength=1.0),
         target=theory.cyclic_antisymmetric),
    case("theory.cycle_counts", theory.cycle_counts,
         {"states": np.array([[1.0, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0], [0, 0, 1.0]])},
         target=theory.cycle_counts),
    case("theory.batch_means_se", theory.batch_means_se,
         dict(series=np.sin(np.arange(20.0)), n_batches=4), target=theory.batch_means_se),

    # ---------------------------------------------------------------- cache (results in a tmp dir)
    case("cache.cache_dir", cache.cache_dir, {}, target=cache.cache_dir),
    case("cache.cached", lambda func, **kw: cache.cached(func, **kw),
         {"func": datasets.bars, "size": 5}, target=cache.cached),
    case("cache.source_digest", cache.source_digest, {"func": datasets.bars},
         target=cache.source_digest),

    # ---------------------------------------------------------------- widgets
    case("widgets.log_slider", widgets.log_slider,
         dict(description="precision", value=1.0, low=0.1, high=10.0, steps=40,
              readout_format=".3g"),
         target=widgets.log_slider),
    case("widgets.int_slider", widgets.int_slider,
         dict(description="n", value=2, low=0, high=5, step=1), target=widgets.int_slider),
    case("widgets.float_slider", widgets.float_slider,
         dict(description="x", value=0.5, low=0.0, high=1.0, step=0.1),
         target=widgets.float_slider),
    case("widgets.panel", lambda callback, x: widgets.panel(callback, x=x),
         dict(callback=_figure_callback,
              x=Fresh(lambda: widgets.int_slider("x", 1, 0, 3), "IntSlider")),
         target=widgets.panel, skip={"x": "a control widget: not probed (see callback)"}),
    case("widgets.chapter_controls", widgets.chapter_controls, dict(chapter="theory"),
         target=widgets.chapter_controls),
    # the one-node relaxation of the theory chapter: the cheapest panel to draw
    case("widgets.chapter_panel", widgets.chapter_panel, dict(chapter="theory"),
         target=widgets.chapter_panel),
    # the Gaussian primer's grid: the fastest to compute (about 2 s once, then from the cache,
    # which the module fixture points at a temporary directory)
    case("widgets.static_panel", widgets.static_panel, dict(chapter="gaussian_primer"),
         target=widgets.static_panel),

    # ---------------------------------------------------------------- precomputed (static panels)
    case("precomputed.format_value", precomputed.format_value, dict(value=0.16681, digits=3),
         target=precomputed.format_value),
    case("precomputed.axis", precomputed.axis,
         dict(low=0.01, high=10.0, default=0.1, n=9, log=True, integer=False),
         target=precomputed.axis),
    case("precomputed.axis[integer]", precomputed.axis,
         dict(low=5, high=200, default=40, n=5, log=False, integer=True)),
    case("precomputed.control", precomputed.control,
         dict(chapter="theory", name="theta", n=5, digits=3, values=None),
         target=precomputed.control),
    case("precomputed.control[values]", precomputed.control,
         dict(chapter="theory", name="theta", n=5, digits=3, values=(-10.0, 3.0, 10.0))),
    # a toggle of the live panel: n, digits and values are ignored (documented)
    case("precomputed.control[choice]", precomputed.control,
         dict(chapter="reproduction_report", name="prediction", n=2, digits=3, values=None),
         skip={a: "ignored for a choice control (documented)" for a in ("n", "digits", "values")}),
    case("precomputed.Control", precomputed.Control,
         dict(name="theta", label="θ", values=(-10.0, 3.0, 10.0), default=3.0, digits=3,
              names=()),
         target=precomputed.Control),
    case("precomputed.Control[choice]", precomputed.Control,
         dict(name="prediction", label="prediction rule", values=(0, 1), default=0, digits=3,
              names=("code", "paper"))),
    *[case(f"precomputed.Control.{m}", lambda m=m: getattr(PC_THETA, m), {},
           target=getattr(precomputed.Control, m))
      for m in ("index", "texts")],
    case("precomputed.Control.option", _method(lambda: PC_CHOICE, "option"), {"value": 1},
         target=precomputed.Control.option),
    case("precomputed.Grid", precomputed.Grid,
         dict(chapter="theory", controls=(PC_THETA, PC_START)), target=precomputed.Grid,
         extra={"controls": [("two controls of the same name", (PC_THETA, PC_THETA)),
                             ("a control and a string", (PC_THETA, "start"))]}),
    *[case(f"precomputed.Grid.{m}", lambda m=m: getattr(PC_GRID, m), {},
           target=getattr(precomputed.Grid, m))
      for m in ("names", "shape", "size", "default_index")],
    case("precomputed.Grid.values", _method(lambda: PC_GRID, "values"), {"name": "start"},
         target=precomputed.Grid.values),
    case("precomputed.Grid.points", _method(lambda: PC_GRID, "points"), {},
         target=precomputed.Grid.points),
    # **values: one keyword per control (an error names the control)
    case("precomputed.Grid.index", _method(lambda: PC_GRID, "index"),
         {"theta": 3.0, "start": 20.0}, target=precomputed.Grid.index),
    case("precomputed.Precomputed", precomputed.Precomputed,
         dict(grid=PC_GRID, arrays=PC_ARRAYS, readouts=PC_READOUTS, views=PC_VIEWS, note="a note"),
         target=precomputed.Precomputed, extra=_PC_BAD, aliases=_PC_ALIASES),
    *[case(f"precomputed.Precomputed.{m}", _method(_precomputed, m), {"index": 4},
           target=getattr(precomputed.Precomputed, m))
      for m in ("at", "readout_text")],
    case("precomputed.Precomputed.digest", _method(_precomputed, "digest"), {},
         target=precomputed.Precomputed.digest),

    # ---------------------------------------------------------------- grids (the chapter table)
    case("grids.function", grids.function, dict(chapter="theory"), target=grids.function),
    # **kwargs go to the chapter's grid function (tests/test_grids_*.py)
    case("grids.compute", grids.compute, dict(chapter="gaussian_primer"), target=grids.compute),

    # ---------------------------------------------------------------- explore (chapter callbacks)
    case("explore.gaussian_primer", explore.gaussian_primer,
         dict(likelihood_precision=4.0, learning_rate=0.1, prior_precision=1.0, observation=2.0,
              n_steps=3),
         target=explore.gaussian_primer),
    case("explore.natural_gradient", explore.natural_gradient,
         dict(precision=2.0, learning_rate=0.25, n_steps=3, seed=23),
         target=explore.natural_gradient),
    case("explore.theory", explore.theory,
         dict(inverse_temperature=1.0, learning_rate=0.2, theta=3.0, start=-8.0, n_steps=3),
         target=explore.theory),

    # ---------------------------------------------------------------- paper (claim predicates)
    case("paper.value", paper.value, {"id": "s3_asymmetry"}, target=paper.value),
    case("paper.reported_values", paper.reported_values, {}, target=paper.reported_values),
    case("paper.printed", paper.printed, {}, target=paper.printed),
    case("paper.vfe_decreases", paper.vfe_decreases,
         dict(first=np.array([3.0, 1.0]), last=np.array([2.0, 1.0])), target=paper.vfe_decreases),
    case("paper.retrieves_first_pattern", paper.retrieves_first_pattern,
         dict(first=np.array([0.9, 0.2]), second=np.array([0.1, 0.2])),
         target=paper.retrieves_first_pattern),
    case("paper.mixes_both", paper.mixes_both,
         dict(first=np.array([0.5, 0.5]), second=np.array([0.4, 0.2]), threshold=0.3),
         target=paper.mixes_both),
    case("paper.top_cells", paper.top_cells,
         dict(table=Fresh(_grid_table, "grid table"), measure="retrieval", fraction=0.5),
         target=paper.top_cells,
         extra={"table": _frame_bad_values(_grid_table, "grid table", ("retrieval",))}),
    case("paper.in_band", paper.in_band,
         dict(inverse_temperature=np.array([0.05, 0.2, 0.7]), measure="retrieval"),
         target=paper.in_band),
    case("paper.cycles_forward", paper.cycles_forward,
         dict(order="1231231231", labels="123", repeats=3), target=paper.cycles_forward),
    case("paper.couplings_similar", paper.couplings_similar,
         dict(relative_change=np.array([0.05, 0.2]), threshold=0.1),
         target=paper.couplings_similar),
    case("paper.scores_similar", paper.scores_similar,
         dict(before=np.array([0.3, 0.3]), after=np.array([0.29, 0.2]), seed_sd=0.01, sds=2.0),
         target=paper.scores_similar),
    case("paper.soft_attractors", paper.soft_attractors,
         dict(attractors=np.array([[0.3, -0.3, 0.2], [0.9, 0.8, -0.7]]),
              reference_amplitude=0.8, fraction=0.5),
         target=paper.soft_attractors),

    # ---------------------------------------------------------------- analysis (result summaries)
    case("analysis.grid_matrix", analysis.grid_matrix,
         dict(table=Fresh(_grid_table, "grid table"), column="retrieval"),
         target=analysis.grid_matrix, extra=_GRID_BAD, aliases=_GRID_ALIASES),
    case("analysis.best_region", analysis.best_region,
         dict(table=Fresh(_grid_table, "grid table"), column="orthogonality", fraction=0.5,
              n_patterns=10),
         target=analysis.best_region, extra=_GRID_BAD, aliases=_GRID_ALIASES),
    case("analysis.best_region[n_attractors]", analysis.best_region,
         dict(table=Fresh(_grid_table, "grid table"), column="n_attractors", fraction=0.5,
              n_patterns=10), extra=_GRID_BAD, aliases=_GRID_ALIASES),
    case("analysis.precision_profile", analysis.precision_profile,
         dict(table=Fresh(_grid_table, "grid table"), column="generalization"),
         target=analysis.precision_profile, extra=_GRID_BAD,
         aliases=_GRID_ALIASES),
    case("analysis.digit_correlations", analysis.digit_correlations,
         dict(states=np.random.default_rng(0).uniform(-1, 1, (3, 64)),
              digits=np.random.default_rng(1).uniform(-1, 1, (2, 64)), every=2),
         target=analysis.digit_correlations),
    case("analysis.retention_summary", analysis.retention_summary,
         dict(result=Fresh(_control_table, "control frame")),
         target=analysis.retention_summary, extra=_CONTROL_BAD),
    case("analysis.retention_differences", analysis.retention_differences,
         dict(result=Fresh(_control_table, "control frame"), set_="first"),
         target=analysis.retention_differences, extra=_CONTROL_BAD),

    # ---------------------------------------------------------------- streams
    # ``*key``: one key entry probed (the valid call is stream(0, key, 5))
    case("streams.stream", lambda seed, key: streams.stream(seed, key, 5),
         dict(seed=0, key=3), target=streams.stream),
    case("streams.cell_key", streams.cell_key, dict(evidence=11.0, inverse_temperature=0.3),
         target=streams.cell_key),

    # ---------------------------------------------------------------- reference (plain NumPy)
    case("reference.inference_step", reference.inference_step,
         dict(J=J3, state=STATE3, bias=BIAS3, inverse_temperature=1.0, stochastic=True,
              uniforms=np.full(N3, 0.5), rng=0),
         target=reference.inference_step),
    case("reference.inference_step[mean]", reference.inference_step,
         dict(J=J3, state=STATE3, bias=BIAS3, inverse_temperature=1.0, stochastic=False,
              uniforms=None, rng=0)),
    case("reference.sequential_inference_step", reference.sequential_inference_step,
         dict(J=J3, state=STATE3, bias=BIAS3, inverse_temperature=1.0, stochastic=True,
              node_order=ORDER3, uniforms=np.full(N3, 0.5), rng=0),
         target=reference.sequential_inference_step),
    case("reference.learning_step", reference.learning_step,
         dict(J=J3, state=STATE3, field=FIELD3, learning_rate=0.1, prediction="paper",
              bias=BIAS3),
         target=reference.learning_step),
    case("reference.step", reference.step,
         dict(J=J3, state=STATE3, bias=BIAS3, inverse_temperature=1.0, learning_rate=0.1,
              stochastic=True, prediction="code", schedule="synchronous", node_order=None,
              uniforms=np.full(N3, 0.5), rng=0),
         target=reference.step),
    case("reference.step[sequential]", reference.step,
         dict(J=J3, state=STATE3, bias=BIAS3, inverse_temperature=1.0, learning_rate=0.1,
              stochastic=False, prediction="paper", schedule="sequential", node_order=ORDER3,
              uniforms=None, rng=0)),
    case("reference.run", reference.run,
         dict(J=J3, state=STATE3, bias=BIAS3, steps=3, inverse_temperature=1.0,
              learning_rate=0.1, stochastic=True, prediction="code", schedule="synchronous",
              node_order=None, uniforms=np.full((3, N3), 0.5), rng=0, record=True),
         aliases=_REF_RUN_ALIASES, target=reference.run),
    case("reference.run[sequential]", reference.run,
         dict(J=J3, state=STATE3, bias=np.tile(BIAS3, (3, 1)), steps=3, inverse_temperature=1.0,
              learning_rate=0.1, stochastic=True, prediction="paper", schedule="sequential",
              node_order=_perms((3, N3)), uniforms=None, rng=0, record=False),
         aliases=_REF_RUN_ALIASES),
    case("reference.train", reference.train,
         dict(J=J3, state=STATE3, patterns=PATTERNS3, evidence=1.0, epochs=3, steps_per_epoch=2,
              inverse_temperature=1.0, learning_rate=0.01, order="random",
              schedule="synchronous", prediction="code", uniforms=np.full((6, N3), 0.5), rng=0,
              record=True),
         aliases=_TRAIN_ALIASES, target=reference.train),
    case("reference.train[sequential]", reference.train,
         dict(J=np.zeros((N3, N3)), state=np.zeros(N3), patterns=PATTERNS3, evidence=2.0,
              epochs=2, steps_per_epoch=3, inverse_temperature=0.5, learning_rate=0.01,
              order="sequential", schedule="sequential", prediction="paper", uniforms=None,
              rng=1, record=False),
         aliases=_TRAIN_ALIASES),
    case("reference.macro_free_energy", reference.macro_free_energy,
         dict(J=J3, state=STATE3, bias=BIAS3), target=reference.macro_free_energy),
]

CASES_BY_NAME = {c.name: c for c in CASES}
assert len(CASES_BY_NAME) == len(CASES), "duplicate case names"

# Public names deliberately without a case.
NOT_CASES = {
    # plain data containers (dataclass fields, no behaviour, no validation)
    "network.TrainingTrace": "dataclass container",
    "network.RelaxResult": "dataclass container (its property all_converged has a case)",
    "datasets.Digits": "dataclass container",
    "experiments.Simulation1Result": "dataclass container",
    "experiments.Simulation2Result": "dataclass container",
    "experiments.Simulation3Result": "dataclass container",
    "experiments.Simulation4Result": "dataclass container",
    "experiments.DigitCellResult": "dataclass container",
    "experiments.FreeRunResult": "dataclass container (base of Simulation4Result)",
    "paper.Reported": "frozen dataclass container (one row of paper.REPORTED)",
    "reference.Step": "NamedTuple container (the result of reference.step)",
    "reference.Trajectory": "NamedTuple container (the result of reference.run and train)",
    "reference.FreeEnergy": "NamedTuple container (the result of reference.macro_free_energy)",
    "gaussian.Descent": "dataclass container (its property var has a case)",
    "geometry.PathGeometry": "dataclass container",
    # chapter callbacks that train a network per call (a second or more): every corner and random
    # interior points of their sliders, and bad settings, are checked in tests/test_widgets.py
    # and tests/test_sim1_sim3.py, test_sim2_sim4.py, test_report.py
    "explore.simulation1": "runs Simulation 1 per call (see tests/test_widgets.py)",
    "explore.simulation2": "reruns a Simulation-2 cell per call (see tests/test_widgets.py)",
    "explore.simulation3": "runs Simulation 3 per call (see tests/test_widgets.py)",
    "explore.simulation4": "trains and free-runs a network per call (see tests/test_widgets.py)",
    "explore.reproduction_report": "runs Simulation 1 twice per call (see tests/test_widgets.py)",
    "explore.simulation5": "trains small networks per call (see tests/test_widgets.py)",
    "explore.simulation6": "trains a face network per call (see tests/test_widgets.py)",
    "explore.comparison": "trains the compared networks per call (see tests/test_widgets.py)",
    "explore.variational_bayes": "trains a VAE per call (see tests/test_widgets.py)",
    "datasets.faces": "a fixed data set; shapes, z-scores and kinds in tests/test_faces.py",
    "datasets.olivetti_faces": "needs a download or a fake data home (tests/test_faces.py)",
    "datasets.sparse_ternary_patterns": "counts, uniformity and errors in tests/test_scaling.py",
    "network.AttractorNetwork.dtype": "attribute (tests/test_float32.py)",
    "network.coupling_dtype": "every accepted and refused dtype in tests/test_float32.py",
    # static panels: plain descriptions of what to draw, checked where a panel is packed
    "precomputed.Readout": "frozen dataclass container (validated by Precomputed: its readouts)",
    "precomputed.Lines": "frozen dataclass container (validated by Precomputed: its views)",
    "precomputed.Tiles": "frozen dataclass container (validated by Precomputed: its views)",
    "precomputed.Heatmap": "frozen dataclass container (validated by Precomputed: its views)",
    "precomputed.Bars": "frozen dataclass container (validated by Precomputed: its views)",
    "widgets.StaticPanel": "display wrapper of a Precomputed (static_panel has a case; its HTML "
                           "is tested in tests/test_precomputed.py)",
}

EXPENSIVE = [c.name for c in CASES if c.expensive]


# =============================================================================================
# The checks

def _kinds(x):
    x = np.asarray(x)
    kinds = set()
    if np.any(np.isnan(x)):
        kinds.add("nan")
    if np.any(np.isinf(x)):
        kinds.add("inf")
    return kinds


def _nonfinite(obj, path="", out=None):
    """List of 'path: what' for every non-finite number in ``obj`` (recursively)."""
    import ipywidgets
    import matplotlib.figure

    out = [] if out is None else out
    where = path or "<result>"
    if obj is None or isinstance(obj, (bool, np.bool_, str, bytes, numbers.Integral, pathlib.Path,
                                       np.random.Generator)):
        return out
    if isinstance(obj, (numbers.Number, np.number)):
        if not np.isfinite(obj):
            out.append((path, _kinds(obj), f"{where} = {obj!r}"))
        return out
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in "fc":
            bad = ~np.isfinite(obj)
            if bad.any():
                first = np.argwhere(bad)[0] if obj.ndim else ()
                out.append((path, _kinds(obj[bad]),
                            f"{where}: {int(bad.sum())} of {obj.size} entries non-finite "
                            f"(first {obj[tuple(first)]!r} "
                            f"at index {tuple(int(i) for i in first)})"))
        elif obj.dtype.kind == "O":
            for x in obj.ravel():
                _nonfinite(x, path, out)
        return out
    if isinstance(obj, pd.DataFrame):
        for col in obj.columns:
            _nonfinite(obj[col].to_numpy(), f"{path}.{col}".lstrip("."), out)
        return out
    if isinstance(obj, pd.Series):
        for k, v in obj.items():
            _nonfinite(v, f"{path}.{k}".lstrip("."), out)
        return out
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            _nonfinite(getattr(obj, f.name), f"{path}.{f.name}".lstrip("."), out)
        return out
    if isinstance(obj, dict):
        for k, v in obj.items():
            _nonfinite(v, f"{path}.{k}".lstrip("."), out)
        return out
    if isinstance(obj, (list, tuple)):
        for v in obj:
            _nonfinite(v, path, out)
        return out
    if isinstance(obj, (network.AttractorNetwork, network.AttractorBatch)):
        _nonfinite(np.asarray(obj.J), f"{path}.J".lstrip("."), out)
        _nonfinite(np.asarray(obj.state), f"{path}.state".lstrip("."), out)
        return out
    if isinstance(obj, matplotlib.figure.Figure):
        import matplotlib.pyplot as plt

        plt.close(obj)
        return out
    if isinstance(obj, widgets.StaticPanel):          # the panel it shows
        return _nonfinite(obj.precomputed, f"{path}.precomputed".lstrip("."), out)
    if inspect.isfunction(obj):                         # grids.function: a chapter's grid function
        return out
    if isinstance(obj, ipywidgets.Widget):
        for attr in ("value", "min", "max", "step"):
            if hasattr(obj, attr):
                _nonfinite(getattr(obj, attr), f"{path}.{attr}".lstrip("."), out)
        return out
    out.append((path, {"harness"},
                f"{where}: unhandled result type {type(obj).__name__} (test harness)"))
    return out


def _assert_finite(result, allow=None):
    """Assert that every number in ``result`` is finite, except the documented ``allow`` entries
    ({path: {"nan", "inf"}}, see :data:`DOCUMENTED_NONFINITE`)."""
    allow = allow or {}
    problems = [msg for path, kinds, msg in _nonfinite(result)
                if not kinds <= allow.get(path, set())]
    assert not problems, "non-finite result: " + "; ".join(problems)


class _CallTimeout(BaseException):
    """A call ran past HARD_LIMIT_S (BaseException: fep_core cannot swallow it)."""


class _EngineReached(BaseException):
    """The simulation engine was entered while it was blocked."""


def _compiling(frame):
    """True while numba/llvmlite code is on the stack: interrupting a compilation would leave
    numba's caches half-built, so the alarm waits for it to finish."""
    while frame is not None:
        if re.search(r"[/\\](numba|llvmlite)[/\\]", frame.f_code.co_filename):
            return True
        frame = frame.f_back
    return False


@contextlib.contextmanager
def _time_limit(seconds):
    compiled = []

    def alarm(signum, frame):
        if _compiling(frame):
            compiled.append(True)
            signal.setitimer(signal.ITIMER_REAL, 0.5)      # try again once the compiler is done
        elif compiled:                                     # compiled: a fresh budget for the call
            compiled.clear()
            signal.setitimer(signal.ITIMER_REAL, seconds)
        else:
            raise _CallTimeout

    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@contextlib.contextmanager
def _engine_blocked():
    """Replace the compiled simulation entry points by a tripwire (network.py calls them through
    the module, ``K.run_batch(...)``, so the replacement is seen)."""
    names = ("run_batch", "run_large", "run_large_segments", "relax_batch")
    saved = {n: getattr(_kernels, n) for n in names}

    def tripwire(*args, **kwargs):
        raise _EngineReached

    for n in names:
        setattr(_kernels, n, tripwire)
    try:
        yield
    finally:
        for n, f in saved.items():
            setattr(_kernels, n, f)


def _names(exc, arg, aliases=()):
    msg = str(exc)
    return any(re.search(rf"(?<![A-Za-z0-9_]){re.escape(n)}(?![A-Za-z0-9_])", msg)
               for n in (arg, *aliases))


def _short(value, limit=120):
    text = repr(value).replace("\n", " ")
    text = re.sub(r"\s+", " ", text)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _call(case, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with _time_limit(HARD_LIMIT_S):
            return case.func(**kwargs)


def violation(case, arg, value):
    """None if ``case`` with ``arg=value`` keeps the contract, else a one-line description."""
    late = False
    try:
        try:
            if case.expensive:
                with _engine_blocked():
                    result = _call(case, case.kwargs_with(arg, value))
            else:
                result = _call(case, case.kwargs_with(arg, value))
        except _EngineReached:
            # Not rejected before the simulation started: run it (tiny sizes) to see whether the
            # value is accepted (fine) or rejected later (a paper-scale run wastes minutes first).
            late = True
            result = _call(case, case.kwargs_with(arg, value))
    except _CallTimeout:
        return f"no result within {HARD_LIMIT_S:.0f} s (hang)"
    except (ValueError, TypeError) as exc:
        if late:
            return (f"rejected only after the simulation had started "
                    f"({type(exc).__name__}: {exc}); "
                    "at the paper's settings that is minutes of work before the error")
        if _names(exc, arg, case.aliases.get(arg, ())):
            return None
        return f"{type(exc).__name__} that does not name {arg!r}: {_short(str(exc), 200)}"
    except Exception as exc:
        return f"{type(exc).__name__} (not ValueError/TypeError): {_short(str(exc), 200)}"
    try:
        _assert_finite(result, DOCUMENTED_NONFINITE.get(case.name))
    except AssertionError as exc:
        return f"returned {exc}"
    return None


# =============================================================================================
# Fixtures

@pytest.fixture(scope="module", autouse=True)
def _isolated_and_warm(tmp_path_factory):
    """Results of cache.cached go to a temporary directory; the compiled kernels and the digits
    are loaded once up front, so that Hypothesis' deadlines time the calls, not the compilation."""
    old = os.environ.get("FEP_CORE_CACHE_DIR")
    os.environ["FEP_CORE_CACHE_DIR"] = str(tmp_path_factory.mktemp("fep_core_cache"))
    datasets.digits()
    with warnings.catch_warnings():                      # no time limit: may compile
        warnings.simplefilter("ignore")
        for c in CASES:
            if c.name.startswith(("network.", "metrics.", "experiments.simulation1")):
                c.func(**{k: _resolve(v) for k, v in c.valid_kwargs.items()})
    yield
    if old is None:
        os.environ.pop("FEP_CORE_CACHE_DIR", None)
    else:
        os.environ["FEP_CORE_CACHE_DIR"] = old
    import matplotlib.pyplot as plt

    plt.close("all")


# =============================================================================================
# Tests: bad arguments

# Cases whose calls cost tens of milliseconds (tiny simulations, figures): fewer examples.
SLOW = ("experiments.", "explore.", "widgets.panel")
CHEAP_CASES = [pytest.param(c, id=c.name) for c in CASES
               if c.probed and not c.name.startswith(SLOW)]
SLOW_CASES = [pytest.param(c, id=c.name) for c in CASES if c.probed and c.name.startswith(SLOW)]


@pytest.mark.parametrize("case", CHEAP_CASES + SLOW_CASES)
def test_bad_argument_catalogue(case):
    """Every argument x every catalogue value; lists all violations of the function at once."""
    found = []
    for arg in case.probed:
        for label, value in case.catalogue[arg]:
            problem = violation(case, arg, value)
            if problem:
                found.append(f"{arg}={label} ({_short(value, 60)}): {problem}")
    if found:
        raise AssertionError(f"{case.name}: {len(found)} violation(s)\n  " + "\n  ".join(found))


def _fuzz_one(case, data):
    arg = data.draw(st.sampled_from(case.probed), label="argument")
    value = data.draw(case.strategies_per_arg[arg], label=arg)
    problem = violation(case, arg, value)
    if problem:
        raise AssertionError(f"{case.name}({arg}={_short(value)}): {problem}")


# No explain phase: it reruns each failing example many times to annotate it (seconds per failure).
@pytest.mark.parametrize("case", CHEAP_CASES)
@settings(max_examples=10, deadline=timedelta(seconds=5),
          phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink], **HYPOTHESIS)
@given(data=st.data())
def test_bad_argument(case, data):
    """Generated bad values, one argument at a time (Hypothesis; shrunk to a minimal example)."""
    _fuzz_one(case, data)


@pytest.mark.parametrize("case", SLOW_CASES)
@settings(max_examples=3, deadline=timedelta(seconds=20),
          phases=[Phase.explicit, Phase.reuse, Phase.generate], **HYPOTHESIS)
@given(data=st.data())
def test_bad_argument_slow(case, data):
    """As test_bad_argument for the slow cases: fewer examples, not shrunk (each try is a run)."""
    _fuzz_one(case, data)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in CASES])
def test_valid_call(case):
    """The table's valid arguments are valid: the call returns finite values."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = case.func(**{k: _resolve(v) for k, v in case.valid_kwargs.items()})
    _assert_finite(result, DOCUMENTED_NONFINITE.get(case.name))


MODULES = [cb, network, metrics, datasets, experiments, gaussian, geometry, theory, cache, widgets,
           explore, paper, analysis, streams, reference, precomputed, grids, backends]


def _public_names():
    names = {}
    for mod in MODULES:
        short = mod.__name__.split(".")[-1]
        for name, obj in vars(mod).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != mod.__name__:
                continue
            if inspect.isfunction(obj):
                names[f"{short}.{name}"] = obj
            elif inspect.isclass(obj) and not issubclass(obj, BaseException):  # no warnings/errors
                names[f"{short}.{name}"] = obj
                for attr, member in vars(obj).items():
                    if attr.startswith("_"):
                        continue
                    if inspect.isfunction(member) or isinstance(member, property):
                        names[f"{short}.{name}.{attr}"] = member
    return names


def test_coverage():
    """Every public callable has a case (or a reason not to); each case covers its whole
    signature."""
    public = _public_names()
    covered = {}
    for c in CASES:
        if c.target is not None:
            covered.setdefault(c.name.split("[")[0], c)
    missing = sorted(set(public) - set(covered) - set(NOT_CASES))
    assert not missing, f"public names without a case: {missing}"
    unknown = sorted(set(covered) - set(public))
    assert not unknown, f"cases for names that are not public API: {unknown}"
    for name, c in covered.items():
        target = c.target
        if isinstance(target, property) or name.endswith(("all_converged", "Descent.var")):
            continue
        params = [p.name for p in inspect.signature(target).parameters.values()
                  if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL) and p.name != "self"]
        absent = [p for p in params if p not in c.valid_kwargs]
        assert not absent, f"{name}: valid arguments miss {absent}"


# =============================================================================================
# Tests: valid-input properties

# cb: |b| <= 1e300 is documented
_ALL_FINITE_CB = st.floats(min_value=-1e300, max_value=1e300, allow_nan=False)


@settings(max_examples=60, deadline=timedelta(seconds=2), **HYPOTHESIS)
@given(b=hnp.arrays(np.float64, st.integers(1, 6), elements=_ALL_FINITE_CB),
       bp=hnp.arrays(np.float64, st.integers(1, 6), elements=_ALL_FINITE_CB),
       x=st.floats(-1.0, 1.0), u=st.floats(0.0, 1.0),
       m=st.floats(-1.0, 1.0, exclude_min=True, exclude_max=True))
@pytest.mark.filterwarnings("error")
def test_valid_cb_finite(b, bp, x, u, m):
    """cb: finite output, in the documented range, for every finite input in the domain."""
    mean = cb.langevin(b)
    assert np.all(np.abs(mean) <= 1.0)
    var = cb.langevin_prime(b)
    assert np.all((var >= 0) & (var <= 1 / 3 + 1e-15))
    h = cb.entropy(b)
    assert np.all(h <= math.log(2) + 1e-15)
    _assert_finite((mean, var, h, cb.log_partition(b)))
    k = cb.kl(b, bp[: b.size] if bp.size >= b.size else bp[0])
    _assert_finite(k)
    assert np.all(np.asarray(k) >= 0), f"negative KL {k}"
    c = cb.cdf(x, b)
    assert np.all((np.asarray(c) >= 0) & (np.asarray(c) <= 1))
    _assert_finite((cb.log_pdf(x, b), cb.pdf(x, b), c))
    q = cb.ppf(u, b)
    assert np.all(np.abs(q) <= 1.0)
    _assert_finite((q, cb.inverse_langevin(m)))


_J_FINITE = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=timedelta(seconds=2), **HYPOTHESIS)
@given(J=st.integers(1, 5).flatmap(lambda n: hnp.arrays(np.float64, (n, n), elements=_J_FINITE)))
def test_valid_asymmetry_range(J):
    """network.asymmetry is in [0, 2] for every finite square matrix (its docstring: "0 for
    symmetric J, up to 2"; ||J - J^T|| <= 2 ||J||); 0 for the symmetric part."""
    a = network.asymmetry(J)
    _assert_finite(a)
    assert 0.0 <= a <= 2.0 + 1e-12
    assert network.asymmetry(network.symmetric_part(J)) == 0.0


@settings(max_examples=25, deadline=timedelta(seconds=2), **HYPOTHESIS)
@given(n=st.integers(1, 5), steps=st.integers(1, 6), seed=st.integers(0, 2 ** 32 - 1),
       lr=st.sampled_from([0.0, 0.01, 0.1]), it=st.floats(0.01, 10.0),
       schedule=st.sampled_from(["synchronous", "sequential"]), data=st.data())
def test_valid_same_seed_same_bits(n, steps, seed, lr, it, schedule, data):
    """Same seed -> bit-identical run; network k of a batch == the network alone (documented)."""
    bias = data.draw(hnp.arrays(np.float64, n, elements=st.floats(-5, 5)), label="bias")
    J = data.draw(hnp.arrays(np.float64, (n, n), elements=st.floats(-1, 1)), label="J")
    np.fill_diagonal(J, 0.0)
    runs = []
    for _ in range(2):
        net = network.AttractorNetwork(n, rng=seed, coupling=J)
        runs.append((net.run(bias, steps, inverse_temperature=it, learning_rate=lr,
                             schedule=schedule),
                     net.J.copy()))
    assert runs[0][0].tobytes() == runs[1][0].tobytes()
    assert runs[0][1].tobytes() == runs[1][1].tobytes()
    _assert_finite(runs[0])
    assert np.all(np.abs(runs[0][0]) <= 1.0)
    batch = network.AttractorBatch(2, n, rng=[seed + 1, seed], coupling=J)
    states = batch.run(bias, steps, inverse_temperature=it, learning_rate=lr, schedule=schedule)
    assert states[1].tobytes() == runs[0][0].tobytes()


@settings(max_examples=40, deadline=timedelta(seconds=2), **HYPOTHESIS)
@given(ab=st.tuples(st.integers(1, 3), st.integers(2, 6)).flatmap(
    lambda s: st.tuples(hnp.arrays(np.float64, s, elements=_FINITE),
                        hnp.arrays(np.float64, s, elements=_FINITE))))
def test_valid_correlation_range(ab):
    """metrics.correlation is finite and in [-1, 1] (0 where a side is constant)."""
    r = metrics.correlation(*ab)
    _assert_finite(r)
    assert np.all(np.abs(r) <= 1.0 + 1e-12)


@settings(max_examples=40, deadline=timedelta(seconds=2), **HYPOTHESIS)
@given(mean=st.floats(-100, 100), var=st.floats(1e-3, 1e3), y=st.floats(-100, 100),
       m0=st.floats(-10, 10), pi0=st.floats(1e-2, 1e2), piy=st.floats(1e-2, 1e2))
def test_valid_gaussian_free_energy(mean, var, y, m0, pi0, piy):
    """The three forms of F agree (documented: "they agree to rounding") and F >= -ln p(y)."""
    model = dict(prior_mean=m0, prior_precision=pi0, likelihood_precision=piy)
    values = [gaussian.free_energy(mean, var, y, form=f, **model) for f in gaussian.FORMS]
    _assert_finite(values)
    scale = max(1.0, *(abs(v) for v in values))
    assert max(values) - min(values) <= 1e-9 * scale
    assert values[0] >= -gaussian.log_evidence(y, **model) - 1e-9 * scale


_SIMPLEX = st.integers(2, 5).flatmap(
    lambda n: hnp.arrays(np.float64, n, elements=st.floats(1e-3, 1.0)).map(lambda v: v / v.sum()))


@settings(max_examples=40, deadline=timedelta(seconds=2), **HYPOTHESIS)
@given(pq=_SIMPLEX.flatmap(lambda p: st.tuples(
    st.just(p),
    hnp.arrays(np.float64, p.size, elements=st.floats(1e-3, 1.0)).map(lambda v: v / v.sum()))))
def test_valid_fisher_rao(pq):
    """fisher_rao is symmetric, bounded below by chord_length (documented) and equals the
    information length of the geodesic."""
    p, q = pq
    d = geometry.fisher_rao(p, q)
    _assert_finite(d)
    assert d == pytest.approx(geometry.fisher_rao(q, p), rel=1e-12, abs=1e-15)
    assert geometry.chord_length(p, q) <= d + 1e-12
    path = geometry.geodesic(p, q, n_points=20)
    assert geometry.information_length(path) == pytest.approx(d, rel=1e-6, abs=1e-9)


@settings(max_examples=40, deadline=timedelta(seconds=2), **HYPOTHESIS)
@given(x=st.tuples(st.integers(1, 3), st.integers(2, 6)).flatmap(
    lambda s: hnp.arrays(np.float64, s, elements=st.floats(-1e3, 1e3))))
def test_valid_zscore(x):
    """datasets.zscore: rows with mean 0 and sd 1, or a ValueError naming the zero-variance rows."""
    try:
        z = datasets.zscore(x)
    except ValueError as exc:
        assert np.any(x.std(axis=-1) == 0) and "patterns" in str(exc)
        return
    _assert_finite(z)
    # rows that are not cancellation-bound
    spread = x.std(axis=-1) > 1e-6 * np.maximum(1.0, np.abs(x).max(axis=-1))
    np.testing.assert_allclose(z.mean(axis=-1)[spread], 0.0, atol=1e-9)
    np.testing.assert_allclose(z.std(axis=-1)[spread], 1.0, rtol=1e-9)
