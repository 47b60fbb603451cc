"""Small numerical pieces of the theory chapter: one node's free energy, how its variational bias
relaxes, the Boltzmann-like joint, the learning rule as a gradient, and exact (quadrature)
computations for tiny networks. Notation follows Spisak & Friston (2025) and the spec.

=================================  ==============================================================
``local_evidence``                  ``theta = b + J sigma`` (all nodes)
``log_joint``                       ``iT (b.sigma + 1/2 sigma^T J sigma)``
                                    (unnormalised log density)
``node_free_energy``                node i's VFE as a function of its variational bias ``b_q``
``node_free_energy_gradient``       ``dF/db_q = (b_q - iT theta_i) L'(b_q)``
``relax_variational_bias``          plain or natural gradient descent on ``b_q``
``node_surprise``                   ``-ln CB(sigma_i | u_i) = A(u_i) - u_i sigma_i``
``learning_gradient``               its gradient with respect to ``J``
``coupling_update_reference``       the reference code's weight change (what the engine does)
``coupling_update_gradient``        minus the learning rate times ``learning_gradient``
``quadrature_grid``                 tensor Gauss-Legendre rule on ``[-1, 1]^n``
``boltzmann_moments``               exact means and second moments of the joint (tiny ``n``)
``conditional_density``             density of ``sigma_i`` given the others, by integration
``cyclic_antisymmetric``            antisymmetric coupling that drives the cycle 0 -> 1 -> ... -> 0
``cycle_counts``                    forward/backward hops of the most active node in a run
``batch_means_se``                  standard error of a time average of a correlated series
=================================  ==============================================================

Couplings: ``J[i, j]`` is the weight from node j to node i, with a zero diagonal.
"""
from __future__ import annotations

import math

import numpy as np

from . import cb
from ._validation import (
    choice,
    count,
    coupling_matrix,
    finite_array,
    node_vector,
    positive,
    state_vector,
)

__all__ = ["local_evidence", "log_joint", "node_free_energy", "node_free_energy_gradient",
           "relax_variational_bias", "node_surprise", "learning_gradient",
           "coupling_update_reference", "coupling_update_gradient", "quadrature_grid",
           "boltzmann_moments", "conditional_density", "cyclic_antisymmetric", "cycle_counts",
           "batch_means_se"]


# ---------------------------------------------------------------------------------------------
# argument checks

MAX_GRID_POINTS = 4_000_000        # most points of a tensor quadrature grid (n_points**n_nodes)
# relax_variational_bias: learning rates must stay below these (2 / the largest step factor)
RELAXATION_RATE_LIMIT = {"natural": 2.0, "plain": 6.0}
# most Gauss-Legendre nodes per axis (the rule costs O(n_points**3))
MAX_RULE_POINTS = 1000


def _rule_points(n_points):
    m = count(n_points, "n_points", minimum=2)
    if m > MAX_RULE_POINTS:
        raise ValueError(f"n_points must be at most {MAX_RULE_POINTS} "
                         f"(Gauss-Legendre nodes per axis), got {m}")
    return m


def _coupling(coupling):
    return coupling_matrix(coupling, "coupling")


_vector, _state = node_vector, state_vector


def _broadcast(**arrays):
    """Check that the named arrays broadcast together; a ValueError naming every one otherwise."""
    try:
        return np.broadcast_shapes(*(a.shape for a in arrays.values()))
    except ValueError:
        names = list(arrays)
        got = ", ".join(f"{name} {a.shape}" for name, a in arrays.items())
        raise ValueError(f"{', '.join(names[:-1])} and {names[-1]} must have shapes that broadcast "
                         f"together, got {got}") from None


def _states(value, name, n):
    x = finite_array(value, name)
    if x.ndim < 1 or x.shape[-1] != n:
        raise ValueError(f"{name} must have shape (..., {n}), one entry per node of coupling "
                         f"({n} nodes), got {x.shape}")
    if np.any(np.abs(x) > 1):
        raise ValueError(f"{name} must lie in [-1, 1]")
    return x


def _node(node, n):
    node = count(node, "node", minimum=0)
    if node >= n:
        raise ValueError(f"node must be below the number of nodes of coupling ({n}), got {node}")
    return node


# ---------------------------------------------------------------------------------------------
# inference


def local_evidence(bias, coupling, state):
    """Local evidence ``theta_i = b_i + sum_{j != i} J_ij sigma_j`` of every node.

    Parameters
    ----------
    bias : array (n,)
    coupling : array (n, n), zero diagonal
    state : array (n,) in [-1, 1]

    Returns
    -------
    ndarray (n,)
    """
    J = _coupling(coupling)
    n = J.shape[0]
    return _vector(bias, "bias", n) + J @ _state(state, "state", n)


def log_joint(states, bias, coupling, *, inverse_temperature=1.0, pair_weight=0.5):
    """Unnormalised log density ``iT (b.sigma + pair_weight * sigma^T J sigma)`` of the joint.

    ``pair_weight = 1/2`` is the Boltzmann-like joint whose full conditionals are the inference
    rule ``CB(iT (b_i + sum_j J_ij sigma_j))`` for symmetric J; ``pair_weight = 1`` is what a
    product of pairwise joints gives (every pair counted twice). Only ``(J + J^T)/2`` enters.

    Parameters
    ----------
    states : array (..., n) in [-1, 1]
    bias : array (n,)
    coupling : array (n, n)
    inverse_temperature : float > 0
    pair_weight : float

    Returns
    -------
    ndarray (...)
    """
    J = _coupling(coupling)
    n = J.shape[0]
    x = _states(states, "states", n)
    b = _vector(bias, "bias", n)
    iT = positive(inverse_temperature, "inverse_temperature")
    pair_weight = float(finite_array(pair_weight, "pair_weight", ndim=0))
    quad = np.einsum("...i,ij,...j->...", x, J, x)
    return iT * (x @ b + pair_weight * quad)


def node_free_energy(b_q, node, bias, coupling, state, *, inverse_temperature=1.0):
    """Variational free energy of node ``i`` as a function of its variational bias ``b_q``.

    With ``q(sigma_i) = CB(b_q)``, the other nodes' states given, and precision ``iT``:

    ``F(b_q) = KL[CB(b_q) || CB(iT b_i)] - iT L(b_q) sum_j J_ij sigma_j
    - iT sum_{j != i} b_j sigma_j - iT/2 sum_{j, k != i} J_jk sigma_j sigma_k - A(iT b_i)``,

    i.e. ``E_q[ln q(sigma_i) - ln p~(sigma)]`` for the unnormalised joint ``p~`` of
    :func:`log_joint` when J is symmetric (the constant is chosen so that no term is dropped; add
    ``ln Z`` for the normalised joint). The minimum is at ``b_q = iT theta_i`` where
    ``F = -ln integral p~ d sigma_i``.

    Parameters
    ----------
    b_q : array_like, any shape
    node : int, index i
    bias : array (n,)
    coupling : array (n, n), zero diagonal
    state : array (n,) in [-1, 1] (entry i is ignored)
    inverse_temperature : float > 0

    Returns
    -------
    float or ndarray with the shape of ``b_q``
    """
    J = _coupling(coupling)
    n = J.shape[0]
    i = _node(node, n)
    b = _vector(bias, "bias", n)
    x = _state(state, "state", n).copy()
    iT = positive(inverse_temperature, "inverse_temperature")
    bq = finite_array(b_q, "b_q")
    x[i] = 0.0                              # node i's own state is integrated, not given
    field = J[i] @ x                        # sum_j J_ij sigma_j (diagonal is zero)
    rest = b @ x + 0.5 * x @ J @ x          # the terms without sigma_i
    out = (cb.kl(bq, iT * b[i]) - iT * cb.langevin(bq) * field - iT * rest
           - cb.log_partition(iT * b[i]))
    return float(out) if np.ndim(out) == 0 else out


def node_free_energy_gradient(b_q, theta, *, inverse_temperature=1.0):
    """``dF/db_q = (b_q - iT theta) L'(b_q)`` (broadcast): the prediction error times the Fisher
    information of CB(b_q). ``b_q`` and ``theta`` must broadcast together (a ``ValueError`` naming
    them otherwise); empty arrays give an empty result."""
    bq = finite_array(b_q, "b_q")
    th = finite_array(theta, "theta")
    _broadcast(b_q=bq, theta=th)
    iT = positive(inverse_temperature, "inverse_temperature")
    out = (bq - iT * th) * cb.langevin_prime(bq)
    return float(out) if np.ndim(out) == 0 else out


def relax_variational_bias(b_start, theta, *, learning_rate, n_steps, inverse_temperature=1.0,
                           scheme="plain"):
    """Gradient descent of one node's variational bias on its free energy.

    ``plain``:   ``b_q <- b_q - eps (b_q - iT theta) L'(b_q)``
    ``natural``: ``b_q <- b_q - eps (b_q - iT theta)`` (the gradient divided by the Fisher
    information ``L'(b_q)``), so the error shrinks by ``1 - eps`` every step.

    The node's free energy is, up to a constant, ``KL[CB(b_q) || CB(iT theta)]``, whose Fisher
    information ``L'(b_q)`` is at most ``L'(0) = 1/3`` and falls like ``1/b_q^2`` where the belief
    saturates: the plain step crawls there, the natural step does not. ``learning_rate`` must be
    below the stability limit of the scheme, :data:`RELAXATION_RATE_LIMIT`: 2 for ``"natural"``
    (the error is multiplied by ``1 - eps`` every step) and 6 for ``"plain"`` (``2 / max L'``:
    below it ``|b_q - iT theta|`` never grows). Where ``L'(b_q)`` underflows (``|b_q| > 1e154``)
    the plain step is below one ulp of ``b_q`` and the belief does not move.

    Parameters
    ----------
    b_start, theta : float
    learning_rate : float, ``0 < learning_rate < RELAXATION_RATE_LIMIT[scheme]``, step size eps
    n_steps : int >= 1
    inverse_temperature : float > 0
    scheme : "plain" or "natural"

    Returns
    -------
    ndarray (n_steps + 1,): b_q before the first step and after every step.
    """
    b = float(finite_array(b_start, "b_start", ndim=0))
    theta = float(finite_array(theta, "theta", ndim=0))
    iT = positive(inverse_temperature, "inverse_temperature")
    target = theta * iT
    if not math.isfinite(target):
        raise ValueError(f"theta * inverse_temperature overflows ({theta:g} * {iT:g}); "
                         f"use smaller values")
    eps = positive(learning_rate, "learning_rate")
    n_steps = count(n_steps, "n_steps")
    choice(scheme, "scheme", ("plain", "natural"))
    limit = RELAXATION_RATE_LIMIT[scheme]
    if eps >= limit:
        raise ValueError(f"learning_rate must be below {limit:g} for the {scheme} scheme "
                         f"(beyond it the relaxation does not converge), got {eps:g}")
    if not math.isfinite(b - target):
        raise ValueError(f"b_start and theta * inverse_temperature are too far apart: their "
                         f"difference overflows ({b:g} - {target:g})")
    path = np.empty(n_steps + 1)
    path[0] = b
    for t in range(n_steps):
        fisher = cb.langevin_prime(b) if scheme == "plain" else 1.0
        b = b - eps * (b - target) * fisher
        path[t + 1] = b
    if not np.all(np.isfinite(path)):
        raise ValueError("learning_rate too large: the relaxation diverged")
    return path


# ---------------------------------------------------------------------------------------------
# learning


def node_surprise(state_i, u):
    """Surprise ``-ln CB(sigma_i | u) = A(u) - u sigma_i`` of a node's state under evidence ``u``
    (broadcast: ``state_i`` and ``u`` must broadcast together, a ``ValueError`` naming them
    otherwise; empty arrays give an empty result). The learning rule descends it with respect to
    the couplings."""
    s = finite_array(state_i, "state_i")
    if np.any(np.abs(s) > 1):
        raise ValueError("state_i must lie in [-1, 1]")
    uu = finite_array(u, "u")
    _broadcast(state_i=s, u=uu)
    out = cb.log_partition(uu) - uu * s
    return float(out) if np.ndim(out) == 0 else out


def learning_gradient(coupling, bias, presynaptic, postsynaptic):
    """Gradient of ``sum_i [A(u_i) - u_i sigma_i]``, ``u = b + J x``, with respect to J.

    ``G_ij = (L(u_i) - sigma_i) x_j`` for ``i != j`` (the diagonal is never trained: 0).

    Parameters
    ----------
    coupling : array (n, n)
    bias : array (n,)
    presynaptic : array (n,), the states ``x`` that form the evidence
    postsynaptic : array (n,), the states ``sigma`` being predicted

    Returns
    -------
    ndarray (n, n)
    """
    J = _coupling(coupling)
    n = J.shape[0]
    x = _state(presynaptic, "presynaptic", n)
    s = _state(postsynaptic, "postsynaptic", n)
    return _learning_gradient(J, _vector(bias, "bias", n), x, s)


def _learning_gradient(J, b, x, s):
    """:func:`learning_gradient` for validated arguments."""
    u = b + J @ x
    G = np.outer(cb.langevin(u) - s, x)
    np.fill_diagonal(G, 0.0)
    return G


def coupling_update_reference(coupling, state_old, state_new, *, learning_rate):
    """The reference code's weight change for one step (what :mod:`fep_core.network` does):

    ``dJ_ij = alpha (sigma_new_i sigma_new_j - L(h_i) sigma_new_j)``, ``h = J sigma_old``
    (no bias, no precision), diagonal 0. Returns ``dJ`` (n, n).
    """
    J = _coupling(coupling)
    n = J.shape[0]
    old = _state(state_old, "state_old", n)
    new = _state(state_new, "state_new", n)
    alpha = positive(learning_rate, "learning_rate", allow_zero=True)
    dJ = alpha * np.outer(new - cb.langevin(J @ old), new)
    np.fill_diagonal(dJ, 0.0)
    return dJ


def coupling_update_gradient(coupling, bias, state_old, state_new, *, learning_rate):
    """The paper's rule read as one gradient step: ``-alpha * learning_gradient`` with the old
    state as the evidence (``u = b + J sigma_old``) and presynaptic factor, the new state as the
    outcome. Returns ``dJ`` (n, n)."""
    J = _coupling(coupling)
    n = J.shape[0]
    b = _vector(bias, "bias", n)
    old = _state(state_old, "state_old", n)
    new = _state(state_new, "state_new", n)
    alpha = positive(learning_rate, "learning_rate", allow_zero=True)
    return -alpha * _learning_gradient(J, b, old, new)


# ---------------------------------------------------------------------------------------------
# exact computations for tiny networks


def quadrature_grid(n_nodes, n_points=48):
    """Tensor-product Gauss-Legendre rule on ``[-1, 1]^n_nodes``.

    At most :data:`MAX_GRID_POINTS` points in all and :data:`MAX_RULE_POINTS` per axis (a
    ``ValueError`` otherwise, raised before any large number is formed).

    Returns
    -------
    points : ndarray (n_points**n_nodes, n_nodes)
    weights : ndarray (n_points**n_nodes,), summing to ``2**n_nodes``
    """
    n = count(n_nodes, "n_nodes")
    m = count(n_points, "n_points", minimum=2)
    # compare logarithms first: m**n itself has n log2(m) bits (a hang for n = 10**8)
    if n * math.log(m) > math.log(MAX_GRID_POINTS) + 1e-9 or m ** n > MAX_GRID_POINTS:
        size = f"{m ** n:,}" if n * math.log10(m) < 30 else f"about 10^{n * math.log10(m):.4g}"
        raise ValueError(f"n_points**n_nodes = {m}**{n} = {size} is too many points (at most "
                         f"{MAX_GRID_POINTS:,}); use fewer nodes or points")
    m = _rule_points(m)
    x, w = np.polynomial.legendre.leggauss(m)
    grids = np.meshgrid(*([x] * n), indexing="ij")
    wgrids = np.meshgrid(*([w] * n), indexing="ij")
    points = np.stack([g.ravel() for g in grids], axis=1)
    weights = np.prod(np.stack([g.ravel() for g in wgrids], axis=1), axis=1)
    return points, weights


def boltzmann_moments(bias, coupling, *, inverse_temperature=1.0, n_points=48):
    """Means and second moments of ``p(sigma) ~ exp(iT (b.sigma + 1/2 sigma^T J sigma))`` by
    quadrature over the whole state space (tiny networks only).

    Returns
    -------
    mean : ndarray (n,)
    second : ndarray (n, n), ``E[sigma_i sigma_j]``
    log_z : float, ``ln`` of the normalising constant
    """
    J = _coupling(coupling)
    pts, w = quadrature_grid(J.shape[0], n_points)
    lp = log_joint(pts, bias, J, inverse_temperature=inverse_temperature)
    top = lp.max()
    p = w * np.exp(lp - top)
    z = p.sum()
    p /= z
    return p @ pts, (pts * p[:, None]).T @ pts, float(np.log(z) + top)


def conditional_density(x, node, state, bias, coupling, *, inverse_temperature=1.0,
                        pair_weight=0.5, n_points=64):
    """Density of ``sigma_i`` at ``x`` given the other nodes' states, obtained by normalising
    the joint of :func:`log_joint` numerically (Gauss-Legendre over ``sigma_i``).

    Parameters
    ----------
    x : array_like in [-1, 1]
    node : int
    state : array (n,), the other nodes' states (entry i is ignored)
    bias, coupling, inverse_temperature, pair_weight : as in :func:`log_joint`
    n_points : int, quadrature nodes over sigma_i

    Returns
    -------
    ndarray with the shape of ``x``
    """
    J = _coupling(coupling)
    n = J.shape[0]
    i = _node(node, n)
    base = _state(state, "state", n)
    xs = finite_array(x, "x")
    if np.any(np.abs(xs) > 1):
        raise ValueError("x must lie in [-1, 1]")
    nodes, weights = np.polynomial.legendre.leggauss(_rule_points(n_points))

    def joint_at(values):
        full = np.repeat(base[None], values.size, axis=0)
        full[:, i] = values.ravel()
        return log_joint(full, bias, J, inverse_temperature=inverse_temperature,
                         pair_weight=pair_weight).reshape(values.shape)

    lq = joint_at(nodes)
    top = lq.max()
    norm = np.sum(weights * np.exp(lq - top))
    return np.exp(joint_at(xs) - top) / norm


# ---------------------------------------------------------------------------------------------
# sequences: antisymmetric couplings


def cyclic_antisymmetric(n_nodes, strength):
    """Antisymmetric coupling that excites node ``k+1`` from node ``k`` and inhibits node ``k``
    from node ``k+1`` (indices mod n): ``J[k+1, k] = strength``, ``J[k, k+1] = -strength``.

    Returns
    -------
    ndarray (n, n)
    """
    n = count(n_nodes, "n_nodes", minimum=3)
    c = float(finite_array(strength, "strength", ndim=0))
    J = np.zeros((n, n))
    k = np.arange(n)
    J[(k + 1) % n, k] = c
    J[k, (k + 1) % n] = -c
    return J


def cycle_counts(states):
    """Hops of the most active node along a run: forward ``k -> k+1`` and backward ``k -> k-1``
    (indices mod n), and the net cycle flux ``(forward - backward) / (forward + backward)``.

    Parameters
    ----------
    states : array (T, n), n >= 3

    Returns
    -------
    (forward, backward, flux) : (int, int, float)
    """
    x = finite_array(states, "states", ndim=2)
    n = x.shape[1]
    if n < 3 or x.shape[0] < 2:
        raise ValueError(f"states must have shape (T >= 2, n >= 3), got {x.shape}")
    lab = np.argmax(x, axis=1)
    hop = (lab[1:] - lab[:-1]) % n
    fwd, bwd = int(np.sum(hop == 1)), int(np.sum(hop == n - 1))
    flux = (fwd - bwd) / (fwd + bwd) if fwd + bwd else 0.0
    return fwd, bwd, flux


def batch_means_se(series, n_batches=50):
    """Standard error of the time average of a (correlated) series by the batch-means method.

    Parameters
    ----------
    series : array (T,) or (T, ...) — averages over axis 0
    n_batches : int >= 2, T must be at least ``n_batches``

    Returns
    -------
    float or ndarray (...)
    """
    x = finite_array(series, "series")
    k = count(n_batches, "n_batches", minimum=2)
    if x.ndim < 1 or x.shape[0] < k:
        raise ValueError(f"series needs at least n_batches = {k} samples along axis 0")
    T = (x.shape[0] // k) * k
    means = x[:T].reshape((k, T // k) + x.shape[1:]).mean(axis=1)
    out = means.std(axis=0, ddof=1) / np.sqrt(k)
    return float(out) if np.ndim(out) == 0 else out
