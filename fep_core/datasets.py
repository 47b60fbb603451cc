"""Training data of the paper's simulations.

* :func:`bars` — Simulation 1: a vertical and a horizontal bar through the centre of a 5x5 grid
  (bar pixels 1, centre pixel 4, background 0), each z-scored.
* :func:`digits` — Simulations 2-4: scikit-learn's 8x8 handwritten digits (1797 images, shipped
  with scikit-learn, no download), pixel values squared, each image z-scored; the first 10
  images (digits 0..9 in order) are the training set, the remaining 1787 the test set.
* :func:`faces` — Simulation 6 (the revision), offline: the 100 faces and 100 non-face patches
  of scikit-image's subset of Labeled Faces in the Wild (25x25, shipped inside the
  scikit-image wheel), each image z-scored.
* :func:`olivetti_faces` — Simulation 6 at the paper's scale: scikit-learn's Olivetti faces
  (400 images of 40 people, 64x64), each image z-scored; needs a one-time download.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ._validation import choice, finite_array


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


# ---------------------------------------------------------------------------------------------
# Faces (Simulation 6 of the revision)

LFW_SIDE = 25            # pixels per side of scikit-image's LFW subset
N_LFW = 100              # faces in it, and as many non-face patches
FACE_KINDS = ("faces", "non-faces")
OLIVETTI_SIDE = 64
N_OLIVETTI = 400         # 40 people x 10 images, person-major
OLIVETTI_DOWNLOAD = "sklearn.datasets.fetch_olivetti_faces(data_home={data_home!r})"
"""The call that downloads the Olivetti faces once (to ``data_home``; None: scikit-learn's
default folder, ``~/scikit_learn_data`` or ``$SCIKIT_LEARN_DATA``)."""


def faces(kind: str = "faces"):
    """scikit-image's LFW subset, each image z-scored: array (100, 625), rows 25x25 images in
    row-major order, read-only and shared between calls.

    ``kind`` is ``"faces"`` (100 faces of Labeled Faces in the Wild, cropped and resized to
    25x25) or ``"non-faces"`` (100 patches cut from the same photographs' backgrounds). The data
    ship inside the scikit-image wheel (``skimage.data.lfw_subset``): nothing is downloaded.
    A few non-face patches are nearly uniform (pixel sd below 1% of the range); z-scored, they
    are their resampling noise magnified, as the per-image z-score of the paper makes them.
    """
    choice(kind, "kind", set(FACE_KINDS))
    return _lfw()[FACE_KINDS.index(kind)]


@lru_cache(maxsize=1)
def _lfw():
    from skimage.data import lfw_subset

    images = np.asarray(lfw_subset(), dtype=float)
    if images.shape != (2 * N_LFW, LFW_SIDE, LFW_SIDE):      # pragma: no cover - changed data
        raise RuntimeError(f"scikit-image's LFW subset has shape {images.shape}, expected "
                           f"{(2 * N_LFW, LFW_SIDE, LFW_SIDE)}")
    x = zscore(images.reshape(len(images), -1))
    out = (x[:N_LFW], x[N_LFW:])
    for part in out:
        part.setflags(write=False)
    return out


def olivetti_faces(data_home=None):
    """The Olivetti faces at the paper's scale, each image z-scored: array (400, 4096), rows
    64x64 images in row-major order (upright), person-major (rows 10k..10k+9 are person k).

    Read through scikit-learn's ``fetch_olivetti_faces`` from its local copy in ``data_home``
    (None: scikit-learn's default folder) without downloading anything.

    Raises
    ------
    FileNotFoundError
        If there is no local copy; the message gives the call that downloads it once
        (:data:`OLIVETTI_DOWNLOAD`).
    TypeError
        If ``data_home`` is not None, a string or a path.
    """
    import os

    from sklearn.datasets import fetch_olivetti_faces

    if data_home is not None and not isinstance(data_home, (str, os.PathLike)):
        raise TypeError(f"data_home must be None, a string or a path, "
                        f"got {type(data_home).__name__}")
    try:
        bunch = fetch_olivetti_faces(data_home=data_home, download_if_missing=False)
    except OSError as exc:
        call = OLIVETTI_DOWNLOAD.format(data_home=None if data_home is None
                                        else os.fspath(data_home))
        where = "scikit-learn's data folder" if data_home is None else f"{os.fspath(data_home)!r}"
        raise FileNotFoundError(f"the Olivetti faces are not in {where} ({exc}); download them "
                                f"once (needs the internet) with {call}") from exc
    x = np.asarray(bunch.data, dtype=float)
    if x.shape != (N_OLIVETTI, OLIVETTI_SIDE ** 2):
        raise ValueError(f"the Olivetti faces in data_home have shape {x.shape}, expected "
                         f"{(N_OLIVETTI, OLIVETTI_SIDE ** 2)}")
    return zscore(x)


def sparse_ternary_patterns(n_patterns, n_nodes, density, rng=None):
    """Sparse ternary patterns (Simulation 5a of the revision): entries -1, 0 or +1.

    Each pattern has ``round(density * n_nodes)`` non-zero entries (halves rounded up) at
    positions drawn uniformly without replacement, each +1 or -1 with probability 1/2.

    Parameters
    ----------
    n_patterns, n_nodes : int >= 1
    density : float in [0, 1] — fraction of non-zero entries
    rng : int seed, numpy.random.Generator or None

    Returns
    -------
    ndarray (n_patterns, n_nodes) of float, values in {-1.0, 0.0, 1.0}.
    """
    from ._validation import as_generator, count, positive

    n_patterns = count(n_patterns, "n_patterns")
    n_nodes = count(n_nodes, "n_nodes")
    density = positive(density, "density", allow_zero=True)
    if density > 1:
        raise ValueError(f"density must lie in [0, 1], got {density}")
    gen = as_generator(rng)
    k = int(density * n_nodes + 0.5)
    out = np.zeros((n_patterns, n_nodes))
    for p in range(n_patterns):
        where = gen.choice(n_nodes, size=k, replace=False)
        out[p, where] = 2.0 * gen.integers(0, 2, size=k) - 1.0
    return out
