"""Precomputed panels: what a chapter's static web page shows at every point of a grid of controls.

A static page has no kernel, so its Interactive section cannot compute. Instead the build
computes the chapter's figure data and numbers at every point of a grid of control values
(:class:`Grid`, one :class:`Control` per slider, each axis spanning the live slider's range from
:mod:`fep_core.controls` and containing its default, the paper's setting, exactly), packs them
(:class:`Precomputed`), and :mod:`fep_core.plotting.static` turns them into sliders and
figures that redraw in the reader's browser from the packed data alone. Any combination of the
controls' values is a grid point; nothing is interpolated.

This module is the mechanics (grids, packing, checks) and the plain description of what to draw
(:class:`Lines`, :class:`Tiles`, :class:`Heatmap`, :class:`Bars`): it imports no plotting
library. The computation of each chapter's grid lives in :mod:`fep_core.grids`, beside its
experiment code.

Layout of the data: ``arrays[key]`` has shape ``(grid.size, *item)`` (``item`` may be empty),
point-major in the grid's C order (the first control varies slowest); ``readouts[name]`` has
shape ``(grid.size,)``.
"""
from __future__ import annotations

import hashlib
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from . import controls as _controls

__all__ = ["Control", "Grid", "Readout", "Lines", "Tiles", "Heatmap", "Bars", "Precomputed",
           "axis", "control", "format_value"]


def _name(value, what):
    if not isinstance(value, str) or not value:
        raise TypeError(f"{what} must be a non-empty string, got {value!r}")
    return value


def _is_real(value) -> bool:
    return not isinstance(value, (bool, np.bool_)) and isinstance(
        value, (numbers.Real, np.integer, np.floating))


def _real(value, what) -> float:
    if not _is_real(value):
        raise TypeError(f"{what} must be a real number, got {value!r}")
    return float(value)


def _digits(value, what="digits") -> int:
    if isinstance(value, (bool, np.bool_)) \
            or not isinstance(value, (numbers.Integral, np.integer)) or value < 1:
        raise ValueError(f"{what} must be an integer >= 1, got {value!r}")
    return int(value)


def _flag(value, what) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{what} must be True or False, got {value!r}")
    return bool(value)


def _tuple(value, what) -> tuple:
    """``value``, a sequence (not a string), as a tuple."""
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{what} must be a sequence, got the string {value!r}")
    try:
        return tuple(value)
    except TypeError:
        raise TypeError(f"{what} must be a sequence, got {type(value).__name__}") from None


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def format_value(value: float, digits: int = 3) -> str:
    """``value`` as a reader sees it: integers as integers, else ``digits`` significant figures
    (a typographic minus; NaN, the mark of an undefined number, as a dash)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.number)):
        raise TypeError(f"value must be a real number, got {type(value).__name__}")
    digits = _digits(digits)
    value = float(value)
    if math.isnan(value):
        return "–"
    if math.isinf(value):
        raise ValueError(f"value must not be infinite, got {value}")
    if value == int(value) and abs(value) < 1e6:
        text = str(int(value))
    else:
        text = f"{value:.{digits}g}"
        if "e" in text:
            mantissa, exponent = text.split("e")
            text = f"{mantissa} × 10{str(int(exponent)).translate(_SUPERSCRIPT)}"
    return text.replace("-", "−")


@dataclass(frozen=True)
class Control:
    """One slider of a static panel: ``values`` its grid (strictly increasing, finite), one of
    which is ``default`` exactly; ``label`` names it as the chapter's text does. A choice
    between options (a toggle of the live panel) has ``values`` 0, 1, ... and the options'
    ``names``."""

    name: str
    label: str
    values: tuple
    default: float
    digits: int = 3
    names: tuple = ()

    def __post_init__(self):
        _name(self.name, "name")
        _name(self.label, "label")
        values = _tuple(self.values, f"values of control {self.name!r}")
        if not all(_is_real(v) for v in values):
            raise TypeError(f"values of control {self.name!r} must be real numbers, got {values}")
        values = tuple(float(v) for v in values)
        if len(values) < 2:
            raise ValueError(f"values of control {self.name!r} must hold at least 2 values")
        if not all(math.isfinite(v) for v in values):
            raise ValueError(f"values of control {self.name!r} must be finite, got {values}")
        if not all(a < b for a, b in zip(values, values[1:])):
            raise ValueError(f"values of control {self.name!r} must increase strictly, "
                             f"got {values}")
        default = _real(self.default, f"default of control {self.name!r}")
        if default not in values:
            raise ValueError(f"default of control {self.name!r} ({self.default!r}) must be one "
                             f"of its values {values}")
        digits = _digits(self.digits, f"digits of control {self.name!r}")
        names = _tuple(self.names, f"names of control {self.name!r}")
        if names and (len(names) != len(values) or not all(isinstance(n, str) for n in names)):
            raise ValueError(f"names of control {self.name!r} must be one string per value")
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "default", default)
        object.__setattr__(self, "digits", digits)
        object.__setattr__(self, "names", names)

    @property
    def index(self) -> int:
        """Position of the default in ``values``."""
        return self.values.index(self.default)

    @property
    def texts(self) -> tuple:
        """Each value formatted for the page (a choice: its option's name)."""
        return self.names or tuple(format_value(v, self.digits) for v in self.values)

    def option(self, value) -> str:
        """The option name of ``value`` (a choice control only)."""
        if not self.names:
            raise ValueError(f"control {self.name!r} is not a choice")
        v = _real(value, "value")
        if v not in self.values:
            raise ValueError(f"value must be one of {self.values}, got {value!r}")
        return self.names[self.values.index(v)]


def axis(low, high, default, n, *, log=False, integer=False) -> tuple:
    """``n`` values from ``low`` to ``high``, evenly spaced on the slider's scale (log or
    linear; integers rounded), with the value nearest to ``default`` replaced by ``default``
    exactly so that the paper's setting is a grid point.

    Returns a strictly increasing tuple of floats; a ``ValueError`` names a bad argument.
    """
    for v, name in ((low, "low"), (high, "high"), (default, "default")):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (numbers.Real, np.number)) \
                or not math.isfinite(float(v)):
            raise ValueError(f"{name} must be a finite number, got {v!r}")
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (numbers.Integral, np.integer)) \
            or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    log, integer = _flag(log, "log"), _flag(integer, "integer")
    low, high, default = float(low), float(high), float(default)
    if not low < high:
        raise ValueError(f"low must be below high, got low={low} and high={high}")
    if not low <= default <= high:
        raise ValueError(f"default must lie in [low, high] = [{low}, {high}], got {default}")
    if log:
        if low <= 0:
            raise ValueError(f"low must be positive on a log axis, got {low}")
        values = np.geomspace(low, high, n)
        distance = np.abs(np.log(values) - math.log(default))
    else:
        values = np.linspace(low, high, n)
        distance = np.abs(values - default)
    if integer:
        values = np.round(values)
    values[np.argmin(distance)] = default
    out = tuple(float(v) for v in values)
    if not all(a < b for a, b in zip(out, out[1:])):
        raise ValueError(f"n = {n} values do not fit in [low, high] = [{low}, {high}] with the "
                         f"default {default} (integers collide: integer={integer}); use fewer")
    return out


def control(chapter: str, name: str, n: int, *, digits: int = 3, values=None) -> Control:
    """The static control for the live slider ``name`` of ``chapter`` (:mod:`fep_core.controls`):
    its label and default, and ``n`` values spanning the slider's range on its scale
    (:func:`axis`), or the given ``values`` (which must contain the default). For a toggle
    (``SLIDER_CHOICES``) a choice control over all its options (``n`` is ignored), the first
    the default."""
    if not isinstance(chapter, str) or chapter not in _controls.SLIDER_RANGES:
        raise ValueError(f"chapter must be one of {sorted(_controls.SLIDER_RANGES)}, "
                         f"got {chapter!r}")
    ranges = _controls.SLIDER_RANGES[chapter]
    if not isinstance(name, str) or (name not in ranges
                                     and name not in _controls.SLIDER_CHOICES.get(chapter, {})):
        raise ValueError(f"name must be a control of {chapter!r} ({sorted(ranges)}), got {name!r}")
    if name in _controls.SLIDER_CHOICES.get(chapter, {}):
        options = tuple(_controls.SLIDER_CHOICES[chapter][name])
        return Control(name, _controls.SLIDER_LABELS[chapter][name],
                       tuple(range(len(options))), 0, names=options)
    low, high, default = ranges[name]
    if values is None:
        integer = isinstance(low, int) and isinstance(default, int)
        values = axis(low, high, default, n, log=_controls.is_log(low, high), integer=integer)
    return Control(name, _controls.SLIDER_LABELS[chapter][name], values, default, digits=digits)


@dataclass(frozen=True)
class Grid:
    """The product of a chapter's controls; point ``k`` is the C-order (first control slowest)
    combination of their values."""

    chapter: str
    controls: tuple

    def __post_init__(self):
        _name(self.chapter, "chapter")
        ctrls = _tuple(self.controls, "controls")
        if not ctrls or not all(isinstance(c, Control) for c in ctrls):
            raise TypeError("controls must be a non-empty sequence of Control")
        names = [c.name for c in ctrls]
        if len(set(names)) != len(names):
            raise ValueError(f"controls must have distinct names, got {names}")
        object.__setattr__(self, "controls", ctrls)

    @property
    def names(self) -> tuple:
        return tuple(c.name for c in self.controls)

    @property
    def shape(self) -> tuple:
        return tuple(len(c.values) for c in self.controls)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    def __getitem__(self, name) -> Control:
        for c in self.controls:
            if c.name == name:
                return c
        raise KeyError(f"no control named {name!r} (controls: {list(self.names)})")

    def values(self, name) -> np.ndarray:
        """The value of control ``name`` at every point, shape ``(size,)``."""
        if not isinstance(name, str) or name not in self.names:
            raise ValueError(f"name must be a control of the grid {list(self.names)}, "
                             f"got {name!r}")
        c = self[name]
        axes = np.meshgrid(*[np.asarray(k.values) for k in self.controls], indexing="ij")
        return axes[self.names.index(c.name)].ravel()

    def points(self) -> list:
        """Every point as a dict name -> value, in order."""
        cols = {n: self.values(n) for n in self.names}
        return [{n: float(cols[n][k]) for n in self.names} for k in range(self.size)]

    def index(self, **values) -> int:
        """The flat index of the point with these exact control values (all controls named)."""
        if set(values) != set(self.names):
            raise ValueError(f"values must name every control {list(self.names)}, "
                             f"got {sorted(values)}")
        where = []
        for c in self.controls:
            v = _real(values[c.name], c.name)
            if v not in c.values:
                raise ValueError(f"{c.name} = {v!r} is not a grid value {c.values}")
            where.append(c.values.index(v))
        return int(np.ravel_multi_index(tuple(where), self.shape))

    @property
    def default_index(self) -> int:
        """The flat index of the point where every control is at its default."""
        return self.index(**{c.name: c.default for c in self.controls})


@dataclass(frozen=True)
class Readout:
    """A number shown beside the figure: ``values`` (one per grid point; NaN only where
    ``undefined`` says why), formatted with ``digits`` significant figures."""

    label: str
    values: np.ndarray
    digits: int = 3
    undefined: str = ""


# --- What to draw (plain descriptions; fep_core.plotting.static draws them) ------------------
@dataclass(frozen=True)
class Lines:
    """Curves ``y`` against ``x``: ``series`` label -> array key of shape ``(size, L)``;
    ``x`` an array key of the same shape or a shared 1-D array of length ``L``. A series may
    instead be a pair of keys ``(x_key, y_key)`` with its own x (paths in a plane). ``guides``:
    label -> key of a ``(size,)`` array drawn as a horizontal dashed line. ``x_range`` and
    ``y_range``: fixed ``(low, high)``, else the data's range over the whole grid."""

    title: str
    x: object
    series: dict
    x_label: str = ""
    y_label: str = ""
    log_y: bool = False
    guides: dict = field(default_factory=dict)
    x_range: tuple = ()
    y_range: tuple = ()


@dataclass(frozen=True)
class Tiles:
    """Images side by side: array ``key`` of shape ``(size, n_tiles, rows, cols)``, on a
    diverging colour scale symmetric about 0 (``symmetric``; a zero-filled tile is blank) or on
    the data's range."""

    title: str
    key: str
    symmetric: bool = True


@dataclass(frozen=True)
class Heatmap:
    """A map over two controls (``x`` and ``y`` name controls of the grid) that depends on the
    others: array ``key`` of shape ``(size, len(y values), len(x values))``. A frame marks the
    cell of the current ``x`` and ``y``."""

    title: str
    key: str
    x: str
    y: str
    value_label: str = ""


@dataclass(frozen=True)
class Bars:
    """Bars: label -> array key of shape ``(size,)``."""

    title: str
    bars: dict
    y_label: str = ""


VIEWS = (Lines, Tiles, Heatmap, Bars)


@dataclass
class Precomputed:
    """A chapter's static panel: its grid, the packed data, the readouts and what to draw."""

    grid: Grid
    arrays: dict
    readouts: dict
    views: tuple
    note: str = ""

    def __post_init__(self):
        if not isinstance(self.grid, Grid):
            raise TypeError("grid must be a Grid")
        size = self.grid.size
        if not isinstance(self.arrays, Mapping):
            raise TypeError(f"arrays must be a dict key -> array, got {type(self.arrays).__name__}")
        arrays = {}
        for key, a in dict(self.arrays).items():
            _name(key, "array key")
            try:
                a = np.asarray(a, dtype=float)
            except (TypeError, ValueError):
                raise TypeError(f"array {key!r} must be an array of real numbers") from None
            if a.ndim < 1 or a.shape[0] != size:
                raise ValueError(f"array {key!r} must have shape (grid size {size}, ...), "
                                 f"got {a.shape}")
            if not np.all(np.isfinite(a)):
                bad = int(np.argmax(~np.isfinite(a).reshape(size, -1).all(axis=1)))
                raise ValueError(f"array {key!r} is not finite at grid point {bad} "
                                 f"({self.grid.points()[bad]})")
            arrays[key] = a
        self.arrays = arrays
        if not isinstance(self.readouts, Mapping):
            raise TypeError(f"readouts must be a dict name -> Readout, "
                            f"got {type(self.readouts).__name__}")
        readouts = {}
        for name, r in dict(self.readouts).items():
            if not isinstance(r, Readout):
                raise TypeError(f"readout {name!r} must be a Readout")
            try:
                v = np.asarray(r.values, dtype=float)
            except (TypeError, ValueError):
                raise TypeError(f"readout {name!r} must hold real numbers") from None
            if v.shape != (size,):
                raise ValueError(f"readout {name!r} must have shape ({size},), got {v.shape}")
            if np.any(np.isinf(v)) or (np.any(np.isnan(v)) and not r.undefined):
                raise ValueError(f"readout {name!r} is not finite (NaN needs a reason in "
                                 f"'undefined')")
            digits = _digits(r.digits, f"digits of readout {name!r}")
            readouts[name] = Readout(r.label, v, digits, r.undefined)
        self.readouts = readouts
        clash = sorted(set(arrays) & set(readouts))
        if clash:
            raise ValueError(f"arrays and readouts must have distinct names, both have {clash}")
        self.views = _tuple(self.views, "views")
        for view in self.views:
            if not isinstance(view, VIEWS):
                raise TypeError(f"views must be {[v.__name__ for v in VIEWS]}, got {view!r}")
            try:
                keys = self._keys(view)
            except (TypeError, AttributeError):
                raise TypeError(f"view {view.title!r} must name its arrays by their keys "
                                f"(strings)") from None
            for key in keys:
                if not isinstance(key, str) or key not in self.arrays:
                    raise ValueError(f"view {view.title!r} draws {key!r}, which is not an array")
            if isinstance(view, Heatmap):
                for over in (view.x, view.y):
                    if not isinstance(over, str) or over not in self.grid.names:
                        raise ValueError(f"heatmap {view.title!r} maps over controls of the grid "
                                         f"{list(self.grid.names)}, got {over!r}")
                want = (len(self.grid[view.y].values), len(self.grid[view.x].values))
                if self.arrays[view.key].shape[1:] != want:
                    raise ValueError(f"heatmap {view.title!r} needs array {view.key!r} of shape "
                                     f"(size, {want[0]}, {want[1]}), got "
                                     f"{self.arrays[view.key].shape}")
            if isinstance(view, Tiles) and self.arrays[view.key].ndim != 4:
                raise ValueError(f"tiles {view.title!r} need array {view.key!r} of shape "
                                 f"(size, tiles, rows, cols), got {self.arrays[view.key].shape}")
        if not isinstance(self.note, str):
            raise TypeError(f"note must be a string, got {type(self.note).__name__}")

    @staticmethod
    def _keys(view) -> list:
        if isinstance(view, Lines):
            keys = [k for v in view.series.values()
                    for k in ((v,) if isinstance(v, str) else tuple(v))]
            keys += list(view.guides.values())
            return keys + ([view.x] if isinstance(view.x, str) else [])
        if isinstance(view, (Tiles, Heatmap)):
            return [view.key]
        return list(view.bars.values())

    def _index(self, index) -> int:
        """``index``, a grid point ``0 <= index < size``."""
        if isinstance(index, (bool, np.bool_)) or not isinstance(index, (numbers.Integral,
                                                                         np.integer)):
            raise TypeError(f"index must be an integer, got {index!r}")
        if not 0 <= index < self.grid.size:
            raise ValueError(f"index must be a grid point, 0 <= index < {self.grid.size}, "
                             f"got {index}")
        return int(index)

    def at(self, index: int) -> dict:
        """Arrays and readout values of point ``index``."""
        index = self._index(index)
        out = {k: a[index] for k, a in self.arrays.items()}
        out.update({k: r.values[index] for k, r in self.readouts.items()})
        return out

    def readout_text(self, index: int) -> list:
        """``(label, formatted value)`` of every readout at point ``index``; an undefined value
        reads as a dash and its reason."""
        index = self._index(index)
        out = []
        for r in self.readouts.values():
            value = r.values[index]
            text = format_value(value, r.digits)
            if np.isnan(value):
                text = f"{text} ({r.undefined})"
            out.append((r.label, text))
        return out

    def digest(self) -> str:
        """SHA-256 of everything the page shows (grid, data, readouts): same seed, same digest."""
        h = hashlib.sha256()
        for c in self.grid.controls:
            h.update(repr((c.name, c.label, c.values, c.default)).encode())
        for key in sorted(self.arrays):
            h.update(key.encode())
            h.update(np.ascontiguousarray(self.arrays[key]).tobytes())
        for name in sorted(self.readouts):
            h.update(name.encode())
            h.update(np.ascontiguousarray(self.readouts[name].values).tobytes())
        return h.hexdigest()
