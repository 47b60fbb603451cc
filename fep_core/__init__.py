"""fep_core: the maths and simulations behind the book reproducing Spisak & Friston (2025).

Modules
-------
cb          continuous Bernoulli distribution on [-1, 1]
network     the attractor network (single and batched), inference and learning
metrics     attractors, orthogonality, retrieval and generalisation scores
datasets    Simulation-1 bars and preprocessed scikit-learn digits
experiments one function per simulation of the paper
gaussian    Gaussian free energy primer
geometry    categorical free energy, natural gradient and information length
plotting    figures;  widgets  slider panels;  bench  the benchmark
"""
import hashlib as _hashlib
import os as _os
import pathlib as _pathlib

__version__ = "0.1.0"


def _source_digest() -> str:
    """Hash of every fep_core source file: the key under which compiled code and cached results
    are stored, so that an edit anywhere invalidates both."""
    digest = _hashlib.sha256()
    for path in sorted(_pathlib.Path(__file__).parent.rglob("*.py")):
        digest.update(str(path.relative_to(_pathlib.Path(__file__).parent)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


SOURCE_HASH = _source_digest()


def _configure_numba_cache() -> str:
    """Point numba's on-disk cache at a directory keyed by a hash of fep_core's sources.

    numba's ``cache=True`` checks only the timestamp of the file defining each function, not the
    functions it calls in other modules, so an edit of ``_numerics.py`` would leave stale
    machine code behind. Keying the directory on every source file makes any edit recompile.
    """
    base = _os.environ.get("FEP_CORE_CACHE_DIR",
                           str(_pathlib.Path.home() / ".cache" / "fep_core"))
    cache_dir = _os.path.join(base, "numba-" + SOURCE_HASH)
    _os.environ["NUMBA_CACHE_DIR"] = cache_dir
    import numba  # noqa: E402  (after the variable is set)

    numba.config.CACHE_DIR = cache_dir
    return cache_dir


NUMBA_CACHE_DIR = _configure_numba_cache()
