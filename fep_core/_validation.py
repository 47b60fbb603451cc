"""Argument checks shared by every module: one clear error that names the argument."""
from __future__ import annotations

import numbers

import numpy as np


def as_generator(rng) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from ``rng`` (an int seed, a Generator or None).

    ``None`` draws fresh entropy; pass a seed for reproducible numbers.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (numbers.Integral, np.random.SeedSequence)):
        if isinstance(rng, numbers.Integral) and rng < 0:
            raise ValueError(f"rng must be a non-negative integer seed, got {rng}")
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be an int seed, a numpy.random.Generator or None, "
                    f"got {type(rng).__name__}")


def generators(rng, B) -> list:
    """One Generator per network: ``rng`` a seed/Generator (spawned) or a sequence of B of them."""
    if isinstance(rng, (list, tuple)):
        if len(rng) != B:
            raise ValueError(f"rng must have one entry per network ({B}), got {len(rng)}")
        return [as_generator(r) for r in rng]
    if B == 1:
        return [as_generator(rng)]
    return list(as_generator(rng).spawn(B))


def finite_array(value, name: str, *, ndim=None, shape=None, dtype=float) -> np.ndarray:
    """Convert ``value`` to an array and check that it is finite (and of the right shape)."""
    try:
        arr = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be numeric, got {type(value).__name__}") from exc
    if ndim is not None and arr.ndim not in np.atleast_1d(ndim):
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {arr.shape}")
    if shape is not None:
        if arr.ndim != len(shape) or any(s is not None and s != a
                                         for s, a in zip(shape, arr.shape)):
            want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} must have shape {want}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def positive(value, name: str, *, allow_zero: bool = False) -> float:
    """Check a finite positive (or non-negative) scalar."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if value < 0 or (value == 0 and not allow_zero):
        bound = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{name} must be {bound}, got {value}")
    return value


def positive_array(value, name: str, *, allow_zero: bool = False) -> np.ndarray:
    """Check an array (or scalar) of finite positive (or non-negative) values."""
    arr = finite_array(value, name)
    bad = arr < 0 if allow_zero else arr <= 0
    if np.any(bad):
        bound = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{name} must be {bound}, got minimum {arr.min()}")
    return arr


def count(value, name: str, *, minimum: int = 1) -> int:
    """Check an integer count >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value


def flag(value, name: str) -> bool:
    """Check a boolean flag: ``True``/``False`` (or a NumPy bool); anything else is a TypeError
    naming the argument (a truthy 1, "yes" or array is refused rather than guessed at)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}")
    return bool(value)


def choice(value, name: str, options):
    """Check that ``value`` is one of ``options`` (hashable scalars such as strings, or None).

    Only a hashable scalar equal to an option is accepted; anything else -- a list, an array, a
    value of another type -- raises ``TypeError`` (wrong type) or ``ValueError`` (unknown option)
    naming the argument. The option itself is returned.
    """
    names = ", ".join(sorted(repr(o) for o in options))
    kinds = tuple({type(o) for o in options})
    if value is None:
        if None in options:
            return None
        raise TypeError(f"{name} must be one of {names}, got None")
    if not isinstance(value, kinds) or (isinstance(value, (bool, np.bool_)) and bool not in kinds):
        raise TypeError(f"{name} must be one of {names}, got {type(value).__name__}")
    for option in options:
        if option is not None and isinstance(value, type(option)) and option == value:
            return option
    raise ValueError(f"{name} must be one of {names}, got {value!r}")


def paired_vectors(a: np.ndarray, b: np.ndarray, names=("a", "b")) -> None:
    """Check two arrays of vectors (..., n) for an elementwise pairing: the same ``n`` and
    leading (batch) axes that broadcast together; errors name both arguments."""
    name_a, name_b = names
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"{name_a} and {name_b} must have the same length along the last axis, "
                         f"got shapes {a.shape} and {b.shape}")
    try:
        np.broadcast_shapes(a.shape[:-1], b.shape[:-1])
    except ValueError:
        raise ValueError(f"the leading (batch) axes of {name_a} and {name_b} must broadcast "
                         f"together, got shapes {a.shape} and {b.shape}") from None


def coupling_matrix(value, name: str) -> np.ndarray:
    """A finite square coupling matrix (n, n), n >= 1, with a zero diagonal (no
    self-connections)."""
    J = finite_array(value, name, ndim=2)
    if J.shape[0] != J.shape[1] or J.shape[0] < 1:
        raise ValueError(f"{name} must be a square matrix (n, n) with n >= 1, got shape {J.shape}")
    if np.any(np.diagonal(J) != 0):
        raise ValueError(f"{name} must have a zero diagonal (no self-connections)")
    return J


def node_vector(value, name: str, n: int) -> np.ndarray:
    """A finite vector with one entry per node: shape ``(n,)``."""
    v = finite_array(value, name)
    if v.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), one entry per node of the coupling "
                         f"matrix, got {v.shape}")
    return v


def paired_cases(values, names) -> list:
    """Finite arrays of cases that are compared elementwise: ``values`` and ``names`` are
    sequences of equal length; the arrays must broadcast together (errors name them all)."""
    arrays = [finite_array(v, name) for v, name in zip(values, names)]
    try:
        np.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError:
        shapes = ", ".join(f"{n} {a.shape}" for n, a in zip(names, arrays))
        raise ValueError(f"{' and '.join(names)} must have the same shape (one entry per case), "
                         f"got {shapes}") from None
    return arrays


def state_vector(value, name: str, n: int) -> np.ndarray:
    """One network state: shape ``(n,)``, entries in [-1, 1]."""
    x = node_vector(value, name, n)
    if np.any(np.abs(x) > 1):
        raise ValueError(f"{name} must lie in [-1, 1]")
    return x
