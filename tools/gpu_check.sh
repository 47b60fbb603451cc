#!/usr/bin/env bash
# The JAX backend on a GPU, in one go: for a person with an NVIDIA GPU (CUDA 12 driver) and
# internet access. Run from anywhere in the checkout:
#
#     bash tools/gpu_check.sh            # log: tee gpu_check.log
#
# 1. installs the pinned environment, fep_core with its `jax` extra and the CUDA plugin of the
#    pinned JAX version (into .venv, created if missing);
# 2. runs the exactness tests (tests/test_jax_backend.py) with JAX on the GPU, in float64: the
#    backend against the numba CPU engine to 1e-12 given the same uniforms, its numerics against
#    fep_core.cb, and its statistics over seeds;
# 3. runs the benchmark, `python -m fep_core.bench --backend jax` (float64 and float32 on the
#    GPU beside the numba engine on this machine's CPU, in one run), and the large-network sizes
#    of the revision's table (4096, 16384; 50000 needs 10 GB of GPU memory in float32 and
#    20 GB in float64, and the numba engine the same in RAM).
#
# Every command is printed before it runs, with the machine and the date at the top, so that the
# log is the record. Nothing here changes the GPU's settings.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s\n' "$*"; }
run() { say "\$ $*"; "$@"; }

say "machine: $(hostname); $(uname -srm); $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
say "repository: $(git rev-parse --short HEAD 2>/dev/null || echo '?') $(git status --porcelain 2>/dev/null | wc -l | tr -d ' ') changed files"
if command -v nvidia-smi >/dev/null 2>&1; then
  run nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
else
  say "nvidia-smi not found: is there an NVIDIA GPU and driver?"
fi
grep -m1 "model name" /proc/cpuinfo || true
echo "cores: $(nproc)"

[ -d .venv ] || run python3 -m venv .venv
# shellcheck disable=SC1091
. .venv/bin/activate
run pip install -q -r requirements.txt
run pip install -q -e ".[jax]"
JAX_VERSION=$(python -c 'import jax; print(jax.__version__)')
run pip install -q "jax[cuda12]==${JAX_VERSION}"
run python -c "import jax; print(jax.__version__, jax.devices()); assert jax.default_backend() == 'gpu', 'JAX found no GPU: the results below would be the CPU'"

# float64 on the GPU: the backend's default dtype; the tests compare with the numba CPU engine.
run python -m pytest -p no:cacheprovider -q -rs --durations=10 tests/test_jax_backend.py

run python -m fep_core.bench --backend jax
run python -m fep_core.bench_jax --sizes 4096,16384
say "done: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
