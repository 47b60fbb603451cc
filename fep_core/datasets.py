"""Training data of the paper's simulations.

* :func:`bars` — Simulation 1: a vertical and a horizontal bar through the centre of a 5x5 grid
  (bar pixels 1, centre pixel 4, background 0), each z-scored.
* :func:`digits` — Simulations 2-4: scikit-learn's 8x8 handwritten digits (1797 images, shipped
  with scikit-learn, no download), pixel values squared, each image z-scored; the first 10
  images (digits 0..9 in order) are the training set, the remaining 1787 the test set.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ._validation import finite_array


def zscore(patterns):
    """Z-score each pattern (row) to zero mean and unit standard deviation.

    Parameters
    ----------
    patterns : array (P, n) or (n,)

    Raises
    ------
    ValueError
        If a pattern is constant (zero variance), which cannot be z-scored.
    """
    x = finite_array(patterns, "patterns")
    if x.ndim not in (1, 2):
        raise ValueError(f"patterns must be 1-D or 2-D, got shape {x.shape}")
    sd = x.std(axis=-1, keepdims=True)
    if np.any(sd == 0):
        raise ValueError("patterns contains a pattern with zero variance, which cannot be z-scored")
    return (x - x.mean(axis=-1, keepdims=True)) / sd


def _bar_image_arguments(size, centre):
    """Check ``size`` (an odd integer >= 3, so that a bar runs through a centre pixel) and
    ``centre`` (a finite real number) of :func:`bars` and :func:`cross`."""
    if isinstance(size, (bool, np.bool_)) or not isinstance(size, (numbers.Integral, np.integer)):
        raise TypeError(f"size must be an odd integer >= 3, got {type(size).__name__}")
    if size < 3 or size % 2 == 0:
        raise ValueError(f"size must be an odd integer >= 3, got {size}")
    if (isinstance(centre, (bool, np.bool_))
            or not isinstance(centre, (numbers.Real, np.floating, np.integer))):
        raise TypeError(f"centre must be a real number, got {type(centre).__name__}")
    if not np.isfinite(centre):
        raise ValueError(f"centre must be finite, got {centre}")
    return int(size)


def bars(size: int = 5, centre: float = 4.0):
    """The two Simulation-1 patterns, z-scored: array (2, size*size), rows (vertical, horizontal).

    ``size`` must be an odd integer >= 3 (the bars cross at the centre pixel) and ``centre``
    (the centre pixel's value; the other bar pixels are 1) a finite number.
    """
    size = _bar_image_arguments(size, centre)
    mid = size // 2
    vertical = np.zeros((size, size))
    vertical[:, mid] = 1.0
    vertical[mid, mid] = centre
    horizontal = vertical.T.copy()
    return zscore(np.stack([vertical.ravel(), horizontal.ravel()]))


def cross(size: int = 5, centre: float = 4.0):
    """Both bars at once (the Simulation-1 generalisation probe), z-scored: array (size*size,).

    ``size`` and ``centre`` as for :func:`bars`.
    """
    size = _bar_image_arguments(size, centre)
    mid = size // 2
    img = np.zeros((size, size))
    img[:, mid] = 1.0
    img[mid, :] = 1.0
    img[mid, mid] = centre
    return zscore(img.ravel())


@dataclass(frozen=True)
class Digits:
    """Preprocessed digits: ``train`` (10, 64), ``test`` (1787, 64) and their labels."""

    train: np.ndarray
    train_labels: np.ndarray
    test: np.ndarray
    test_labels: np.ndarray


N_DIGITS = 1797          # images in scikit-learn's digits data set


def digits(n_train: int = 10) -> Digits:
    """scikit-learn digits, squared and z-scored per image; first ``n_train`` images for training.

    ``n_train`` must be an integer from 1 to 1796, so that both the training and the test set
    hold at least one image. The arrays are read-only and shared between calls.
    """
    if (isinstance(n_train, (bool, np.bool_))
            or not isinstance(n_train, (numbers.Integral, np.integer))):
        raise TypeError(f"n_train must be an integer, got {type(n_train).__name__}")
    if not 1 <= n_train <= N_DIGITS - 1:
        raise ValueError(f"n_train must be an integer between 1 and {N_DIGITS - 1} (the data set "
                         f"has {N_DIGITS} images and the test set needs at least one), "
                         f"got {n_train}")
    return _digits(int(n_train))


@lru_cache(maxsize=8)
def _digits(n_train: int) -> Digits:
    x, y = _all_digits()
    return Digits(x[:n_train], y[:n_train], x[n_train:], y[n_train:])


@lru_cache(maxsize=1)
def _all_digits():
    from sklearn.datasets import load_digits

    data = load_digits()
    x = zscore(np.asarray(data.data, dtype=float) ** 2)
    y = np.asarray(data.target)
    if len(x) != N_DIGITS:                                   # pragma: no cover - a changed data set
        raise RuntimeError(f"scikit-learn's digits data set has {len(x)} images, "
                           f"expected {N_DIGITS}")
    x.setflags(write=False)
    y.setflags(write=False)
    return x, y
