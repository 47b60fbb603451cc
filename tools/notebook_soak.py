"""Execute notebooks over and over and count the executions that hang.

A hang (issue 10: a kernel idle in its event loop while the client waits for a reply that never
comes) shows up here as a cell that exceeds ``--cell-timeout``. Each execution starts a fresh
kernel, as the book build does. The script also reports the slowest cell of every notebook, which
is what the build's per-cell timeout is set from.

Examples
--------
Ten chapters, ten times each (100 executions), 300 s per cell::

    python tools/notebook_soak.py --repeats 10 --cell-timeout 300 --json soak.json

Message-level stress: one notebook of 400 trivial cells, 50 times (20,000 execute requests)::

    python tools/notebook_soak.py --trivial-cells 400 --repeats 50 --cell-timeout 20
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import sys
import time
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

ROOT = Path(__file__).resolve().parent.parent


def _versions() -> dict:
    from importlib.metadata import version

    names = ["ipykernel", "jupyter_client", "nbclient", "pyzmq", "tornado", "ipython"]
    return {"python": platform.python_version(), **{n: version(n) for n in names}}


def trivial_notebook(n_cells: int) -> nbformat.NotebookNode:
    """A notebook of ``n_cells`` cells that each do almost nothing (one message round trip)."""
    cells = [nbformat.v4.new_code_cell(f"x = {i}\nx") for i in range(n_cells)]
    return nbformat.v4.new_notebook(cells=cells)


def _cell_seconds(cell) -> float | None:
    timing = cell.get("metadata", {}).get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return None
    parse = datetime.fromisoformat
    return (parse(end.replace("Z", "+00:00")) - parse(start.replace("Z", "+00:00"))).total_seconds()


def _stamp(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def _stalls(nb, sent: dict, received: dict, threshold: float) -> list[dict]:
    """Waits longer than ``threshold`` seconds in which neither side was computing: between the
    client sending a cell and the kernel starting it (a request the kernel did not read), or
    between the kernel sending its reply and the client taking it (a reply the client did not
    see). Kernel and client run on one machine, so their clocks agree."""
    stalls = []
    for index, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        timing = cell.get("metadata", {}).get("execution", {})
        busy, reply = timing.get("iopub.status.busy"), timing.get("shell.execute_reply")
        if index in sent and busy and _stamp(busy) - sent[index] > threshold:
            stalls.append({"cell": index, "where": "request unread by the kernel",
                           "seconds": round(_stamp(busy) - sent[index], 1)})
        if index in received and reply and received[index] - _stamp(reply) > threshold:
            stalls.append({"cell": index, "where": "reply unseen by the client",
                           "seconds": round(received[index] - _stamp(reply), 1)})
    return stalls


def execute_once(nb: nbformat.NotebookNode, *, cwd: Path, cell_timeout: float,
                 stall_threshold: float = 30.0) -> dict:
    """Execute a copy of ``nb`` in a fresh kernel; return the outcome and per-cell durations."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))     # a fresh copy: outputs start empty
    sent, received = {}, {}

    def code_index(cell_index):
        return sum(1 for c in nb.cells[:cell_index] if c.cell_type == "code")

    def on_cell_execute(cell, cell_index, **kwargs):      # just before the request is sent
        sent[code_index(cell_index)] = time.time()

    def on_cell_executed(cell, cell_index, **kwargs):     # just after the reply was taken
        received[code_index(cell_index)] = time.time()

    client = NotebookClient(nb, timeout=cell_timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(cwd)}}, record_timing=True,
                            on_cell_execute=on_cell_execute, on_cell_executed=on_cell_executed)
    started = time.monotonic()
    outcome, detail = "ok", ""
    try:
        client.execute()
    except CellTimeoutError as exc:
        outcome, detail = "hang", str(exc).splitlines()[0]
    except DeadKernelError as exc:
        outcome, detail = "dead-kernel", str(exc).splitlines()[0]
    except Exception as exc:  # noqa: BLE001  (a failing cell is a result here, not a crash)
        outcome, detail = "error", f"{type(exc).__name__}: {str(exc).splitlines()[-1:]}"
    durations = [_cell_seconds(c) for c in nb.cells if c.cell_type == "code"]
    hung_cell = None
    if outcome == "hang":
        # The hung cell is the first code cell without a reply timestamp.
        hung_cell = next((i for i, d in enumerate(durations) if d is None), None)
    stalls = _stalls(nb, sent, received, stall_threshold)
    if outcome == "ok" and stalls:
        # Finished, but only after the kernel sat idle on an unread request: the hang of issue
        # 10, released by whatever next woke the kernel's socket.
        outcome, detail = "stall", json.dumps(stalls)
    cells = []
    for index, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        timing = {k: round(_stamp(v), 3)
                  for k, v in cell.get("metadata", {}).get("execution", {}).items()}
        cells.append({"sent": sent.get(index), "received": received.get(index), **timing})
    return {"outcome": outcome, "detail": detail, "wall_s": time.monotonic() - started,
            "stalls": stalls, "cells": cells,
            "slowest_cell_s": max((d for d in durations if d is not None), default=0.0),
            "slowest_cell": max(range(len(durations)), key=lambda i: durations[i] or 0.0,
                                default=None),
            "hung_cell": hung_cell}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to execute (default: every chapter in book/)")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--cell-timeout", type=float, default=300.0,
                        help="seconds a cell may run before it counts as a hang")
    parser.add_argument("--trivial-cells", type=int, default=0,
                        help="instead of the chapters, run one notebook of this many trivial cells")
    parser.add_argument("--json", type=Path, help="write every execution's record here")
    parser.add_argument("--sliced-poll", action="store_true",
                        help="poll the kernel's replies as the book build does "
                             "(book/_ext/bookext.py)")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if args.cell_timeout <= 0:
        parser.error("--cell-timeout must be positive")

    if args.trivial_cells:
        jobs = {f"trivial-{args.trivial_cells}": trivial_notebook(args.trivial_cells)}
    else:
        paths = args.notebooks or sorted((ROOT / "book").glob("*.ipynb"))
        jobs = {p.name: nbformat.read(p, as_version=4) for p in paths}

    if args.sliced_poll:
        spec = importlib.util.spec_from_file_location("bookext", ROOT / "book/_ext/bookext.py")
        bookext = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(bookext)
        bookext.install_sliced_poll()

    versions = {**_versions(), "sliced_poll": args.sliced_poll}
    print("versions:", json.dumps(versions), flush=True)
    records = []
    for repeat in range(args.repeats):
        for name, nb in jobs.items():
            record = execute_once(nb, cwd=ROOT / "book", cell_timeout=args.cell_timeout)
            record.update(notebook=name, repeat=repeat)
            records.append(record)
            print(f"[{repeat + 1}/{args.repeats}] {name}: {record['outcome']} "
                  f"{record['wall_s']:.1f}s (slowest cell {record['slowest_cell']}: "
                  f"{record['slowest_cell_s']:.1f}s) {record['detail']}", flush=True)
            if args.json:
                args.json.write_text(json.dumps({"versions": versions, "records": records},
                                                indent=1))

    counts = {}
    for r in records:
        counts[r["outcome"]] = counts.get(r["outcome"], 0) + 1
    print(f"executions: {len(records)}; "
          + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
    slowest = {}
    for r in records:
        slowest[r["notebook"]] = max(slowest.get(r["notebook"], 0.0), r["slowest_cell_s"])
    for name, seconds in sorted(slowest.items(), key=lambda kv: -kv[1]):
        print(f"slowest cell of {name}: {seconds:.1f} s")
    return 0 if counts.get("ok", 0) == len(records) else 1


if __name__ == "__main__":
    sys.exit(main())
