"""Benchmark of the network engine: ``python -m fep_core.bench [--json] [--quick]``.

``python -m fep_core.bench --backend jax [--json] [--quick]`` instead measures the JAX backend
(:mod:`fep_core.bench_jax`) in float64 and float32 beside the numba engine, in one run.

``python -m fep_core.bench --scaling [--dtype float32|float64] [--sizes 64,128,...] [--json]``
instead runs the runtime-scaling study (:mod:`fep_core.scaling`): seconds per learning step of
one network of each size, the fraction of memory bandwidth, and the exponent of time against N.

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
  with the networks (median of the paired ratios; see :func:`memory_and_large_networks`; the
  sweep is :func:`fep_core.scaling.sweep_bandwidth`);
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
    from .scaling import bandwidth_array, sweep_bandwidth

    a = bandwidth_array(mbytes)
    runners = {n: _large_step_runner(n) for n in sizes}
    steps = {n: max(4, int(1e9 // (16 * n * n))) for n in sizes}
    bws, rates, ratios = [], {n: [] for n in sizes}, {n: [] for n in sizes}
    for _ in range(repeats):
        bw = sweep_bandwidth(a)
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


def run_scaling(sizes=None, dtype="float32", fit_min_nodes=2048, repeats=2):
    """The runtime-scaling study (:func:`fep_core.scaling.step_times`) as one JSON-ready dict:
    the machine, one row per size, the exponent of time against N over the sizes >=
    ``fit_min_nodes`` (None if fewer than three), the study's wall time and the process's peak
    resident memory (which the largest network's J dominates)."""
    import resource

    from . import scaling

    t0 = time.perf_counter()
    table = scaling.step_times(scaling.SIZES if sizes is None else sizes, dtype=dtype,
                               repeats=repeats)
    wall = time.perf_counter() - t0
    try:
        fit = scaling.fit_exponent(table["n_nodes"], table["seconds_per_step"],
                                   min_nodes=fit_min_nodes)
        fit = {"exponent": fit.exponent, "stderr": fit.stderr, "n_points": fit.n_points,
               "min_nodes": fit_min_nodes}
    except ValueError:
        fit = None
    rows = [{k: (int(v) if k in ("n_nodes", "steps") else float(v)) for k, v in row.items()}
            for row in table.to_dict(orient="records")]
    return {"machine": machine_info(), "dtype": table.attrs["dtype"], "repeats": repeats,
            "rows": rows, "fit": fit, "wall_s": wall,
            "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9}


def format_scaling_table(res):
    m = res["machine"]
    lines = [f"machine: {m['cores']} cores, {m['cpu']}; numba {m['numba']} "
             f"({m['numba_threads']} threads); couplings {res['dtype']}",
             f"{'N':>7s} {'steps':>7s} {'s/step':>11s} {'steps/s':>11s} {'MB/step':>10s} "
             f"{'GB/s':>7s} {'mem GB/s':>9s} {'fraction':>9s}"]
    for r in res["rows"]:
        lines.append(f"{r['n_nodes']:7d} {r['steps']:7d} {r['seconds_per_step']:11.3e} "
                     f"{r['steps_per_s']:11.4g} {r['bytes_per_step'] / 1e6:10.4g} "
                     f"{r['bandwidth_gb_s']:7.2f} {r['memory_bandwidth_gb_s']:9.2f} "
                     f"{r['bandwidth_fraction']:9.2f}")
    fit = res["fit"]
    if fit is None:
        lines.append("exponent: fewer than 3 sizes at or above the fit's minimum")
    else:
        lines.append(f"exponent of time vs N (N >= {fit['min_nodes']}, {fit['n_points']} sizes): "
                     f"{fit['exponent']:.3f} +- {fit['stderr']:.3f}")
    lines.append(f"study wall time {res['wall_s']:.1f} s, peak resident memory "
                 f"{res['peak_rss_gb']:.2f} GB")
    return "\n".join(lines)


def _sizes_argument(text):
    try:
        sizes = [int(v) for v in text.split(",") if v.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--sizes must be a comma list of integers, got "
                                         f"{text!r}") from exc
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"--sizes must list positive integers, got {text!r}")
    return sizes


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--quick", action="store_true", help="short runs, no Simulation-2 grid")
    ap.add_argument("--backend", choices=("numba", "jax"), default="numba",
                    help="jax: measure the JAX backend (float64 and float32) beside the numba "
                         "engine in one run (fep_core.bench_jax)")
    ap.add_argument("--scaling", action="store_true",
                    help="the runtime-scaling study instead (fep_core.scaling)")
    ap.add_argument("--dtype", choices=("float32", "float64"), default=None,
                    help="--scaling: how the couplings are stored (default float32)")
    ap.add_argument("--sizes", type=_sizes_argument, default=None,
                    help="--scaling: comma list of network sizes (default 64, 128, ..., 32768, "
                         "50000)")
    ap.add_argument("--fit-min-nodes", type=int, default=2048,
                    help="--scaling: smallest size in the exponent's fit (default 2048)")
    ap.add_argument("--repeats", type=int, default=2,
                    help="--scaling: timed pairs of calls per size (default 2)")
    args = ap.parse_args(argv)
    if not args.scaling and (args.sizes is not None or args.dtype is not None):
        ap.error("--sizes and --dtype go with --scaling")
    if args.scaling and args.backend != "numba":
        ap.error("--scaling times the numba engine; --backend jax has its own sizes "
                 "(python -m fep_core.bench_jax --sizes ...)")
    if args.scaling:
        res = run_scaling(args.sizes, args.dtype or "float32", args.fit_min_nodes, args.repeats)
        print(json.dumps(res, indent=2) if args.json else format_scaling_table(res))
        return
    if args.backend == "jax":
        from . import bench_jax

        res = bench_jax.run(quick=args.quick)
        print(json.dumps(res, indent=2) if args.json else bench_jax.format_table(res))
        return
    res = run(quick=args.quick)
    print(json.dumps(res, indent=2) if args.json else format_table(res))


if __name__ == "__main__":
    main()
