"""Benchmark of the JAX backend beside the numba engine: ``python -m fep_core.bench --backend jax``
(or ``python -m fep_core.bench_jax [--quick] [--json] [--sizes 1024,4096]``).

Measures, in one run on this machine, :class:`fep_core.jax_backend.JaxAttractorBatch` in float64
and float32 on the device JAX picks (a GPU if there is one) and, for the ratios, the numba
engine (:class:`fep_core.network.AttractorBatch`) on this machine's CPU, with the settings of
:mod:`fep_core.bench` (medians over repeats, after a warm-up call):

* ``batch_net_steps_per_s`` — 380 independent 64-node networks learning (the Simulation-2
  step), network-steps per second;
* ``single_n64_steps_per_s`` — one 64-node network learning;
* ``large_steps_per_s`` — one learning network of n = 1024, 2048, 4096 nodes; for JAX also the
  bytes a step must move (one read and one write of J) per second, ``large_GBps``, and as a
  fraction of the device's memory bandwidth, ``bandwidth_fraction``, the bandwidth measured by a
  read-modify-write sweep of a large device array with JAX (``device_bandwidth_GBps``);
* ``first_call_s`` — a fresh process's import and first training call (JAX compiles in every
  new process: it keeps no compilation cache on disk unless configured to), and
  ``compile_s`` — the first call's time above the second's, in this process.

Only ratios within one run are meaningful on a shared machine.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np

B_GRID, N_DIGITS = 380, 64
SIZES = (1024, 2048, 4096)
DTYPES = ("float64", "float32")


def _median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def _make(backend, B, n, dtype):
    from .jax_backend import JaxAttractorBatch
    from .network import AttractorBatch

    if backend == "numba":
        return AttractorBatch(B, n, rng=0)
    return JaxAttractorBatch(B, n, rng=0, dtype=dtype)


def _sync(net):
    """Wait for the device (JAX dispatches asynchronously): read one state."""
    return net.state[0, 0]


def batch_throughput(backend, dtype="float64", steps=2000, repeats=3):
    """Network-steps per second of 380 x 64-node networks learning; also the first call's
    seconds above the second's (compilation)."""
    net = _make(backend, B_GRID, N_DIGITS, dtype)
    pats = np.random.default_rng(1).standard_normal((10, N_DIGITS))
    ev, it = np.linspace(1, 20, B_GRID), np.geomspace(0.01, 1, B_GRID)

    def go():
        net.train(pats, evidence=ev, epochs=steps // 10, steps_per_epoch=10,
                  inverse_temperature=it, learning_rate=0.001)
        _sync(net)

    first = _median_time(go, 1)
    t = _median_time(go, repeats)
    return B_GRID * steps / t, max(0.0, first - t)


def single_throughput(backend, dtype="float64", steps=20000, repeats=5):
    net = _make(backend, 1, N_DIGITS, dtype)
    pats = np.random.default_rng(1).standard_normal((10, N_DIGITS))

    def go():
        net.train(pats, evidence=11.0, epochs=steps // 10, steps_per_epoch=10,
                  inverse_temperature=0.167, learning_rate=0.001)
        _sync(net)

    go()
    return steps / _median_time(go, repeats)


def large_throughput(backend, n, dtype="float64", repeats=3):
    """Learning steps per second of one n-node network (stochastic, its own random numbers,
    nothing recorded): at least 4 steps, about 1 GB of J traffic per call."""
    net = _make(backend, 1, n, dtype)
    bias = np.random.default_rng(0).standard_normal((1, n))
    steps = max(4, int(1e9 // (16 * n * n)))

    def go():
        net.simulate(bias, np.zeros(steps, np.int64), inverse_temperature=0.2,
                     learning_rate=0.001, record=None)
        _sync(net)

    go()
    return steps / _median_time(go, repeats)


def device_bandwidth(mbytes=512, repeats=5, dtype="float32"):
    """Bytes read + written per second by ``a += 1`` over a ``mbytes`` device array (JAX, the
    array donated so that the update is in place); median over repeats."""
    import jax
    import jax.numpy as jnp

    bump = jax.jit(lambda a: a + 1, donate_argnums=0)
    itemsize = np.dtype(dtype).itemsize
    with jax.enable_x64(dtype == "float64"):
        a = jnp.zeros(mbytes * 2 ** 20 // itemsize, dtype)
        a = bump(a).block_until_ready()
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            a = bump(a).block_until_ready()
            times.append(time.perf_counter() - t0)
    return 2 * a.nbytes / float(np.median(times))


_FIRST_CALL = """
import time, numpy as np
t0 = time.perf_counter()
from fep_core.jax_backend import JaxAttractorBatch
b = JaxAttractorBatch(2, 64, rng=0, dtype={dtype!r})
b.train(np.ones((1, 64)), evidence=1.0, epochs=2, steps_per_epoch=2, inverse_temperature=1.0,
        learning_rate=0.001)
b.state
print(time.perf_counter() - t0)
"""


def first_call_time(dtype="float64"):
    """Seconds of a fresh process's import of the backend and first training call."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root)
    res = subprocess.run([sys.executable, "-c", _FIRST_CALL.format(dtype=dtype)], env=env,
                         capture_output=True, text=True, check=True)
    return float(res.stdout.strip().splitlines()[-1])


def machine_info():
    import jax
    import numba

    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    dev = jax.devices()[0]
    return {"cores": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "numpy": np.__version__, "numba": numba.__version__,
            "numba_threads": numba.get_num_threads(), "jax": jax.__version__,
            "jax_device": f"{dev.platform}: {getattr(dev, 'device_kind', str(dev))}"}


def run(quick=False, sizes=SIZES, dtypes=DTYPES):
    """Every measure for the numba engine and for JAX in each of ``dtypes``, as one dict:
    ``{"machine", "numba": {...}, "<dtype>": {...}, "ratios": {...}}``."""
    res = {"machine": machine_info()}
    batch_steps, single_steps = (500, 5000) if quick else (2000, 20000)
    repeats = 2 if quick else 3
    numba = {"batch_net_steps_per_s": batch_throughput("numba", steps=batch_steps,
                                                       repeats=repeats)[0],
             "single_n64_steps_per_s": single_throughput("numba", steps=single_steps,
                                                         repeats=repeats),
             "large_steps_per_s": {str(n): large_throughput("numba", n, repeats=repeats)
                                   for n in sizes}}
    res["numba"] = numba
    ratios = {}
    for dt in dtypes:
        bw = device_bandwidth(mbytes=128 if quick else 512, dtype=dt)
        batch, compile_s = batch_throughput("jax", dt, steps=batch_steps, repeats=repeats)
        item = np.dtype(dt).itemsize
        large = {str(n): large_throughput("jax", n, dt, repeats=repeats) for n in sizes}
        gbps = {n: s * 2 * int(n) ** 2 * item / 1e9 for n, s in large.items()}
        r = {"device_bandwidth_GBps": bw / 1e9, "batch_net_steps_per_s": batch,
             "single_n64_steps_per_s": single_throughput("jax", dt, steps=single_steps,
                                                         repeats=repeats),
             "large_steps_per_s": large, "large_GBps": gbps,
             "bandwidth_fraction": {n: g * 1e9 / bw for n, g in gbps.items()},
             "compile_s": compile_s, "first_call_s": first_call_time(dt)}
        res[dt] = r
        ratios[dt] = {"batch": batch / numba["batch_net_steps_per_s"],
                      "single_n64": r["single_n64_steps_per_s"] / numba["single_n64_steps_per_s"],
                      "large": {n: large[n] / numba["large_steps_per_s"][n] for n in large}}
    res["ratios"] = ratios
    return res


def format_table(res):
    """The results as a plain-text table: one row per measure, one column per engine, and the
    JAX / numba ratios."""
    m = res["machine"]
    dts = [d for d in DTYPES if d in res]
    lines = [f"machine: {m['cores']} cores, {m['cpu']}; python {m['python']}, numpy {m['numpy']}, "
             f"numba {m['numba']} ({m['numba_threads']} threads), jax {m['jax']} on "
             f"{m['jax_device']}",
             f"{'measure':36s} {'numba':>12s}" + "".join(f" {'jax ' + d:>13s}" for d in dts)
             + "".join(f" {d + '/numba':>14s}" for d in dts)]

    def row(name, numba, key, fmt, ratio=None):
        cells = [format(numba, fmt) if numba is not None else "-"]
        cells += [format(key(res[d]), fmt) for d in dts]
        ratios = [format(ratio(res["ratios"][d]), ".2f") if ratio else "" for d in dts]
        lines.append(f"{name:36s} {cells[0]:>12s}" + "".join(f" {c:>13s}" for c in cells[1:])
                     + "".join(f" {c:>14s}" for c in ratios))

    nb = res["numba"]
    row("batched 380 x n64, network-steps/s", nb["batch_net_steps_per_s"],
        lambda r: r["batch_net_steps_per_s"], ",.0f", lambda q: q["batch"])
    row("single n64, steps/s", nb["single_n64_steps_per_s"],
        lambda r: r["single_n64_steps_per_s"], ",.0f", lambda q: q["single_n64"])
    for n in nb["large_steps_per_s"]:
        row(f"large network n={n}, steps/s", nb["large_steps_per_s"][n],
            lambda r, n=n: r["large_steps_per_s"][n], ",.1f", lambda q, n=n: q["large"][n])
        row(f"large network n={n}, GB/s moved", None, lambda r, n=n: r["large_GBps"][n], ".1f")
        row(f"large network n={n}, fraction of bw", None,
            lambda r, n=n: r["bandwidth_fraction"][n], ".2f")
    row("device memory bandwidth, GB/s", None, lambda r: r["device_bandwidth_GBps"], ".1f")
    row("compile (first - second call), s", None, lambda r: r["compile_s"], ".1f")
    row("first call, fresh process, s", None, lambda r: r["first_call_s"], ".1f")
    return "\n".join(lines)


def _sizes(text):
    try:
        sizes = tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--sizes must be a comma list of integers, got "
                                         f"{text!r}") from exc
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"--sizes must list positive integers, got {text!r}")
    return sizes


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--quick", action="store_true", help="short runs")
    ap.add_argument("--sizes", type=_sizes, default=SIZES,
                    help="comma list of large-network sizes (default 1024,2048,4096)")
    ap.add_argument("--dtypes", default=",".join(DTYPES),
                    help="comma list of JAX dtypes to measure (default float64,float32)")
    args = ap.parse_args(argv)
    dtypes = tuple(d.strip() for d in args.dtypes.split(",") if d.strip())
    if not dtypes or any(d not in DTYPES for d in dtypes):
        ap.error(f"--dtypes must list some of {', '.join(DTYPES)}, got {args.dtypes!r}")
    res = run(quick=args.quick, sizes=args.sizes, dtypes=dtypes)
    print(json.dumps(res, indent=2) if args.json else format_table(res))


if __name__ == "__main__":
    main()
