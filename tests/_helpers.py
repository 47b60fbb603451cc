"""Helpers shared by the tests (imported as ``from _helpers import ...``): figure checks and
the random inputs of the engine-versus-reference comparisons.

tests/ has no ``__init__.py``: pytest puts tests/ on ``sys.path`` (its default "prepend" import
mode), so this module is imported as a top-level module, as ``_browser_support`` is. The
matplotlib backend is set once for the whole session in tests/conftest.py, and the fixture that
closes figures after a test (``close_figures``) is defined there too.
"""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure


def plot_axes(fig):
    """The axes of ``fig`` that are not colour bars."""
    return [a for a in fig.get_axes() if not hasattr(a, "_colorbar")]


def assert_labelled(fig, *, shared_x=False, colorbars=False):
    """``fig`` is a Figure whose every plot axes (colour bars aside) has an x and a y label.

    ``shared_x``: an x label on any axes sharing the x axis counts (a stacked panel labels its
    bottom axes only). ``colorbars``: every colour bar must carry a label too.
    """
    assert isinstance(fig, Figure), f"expected a matplotlib Figure, got {type(fig).__name__}"
    axes = plot_axes(fig)
    assert axes, "figure has no axes"
    for a in axes:
        siblings = a.get_shared_x_axes().get_siblings(a) if shared_x else [a]
        assert any(b.get_xlabel().strip() for b in siblings), \
            f"axes {a.get_title()!r} has no x label"
        assert a.get_ylabel().strip(), f"axes {a.get_title()!r} has no y label"
    if colorbars:
        for a in fig.get_axes():
            if hasattr(a, "_colorbar"):
                bar = a._colorbar.ax
                assert bar.get_ylabel().strip() or bar.get_xlabel().strip(), \
                    f"colour bar of {a.get_title()!r} has no label"


def pixels(fig):
    """The rendered RGBA pixels of ``fig`` (drawn now), as an array of its own."""
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba()).copy()


def random_coupling(n, scale, seed):
    """Asymmetric Gaussian couplings N(0, scale^2), (n, n), with a zero diagonal."""
    J = np.random.default_rng(seed).normal(0.0, scale, (n, n))
    np.fill_diagonal(J, 0.0)
    return J


def patterns_for(P, n, seed):
    """Z-scored random patterns (P, n), as the reference code's inputs."""
    p = np.random.default_rng(seed).normal(size=(P, n))
    return (p - p.mean(1, keepdims=True)) / p.std(1, keepdims=True)


# One batch of three networks with different seeds, precisions, learning rates and evidence,
# shared by the engine's batch tests and the reference comparisons.
BATCH_SEEDS = [3, 14, 159]
BATCH_IT = np.array([0.05, 1.0, 7.0])
BATCH_ALPHA = np.array([0.0, 0.01, 0.03])
BATCH_EVIDENCE = np.array([0.5, 2.0, 5.0])
