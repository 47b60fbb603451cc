"""The book's slider callbacks: one per chapter, all in this module.

Naming rule: the callback of ``book/<stem>.ipynb`` is ``fep_core.explore.<stem>``, and its
sliders are ``fep_core.widgets.SLIDER_RANGES[<stem>]`` (toggle buttons: ``SLIDER_CHOICES``).
The chapters' Interactive sections call ``panel(explore.<stem>, ...)``.

===========================  ===================================================================
``gaussian_primer``          gradient descent on a Gaussian belief's free energy
``natural_gradient``         three belief-update schemes on a random 3-state model
``theory``                   one node's variational bias relaxing (plain and natural gradient)
``simulation1``              Simulation 1 retrained with the slider settings
``simulation2``              a cell of the precomputed grid (first argument) next to a rerun
``simulation3``              Simulation 3 retrained with the slider settings
``simulation4``              the free-running continuation of a trained balanced network
``reproduction_report``      Simulation 1 with a chosen prediction rule and schedule
``simulation5``              small networks trained at a chosen precision, learning rate and load
``simulation6``              a face network trained at the sliders' settings reconstructing a face
``variational_bayes``        a variational autoencoder trained with the slider settings
===========================  ===================================================================

Layering: a callback checks its arguments (a ``ValueError``/``TypeError`` naming the bad one, or
saying why the settings give nothing to draw), computes with the maths and experiment modules
(:mod:`fep_core.gaussian`, :mod:`~fep_core.geometry`, :mod:`~fep_core.theory`,
:mod:`~fep_core.experiments`), then hands the numbers to a drawing function of
:mod:`fep_core.plotting` and returns its matplotlib Figure. Nothing below this module imports
it: the maths and experiment modules import neither plotting, widgets nor explore, and plotting
imports neither widgets nor explore (checked by ``tests/test_layers.py``). Each callback imports
what it uses when it is called, so a chapter loads only its own panel's modules (not, say, the
simulation engine for the Gaussian primer).
"""
from __future__ import annotations

import numpy as np

from . import controls, paper
from ._validation import count, finite_array, positive

__all__ = ["gaussian_primer", "natural_gradient", "theory", "simulation1", "simulation2",
           "simulation3", "simulation4", "reproduction_report", "MAX_NATURAL_GRADIENT_RATE",
           "simulation5", "simulation6", "comparison"]

MAX_NATURAL_GRADIENT_RATE = 1.0
"""Largest learning rate of :func:`natural_gradient` (its slider's range): beyond it the explicit
steps overshoot and, with sharp likelihoods, beliefs underflow to exactly 0."""

_BALANCED = paper.REGIMES["balanced"]     # (evidence, inverse temperature) of the balanced cell
# The simulations' callbacks default to the paper's settings (fep_core.paper).
_S1, _S2, _S3, _S4 = paper.SIMULATION1, paper.SIMULATION2, paper.SIMULATION3, paper.SIMULATION4


# --------------------------------------------------------------------------------------------
# Primers and theory
def gaussian_primer(likelihood_precision=4.0, learning_rate=0.1, prior_precision=1.0,
                    observation=2.0, n_steps=40):
    """Gradient descent on a Gaussian belief's free energy for the slider values; returns a Figure.

    Left: q's mean (band: +/- one sd) per step, against the posterior. Right: F per step
    against the bound ``-ln p(y)`` (log scale of the gap). The title states the stability limit.
    """
    from . import gaussian
    from .plotting import primers

    observation = float(finite_array(observation, "observation", ndim=0))
    traj = gaussian.descend(observation, learning_rate=learning_rate, n_steps=n_steps,
                            prior_precision=prior_precision,
                            likelihood_precision=likelihood_precision)
    return primers.plot_descent_panel(traj, observation, prior_precision=prior_precision,
                                      likelihood_precision=likelihood_precision,
                                      learning_rate=learning_rate)


def natural_gradient(precision=2.0, learning_rate=0.25, n_steps=30, seed=23):
    """The three update schemes on a random 3-state model ``A = softmax(precision * logits)``.

    Left: the schemes' belief paths on the simplex (from the prior to the posterior) with the
    Fisher-Rao geodesic. Right: each path's information length against the geodesic distance,
    with the efficiency ratio (:func:`fep_core.geometry.path_geometry`). Returns the Figure.

    ``learning_rate`` is at most :data:`MAX_NATURAL_GRADIENT_RATE` (1, the slider's range):
    beyond it the explicit steps overshoot (active inference diverges from 2 on, its error being
    multiplied by ``1 - eps`` every step) and, with sharp likelihoods, beliefs underflow to
    exactly 0 already below 2, where the panel's divergences are undefined.
    """
    from . import geometry
    from .plotting import primers

    gamma = positive(precision, "precision")
    eps = positive(learning_rate, "learning_rate")
    if eps > MAX_NATURAL_GRADIENT_RATE:
        raise ValueError(f"learning_rate must be at most {MAX_NATURAL_GRADIENT_RATE:g} for this "
                         f"panel (beyond it the schemes overshoot and beliefs underflow to 0), "
                         f"got {eps:g}")
    n_steps = count(n_steps, "n_steps")
    A, D, o = geometry.random_model(3, precision=gamma, rng=count(seed, "seed", minimum=0))
    paths = {s: geometry.run_scheme(s, D, A, D, o, learning_rate=eps, n_steps=n_steps)
             for s in geometry.SCHEMES}
    _, n_clipped = geometry.natural_gradient(D, A, D, o, learning_rate=eps, n_steps=n_steps,
                                             return_clipped=True)
    measures = geometry.path_geometry(paths, geometry.posterior(A, D, o))
    return primers.plot_explore_geometry(paths, measures, n_clipped=n_clipped,
                                         title=f"precision {gamma:.3g}, learning rate {eps:.3g}")


def theory(inverse_temperature=1.0, learning_rate=0.2, theta=3.0, start=-8.0, n_steps=40):
    """One node's variational bias relaxing towards ``iT * theta``; returns a Figure.

    Left: ``b_q`` under plain and natural gradient descent on the node's free energy
    (:func:`fep_core.theory.relax_variational_bias`, step size ``learning_rate``) from
    ``start``. Right: the CB densities of both beliefs after ``n_steps`` steps and the optimal
    belief ``CB(iT theta)``.

    Parameters
    ----------
    inverse_temperature : float > 0, precision iT
    learning_rate : float > 0, step size (below 2, the natural scheme's stability limit)
    theta : float, local evidence of the node
    start : float, initial variational bias
    n_steps : int >= 1

    Returns
    -------
    matplotlib.figure.Figure
    """
    from . import theory as th
    from .plotting import theory as plots

    iT = positive(inverse_temperature, "inverse_temperature")
    eps = positive(learning_rate, "learning_rate")
    theta = float(finite_array(theta, "theta", ndim=0))
    start = float(finite_array(start, "start", ndim=0))
    n_steps = count(n_steps, "n_steps")
    if not np.isfinite(iT * theta):
        raise ValueError(f"theta * inverse_temperature overflows ({theta:g} * {iT:g}); "
                         f"use smaller values")
    paths = {s: th.relax_variational_bias(start, theta, learning_rate=eps, n_steps=n_steps,
                                          inverse_temperature=iT, scheme=s)
             for s in ("plain", "natural")}
    return plots.plot_explore(paths, iT * theta, inverse_temperature=iT, learning_rate=eps)


# --------------------------------------------------------------------------------------------
# Simulations
def _no_attractor(r, advice):
    """A ValueError when a Simulation-1 network learned no attractor (both bars relax to the
    zero state), where correlations are meaningless; None otherwise."""
    size = float(np.max(np.abs(r.attractors)))
    if size < 1e-3 or not np.isfinite(r.attractor_correlation):
        return ValueError(f"no attractor was learned with these settings (both bars relax to the "
                          f"zero state, largest |state| = {size:.1g}){advice}")
    return None


def simulation1(inverse_temperature=_S1["inverse_temperature"], learning_rate=_S1["learning_rate"],
                evidence=_S1["evidence"], epochs=_S1["epochs"], seed=0):
    """Train Simulation 1 with these settings and draw what it learned; returns a Figure.

    Raises ValueError when the settings are invalid, or when the trained network has no
    attractor (both bars relax to the zero state), where correlations would be meaningless.
    """
    from . import experiments
    from .plotting import sim1

    with np.errstate(invalid="ignore", divide="ignore"):
        r = experiments.simulation1(seed=seed, evidence=evidence,
                                    inverse_temperature=inverse_temperature,
                                    learning_rate=learning_rate, epochs=epochs)
    error = _no_attractor(r, ", so raise the learning rate, the epochs or the precision")
    if error is not None:
        raise error
    return sim1.plot_explore(r, inverse_temperature=inverse_temperature,
                             learning_rate=learning_rate, evidence=evidence, epochs=epochs,
                             seed=seed)


def _nearest(values, x, log):
    """The entry of ``values`` nearest to ``x`` (on a log scale with ``log``)."""
    values = np.asarray(values, float)
    d = np.abs(np.log(values) - np.log(x)) if log else np.abs(values - x)
    return float(values[np.argmin(d)])


def simulation2(grid, *, evidence=int(_BALANCED[0]), inverse_temperature=_BALANCED[1],
                learning_rate=_S2["learning_rate"], epochs=1000, seed=0):
    """The precomputed grid's cell nearest to (evidence, precision) next to a fresh single-cell
    run at exactly the chosen precision, learning rate and number of epochs; returns a Figure.

    ``grid`` is the chapter's :class:`~fep_core.experiments.Simulation2Result` (bind it with
    ``functools.partial(explore.simulation2, grid)``). Top: the grid's retrieval and
    generalisation heat maps with the grid cell and the rerun marked; below them the grid cell's
    attractors and numbers (grid settings), then :func:`fep_core.experiments.simulation2_cell`
    rerun with the slider values (the grid's number of trials; fewer epochs keep it to about a
    second).
    """
    from . import experiments
    from .plotting import sim2

    evidence = positive(evidence, "evidence")
    inverse_temperature = positive(inverse_temperature, "inverse_temperature")
    learning_rate = positive(learning_rate, "learning_rate", allow_zero=True)
    epochs = count(epochs, "epochs")
    e_grid = _nearest(grid.table["evidence"], evidence, False)
    t_grid = _nearest(grid.table["inverse_temperature"], inverse_temperature, True)
    k = int(np.flatnonzero((grid.table["evidence"] == e_grid).to_numpy()
                           & (grid.table["inverse_temperature"] == t_grid).to_numpy())[0])
    cell = experiments.simulation2_cell(seed=seed, evidence=float(evidence),
                                        inverse_temperature=float(inverse_temperature),
                                        learning_rate=float(learning_rate), epochs=int(epochs),
                                        trials=grid.params.get("trials", 100))
    return sim2.plot_explore(grid, k, cell, evidence=evidence,
                             inverse_temperature=inverse_temperature,
                             learning_rate=learning_rate, epochs=epochs)


def simulation3(inverse_temperature=_S3["inverse_temperature"], learning_rate=_S3["learning_rate"],
                evidence=_S3["evidence"], epochs=_S3["epochs"], seed=0):
    """Train Simulation 3 with these settings and draw the attractors of the symmetric part and
    the free run; returns a Figure.

    Raises ValueError for invalid settings, or when training left J at zero.
    """
    from . import experiments
    from .plotting import sim3

    r = experiments.simulation3(seed=seed, evidence=evidence,
                                inverse_temperature=inverse_temperature,
                                learning_rate=learning_rate, epochs=epochs)
    if not np.any(r.J):
        raise ValueError("training left the coupling at zero, so raise the learning rate")
    return sim3.plot_explore(r, inverse_temperature=inverse_temperature,
                             learning_rate=learning_rate, evidence=evidence, epochs=epochs,
                             seed=seed)


def simulation4(*, inverse_temperature=_BALANCED[1], learning_rate=_S4["learning_rate"],
                free_steps=20000, epochs=2000, seed=0):
    """Rerun the free-running continuation (:func:`fep_core.experiments.free_run_continuation`)
    of a balanced network trained for ``epochs`` epochs, with the free run's precision, learning
    rate and length from the sliders; returns a Figure. Shows the change of J, the attractors
    before/after, the scores before/after and what the free run visits."""
    from . import experiments
    from .plotting import sim4

    res = experiments.free_run_continuation(inverse_temperature=inverse_temperature,
                                            learning_rate=learning_rate, free_steps=free_steps,
                                            epochs=epochs, seed=seed)
    return sim4.plot_explore(res, inverse_temperature=inverse_temperature,
                             learning_rate=learning_rate, free_steps=free_steps, epochs=epochs)


def reproduction_report(inverse_temperature=_S1["inverse_temperature"],
                        learning_rate=_S1["learning_rate"], prediction="code",
                        schedule="synchronous", seed=0):
    """Simulation 1 with the chosen precision, learning rate, prediction rule and update
    schedule, next to the reference code's rule at the same settings; returns a Figure.

    Shows the chosen variant's two attractors and bars of the attractor correlation and the
    coupling asymmetry for both. Raises ValueError for invalid settings or when the chosen
    variant learns no attractor (both bars relax to zero), where a correlation is undefined.
    """
    from . import experiments
    from .plotting import report

    runs = {}
    variants = [("chosen", prediction, schedule)]
    if (prediction, schedule) != ("code", "synchronous"):
        variants.append(("code", "code", "synchronous"))
    for name, pred, sched in variants:
        with np.errstate(invalid="ignore", divide="ignore"):
            runs[name] = experiments.simulation1(seed=seed, inverse_temperature=inverse_temperature,
                                                 learning_rate=learning_rate, prediction=pred,
                                                 schedule=sched)
    error = _no_attractor(runs["chosen"], "; raise the precision or the learning rate")
    if error is not None:
        raise error
    return report.plot_explore(runs, inverse_temperature=inverse_temperature,
                               learning_rate=learning_rate, prediction=prediction,
                               schedule=schedule, seed=seed)


def simulation5(inverse_temperature=paper.SIMULATION5_CAPACITY["inverse_temperature"],
                learning_rate=paper.SIMULATION5_CAPACITY["learning_rate"], load=0.4, seed=0):
    """A 50-node network trained (2000 epochs) at the sliders' precision and learning rate on
    K = round(load x 50) random patterns, tested from corrupted starts beside the Hebbian,
    projector and Storkey networks on the same patterns
    (:func:`fep_core.capacity.training_sweep` at one point); returns a Figure."""
    from . import capacity
    from .plotting import sim5

    sweep = capacity.training_sweep([inverse_temperature], [learning_rate], [load], seed=seed)
    return sim5.plot_explore(sweep)


# --------------------------------------------------------------------------------------------
# Simulation 6 (the revision's faces)
_FACES = controls.SLIDER_RANGES["simulation6"]


def simulation6(inverse_temperature=_FACES["inverse_temperature"][2],
                learning_rate=_FACES["learning_rate"][2],
                signal_strength=_FACES["signal_strength"][2],
                prior_precision=_FACES["prior_precision"][2], seed=0):
    """Train the chapter's face network at this precision iT and learning rate α (the balanced
    evidence, the chapter's training length; memoised, :func:`fep_core.faces.trained_coupling`)
    and draw the example face reconstructed at this signal strength and prior precision, the
    attractor it relaxes to, and the gain over the paper's grid; returns a Figure.

    Raises ValueError for invalid settings.
    """
    from . import faces
    from .plotting import sim6

    J = faces.trained_coupling(inverse_temperature, learning_rate, seed=seed)
    point = faces.explore_point(J, signal_strength=signal_strength,
                                prior_precision=prior_precision, seed=seed)
    g = point.grid
    return sim6.plot_explore(point.face, point.noisy, point.reconstruction, point.attractor,
                             g.gains[:, :, 0], signal_strengths=g.signal_strengths,
                             prior_precisions=g.prior_precisions,
                             signal_strength=signal_strength, prior_precision=prior_precision,
                             inverse_temperature=inverse_temperature,
                             learning_rate=learning_rate, gain=point.gain)


# --------------------------------------------------------------------------------------------
# Variational Bayes
__all__.append("variational_bayes")
_VB = controls.SLIDER_RANGES["variational_bayes"]


def variational_bayes(decoder_precision=_VB["decoder_precision"][2],
                      learning_rate=_VB["learning_rate"][2], seed=0):
    """Train the Interactive section's variational autoencoder with this decoder precision λ and
    learning rate (Adam's step size) and draw it (:func:`fep_core.vae.explore_run`,
    :data:`fep_core.vae.EXPLORE_STEPS` steps); returns a Figure.

    Shows accuracy and complexity per Adam step, eight held-out digits with their
    reconstructions and eight samples from the prior, and in the title the held-out free
    energy, the anomaly AUC and the denoising score. Raises ValueError for invalid settings or
    when training diverged (the free energy became non-finite).
    """
    from . import vae
    from .plotting import vb as plots

    lam = positive(decoder_precision, "decoder_precision")
    lr = positive(learning_rate, "learning_rate")
    run = vae.explore_run(decoder_precision=lam, learning_rate=lr,
                          seed=count(seed, "seed", minimum=0))
    if run.result.diverged:
        raise ValueError(f"training diverged at learning rate {lr:.3g} (the free energy became "
                         f"non-finite), so lower the learning rate")
    return plots.plot_explore(run, title=f"decoder precision λ = {lam:.3g}, "
                                         f"learning rate {lr:.3g}")


# --------------------------------------------------------------------------------------------
# The comparison with classic networks
_COMPARISON = controls.SLIDER_RANGES["comparison"]


def comparison(inverse_temperature=_COMPARISON["inverse_temperature"][2],
               learning_rate=_COMPARISON["learning_rate"][2], load=_COMPARISON["load"][2],
               seed=0):
    """The paper's network trained at ``inverse_temperature`` and ``learning_rate`` times each
    task's paper setting (capacity at ``load`` on small networks, the digits, the sequence
    1 -> 2 -> 3), beside the classic networks (:func:`fep_core.comparison.explore_points` at
    one point); returns a Figure. Raises ValueError for factors outside (0, 100] or a load
    outside (0, 1]."""
    from . import comparison as C
    from .plotting import comparison as plots

    res = C.explore_points([inverse_temperature], [learning_rate], [load], seed=seed)
    return plots.plot_explore(res)
