"""The precomputed static panels of the primers and the theory chapter (fep_core.grids.primers,
fep_core.grids.theory): the default grid point shows what the chapter's own callback computes,
every point is finite, the grids span the live sliders, and the data are deterministic.

Each grid is computed once per module (module-scoped fixtures); the chapter's callback is called
with its defaults and its drawing function replaced by one that keeps what it was given."""
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from fep_core import cb, explore, gaussian, geometry as geo, theory as th
from fep_core.controls import SLIDER_RANGES
from fep_core.grids import primers as grid_primers, theory as grid_theory
from fep_core.plotting import primers as plot_primers, theory as plot_theory

CHAPTERS = ("gaussian_primer", "natural_gradient", "theory")
FUNCTIONS = {"gaussian_primer": grid_primers.gaussian_primer,
             "natural_gradient": grid_primers.natural_gradient,
             "theory": grid_theory.theory}


@pytest.fixture(scope="module")
def panels():
    return {chapter: FUNCTIONS[chapter]() for chapter in CHAPTERS}


def _capture(monkeypatch, module, name):
    """Replace ``module.name`` (a drawing function) by one that records its arguments."""
    seen = {}

    def keep(*args, **kwargs):
        seen["args"], seen["kwargs"] = args, kwargs

    monkeypatch.setattr(module, name, keep)
    return seen


# ---------------------------------------------------------------------------------------------
# (a) the default point is the chapter's own computation
def test_gaussian_primer_default_is_the_callbacks_descent(panels, monkeypatch):
    seen = _capture(monkeypatch, plot_primers, "plot_descent_panel")
    explore.gaussian_primer()
    traj, y = seen["args"]
    kw = seen["kwargs"]
    pre = panels["gaussian_primer"]
    d = pre.grid.default_index
    assert pre.grid.points()[d] == {"likelihood_precision": kw["likelihood_precision"],
                                    "learning_rate": kw["learning_rate"],
                                    "prior_precision": kw["prior_precision"]}
    # the same call as the chapter's: bit-equal
    ref = gaussian.descend(y, learning_rate=kw["learning_rate"], n_steps=40,
                           prior_precision=kw["prior_precision"],
                           likelihood_precision=kw["likelihood_precision"])
    assert_array_equal(ref.mean, traj.mean)
    assert not traj.diverged
    arrays = {k: a[d] for k, a in pre.arrays.items()}
    readouts = {k: r.values[d] for k, r in pre.readouts.items()}
    assert_array_equal(arrays["mean"], traj.mean)                          # bit-equal
    # F - (-ln p(y)) against the chapter's own ln p(y): equal to 1e-12 (another formula)
    surprise = -gaussian.log_evidence(y, prior_precision=kw["prior_precision"],
                                      likelihood_precision=kw["likelihood_precision"])
    gap = np.maximum(traj.free_energy - surprise, 1e-16)
    assert_allclose(arrays["gap"], gap, rtol=1e-12, atol=1e-12)
    assert_allclose(readouts["final_gap"], gap[-1], rtol=1e-12, atol=1e-12)
    piy, pi0 = kw["likelihood_precision"], kw["prior_precision"]
    assert arrays["posterior"] == readouts["posterior_mean"] == piy * y / (pi0 + piy)
    assert readouts["final_mean"] == traj.mean[-1]
    assert readouts["diverged"] == 0.0
    assert readouts["limit"] == min(2 / (pi0 + piy), 1.0)


def test_natural_gradient_default_is_the_callbacks_geometry(panels, monkeypatch):
    seen = _capture(monkeypatch, plot_primers, "plot_explore_geometry")
    explore.natural_gradient()
    paths, m = seen["args"]
    pre = panels["natural_gradient"]
    d = pre.grid.default_index
    ranges = SLIDER_RANGES["natural_gradient"]
    assert pre.grid.points()[d] == {k: float(ranges[k][2])
                                    for k in ("precision", "learning_rate", "n_steps")}
    at = pre.at(d)
    n = ranges["n_steps"][2]
    # everything below is bit-equal
    for j, s in enumerate(m.schemes):
        xy = plot_primers.simplex_xy(paths[s])                   # the live figure's projection
        assert len(xy) == n + 1
        shown = np.stack([at[f"{s}_x"], at[f"{s}_y"]], axis=1)
        assert_array_equal(shown[:n + 1], xy)
        assert_array_equal(shown[n + 1:], np.broadcast_to(xy[-1], shown[n + 1:].shape))
        assert at[f"{s}_length"] == m.lengths[j]
        assert m.status[j] == "moved"
        assert at[f"efficiency_{s}"] == m.efficiencies[j]
    assert at["distance"] == at["geodesic_distance"] == m.distance
    assert at["converged"] == np.count_nonzero(m.converged)
    assert at["clipped"] == seen["kwargs"]["n_clipped"]
    geodesic = plot_primers.simplex_xy(geo.geodesic(m.start, m.posterior, n_points=25))
    assert_array_equal(np.stack([at["geodesic_x"], at["geodesic_y"]], axis=1), geodesic)
    assert_allclose(geodesic[[0, -1]], plot_primers.simplex_xy([m.start, m.posterior]),
                    rtol=0, atol=1e-12)


def test_theory_default_is_the_callbacks_relaxation(panels, monkeypatch):
    seen = _capture(monkeypatch, plot_theory, "plot_explore")
    explore.theory()
    paths, target = seen["args"]
    pre = panels["theory"]
    d = pre.grid.default_index
    ranges = SLIDER_RANGES["theory"]
    assert pre.grid.points()[d] == {k: float(ranges[k][2])
                                    for k in ("inverse_temperature", "learning_rate", "theta")}
    at = pre.at(d)
    # bit-equal
    assert at["target"] == at["optimum"] == target
    assert at["target_mean"] == cb.langevin(target)
    for s in ("plain", "natural"):
        assert_array_equal(at[f"{s}_bias"], paths[s])
        assert_array_equal(at[f"{s}_mean"], cb.langevin(paths[s]))
        assert at[f"{s}_final"] == paths[s][-1]
    # the natural gradient reaches the target at the paper's settings; the plain one crawls
    within = np.flatnonzero(np.abs(paths["natural"] - target) < grid_theory.TOLERANCE)
    assert at["natural_steps"] == within[0]
    assert np.isnan(at["plain_steps"]) and abs(paths["plain"][-1] - target) > 1


# ---------------------------------------------------------------------------------------------
# The batched computations equal the chapters' one-model functions away from the default too
_NG = grid_primers.natural_gradient


def _ng_pairs():
    """Every precision at the default learning rate and every learning rate at the default
    precision (the grid's values, read from its controls)."""
    from fep_core.precomputed import control

    gammas = control("natural_gradient", "precision", 9)
    rates = control("natural_gradient", "learning_rate", 7)
    return sorted({(g, rates.default) for g in gammas.values}
                  | {(gammas.default, r) for r in rates.values})


@pytest.mark.parametrize("gamma, eps", _ng_pairs())
def test_natural_gradient_points_equal_the_geometry_functions(panels, gamma, eps):
    pre = panels["natural_gradient"]
    A, D, o = geo.random_model(3, precision=gamma, rng=23)
    post = geo.posterior(A, D, o)
    for n in pre.grid["n_steps"].values:
        n = int(n)
        at = pre.at(pre.grid.index(precision=gamma, learning_rate=eps, n_steps=n))
        paths = {s: geo.run_scheme(s, D, A, D, o, learning_rate=eps, n_steps=n)
                 for s in geo.SCHEMES}
        m = geo.path_geometry(paths, post)
        _, n_clipped = geo.natural_gradient(D, A, D, o, learning_rate=eps, n_steps=n,
                                            return_clipped=True)
        for j, s in enumerate(geo.SCHEMES):            # all bit-equal
            xy = plot_primers.simplex_xy(paths[s])
            shown = np.stack([at[f"{s}_x"], at[f"{s}_y"]], axis=1)
            assert_array_equal(shown, xy[grid_primers._shown_steps(n)])
            assert at[f"{s}_length"] == m.lengths[j]
            expected = m.efficiencies[j] if m.status[j] == "moved" else np.nan
            assert_array_equal(at[f"efficiency_{s}"], expected)
        assert at["distance"] == at["geodesic_distance"] == m.distance
        assert at["converged"] == np.count_nonzero(m.converged)
        assert at["clipped"] == n_clipped


@pytest.mark.parametrize("n", [1, 5, 30, 60, 100, 120, 300])
def test_drawn_steps(n):
    shown = grid_primers._shown_steps(n)
    assert len(shown) == 61 and shown[0] == 0 and shown[-1] == n
    assert np.all(np.diff(shown) >= 0)
    dense = min(n, 60 if n <= 60 else 40)
    assert_array_equal(shown[:dense + 1], np.arange(dense + 1))   # every early step is drawn
    if n > 60:
        assert len(set(shown)) == 61                               # no later step twice


def _theory_points():
    from fep_core.precomputed import control

    cs = [control("theory", "inverse_temperature", 9),
          control("theory", "learning_rate", 0, values=grid_theory._RATES),
          control("theory", "theta", 9)]
    default = [c.default for c in cs]
    out = set()
    for k, c in enumerate(cs):
        for v in c.values:
            p = list(default)
            p[k] = v
            out.add(tuple(p))
    out.add(tuple(c.values[-1] for c in cs))
    out.add(tuple(c.values[0] for c in cs))
    return sorted(out)


@pytest.mark.parametrize("iT, eps, theta", _theory_points())
def test_theory_points_equal_relax_variational_bias(panels, iT, eps, theta):
    pre = panels["theory"]
    at = pre.at(pre.grid.index(inverse_temperature=iT, learning_rate=eps, theta=theta))
    for s in ("plain", "natural"):
        ref = th.relax_variational_bias(-8.0, theta, learning_rate=eps, n_steps=40,
                                        inverse_temperature=iT, scheme=s)
        assert_array_equal(at[f"{s}_bias"], ref)                 # bit-equal


# ---------------------------------------------------------------------------------------------
# (b) finite everywhere; NaN only where a readout says why
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_point_is_finite(panels, chapter):
    pre = panels[chapter]
    for key, a in pre.arrays.items():
        assert a.shape[0] == pre.grid.size
        assert np.all(np.isfinite(a)), key
    for name, r in pre.readouts.items():
        assert not np.any(np.isinf(r.values)), name
        if np.any(np.isnan(r.values)):
            assert r.undefined, name


def test_natural_gradient_undefined_efficiency_only_for_paths_that_did_not_move(panels):
    pre = panels["natural_gradient"]
    for s in geo.SCHEMES:
        e = pre.readouts[f"efficiency_{s}"].values
        assert np.all(e[~np.isnan(e)] >= 1 - 1e-12), s      # a path is never shorter than d
    # at the largest step size every natural-gradient step from the prior leaves the simplex,
    # so that path never moves: undefined efficiency there and only such paths
    rate = pre.grid.values("learning_rate")
    e = pre.readouts["efficiency_natural_gradient"].values
    assert np.all(np.isnan(e[rate == 1.0]))
    assert_array_equal(pre.readouts["clipped"].values[rate == 1.0],
                       pre.grid.values("n_steps")[rate == 1.0])
    assert not np.any(np.isnan(e[rate < 1.0]))


def test_theory_undefined_steps_exactly_where_the_target_is_not_reached(panels):
    pre = panels["theory"]
    for s in ("plain", "natural"):
        far = np.abs(pre.arrays[f"{s}_bias"] - pre.arrays["target"][:, None]).min(axis=1)
        steps = pre.readouts[f"{s}_steps"].values
        assert_array_equal(np.isnan(steps), far >= grid_theory.TOLERANCE)


def test_drawn_ranges(panels):
    # the simplex view holds the triangle; the belief means lie in (-1, 1)
    pre = panels["natural_gradient"]
    for s in geo.SCHEMES:
        x, y = pre.arrays[f"{s}_x"], pre.arrays[f"{s}_y"]
        assert np.all((y >= 0) & (y <= np.sqrt(3) / 2 + 1e-12))
        assert np.all((x >= y / np.sqrt(3) - 1e-12) & (x <= 1 - y / np.sqrt(3) + 1e-12))
    pre = panels["theory"]
    for key in ("plain_mean", "natural_mean", "target_mean"):
        assert np.all(np.abs(pre.arrays[key]) < 1)


# ---------------------------------------------------------------------------------------------
# (c) the grids span the live sliders and contain their defaults exactly
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_grid_spans_the_sliders_and_holds_the_defaults(panels, chapter):
    pre = panels[chapter]
    ranges = SLIDER_RANGES[chapter]
    assert {"learning_rate"} <= set(pre.grid.names)
    assert {"precision", "inverse_temperature", "likelihood_precision"} & set(pre.grid.names)
    for c in pre.grid.controls:
        low, high, default = ranges[c.name]
        assert 5 <= len(c.values) <= 13, c.name
        assert c.values[0] == low and c.values[-1] == high, c.name
        assert c.default == default and default in c.values, c.name
    point = pre.grid.points()[pre.grid.default_index]
    assert point == {c.name: float(ranges[c.name][2]) for c in pre.grid.controls}


def test_grid_values_suit_the_sliders(panels):
    steps = panels["natural_gradient"].grid["n_steps"].values
    assert all(v % 5 == 0 for v in steps)                       # the slider's step is 5
    theta = panels["theory"].grid["theta"].values
    assert all(v % 0.5 == 0 for v in theta)                     # the slider's step is 0.5
    assert max(grid_theory._RATES) < min(th.RELAXATION_RATE_LIMIT.values())
    assert 1.0 in grid_theory._RATES                            # the natural step lands at once


# ---------------------------------------------------------------------------------------------
# (d) deterministic
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_deterministic(panels, chapter):
    assert FUNCTIONS[chapter]().digest() == panels[chapter].digest()
