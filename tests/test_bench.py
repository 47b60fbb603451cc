"""The benchmark's command line runs and reports what issue 5 asks for (no timing is asserted:
speed is measured by ``python -m fep_core.bench``, not by tests)."""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.slow        # the --quick benchmark itself: about 40 s
def test_quick_benchmark_prints_one_json_object_with_every_measure():
    env = dict(os.environ, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-m", "fep_core.bench", "--quick", "--json"], cwd=ROOT,
                         env=env, capture_output=True, text=True, check=True, timeout=600).stdout
    res = json.loads(out)
    for key in ("batch_net_steps_per_s", "single_n64_steps_per_s", "numpy_loop_steps_per_s",
                "speedup_vs_numpy_loop", "memory_bandwidth_GBps"):
        assert res[key] > 0, key
    assert res["speedup_vs_numpy_loop"] == (res["batch_net_steps_per_s"]
                                            / res["numpy_loop_steps_per_s"])
    assert set(res["bandwidth_fraction"]) == {"1024", "2048", "4096"}
    assert all(v > 0 for v in res["bandwidth_fraction"].values())
    assert res["first_call_s"]["cold_cache"] > 0 and res["first_call_s"]["warm_cache"] > 0
    machine = res["machine"]
    assert machine["cores"] >= 1 and machine["numpy"] and machine["numba"]
    assert "sim2_train_s" not in res           # --quick leaves out the Simulation-2 grid


def test_scaling_run_prints_the_table_and_the_fit_as_json():
    """``--scaling`` on three tiny sizes: one JSON object with a row per size (the columns of
    fep_core.scaling.step_times), the exponent's fit over them, the wall time and peak memory."""
    env = dict(os.environ, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-m", "fep_core.bench", "--scaling", "--sizes",
                          "8,16,24", "--fit-min-nodes", "8", "--repeats", "2", "--json"],
                         cwd=ROOT, env=env, capture_output=True, text=True, check=True,
                         timeout=300).stdout
    res = json.loads(out)
    assert res["dtype"] == "float32" and res["repeats"] == 2
    assert [r["n_nodes"] for r in res["rows"]] == [8, 16, 24]
    for r in res["rows"]:
        assert r["bytes_per_step"] == 2 * 4 * r["n_nodes"] ** 2
        assert r["seconds_per_step"] > 0 and r["steps"] >= 1
        assert r["steps_per_s"] == pytest.approx(1 / r["seconds_per_step"], rel=1e-12)
        assert r["bandwidth_fraction"] > 0 and r["memory_bandwidth_gb_s"] > 0
    assert res["fit"]["n_points"] == 3 and res["fit"]["min_nodes"] == 8
    assert res["fit"]["stderr"] >= 0
    assert res["wall_s"] > 0 and res["peak_rss_gb"] > 0
    assert res["machine"]["cores"] >= 1


def test_scaling_table_in_text_without_a_fit(capsys, monkeypatch):
    """The text table (float64, two sizes: too few for the exponent, which is then reported
    missing); sizes and dtype are refused without --scaling, and bad sizes are refused."""
    from fep_core import bench, scaling

    real = scaling.bandwidth_array
    monkeypatch.setattr(scaling, "bandwidth_array", lambda mbytes=256: real(8))   # cheap
    bench.main(["--scaling", "--sizes", "8,12", "--dtype", "float64", "--repeats", "1"])
    text = capsys.readouterr().out
    assert "couplings float64" in text and "fewer than 3 sizes" in text
    assert [line.split()[0] for line in text.splitlines()[2:4]] == ["8", "12"]
    for argv in (["--sizes", "8,16"], ["--dtype", "float64"], ["--scaling", "--sizes", "8,0"],
                 ["--scaling", "--sizes", "8,x"], ["--scaling", "--backend", "jax"]):
        with pytest.raises(SystemExit) as exc:
            bench.main(argv)
        assert exc.value.code == 2
    assert "--sizes" in capsys.readouterr().err
