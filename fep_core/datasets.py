"""Training data of the paper's simulations.

* :func:`bars` — Simulation 1: a vertical and a horizontal bar through the centre of a 5x5 grid
  (bar pixels 1, centre pixel 4, background 0), each z-scored.
* :func:`digits` — Simulations 2-4: scikit-learn's 8x8 handwritten digits (1797 images, shipped
  with scikit-learn, no download), pixel values squared, each image z-scored; the first 10
  images (digits 0..9 in order) are the training set, the remaining 1787 the test set.
"""
from __future__ import annotations

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


def bars(size: int = 5, centre: float = 4.0):
    """The two Simulation-1 patterns, z-scored: array (2, size*size), rows (vertical, horizontal)."""
    if size < 3 or size % 2 == 0:
        raise ValueError(f"size must be an odd integer >= 3, got {size}")
    mid = size // 2
    vertical = np.zeros((size, size))
    vertical[:, mid] = 1.0
    vertical[mid, mid] = centre
    horizontal = vertical.T.copy()
    return zscore(np.stack([vertical.ravel(), horizontal.ravel()]))


def cross(size: int = 5, centre: float = 4.0):
    """Both bars at once (the Simulation-1 generalisation probe), z-scored: array (size*size,)."""
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


@lru_cache(maxsize=1)
def digits(n_train: int = 10) -> Digits:
    """scikit-learn digits, squared and z-scored per image; first ``n_train`` images for training."""
    from sklearn.datasets import load_digits

    data = load_digits()
    x = zscore(np.asarray(data.data, dtype=float) ** 2)
    y = np.asarray(data.target)
    x.setflags(write=False)
    y.setflags(write=False)
    return Digits(x[:n_train], y[:n_train], x[n_train:], y[n_train:])
