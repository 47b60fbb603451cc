"""Static-page panels: a :class:`fep_core.precomputed.Precomputed` drawn with Bokeh.

Bokeh was chosen because its sliders compose on one figure through one JavaScript callback
(``CustomJS``) over data embedded in the page, it draws image-like panels (attractors, coupling
matrices) as well as curves, and its JavaScript ships inside the Python package, so the book
serves it from its own ``_static`` folder (no CDN; the build copies it, see
``book/_ext/bookext.py``). The callback only looks up the packed data of the chosen grid point:
every value shown was computed by the build.

:func:`panel_html` returns the HTML fragment a notebook cell displays; the page must load
:data:`JS_FILES` (the book does). Each figure is drawn at the text column's width
(:data:`WIDTH`).
"""
from __future__ import annotations

import html
import json

import numpy as np

from ..precomputed import Bars, Heatmap, Lines, Precomputed, Tiles

__all__ = ["WIDTH", "JS_FILES", "js_files", "layout", "panel_html", "NOTE"]

WIDTH = 660               # px: the book's text column (672) less the panel's border
# Narrower columns (a phone) reflow the panel: figures, sliders and numbers take the column's
# width (at most WIDTH) at their own height and font size; tiles scale down with their aspect.
_STRETCH = {"sizing_mode": "stretch_width", "max_width": WIDTH}
_FONT = "12px"
_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")

NOTE = ("The sliders snap to a grid of values computed when the book was built; every picture "
        "and number is a real result at that point, never an interpolation. To explore any "
        "value, run the live panel below in JupyterLab.")


def js_files() -> list:
    """``(source path, served name)`` of the BokehJS files a page with a panel needs (core and
    widgets), from the installed bokeh package, the served names carrying its version."""
    import pathlib

    import bokeh
    from bokeh.util.paths import bokehjs_path

    root = pathlib.Path(bokehjs_path()) / "js"
    return [(root / f"{name}.min.js", f"{name}-{bokeh.__version__}.min.js")
            for name in ("bokeh", "bokeh-widgets")]


JS_FILES = ("bokeh", "bokeh-widgets")


def _flat(a) -> np.ndarray:
    """Packed as float32 (the page draws them; the numbers shown are formatted in Python)."""
    return np.ascontiguousarray(np.asarray(a, dtype=np.float32).reshape(a.shape[0], -1).ravel())


def _range(values, *, log=False, pad=0.05):
    from bokeh.models import Range1d

    v = np.asarray(values, float).ravel()
    if log:
        v = v[v > 0]
        lo, hi = (float(v.min()), float(v.max())) if v.size else (1e-3, 1.0)
        if hi <= lo:
            hi = lo * 10
        f = (hi / lo) ** pad
        return Range1d(lo / f, hi * f)
    lo, hi = float(v.min()), float(v.max())
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    d = (hi - lo) * pad
    return Range1d(lo - d, hi + d)


def _style(fig):
    fig.title.text_font_size = _FONT
    for ax in (fig.xaxis, fig.yaxis):
        ax.axis_label_text_font_size = _FONT
        ax.major_label_text_font_size = "11px"
        ax.axis_label_text_font_style = "normal"
    fig.toolbar_location = None
    return fig


def _lines(view: Lines, pre: Precomputed, bind):
    from bokeh.models import ColumnDataSource, Range1d
    from bokeh.plotting import figure

    d = pre.grid.default_index
    pairs = []                   # (label, x key or shared x array, y key)
    for label, v in view.series.items():
        if isinstance(v, str):
            pairs.append((label, view.x, v))
        else:
            pairs.append((label, v[0], v[1]))
    xs = [pre.arrays[x] if isinstance(x, str) else np.asarray(x, float) for _, x, _ in pairs]
    for (label, _x, y), x_all in zip(pairs, xs):
        length = pre.arrays[y].shape[1]
        if (x_all.shape[-1] if x_all.ndim else 0) != length:
            raise ValueError(f"x of series {label!r} in view {view.title!r} must have length "
                             f"{length}")
    ys = np.concatenate([pre.arrays[y].ravel() for _, _, y in pairs]
                        + [pre.arrays[k].ravel() for k in view.guides.values()])
    x_range = Range1d(*view.x_range) if view.x_range else _range(
        np.concatenate([x.ravel() for x in xs]), pad=0.02)
    y_range = Range1d(*view.y_range) if view.y_range else _range(ys, log=view.log_y)
    fig = figure(width=WIDTH, height=240, title=view.title, x_axis_label=view.x_label,
                 y_axis_label=view.y_label, y_axis_type="log" if view.log_y else "linear",
                 x_range=x_range, y_range=y_range, **_STRETCH)
    for c, ((label, x, y), x_all) in enumerate(zip(pairs, xs)):
        keyed_x = isinstance(x, str)
        src = ColumnDataSource({"x": np.asarray(x_all[d] if keyed_x else x_all, float),
                                "y": pre.arrays[y][d]})
        fig.line("x", "y", source=src, line_width=2, color=_COLOURS[c % len(_COLOURS)],
                 legend_label=label)
        bind(src, "y", y)
        if keyed_x:
            bind(src, "x", x)
    x_lo, x_hi = x_range.start, x_range.end
    for label, key in view.guides.items():
        value = float(pre.arrays[key][d])
        src = ColumnDataSource({"x": [x_lo, x_hi], "y": [value, value]})
        fig.line("x", "y", source=src, line_dash="dashed", color="#555555", legend_label=label)
        bind(src, "y", key, repeat=2)
    # the legend beside the axes, never over the curves
    legend = fig.legend[0]
    fig.add_layout(legend, "right")
    legend.label_text_font_size = "11px"
    legend.spacing = 4
    legend.padding = 2
    legend.margin = 2
    return _style(fig)


def _palette(symmetric):
    from bokeh.palettes import RdBu11, Viridis256

    # low (negative) blue, high (positive) red: matplotlib's RdBu_r, as the chapters' figures
    return list(RdBu11) if symmetric else list(Viridis256)


def _tiles(view: Tiles, pre: Precomputed, bind):
    from bokeh.models import ColumnDataSource, LinearColorMapper
    from bokeh.plotting import figure

    a = pre.arrays[view.key]
    if a.ndim != 4:
        raise ValueError(f"array {view.key!r} of view {view.title!r} must have shape "
                         f"(size, tiles, rows, cols), got {a.shape}")
    _, n, rows, cols = a.shape
    gap = 1
    xs, ys = [], []
    for t in range(n):
        for r in range(rows):
            for c in range(cols):
                xs.append(t * (cols + gap) + c + 0.5)
                ys.append(rows - r - 0.5)
    width_units = n * (cols + gap) - gap
    scale = min(WIDTH / width_units, 160 / rows)
    lim = float(np.max(np.abs(a))) or 1.0
    low, high = (-lim, lim) if view.symmetric else (float(a.min()), float(a.max()))
    mapper = LinearColorMapper(palette=_palette(view.symmetric), low=low, high=high)
    d = pre.grid.default_index
    src = ColumnDataSource({"x": xs, "y": ys, "v": a[d].ravel()})
    fig = figure(width=int(width_units * scale) + 10, height=int(rows * scale) + 30,
                 title=view.title, x_range=(0, width_units), y_range=(0, rows),
                 match_aspect=True, sizing_mode="scale_width",
                 max_width=int(width_units * scale) + 10)
    fig.rect("x", "y", 1, 1, source=src, fill_color={"field": "v", "transform": mapper},
             line_color=None)
    fig.axis.visible = False
    fig.grid.visible = False
    fig.outline_line_color = None
    bind(src, "v", view.key)
    return _style(fig)


def _heatmap(view: Heatmap, pre: Precomputed, bind, markers):
    from bokeh.models import ColorBar, ColumnDataSource, LinearColorMapper
    from bokeh.plotting import figure

    cx, cy = pre.grid[view.x], pre.grid[view.y]
    a = pre.arrays[view.key]
    if a.shape[1:] != (len(cy.values), len(cx.values)):
        raise ValueError(f"array {view.key!r} of view {view.title!r} must have shape "
                         f"(size, {len(cy.values)}, {len(cx.values)}), got {a.shape}")
    xs, ys = np.meshgrid(np.arange(len(cx.values)), np.arange(len(cy.values)))
    mapper = LinearColorMapper(palette=_palette(False), low=float(a.min()), high=float(a.max()))
    d = pre.grid.default_index
    src = ColumnDataSource({"x": xs.ravel(), "y": ys.ravel(), "v": a[d].ravel()})
    fig = figure(width=WIDTH, height=300, title=view.title, x_axis_label=cx.label,
                 y_axis_label=cy.label, x_range=(-0.5, len(cx.values) - 0.5),
                 y_range=(-0.5, len(cy.values) - 0.5), **_STRETCH)
    fig.rect("x", "y", 1, 1, source=src, fill_color={"field": "v", "transform": mapper},
             line_color=None)
    mark = ColumnDataSource({"x": [cx.index], "y": [cy.index]})
    fig.rect("x", "y", 1, 1, source=mark, fill_alpha=0, line_color="black", line_width=2)
    for ax, c in ((fig.xaxis, cx), (fig.yaxis, cy)):
        ax.ticker = list(range(len(c.values)))
        ax.major_label_overrides = {i: t for i, t in enumerate(c.texts)}
    fig.xaxis.major_label_orientation = 0.8
    fig.grid.visible = False
    fig.add_layout(ColorBar(color_mapper=mapper, width=8, title=view.value_label,
                            title_text_font_size="11px", major_label_text_font_size="11px"),
                   "right")
    bind(src, "v", view.key)
    markers.append([mark, pre.grid.names.index(view.x), pre.grid.names.index(view.y)])
    return _style(fig)


def _bars(view: Bars, pre: Precomputed, bind):
    from bokeh.models import ColumnDataSource
    from bokeh.plotting import figure

    labels = list(view.bars)
    vals = np.stack([pre.arrays[k] for k in view.bars.values()], axis=1)
    d = pre.grid.default_index
    src = ColumnDataSource({"x": labels, "top": vals[d],
                            "colour": [_COLOURS[i % len(_COLOURS)] for i in range(len(labels))]})
    lo = min(0.0, float(vals.min()))
    hi = max(0.0, float(vals.max()))
    fig = figure(width=WIDTH, height=220, title=view.title, x_range=labels,
                 y_axis_label=view.y_label, y_range=_range([lo, hi]), **_STRETCH)
    fig.vbar(x="x", top="top", width=0.6, source=src, color="colour")
    bind(src, "top", list(view.bars.values()))
    return _style(fig)


_CALLBACK = """
let i = 0;
for (let c = 0; c < sliders.length; c++) { i = i * shape[c] + sliders[c].value; }
for (const [src, cols] of bindings) {
  const data = Object.assign({}, src.data);
  for (const [col, keys, n, repeat] of cols) {
    const out = [];
    for (const key of keys) {
      const a = store[key];
      for (let k = i * n; k < (i + 1) * n; k++) { out.push(a[k]); }
    }
    if (repeat > 1) { out.length = repeat; out.fill(out[0]); }
    data[col] = out;
  }
  src.data = data;
}
for (const [src, cx, cy] of markers) {
  src.data = {x: [sliders[cx].value], y: [sliders[cy].value]};
}
readout.text = readouts[i];
"""


def _readout_html(pre: Precomputed, index: int) -> str:
    rows = "".join(f"<tr><td>{html.escape(label)}</td><td>{html.escape(text)}</td></tr>"
                   for label, text in pre.readout_text(index))
    return f'<table class="fep-readout">{rows}</table>'


def layout(pre: Precomputed):
    """The Bokeh layout of ``pre``: one slider per control (the label and the current value
    above it), the figures, and the readouts, all redrawn by one callback."""
    from bokeh.layouts import column
    from bokeh.models import CustomJS, CustomJSTickFormatter, Div, Slider

    if not isinstance(pre, Precomputed):
        raise TypeError(f"pre must be a Precomputed, got {type(pre).__name__}")
    used, bindings = {}, {}

    def bind(src, col, keys, repeat=1):
        keys = [keys] if isinstance(keys, str) else list(keys)
        n = int(np.prod(pre.arrays[keys[0]].shape[1:], dtype=int))
        for k in keys:
            used[k] = _flat(pre.arrays[k])
        bindings.setdefault(src, []).append([col, keys, n, repeat])

    markers, figs, wide = [], [], []
    for view in pre.views:
        if isinstance(view, Lines):
            figs.append(_lines(view, pre, bind))
        elif isinstance(view, Tiles):
            wide.append(_tiles(view, pre, bind))
        elif isinstance(view, Heatmap):
            figs.append(_heatmap(view, pre, bind, markers))
        else:
            figs.append(_bars(view, pre, bind))
    sliders = []
    for c in pre.grid.controls:
        # the slider runs over the grid's indices; its readout shows the value at the index
        shown = CustomJSTickFormatter(args=dict(texts=list(c.texts)), code="return texts[tick];")
        sliders.append(Slider(start=0, end=len(c.values) - 1, value=c.index, step=1,
                              title=c.label, format=shown, width=WIDTH - 20,
                              sizing_mode="stretch_width", max_width=WIDTH - 20,
                              name=f"control-{c.name}", css_classes=[f"fep-control-{c.name}"]))
    readouts = [_readout_html(pre, k) for k in range(pre.grid.size)]
    readout = Div(text=readouts[pre.grid.default_index], width=WIDTH, **_STRETCH,
                  css_classes=["fep-readout"], name="readout")
    callback = CustomJS(
        args=dict(sliders=sliders, shape=list(pre.grid.shape), store=used,
                  bindings=[[src, cols] for src, cols in bindings.items()], markers=markers,
                  readouts=readouts, readout=readout),
        code=_CALLBACK)
    for s in sliders:
        s.js_on_change("value", callback)
    return column(*sliders, *wide, *figs, readout, **_STRETCH)


def panel_html(pre: Precomputed) -> str:
    """The HTML fragment of ``pre``'s panel (Bokeh's standalone embedding) with the note on the
    grid above it; the page must load the BokehJS files of :func:`js_files`."""
    from bokeh.embed import components

    script, div = components(layout(pre))
    note = html.escape(pre.note or NOTE)
    size = " × ".join(str(len(c.values)) for c in pre.grid.controls)
    meta = json.dumps({"chapter": pre.grid.chapter, "points": pre.grid.size,
                       "digest": pre.digest()})
    names = json.dumps({c.name: c.label for c in pre.grid.controls}, ensure_ascii=False)
    return (f'<div class="fep-static-panel" data-chapter="{html.escape(pre.grid.chapter)}" '
            f'data-panel="{html.escape(meta)}" data-controls="{html.escape(names)}">'
            f'<p class="fep-static-note">{note} ({size} = {pre.grid.size} grid points.)</p>'
            f"{div}{script}</div>")
