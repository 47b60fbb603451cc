"""The switch between the network's engines: :func:`make_batch` makes a batch of networks on the
compiled CPU engine (:class:`fep_core.network.AttractorBatch`, the default) or on JAX
(:class:`fep_core.jax_backend.JaxAttractorBatch`: a GPU where JAX finds one); the simulations
that train large batches take it as ``backend=`` (:func:`fep_core.experiments.simulation2`,
:func:`fep_core.capacity.train_networks` and the Simulation-5 functions built on it,
:func:`fep_core.faces.train_faces` and the Simulation-6 functions built on it).
:func:`as_numba_batch` brings a trained batch back to the CPU engine, where the analyses of
:mod:`fep_core.metrics` run.

JAX is imported only when ``backend="jax"`` is asked for (or a JAX batch is given), so this
module costs nothing where JAX is not installed.
"""
from __future__ import annotations

import numpy as np

from ._validation import choice
from .network import AttractorBatch

__all__ = ["BACKENDS", "make_batch", "as_numba_batch"]

BACKENDS = ("numba", "jax")
"""The engines behind :func:`make_batch`: ``"numba"``, the compiled CPU engine of
:mod:`fep_core.network` (the default, and the one the book uses), and ``"jax"``,
:class:`fep_core.jax_backend.JaxAttractorBatch` (a GPU where JAX finds one, else the CPU; the
optional extra ``[jax]``)."""


def make_batch(n_networks, n_nodes, *, backend="numba", rng=None, coupling=None,
               dtype="float64"):
    """``n_networks`` networks of ``n_nodes`` nodes on the engine ``backend`` (one of
    :data:`BACKENDS`): an :class:`AttractorBatch` for ``"numba"``, a
    :class:`~fep_core.jax_backend.JaxAttractorBatch` for ``"jax"``. The two take the same
    arguments and run the same step (agreeing to 1e-12 given the same uniforms); with a seed they
    draw different random numbers, so they agree in distribution, not sample by sample.

    Raises ``ValueError`` naming ``backend`` for an unknown engine, and ``ImportError`` saying
    what to install where ``"jax"`` is asked for without JAX.
    """
    choice(backend, "backend", BACKENDS)
    if backend == "jax":
        # imports JAX: only when asked for
        from .jax_backend import JaxAttractorBatch

        return JaxAttractorBatch(n_networks, n_nodes, rng=rng, coupling=coupling, dtype=dtype)
    return AttractorBatch(n_networks, n_nodes, rng=rng, coupling=coupling, dtype=dtype)


def as_numba_batch(batch, *, rng=None):
    """``batch`` itself if it is an :class:`AttractorBatch`, else a CPU :class:`AttractorBatch`
    with a copy of its couplings and state, for the analyses of :mod:`fep_core.metrics` (which
    run on the CPU engine and draw their noise from the batch's generators).

    ``rng``: the copy's generators; by default the JAX batch's own (``batch.generators``, the
    objects themselves), so that the analyses continue each network's stream as they do after
    training on the CPU engine, and a seed gives the same numbers every time. An
    :class:`AttractorBatch` keeps its own, so ``rng`` must then be None (a ``ValueError`` naming
    it otherwise). Raises ``TypeError`` naming ``batch`` for anything that is not a batch of
    either engine.
    """
    if isinstance(batch, AttractorBatch):
        if rng is not None:
            raise ValueError("rng must be None for an AttractorBatch: it is returned as it is, "
                             "with its own generators")
        return batch
    from .jax_backend import JaxAttractorBatch

    if not isinstance(batch, JaxAttractorBatch):
        raise TypeError(f"batch must be an AttractorBatch or a JaxAttractorBatch, got "
                        f"{type(batch).__name__}")
    dtype = "float32" if batch.dtype == np.float32 else "float64"
    copy = AttractorBatch(batch.n_networks, batch.n_nodes,
                          rng=batch.generators if rng is None else rng, coupling=batch.J,
                          dtype=dtype)
    copy.state = batch.state
    return copy
