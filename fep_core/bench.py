"""Benchmark of the network engine: ``python -m fep_core.bench [--json] [--quick]``.

Measures, on this machine and in one run (medians over repeats):

* ``batch_net_steps_per_s`` — 380 independent 64-node networks, stochastic inference + learning
  (the spec's synchronous step), network-steps per second;
* ``single_n64_steps_per_s`` — one 64-node network (the widgets' rerun path);
* ``numpy_loop_steps_per_s`` — a plain NumPy loop over one 64-node network (the same step as
  array expressions: :mod:`fep_core.reference`), and ``speedup_vs_numpy_loop`` (batched engine /
  NumPy loop);
* ``sim2_train_s`` / ``sim2_eval_s`` — the full Simulation-2 grid (380 x 5000 x 10 steps) and
  its evaluation (retrieval, generalisation, attractors for all 380 cells);
* ``bandwidth_fraction`` — for one large network (n = 1024, 2048, 4096) the bytes a learning
  step must move (one read and one write of J) per second, as a fraction of this machine's
  memory bandwidth, measured with a read-modify-write sweep of a 512 MB array in alternation
  with the networks (median of the paired ratios; see :func:`memory_and_large_networks`);
* ``first_call_s`` — a fresh process's first training call with an empty compilation cache
  (compile time) and with a warm cache.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np

B_GRID, N_DIGITS = 380, 64


def _median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def _trained_batch(B, n, rng):
    from .network import AttractorBatch

    batch = AttractorBatch(B, n, rng=rng)
    pats = np.random.default_rng(1).standard_normal((10, n))
    return batch, pats


def batch_throughput(steps=2000, repeats=3):
    """Network-steps per second of 380 x 64-node networks learning (paper's Sim-2 step)."""
    batch, pats = _trained_batch(B_GRID, N_DIGITS, 0)
    ev = np.linspace(1, 20, B_GRID)
    it = np.geomspace(0.01, 1, B_GRID)

    def go():
        batch.train(pats, evidence=ev, epochs=steps // 10, steps_per_epoch=10,
                    inverse_temperature=it, learning_rate=0.001)

    go()  # compile / warm up
    return B_GRID * steps / _median_time(go, repeats)


def single_throughput(steps=20000, repeats=5):
    batch, pats = _trained_batch(1, N_DIGITS, 0)

    def go():
        batch.train(pats, evidence=11.0, epochs=steps // 10, steps_per_epoch=10,
                    inverse_temperature=0.167, learning_rate=0.001)

    go()
    return steps / _median_time(go, repeats)


def numpy_loop_throughput(steps=3000, repeats=3):
    """The same training as plain NumPy, one network: :func:`fep_core.reference.train`, the
    readable reference of the step (arguments checked once per run, not per step)."""
    from . import reference

    n = N_DIGITS
    rng = np.random.default_rng(0)
    pats = np.random.default_rng(1).standard_normal((10, n))

    epochs = max(1, steps // 10)

    def go():
        reference.train(np.zeros((n, n)), np.zeros(n), pats, evidence=11.0, epochs=epochs,
                        steps_per_epoch=10, inverse_temperature=0.167, learning_rate=0.001,
                        order="sequential", rng=rng)

    return 10 * epochs / _median_time(go, repeats)


def _rmw_sweep():
    from numba import njit, prange

    @njit(parallel=True, cache=False)
    def rmw(a, s):
        for i in prange(a.shape[0]):
            a[i] += s

    return rmw


def _large_step_runner(n):
    """(run(steps), bytes per step) for one learning n-node network, uniforms drawn from a
    generator inside the kernel as in :meth:`AttractorBatch.run`."""
    from . import _kernels as K, _rng

    rng = np.random.default_rng(0)
    JT = np.zeros((n, n))
    x = np.zeros(n)
    bias = rng.standard_normal(n)
    fn, state = _rng.addresses([rng])
    chunks = os.cpu_count() or 1
    none = np.zeros((0, 0))

    def go(k):
        K.run_large(JT, x, bias, k, 0.2, 0.001, none, fn[0], state[0], True, chunks, none)

    go(1)
    return go, 16.0 * n * n


def memory_and_large_networks(sizes=(1024, 2048, 4096), mbytes=512, repeats=7):
    """DRAM bandwidth and the bytes/s of one learning large network, measured in alternation.

    Bandwidth: an in-place read-modify-write sweep ``a += s`` of a ``mbytes`` array on all
    threads (bytes read + written per second). Large network: J read and written once per step.
    This machine is shared, and its memory bandwidth drifts by tens of percent within a minute,
    so each repeat times the sweep and then each network's steps back to back; the fraction of
    bandwidth is the median over repeats of the ratio within a repeat.

    Returns ``(bandwidth, {n: bytes_per_s}, {n: fraction})``, medians.
    """
    rmw = _rmw_sweep()
    a = np.zeros(mbytes * 2 ** 20 // 8)
    rmw(a, 1.0)
    runners = {n: _large_step_runner(n) for n in sizes}
    steps = {n: max(4, int(1e9 // (16 * n * n))) for n in sizes}
    bws, rates, ratios = [], {n: [] for n in sizes}, {n: [] for n in sizes}
    for _ in range(repeats):
        t0 = time.perf_counter()
        rmw(a, 1.0)
        bw = 2 * a.nbytes / (time.perf_counter() - t0)
        bws.append(bw)
        for n, (go, nbytes) in runners.items():
            t0 = time.perf_counter()
            go(steps[n])
            rate = nbytes * steps[n] / (time.perf_counter() - t0)
            rates[n].append(rate)
            ratios[n].append(rate / bw)
    rates = {n: float(np.median(v)) for n, v in rates.items()}
    ratios = {n: float(np.median(v)) for n, v in ratios.items()}
    return float(np.median(bws)), rates, ratios


def sim2_times():
    """Wall time of the full Simulation-2 grid's training and of its evaluation."""
    from . import experiments as ex, paper

    E, IT = np.meshgrid(ex.PAPER_EVIDENCES, ex.PAPER_INVERSE_TEMPERATURES, indexing="ij")
    E, IT = E.ravel(), IT.ravel()
    t0 = time.perf_counter()
    s2 = paper.SIMULATION2
    batch = ex.train_digit_networks(E, IT, seed=0, learning_rate=s2["learning_rate"],
                                    epochs=s2["epochs"], steps_per_epoch=s2["steps_per_epoch"])
    t1 = time.perf_counter()
    ex.evaluate_digit_networks(batch, E, IT, seed=0, trials=s2["trials"],
                               eval_steps=s2["eval_steps"])
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1


_FIRST_CALL = """
import time, numpy as np
t0 = time.perf_counter()
from fep_core.network import AttractorBatch
b = AttractorBatch(2, 64, rng=0)
b.train(np.ones((1, 64)), evidence=1.0, epochs=2, steps_per_epoch=2, inverse_temperature=1.0,
        learning_rate=0.001)
print(time.perf_counter() - t0)
"""


def first_call_times():
    """(cold, warm) seconds of a fresh process's first training call (import + compile/load)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, FEP_CORE_CACHE_DIR=cache, PYTHONPATH=root)
        out = []
        for _ in range(2):
            res = subprocess.run([sys.executable, "-c", _FIRST_CALL], env=env, capture_output=True,
                                 text=True, check=True)
            out.append(float(res.stdout.strip().splitlines()[-1]))
    return tuple(out)


def machine_info():
    import numba

    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cores": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "numpy": np.__version__, "numba": numba.__version__,
            "numba_threads": numba.get_num_threads()}


def run(quick=False):
    res = {"machine": machine_info()}
    res["first_call_s"] = dict(zip(("cold_cache", "warm_cache"), first_call_times()))
    res["batch_net_steps_per_s"] = batch_throughput(steps=500 if quick else 2000)
    res["single_n64_steps_per_s"] = single_throughput(steps=5000 if quick else 20000)
    res["numpy_loop_steps_per_s"] = numpy_loop_throughput(steps=500 if quick else 3000)
    res["speedup_vs_numpy_loop"] = res["batch_net_steps_per_s"] / res["numpy_loop_steps_per_s"]
    res["single_speedup_vs_numpy_loop"] = (res["single_n64_steps_per_s"]
                                           / res["numpy_loop_steps_per_s"])
    bw, rates, fractions = memory_and_large_networks(mbytes=128 if quick else 512,
                                                     repeats=3 if quick else 9)
    res["memory_bandwidth_GBps"] = bw / 1e9
    res["large_network_GBps"] = {str(n): r / 1e9 for n, r in rates.items()}
    res["bandwidth_fraction"] = {str(n): f for n, f in fractions.items()}
    if not quick:
        res["sim2_train_s"], res["sim2_eval_s"] = sim2_times()
    return res


def format_table(res):
    m = res["machine"]
    lines = [f"machine: {m['cores']} cores, {m['cpu']}; python {m['python']}, numpy {m['numpy']}, "
             f"numba {m['numba']} ({m['numba_threads']} threads)",
             f"{'measure':44s} {'value':>14s}"]

    def row(name, value, fmt):
        lines.append(f"{name:44s} {format(value, fmt):>14s}")

    row("batched 380 x n64, network-steps/s", res["batch_net_steps_per_s"], ",.0f")
    row("single n64, steps/s", res["single_n64_steps_per_s"], ",.0f")
    row("plain NumPy loop n64, steps/s", res["numpy_loop_steps_per_s"], ",.0f")
    row("speed-up batched / NumPy loop", res["speedup_vs_numpy_loop"], ".1f")
    row("speed-up single / NumPy loop", res["single_speedup_vs_numpy_loop"], ".1f")
    if "sim2_train_s" in res:
        row("Simulation-2 grid training, s", res["sim2_train_s"], ".1f")
        row("Simulation-2 grid evaluation, s", res["sim2_eval_s"], ".1f")
    row("memory bandwidth (read+write sweep), GB/s", res["memory_bandwidth_GBps"], ".1f")
    for n, frac in res["bandwidth_fraction"].items():
        row(f"large network n={n}: GB/s moved", res["large_network_GBps"][n], ".1f")
        row(f"large network n={n}: fraction of bandwidth", frac, ".2f")
    row("first call, cold compile cache, s", res["first_call_s"]["cold_cache"], ".1f")
    row("first call, warm compile cache, s", res["first_call_s"]["warm_cache"], ".1f")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--quick", action="store_true", help="short runs, no Simulation-2 grid")
    args = ap.parse_args(argv)
    res = run(quick=args.quick)
    print(json.dumps(res, indent=2) if args.json else format_table(res))


if __name__ == "__main__":
    main()
