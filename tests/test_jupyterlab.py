"""The interactive section in a real client: JupyterLab + ipywidgets in headless Chromium.

Starts JupyterLab on the repository (random port and token, throwaway settings/runtime dirs,
autosave off so the committed output-free notebook is never rewritten), opens NOTEBOOK, runs all
cells from the Run menu, waits for the precision and learning-rate sliders, moves each with the
keyboard and checks that the figure under the sliders is redrawn. Before/after screenshots go to
``_build/screenshots/``. The server (and with it the kernel) is shut down at the end.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from _browser_support import REPO, chromium_browser, free_port, require_chromium, screenshot_path

# Chromium + a real JupyterLab server and kernel that runs the whole chapter.
pytestmark = [pytest.mark.browser, pytest.mark.slow]

# The chapter whose Interactive section is driven; switch to "book/simulation1.ipynb" when it lands.
NOTEBOOK = "book/simulation1.ipynb"
# Slider descriptions (case-insensitive) as built with fep_core.widgets.log_slider.
PRECISION_LABEL = re.compile(r"precision", re.IGNORECASE)
LEARNING_RATE_LABEL = re.compile(r"learning[ _-]?rate", re.IGNORECASE)
KEY_PRESSES = 4            # slider steps per move (log sliders: 40 steps over their range)
SERVER_START_TIMEOUT = 60  # s
RUN_ALL_TIMEOUT = 180_000  # ms: kernel start plus every cell of the chapter
REDRAW_TIMEOUT = 30_000    # ms
SETTLE_SECONDS = 1.0       # the figure is final once unchanged this long with the kernel idle

# Throwaway JupyterLab user settings: never autosave (the repository's notebooks are committed
# without outputs), no news or update checks (no requests to other hosts).
USER_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _wait_until_serving(url: str, proc: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"JupyterLab exited with {proc.returncode}:\n"
                        f"{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    pytest.fail(f"JupyterLab did not answer within {SERVER_START_TIMEOUT} s:\n"
                f"{log_path.read_text()[-3000:]}")


@pytest.fixture
def jupyterlab(tmp_path):
    """A JupyterLab server rooted at the repository; yields ``(base_url, token)``."""
    require_chromium()
    settings = tmp_path / "settings"
    for name, value in USER_SETTINGS.items():
        target = settings / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(value))
    env = dict(os.environ,
               JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               IPYTHONDIR=str(tmp_path / "ipython"),
               JUPYTER_PLATFORM_DIRS="1")
    token, port = secrets.token_hex(16), free_port()
    log_path = tmp_path / "jupyterlab.log"
    command = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser",
        f"--IdentityProvider.token={token}", f"--port={port}", "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={REPO}", "--ServerApp.port_retries=0",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
        # nothing fetched from other hosts by the server either: no news, updates or PyPI
        "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # CI containers run as root
    with open(log_path, "w") as log:
        proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(f"{base}/api/status?token={token}", proc, log_path)
        yield base, token
    finally:
        proc.terminate()  # the server shuts its kernels down on SIGTERM
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _panel(page):
    """The widget box holding both sliders and the output area with the figure."""
    boxes = page.locator(".jp-OutputArea-output .widget-vbox").filter(
        has=page.locator(".widget-output")).filter(
        has=page.locator(".widget-label", has_text=PRECISION_LABEL)).filter(
        has=page.locator(".widget-label", has_text=LEARNING_RATE_LABEL))
    return boxes.first


def _slider(panel, label: re.Pattern):
    return panel.locator(".widget-slider").filter(
        has=panel.page.locator(".widget-label", has_text=label)).first


def _figure_src(panel) -> str:
    return panel.locator(".widget-output img").first.get_attribute("src") or ""


def _png_bytes(src: str) -> bytes:
    """The PNG inside the figure's data: URL (what the kernel sent)."""
    prefix = "data:image/png;base64,"
    assert src.startswith(prefix), f"the figure is not an inline PNG: {src[:60]!r}"
    png = base64.b64decode(src[len(prefix):])
    assert png.startswith(b"\x89PNG\r\n\x1a\n"), "the figure's data is not a PNG"
    return png


def _settled_figure(page, panel, name: str) -> bytes:
    """Wait until the figure is decoded and painted; screenshot it; return its PNG bytes."""
    figure = panel.locator(".widget-output img").first
    figure.scroll_into_view_if_needed()
    # complete/naturalWidth only say the data arrived; decode() waits for the decoded bitmap,
    # and two animation frames for it to be painted (else a screenshot can catch half a figure).
    figure.evaluate("img => img.decode()")
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    shot = screenshot_path(f"jupyterlab__{name}")
    figure.screenshot(path=str(shot))
    print(f"\n[screenshot] JupyterLab figure {name}: {shot}")
    png = _png_bytes(_figure_src(panel))
    return png


def _kernels_idle(page) -> bool:
    """Every kernel of the server reports "idle" (REST API, with the page's token cookie)."""
    response = page.request.get(f"{page.url.split('/lab', 1)[0]}/api/kernels")
    kernels = response.json() if response.ok else []
    return bool(kernels) and all(k.get("execution_state") == "idle" for k in kernels)


def _wait_until_settled(page, panel) -> None:
    """Each key press is one redraw; wait until the kernel is idle and the figure stops changing."""
    deadline = time.monotonic() + REDRAW_TIMEOUT / 1000
    last, since = _figure_src(panel), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.2)
        src = _figure_src(panel)
        if src != last:
            last, since = src, time.monotonic()
        idle = _kernels_idle(page)
        if idle and time.monotonic() - since > SETTLE_SECONDS:
            return
    pytest.fail(f"the figure did not settle within {REDRAW_TIMEOUT / 1000:.0f} s")


def _move(page, panel, label: re.Pattern, key: str, name: str) -> bytes:
    """Press ``key`` KEY_PRESSES times on the slider ``label``; wait for the redraw."""
    slider = _slider(panel, label)
    readout = slider.locator(".widget-readout")
    value_before, src_before = readout.inner_text(), _figure_src(panel)
    handle = slider.locator(".noUi-handle").first
    handle.focus()
    for _ in range(KEY_PRESSES):
        handle.press(key)
    page.wait_for_function(
        """([box, before]) => { const img = box.querySelector('.widget-output img');
                                return img && img.complete && img.naturalWidth > 0
                                       && img.getAttribute('src') !== before; }""",
        arg=[panel.element_handle(), src_before], timeout=REDRAW_TIMEOUT)
    _wait_until_settled(page, panel)
    value_after = readout.inner_text()
    assert value_after != value_before, f"the {name} slider did not move"
    print(f"\n[slider] {name}: {value_before} -> {value_after}")
    return _settled_figure(page, panel, f"after_{name}")


def test_sliders_redraw_the_figure(jupyterlab):
    notebook = REPO / NOTEBOOK
    assert notebook.is_file(), f"{NOTEBOOK} is missing: the test drives its Interactive section"
    digest = _digest(notebook)
    base, token = jupyterlab
    with chromium_browser() as browser:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        external = []

        def route(route_obj):
            if route_obj.request.url.startswith(base + "/"):
                route_obj.continue_()
            else:
                external.append(route_obj.request.url)
                route_obj.abort()

        page.route(re.compile(r"^(?!data:|blob:).*"), route)
        try:
            page.goto(f"{base}/lab/tree/{NOTEBOOK}?token={token}", wait_until="load")
            page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=60_000)
            page.locator(".jp-NotebookPanel .jp-Notebook").first.click()  # focus the notebook
            # "Run All Cells" is a no-op while the kernel is still starting (slow on a loaded
            # machine): wait until the server reports the notebook's kernel idle.
            deadline = time.monotonic() + 120
            while not _kernels_idle(page):
                assert time.monotonic() < deadline, "the notebook's kernel did not start in 120 s"
                time.sleep(0.5)

            # Run > Run All Cells
            page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
            page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()

            panel = _panel(page)
            # JupyterLab renders off-screen cells lazily: wait for the figure to exist, then scroll.
            figure = panel.locator(".widget-output img").first
            figure.wait_for(state="attached", timeout=RUN_ALL_TIMEOUT)
            panel.scroll_into_view_if_needed()
            figure.wait_for(state="visible", timeout=REDRAW_TIMEOUT)
            errors = page.locator(
                ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
            assert errors.count() == 0, f"stderr/traceback output: {errors.all_inner_texts()}"

            _wait_until_settled(page, panel)
            before = _settled_figure(page, panel, "before")
            page.screenshot(path=str(screenshot_path("jupyterlab__page_before")))

            after_precision = _move(page, panel, PRECISION_LABEL, "ArrowRight", "precision")
            assert after_precision != before, \
                "moving the precision slider did not change the figure"
            after_rate = _move(page, panel, LEARNING_RATE_LABEL, "ArrowLeft", "learning_rate")
            assert after_rate != after_precision, \
                "moving the learning-rate slider did not change the figure"
            page.screenshot(path=str(screenshot_path("jupyterlab__page_after")))
            print(f"[screenshot] JupyterLab pages: {screenshot_path('jupyterlab__page_before')}, "
                  f"{screenshot_path('jupyterlab__page_after')}")

            assert errors.count() == 0, f"stderr/traceback output: {errors.all_inner_texts()}"
        except Exception:
            failure = screenshot_path("jupyterlab__failure")
            page.screenshot(path=str(failure))
            print(f"\n[screenshot] JupyterLab at the failure: {failure}")
            raise
        assert not external, f"JupyterLab page requested external hosts: {external}"
        context.close()
    assert _digest(notebook) == digest, f"{NOTEBOOK} was modified on disk by the JupyterLab session"
