"""The on-disk result cache (fep_core.cache): hits, damaged entries, unusable directories,
failed writes and concurrent access. Every test uses its own directory under ``tmp_path``."""
import errno
import os
import pickle
import threading
import time
import warnings

import numpy as np
import pytest

from fep_core import cache


def counted(result=None):
    """A tiny pure function of ``n`` that counts its calls, to tell hits from recomputations."""
    lock = threading.Lock()

    def halves(n, progress=False):
        with lock:
            halves.calls += 1
        return np.arange(n, dtype=float) * 0.5 if result is None else result

    halves.calls = 0
    return halves


@pytest.fixture
def cache_env(tmp_path, monkeypatch):
    """An empty cache base directory, with the cache enabled."""
    monkeypatch.setenv("FEP_CORE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("FEP_CORE_RESULT_CACHE", raising=False)
    return tmp_path / "cache"


def entries():
    """Every file in this fep_core's results directory (entries and any temporary files)."""
    d = cache.cache_dir()
    return sorted(d.iterdir()) if d.is_dir() else []


def only_entry():
    (path,) = entries()
    return path


def call(func, **kwargs):
    """``cache.cached(func, **kwargs)`` and the warnings it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = cache.cached(func, **kwargs)
    return result, caught


def one_warning(caught, *names):
    """The single warning raised, a RuntimeWarning whose message names every one of ``names``."""
    assert len(caught) == 1, [str(w.message) for w in caught]
    (w,) = caught
    assert issubclass(w.category, RuntimeWarning)
    for name in names:
        assert str(name) in str(w.message)
    return str(w.message)


# ------------------------------------------------------------------- public behaviour


def test_hit_does_not_recompute_and_progress_is_ignored(cache_env):
    f = counted()
    first, caught = call(f, n=5)
    assert not caught and f.calls == 1
    again, caught = call(f, n=5, progress=True)
    assert not caught and f.calls == 1
    np.testing.assert_array_equal(again, first)
    other, _ = call(f, n=6)
    assert f.calls == 2 and len(other) == 6
    assert cache.cache_dir().parent == cache_env


def test_disabled_cache_always_recomputes(cache_env, monkeypatch):
    monkeypatch.setenv("FEP_CORE_RESULT_CACHE", "0")
    f = counted()
    call(f, n=3)
    call(f, n=3)
    assert f.calls == 2 and not cache_env.exists()


def test_exceptions_of_func_propagate_unchanged(cache_env):
    # FileNotFoundError in particular must not be mistaken for a cache miss or a cache failure
    def raising(exc):
        def fails(n):
            raise exc
        return fails

    for exc in (ValueError("bad n"), FileNotFoundError("input data")):
        fails = raising(exc)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(type(exc)) as info:
                cache.cached(fails, n=1)
        assert info.value is exc and not caught
    assert entries() == []


# ------------------------------------------------------------------- damaged entries


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_damaged_entry_is_recomputed_with_one_warning(cache_env, damage):
    f = counted()
    expected, _ = call(f, n=1000)
    path = only_entry()
    data = path.read_bytes()
    path.write_bytes({"truncated": data[: len(data) // 2], "garbage": b"not a cache file" * 4,
                      "empty": b""}[damage])

    result, caught = call(f, n=1000)
    one_warning(caught, path)
    assert f.calls == 2
    np.testing.assert_array_equal(result, expected)
    # rewritten: the next call is a silent hit
    result, caught = call(f, n=1000)
    assert not caught and f.calls == 2
    np.testing.assert_array_equal(result, expected)
    assert entries() == [path]


def test_flipped_bit_in_array_is_detected(cache_env):
    f = counted()
    expected, _ = call(f, n=1000)   # 8000 bytes of float64: the middle of the file is array data
    path = only_entry()
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x10
    path.write_bytes(bytes(data))

    result, caught = call(f, n=1000)
    one_warning(caught, path)
    assert f.calls == 2
    np.testing.assert_array_equal(result, expected)
    assert call(f, n=1000)[1] == [] and f.calls == 2


def test_bare_pickle_of_old_format_is_a_damaged_entry(cache_env):
    f = counted()
    expected, _ = call(f, n=4)
    path = only_entry()
    path.write_bytes(pickle.dumps(np.zeros(4), protocol=4))   # as the previous version wrote

    result, caught = call(f, n=4)
    one_warning(caught, path)
    assert f.calls == 2
    np.testing.assert_array_equal(result, expected)


# ------------------------------------------------------------------- unusable directories


def test_cache_dir_is_a_regular_file(cache_env, monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    monkeypatch.setenv("FEP_CORE_CACHE_DIR", str(blocker))
    f = counted()
    result, caught = call(f, n=3)
    message = one_warning(caught, blocker)
    assert "not cached" in message
    np.testing.assert_array_equal(result, np.arange(3) * 0.5)
    assert blocker.read_text() == "x"


def _no_temp_files(root):
    return [p for p in root.rglob("*") if p.name.endswith(".tmp")] == []


def test_read_only_cache_dir_chmod(cache_env):
    d = cache.cache_dir()
    d.mkdir(parents=True)
    d.chmod(0o555)
    try:
        try:
            (d / "probe").touch()
        except PermissionError:
            pass
        else:   # root (CAP_DAC_OVERRIDE) ignores the mode; the monkeypatched variant covers it
            (d / "probe").unlink()
            pytest.skip("directory permissions are not enforced for this user (root)")
        f = counted()
        result, caught = call(f, n=3)
        assert "not cached" in one_warning(caught, d)
        np.testing.assert_array_equal(result, np.arange(3) * 0.5)
        assert entries() == []
    finally:
        d.chmod(0o755)


@pytest.mark.parametrize("error", [errno.EACCES, errno.ENOSPC], ids=["read-only", "disk-full"])
def test_failed_write_returns_result_and_leaves_no_temp_file(cache_env, monkeypatch, error):
    def refuse(src, dst):
        raise OSError(error, os.strerror(error), str(dst))
    monkeypatch.setattr(os, "replace", refuse)
    f = counted()
    result, caught = call(f, n=3)
    assert "not cached" in one_warning(caught, cache.cache_dir())
    np.testing.assert_array_equal(result, np.arange(3) * 0.5)
    assert entries() == [] and _no_temp_files(cache_env)


# ------------------------------------------------------------------- unpicklable results


def test_unpicklable_result_is_returned_with_one_warning(cache_env):
    lock = threading.Lock()                            # locks cannot be pickled
    f = counted(result={"a": np.arange(10_000), "lock": lock})
    result, caught = call(f, n=1)
    one_warning(caught, "halves")
    assert result["lock"] is lock
    assert entries() == [] and _no_temp_files(cache_env)
    call(f, n=1)
    assert f.calls == 2                                # nothing was stored


# ------------------------------------------------------------------- concurrency


def test_concurrent_readers_and_writers_never_fail(cache_env):
    """Two writers repeatedly remove and recompute the entry while four readers read it."""
    f = counted()
    expected = np.arange(20_000, dtype=float) * 0.5
    cache.cached(f, n=20_000)
    path = only_entry()
    errors, reads = [], [0]
    deadline = time.monotonic() + 1.0

    def writer():
        try:
            while time.monotonic() < deadline:
                path.unlink(missing_ok=True)
                np.testing.assert_array_equal(cache.cached(f, n=20_000), expected)
        except BaseException as exc:   # reported in the main thread
            errors.append(exc)

    def reader():
        try:
            while time.monotonic() < deadline:
                np.testing.assert_array_equal(cache.cached(f, n=20_000), expected)
                reads[0] += 1
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, daemon=True) for _ in range(2)]
    threads += [threading.Thread(target=reader, daemon=True) for _ in range(4)]
    with warnings.catch_warnings(record=True) as caught:   # records warnings of every thread
        warnings.simplefilter("always")
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a cache call hung"
    assert errors == [], errors[:3]
    assert [str(w.message) for w in caught] == []
    assert reads[0] > 0 and f.calls > 2
    assert _no_temp_files(cache_env)


# ------------------------------------------------------------------- bad arguments


# ids by type: an object's repr holds its address, which differs between pytest-xdist workers
@pytest.mark.parametrize("func", [None, 1.5, "bars", [len], np.zeros(3), object()],
                         ids=lambda f: type(f).__name__)
def test_func_must_be_callable(cache_env, func):
    with pytest.raises(TypeError, match=r"^func must be callable"):
        cache.cached(func, n=1)


def test_func_must_be_named(cache_env):
    class Anonymous:
        def __call__(self, n):
            return n

    f = Anonymous()
    f.__module__ = None        # an instance: no __qualname__, and no module to key on
    with pytest.raises(TypeError, match=r"^func must be a named function"):
        cache.cached(f, n=1)


def test_an_unpicklable_argument_is_named(cache_env):
    def f(n, key):
        return n

    with pytest.raises(TypeError, match=r"^argument key of cached must be picklable"):
        cache.cached(f, n=1, key=lambda: 0)
