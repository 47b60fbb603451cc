"""A plain NumPy reference of the network step and of the macro free energy: the readable version.

The compiled engine (:mod:`fep_core.network` on top of :mod:`fep_core._kernels`) stores ``J``
transposed, fuses the learning update with the next step's field and evaluates the continuous
Bernoulli (CB) maths as vectorised passes. This module writes the same computation the way the
paper and the spec state it, one array expression per equation, so that it can be read next to
them and used to check the engine: given the same uniforms (and node orders) it reproduces the
engine's states and couplings to rounding (differences below 1e-13 over hundreds of steps with
learning, see ``tests/test_reference.py``; the two sum ``J @ sigma`` in different orders). It is
slow by design: no compilation, one NumPy call per equation.

Notation (spec section 1; ``J[i, j]`` is the weight from node j to node i, zero diagonal):

* local evidence (field) ``h = J sigma`` and ``theta = b + h``;
* inference (the node's free energy, paper eqs. 16-17, is minimal at ``b_q = theta``): with
  precision ``iT`` the new state is a sample of ``CB(iT theta)`` or, deterministically, its mean
  ``L(iT theta)`` (:func:`inference_step`, :func:`sequential_inference_step`);
* learning (paper eq. 25): ``Delta J_ij = alpha (sigma_i sigma_j - L(pred_i) sigma_j)``,
  ``i != j`` (:func:`learning_step`);
* macro-scale free energy (spec section 1, last paragraph): :func:`macro_free_energy`.

One step (spec section 2), as the engine and the authors' code do it (:func:`step`):

1. ``h = J @ sigma_old``: every node sees the previous state (synchronous update);
2. ``sigma_new = ppf(u, iT (b + h))`` (stochastic, ``u`` uniform) or ``L(iT (b + h))``;
3. if ``alpha > 0``: ``J += alpha (sigma_new - L(pred)) sigma_new^T``, diagonal set to 0, with the
   prediction ``pred = h`` (``prediction="code"``: no bias, no precision, the old state) or
   ``pred = b + h`` (``prediction="paper"``: the paper's equation as written; spec section 4).

``schedule="sequential"`` instead updates the nodes one at a time in a random order, each from
the current states of all others (random-scan Gibbs, spec section 4), and then learns with, per
node, the field it saw as prediction and the swept state as presynaptic factor.

Randomness: every stochastic function takes explicit ``uniforms`` (one per node, used by node
index) and ``rng`` (a seed or a ``numpy.random.Generator``; None: fresh entropy). ``rng`` draws
whatever is not given, exactly what the engine draws from a network's generator and in the same
order: per step ``rng.random(n)`` for the uniforms; for the sequential schedule the node orders
``argsort(rng.random((steps, n)))`` of the whole run, first; for :func:`train` the epochs'
pattern choices before everything else. So ``run(..., rng=seed)`` follows
``AttractorNetwork(n, rng=seed).run(...)``. An int seed starts a fresh generator on every call:
pass a Generator to continue one stream across calls.

The CB maths (``L``, the inverse CDF, the KL divergence) are :mod:`fep_core.cb`'s, whose
numerically delicate forms live in :mod:`fep_core._numerics`: they are written once only.
Functions never modify their arguments; they return new arrays.
"""
from __future__ import annotations

from typing import NamedTuple, Optional

import numpy as np

from . import cb
from ._validation import (
    as_generator,
    choice,
    count,
    coupling_matrix,
    finite_array,
    flag,
    node_vector,
    positive,
    state_vector,
)

__all__ = ["inference_step", "sequential_inference_step", "learning_step", "step", "run", "train",
           "macro_free_energy", "Step", "Trajectory", "FreeEnergy"]


class Step(NamedTuple):
    """Result of :func:`step`: the new ``state`` (n,) and ``coupling`` J (n, n)."""

    state: np.ndarray
    coupling: np.ndarray


class Trajectory(NamedTuple):
    """Result of :func:`run` and :func:`train`.

    Attributes
    ----------
    states : ndarray (steps, n) -- the state after every step
    coupling : ndarray (n, n) -- J after the last step
    trace : ndarray (steps, 4) or None -- with ``record=True``, after every step: macro VFE,
        complexity, accuracy (:func:`macro_free_energy` with that step's bias) and ``||dJ||_F``
    pattern_index : ndarray (epochs,) or None -- :func:`train`'s pattern per epoch
    """

    states: np.ndarray
    coupling: np.ndarray
    trace: Optional[np.ndarray] = None
    pattern_index: Optional[np.ndarray] = None


class FreeEnergy(NamedTuple):
    """Macro-scale free energy and its two parts (``vfe = complexity - accuracy``)."""

    vfe: float
    complexity: float
    accuracy: float


# ---------------------------------------------------------------------------------------------
# Argument checks (each error names the caller's argument)


def _coupling(J):
    return coupling_matrix(J, "J")


_vector, _state = node_vector, state_vector


def _network(J, state, bias):
    J = _coupling(J)
    n = J.shape[0]
    return J, _state(state, "state", n), _vector(bias, "bias", n)


def _randomness(stochastic, uniforms, rng, shape):
    """Check the sources of randomness: returns (uniforms array or None, Generator). ``rng``
    draws whatever is not given (as a network's own generator does in the engine)."""
    stochastic = flag(stochastic, "stochastic")
    gen = as_generator(rng)
    if uniforms is None:
        return None, gen
    if not stochastic:
        raise ValueError("uniforms are only used when stochastic=True")
    u = finite_array(uniforms, "uniforms")
    if u.shape != shape:
        raise ValueError(f"uniforms must have shape {shape}, got {u.shape}")
    if np.any((u < 0.0) | (u > 1.0)):
        raise ValueError("uniforms must lie in [0, 1]")
    return u, gen


def _node_order(value, shape):
    try:
        o = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"node_order must be an integer array, got {type(value).__name__}") from exc
    if not np.issubdtype(o.dtype, np.integer):
        raise TypeError(f"node_order must hold integers, got dtype {o.dtype}")
    if o.shape != shape:
        raise ValueError(f"node_order must have shape {shape}, got {o.shape}")
    if not np.all(np.sort(o, axis=-1) == np.arange(shape[-1])):
        raise ValueError(f"node_order must hold permutations of range({shape[-1]})")
    return o


def _schedule(schedule, node_order, shape):
    sequential = choice(schedule, "schedule", {"synchronous", "sequential"}) == "sequential"
    if node_order is None:
        return sequential, None
    if not sequential:
        raise ValueError('node_order is only used with schedule="sequential"')
    return sequential, _node_order(node_order, shape)


def _random_orders(gen, steps, n):
    """The engine's node orders for a whole run: a uniformly random permutation per step."""
    return np.argsort(gen.random((steps, n)), axis=1)


# ---------------------------------------------------------------------------------------------
# The equations, for checked arguments. Overflow is checked where it matters and reported as a
# ValueError; the public functions run under _quiet so that NumPy does not also warn about it.

_quiet = np.errstate(over="ignore", invalid="ignore")


def _node_states(theta, u):
    """Sample of ``CB(theta)`` by the inverse CDF at ``u``, or its mean ``L(theta)`` if ``u`` is
    None (element-wise)."""
    if not np.all(np.isfinite(theta)):
        raise ValueError("the precision-weighted evidence iT (b + J state) overflows: J, bias or "
                         "inverse_temperature is too large (or learning_rate, if J grew while "
                         "learning)")
    return cb.langevin(theta) if u is None else cb.ppf(u, theta)


def _infer(J, x, b, iT, u):
    field = J @ x                                   # h: every node sees the old state
    return _node_states(iT * (b + field), u), field


def _infer_sequential(J, x, b, iT, u, order):
    x = x.copy()
    field = np.zeros_like(x)
    for i in order:                                 # node i sees the states updated before it
        field[i] = J[i] @ x
        x[i] = _node_states(iT * (b[i] + field[i]), None if u is None else u[i])
    return x, field


def _learn(J, x, field, b, alpha, pred_bias):
    prediction = cb.langevin(field + b) if pred_bias else cb.langevin(field)
    # alpha (x_i x_j - L(pred_i) x_j), factored as (alpha (x_i - L(pred_i))) x_j: the engine's
    # rounding, so that the two agree to the last bits of each update.
    new = J + np.outer(alpha * (x - prediction), x)
    np.fill_diagonal(new, 0.0)                      # no self-connections, ever
    if not np.all(np.isfinite(new)):
        raise ValueError("learning_rate is too large: the couplings overflowed while learning")
    return new


def _step(J, x, b, iT, alpha, pred_bias, u, order):
    if order is None:
        x_new, field = _infer(J, x, b, iT, u)
    else:
        x_new, field = _infer_sequential(J, x, b, iT, u, order)
    if alpha > 0.0:
        return x_new, _learn(J, x_new, field, b, alpha, pred_bias)
    return x_new, J.copy()                          # alpha = 0: the same values, a new array


def _macro_free_energy(J, m, b):
    bq = b + J @ m                                  # the posterior's natural parameter
    if not np.all(np.isfinite(bq)):
        raise ValueError("J, state and bias are too large: bias + J @ state overflows")
    complexity = float(np.sum(cb.kl(bq, b)))        # sum_i KL[CB(bq_i) || CB(b_i)]
    lq = cb.langevin(bq)                            # expected states under the posterior
    accuracy = float(b @ lq + lq @ J @ lq)
    parts = FreeEnergy(complexity - accuracy, complexity, accuracy)
    if not np.all(np.isfinite(parts)):
        raise ValueError("J and bias are too large: the macro VFE overflows")
    return parts


# ---------------------------------------------------------------------------------------------
# Public functions


@_quiet
def inference_step(J, state, bias, *, inverse_temperature=1.0, stochastic=True, uniforms=None,
                   rng=None):
    """One synchronous inference step: every node from the previous state (spec section 2).

    ``h = J @ state``; the new state of node i is a sample of ``CB(iT (b_i + h_i))`` (the
    optimal belief of paper eqs. 16-17 at precision ``iT``) or, with ``stochastic=False``, its
    mean ``L(iT (b_i + h_i))``.

    Parameters
    ----------
    J : array (n, n)
        Couplings, ``J[i, j]`` the weight from node j to node i; zero diagonal.
    state : array (n,)
        Previous state ``sigma``, in [-1, 1].
    bias : array (n,)
        Biases ``b`` (the evidence).
    inverse_temperature : float > 0
        Precision ``iT``.
    stochastic : bool
        Sample (True) or take the mean (False).
    uniforms : array (n,) in [0, 1], optional
        Node i's sample is the inverse CDF at ``uniforms[i]``. Only with ``stochastic=True``.
    rng : int, numpy.random.Generator or None
        Otherwise the uniforms are ``rng.random(n)`` (None: fresh entropy).

    Returns
    -------
    ndarray (n,)
        The new state.
    """
    J, x, b = _network(J, state, bias)
    iT = positive(inverse_temperature, "inverse_temperature")
    u, gen = _randomness(stochastic, uniforms, rng, x.shape)
    if stochastic and u is None:
        u = gen.random(x.shape[0])
    return _infer(J, x, b, iT, u)[0]


@_quiet
def sequential_inference_step(J, state, bias, *, inverse_temperature=1.0, stochastic=True,
                              node_order=None, uniforms=None, rng=None):
    """One sequential (random-scan Gibbs) inference sweep: the nodes are updated one at a time in
    ``node_order``, each from the current states of all the others (spec section 4).

    Node ``i`` sees ``h_i = sum_j J_ij sigma_j`` over the states as they are when its turn comes,
    and becomes a sample of ``CB(iT (b_i + h_i))`` (or its mean).

    Parameters
    ----------
    J, state, bias, inverse_temperature, stochastic :
        As for :func:`inference_step`.
    node_order : int array (n,), optional
        A permutation of ``range(n)``. Default: ``argsort(rng.random(n))``, drawn before the
        uniforms (the engine's order of draws).
    uniforms : array (n,) in [0, 1], optional
        ``uniforms[i]`` is node i's (indexed by node, not by position in the order).
    rng : int, numpy.random.Generator or None
        Source of the order and uniforms not given.

    Returns
    -------
    state : ndarray (n,)
        The new state.
    field : ndarray (n,)
        ``h_i`` as node i saw it: the prediction :func:`learning_step` uses for this schedule.
    """
    J, x, b = _network(J, state, bias)
    n = x.shape[0]
    iT = positive(inverse_temperature, "inverse_temperature")
    u, gen = _randomness(stochastic, uniforms, rng, (n,))
    if node_order is None:
        order = _random_orders(gen, 1, n)[0]        # the order is drawn before the uniforms
    else:
        order = _node_order(node_order, (n,))
    if stochastic and u is None:
        u = gen.random(n)
    return _infer_sequential(J, x, b, iT, u, order)


@_quiet
def learning_step(J, state, field, *, learning_rate, prediction="code", bias=None):
    """The learning rule (paper eq. 25, as the engine applies it; spec section 2, step 3):

    ``J_ij + alpha (sigma_i sigma_j - L(p_i) sigma_j)`` for ``i != j``, diagonal 0: Hebbian
    correlation minus the correlation already predicted (anti-Hebbian).

    Parameters
    ----------
    J : array (n, n)
        Couplings before the update (zero diagonal).
    state : array (n,)
        The new state ``sigma`` (both the outcome and the presynaptic factor).
    field : array (n,)
        ``h_i = sum_j J_ij sigma_j`` as node i saw it when it was updated: ``J @ old_state`` for
        the synchronous schedule, the second result of :func:`sequential_inference_step`.
    learning_rate : float >= 0
        ``alpha``.
    prediction : "code" or "paper"
        ``p = h`` (the authors' code: no bias, no precision) or ``p = b + h`` (the paper's
        equation as written; needs ``bias``). See spec section 4.
    bias : array (n,), optional
        The biases ``b``; required with ``prediction="paper"``.

    Returns
    -------
    ndarray (n, n)
        The new couplings.
    """
    J = _coupling(J)
    n = J.shape[0]
    x = _state(state, "state", n)
    h = _vector(field, "field", n)
    alpha = positive(learning_rate, "learning_rate", allow_zero=True)
    pred_bias = choice(prediction, "prediction", {"code", "paper"}) == "paper"
    if pred_bias and bias is None:
        raise ValueError('bias is required with prediction="paper" (the prediction is L(b + h))')
    b = np.zeros(n) if bias is None else _vector(bias, "bias", n)
    return _learn(J, x, h, b, alpha, pred_bias)


@_quiet
def step(J, state, bias, *, inverse_temperature=1.0, learning_rate=0.0, stochastic=True,
         prediction="code", schedule="synchronous", node_order=None, uniforms=None, rng=None):
    """One network step, inference then learning, exactly as the engine takes it.

    Synchronous schedule (the authors' code, spec section 2): ``h = J @ state``, the new state
    from ``CB(iT (b + h))`` (:func:`inference_step`), then, if ``learning_rate > 0``,
    :func:`learning_step` with that ``h``. Sequential schedule: :func:`sequential_inference_step`
    then :func:`learning_step` with the fields the nodes saw. With ``learning_rate = 0`` the
    couplings are returned unchanged.

    Parameters
    ----------
    J : array (n, n); state : array (n,) in [-1, 1]; bias : array (n,)
    inverse_temperature : float > 0 -- precision ``iT``
    learning_rate : float >= 0 -- ``alpha``
    stochastic : bool -- sample (True) or take the CB mean (False)
    prediction : "code" or "paper" -- see :func:`learning_step`
    schedule : "synchronous" or "sequential"
    node_order : int array (n,), optional -- sequential only (default: drawn from ``rng``)
    uniforms : array (n,) in [0, 1], optional -- stochastic only, by node index
    rng : int, numpy.random.Generator or None -- draws what is not given, in the engine's order

    Returns
    -------
    Step
        ``(state, coupling)``: the new state (n,) and couplings (n, n).
    """
    J, x, b = _network(J, state, bias)
    n = x.shape[0]
    iT = positive(inverse_temperature, "inverse_temperature")
    alpha = positive(learning_rate, "learning_rate", allow_zero=True)
    pred_bias = choice(prediction, "prediction", {"code", "paper"}) == "paper"
    sequential, order = _schedule(schedule, node_order, (n,))
    u, gen = _randomness(stochastic, uniforms, rng, (n,))
    if sequential and order is None:
        order = _random_orders(gen, 1, n)[0]        # the order is drawn before the uniforms
    if stochastic and u is None:
        u = gen.random(n)
    x_new, J_new = _step(J, x, b, iT, alpha, pred_bias, u, order if sequential else None)
    return Step(x_new, J_new)


def _trajectory(J, x, biases, iT, alpha, pred_bias, stochastic, U, gen, orders, record):
    """``len(biases)`` steps, bias ``biases[t]`` at step t; uniforms ``U[t]`` or drawn per step."""
    steps = biases.shape[0]
    states = np.empty((steps, x.shape[0]))
    trace = np.empty((steps, 4)) if record else None
    for t in range(steps):
        u = None
        if stochastic:
            u = U[t] if U is not None else gen.random(x.shape[0])
        J_old = J
        x, J = _step(J, x, biases[t], iT, alpha, pred_bias, u,
                     None if orders is None else orders[t])
        states[t] = x
        if record:
            trace[t, :3] = _macro_free_energy(J, x, biases[t])
            trace[t, 3] = np.linalg.norm(J - J_old)
    return states, J, trace


@_quiet
def run(J, state, bias, steps, *, inverse_temperature=1.0, learning_rate=0.0, stochastic=True,
        prediction="code", schedule="synchronous", node_order=None, uniforms=None, rng=None,
        record=False):
    """Repeated :func:`step`, ``steps`` times from ``state``: the reference of
    ``AttractorNetwork.run`` (and, with a bias per step, of ``AttractorBatch.simulate``).

    Parameters
    ----------
    J : array (n, n); state : array (n,) in [-1, 1] -- where the run starts
    bias : array (n,) (constant) or (steps, n) (bias of each step)
    steps : int >= 1
    inverse_temperature, learning_rate, stochastic, prediction, schedule : see :func:`step`
    node_order : int array (steps, n), optional -- sequential only; default
        ``argsort(rng.random((steps, n)))``, all drawn before the first uniform (as the engine)
    uniforms : array (steps, n) in [0, 1], optional -- default ``rng.random(n)`` at each step
    rng : int, numpy.random.Generator or None
    record : bool -- also return the trace (macro VFE, complexity, accuracy, ``||dJ||_F``)

    Returns
    -------
    Trajectory
        ``states`` (steps, n), final ``coupling`` (n, n), ``trace`` (steps, 4) or None.
    """
    J = _coupling(J)
    n = J.shape[0]
    x = _state(state, "state", n)
    steps = count(steps, "steps")
    b = finite_array(bias, "bias")
    if b.shape == (n,):
        b = np.broadcast_to(b, (steps, n))
    if b.shape != (steps, n):
        raise ValueError(f"bias must have shape ({n},) or ({steps}, {n}), got {b.shape}")
    return _run_checked(J, x, b, steps, inverse_temperature, learning_rate, stochastic,
                        prediction, schedule, node_order, uniforms, rng, record)


def _run_checked(J, x, biases, steps, inverse_temperature, learning_rate, stochastic, prediction,
                 schedule, node_order, uniforms, rng, record):
    n = J.shape[0]
    iT = positive(inverse_temperature, "inverse_temperature")
    alpha = positive(learning_rate, "learning_rate", allow_zero=True)
    pred_bias = choice(prediction, "prediction", {"code", "paper"}) == "paper"
    record = flag(record, "record")
    stochastic = flag(stochastic, "stochastic")
    sequential, orders = _schedule(schedule, node_order, (steps, n))
    U, gen = _randomness(stochastic, uniforms, rng, (steps, n))
    if sequential and orders is None:
        orders = _random_orders(gen, steps, n)      # all orders first, then the uniforms
    states, J, trace = _trajectory(J, x, biases, iT, alpha, pred_bias, stochastic, U, gen,
                                   orders, record)
    return Trajectory(states, J, trace)


@_quiet
def train(J, state, patterns, *, evidence=1.0, epochs, steps_per_epoch, inverse_temperature,
          learning_rate, order="random", schedule="synchronous", prediction="code",
          uniforms=None, rng=None, record=False):
    """Continuous learning (spec section 2, "Training"): the reference of
    ``AttractorNetwork.train``.

    Each epoch picks a pattern (``rng.integers(0, P, size=epochs)``, drawn first, or cyclically
    with ``order="sequential"``), sets ``bias = evidence * pattern`` and takes
    ``steps_per_epoch`` steps (:func:`step`) with learning; the state carries over.

    Parameters
    ----------
    J : array (n, n); state : array (n,) in [-1, 1] -- where training starts (the paper: zeros)
    patterns : array (P, n)
    evidence, inverse_temperature : float > 0
    learning_rate : float >= 0
    epochs, steps_per_epoch : int >= 1
    order : "random" or "sequential"
    schedule, prediction : see :func:`step`
    uniforms : array (epochs * steps_per_epoch, n) in [0, 1], optional
    rng : int, numpy.random.Generator or None
    record : bool -- also return the trace (see :func:`run`)

    Returns
    -------
    Trajectory
        With ``pattern_index`` (epochs,).
    """
    J = _coupling(J)
    n = J.shape[0]
    x = _state(state, "state", n)
    pats = finite_array(patterns, "patterns", ndim=2)
    if pats.shape[1] != n or pats.shape[0] < 1:
        raise ValueError(f"patterns must have shape (P, {n}) with P >= 1, got {pats.shape}")
    evidence = positive(evidence, "evidence")
    epochs = count(epochs, "epochs")
    steps_per_epoch = count(steps_per_epoch, "steps_per_epoch")
    steps = epochs * steps_per_epoch
    # every argument is checked before the first draw
    positive(inverse_temperature, "inverse_temperature")
    positive(learning_rate, "learning_rate", allow_zero=True)
    choice(prediction, "prediction", {"code", "paper"})
    choice(schedule, "schedule", {"synchronous", "sequential"})
    flag(record, "record")
    _, gen = _randomness(True, uniforms, rng, (steps, n))
    if choice(order, "order", {"random", "sequential"}) == "sequential":
        idx = np.arange(epochs) % pats.shape[0]
    else:
        idx = gen.integers(0, pats.shape[0], size=epochs)     # drawn before everything else
    biases = np.repeat(evidence * pats[idx], steps_per_epoch, axis=0)
    res = _run_checked(J, x, biases, steps, inverse_temperature, learning_rate, True, prediction,
                       schedule, None, uniforms, gen, record)
    return res._replace(pattern_index=idx)


@_quiet
def macro_free_energy(J, state, bias):
    """Macro-scale free energy the reference code monitors during training (spec section 1).

    With ``bq = b + J m`` for the current state ``m``: complexity ``sum_i KL[CB(bq_i) || CB(b_i)]``,
    accuracy ``b . L(bq) + L(bq)^T J L(bq)``, VFE = complexity - accuracy. This is the
    definition :func:`fep_core.network.macro_vfe` returns; the networks' compiled ``vfe``
    methods are tested against it.

    Parameters
    ----------
    J : array (n, n)
    state : array (n,)
    bias : array (n,)

    Returns
    -------
    FreeEnergy
        ``(vfe, complexity, accuracy)``, floats.
    """
    J = finite_array(J, "J", ndim=2)
    n = J.shape[0]
    if J.shape != (n, n):
        raise ValueError(f"J must be square, got shape {J.shape}")
    # (like macro_vfe, any square J and any finite state: it is a function, not a network)
    return _macro_free_energy(J, _vector(state, "state", n), _vector(bias, "bias", n))
