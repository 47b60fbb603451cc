"""Figures of the chapter "Simulation 6: faces".

Every ``plot_*`` takes results of :mod:`fep_core.faces` (a
:class:`~fep_core.faces.SweepResult`, a :class:`~fep_core.faces.ReconstructionGrid`, a
:class:`~fep_core.faces.NonfaceControl`, or plain arrays of faces) and ``ax=None`` (or the axes
to draw into) and returns the Figure, one text column wide or narrower
(:mod:`fep_core.plotting.layout`). Faces are drawn as square images on a grey scale symmetric
about 0 (z-scored faces and network states alike), white the brighter pixels.
:func:`plot_explore` draws the figure of the chapter's interactive callback
(:func:`fep_core.explore.simulation6`).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import metrics
from . import angle_rows, axes_array as _axes_array, boxplot, new_axes
from .layout import column_figsize, figure_function

FACE_CMAP = "gray"
SETS_COLOURS = {"faces": "C0", "non-faces": "C1"}
PRECISION_LABEL = "precision $i_T$"


def face_image(ax, vector, *, title=None, vmax=None):
    """Show a face (a square image's pixels, row-major) on :data:`FACE_CMAP`, symmetric about 0
    (``vmax``: the largest magnitude by default, at least 1e-12), without ticks."""
    v = np.asarray(vector, float)
    side = int(round(np.sqrt(v.size)))
    if side * side != v.size:
        raise ValueError(f"vector must have a square number of entries, got {v.size}")
    lim = vmax if vmax is not None else max(float(np.abs(v).max()), 1e-12)
    ax.imshow(v.reshape(side, side), cmap=FACE_CMAP, vmin=-lim, vmax=lim,
              interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title, fontsize="small")


def _faces_row(axes, vectors, *, vmax=None, label=None, titles=None):
    """Draw ``vectors`` into a row of axes (blank axes after the last); ``label`` on the left."""
    for j, a in enumerate(axes):
        if j < len(vectors):
            face_image(a, vectors[j], vmax=vmax, title=None if titles is None else titles[j])
        else:
            a.axis("off")
    if label is not None:
        axes[0].set_ylabel(label)


def _signed(value):
    return f"{value:+.2f}".replace("-", "−")


# ---------------------------------------------------------------------------------------------
# Data


@figure_function
def plot_data(rows, ax=None, *, n=8):
    """The first ``n`` images of each set, one row per set: ``rows`` maps a label (e.g.
    "training faces") to an array (P, side*side). ``ax``: None or ``len(rows) x n`` axes."""
    if not isinstance(rows, dict) or not rows:
        raise TypeError("rows must be a non-empty dict label -> array of images")
    fig, axes = _axes_array(ax, (len(rows), n), figsize=column_figsize(0.95 * len(rows)))
    for r, (label, images) in enumerate(rows.items()):
        _faces_row(axes[r], np.asarray(images)[:n], label=label.replace(" ", "\n", 1))
    return fig


# ---------------------------------------------------------------------------------------------
# The sweep


SWEEP_PANELS = {"retrieval": ("retrieval (median score)", "viridis", ".2f"),
                "generalization": ("one-shot generalisation (median score)", "viridis", ".2f"),
                "n_attractors": ("number of attractors", "cividis", "d")}


@figure_function
def plot_sweep(result, ax=None):
    """The sweep: one row per measure (retrieval, generalisation, number of attractors), one
    column per evidence level; each map over precision (x) and learning rate (y), every cell
    annotated, the balanced point framed in red. ``ax``: None or 3 x E axes."""
    import seaborn as sns

    table = result.table
    evidences = np.sort(table["evidence"].unique())
    fig, axes = _axes_array(ax, (len(SWEEP_PANELS), len(evidences)),
                            figsize=column_figsize(2.05 * len(SWEEP_PANELS)))
    chosen = table.iloc[result.chosen]
    for r, (col, (title, cmap, fmt)) in enumerate(SWEEP_PANELS.items()):
        lo, hi = float(table[col].min()), float(table[col].max())
        for c, e in enumerate(evidences):
            a = axes[r, c]
            wide = (table[table["evidence"] == e]
                    .pivot(index="learning_rate", columns="inverse_temperature", values=col)
                    .sort_index(ascending=False))
            sns.heatmap(wide, ax=a, cmap=cmap, vmin=lo, vmax=hi, annot=True, fmt=fmt,
                        cbar=False, annot_kws={"fontsize": "small"}, linewidths=0.5,
                        linecolor="white")
            a.set_xticklabels([f"{v:g}" for v in wide.columns], rotation=0)
            a.set_yticklabels([f"{v:g}" for v in wide.index], rotation=0)
            a.set_xlabel(PRECISION_LABEL if r == len(SWEEP_PANELS) - 1 else "")
            a.set_ylabel("learning rate α" if c == 0 else "")
            a.set_title(f"{title}\nevidence {e:g}" if c == 0 else f"evidence {e:g}")
            if chosen["evidence"] == e:
                i = list(wide.index).index(chosen["learning_rate"])
                j = list(wide.columns).index(chosen["inverse_temperature"])
                a.add_patch(plt.Rectangle((j, i), 1, 1, fill=False, edgecolor="red", lw=2.2))
    return fig


# ---------------------------------------------------------------------------------------------
# Attractors


@figure_function
def plot_attractors(faces, fixed_points, attractors, ax=None, *, n=8):
    """Training faces (top row) beside the fixed point each relaxes to (middle row, with its
    correlation r with the face) and the network's distinct attractors (bottom row, their number
    in the label). States are drawn on [−1, 1]. ``ax``: None or 3 x ``n`` axes."""
    fig, axes = _axes_array(ax, (3, n), figsize=column_figsize(3.35))
    f = np.asarray(faces)[:n]
    fp = np.asarray(fixed_points)[:n]
    r = metrics.correlation(fp, f)
    _faces_row(axes[0], f, label="training\nface")
    _faces_row(axes[1], fp, vmax=1.0, label="its fixed\npoint",
               titles=[f"r = {v:.2f}" for v in np.atleast_1d(r)])
    att = np.asarray(attractors)
    _faces_row(axes[2], att[:n], vmax=1.0, label=f"distinct\nattractors ({len(att)})")
    return fig


@figure_function
def plot_angles(sets, ax=None):
    """Pairwise angles (distinct pairs) of each set of vectors (``sets``: label -> array (m, n)):
    one row of points per set over a box plot, the red line at 90° (orthogonal); each label
    gives the number of pairs and the mean ``|90 − angle|``. ``ax``: None or one axes."""

    fig, ax = new_axes(ax, figsize=column_figsize(0.6 + 0.7 * len(sets)))
    frames, labels = [], []
    for name, vectors in sets.items():
        vec = np.asarray(vectors)
        ang = metrics.pairwise_angles(vec) if len(vec) > 1 else np.array([])
        frames.append(pd.DataFrame({"set": name, "angle": ang}))
        labels.append(f"{name}\n{ang.size} pairs, {metrics.orthogonality(vec):.1f}°"
                      if ang.size else f"{name}\nno pairs")
    data = pd.concat(frames, ignore_index=True)
    order = list(sets)
    angle_rows(ax, data, order, labels, {name: f"C{k}" for k, name in enumerate(order)},
               size=2.5, jitter=0.25, alpha=0.5)
    return fig


# ---------------------------------------------------------------------------------------------
# Retrieval and generalisation


@figure_function
def plot_scores(retrieval, generalization, ax=None):
    """Per-trial scores of retrieval (noisy training faces) and one-shot generalisation (noisy
    held-out faces): one point per trial over a box plot (middle line: the median), the zero
    line marking no gain. ``ax``: None or one axes."""
    import seaborn as sns

    fig, ax = new_axes(ax, figsize=column_figsize(3.0, width=0.7))
    data = pd.concat([pd.DataFrame({"test": "retrieval\n(training faces)",
                                    "score": np.asarray(retrieval, float)}),
                      pd.DataFrame({"test": "generalisation\n(held-out faces)",
                                    "score": np.asarray(generalization, float)})],
                     ignore_index=True)
    order = list(data["test"].unique())
    boxplot(data=data, x="test", y="score", order=order, ax=ax, color="white", width=0.55,
            fliersize=0, linewidth=1.0, whis=(0, 100))
    sns.stripplot(data=data, x="test", y="score", order=order, hue="test",
                  palette=dict(zip(order, ("C0", "C2"))), legend=False, ax=ax, size=3.5,
                  jitter=0.2, alpha=0.7)
    ax.axhline(0, color="k", lw=0.6, zorder=0)
    ax.set_xlabel("")
    ax.set_ylabel(r"score $r^2$(output) − $r^2$(noisy input)")
    return fig


# ---------------------------------------------------------------------------------------------
# The reconstruction grid


@figure_function
def plot_reconstruction_grid(grid, ax=None, *, face=0):
    """The paper's grid for one face: the clean and the noisy face (left column), then its
    reconstruction at every signal strength (rows) x prior precision iT (columns), each titled
    with its gain ``r²(output, face) − r²(noisy, face)``. ``ax``: None or S x (P + 1) axes."""
    S, P = len(grid.signal_strengths), len(grid.prior_precisions)
    fig, axes = _axes_array(ax, (S, P + 1), figsize=column_figsize(1.08 * S + 0.45))
    _faces_row(axes[:2, 0], [grid.clean[face], grid.noisy[face]])
    axes[0, 0].set_title("face", fontsize="small")
    axes[1, 0].set_title("noisy input", fontsize="small")
    for a in axes[2:, 0]:
        a.axis("off")
    lim = float(np.abs(grid.reconstructions[:, :, face]).max()) or 1.0
    for i, s in enumerate(grid.signal_strengths):
        for j, p in enumerate(grid.prior_precisions):
            a = axes[i, j + 1]
            face_image(a, grid.reconstructions[i, j, face], vmax=lim,
                       title=f"gain {_signed(grid.gains[i, j, face])}")
            if j == 0:
                a.set_ylabel(f"signal {s:g}")
            if i == S - 1:
                a.set_xlabel(f"$i_T$ {p:g}")
    return fig


@figure_function
def plot_gain_map(grid, ax=None):
    """Over signal strength (rows) x prior precision iT (columns): the median gain over the
    grid's faces (left) and the fraction of faces that gain (right), every cell annotated.
    ``ax``: None or 2 axes."""
    import seaborn as sns

    fig, axes = _axes_array(ax, (1, 2), figsize=column_figsize(2.7))
    maps = {"median gain": (np.median(grid.gains, axis=-1), "RdBu_r", ".2f"),
            "fraction of faces that gain": (np.mean(grid.gains > 0, axis=-1), "viridis", ".2f")}
    for a, (title, (values, cmap, fmt)) in zip(axes.ravel(), maps.items()):
        frame = pd.DataFrame(values, index=[f"{s:g}" for s in grid.signal_strengths],
                             columns=[f"{p:g}" for p in grid.prior_precisions])
        # a diverging map centred on 0 by symmetric limits (seaborn's center= warns under
        # matplotlib 3.11)
        lim = max(float(np.abs(values).max()), 1e-12)
        kw = dict(vmin=0.0, vmax=1.0) if title.startswith("fraction") else dict(vmin=-lim,
                                                                                 vmax=lim)
        sns.heatmap(frame, ax=a, cmap=cmap, annot=True, fmt=fmt, cbar=False,
                    annot_kws={"fontsize": "small"}, linewidths=0.5, linecolor="white", **kw)
        a.set_xlabel("prior precision $i_T$")
        a.set_ylabel("signal strength")
        a.set_yticklabels(a.get_yticklabels(), rotation=0)
        a.set_title(title)
    return fig


# ---------------------------------------------------------------------------------------------
# The non-face control


@figure_function
def plot_nonface_control(control, ax=None):
    """Overlap (``max |r|``) with the nearest face attractor of each probe, held-out faces against
    non-face patches: of the state each relaxes to without input (top) and of the network's
    output with the probe as input (bottom); one point per probe over a box plot, each title
    giving the one-sided Mann-Whitney p-value. ``ax``: None or 2 axes."""
    import seaborn as sns

    fig, axes = _axes_array(ax, (2, 1), figsize=column_figsize(4.2, width=0.85), sharex=True)
    order = ["held-out faces", "non-faces"]
    palette = dict(zip(order, (SETS_COLOURS["faces"], SETS_COLOURS["non-faces"])))
    panels = (("relaxed, no input", control.faces, control.nonfaces, control.p_value),
              ("driven, the probe as input", control.faces_driven, control.nonfaces_driven,
               control.p_value_driven))
    for a, (title, f, m, p) in zip(axes[:, 0], panels):
        data = pd.concat([pd.DataFrame({"probe": order[0], "overlap": f}),
                          pd.DataFrame({"probe": order[1], "overlap": m})], ignore_index=True)
        boxplot(data=data, x="overlap", y="probe", order=order, ax=a, color="white", width=0.6,
                fliersize=0, linewidth=1.0, whis=(0, 100))
        sns.stripplot(data=data, x="overlap", y="probe", order=order, hue="probe",
                      palette=palette, legend=False, ax=a, size=3.5, jitter=0.22, alpha=0.7)
        a.set_xlim(-0.02, 1.02)
        a.set_ylabel("")
        a.set_title(f"{title}: one-sided Mann–Whitney p = {p:.2g}")
        a.set_xlabel("overlap with the nearest face attractor, max |r|")
    return fig


@figure_function
def plot_nonface_examples(nonfaces, control, ax=None, *, n=8):
    """The first ``n`` non-face patches (top), the network's output with each as input (middle)
    and the state each relaxes to without input (bottom), the outputs and states titled with
    their overlap with the nearest face attractor. ``ax``: None or 3 x ``n`` axes."""
    fig, axes = _axes_array(ax, (3, n), figsize=column_figsize(3.5))
    _faces_row(axes[0], np.asarray(nonfaces)[:n], label="non-face")
    _faces_row(axes[1], control.nonface_outputs[:n], label="output",
               titles=[f"{v:.2f}" for v in control.nonfaces_driven[:n]])
    _faces_row(axes[2], control.nonface_states[:n], vmax=1.0, label="relaxed\nstate",
               titles=[f"{v:.2f}" for v in control.nonfaces[:n]])
    return fig


# ---------------------------------------------------------------------------------------------
# The interactive callback


@figure_function
def plot_explore(face, noisy, reconstruction, attractor, gains, *, signal_strengths,
                 prior_precisions, signal_strength, prior_precision, inverse_temperature,
                 learning_rate, gain, ax=None):
    """The live panel: the example face, its noisy version, the reconstruction at the chosen
    signal strength and prior precision (with its gain) and the attractor the face relaxes to
    (top); the gain over the paper's grid for this network, the chosen pair framed (bottom).
    ``gains`` (S, P). ``ax``: None or 5 axes (4 images, then the map)."""
    import seaborn as sns

    if ax is None:
        fig = plt.figure(figsize=column_figsize(5.2), layout="constrained")
        top, bottom = fig.subfigures(2, 1, height_ratios=[1.0, 1.35])
        images = top.subplots(1, 4)
        maps = bottom.subplots(1, 1)
        fig.suptitle(f"trained at precision $i_T$ {inverse_temperature:.3g}, learning rate "
                     f"α {learning_rate:.3g}")
    else:
        axes = list(np.ravel(ax))
        if len(axes) != 5:
            raise ValueError(f"ax must hold 5 axes, got {len(axes)}")
        fig, images, maps = axes[0].figure, axes[:4], axes[4]
    face_image(images[0], face, title="face")
    face_image(images[1], noisy, title="noisy input")
    face_image(images[2], reconstruction, title=f"output, gain {_signed(gain)}")
    face_image(images[3], attractor, vmax=1.0, title="its attractor")
    frame = pd.DataFrame(np.asarray(gains), index=[f"{s:g}" for s in signal_strengths],
                         columns=[f"{p:g}" for p in prior_precisions])
    lim = max(float(np.abs(frame.to_numpy()).max()), 1e-12)
    sns.heatmap(frame, ax=maps, cmap="RdBu_r", vmin=-lim, vmax=lim, annot=True, fmt=".2f",
                annot_kws={"fontsize": "small"}, linewidths=0.5, linecolor="white",
                cbar_kws={"label": "gain"})
    i = int(np.argmin(np.abs(np.asarray(signal_strengths) - signal_strength)))
    j = int(np.argmin(np.abs(np.asarray(prior_precisions) - prior_precision)))
    maps.add_patch(plt.Rectangle((j, i), 1, 1, fill=False, edgecolor="k", lw=2.2))
    maps.set_xlabel("prior precision $i_T$")
    maps.set_ylabel("signal strength")
    maps.set_yticklabels(maps.get_yticklabels(), rotation=0)
    maps.set_title("gain over the paper's grid (this network)")
    return fig
