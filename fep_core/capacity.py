"""Simulation 5b: the memory capacity of the attractor network (the paper's revision).

The revision trains 100-node networks on K = 10 ... 90 random +-1 patterns and scores each
stored pattern by *retention* (deterministic dynamics started at the pattern itself) and
*reconstruction* (a noisy copy as bias); it reads the table as a capacity "substantially
exceeding ~0.14 N, approaching N" (:data:`fep_core.paper.CAPACITY_CLAIMS`). Retention started
at the pattern tests whether a pattern is (near) a fixed point, not whether it attracts
anything, and no classic network ran on the same task. This module runs

* the revision's protocol with this book's engine (:func:`authors_protocol`), every network of
  every K and repeat in one batch;
* a basin test that can fail (:func:`basin_recall`): each stored pattern corrupted by flipping
  a fixed number of its entries, relaxed by a network's own dynamics, counted as recalled when
  the end state's overlap with the pattern reaches a threshold;
* the critical load (:func:`critical_load`), the largest K/N at which a network still recalls
  90% of its patterns from 10% corruption, for the paper's network and for the Hebbian,
  projector and Storkey networks of :mod:`fep_core.baselines` on the same patterns and starts
  (:func:`capacity_study`, at several N);
* the verdict on the revision's two claims, one case per network size and seed
  (:func:`exceeds_hebbian`, :func:`approaches_n`, :func:`claim_cases`);
* the small sweep over training precision, learning rate and load behind the chapter's
  interactive section (:func:`training_sweep`).

Randomness: every number comes from ``seed`` (``rng``) through streams keyed by what they are
for (:func:`fep_core.streams.stream` with the key ``(CAPACITY, N, K, repeat, purpose)``, and
for :func:`capacity_study`'s corruptions also the level in thousandths): the patterns,
presentation order, training noise, reconstruction noise and corruptions of the network with K
patterns of N nodes and repeat r are the same whichever other networks share its batch, so a
batch gives the numbers of its networks run one at a time, and the paper's network and the
classic networks see the same patterns and the same corrupted starts. (The classic networks'
node orders come from one stream per N, drawn in order.)
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import baselines, metrics, paper
from ._validation import as_generator, choice, count, finite_array, flag, positive
from .backends import BACKENDS, make_batch
from .network import AttractorBatch
from .streams import stream

__all__ = ["random_patterns", "TrainedNetworks", "train_networks", "AuthorsResult",
           "authors_protocol", "corrupt", "BasinRecall", "basin_recall", "fep_dynamics",
           "baseline_dynamics", "CriticalLoad", "critical_load", "CapacityStudy",
           "capacity_study", "exceeds_hebbian", "approaches_n", "claim_cases", "SweepResult",
           "training_sweep", "simulation5", "Simulation5Result",
           "CAPACITY", "TRAINING_SETTINGS", "SCORING_SETTINGS", "NETWORKS", "BASELINES",
           "STUDY_LOADS", "STUDY_REPEATS", "BASELINE_LOADS", "STUDY_CORRUPTION", "RECALL_THRESHOLD",
           "RECALL_LEVEL", "CLAIM_FACTOR", "CLAIM_FRACTION", "RELAX_TOL", "MAX_VALUE",
           "SWEEP_NODES", "SWEEP_EPOCHS", "SWEEP_CORRUPTION"]

_S5 = paper.SIMULATION5_CAPACITY

CAPACITY = 5_000
"""First element of the stream keys of this module (:mod:`fep_core.streams`)."""
_PATTERNS, _ORDER, _TRAIN, _NOISE, _STEP, _CORRUPT, _RECALL = range(7)

TRAINING_SETTINGS = ("evidence", "inverse_temperature", "learning_rate", "epochs",
                     "steps_per_epoch")
"""Training settings of :data:`fep_core.paper.SIMULATION5_CAPACITY` a caller may change."""
SCORING_SETTINGS = ("retention_inverse_temperature", "retention_steps", "reconstruction_noise",
                    "reconstruction_steps", "reconstruction_inverse_temperature")
"""Scoring settings of :data:`fep_core.paper.SIMULATION5_CAPACITY` a caller may change."""

MAX_VALUE = 1e6
"""Largest evidence, precision and learning rate accepted (as in :mod:`fep_core.experiments`)."""

RELAX_TOL = 1e-12
"""A deterministic relaxation stops before its step budget once no entry of the state changes by
more than this in a step (a fixed point to rounding): the later steps would change nothing
visible."""

RECALL_THRESHOLD = 0.95
"""A pattern is recalled when the end state's overlap (cosine) with it is at least this."""
RECALL_LEVEL = 0.9
"""The critical load is where the fraction of patterns recalled falls below this."""
STUDY_CORRUPTION = (0.0, 0.1, 0.2)
"""Fractions of flipped entries in :func:`capacity_study` (0: the fixed-point test; the
critical load is read at 0.1)."""

BASELINES = ("Hebbian", "projector", "Storkey")
"""The classic networks of :func:`capacity_study` (:mod:`fep_core.baselines`)."""
NETWORKS = ("FEP (iT 100)", "FEP (iT 1)") + BASELINES
"""Labels of the networks in :func:`capacity_study`'s tables: the paper's network relaxed at
the retention precision (100) and at its training precision (1), then the classic networks."""

STUDY_LOADS = {50: (15, 20, 25, 30), 100: tuple(_S5["n_patterns"]), 200: (70, 90, 110)}
"""Numbers of patterns K of the paper's network per network size N in :func:`capacity_study`:
the revision's K = 10 ... 90 at N = 100 (the same networks serve both protocols), and coarse
grids around the measured crossing (K/N near 0.45) at N = 50 and 200."""
STUDY_REPEATS = {50: 3, 100: 3, 200: 2}
"""Repeats (seeds) per network size of the chapter's study (the revision: 20 at N = 100)."""

CLAIM_FACTOR = 2.0
""""Substantially exceeding ~0.14 N": at least this many times the Hebbian capacity."""
CLAIM_FRACTION = 0.9
""""Approaching N": a critical load of at least this fraction of N."""

SWEEP_NODES = 50
SWEEP_EPOCHS = 2000
SWEEP_CORRUPTION = (0.0, 0.1, 0.2, 0.3, 0.4)
"""Network size, training epochs (of :data:`fep_core.paper.SIMULATION5_CAPACITY`'s steps per
epoch) and corruptions of :func:`training_sweep` (the interactive section's small networks)."""


# ---------------------------------------------------------------------------------------------
# Checks


def _scale(value, name, *, allow_zero=False):
    v = positive(value, name, allow_zero=allow_zero)
    if v > MAX_VALUE:
        raise ValueError(f"{name} must be at most {MAX_VALUE:g}, got {v:g}")
    return v


def _settings(settings, allowed):
    """The revision's settings with the caller's changes, checked (an unknown name is a
    TypeError naming it)."""
    unknown = sorted(set(settings) - set(allowed))
    if unknown:
        raise TypeError(f"unknown setting(s) {unknown}; the settings are {list(allowed)}")
    out = {k: _S5[k] for k in allowed}
    out.update(settings)
    for k in ("evidence", "inverse_temperature", "retention_inverse_temperature",
              "reconstruction_inverse_temperature"):
        if k in out:
            out[k] = _scale(out[k], k)
    if "learning_rate" in out:
        out["learning_rate"] = _scale(out["learning_rate"], "learning_rate", allow_zero=True)
    if "reconstruction_noise" in out:
        out["reconstruction_noise"] = _scale(out["reconstruction_noise"], "reconstruction_noise",
                                             allow_zero=True)
    for k in ("epochs", "steps_per_epoch", "retention_steps", "reconstruction_steps"):
        if k in out:
            out[k] = count(out[k], k)
    return out


def _seed(rng):
    """The root seed of the streams: an int seed as given; a Generator gives one draw."""
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(2 ** 63))
    if isinstance(rng, (bool, np.bool_)) or not isinstance(rng, (numbers.Integral, np.integer)):
        raise TypeError(f"rng must be a non-negative integer seed or a numpy.random.Generator, "
                        f"got {type(rng).__name__}")
    return count(rng, "rng", minimum=0)


def _int_list(values, name, *, minimum=1):
    """A non-empty sequence of integers >= ``minimum`` as a list."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a sequence of integers, got {type(values).__name__}")
    items = list(values)
    if not items:
        raise ValueError(f"{name} must hold at least one value")
    return [count(v, name, minimum=minimum) for v in items]


def _fractions(values, name, *, allow_one=True):
    """A non-empty 1-D array of fractions in [0, 1] (or [0, 1))."""
    arr = finite_array(values, name, ndim=(0, 1))
    arr = np.atleast_1d(arr)
    if arr.size == 0:
        raise ValueError(f"{name} must hold at least one value")
    if np.any(arr < 0) or np.any(arr > 1) or (not allow_one and np.any(arr == 1)):
        raise ValueError(f"{name} must lie in [0, 1], got {arr.tolist()}")
    return arr


def _flags(value, name):
    """A bool or a non-empty sequence of distinct bools, as a tuple."""
    if isinstance(value, (bool, np.bool_)):
        return (bool(value),)
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise TypeError(f"{name} must be True, False or a sequence of them, "
                        f"got {type(value).__name__}")
    items = tuple(flag(v, name) for v in value)
    if not items or len(set(items)) != len(items):
        raise ValueError(f"{name} must hold True and/or False once each, got {items}")
    return items


# ---------------------------------------------------------------------------------------------
# Patterns and training


def random_patterns(n_patterns, n_nodes, *, rng):
    """Dense random patterns: each entry -1 or +1 with probability 1/2, independently.

    Returns an array (n_patterns, n_nodes) of floats; ``rng`` a seed or Generator.
    """
    K = count(n_patterns, "n_patterns")
    N = count(n_nodes, "n_nodes")
    return 2.0 * as_generator(rng).integers(0, 2, size=(K, N)) - 1.0


def _key(seed, n_nodes, n_patterns, repeat, purpose):
    return stream(seed, CAPACITY, n_nodes, n_patterns, repeat, purpose)


@dataclass
class TrainedNetworks:
    """Networks trained on random patterns (:func:`train_networks`), network ``b`` on its first
    ``n_patterns[b]`` rows of ``patterns``.

    Attributes
    ----------
    n_nodes : int
    n_patterns, repeat : int arrays (B,) — K and the repeat of each network (its stream key)
    reset_state : bool array (B,) — trained with the state reset to zero at every epoch
    inverse_temperature, learning_rate : float arrays (B,) — training precision and rate
    patterns : array (B, Kmax, N) — zero rows after each network's own K
    J : array (B, N, N) — trained couplings
    state : array (B, N) — state after training
    seed : int
    settings : dict — evidence, epochs, steps_per_epoch
    """

    n_nodes: int
    n_patterns: np.ndarray
    repeat: np.ndarray
    reset_state: np.ndarray
    inverse_temperature: np.ndarray
    learning_rate: np.ndarray
    patterns: np.ndarray
    J: np.ndarray
    state: np.ndarray
    seed: int
    settings: dict = field(default_factory=dict)

    @property
    def n_networks(self) -> int:
        return len(self.n_patterns)

    @property
    def valid(self) -> np.ndarray:
        """(B, Kmax) bool: which rows of ``patterns`` are stored patterns."""
        return np.arange(self.patterns.shape[1])[None, :] < self.n_patterns[:, None]

    def select(self, mask) -> "TrainedNetworks":
        """The networks where ``mask`` (B,) is True (patterns trimmed to their largest K)."""
        m = np.asarray(mask, dtype=bool)
        if m.shape != (self.n_networks,) or not m.any():
            raise ValueError(f"mask must be a (B,) = ({self.n_networks},) boolean array "
                             f"selecting at least one network")
        k = int(self.n_patterns[m].max())
        return TrainedNetworks(self.n_nodes, self.n_patterns[m], self.repeat[m],
                               self.reset_state[m], self.inverse_temperature[m],
                               self.learning_rate[m], self.patterns[m, :k], self.J[m],
                               self.state[m], self.seed, dict(self.settings))


def _per_network(value, name, B, *, allow_zero=False):
    arr = np.atleast_1d(finite_array(value, name, ndim=(0, 1)))
    if arr.size == 1:
        arr = np.full(B, float(arr[0]))
    if arr.shape != (B,):
        raise ValueError(f"{name} must be a number or one value per network ({B}), "
                         f"got shape {arr.shape}")
    for v in arr:
        _scale(float(v), name, allow_zero=allow_zero)
    return arr.astype(float)


def train_networks(n_patterns, *, n_nodes=_S5["n_nodes"], repeats=1, rng=0, reset_state=False,
                   inverse_temperature=None, learning_rate=None, progress=False,
                   backend="numba", **settings):
    """Train one network per (K, repeat, reset) on K random patterns, all as one batch.

    The revision's training (:data:`fep_core.paper.SIMULATION5_CAPACITY`): each epoch presents
    one of the network's own K patterns, chosen uniformly at random, as bias ``evidence *
    pattern`` for ``steps_per_epoch`` steps with learning (the reference code's synchronous
    step). Networks of different K share the batch: the patterns are padded to the largest K
    with zero rows, and each network's presentation order only visits its own K patterns.

    ``reset_state=True`` sets the state to zero at the start of every epoch, as the authors'
    JAX code does (the first step of each epoch is then purely Hebbian): training then runs as
    one engine call per epoch, the state of the networks to reset set to zero between calls
    (the other networks' runs are unchanged by being cut into calls). Its cost is that of
    ``epochs`` calls instead of a few (about 1 ms each on two cores, more on a busy machine).

    Parameters
    ----------
    n_patterns : sequence of int >= 1 — the values of K
    n_nodes : int — N
    repeats : int >= 1 — networks per K (repeat 0, 1, ...)
    rng : int seed or Generator — the root seed of every stream
    reset_state : bool, or a sequence of distinct bools — one set of networks per value, on the
        same patterns, orders and training noise (a paired comparison)
    inverse_temperature, learning_rate : float or (len(n_patterns),) arrays, optional — per K
        (default: the revision's 1 and 0.0005)
    progress : bool — a progress bar over the epochs (reset) or steps
    backend : "numba" (default) or "jax" — the engine that trains the batch
        (:func:`fep_core.backends.make_batch`; ``"jax"`` runs on a GPU where JAX finds one). The
        engines draw different training noise, so with one seed they agree in distribution,
        not network by network.
    **settings : ``evidence``, ``epochs``, ``steps_per_epoch`` (default: the revision's)

    Returns
    -------
    TrainedNetworks, networks ordered reset value-major, then K, then repeat.
    """
    ks = _int_list(n_patterns, "n_patterns")
    N = count(n_nodes, "n_nodes")
    R = count(repeats, "repeats")
    seed = _seed(rng)
    resets = _flags(reset_state, "reset_state")
    flag(progress, "progress")
    choice(backend, "backend", BACKENDS)
    s = _settings(settings, ("evidence", "epochs", "steps_per_epoch"))
    its = _per_network(_S5["inverse_temperature"] if inverse_temperature is None
                       else inverse_temperature, "inverse_temperature", len(ks))
    rates = _per_network(_S5["learning_rate"] if learning_rate is None else learning_rate,
                         "learning_rate", len(ks), allow_zero=True)
    rows = [(r0, k, it, a, rep) for r0 in resets for k, it, a in zip(ks, its, rates)
            for rep in range(R)]
    K_ = np.array([r[1] for r in rows])
    rep = np.array([r[4] for r in rows])
    reset = np.array([r[0] for r in rows])
    iT = np.array([r[2] for r in rows])
    alpha = np.array([r[3] for r in rows])
    J, state, pats = _train(N, K_, rep, reset, seed, iT, alpha, s, progress, backend)
    return TrainedNetworks(N, K_, rep, reset, iT, alpha, pats, J, state, seed, s)


def _padded_patterns(seed, N, K_, rep):
    pats = np.zeros((len(K_), int(K_.max()), N))
    for b, (k, r) in enumerate(zip(K_, rep)):
        pats[b, :k] = random_patterns(k, N, rng=_key(seed, N, k, r, _PATTERNS))
    return pats


def _train(N, K_, rep, reset, seed, iT, alpha, s, progress, backend):
    B = len(K_)
    epochs, steps = s["epochs"], s["steps_per_epoch"]
    pats = _padded_patterns(seed, N, K_, rep)
    order = np.stack([_key(seed, N, k, r, _ORDER).integers(0, k, size=epochs)
                      for k, r in zip(K_, rep)])
    batch = make_batch(B, N, rng=[_key(seed, N, k, r, _TRAIN) for k, r in zip(K_, rep)],
                       backend=backend)
    common = dict(scale=s["evidence"], steps_per_segment=steps, inverse_temperature=iT,
                  learning_rate=alpha, record=None)
    if not reset.any():
        batch.simulate(pats, order, progress=progress, **common)
    else:
        b = np.arange(B)
        first = np.zeros((B, 1), np.int64)
        epochs_iter = range(epochs)
        if progress:
            from tqdm.auto import tqdm

            epochs_iter = tqdm(epochs_iter, desc="training (state reset every epoch)",
                               unit="epoch", leave=False)
        for e in epochs_iter:
            x = batch.state.copy()
            x[reset] = 0.0
            batch.state = x
            batch.simulate(pats[b, order[:, e]][:, None, :], first, **common)
    return batch.J.copy(), batch.state.copy(), pats


def _batch(J, *, rngs=None):
    """An AttractorBatch with the couplings J (B, N, N) (rngs: its generators)."""
    B, N = J.shape[0], J.shape[-1]
    return AttractorBatch(B, N, rng=rngs, coupling=J)


# ---------------------------------------------------------------------------------------------
# The revision's protocol


@dataclass
class AuthorsResult:
    """The revision's capacity protocol (:func:`authors_protocol`).

    ``table``: one row per network (K, repeat, reset) with columns ``n_nodes``, ``n_patterns``,
    ``load`` (K/N), ``repeat``, ``reset_state``, ``retention`` (mean Pearson r of end state and
    pattern), ``retention_converged`` (fraction of retention runs that reached a fixed point
    before the step budget), ``reconstruction`` (mean r of the averaged state and the pattern),
    ``noisy_r`` (mean r of the noisy input and the pattern), ``gain`` (reconstruction minus
    noisy_r) and ``max_pattern_r`` (largest |r| between two stored patterns; NaN, where
    undefined, for K = 1). ``retention_r`` and ``reconstruction_r``: (B, Kmax) per pattern (NaN
    after each network's K). ``retention_states``: (B, Kmax, N) end states of retention.
    ``networks``: the trained networks. ``settings``: every setting used."""

    table: pd.DataFrame
    retention_r: np.ndarray
    reconstruction_r: np.ndarray
    retention_states: np.ndarray
    networks: TrainedNetworks
    settings: dict = field(default_factory=dict)


def authors_protocol(n_patterns=_S5["n_patterns"], *, n_nodes=_S5["n_nodes"],
                     repeats=_S5["repeats"], rng=0, reset_state=False, progress=False,
                     networks=None, backend="numba", **settings):
    """The revision's capacity protocol (Simulation 5b) with this book's engine.

    For each K in ``n_patterns`` and each repeat, a network of ``n_nodes`` nodes learns K dense
    random +-1 patterns (:func:`train_networks`; evidence 2, precision 1, learning rate 0.0005,
    10,000 epochs of 10 steps, random order: the revision's settings), all networks of all K and
    repeats as one batch. Then, per stored pattern:

    * retention: deterministic dynamics with zero bias at precision 100, started at the pattern,
      for 200 steps (fewer once the state stops changing, :data:`RELAX_TOL`); score = Pearson r
      of the end state and the pattern;
    * reconstruction: ``noisy = pattern + N(0, (2 sd(pattern))^2)`` is the bias, and the initial
      state is ``noisy`` clipped to [-1, 1] (the engine's states lie in [-1, 1]; the authors'
      code starts from ``noisy`` itself); the mean of 20 stochastic steps at precision 1 is the
      response; score = r(response, pattern); gain = score - r(noisy, pattern);
    * reference: the largest |r| between two of the network's stored patterns.

    Parameters
    ----------
    n_patterns : sequence of int — the values of K (default: the revision's 10 ... 90)
    n_nodes : int — N (default 100)
    repeats : int — networks per K (the revision: 20)
    rng : int seed or Generator
    reset_state : bool or sequence of bools — see :func:`train_networks` (the authors' JAX code
        resets the state at every epoch; the reference code, this book's default, does not)
    networks : TrainedNetworks, optional — networks already trained with these arguments (as
        :func:`train_networks` returns them); they are checked against the arguments and scored
        without training again
    progress : bool
    backend : "numba" (default) or "jax" — the engine that trains the networks (see
        :func:`train_networks`); the scoring runs on the CPU engine
    **settings : any of :data:`TRAINING_SETTINGS` and :data:`SCORING_SETTINGS`

    Returns
    -------
    AuthorsResult
    """
    s = _settings(settings, TRAINING_SETTINGS + SCORING_SETTINGS)
    train = {k: s[k] for k in ("evidence", "epochs", "steps_per_epoch")}
    kw = dict(n_nodes=n_nodes, repeats=repeats, rng=rng, reset_state=reset_state,
              inverse_temperature=s["inverse_temperature"], learning_rate=s["learning_rate"])
    if networks is None:
        nets = train_networks(n_patterns, progress=progress, backend=backend, **kw, **train)
    else:
        nets = _check_networks(networks, n_patterns, train, **kw)
    return _score_authors(nets, s)


def _check_networks(networks, n_patterns, train, *, n_nodes, repeats, rng, reset_state,
                    inverse_temperature, learning_rate):
    if not isinstance(networks, TrainedNetworks):
        raise TypeError(f"networks must be TrainedNetworks, got {type(networks).__name__}")
    ks = _int_list(n_patterns, "n_patterns")
    R = count(repeats, "repeats")
    resets = _flags(reset_state, "reset_state")
    want_k = np.array([k for _ in resets for k in ks for _ in range(R)])
    want_reset = np.array([r for r in resets for _ in ks for _ in range(R)])
    same = (networks.n_nodes == count(n_nodes, "n_nodes") and networks.seed == _seed(rng)
            and networks.settings == train and networks.n_networks == want_k.size
            and np.array_equal(networks.n_patterns, want_k)
            and np.array_equal(networks.reset_state, want_reset)
            and np.all(networks.inverse_temperature == inverse_temperature)
            and np.all(networks.learning_rate == learning_rate))
    if not same:
        raise ValueError("networks were not trained with these arguments (n_patterns, n_nodes, "
                         "repeats, rng, reset_state and the training settings must match)")
    return networks


def _score_authors(nets, s):
    B, N = nets.n_networks, nets.n_nodes
    K_, valid, pats = nets.n_patterns, nets.valid, nets.patterns
    seed = nets.seed
    keys = list(zip(K_, nets.repeat))
    # retention: from each stored pattern, deterministic, zero bias
    batch = _batch(nets.J)
    ret = batch.relax(pats, inverse_temperature=s["retention_inverse_temperature"],
                      max_steps=s["retention_steps"], tol=RELAX_TOL)
    retention = np.where(valid, metrics.correlation(ret.states, pats), np.nan)
    converged = np.where(valid, ret.converged, False)
    # reconstruction: one trial per stored pattern, in order; padded trials (after a network's
    # own K) run last on a zero bias and are ignored
    noisy = np.zeros_like(pats)
    for b, (k, r) in enumerate(keys):
        p = pats[b, :k]
        sd = p.std(axis=1, keepdims=True)
        noise = _key(seed, N, k, r, _NOISE).standard_normal(p.shape)
        noisy[b, :k] = p + s["reconstruction_noise"] * sd * noise
    stepper = _batch(nets.J, rngs=[_key(seed, N, k, r, _STEP) for k, r in keys])
    response = np.empty_like(pats)
    first = np.zeros((B, 1), np.int64)
    for t in range(pats.shape[1]):
        stepper.state = np.clip(noisy[:, t], -1.0, 1.0)
        response[:, t] = stepper.simulate(
            noisy[:, t][:, None, :], first, steps_per_segment=s["reconstruction_steps"],
            inverse_temperature=s["reconstruction_inverse_temperature"], learning_rate=0.0,
            record="means")[:, 0]
    recon = np.where(valid, metrics.correlation(response, pats), np.nan)
    noisy_r = np.where(valid, metrics.correlation(noisy, pats), np.nan)
    rows = []
    for b, (k, r) in enumerate(keys):
        p = pats[b, :k]
        rows.append({"n_nodes": N, "n_patterns": int(k), "load": k / N, "repeat": int(r),
                     "reset_state": bool(nets.reset_state[b]),
                     "retention": float(np.mean(retention[b, :k])),
                     "retention_converged": float(np.mean(converged[b, :k])),
                     "reconstruction": float(np.mean(recon[b, :k])),
                     "noisy_r": float(np.mean(noisy_r[b, :k])),
                     "gain": float(np.mean(recon[b, :k] - noisy_r[b, :k])),
                     "max_pattern_r": _max_pattern_r(p)})
    return AuthorsResult(pd.DataFrame(rows), retention, recon,
                         np.where(valid[..., None], ret.states, 0.0), nets,
                         {**s, "n_nodes": N, "seed": seed})


def _max_pattern_r(p):
    """Largest |Pearson r| between two distinct rows (NaN for a single row)."""
    if len(p) < 2:
        return float("nan")
    r = metrics.correlation(p[:, None, :], p[None, :, :])
    np.fill_diagonal(r, 0.0)
    return float(np.max(np.abs(r)))


# ---------------------------------------------------------------------------------------------
# Basins


def _flip_count(fraction, n):
    """round(fraction * n), halves rounded up (a fraction of exactly k + 1/2 entries flips k+1)."""
    return int(np.floor(fraction * n + 0.5))


def corrupt(patterns, fraction, *, kind="flip", rng):
    """Corrupted copies of patterns.

    ``kind="flip"``: in each pattern (a row), exactly ``round(fraction * N)`` entries (halves
    rounded up), chosen uniformly at random without replacement, change sign; meant for +-1
    patterns. ``kind="noise"``: Gaussian noise of standard deviation ``fraction * sd(pattern)``
    is added to every entry and the result clipped to [-1, 1] (the attractor network's state
    range; for continuous dynamics only: the classic networks' recall takes +-1 states).

    Parameters
    ----------
    patterns : array (..., N)
    fraction : float in [0, 1]
    kind : "flip" or "noise"
    rng : seed or Generator — rows are corrupted in C order

    Returns
    -------
    array of the patterns' shape
    """
    p = finite_array(patterns, "patterns")
    if p.ndim < 1 or p.shape[-1] < 1:
        raise ValueError(f"patterns must be an array (..., N) with N >= 1, got shape {p.shape}")
    if np.ndim(fraction) != 0:
        raise ValueError("fraction must be a single number in [0, 1]")
    f = float(_fractions(fraction, "fraction")[0])
    choice(kind, "kind", {"flip", "noise"})
    g = as_generator(rng)
    N = p.shape[-1]
    rows = p.reshape(-1, N)
    if kind == "flip":
        m = _flip_count(f, N)
        out = rows.copy()
        if m:
            idx = np.argsort(g.random(rows.shape), axis=1, kind="stable")[:, :m]
            np.put_along_axis(out, idx, -np.take_along_axis(rows, idx, axis=1), axis=1)
    else:
        sd = rows.std(axis=1, keepdims=True)
        out = np.clip(rows + f * sd * g.standard_normal(rows.shape), -1.0, 1.0)
    return out.reshape(p.shape)


@dataclass
class BasinRecall:
    """What :func:`basin_recall` found.

    Attributes
    ----------
    corruption : array (C,) — the fractions of flipped entries
    overlap : array (..., C, K) — cosine of each end state with its pattern; NaN (explicitly)
        for the padding rows after a network's own number of patterns
    recalled : bool array (..., C, K) — overlap >= threshold (False for padding)
    fraction : array (..., C) — fraction of a network's patterns recalled
    end_states : array (..., C, K, N)
    """

    corruption: np.ndarray
    overlap: np.ndarray
    recalled: np.ndarray
    fraction: np.ndarray
    end_states: np.ndarray


def _cosine(a, b):
    """Cosine of matching rows (last axis); 0 where a side is zero."""
    num = np.sum(a * b, axis=-1)
    den = np.sqrt(np.sum(a * a, axis=-1) * np.sum(b * b, axis=-1))
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def basin_recall(dynamics, patterns, *, corruption=(0.1, 0.2, 0.3), kind="flip",
                 threshold=RECALL_THRESHOLD, rng=None, n_patterns=None):
    """Recall of stored patterns from corrupted starts: a test of basins, not of fixed points.

    Each pattern is corrupted at each level (:func:`corrupt`), every corrupted copy is relaxed
    by ``dynamics`` in one call, and a pattern counts as recalled from a level when the end
    state's overlap with it (the cosine; ``s . xi / N`` for +-1 states) is at least
    ``threshold``. A state that settled on the pattern's negative or on another pattern is not
    a recall.

    Parameters
    ----------
    dynamics : callable — starts of shape (..., C*K, N) -> end states of the same shape (the
        corrupted copies of all patterns at all levels, level-major); e.g. :func:`fep_dynamics`
        or :func:`baseline_dynamics`
    patterns : array (K, N), or (B, K, N) for B networks (each its own patterns)
    corruption : sequence of fractions in [0, 1]
    kind : "flip" or "noise" (see :func:`corrupt`)
    threshold : float in (0, 1]
    rng : seed or Generator; for (B, K, N) patterns also a sequence of B of them (network b's
        corruptions then come from its own stream only, so batching does not change them)
    n_patterns : int array (B,), optional — network b stores only its first ``n_patterns[b]``
        rows; the others are padding: their starts are all-ones and they are not scored

    Returns
    -------
    BasinRecall
    """
    if not callable(dynamics):
        raise TypeError(f"dynamics must be callable, got {type(dynamics).__name__}")
    p = finite_array(patterns, "patterns", ndim=(2, 3))
    if p.shape[-2] < 1 or p.shape[-1] < 1:
        raise ValueError(f"patterns must hold at least one pattern of at least one node, "
                         f"got shape {p.shape}")
    levels = _fractions(corruption, "corruption")
    choice(kind, "kind", {"flip", "noise"})
    thr = positive(threshold, "threshold")
    if thr > 1:
        raise ValueError(f"threshold must lie in (0, 1], got {thr}")
    batched = p.ndim == 3
    P = p if batched else p[None]
    B, K, N = P.shape
    if n_patterns is None:
        counts = np.full(B, K)
    else:
        counts = np.atleast_1d(np.asarray(n_patterns))
        if (counts.shape != (B,) or not np.issubdtype(counts.dtype, np.integer)
                or counts.min() < 1 or counts.max() > K):
            raise ValueError(f"n_patterns must be {B} integers from 1 to {K}, one per network")
    if isinstance(rng, (list, tuple)):
        if not batched or len(rng) != B:
            raise ValueError(f"rng must be one seed/Generator, or one per network ({B}) for "
                             f"(B, K, N) patterns")
        gens = [as_generator(r) for r in rng]
    else:
        g = as_generator(rng)
        gens = [g] * B
    C = levels.size
    starts = np.ones((B, C, K, N))
    for b in range(B):
        k = int(counts[b])
        for c, f in enumerate(levels):
            starts[b, c, :k] = corrupt(P[b, :k], float(f), kind=kind, rng=gens[b])
    flat = starts.reshape(B, C * K, N)
    ends = np.asarray(dynamics(flat if batched else flat[0]), dtype=float)
    if ends.shape != (flat if batched else flat[0]).shape:
        raise ValueError(f"dynamics must return end states of the starts' shape "
                         f"{(flat if batched else flat[0]).shape}, got {ends.shape}")
    if not np.all(np.isfinite(ends)):
        raise ValueError("dynamics returned end states that are not finite")
    ends = ends.reshape(B, C, K, N)
    valid = (np.arange(K)[None, :] < counts[:, None])[:, None, :]        # (B, 1, K)
    ov = np.where(valid, _cosine(ends, P[:, None]), np.nan)
    rec = valid & (np.nan_to_num(ov, nan=-1.0) >= thr)
    frac = rec.sum(axis=-1) / counts[:, None]
    if not batched:
        ov, rec, frac, ends = ov[0], rec[0], frac[0], ends[0]
    return BasinRecall(levels, ov, rec, frac, ends)


def fep_dynamics(J, *, inverse_temperature=_S5["retention_inverse_temperature"],
                 max_steps=_S5["retention_steps"], tol=RELAX_TOL):
    """The attractor network's deterministic dynamics as a callable for :func:`basin_recall`.

    ``J`` (N, N) or (B, N, N); the callable maps starts (M, N) (one network) or (B, M, N) to
    the states reached by ``x <- L(iT J x)`` (zero bias, synchronous, as
    :meth:`fep_core.network.AttractorBatch.relax`) after ``max_steps`` steps or once no entry
    changes by more than ``tol``. A start that falls into a cycle ends where the budget ends.
    """
    J3 = finite_array(J, "J", ndim=(2, 3))
    one = J3.ndim == 2
    J3 = J3[None] if one else J3
    it = _scale(inverse_temperature, "inverse_temperature")
    max_steps = count(max_steps, "max_steps")
    tol = positive(tol, "tol")
    batch = _batch(J3)

    def relax(starts):
        x = np.asarray(starts, dtype=float)
        res = batch.relax(x[None] if one else x, inverse_temperature=it, max_steps=max_steps,
                          tol=tol)
        return res.states[0] if one else res.states

    return relax


def baseline_dynamics(W, *, rng, max_sweeps=100, schedule="asynchronous"):
    """A classic network's sign dynamics (:func:`fep_core.baselines.recall`) as a callable for
    :func:`basin_recall`: ``W`` (N, N) or (B, N, N); starts (M, N) or (B, M, N) of +-1. Node
    orders come from ``rng`` (one stream for all networks and states, drawn in order)."""
    W = finite_array(W, "W", ndim=(2, 3))
    gen = as_generator(rng)
    max_sweeps = count(max_sweeps, "max_sweeps")
    choice(schedule, "schedule", set(baselines.SCHEDULES))

    def recall(starts):
        return baselines.recall(W, starts, max_sweeps=max_sweeps, schedule=schedule,
                                rng=gen).states

    return recall


# ---------------------------------------------------------------------------------------------
# Critical load


@dataclass
class CriticalLoad:
    """Critical loads (:func:`critical_load`).

    Attributes
    ----------
    value : array (...) — the critical load, or the bound where censored
    censored : int array (...) — 0: the curve crosses the level inside the grid (``value``
        interpolated); -1: already below it at the smallest load (``value`` = the smallest load
        is an upper bound); +1: never below it (``value`` = the largest load is a lower bound)
    """

    value: np.ndarray
    censored: np.ndarray

    @property
    def bounds(self):
        """``(low, high)`` arrays: the interval known to hold the critical load (0 below an
        upper bound, inf above a lower bound)."""
        v, c = np.asarray(self.value, float), np.asarray(self.censored)
        return np.where(c < 0, 0.0, v), np.where(c > 0, np.inf, v)


def critical_load(loads, recall_fraction, *, level=RECALL_LEVEL):
    """The load at which a recall curve first falls below ``level``.

    Definition: with loads ``a_0 < a_1 < ...`` and recall fractions ``f_j``, let ``j`` be the
    first index with ``f_j < level``. The critical load is where the straight line between
    ``(a_{j-1}, f_{j-1})`` and ``(a_j, f_j)`` crosses ``level``: the largest load at which at
    least ``level`` of the patterns are recalled, read to the grid's resolution. A curve that
    recovers above the level at a higher load after falling below it is read at its first
    crossing. Two cases fall outside the grid and are returned as bounds, flagged (never NaN):
    a curve already below the level at the smallest load (value ``a_0``, censored -1: the
    critical load is at most ``a_0``) and one that never falls below it (value ``a_last``,
    censored +1: at least ``a_last``).

    Parameters
    ----------
    loads : array (L,) — strictly increasing, positive, finite (K/N)
    recall_fraction : array (..., L) in [0, 1] — one curve per leading index (e.g. per seed)
    level : float in (0, 1]

    Returns
    -------
    CriticalLoad with arrays of shape ``recall_fraction.shape[:-1]``
    """
    a = finite_array(loads, "loads", ndim=1)
    if a.size < 1 or np.any(a <= 0) or np.any(np.diff(a) <= 0):
        raise ValueError(f"loads must be positive and strictly increasing, got {a.tolist()}")
    f = finite_array(recall_fraction, "recall_fraction")
    if f.ndim < 1 or f.shape[-1] != a.size:
        raise ValueError(f"recall_fraction must have the loads' length {a.size} on its last "
                         f"axis, got shape {f.shape}")
    if np.any(f < 0) or np.any(f > 1):
        raise ValueError("recall_fraction must lie in [0, 1]")
    lv = positive(level, "level")
    if lv > 1:
        raise ValueError(f"level must lie in (0, 1], got {lv}")
    shape = f.shape[:-1]
    f = f.reshape(-1, a.size)
    below = f < lv
    j = np.argmax(below, axis=1)                 # the first load below the level
    censored = np.where(~below.any(axis=1), 1, np.where(j == 0, -1, 0)).astype(np.int64)
    value = np.where(censored == 1, a[-1], a[0])
    inside = np.flatnonzero(censored == 0)
    if inside.size:
        ji = j[inside]
        f1, f2 = f[inside, ji - 1], f[inside, ji]    # f1 >= level > f2
        value[inside] = a[ji - 1] + (f1 - lv) / (f1 - f2) * (a[ji] - a[ji - 1])
    value, censored = value.reshape(shape), censored.reshape(shape)
    return CriticalLoad(value.astype(float), censored)


# ---------------------------------------------------------------------------------------------
# The capacity study


@dataclass
class CapacityStudy:
    """:func:`capacity_study`'s results.

    Attributes
    ----------
    recall : DataFrame — one row per (n_nodes, network, n_patterns, repeat, corruption):
        ``load`` (K/N) and ``recalled`` (fraction of the patterns recalled)
    critical : DataFrame — per (n_nodes, network, repeat, corruption): ``alpha_c`` and
        ``censored`` (:class:`CriticalLoad`)
    summary : DataFrame — per (n_nodes, network, corruption): ``mean``, ``sd`` (ddof 1; 0 for
        one seed) and ``n`` of alpha_c over seeds, ``n_censored``
    attractors : DataFrame — per FEP network (n_nodes, n_patterns, repeat) and search
        (``"retention"``: from each pattern at precision 100; ``"simulation 2"``: from
        L(0.1 evidence pattern) at precision 1, :func:`fep_core.metrics.find_attractors`):
        ``own_overlap`` (mean cosine of an end state with its pattern), ``other_overlap``
        (mean of each end state's largest |cosine| with another pattern; NaN for K = 1),
        ``span_fraction`` (mean share of an end state's squared norm inside the span of the
        patterns; K/N for a random vector), ``n_unique`` (distinct end states), ``converged``
        (fraction), ``orthogonality_attractors`` and ``orthogonality_patterns`` (mean |90 -
        angle| of the distinct end states and of the patterns, Simulation 2's measure; NaN
        where fewer than two distinct states)
    networks : dict N -> TrainedNetworks
    settings : dict
    """

    recall: pd.DataFrame
    critical: pd.DataFrame
    summary: pd.DataFrame
    attractors: pd.DataFrame
    networks: dict
    settings: dict = field(default_factory=dict)


def _size_map(value, sizes, default, name, convert):
    """Per-size settings from a mapping N -> value (or None: ``default``)."""
    if value is None:
        value = default
    if not isinstance(value, dict):
        raise TypeError(f"{name} must be a dict n_nodes -> value, got {type(value).__name__}")
    missing = [n for n in sizes if n not in value]
    if missing:
        raise ValueError(f"{name} has no entry for n_nodes {missing}")
    return {n: convert(value[n]) for n in sizes}


BASELINE_LOADS = tuple(np.round(np.arange(1, 15) * 0.05, 2))
"""Default loads K/N of the classic networks in :func:`capacity_study` (0.05 ... 0.70; their
critical loads at 10% corruption lie below 0.5), besides the paper's network's own."""


def _default_baseline_k(n):
    return sorted({max(1, _flip_count(a, n)) for a in BASELINE_LOADS})


def capacity_study(sizes=(50, 100, 200), *, loads=None, repeats=None, baseline_loads=None,
                   rng=0, corruption=STUDY_CORRUPTION, threshold=RECALL_THRESHOLD,
                   level=RECALL_LEVEL, critical_corruption=0.1,
                   precisions=(_S5["retention_inverse_temperature"], _S5["inverse_temperature"]),
                   attractor_sizes=(_S5["n_nodes"],), networks=None, progress=False,
                   backend="numba", **settings):
    """Critical loads of the paper's network and of three classic networks, at several sizes.

    For each N in ``sizes``: the paper's network is trained (:func:`train_networks`, the
    revision's settings) on K random patterns for each K of ``loads[N]`` and each of
    ``repeats[N]`` repeats, all as one batch; the Hebbian, projector and Storkey couplings are
    computed (:mod:`fep_core.baselines`) on the same patterns for every K of
    ``baseline_loads[N]`` (which includes the paper's network's K). Every network is then
    tested with :func:`basin_recall` on the same corrupted starts (one stream per N, K, repeat
    and corruption level): the paper's network relaxes deterministically with zero bias at
    each precision of ``precisions`` (the retention precision 100 and the training precision
    1), the classic networks by asynchronous sign dynamics. Critical loads
    (:func:`critical_load`) are read per seed from the recall curves at each corruption.

    Parameters
    ----------
    sizes : sequence of int — the values of N
    loads : dict N -> sequence of K, optional (default :data:`STUDY_LOADS`)
    repeats : dict N -> int, optional (default :data:`STUDY_REPEATS`)
    baseline_loads : dict N -> sequence of K, optional (default: :data:`BASELINE_LOADS`)
    rng : int seed or Generator
    corruption : fractions of flipped entries (0 is the fixed-point test)
    threshold, level : see :func:`basin_recall` and :func:`critical_load`
    critical_corruption : the corruption at which the summary's headline critical load is read
        (it must be one of ``corruption``)
    precisions : precisions of the paper's network's recall dynamics (labels of
        :data:`NETWORKS` for 100 and 1; others are labelled "FEP (iT <value>)"); the first is
        tested at every corruption, the others at ``critical_corruption`` only
    attractor_sizes : the sizes whose networks' end states are described (``attractors``)
    networks : dict N -> TrainedNetworks, optional — networks already trained (e.g. by
        :func:`authors_protocol`) on the same seed and settings; those of each N's K and repeats
        (state carried over, not reset) are reused
    progress : bool
    backend : "numba" (default) or "jax" — the engine that trains the paper's networks (see
        :func:`train_networks`); the recall tests run on the CPU engine
    **settings : training settings (:data:`TRAINING_SETTINGS` except the precision and learning
        rate, which are the revision's)

    Returns
    -------
    CapacityStudy
    """
    ns = _int_list(sizes, "sizes")
    seed = _seed(rng)
    k_map = _size_map(loads, ns, STUDY_LOADS, "loads", lambda v: _int_list(v, "loads"))
    r_map = _size_map(repeats, ns, STUDY_REPEATS, "repeats", lambda v: count(v, "repeats"))
    b_default = {n: _default_baseline_k(n) for n in ns}
    b_map = _size_map(baseline_loads, ns, b_default, "baseline_loads",
                      lambda v: _int_list(v, "baseline_loads"))
    levels = _fractions(corruption, "corruption")
    crit = float(_fractions(critical_corruption, "critical_corruption")[0])
    if crit not in levels:
        raise ValueError(f"critical_corruption ({crit}) must be one of corruption "
                         f"{levels.tolist()}")
    thr = positive(threshold, "threshold")
    positive(level, "level")
    its = [_scale(v, "precisions") for v in np.atleast_1d(finite_array(precisions, "precisions",
                                                                       ndim=(0, 1)))]
    if not its:
        raise ValueError("precisions must hold at least one value")
    if isinstance(attractor_sizes, (str, bytes)) or not hasattr(attractor_sizes, "__iter__"):
        raise TypeError(f"attractor_sizes must be a sequence of integers (may be empty), got "
                        f"{type(attractor_sizes).__name__}")
    a_sizes = {count(v, "attractor_sizes") for v in attractor_sizes}
    flag(progress, "progress")
    s = _settings(settings, ("evidence", "epochs", "steps_per_epoch"))
    if networks is not None and not isinstance(networks, dict):
        raise TypeError(f"networks must be a dict n_nodes -> TrainedNetworks, "
                        f"got {type(networks).__name__}")
    recall_rows, attractor_rows, trained = [], [], {}
    for n in ns:
        ks, R = sorted(set(k_map[n])), r_map[n]
        nets = _reuse(networks.get(n) if networks else None, n, ks, R, seed, s)
        if nets is None:
            nets = train_networks(ks, n_nodes=n, repeats=R, rng=seed, progress=progress,
                                  backend=backend, **s)
        trained[n] = nets
        if n in a_sizes:
            attractor_rows += _attractor_rows(nets, s["evidence"])
        for j, it in enumerate(its):
            lv = levels if j == 0 else np.array([crit])
            frac = _recall_by_level(fep_dynamics(nets.J, inverse_temperature=it), nets.patterns,
                                    nets.n_patterns, nets.repeat, lv, seed, n, thr)
            recall_rows += _recall_rows(n, _fep_label(it), nets.n_patterns, nets.repeat, lv,
                                        frac)
        bk = sorted(set(b_map[n]) | set(ks))
        K_ = np.array([k for k in bk for _ in range(R)])
        rep = np.array([r for _ in bk for r in range(R)])
        pats = _padded_patterns(seed, n, K_, rep)
        for name, rule in zip(BASELINES, (baselines.hebbian, baselines.projector,
                                          baselines.storkey)):
            W = np.stack([rule(pats[b, :k]) for b, k in enumerate(K_)])
            dyn = baseline_dynamics(W, rng=_key(seed, n, 0, 0, _RECALL))
            frac = _recall_by_level(dyn, pats, K_, rep, levels, seed, n, thr)
            recall_rows += _recall_rows(n, name, K_, rep, levels, frac)
    recall = pd.DataFrame(recall_rows)
    critical = _critical_table(recall, level)
    summary = _summary(critical)
    attractors = pd.DataFrame(attractor_rows, columns=_ATTRACTOR_COLUMNS)
    return CapacityStudy(recall, critical, summary, attractors, trained,
                         {**s, "seed": seed, "corruption": tuple(levels.tolist()),
                          "critical_corruption": crit, "threshold": thr, "level": level,
                          "precisions": tuple(its), "repeats": r_map,
                          "loads": {n: tuple(sorted(set(k_map[n]))) for n in ns}})


def _recall_by_level(dynamics, patterns, K_, rep, levels, seed, n, threshold):
    """Recall fractions (B, C): each level's corruptions from its own stream per network, keyed
    by N, K, repeat and the level (in thousandths), so every network, precision and grid of
    levels sees the same starts at a level."""
    out = np.empty((len(K_), len(levels)))
    for c, f in enumerate(levels):
        gens = [stream(seed, CAPACITY, n, k, r, _CORRUPT, int(round(1000 * f)))
                for k, r in zip(K_, rep)]
        out[:, c] = basin_recall(dynamics, patterns, corruption=(float(f),), threshold=threshold,
                                 n_patterns=K_, rng=gens).fraction[:, 0]
    return out


def _fep_label(it):
    return f"FEP (iT {it:g})"


def _reuse(nets, n, ks, R, seed, s):
    """The networks of ``nets`` (not reset) for these K and repeats, or None."""
    if nets is None:
        return None
    if not isinstance(nets, TrainedNetworks):
        raise TypeError(f"networks[{n}] must be TrainedNetworks, got {type(nets).__name__}")
    if nets.n_nodes != n or nets.seed != seed or nets.settings != s:
        raise ValueError(f"networks[{n}] were trained with another size, seed or settings")
    pick = ((~nets.reset_state) & np.isin(nets.n_patterns, ks) & (nets.repeat < R)
            & (nets.inverse_temperature == _S5["inverse_temperature"])
            & (nets.learning_rate == _S5["learning_rate"]))
    have = {(int(k), int(r)) for k, r in zip(nets.n_patterns[pick], nets.repeat[pick])}
    if have != {(k, r) for k in ks for r in range(R)}:
        raise ValueError(f"networks[{n}] do not hold every K of loads[{n}] and repeat "
                         f"0..{R - 1} (trained without a state reset)")
    sub = nets.select(pick)
    order = np.lexsort((sub.repeat, sub.n_patterns))
    return TrainedNetworks(sub.n_nodes, sub.n_patterns[order], sub.repeat[order],
                           sub.reset_state[order], sub.inverse_temperature[order],
                           sub.learning_rate[order], sub.patterns[order], sub.J[order],
                           sub.state[order], sub.seed, dict(sub.settings))


def _recall_rows(n, label, K_, rep, levels, fraction):
    return [{"n_nodes": n, "network": label, "n_patterns": int(k), "load": k / n,
             "repeat": int(r), "corruption": float(f), "recalled": float(fraction[b, c])}
            for b, (k, r) in enumerate(zip(K_, rep)) for c, f in enumerate(levels)]


def _critical_table(recall, level):
    rows = []
    for (n, net, f, r), g in recall.groupby(["n_nodes", "network", "corruption", "repeat"],
                                            sort=False):
        g = g.sort_values("load")
        cl = critical_load(g["load"].to_numpy(), g["recalled"].to_numpy(), level=level)
        rows.append({"n_nodes": n, "network": net, "corruption": f, "repeat": r,
                     "alpha_c": float(cl.value), "censored": int(cl.censored)})
    return pd.DataFrame(rows)


def _summary(critical):
    rows = []
    for (n, net, f), g in critical.groupby(["n_nodes", "network", "corruption"], sort=False):
        v = g["alpha_c"].to_numpy()
        rows.append({"n_nodes": n, "network": net, "corruption": f, "mean": float(v.mean()),
                     "sd": float(v.std(ddof=1)) if v.size > 1 else 0.0, "n": int(v.size),
                     "n_censored": int((g["censored"] != 0).sum())})
    return pd.DataFrame(rows)


_ATTRACTOR_COLUMNS = ["n_nodes", "n_patterns", "load", "repeat", "search", "own_overlap",
                      "other_overlap", "span_fraction", "n_unique", "converged",
                      "orthogonality_attractors", "orthogonality_patterns"]


def _span_fraction(states, patterns):
    """Share of each state's squared norm inside the span of ``patterns`` (K, N)."""
    q, rr = np.linalg.qr(patterns.T)
    keep = np.abs(np.diagonal(rr)) > 1e-9 * max(1.0, np.abs(rr).max())
    q = q[:, keep]
    inside = np.sum((states @ q) ** 2, axis=1)
    total = np.sum(states * states, axis=1)
    return np.divide(inside, total, out=np.zeros_like(total), where=total > 0)


def _describe(ends, pats, converged):
    cos = metrics.cosine_projection(ends, pats)                  # (K, K)
    own = np.diagonal(cos)
    K = len(pats)
    if K > 1:
        other = np.abs(cos)
        np.fill_diagonal(other, -np.inf)
        other_mean = float(np.mean(other.max(axis=1)))
    else:
        other_mean = float("nan")
    uniq = metrics.unique_states(ends)
    return {"own_overlap": float(own.mean()), "other_overlap": other_mean,
            "span_fraction": float(_span_fraction(ends, pats).mean()),
            "n_unique": int(len(uniq)), "converged": float(np.mean(converged)),
            "orthogonality_attractors": metrics.orthogonality(uniq),
            "orthogonality_patterns": metrics.orthogonality(pats)}


def _attractor_rows(nets, evidence):
    """The attractors of each network: from its patterns at the retention precision (100) and
    by Simulation 2's search (from L(0.1 evidence pattern) at precision 1)."""
    rows = []
    batch = _batch(nets.J)
    _, fixed, conv = metrics.find_attractors(batch, evidence * nets.patterns)
    ret = batch.relax(nets.patterns, inverse_temperature=_S5["retention_inverse_temperature"],
                      max_steps=_S5["retention_steps"], tol=RELAX_TOL)
    for b, (k, r) in enumerate(zip(nets.n_patterns, nets.repeat)):
        base = {"n_nodes": nets.n_nodes, "n_patterns": int(k), "load": k / nets.n_nodes,
                "repeat": int(r)}
        p = nets.patterns[b, :k]
        rows.append({**base, "search": "retention",
                     **_describe(ret.states[b, :k], p, ret.converged[b, :k])})
        rows.append({**base, "search": "simulation 2", **_describe(fixed[b, :k], p, conv[b, :k])})
    return rows


# ---------------------------------------------------------------------------------------------
# The revision's claims, one case (network size, seed) at a time


def _bounds(value, censored, name):
    v = finite_array(value, name)
    c = np.broadcast_to(np.asarray(censored), v.shape)
    if not np.all(np.isin(c, (-1, 0, 1))):
        raise ValueError(f"{name}: censored must be -1, 0 or +1 (see CriticalLoad)")
    return np.where(c < 0, 0.0, v), np.where(c > 0, np.inf, v)


def _decided(holds, fails, what):
    if np.any(~holds & ~fails):
        raise ValueError(f"{what} cannot be decided for a censored critical load: extend the "
                         f"grid of loads past the crossing")
    return holds


def exceeds_hebbian(alpha_c, hebbian_alpha_c, *, censored=0, hebbian_censored=0,
                    factor=CLAIM_FACTOR):
    """"Capacity substantially exceeding ~0.14 N", decided per case (a network size and seed).

    Holds when the paper's network's critical load exceeds ``factor`` times the Hebbian
    network's capacity, taken as the larger of the Hebbian critical load measured on the same
    task and the classic large-N value :data:`fep_core.paper.HEBBIAN_CAPACITY`. A censored load
    (:class:`CriticalLoad`) counts by its bound; a case its bounds cannot decide is a
    ``ValueError``.

    Parameters
    ----------
    alpha_c, hebbian_alpha_c : arrays (...) — critical loads of the paper's and the Hebbian
        network, paired by case
    censored, hebbian_censored : int arrays (...) of -1, 0, +1
    factor : float > 0 — what "substantially" means (:data:`CLAIM_FACTOR`)

    Returns
    -------
    bool array (...)
    """
    lo, hi = _bounds(alpha_c, censored, "alpha_c")
    hlo, hhi = _bounds(hebbian_alpha_c, hebbian_censored, "hebbian_alpha_c")
    k = positive(factor, "factor")
    ref_lo = np.maximum(hlo, paper.HEBBIAN_CAPACITY)
    ref_hi = np.maximum(hhi, paper.HEBBIAN_CAPACITY)
    return _decided(lo > k * ref_hi, hi <= k * ref_lo, "exceeds_hebbian")


def approaches_n(alpha_c, *, censored=0, fraction=CLAIM_FRACTION):
    """"Capacity approaching N", decided per case: the critical load (as a fraction of N) is at
    least ``fraction`` (:data:`CLAIM_FRACTION`). Censored loads count by their bounds; a case
    they cannot decide is a ``ValueError``. Returns a bool array of ``alpha_c``'s shape."""
    lo, hi = _bounds(alpha_c, censored, "alpha_c")
    q = positive(fraction, "fraction")
    return _decided(lo >= q, hi < q, "approaches_n")


def claim_cases(study, *, network=NETWORKS[0], corruption=None, factor=CLAIM_FACTOR,
                fraction=CLAIM_FRACTION):
    """The revision's capacity claims (:data:`fep_core.paper.CAPACITY_CLAIMS`) tested case by
    case: one row per network size and seed of a :class:`CapacityStudy`.

    Columns: ``n_nodes``, ``repeat``, ``alpha_c`` and ``censored`` (the paper's network, read
    with ``network``'s dynamics at ``corruption``, by default the study's critical corruption,
    10%), ``hebbian_alpha_c`` and ``hebbian_censored`` (the Hebbian network, same patterns and
    starts), ``exceeds_hebbian`` and ``approaches_n`` (:func:`exceeds_hebbian`,
    :func:`approaches_n`), and, when the study ran the fixed-point test (corruption 0),
    ``fixed_point_alpha_c`` and ``fixed_point_censored``: the critical load read from
    uncorrupted starts (the revision's retention test turned into a recall criterion; often
    censored at the grid's largest load, so not a verdict by itself).
    """
    if not isinstance(study, CapacityStudy):
        raise TypeError(f"study must be a CapacityStudy, got {type(study).__name__}")
    crit = study.critical
    f = study.settings["critical_corruption"] if corruption is None else float(
        _fractions(corruption, "corruption")[0])
    if network not in set(crit["network"]):
        raise ValueError(f"network must be one of {sorted(set(crit['network']))}, got {network!r}")
    if f not in set(crit["corruption"]):
        raise ValueError(f"corruption must be one of the study's {sorted(set(crit.corruption))}")

    def pick(net, level):
        g = crit[(crit.network == net) & (crit.corruption == level)]
        return g.set_index(["n_nodes", "repeat"])[["alpha_c", "censored"]]

    out = pick(network, f).join(
        pick(BASELINES[0], f).rename(columns={"alpha_c": "hebbian_alpha_c",
                                              "censored": "hebbian_censored"}), how="inner")
    out["exceeds_hebbian"] = exceeds_hebbian(out.alpha_c, out.hebbian_alpha_c,
                                             censored=out.censored,
                                             hebbian_censored=out.hebbian_censored, factor=factor)
    out["approaches_n"] = approaches_n(out.alpha_c, censored=out.censored, fraction=fraction)
    if 0.0 in set(crit["corruption"]):
        out = out.join(pick(network, 0.0).rename(columns={"alpha_c": "fixed_point_alpha_c",
                                                          "censored": "fixed_point_censored"}))
    return out.reset_index()


# ---------------------------------------------------------------------------------------------
# The interactive section's sweep: training precision x learning rate x load


@dataclass
class SweepResult:
    """:func:`training_sweep`'s results, one point per (precision, learning rate, load).

    Attributes
    ----------
    inverse_temperature, learning_rate, load : arrays (P,) — the points (load: K/N as given)
    n_patterns : int array (P,) — K = round(load N)
    corruption : array (C,)
    retention : array (P,) — the revision's retention score (mean Pearson r)
    recall : array (P, C) — fraction of patterns the paper's network recalls (relaxed at the
        retention precision, 100) from each corruption
    baseline_recall : dict name -> array (P, C) — the same for the classic networks on the same
        patterns and starts (they depend on the load only)
    overlap : array (P, C, Kmax) — the paper's network's overlaps (NaN after a point's own K)
    settings : dict
    """

    inverse_temperature: np.ndarray
    learning_rate: np.ndarray
    load: np.ndarray
    n_patterns: np.ndarray
    corruption: np.ndarray
    retention: np.ndarray
    recall: np.ndarray
    baseline_recall: dict
    overlap: np.ndarray
    settings: dict = field(default_factory=dict)


def training_sweep(inverse_temperatures, learning_rates, loads, *, n_nodes=SWEEP_NODES,
                   epochs=SWEEP_EPOCHS, seed=0, corruption=SWEEP_CORRUPTION):
    """Small networks trained at each (precision, learning rate, load) point, as one batch.

    Each point trains an ``n_nodes`` network on K = round(load N) random patterns with the
    revision's evidence and steps per epoch for ``epochs`` epochs at the point's training
    precision and learning rate (:func:`train_networks`, repeat 0: points of one load share
    patterns, order and training noise), then scores retention (:func:`authors_protocol`'s) and
    recall from corrupted starts (:func:`basin_recall`, relaxed at the retention precision),
    beside the Hebbian, projector and Storkey networks on the same patterns and starts. A point
    gives the same numbers alone as inside any sweep.

    Parameters
    ----------
    inverse_temperatures, learning_rates, loads : arrays (P,) of equal length (loads in (0, 2])
    n_nodes, epochs, seed : int
    corruption : fractions of flipped entries

    Returns
    -------
    SweepResult
    """
    its = finite_array(inverse_temperatures, "inverse_temperatures", ndim=1)
    rates = finite_array(learning_rates, "learning_rates", ndim=1)
    lds = finite_array(loads, "loads", ndim=1)
    if not its.size == rates.size == lds.size or its.size == 0:
        raise ValueError(f"inverse_temperatures, learning_rates and loads must be non-empty and "
                         f"of one length, got {its.size}, {rates.size} and {lds.size}")
    for v in its:
        _scale(float(v), "inverse_temperatures")
    for v in rates:
        _scale(float(v), "learning_rates", allow_zero=True)
    N = count(n_nodes, "n_nodes")
    epochs = count(epochs, "epochs")
    seed = count(seed, "seed", minimum=0)
    levels = _fractions(corruption, "corruption")
    if np.any(lds <= 0) or np.any(lds > 2):
        raise ValueError(f"loads must lie in (0, 2], got {lds.tolist()}")
    ks = np.array([max(1, _flip_count(a, N)) for a in lds])
    nets = train_networks(ks, n_nodes=N, repeats=1, rng=seed, inverse_temperature=its,
                          learning_rate=rates, epochs=epochs)
    s = _settings({}, SCORING_SETTINGS)
    valid = nets.valid
    batch = _batch(nets.J)
    ret = batch.relax(nets.patterns, inverse_temperature=s["retention_inverse_temperature"],
                      max_steps=s["retention_steps"], tol=RELAX_TOL)
    r = np.where(valid, metrics.correlation(ret.states, nets.patterns), 0.0)
    retention = r.sum(axis=1) / ks
    gens = [_key(seed, N, k, 0, _CORRUPT) for k in ks]
    fep = basin_recall(fep_dynamics(nets.J), nets.patterns, corruption=levels, rng=gens,
                       n_patterns=ks)
    base = {name: np.empty((ks.size, levels.size)) for name in BASELINES}
    for k in np.unique(ks):
        p = random_patterns(k, N, rng=_key(seed, N, k, 0, _PATTERNS))
        for name, rule in zip(BASELINES, (baselines.hebbian, baselines.projector,
                                          baselines.storkey)):
            res = basin_recall(baseline_dynamics(rule(p), rng=_key(seed, N, k, 0, _RECALL)), p,
                               corruption=levels, rng=_key(seed, N, k, 0, _CORRUPT))
            base[name][ks == k] = res.fraction
    return SweepResult(its, rates, lds, ks, levels, retention, fep.fraction, base, fep.overlap,
                       {"n_nodes": N, "epochs": epochs, "seed": seed,
                        "evidence": _S5["evidence"], "steps_per_epoch": _S5["steps_per_epoch"],
                        "recall_inverse_temperature": s["retention_inverse_temperature"]})


# ---------------------------------------------------------------------------------------------
# The chapter's computation


@dataclass
class Simulation5Result:
    """The chapter's capacity computations (:func:`simulation5`): ``authors``, the revision's
    protocol at N = 100 with and without the state reset; ``study``, the capacity study whose
    N = 100 networks are ``authors``' networks trained without the reset."""

    authors: AuthorsResult
    study: CapacityStudy


def simulation5(*, repeats=None, sizes=(50, 100, 200), rng=0, progress=False, backend="numba"):
    """Simulation 5b as the chapter runs it: :func:`authors_protocol` at the revision's settings
    with ``repeats[100]`` repeats, trained with and without the state reset (one batch), then
    :func:`capacity_study` at ``sizes`` reusing those networks (without reset) at N = 100.

    ``repeats``: dict N -> repeats (default :data:`STUDY_REPEATS`; the revision ran 20 at
    N = 100: ``simulation5(repeats={50: 3, 100: 20, 200: 2})`` runs its full protocol).
    ``backend``: the engine that trains the networks, ``"numba"`` (default) or ``"jax"`` (see
    :func:`train_networks`).
    """
    ns = _int_list(sizes, "sizes")
    r_map = _size_map(repeats, ns, STUDY_REPEATS, "repeats", lambda v: count(v, "repeats"))
    rng = _seed(rng)                    # one root seed for both parts (a Generator draws once)
    n0 = _S5["n_nodes"]
    authors = None
    networks = None
    if n0 in ns:
        authors = authors_protocol(repeats=r_map[n0], rng=rng, reset_state=(False, True),
                                   progress=progress, backend=backend)
        networks = {n0: authors.networks}
    study = capacity_study(ns, repeats=r_map, rng=rng, networks=networks, progress=progress,
                           backend=backend)
    return Simulation5Result(authors, study)
