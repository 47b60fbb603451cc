"""Precomputed panels of the primers (:mod:`fep_core.gaussian`, :mod:`fep_core.geometry`)."""
from __future__ import annotations

import numpy as np

from .. import gaussian, geometry
from ..precomputed import Bars, Grid, Lines, Precomputed, Readout, control

__all__ = ["gaussian_primer", "natural_gradient"]

# What the page draws of a diverging descent: its mean and gap clipped to these bounds.
_SHOWN_MEAN = 10.0
_SHOWN_GAP = 1e6


def gaussian_primer(*, observation=2.0, n_steps=40) -> Precomputed:
    """Gradient descent on a Gaussian belief's free energy (:func:`fep_core.gaussian.descend`,
    as the live panel runs it) over likelihood precision x learning rate x prior precision.

    Shows q's mean per step against the posterior mean, and the free energy's gap to the
    surprise ``-ln p(y)`` per step (floored at 1e-16 for the log scale). A descent that
    diverges keeps its last value for the remaining steps; the drawn mean is clipped to +/-10
    and the gap to 1e6, the readouts say "diverged".
    """
    chapter = "gaussian_primer"
    grid = Grid(chapter, (control(chapter, "likelihood_precision", 9),
                          control(chapter, "learning_rate", 9),
                          control(chapter, "prior_precision", 7)))
    length = n_steps + 1
    means = np.empty((grid.size, length))
    gaps = np.empty((grid.size, length))
    post = np.empty(grid.size)
    final_gap = np.empty(grid.size)
    diverged = np.empty(grid.size)
    limit = np.empty(grid.size)
    for k, p in enumerate(grid.points()):
        piy, lr, pi0 = p["likelihood_precision"], p["learning_rate"], p["prior_precision"]
        traj = gaussian.descend(observation, learning_rate=lr, n_steps=n_steps,
                                prior_precision=pi0, likelihood_precision=piy)
        var_y = 1 / pi0 + 1 / piy
        surprise = 0.5 * (np.log(2 * np.pi * var_y) + observation ** 2 / var_y)
        m = np.clip(traj.mean, -_SHOWN_MEAN, _SHOWN_MEAN)
        g = np.clip(traj.free_energy - surprise, 1e-16, _SHOWN_GAP)
        means[k] = np.concatenate([m, np.full(length - m.size, m[-1])])
        gaps[k] = np.concatenate([g, np.full(length - g.size, g[-1])])
        post[k] = piy * observation / (pi0 + piy)
        final_gap[k] = g[-1]
        diverged[k] = float(traj.diverged)
        limit[k] = min(2 / (pi0 + piy), 1.0)
    steps = np.arange(length, dtype=float)
    return Precomputed(
        grid,
        arrays={"mean": means, "gap": gaps, "posterior": post},
        readouts={"posterior_mean": Readout("posterior mean", post),
                  "final_mean": Readout(f"mean of q after {n_steps} steps", means[:, -1]),
                  "final_gap": Readout("F − (−ln p(y)) at the end (nats)", final_gap),
                  "limit": Readout("stability limit min(2/(π0+πy), 1)", limit),
                  "diverged": Readout("diverged (1 = yes)", diverged)},
        views=(Lines("mean of q per step", steps, {"mean of q": "mean"}, x_label="update step",
                     y_label="hidden state x", guides={"posterior mean": "posterior"}),
               Lines("free-energy gap per step", steps, {"F − (−ln p(y))": "gap"},
                     x_label="update step", y_label="nats", log_y=True)))


# --- natural_gradient ----------------------------------------------------------------------
# Corners of the 3-state simplex in the plane (states 1, 2, 3), as the live figure draws it: a
# belief s sits at s @ _CORNERS.
_CORNERS = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, np.sqrt(3) / 2]])
_SCHEME_NAMES = {"active_inference": "active inference",
                 "natural_gradient": "natural gradient",
                 "logit_descent": "descent on logits"}
_BAR_NAMES = {"active_inference": "act. inf.", "natural_gradient": "nat. grad.",
              "logit_descent": "logits"}
_SHOWN_STEPS = 60        # a drawn path passes through the belief after each of its steps, ...
_DENSE_STEPS = 40        # ... or, beyond 60 steps, after each of its first 40 steps and 20
_GEODESIC_POINTS = 25    # later ones; the geodesic is drawn through 25 points


def _shown_steps(n_steps):
    """The steps a drawn path of ``n_steps`` steps passes through, ``_SHOWN_STEPS + 1`` of them:
    every step while they fit (the last repeated to fill), else every step up to
    ``_DENSE_STEPS`` and then steps evenly spaced on a log scale up to the last (a step may
    repeat for paths only a little longer than ``_SHOWN_STEPS``; the grid has none)."""
    if n_steps <= _SHOWN_STEPS:
        return np.minimum(np.arange(_SHOWN_STEPS + 1), n_steps)
    later = np.round(np.geomspace(_DENSE_STEPS + 1, n_steps, _SHOWN_STEPS - _DENSE_STEPS))
    return np.concatenate([np.arange(_DENSE_STEPS + 1), later.astype(int)])


def _logsumexp(v):
    m = v.max(axis=-1)
    return m + np.log(np.exp(v - m[..., None]).sum(axis=-1))


def _run_schemes(s0, ln_joint, eps, n_steps):
    """The three schemes of :mod:`fep_core.geometry` on a batch of models at once, with the
    arithmetic of :func:`fep_core.geometry.run_scheme` (one model at a time there).

    ``s0`` and ``ln_joint`` (``ln A^T o + ln D``) have shape ``(batch, n_states)``, ``eps``
    ``(batch, 1)``. Returns scheme -> path ``(n_steps + 1, batch, n_states)``, and whether each
    natural-gradient step left the simplex (some factor ``1 - eps grad F_i`` not positive; the
    step counted by ``return_clipped`` of :func:`fep_core.geometry.natural_gradient`),
    ``(n_steps, batch)``.
    """
    paths = {}
    left = []
    for scheme in geometry.SCHEMES:
        s, log_s = s0.copy(), np.log(s0)
        path = [s]
        for _ in range(n_steps):
            g = 1.0 + log_s - ln_joint
            if scheme == "natural_gradient":
                factor = 1.0 - eps * g
                left.append(np.any(factor <= 0, axis=-1))
                u = s * np.maximum(factor, geometry.NATURAL_FLOOR)
                s = u / u.sum(axis=-1, keepdims=True)
                log_s = np.log(s)
            else:
                if scheme == "active_inference":
                    v = log_s - eps * g
                else:            # logit descent: v <- v - eps (diag s - s s^T) grad F
                    v = log_s - eps * s * (g - np.sum(s * g, axis=-1, keepdims=True))
                log_s = v - _logsumexp(v)[..., None]
                s = np.exp(log_s)
            path.append(s)
        paths[scheme] = np.array(path)
    return paths, np.array(left)


def natural_gradient(*, seed=23) -> Precomputed:
    """The three belief-update schemes of :mod:`fep_core.geometry` on the chapter's random
    3-state model (``A = softmax(precision * logits)``, :func:`fep_core.geometry.random_model`
    drawn from ``seed``) as the live panel runs them, over precision γ x learning rate ε x
    number of steps.

    Shows each scheme's belief path on the simplex, from the prior, with the Fisher-Rao geodesic
    from the prior to the posterior, and each path's information length l beside the geodesic
    distance d. Readouts: each path's efficiency l/d against its own end point (undefined, as
    in the live panel, for a path that ended at its start), d, how many paths reached the
    posterior (KL below :data:`fep_core.geometry.CONVERGED_KL`) and how many natural-gradient
    steps left the simplex: the numbers of :func:`fep_core.geometry.path_geometry`.

    The model depends on γ only and a path of n steps is the start of a longer one, so the
    schemes run once for every (γ, ε), all in one batch, for the grid's most steps. A drawn path
    of more than 60 steps passes through its first 40 steps and 20 later ones
    (:func:`_shown_steps`); the numbers use every step.
    """
    chapter = "natural_gradient"
    grid = Grid(chapter, (control(chapter, "precision", 9),
                          control(chapter, "learning_rate", 7),
                          control(chapter, "n_steps", 0, values=(5, 10, 30, 60, 120, 300))))
    gammas, rates, steps = (grid[name].values for name in grid.names)
    steps = [int(n) for n in steps]
    n_rates = len(rates)
    s0, ln_joint, post, distance, geo = [], [], [], [], []
    for gamma in gammas:
        A, D, o = geometry.random_model(3, precision=gamma, rng=seed)
        p = geometry.posterior(A, D, o)
        s0 += [D] * n_rates
        ln_joint += [np.log(A[o]) + np.log(D)] * n_rates
        post += [p] * n_rates
        distance += [geometry.fisher_rao(D, p)] * n_rates
        geo += [geometry.geodesic(D, p, n_points=_GEODESIC_POINTS) @ _CORNERS] * n_rates
    s0, ln_joint, post = np.array(s0), np.array(ln_joint), np.array(post)
    eps = np.tile(np.asarray(rates), len(gammas))[:, None]
    batch = len(s0)                          # one model per (γ, ε), γ slowest
    paths, left = _run_schemes(s0, ln_joint, eps, steps[-1])

    shape = (batch, len(steps))              # C order of the grid: (γ, ε) slower than n
    xy = {s: np.empty(shape + (_SHOWN_STEPS + 1, 2)) for s in geometry.SCHEMES}
    lengths = {s: np.empty(shape) for s in geometry.SCHEMES}
    efficiency = {s: np.empty(shape) for s in geometry.SCHEMES}
    n_converged = np.zeros(shape)
    for s in geometry.SCHEMES:
        # Fisher-Rao length of every step, (batch, steps): a path's information length is the
        # sum of its first n (summed alone, as fep_core.geometry.information_length does)
        step_lengths = np.ascontiguousarray(geometry.fisher_rao(paths[s][1:], paths[s][:-1]).T)
        for j, n in enumerate(steps):
            length = np.array([np.sum(step_lengths[b, :n]) for b in range(batch)])
            end = paths[s][n]
            end_distance = geometry.fisher_rao(s0, end)
            moved = end_distance > geometry.STILL_DISTANCE
            lengths[s][:, j] = length
            efficiency[s][:, j] = np.where(moved, length / np.where(moved, end_distance, 1.0),
                                           np.nan)
            n_converged[:, j] += geometry.kl_categorical(end, post) < geometry.CONVERGED_KL
            xy[s][:, j] = (paths[s][_shown_steps(n)] @ _CORNERS).transpose(1, 0, 2)
    n_clipped = np.stack([np.count_nonzero(left[:n], axis=0) for n in steps], axis=1)

    def per_point(a):
        return np.repeat(np.asarray(a), len(steps), axis=0)

    size = grid.size
    arrays = {"geodesic_x": per_point(geo)[:, :, 0], "geodesic_y": per_point(geo)[:, :, 1],
              "simplex_x": np.tile(_CORNERS[[0, 1, 2, 0], 0], (size, 1)),
              "simplex_y": np.tile(_CORNERS[[0, 1, 2, 0], 1], (size, 1)),
              "distance": per_point(distance)}
    for s in geometry.SCHEMES:
        arrays[f"{s}_x"] = xy[s][..., 0].reshape(size, -1)
        arrays[f"{s}_y"] = xy[s][..., 1].reshape(size, -1)
        arrays[f"{s}_length"] = lengths[s].ravel()
    ended = "the path ended at its start (l/d = 0/0 where it never moved)"
    readouts = {f"efficiency_{s}": Readout(f"efficiency l/d, {_SCHEME_NAMES[s]}",
                                           efficiency[s].ravel(), digits=4, undefined=ended)
                for s in geometry.SCHEMES}
    readouts.update({
        "geodesic_distance": Readout("geodesic distance d from prior to posterior",
                                     arrays["distance"]),
        "converged": Readout("paths that reached the posterior (KL < 10⁻⁶), of 3",
                             n_converged.ravel()),
        "clipped": Readout("natural-gradient steps that left the simplex", n_clipped.ravel())})
    series = {_SCHEME_NAMES[s]: (f"{s}_x", f"{s}_y") for s in geometry.SCHEMES}
    series["geodesic"] = ("geodesic_x", "geodesic_y")
    series["simplex"] = ("simplex_x", "simplex_y")
    bars = {_BAR_NAMES[s]: f"{s}_length" for s in geometry.SCHEMES}
    bars["geodesic d"] = "distance"
    return Precomputed(
        grid, arrays=arrays, readouts=readouts,
        views=(Lines("belief paths from prior to posterior", "simplex_x", series,
                     x_label="corners: states 1, 2, 3 (left, right, top)",
                     x_range=(-0.05, 1.05), y_range=(-0.05, 0.92)),
               Bars("information length l of each path", bars,
                    y_label="information length (dimensionless)")))
