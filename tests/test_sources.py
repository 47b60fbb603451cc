"""The cache keys cover what a result depends on, and importing fep_core changes no global
setting of the process."""
import hashlib
import json
import pathlib
import subprocess
import sys
import textwrap

import pytest

from fep_core import _compile_cache, _kernels, _sources, cache, experiments

PKG = _sources.PACKAGE_DIR


def names(module):
    return {str(p.relative_to(PKG)) for p in _sources.dependencies(module)}


def test_kernel_sources_are_the_compiled_modules_only():
    assert names("fep_core._kernels") == {"_kernels.py", "_numerics.py", "_rng.py"}


@pytest.mark.parametrize("module", ["fep_core.experiments", "fep_core.network", "fep_core.metrics",
                                    "fep_core.theory", "fep_core.report"])
def test_results_do_not_depend_on_figures_or_widgets(module):
    deps = names(module)
    assert f"{module.split('.')[-1]}.py" in deps
    assert not any(d.startswith("plotting") or d in {"widgets.py", "explore.py"} for d in deps)


def test_dependencies_are_transitive():
    # experiments reaches cb and the kernels only through network.
    deps = names("fep_core.experiments")
    assert {"network.py", "_kernels.py", "cb.py", "_numerics.py", "datasets.py"} <= deps


def test_digest_is_sha256_of_the_listed_files():
    h = hashlib.sha256()
    for path in sorted(_sources.dependencies("fep_core.cb")):
        h.update(str(path.relative_to(PKG)).encode() + b"\0" + path.read_bytes() + b"\0")
    assert _sources.digest("fep_core.cb") == h.hexdigest()[:16]


@pytest.mark.parametrize("bad", ["numpy", "fep_core.no_such_module", ""])
def test_dependencies_of_a_foreign_module_is_an_error(bad):
    with pytest.raises(ValueError, match="name"):
        _sources.dependencies(bad)


def test_result_key_uses_the_sources_of_the_function():
    assert cache.source_digest(experiments.simulation2) == _sources.digest("fep_core.experiments")
    # a function outside fep_core is keyed by its own file
    own = hashlib.sha256(pathlib.Path(__file__).read_bytes()).hexdigest()[:16]
    assert cache.source_digest(test_result_key_uses_the_sources_of_the_function) == own


def test_result_key_changes_with_the_source_digest(monkeypatch):
    before = cache._key(experiments.simulation2, {"seed": 0})
    monkeypatch.setattr(cache, "source_digest", lambda func: "0" * 16)
    assert cache._key(experiments.simulation2, {"seed": 0}) != before


def test_compiled_kernels_are_stamped_with_their_sources():
    dispatcher = next(v for v in vars(_kernels).values()
                      if hasattr(v, "_cache") and hasattr(v._cache, "_impl")
                      and v.py_func.__module__ == "fep_core._kernels")
    locator = dispatcher._cache._impl.locator
    assert isinstance(locator, _compile_cache.FepCoreLocator)
    assert locator.get_source_stamp() == _sources.digest("fep_core._kernels")
    assert pathlib.Path(locator.get_cache_path()).parent == _compile_cache.cache_root()


def test_import_changes_no_process_setting(tmp_path):
    # A fresh interpreter: the environment and numba's configuration are the same before and
    # after importing fep_core, and a cached function of another package keeps numba's own
    # locator.
    other = tmp_path / "other_mod.py"
    other.write_text(textwrap.dedent("""
        from numba import njit

        @njit(cache=True)
        def twice(x):
            return 2 * x
    """))
    script = textwrap.dedent(f"""
        import json, os, sys
        sys.path.insert(0, {str(tmp_path)!r})
        import numba
        before = (dict(os.environ), numba.config.CACHE_DIR)
        import fep_core, fep_core.network, fep_core.experiments
        after = (dict(os.environ), numba.config.CACHE_DIR)
        import other_mod
        other_mod.twice(1.0)
        print(json.dumps({{"same": before == after,
                          "locator": type(other_mod.twice._cache._impl.locator).__name__}}))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=tmp_path, timeout=300, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["same"]
    assert result["locator"] != "FepCoreLocator"
