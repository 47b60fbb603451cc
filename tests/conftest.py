"""Session-wide pytest hooks."""
import time
from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parent.parent / "_build" / "screenshots"
_START = {}


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
