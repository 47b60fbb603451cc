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
