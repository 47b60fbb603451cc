"""Hooks for every test of the repository (tests/ and the notebooks under book/), whichever
folders a run collects: how the README's test command (``-n 2 --dist loadscope``) shares the
tests between two pytest-xdist workers."""
import os

import pytest

# Tests that share the book: the strict build (a session fixture of test_browser.py), the browser
# checks of its pages, and nbval over the chapters, which reads the results the build cached.
BOOK_SCOPE = "book"
_BOOK_MODULES = ("tests/test_browser.py",)


def xdist_scope_of(nodeid: str) -> str:
    """The unit of work a test belongs to: the book's tests together, in collection order (the
    build, then its pages, then nbval), on one worker; every other test file as one unit, so that
    its module and session fixtures are built once and a notebook's cells share one kernel."""
    path = nodeid.split("::", 1)[0]
    if path.startswith("book/") or path in _BOOK_MODULES:
        return BOOK_SCOPE
    return path


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """xdist's scope scheduler with the scopes of :func:`xdist_scope_of`. (Not ``xdist_group``
    markers: pytest-xdist 3.8 marks a group by rewriting ``item._nodeid``, which pytest 9 no
    longer reads, so ``--dist loadgroup`` silently spreads a notebook's cells over workers.)"""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class BookScopes(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return xdist_scope_of(nodeid)

    return BookScopes(config, log)


def pytest_configure(config):
    """With two workers on two cores, one BLAS thread per process: OpenBLAS's threads spin while
    they wait, and two workers' threads contending made small matrix products up to 30 times
    slower (measured 2026-11-27). Set before the workers start, so they and every kernel and
    build they launch inherit it; a value the caller set is kept."""
    if getattr(config.option, "numprocesses", None):
        for name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):   # (not numba's threads)
            os.environ.setdefault(name, "1")
