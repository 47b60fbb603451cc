"""Categorical free energy, three belief-update schemes and their information geometry.

Discrete generative model (one time step, as in Da Costa et al. 2021):

* ``A``  likelihood, shape ``(n_outcomes, n_states)``, columns sum to 1, entries > 0
* ``D``  prior over states, shape ``(n_states,)``, sums to 1, entries > 0
* ``o``  the observed outcome: an index in ``range(n_outcomes)`` or a one-hot vector

Beliefs ``s`` are probability vectors over states. ``F(s) = s . (ln s - ln A^T o - ln D)``
``= KL[s || P(state | o)] - ln P(o)`` and ``grad F = 1 + ln s - ln A^T o - ln D``.

Update schemes (each returns the whole belief path, shape ``(n_steps + 1, n_states)``):

``active_inference``  ``s <- softmax(ln s - eps grad F)``  (membrane potential ``v = ln s``)
``natural_gradient``  ``s <- normalise(s - eps s * grad F)`` (Fisher metric ``diag(1/s)``)
``logit_descent``     ``v <- v - eps (diag s - s s^T) grad F``, ``s = softmax(v)`` (Euclidean
                      gradient descent on the logits ``v``)

The renormalised natural-gradient step is only defined while ``eps * grad F_i < 1`` for every
state ``i``; otherwise a component would become non-positive. Such a component is floored at
``NATURAL_FLOOR`` times its previous value and the step is counted (see ``return_clipped``).

All computations are vectorised over leading batch axes (many models at once) internally.
"""
from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._validation import as_generator, choice, count, finite_array, flag, paired_vectors, positive
from .gaussian import FORMS  # the three equal forms of F, named as in the Gaussian primer

SCHEMES = ("active_inference", "natural_gradient", "logit_descent")
SCHEME_LABELS = {"active_inference": "active inference (softmax)",
                 "natural_gradient": "natural gradient (renormalised)",
                 "logit_descent": "gradient descent on logits"}
NATURAL_FLOOR = 1e-8
_SUM_TOL = 1e-9
MAX_PRECISION = 1e300         # largest likelihood precision of :func:`random_models`
# most steps :func:`max_path_difference` takes (horizon / learning_rate; ~10 s)
MAX_PATH_STEPS = 10 ** 5
# path_geometry: below this Fisher-Rao distance (radians) a path is taken not to have moved:
# renormalising an unmoved belief changes it by rounding only (~1e-16 per step), real steps are
# many decades larger.
STILL_DISTANCE = 1e-12
# path_geometry: a path whose end is this close (KL) to the posterior converged
CONVERGED_KL = 1e-6


# --------------------------------------------------------------------------------------------
# Validation
def _probability(value, name, *, ndim=1):
    p = finite_array(value, name, ndim=ndim)
    if p.shape[-1] < 2:
        raise ValueError(f"{name} must have at least 2 states, got shape {p.shape}")
    if np.any(p <= 0):
        raise ValueError(f"{name} must have strictly positive entries, got minimum {p.min()}")
    if np.any(np.abs(p.sum(axis=-1) - 1.0) > _SUM_TOL):
        raise ValueError(f"{name} must sum to 1 along its last axis")
    return p


def _distribution_pair(p, q, *, ndim=None):
    """``p`` and ``q`` as probability vectors over the same states (non-negative entries summing
    to 1 along the last axis) whose leading (batch) axes broadcast together; errors name p or q."""
    checked = []
    for name, value in (("p", p), ("q", q)):
        v = finite_array(value, name, ndim=ndim)
        if v.ndim == 0:
            raise ValueError(f"{name} must be a probability vector (at least one axis), "
                             "got a scalar")
        if v.shape[-1] < 1:
            raise ValueError(f"{name} must have at least one state, got shape {v.shape}")
        if np.any(v < 0) or np.any(np.abs(v.sum(axis=-1) - 1.0) > _SUM_TOL):
            raise ValueError(f"{name} must be a probability vector (non-negative, summing to 1)")
        checked.append(v)
    p, q = checked
    paired_vectors(p, q, ("p", "q"))
    return p, q


def _check_model(A, D, o):
    A = finite_array(A, "A", ndim=2)
    if np.any(A <= 0):
        raise ValueError(f"A must have strictly positive entries, got minimum {A.min()}")
    if np.any(np.abs(A.sum(axis=0) - 1.0) > _SUM_TOL):
        raise ValueError("A must have columns summing to 1 (A[:, state] is P(outcome | state))")
    D = _probability(D, "D")
    if D.shape[0] != A.shape[1]:
        raise ValueError(f"D must have length n_states = {A.shape[1]} (columns of A), "
                         f"got {D.shape[0]}")
    return A, D, _outcome_index(o, A.shape[0])


def _outcome_index(o, n_outcomes):
    if isinstance(o, (numbers.Integral, np.integer)) and not isinstance(o, bool):
        idx = int(o)
    else:
        vec = finite_array(o, "o", ndim=1)
        if vec.shape[0] != n_outcomes or not np.all((vec == 0) | (vec == 1)) or vec.sum() != 1:
            raise ValueError(f"o must be an outcome index or a one-hot vector of length "
                             f"{n_outcomes}")
        idx = int(np.argmax(vec))
    if not 0 <= idx < n_outcomes:
        raise ValueError(f"o must be in range({n_outcomes}), got {idx}")
    return idx


def _eps(learning_rate):
    return positive(learning_rate, "learning_rate")


# --------------------------------------------------------------------------------------------
# Model quantities
def log_joint(A, D, o):
    """``ln P(o, state) = ln A^T o + ln D``, shape ``(n_states,)``."""
    A, D, o = _check_model(A, D, o)
    return np.log(A[o]) + np.log(D)


def posterior(A, D, o):
    """Exact posterior ``P(state | o)`` (Bayes' rule), shape ``(n_states,)``."""
    lj = log_joint(A, D, o)
    return _softmax(lj)


def log_evidence(A, D, o):
    """``ln P(o) = ln sum_s A[o, s] D[s]``."""
    return float(_logsumexp(log_joint(A, D, o)))


def free_energy(s, A, D, o, *, form="energy-entropy"):
    """Variational free energy of beliefs ``s`` (nats), in one of three equal forms.

    ``"kl-evidence"``: ``KL[s || P(state|o)] - ln P(o)``; ``"complexity-accuracy"``:
    ``KL[s || D] - s . ln A^T o``; ``"energy-entropy"``: ``-s . (ln A^T o + ln D) - H[s]``.
    """
    choice(form, "form", FORMS)
    A, D, o = _check_model(A, D, o)
    s = _probability(s, "s")
    if s.shape[0] != D.shape[0]:
        raise ValueError(f"s must have length n_states = {D.shape[0]}, got {s.shape[0]}")
    ln_a = np.log(A[o])
    if form == "kl-evidence":
        return kl_categorical(s, posterior(A, D, o)) - log_evidence(A, D, o)
    if form == "complexity-accuracy":
        return kl_categorical(s, D) - float(s @ ln_a)
    entropy = -float(s @ np.log(s))
    return -float(s @ (ln_a + np.log(D))) - entropy


def gradient(s, A, D, o):
    """``grad_s F = 1 + ln s - ln A^T o - ln D``, shape ``(n_states,)``."""
    A, D, o = _check_model(A, D, o)
    s = _probability(s, "s")
    return 1.0 + np.log(s) - np.log(A[o]) - np.log(D)


def kl_categorical(p, q):
    """``KL[p || q] = sum p ln(p/q)`` over the last axis (strictly positive probability vectors)."""
    p = _probability(p, "p", ndim=(1, 2))
    q = _probability(q, "q", ndim=(1, 2))
    out = _kl(p, q)
    return float(out) if np.ndim(out) == 0 else out


def fisher_rao(p, q):
    """Fisher-Rao distance ``2 arccos(sum sqrt(p q))`` between categorical distributions.

    Evaluated as ``4 arcsin(||sqrt p - sqrt q|| / 2)`` (exact for the unit vectors ``sqrt p``,
    ``sqrt q``) with ``sqrt p - sqrt q = (p - q)/(sqrt p + sqrt q)``, which, unlike ``arccos``
    near 1, keeps full relative accuracy for nearby distributions. Broadcasts over leading axes;
    entries may be zero. ``p`` and ``q`` have 1 to 3 axes, the same number of states (last axis)
    and leading axes that broadcast together (a ``ValueError`` naming them otherwise); an empty
    batch gives an empty result.
    """
    p, q = _distribution_pair(p, q, ndim=(1, 2, 3))
    out = _fisher_rao(p, q)
    return float(out) if np.ndim(out) == 0 else out


def chord_length(p, q):
    """``2 ||sqrt q - sqrt p||``: the length of the straight chord the paper calls a geodesic.

    A lower bound on :func:`fisher_rao` (a chord is shorter than its arc). ``p`` and ``q`` are
    probability vectors (non-negative, summing to 1) over the same states, with leading (batch)
    axes that broadcast together (an empty batch gives an empty result); a ``ValueError`` names
    the offending one otherwise.
    """
    p, q = _distribution_pair(p, q)
    return 2.0 * np.linalg.norm(np.sqrt(q) - np.sqrt(p), axis=-1)


def information_length(path):
    """Information length of a discrete belief path: sum of Fisher-Rao distances between steps.

    ``path`` has shape ``(n_points, ..., n_states)``; returns shape ``(...)``.
    """
    path = finite_array(path, "path", ndim=(2, 3))
    if path.shape[0] < 1:
        raise ValueError("path must contain at least one point")
    if np.any(path < 0) or np.any(np.abs(path.sum(axis=-1) - 1.0) > _SUM_TOL):
        raise ValueError("path must consist of probability vectors (non-negative, summing to 1)")
    out = _fisher_rao(path[1:], path[:-1]).sum(axis=0)
    return float(out) if np.ndim(out) == 0 else out


def geodesic(p, q, n_points=50):
    """The Fisher-Rao geodesic from ``p`` to ``q``: a great-circle arc of ``sqrt(s)`` on the sphere.

    Returns ``(n_points, n_states)`` probability vectors; its information length is
    ``fisher_rao(p, q)``.
    """
    p = _probability(p, "p")
    q = _probability(q, "q")
    n_points = count(n_points, "n_points", minimum=2)
    u, w = np.sqrt(p), np.sqrt(q)
    theta = 0.5 * _fisher_rao(p, q)
    t = np.linspace(0.0, 1.0, n_points)[:, None]
    if theta < 1e-12:
        path = (1 - t) * u + t * w
    else:
        path = (np.sin((1 - t) * theta) * u + np.sin(t * theta) * w) / np.sin(theta)
    path = path ** 2
    return path / path.sum(axis=1, keepdims=True)


# --------------------------------------------------------------------------------------------
# Numerics shared by the batched code (no validation)
def _softmax(v):
    e = np.exp(v - v.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _logsumexp(v):
    m = v.max(axis=-1)
    return m + np.log(np.exp(v - m[..., None]).sum(axis=-1))


def _kl(p, q):
    return np.sum(p * (np.log(p) - np.log(q)), axis=-1)


def _fisher_rao(p, q):
    # sqrt p - sqrt q = (p - q) / (sqrt p + sqrt q): p - q is exact for nearby p, q (Sterbenz),
    # so tiny distances keep full relative accuracy (the arccos form returns 0 there).
    den = np.sqrt(p) + np.sqrt(q)
    diff = np.divide(p - q, den, out=np.zeros(np.broadcast_shapes(np.shape(p), np.shape(q))),
                     where=den > 0)
    chord = np.linalg.norm(diff, axis=-1)
    return 4.0 * np.arcsin(np.minimum(0.5 * chord, 1.0))


def _step(scheme, s, log_s, lj, eps):
    """One update of every model in the batch; returns ``(s, log_s, clipped)``.

    ``lj`` is ``ln A^T o + ln D`` (batch, n). ``clipped`` flags models whose renormalised
    natural-gradient step left the simplex.
    """
    g = 1.0 + log_s - lj
    if scheme == "active_inference":
        v = log_s - eps * g
        log_s = v - _logsumexp(v)[..., None]
        return np.exp(log_s), log_s, None
    if scheme == "natural_gradient":
        factor = 1.0 - eps * g
        clipped = np.any(factor <= 0, axis=-1)
        u = s * np.maximum(factor, NATURAL_FLOOR)
        s = u / u.sum(axis=-1, keepdims=True)
        return s, np.log(s), clipped
    # logit descent: v <- v - eps (diag s - s s^T) g; v = log_s up to a constant
    v = log_s - eps * s * (g - np.sum(s * g, axis=-1, keepdims=True))
    log_s = v - _logsumexp(v)[..., None]
    return np.exp(log_s), log_s, None


def _run(scheme, s0, lj, eps, n_steps):
    s, log_s = s0.copy(), np.log(s0)
    path = [s]
    n_clipped = np.zeros(s0.shape[:-1], dtype=int)
    for _ in range(n_steps):
        s, log_s, clipped = _step(scheme, s, log_s, lj, eps)
        if clipped is not None:
            n_clipped += clipped
        path.append(s)
    return np.array(path), n_clipped


def _scheme_path(scheme, s0, A, D, o, learning_rate, n_steps, return_clipped):
    A, D, o = _check_model(A, D, o)
    s0 = _probability(s0, "s0")
    if s0.shape[0] != D.shape[0]:
        raise ValueError(f"s0 must have length n_states = {D.shape[0]}, got {s0.shape[0]}")
    eps = _eps(learning_rate)
    n_steps = count(n_steps, "n_steps", minimum=0)
    lj = np.log(A[o]) + np.log(D)
    path, n_clipped = _run(scheme, s0, lj, eps, n_steps)
    return (path, int(n_clipped)) if return_clipped else path


def active_inference(s0, A, D, o, *, learning_rate=0.25, n_steps=50):
    """Active-inference (neuronal) updates ``s <- softmax(ln s - eps grad F)``; path
    ``(n_steps+1, n)``."""
    return _scheme_path("active_inference", s0, A, D, o, learning_rate, n_steps, False)


def natural_gradient(s0, A, D, o, *, learning_rate=0.25, n_steps=50, return_clipped=False):
    """Renormalised natural gradient ``s <- normalise(s - eps s * grad F)``; path
    ``(n_steps+1, n)``.

    With ``return_clipped=True`` also returns the number of steps on which some component
    would have become non-positive (``eps * grad F_i >= 1``) and was floored. ``return_clipped``
    is a bool (a ``TypeError`` otherwise).
    """
    flag(return_clipped, "return_clipped")
    return _scheme_path("natural_gradient", s0, A, D, o, learning_rate, n_steps, return_clipped)


def logit_descent(s0, A, D, o, *, learning_rate=0.25, n_steps=50):
    """Gradient descent on logits ``v <- v - eps (diag s - s s^T) grad F``; path
    ``(n_steps+1, n)``."""
    return _scheme_path("logit_descent", s0, A, D, o, learning_rate, n_steps, False)


def run_scheme(scheme, s0, A, D, o, *, learning_rate=0.25, n_steps=50):
    """Dispatch to one of :data:`SCHEMES` by name; returns the belief path."""
    choice(scheme, "scheme", SCHEMES)
    return _scheme_path(scheme, s0, A, D, o, learning_rate, n_steps, False)


def max_path_difference(s0, A, D, o, *, learning_rate, horizon=5.0):
    """Largest belief difference (max norm) between the active-inference and natural-gradient
    paths over the same stretch of time ``horizon`` (``round(horizon / eps)`` steps).

    At most :data:`MAX_PATH_STEPS` steps are taken (a ``ValueError`` names ``learning_rate`` and
    ``horizon`` beyond that). The paths are not stored: memory does not grow with the number of
    steps, and the numbers are those of :func:`active_inference` and :func:`natural_gradient`.
    """
    eps = _eps(learning_rate)
    horizon = positive(horizon, "horizon")
    ratio = horizon / eps                    # may be inf: compared before any rounding
    if not ratio <= MAX_PATH_STEPS:
        raise ValueError(f"horizon / learning_rate must be at most {MAX_PATH_STEPS} steps, got "
                         f"{horizon:.3g} / {eps:.3g} = {ratio:.3g}; raise learning_rate or "
                         "shorten horizon")
    n_steps = max(1, int(round(ratio)))
    A, D, o = _check_model(A, D, o)
    s0 = _probability(s0, "s0")
    if s0.shape[0] != D.shape[0]:
        raise ValueError(f"s0 must have length n_states = {D.shape[0]}, got {s0.shape[0]}")
    lj = np.log(A[o]) + np.log(D)
    # the arithmetic of _run, two schemes side by side, keeping only the running maximum
    a, log_a = s0.copy(), np.log(s0)
    b, log_b = s0.copy(), np.log(s0)
    diff = 0.0
    for _ in range(n_steps):
        a, log_a, _ = _step("active_inference", a, log_a, lj, eps)
        b, log_b, _ = _step("natural_gradient", b, log_b, lj, eps)
        diff = max(diff, float(np.max(np.abs(a - b))))
    return diff


# --------------------------------------------------------------------------------------------
# Random generative models
def random_models(n_models, n_states, n_outcomes=None, *, precision=1.0, concentration=1.0,
                  rng=None):
    """Draw ``n_models`` random generative models; returns a dict of arrays.

    ``D ~ Dirichlet(concentration)``; each column of ``A`` is ``softmax(precision * ln a)`` with
    ``a ~ Dirichlet(concentration)`` (``precision = 1`` gives the Dirichlet draw itself; larger
    precision, sharper likelihoods; at most ``MAX_PRECISION``, beyond which ``precision * ln a``
    overflows). The outcome is sampled from the model: ``state ~ D``,
    ``o ~ A[:, state]``. Keys: ``A (n_models, n_outcomes, n_states)``, ``D (n_models, n_states)``,
    ``o (n_models,)`` outcome indices, ``state (n_models,)`` the hidden states.
    """
    n_models = count(n_models, "n_models")
    n_states = count(n_states, "n_states", minimum=2)
    n_outcomes = n_states if n_outcomes is None else count(n_outcomes, "n_outcomes", minimum=2)
    gamma = positive(precision, "precision")
    if gamma > MAX_PRECISION:
        raise ValueError(f"precision must be at most {MAX_PRECISION:g} "
                         f"(precision * ln a overflows), got {gamma:g}")
    alpha = positive(concentration, "concentration")
    gen = as_generator(rng)
    D = gen.dirichlet(np.full(n_states, alpha), size=n_models)
    # a small concentration can draw exact zeros: ln 0 = -inf
    with np.errstate(divide="ignore"):
        logits = np.log(gen.dirichlet(np.full(n_outcomes, alpha), size=(n_models, n_states)))
    A = _softmax(gamma * logits).transpose(0, 2, 1)          # (models, outcomes, states)
    # Floor at the smallest normal float so ln A stays finite for extreme precisions.
    A = np.maximum(A, np.finfo(float).tiny)
    A /= A.sum(axis=1, keepdims=True)
    D = np.maximum(D, np.finfo(float).tiny)
    D /= D.sum(axis=1, keepdims=True)
    u = gen.random((n_models, 2))
    state = np.minimum((np.cumsum(D, axis=1) < u[:, :1]).sum(axis=1), n_states - 1)
    col = A[np.arange(n_models), :, state]
    o = np.minimum((np.cumsum(col, axis=1) < u[:, 1:]).sum(axis=1), n_outcomes - 1)
    return {"A": A, "D": D, "o": o, "state": state}


def random_model(n_states, n_outcomes=None, *, precision=1.0, concentration=1.0, rng=None):
    """One random generative model ``(A, D, o)`` (see :func:`random_models`)."""
    m = random_models(1, n_states, n_outcomes, precision=precision, concentration=concentration,
                      rng=rng)
    return m["A"][0], m["D"][0], int(m["o"][0])


# --------------------------------------------------------------------------------------------
# Population study
def population_study(n_models=1200, state_sizes=(2, 3, 5, 8), *, learning_rate=0.1, precision=1.0,
                     concentration=1.0, kl_tolerance=1e-6, stop_kl=1e-10, max_steps=10000, rng=0):
    """Run the three schemes on many random models; one row per (model, scheme).

    ``n_models`` are split evenly over ``state_sizes`` (``n_outcomes = n_states``). Every scheme
    starts at the prior ``D`` with the same step ``learning_rate`` and runs until
    ``KL[s || posterior] < stop_kl`` (or ``max_steps``). Columns: ``model``, ``n_states``,
    ``scheme``, ``information_length`` (sum of Fisher-Rao steps), ``distance`` (Fisher-Rao
    distance from start to end of the path), ``efficiency`` (``information_length / distance``,
    1 for a geodesic), ``steps_to_tol`` (first step with ``KL < kl_tolerance``; NaN if never),
    ``converged`` (reached ``stop_kl``), ``final_kl`` and ``n_clipped`` (natural-gradient steps
    that left the simplex). Vectorised across models: all models of one size step together.

    A run whose path never moves (length and distance 0: the prior is already within ``stop_kl``
    of the posterior, as for an uninformative outcome, so no step is taken) has ``efficiency`` 1:
    a constant path is a geodesic of length 0. ``state_sizes`` is a non-empty sequence of
    integers >= 2; ``learning_rate`` must be below 1: from the prior ``D`` every
    natural-gradient factor is ``1 - eps (1 - ln A[o, i]) <= 1 - eps``, so at ``eps >= 1`` every
    component would leave the simplex on every step and the natural-gradient path could never move.
    A ``ValueError`` naming ``concentration`` and ``precision`` is raised where a posterior or a
    belief underflows to 0 (very sparse models: ``concentration`` below about 0.05).
    """
    n_models = count(n_models, "n_models")
    sizes = _state_sizes(state_sizes)
    eps = _eps(learning_rate)
    if eps >= 1:
        raise ValueError(f"learning_rate must be below 1 (at 1 or above every natural-gradient "
                         f"step from the prior leaves the simplex, so that path never moves), "
                         f"got {eps}")
    kl_tol = positive(kl_tolerance, "kl_tolerance")
    stop_kl = positive(stop_kl, "stop_kl")
    if stop_kl > kl_tol:
        raise ValueError(f"stop_kl must not exceed kl_tolerance, got {stop_kl} > {kl_tol}")
    max_steps = count(max_steps, "max_steps")
    gen = as_generator(rng)
    per_size = -(-n_models // len(sizes))
    frames = []
    model_offset = 0
    for n in sizes:
        m = random_models(per_size, n, precision=precision, concentration=concentration, rng=gen)
        idx = np.arange(per_size)
        lj = np.log(m["A"][idx, m["o"], :]) + np.log(m["D"])
        post = _softmax(lj)
        if not np.all(post > 0):
            raise ValueError(_UNDERFLOW.format(what="the posterior of some model", n=n))
        for scheme in SCHEMES:
            with np.errstate(divide="ignore", invalid="ignore"):
                res = _run_to_convergence(scheme, m["D"], lj, post, eps, kl_tol, stop_kl, max_steps)
            if not all(np.all(np.isfinite(res[k]))
                       for k in ("information_length", "distance", "final_kl")):
                raise ValueError(_UNDERFLOW.format(what=f"a {scheme} belief", n=n))
            res.update(model=model_offset + idx, n_states=n, scheme=scheme)
            frames.append(pd.DataFrame(res))
        model_offset += per_size
    df = pd.concat(frames, ignore_index=True)
    df["efficiency"] = _efficiency(df["information_length"].to_numpy(), df["distance"].to_numpy())
    cols = ["model", "n_states", "scheme", "information_length", "distance", "efficiency",
            "steps_to_tol", "converged", "final_kl", "n_clipped"]
    return df[cols]


_UNDERFLOW = ("concentration too small or precision too large: {what} ({n} states) has a "
              "probability below 1e-308, which underflows to 0 in double precision; use a larger "
              "concentration (0.1 or more is safe) or a smaller precision")


def _state_sizes(state_sizes):
    """``state_sizes`` as a non-empty list of ints >= 2 (the population study's sizes)."""
    arr = np.atleast_1d(np.asarray(state_sizes, dtype=object))
    if arr.ndim > 1:
        raise TypeError(f"state_sizes must be a flat sequence of integers, got shape {arr.shape}")
    sizes = arr.tolist()
    if not sizes:
        raise ValueError("state_sizes must contain at least one number of states, "
                         "got an empty sequence")
    return [count(n, "state_sizes", minimum=2) for n in sizes]


def _efficiency(length, distance):
    """``length / distance``; 1 for a path that never moved (0/0: a constant path is a geodesic)
    and inf for one that moved but ended where it began."""
    out = np.full(np.shape(length), np.inf)
    np.divide(length, distance, out=out, where=distance > 0)
    out[(distance == 0) & (length == 0)] = 1.0
    return out


def _run_to_convergence(scheme, s0, lj, post, eps, kl_tol, stop_kl, max_steps):
    s, log_s = s0.copy(), np.log(s0)
    n_models = s0.shape[0]
    length = np.zeros(n_models)
    steps_to_tol = np.full(n_models, np.nan)
    n_clipped = np.zeros(n_models, dtype=int)
    kl = _kl(s, post)
    steps_to_tol[kl < kl_tol] = 0
    active = kl >= stop_kl
    for k in range(1, max_steps + 1):
        if not active.any():
            break
        a = np.flatnonzero(active)
        s_new, log_new, clipped = _step(scheme, s[a], log_s[a], lj[a], eps)
        length[a] += _fisher_rao(s_new, s[a])
        if clipped is not None:
            n_clipped[a] += clipped
        s[a], log_s[a] = s_new, log_new
        kl_a = _kl(s_new, post[a])
        kl[a] = kl_a
        hit = a[(kl_a < kl_tol) & np.isnan(steps_to_tol[a])]
        steps_to_tol[hit] = k
        active[a] = kl_a >= stop_kl
    return {"information_length": length, "distance": _fisher_rao(s0, s),
            "steps_to_tol": steps_to_tol, "converged": kl < stop_kl, "final_kl": kl,
            "n_clipped": n_clipped}


def paired_difference(df, *, metric="information_length", scheme="natural_gradient",
                      baseline="active_inference", confidence=0.95):
    """Paired difference ``scheme - baseline`` of ``metric`` per model, with a t confidence
    interval.

    Returns a DataFrame indexed by ``n_states`` plus a row ``"all"``: ``n``, ``mean_baseline``,
    ``mean_diff``, ``ci_low``, ``ci_high`` (absolute), and ``mean_rel_diff``, ``rel_ci_low``,
    ``rel_ci_high`` for the difference relative to the baseline's value in the same model.
    Models with a missing value (e.g. ``steps_to_tol`` never reached) are dropped pairwise.
    """
    from scipy import stats

    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    choice(metric, "metric", tuple(df.columns))        # a column of df
    choice(scheme, "scheme", SCHEMES)
    choice(baseline, "baseline", SCHEMES)
    confidence = positive(confidence, "confidence")
    if confidence >= 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    wide = df.pivot_table(index=["model", "n_states"], columns="scheme", values=metric,
                          dropna=False)
    wide = wide[[scheme, baseline]].dropna().reset_index()
    wide["diff"] = wide[scheme] - wide[baseline]
    wide["rel"] = wide["diff"] / wide[baseline]

    def summarise(g):
        n = len(g)
        t = stats.t.ppf(0.5 + confidence / 2, n - 1) if n > 1 else np.nan
        out = {"n": n, "mean_baseline": g[baseline].mean(), "mean_scheme": g[scheme].mean()}
        for col, prefix in (("diff", ""), ("rel", "rel_")):
            mean, se = g[col].mean(), g[col].std(ddof=1) / np.sqrt(n) if n > 1 else np.nan
            key = "mean_diff" if col == "diff" else "mean_rel_diff"
            out.update({key: mean, f"{prefix}ci_low": mean - t * se,
                        f"{prefix}ci_high": mean + t * se})
        return pd.Series(out)

    rows = {n: summarise(g) for n, g in wide.groupby("n_states")}
    rows["all"] = summarise(wide)
    return pd.DataFrame(rows).T.rename_axis("n_states")


# --------------------------------------------------------------------------------------------
# Geometry of a few belief paths (the chapter's interactive figure)
@dataclass(frozen=True)
class PathGeometry:
    """What :func:`path_geometry` measures of belief paths that share their start.

    Per-scheme arrays follow the order of ``schemes`` (``k`` schemes, ``n`` states).

    Attributes
    ----------
    schemes : tuple of str, length k
    start : ndarray (n,), the common first belief of every path
    posterior : ndarray (n,)
    geodesic : ndarray (50, n), the Fisher-Rao geodesic from ``start`` to ``posterior``
    distance : float, Fisher-Rao distance from ``start`` to ``posterior``
    lengths : ndarray (k,), information length of each path
    end_distances : ndarray (k,), Fisher-Rao distance from ``start`` to each path's end
    status : tuple of str, length k: ``"moved"`` (end distance above :data:`STILL_DISTANCE`),
        ``"returned"`` (it moved, but ended at its start) or ``"still"`` (it never moved)
    efficiencies : ndarray (k,), ``lengths / end_distances`` (1 for a geodesic) where the path
        moved; inf for a path that returned to its start, 1 for one that never moved (a constant
        path is a geodesic of length 0), as in :func:`population_study`
    converged : ndarray (k,) of bool, ``KL[end || posterior] < CONVERGED_KL``
    """

    schemes: tuple
    start: np.ndarray
    posterior: np.ndarray
    geodesic: np.ndarray
    distance: float
    lengths: np.ndarray
    end_distances: np.ndarray
    status: tuple
    efficiencies: np.ndarray
    converged: np.ndarray


def path_geometry(paths, posterior):
    """Information length and efficiency of belief paths against the geodesic to the posterior.

    Efficiency is measured against each path's own end point (``l/d``, 1 for a geodesic); whether
    a path reached the posterior is reported separately (``converged``).

    Parameters
    ----------
    paths : mapping of str to array (n_points, n_states)
        Scheme name -> belief path (strictly positive probability vectors, ``n_points >= 1``),
        every path starting at the same belief, e.g. ``{s: run_scheme(s, ...) for s in SCHEMES}``.
    posterior : array (n_states,)
        Strictly positive probability vector, e.g. :func:`posterior`.

    Returns
    -------
    PathGeometry
        The geodesic (50 points), distances, lengths, efficiencies and convergence of each path.
    """
    if not isinstance(paths, Mapping):
        raise TypeError(f"paths must be a mapping of scheme name to belief path, "
                        f"got {type(paths).__name__}")
    if not paths:
        raise ValueError("paths must hold at least one belief path, got an empty mapping")
    post = _probability(posterior, "posterior")
    checked = {}
    for name, path in paths.items():
        if not isinstance(name, str):
            raise TypeError(f"paths must be keyed by scheme names (strings), got a key of type "
                            f"{type(name).__name__}")
        arr = finite_array(path, "paths", ndim=2)
        if arr.shape[0] < 1 or arr.shape[1] != post.shape[0]:
            raise ValueError(f"paths must hold arrays of shape (n_points >= 1, {post.shape[0]}) "
                             f"(the states of posterior), got {arr.shape} for {name!r}")
        if np.any(arr <= 0) or np.any(np.abs(arr.sum(axis=1) - 1.0) > _SUM_TOL):
            raise ValueError(f"paths must consist of strictly positive probability vectors, "
                             f"not so for {name!r}")
        checked[name] = arr
    schemes = tuple(checked)
    start = checked[schemes[0]][0]
    if any(np.max(np.abs(checked[s][0] - start)) > _SUM_TOL for s in schemes):
        raise ValueError("paths must all start at the same belief")
    lengths = np.array([information_length(checked[s]) for s in schemes], dtype=float)
    ends = [checked[s][-1] for s in schemes]
    end_distances = np.array([fisher_rao(start, end) for end in ends], dtype=float)
    moved = end_distances > STILL_DISTANCE
    status = tuple("moved" if m else ("returned" if length > STILL_DISTANCE else "still")
                   for m, length in zip(moved, lengths))
    efficiencies = np.array([length / d if st == "moved" else (np.inf if st == "returned" else 1.0)
                             for length, d, st in zip(lengths, end_distances, status)])
    converged = np.array([kl_categorical(end, post) < CONVERGED_KL for end in ends])
    return PathGeometry(schemes=schemes, start=start, posterior=post,
                        geodesic=geodesic(start, post), distance=fisher_rao(start, post),
                        lengths=lengths, end_distances=end_distances, status=status,
                        efficiencies=efficiencies, converged=converged)


def scheme_summary(df):
    """Per-scheme summary of :func:`population_study`: one row per scheme.

    ``median_length``, ``mean_efficiency``, ``median_efficiency``, ``median_steps`` (runs that
    never reached the tolerance count as infinitely slow, so the median is not biased down),
    ``frac_reached_tol``, ``frac_converged`` and ``frac_clipped`` (runs with a natural-gradient
    step that left the simplex).
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    g = df.groupby("scheme", sort=False)
    return pd.DataFrame({
        "median_length": g["information_length"].median(),
        "mean_efficiency": g["efficiency"].mean(),
        "median_efficiency": g["efficiency"].median(),
        "median_steps": g["steps_to_tol"].apply(lambda x: x.fillna(np.inf).median()),
        "frac_reached_tol": g["steps_to_tol"].apply(lambda x: x.notna().mean()),
        "frac_converged": g["converged"].mean(),
        "frac_clipped": g["n_clipped"].apply(lambda x: (x > 0).mean()),
    })
