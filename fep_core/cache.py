"""On-disk memoisation of expensive, deterministic results (e.g. the Simulation-2 grid).

Several chapters use the same paper-scale run; computing it once per build keeps the build fast
without ever serving a stale result: the key is the hash of *every* fep_core source file
(:data:`fep_core.SOURCE_HASH`) with the numpy and numba versions, the function's qualified name
and its arguments, and the
functions cached are pure functions of their arguments (all randomness comes from ``seed``).
Set ``FEP_CORE_RESULT_CACHE=0`` to always recompute.
"""
from __future__ import annotations

import hashlib
import os
import pathlib
import pickle

from . import SOURCE_HASH

_IGNORED = {"progress"}          # arguments that do not change the result


def cache_dir() -> pathlib.Path:
    """Results directory for this fep_core source and these numpy/numba versions."""
    import numba
    import numpy

    base = os.environ.get("FEP_CORE_CACHE_DIR", str(pathlib.Path.home() / ".cache" / "fep_core"))
    return pathlib.Path(base) / f"results-{SOURCE_HASH}-np{numpy.__version__}-nb{numba.__version__}"


def _key(func, kwargs) -> str:
    items = sorted((k, v) for k, v in kwargs.items() if k not in _IGNORED)
    payload = pickle.dumps((func.__module__, func.__qualname__, items), protocol=4)
    return f"{func.__qualname__}-{hashlib.sha256(payload).hexdigest()[:20]}"


def cached(func, /, **kwargs):
    """``func(**kwargs)``, computed once per fep_core version and argument set.

    Examples
    --------
    >>> from fep_core.experiments import simulation2
    >>> grid = cached(simulation2, seed=0, progress=True)   # doctest: +SKIP
    """
    if os.environ.get("FEP_CORE_RESULT_CACHE", "1") == "0":
        return func(**kwargs)
    path = cache_dir() / (_key(func, kwargs) + ".pkl")
    if path.exists():
        with open(path, "rb") as f:
            return pickle.load(f)
    result = func(**kwargs)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        pickle.dump(result, f, protocol=4)
    os.replace(tmp, path)          # atomic: a concurrent reader never sees a partial file
    return result
