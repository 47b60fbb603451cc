"""Where numba keeps fep_core's compiled machine code, and when it is stale.

numba's ``cache=True`` judges freshness by the timestamp of the one file that defines a
function, not of the modules it calls, so an edit of ``_numerics.py`` would leave stale machine
code for ``_kernels.py`` behind. The locator below keys each function's cache on the digest of
its module and every fep_core module that module imports (:func:`fep_core._sources.digest`):
editing the kernels recompiles them, editing a plot does not.

It claims fep_core's own files only and returns None for every other function, so numba's
choice of cache location for any other code in the process is unchanged; no environment
variable and no ``numba.config`` setting is touched. ``FEP_CORE_CACHE_DIR`` (default
``~/.cache/fep_core``) chooses the directory; where it cannot be written, numba falls back to
its own locators for these functions.
"""
from __future__ import annotations

import os
import pathlib

from numba.core import caching

from . import _sources

__all__ = ["cache_root", "FepCoreLocator", "install"]


def cache_root() -> pathlib.Path:
    """``$FEP_CORE_CACHE_DIR``, or ``~/.cache/fep_core``: the root of both fep_core caches."""
    return pathlib.Path(os.environ.get("FEP_CORE_CACHE_DIR",
                                       str(pathlib.Path.home() / ".cache" / "fep_core")))


def _module_of(py_file) -> str | None:
    try:
        path = pathlib.Path(py_file).resolve()
        rel = path.relative_to(_sources.PACKAGE_DIR)
    except (OSError, ValueError):
        return None
    parts = [p for p in rel.with_suffix("").parts if p != "__init__"]
    return ".".join([_sources.PACKAGE_DIR.name, *parts])


class FepCoreLocator(caching._CacheLocator):
    """numba cache locator for functions defined in fep_core's source files."""

    def __init__(self, py_func, py_file, module):
        self._lineno = py_func.__code__.co_firstlineno
        self._stamp = _sources.digest(module)
        self._path = cache_root() / f"numba-{module.rpartition('.')[2]}-{self._stamp}"

    def get_cache_path(self):
        return str(self._path)

    def get_source_stamp(self):
        return self._stamp

    def get_disambiguator(self):
        return str(self._lineno)

    @classmethod
    def from_function(cls, py_func, py_file):
        module = _module_of(py_file)
        if module is None or _sources.module_file(module) is None:
            return None
        self = cls(py_func, py_file, module)
        try:
            self.ensure_cache_path()
        except OSError:
            return None
        return self


def install() -> None:
    """Put :class:`FepCoreLocator` first in numba's list of locators (once)."""
    classes = caching.CacheImpl._locator_classes
    if FepCoreLocator not in classes:
        classes.insert(0, FepCoreLocator)
