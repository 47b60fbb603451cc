"""Session-wide pytest hooks and shared fixtures.

The whole test session draws with matplotlib's non-interactive Agg backend, set here before any
test module imports pyplot (fep_core.plotting does). Figure helpers shared by several test files
live in tests/_helpers.py. The figures the figure functions of fep_core.plotting return in this
session (the first three of each function) are checked against the page's rules
(fep_core.plotting.layout.check_figure): a figure too wide for the column, with text under 9 px,
text outside the figure or a legend over a label fails the test that drew it.
"""
import _thread
import os
import signal
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ["FEP_CORE_CHECK_FIGURES"] = "1"     # fep_core.plotting.layout.CHECK_ENV
# A check lays a figure out once more; the property tests draw the same figure functions
# hundreds of times, so each function's first three figures are checked (CHECK_LIMIT_ENV);
# the book build and nbval check every figure of the book.
os.environ["FEP_CORE_CHECK_FIGURES_LIMIT"] = "3"

SCREENSHOTS = Path(__file__).resolve().parent.parent / "_build" / "screenshots"
_START = {}


@pytest.fixture
def close_figures():
    """Close every pyplot figure before and after the test (a test file asks for it with
    ``pytestmark = pytest.mark.usefixtures("close_figures")``)."""
    import matplotlib.pyplot as plt

    plt.close("all")
    yield
    plt.close("all")


@pytest.fixture(scope="session")
def regime_cells_small():
    """The paper's three Simulation-2 regime cells, trained briefly (50 epochs, 5 trials): shared
    by the Simulation-2 figure tests."""
    from fep_core import experiments as X

    return {name: X.simulation2_cell(evidence=e, inverse_temperature=t, epochs=50, trials=5)
            for name, (e, t) in X.REGIMES.items()}


def pytest_sessionstart(session):
    _START["t"] = time.time()


def pytest_terminal_summary(terminalreporter):
    """List the screenshots this session's browser tests saved (pytest captures their prints)."""
    start = _START.get("t", 0.0)
    shots = sorted(p for p in SCREENSHOTS.glob("*.png") if p.stat().st_mtime >= start) \
        if SCREENSHOTS.is_dir() else []
    if shots:
        terminalreporter.section("screenshots saved by this run")
        for path in shots:
            terminalreporter.write_line(str(path))


def _steps_taking(seconds, call, k=1000):
    """About how many steps ``call(k)`` needs to run for ``seconds`` (timed at >= 0.1 s)."""
    while True:
        t0 = time.perf_counter()
        call(k)
        dt = time.perf_counter() - t0
        if dt >= 0.1:
            return int(k * seconds / dt)
        k *= 4


def _seconds_to_interrupt(call, after=0.3):
    """Seconds from a Ctrl-C (``_thread.interrupt_main``), ``after`` seconds into ``call()``,
    to the KeyboardInterrupt. If ``call()`` ends first, the interrupt is still caught here."""
    timer = threading.Timer(after, _thread.interrupt_main)
    t0 = time.perf_counter()
    try:
        timer.start()
        call()
        timer.join()
        for _ in range(1000):       # a pending signal is handled at a jump back, at the latest
            pass
    except KeyboardInterrupt:
        seconds = time.perf_counter() - t0 - after
        timer.join()
        return seconds
    pytest.fail("no KeyboardInterrupt")


@pytest.fixture
def ctrl_c():
    """``steps_taking(seconds, call, k)`` and ``seconds_to_interrupt(call)``, with Python's own
    SIGINT handler installed for the test: an earlier test (a JupyterLab server, a browser) may
    have left SIGINT ignored, and ``interrupt_main`` does nothing then."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield SimpleNamespace(steps_taking=_steps_taking,
                              seconds_to_interrupt=_seconds_to_interrupt)
    finally:
        signal.signal(signal.SIGINT, previous)


def _locks_free_in_another_thread(gens):
    """For each generator, whether another thread could take its bit generator's lock now."""
    free = []

    def probe():
        for g in gens:
            ok = g.bit_generator.lock.acquire(blocking=False)
            free.append(ok)
            if ok:
                g.bit_generator.lock.release()

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join()
    return free


@pytest.fixture
def locks_free():
    """``locks_free(gens)``: per generator, whether its lock is free for another thread."""
    return _locks_free_in_another_thread
