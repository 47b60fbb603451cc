"""Shared helpers of the two real-browser tests (test_browser.py, test_jupyterlab.py).

Chromium is Debian's (``/usr/bin/chromium``), driven by the Playwright Python package; Playwright's
own browser downloads are never used. A missing browser skips the browser tests with a reason,
except when ``FEP_REQUIRE_BROWSER=1`` (set by ``.ci/run``), where it is a failure.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import socket
import sys
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BUILD_DIR = REPO / "_build"
HTML_DIR = BUILD_DIR / "html"
SCREENSHOT_DIR = BUILD_DIR / "screenshots"
CHROMIUM = Path(os.environ.get("FEP_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def browser_required() -> bool:
    return os.environ.get("FEP_REQUIRE_BROWSER", "") == "1"


def unavailable(reason: str):
    """Skip with ``reason``, or fail when FEP_REQUIRE_BROWSER=1 (CI must not skip silently)."""
    if browser_required():
        pytest.fail(f"{reason} (FEP_REQUIRE_BROWSER=1: a browser test may not be skipped)",
                    pytrace=False)
    pytest.skip(reason)


def require_tool(name: str) -> str:
    """Path of the executable ``name`` (looked up in PATH, then beside this Python)."""
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        unavailable(f"`{name}` is not installed")
    return found


def require_chromium():
    """Return ``playwright.sync_api.sync_playwright`` once Chromium and Playwright are present."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright Python package is not installed")
    return sync_playwright


@contextlib.contextmanager
def chromium_browser():
    """A headless Debian Chromium driven by Playwright, closed on exit."""
    sync_playwright = require_chromium()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                     headless=True)
        try:
            yield browser
        finally:
            browser.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass


@contextlib.contextmanager
def serve_directory(directory: Path):
    """Serve ``directory`` over HTTP on 127.0.0.1 (random free port) in a thread; yield the base
    URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def screenshot_path(name: str) -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR / f"{name}.png"
