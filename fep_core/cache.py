"""On-disk memoisation of expensive, deterministic results (e.g. the Simulation-2 grid).

Several chapters use the same paper-scale run; computing it once per build keeps the build fast
without ever serving a stale result: the key is the function's qualified name and arguments with
a digest of the sources that computed it (the function's module and every fep_core module it
imports, :func:`fep_core._sources.digest`; for a function outside fep_core, its own file), and
the directory names the numpy and numba versions. Editing a figure therefore keeps the cached
grid, while editing the engine recomputes it. The functions cached are pure functions of their
arguments (all randomness comes from ``seed``). Set ``FEP_CORE_RESULT_CACHE=0`` to always
recompute.

The cache is an optimisation only, so it never costs a result: a damaged entry (truncated,
garbage, or failing its checksum) is recomputed and rewritten, and an unusable directory or an
unpicklable result degrades to no caching. Each such event raises one :class:`CacheWarning`
that names the file or directory concerned; exceptions raised by the cached function itself
propagate unchanged.

Each entry is a small header followed by the pickled result::

    magic (8 bytes) | format version (uint16, big-endian) | SHA-256 of the payload | payload
"""
from __future__ import annotations

import contextlib
import hashlib
import inspect
import os
import pathlib
import pickle
import struct
import tempfile
import warnings

from . import _sources
from ._compile_cache import cache_root

__all__ = ["CacheWarning", "cache_dir", "cached", "source_digest"]

_IGNORED = {"progress"}          # arguments that do not change the result
_PROTOCOL = 4
# A file that is not in this format (say, written by an older version under the same name) lacks
# the magic: it is a damaged entry, recomputed once with one warning.
_MAGIC = b"FEPCACHE"
_VERSION = 1
_HEADER = struct.Struct(">8sH32s")


class CacheWarning(RuntimeWarning):
    """The result cache could not read or write an entry; the result was (re)computed."""


def cache_dir() -> pathlib.Path:
    """Results directory for these numpy and numba versions.

    Returns
    -------
    pathlib.Path
        ``$FEP_CORE_CACHE_DIR/results-np<numpy>-nb<numba>``, with ``FEP_CORE_CACHE_DIR``
        defaulting to ``~/.cache/fep_core``. It need not exist yet.
    """
    import numba
    import numpy

    return cache_root() / f"results-np{numpy.__version__}-nb{numba.__version__}"


def source_digest(func) -> str:
    """Digest of the sources ``func``'s result depends on: its fep_core module and everything
    that module imports from fep_core; for a function defined elsewhere, its own source file
    (empty if it has none)."""
    module = getattr(func, "__module__", "")
    if _sources.module_file(module) is not None:
        return _sources.digest(module)
    try:
        path = inspect.getsourcefile(func)
        return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()[:16] if path else ""
    except (TypeError, OSError):
        return ""


def _check_func(func) -> None:
    """``func`` must be a named callable: its module and qualified name are part of the key."""
    if not callable(func):
        raise TypeError(f"func must be callable, got {type(func).__name__}")
    if not (isinstance(getattr(func, "__module__", None), str)
            and isinstance(getattr(func, "__qualname__", None), str)):
        raise TypeError(f"func must be a named function (with __module__ and __qualname__, which "
                        f"form part of the cache key), got {type(func).__name__}")


def _key(func, kwargs) -> str:
    items = sorted((k, v) for k, v in kwargs.items() if k not in _IGNORED)
    try:
        payload = pickle.dumps((func.__module__, func.__qualname__, source_digest(func), items),
                               protocol=4)
    except Exception:   # PicklingError, TypeError, AttributeError, ...: name the argument
        for k, v in items:
            try:
                pickle.dumps(v, protocol=4)
            except Exception as exc:
                raise TypeError(f"argument {k} of cached must be picklable (the arguments form "
                                f"the cache key): {exc!r}") from None
        raise
    return f"{func.__qualname__}-{hashlib.sha256(payload).hexdigest()[:20]}"


def _warn(message: str) -> None:
    # stacklevel 4: _warn <- _load/_store <- cached <- the caller of cached
    warnings.warn(message, CacheWarning, stacklevel=4)


class _Miss(Exception):
    """No usable entry: compute the result (and try to store it)."""


def _load(path: pathlib.Path):
    """The result stored at ``path``; raises `_Miss` if there is none or it is damaged."""
    try:
        # No exists() check first: a concurrent writer may replace or remove the file between
        # the check and the open, so the open itself is the test.
        with open(path, "rb") as f:
            data = f.read()
    except (FileNotFoundError, NotADirectoryError):
        # NotADirectoryError: the cache "directory" is a file; _store reports that once.
        raise _Miss from None
    except OSError as exc:
        _warn(f"cannot read result cache file {path} ({exc}); recomputing")
        raise _Miss from None
    if len(data) < _HEADER.size:
        problem = "truncated"
    else:
        magic, version, digest = _HEADER.unpack_from(data)
        payload = memoryview(data)[_HEADER.size:]
        if magic != _MAGIC:
            problem = "not a fep_core result cache file"
        elif version != _VERSION:
            problem = f"format version {version}, expected {_VERSION}"
        elif hashlib.sha256(payload).digest() != digest:
            problem = "checksum mismatch"
        else:
            try:
                return pickle.loads(payload)
            except Exception as exc:   # checksum passed, yet e.g. a pickled class has gone
                problem = f"cannot unpickle: {exc!r}"
    _warn(f"damaged result cache file {path} ({problem}); recomputing and rewriting it")
    raise _Miss


def _store(path: pathlib.Path, result, qualname: str) -> None:
    """Write ``result`` to ``path`` atomically; on failure warn once and leave no files."""
    try:
        payload = pickle.dumps(result, protocol=_PROTOCOL)
    except Exception as exc:   # PicklingError, TypeError, AttributeError, RecursionError, ...
        _warn(f"result of {qualname} cannot be pickled ({exc!r}); it is not cached in "
              f"{path.parent}")
        return
    header = _HEADER.pack(_MAGIC, _VERSION, hashlib.sha256(payload).digest())
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # A unique temporary name per write, so concurrent writers (threads or processes)
        # never share or remove each other's partial files.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(header)
            f.write(payload)
        # Atomic: a concurrent reader sees the old entry or the new one, never a partial file.
        # No fsync: a file torn by a crash fails its checksum and is recomputed.
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:     # not a directory, read-only, disk full, ...
        _warn(f"result cache directory {path.parent} is unusable ({exc}); results are not "
              f"cached")
    finally:
        if tmp is not None:    # the write failed (or was interrupted): remove its partial file
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def cached(func, /, **kwargs):
    """``func(**kwargs)``, computed once per version of its sources and argument set.

    Parameters
    ----------
    func : callable
        A pure, named function (with ``__module__`` and ``__qualname__``, part of the key) of
        its keyword arguments whose result can be pickled; anything else is a ``TypeError``.
        Arguments named in ``_IGNORED`` (``progress``) are left out of the key.
    **kwargs
        Passed to ``func``; they must be picklable, since they form part of the key (a
        ``TypeError`` naming the argument otherwise).

    Returns
    -------
    object
        The stored result if a valid entry exists, otherwise ``func(**kwargs)``, which is then
        stored. Any exception raised by ``func`` propagates unchanged.

    Warns
    -----
    CacheWarning
        Once per problem: a damaged entry (named by path; it is recomputed and rewritten), an
        unusable cache directory (named; the result is returned but not cached), or a result
        that cannot be pickled (returned but not cached).

    Examples
    --------
    >>> from fep_core.experiments import simulation2
    >>> grid = cached(simulation2, seed=0, progress=True)   # doctest: +SKIP
    """
    _check_func(func)
    if os.environ.get("FEP_CORE_RESULT_CACHE", "1") == "0":
        return func(**kwargs)
    path = cache_dir() / (_key(func, kwargs) + ".pkl")
    try:
        return _load(path)
    except _Miss:
        pass
    result = func(**kwargs)    # outside any handler, so its exceptions are not caught here
    _store(path, result, func.__qualname__)
    return result
