"""Notebook execution that never stalls for long (issue 10): the build's client polls in short
slices, so that a missed wake-up costs half a second, not the cell timeout (``bookext``); and a
notebook whose cell times out is executed once more, in the book build (the ``bookext`` wrapper
around jupyter-cache's executor) and in the nbval run (``book/conftest.py``).

The hang being guarded against is a kernel that never sees an execute request; it is emulated
here by a cell that, on its first run only, sleeps past the timeout (and, for nbval, ignores the
interrupt, so that nbval has to give the kernel up, as it does with a hung kernel).
"""
from __future__ import annotations

import asyncio
import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from queue import Empty
from types import SimpleNamespace

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bookext = _load(ROOT / "book" / "_ext" / "bookext.py", "bookext_under_test")
book_conftest = _load(ROOT / "book" / "conftest.py", "book_conftest_under_test")


def _notebook(marker: Path, *, sleep_s: float, ignore_interrupt: bool = False,
              every_time: bool = False) -> nbformat.NotebookNode:
    """Three cells; the second sleeps ``sleep_s`` on its first run (or on every run)."""
    guard = "True" if every_time else f"not os.path.exists({str(marker)!r})"
    slow = (f"import os, signal, time\n"
            f"if {guard}:\n"
            f"    open({str(marker)!r}, 'w').close()\n"
            + ("    signal.signal(signal.SIGINT, signal.SIG_IGN)\n" if ignore_interrupt else "")
            + f"    time.sleep({sleep_s})\n"
            f"b = a + 1")
    cells = [nbformat.v4.new_code_cell("a = 41"), nbformat.v4.new_code_cell(slow),
             nbformat.v4.new_code_cell("assert b == 42\nprint('done', b)")]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


# --- book build: bookext.retry_on_timeout -------------------------------------------------------

def test_retry_wrapper_reruns_once_from_a_pristine_notebook():
    from nbclient.exceptions import CellTimeoutError

    calls, logs = [], []

    def fake_execute(nb, **kwargs):
        calls.append(dict(nb))
        nb["outputs_written"] = len(calls)           # an execution mutates the notebook
        err = CellTimeoutError("Cell execution timed out") if len(calls) == 1 else None
        return SimpleNamespace(err=err)

    nb = {"cells": ["x"]}
    result = bookext.retry_on_timeout(fake_execute, log=logs.append)(nb, timeout=5)
    assert result.err is None
    assert len(calls) == 2
    assert calls[1] == {"cells": ["x"]}                # the second run started from scratch
    assert len(logs) == 1 and logs[0].startswith("NOTEBOOK RETRY:")


@pytest.mark.parametrize("error", [None, "cell-error"])
def test_retry_wrapper_leaves_other_outcomes_alone(error):
    from nbclient.exceptions import CellExecutionError

    calls, logs = [], []
    err = CellExecutionError("trace", "ValueError", "bad") if error else None

    def fake_execute(nb, **kwargs):
        calls.append(1)
        return SimpleNamespace(err=err)

    result = bookext.retry_on_timeout(fake_execute, log=logs.append)({}, timeout=5)
    assert result.err is err and len(calls) == 1 and not logs


def test_retry_is_installed_into_myst_nb():
    from myst_nb.core.execute import direct

    bookext._install_retry()
    assert hasattr(direct.single_nb_execution, "wrapped")
    bookext._install_retry()                           # idempotent: never wrapped twice
    assert not hasattr(direct.single_nb_execution.wrapped, "wrapped")


def test_build_executor_retries_a_real_timeout(tmp_path):
    from jupyter_cache.executors.utils import single_nb_execution

    marker = tmp_path / "first-run"
    nb = _notebook(marker, sleep_s=30)
    logs = []
    execute = bookext.retry_on_timeout(single_nb_execution, log=logs.append)
    result = execute(nb, cwd=str(tmp_path), timeout=4, allow_errors=False)
    assert result.err is None, result.exc_string
    assert marker.exists() and len(logs) == 1
    assert nb.cells[2].outputs[0]["text"] == "done 42\n"


def test_build_executor_fails_on_a_second_timeout(tmp_path):
    from jupyter_cache.executors.utils import single_nb_execution
    from nbclient.exceptions import CellTimeoutError

    nb = _notebook(tmp_path / "m", sleep_s=30, every_time=True)
    logs = []
    execute = bookext.retry_on_timeout(single_nb_execution, log=logs.append)
    result = execute(nb, cwd=str(tmp_path), timeout=3, allow_errors=False)
    assert isinstance(result.err, CellTimeoutError)
    assert len(logs) == 1


# --- nbval: book/conftest.py --------------------------------------------------------------------

def test_nbval_timeout_comes_from_the_build_config():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert book_conftest.build_cell_timeout() == float(config["execute"]["timeout"])
    # A hang must fail within minutes, not after nbval's default 2000 s.
    assert book_conftest.build_cell_timeout() <= 600


def _nbval_project(tmp_path: Path, nb: nbformat.NotebookNode, timeout: int) -> Path:
    (tmp_path / "book").mkdir()
    shutil.copy(ROOT / "book" / "conftest.py", tmp_path / "book" / "conftest.py")
    (tmp_path / "_config.yml").write_text(f"execute:\n  timeout: {timeout}\n")
    nbformat.write(nb, tmp_path / "book" / "chapter.ipynb")
    return tmp_path


def _run_nbval(project: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
                           "--nbval-lax", "book", "-rA"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=180)


@pytest.mark.slow        # a pytest+nbval run in a subprocess that waits out a cell timeout
@pytest.mark.parametrize("ignore_interrupt", [False, True], ids=["slow-cell", "hung-kernel"])
def test_nbval_reexecutes_a_notebook_after_a_timeout(tmp_path, ignore_interrupt):
    marker = tmp_path / "first-run"
    nb = _notebook(marker, sleep_s=60, ignore_interrupt=ignore_interrupt)
    run = _run_nbval(_nbval_project(tmp_path, nb, timeout=4))
    out = run.stdout + run.stderr
    assert run.returncode == 0, out
    assert "NOTEBOOK RETRY: chapter.ipynb: cell 1 timed out after 4 s" in out
    assert "3 passed" in out and "xfail" not in out
    assert marker.exists()


@pytest.mark.slow        # as above, waiting out two cell timeouts
def test_nbval_fails_on_a_second_timeout(tmp_path):
    nb = _notebook(tmp_path / "m", sleep_s=60, every_time=True)
    run = _run_nbval(_nbval_project(tmp_path, nb, timeout=3))
    out = run.stdout + run.stderr
    assert run.returncode != 0
    assert out.count("NOTEBOOK RETRY") == 1
    assert "Timeout of 3 seconds exceeded" in out


# --- the build's client: bookext.sliced_get_msg -------------------------------------------------

class _LateSocket:
    """A socket whose poll misses the wake-up of a message: like pyzmq's asyncio poll after a
    lost edge, it only notices the message when its own timeout expires."""

    def __init__(self, arrives_after: float | None):
        self.arrives_at = None if arrives_after is None else time.monotonic() + arrives_after
        self.polls = []

    def _ready(self):
        return self.arrives_at is not None and time.monotonic() >= self.arrives_at

    async def poll(self, timeout_ms):
        self.polls.append(timeout_ms)
        await asyncio.sleep(timeout_ms / 1000)          # no wake-up: sleep the whole timeout
        return 1 if self._ready() else 0


class _Channel:
    def __init__(self, socket):
        self.socket = socket

    async def _recv(self):
        return {"msg": "reply"}


def _get(channel, timeout):
    get_msg = bookext.sliced_get_msg(None)
    return asyncio.run(get_msg(channel, timeout=timeout))


def test_sliced_poll_takes_a_missed_message_within_a_slice():
    channel = _Channel(_LateSocket(arrives_after=0.2))
    started = time.monotonic()
    assert _get(channel, timeout=60) == {"msg": "reply"}
    # The unpatched client would have waited the whole 60 s timeout.
    assert time.monotonic() - started < 0.2 + 2 * bookext.POLL_SLICE_S
    assert max(channel.socket.polls) <= 1000 * bookext.POLL_SLICE_S


def test_sliced_poll_keeps_the_timeout_contract():
    channel = _Channel(_LateSocket(arrives_after=None))
    started = time.monotonic()
    with pytest.raises(Empty):
        _get(channel, timeout=1.2)
    assert 1.2 <= time.monotonic() - started < 1.2 + bookext.POLL_SLICE_S
    with pytest.raises(Empty):
        _get(_Channel(_LateSocket(arrives_after=None)), timeout=0)


def test_sliced_poll_without_timeout_waits_for_the_message():
    channel = _Channel(_LateSocket(arrives_after=1.1))
    assert _get(channel, timeout=None) == {"msg": "reply"}
    assert len(channel.socket.polls) >= 3


def test_sliced_poll_is_installed_once():
    from jupyter_client.channels import AsyncZMQSocketChannel

    bookext.install_sliced_poll()
    patched = AsyncZMQSocketChannel.get_msg
    bookext.install_sliced_poll()
    assert AsyncZMQSocketChannel.get_msg is patched
    assert not hasattr(patched.original, "original")
