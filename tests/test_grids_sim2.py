"""Simulation 2's precomputed panel (fep_core.grids.sim2): at the paper's learning rate every
cell is the chapter's own grid (cached(experiments.simulation2, seed=0), as the chapter calls it)
bit for bit; at the other learning rates every cell is experiments.simulation2_cell at that rate,
bit for bit; every number is finite (orthogonality NaN only where declared); the controls span
the live sliders and contain the paper's settings; the panel is deterministic."""
import numpy as np
import pytest
from numpy.testing import assert_array_equal

from fep_core import analysis, controls, experiments, paper
from fep_core.cache import cached
from fep_core.grids import compute, function
from fep_core.grids.sim2 import EVIDENCES, MAX_TILES, PRECISION_INDICES, simulation2, train_cells

CHAPTER = "simulation2"
CONTROLS = ("evidence", "inverse_temperature", "learning_rate")
COLUMNS = ("retrieval", "generalization", "n_attractors", "orthogonality", "asymmetry")
GRID_IT = paper.GRID_INVERSE_TEMPERATURES
PAPER_LR = paper.SIMULATION2["learning_rate"]


@pytest.fixture(scope="module")
def pre():
    """The whole grid function, computed once for this module (not through the result cache)."""
    return simulation2()


@pytest.fixture(scope="module")
def chapter_grid():
    """What the chapter computes: its first cell's ``cached(X.simulation2, seed=0, ...)``."""
    return cached(experiments.simulation2, seed=0, progress=True)


def _row(table, evidence, inverse_temperature):
    j = np.flatnonzero((table["evidence"].to_numpy() == evidence)
                       & (table["inverse_temperature"].to_numpy() == inverse_temperature))
    assert j.size == 1
    return int(j[0])


def _tiles(attractors, n_tiles):
    out = np.zeros((n_tiles, 64))
    out[:min(len(attractors), n_tiles)] = np.asarray(attractors)[:n_tiles]
    return out.reshape(n_tiles, 8, 8)


def test_registered_and_shaped(pre):
    assert function(CHAPTER) is simulation2
    assert pre.grid.chapter == CHAPTER
    assert pre.grid.names == CONTROLS
    assert pre.grid.shape == (len(EVIDENCES), len(PRECISION_INDICES), 5)
    n_tiles = pre.arrays["attractors"].shape[1]
    assert 1 <= n_tiles <= MAX_TILES
    assert pre.arrays["attractors"].shape == (pre.grid.size, n_tiles, 8, 8)
    for key in ("retrieval_map", "generalization_map"):
        assert pre.arrays[key].shape == (pre.grid.size, len(EVIDENCES), len(PRECISION_INDICES))
    assert tuple(pre.readouts) == COLUMNS
    assert 2 <= len(pre.views) <= 4


def test_default_point_is_the_chapter_bit_for_bit(pre, chapter_grid):
    """(a) bit-equal: the default point is the chapter grid's balanced row and attractors."""
    d = pre.grid.default_index
    e, t = paper.REGIMES["balanced"]
    assert pre.grid.points()[d] == {"evidence": e, "inverse_temperature": t,
                                    "learning_rate": PAPER_LR}
    j = _row(chapter_grid.table, e, t)
    row = chapter_grid.table.iloc[j]
    for c in COLUMNS:
        assert_array_equal(pre.readouts[c].values[d], float(row[c]))
    n_tiles = pre.arrays["attractors"].shape[1]
    assert_array_equal(pre.arrays["attractors"][d], _tiles(chapter_grid.attractors[j], n_tiles))
    # the maps at the default point: the chapter's heatmap matrices on the panel's axes
    ev, its, _ = analysis.grid_matrix(chapter_grid.table, "retrieval")
    rows_ = np.searchsorted(ev, EVIDENCES)
    cols_ = np.asarray(PRECISION_INDICES)
    assert_array_equal(its[cols_], GRID_IT[cols_])
    for key, column in (("retrieval_map", "retrieval"), ("generalization_map", "generalization")):
        full = analysis.grid_matrix(chapter_grid.table, column)[2]
        assert_array_equal(pre.arrays[key][d], full[np.ix_(rows_, cols_)])


def test_default_point_is_the_chapters_single_cell_rerun(pre):
    """(a) bit-equal: the chapter's simulation2_cell of the balanced regime (its live panel's
    rerun at the paper's settings) gives the default point's numbers."""
    e, t = paper.REGIMES["balanced"]
    cell = experiments.simulation2_cell(seed=0, evidence=e, inverse_temperature=t)
    d = pre.grid.default_index
    for c in COLUMNS:
        assert_array_equal(pre.readouts[c].values[d], float(cell.summary[c]))
    n_tiles = pre.arrays["attractors"].shape[1]
    assert_array_equal(pre.arrays["attractors"][d], _tiles(cell.attractors, n_tiles))


def test_every_paper_rate_point_is_the_chapter_grid(pre, chapter_grid):
    """(a) bit-equal at every cell of the paper's learning rate, not only the default."""
    n_tiles = pre.arrays["attractors"].shape[1]
    for k, p in enumerate(pre.grid.points()):
        if p["learning_rate"] != PAPER_LR:
            continue
        j = _row(chapter_grid.table, p["evidence"], p["inverse_temperature"])
        for c in COLUMNS:
            assert_array_equal(pre.readouts[c].values[k], float(chapter_grid.table.iloc[j][c]))
        assert_array_equal(pre.arrays["attractors"][k],
                           _tiles(chapter_grid.attractors[j], n_tiles))


@pytest.mark.parametrize("regime, rate_index", [("balanced", 0), ("balanced", 4),
                                                ("high complexity", 3),
                                                ("low complexity", 1)])
def test_other_rates_are_the_single_cell_function(pre, regime, rate_index):
    """Bit-equal: a point at another learning rate is experiments.simulation2_cell at that rate
    (the batch with per-network rates draws each cell's own streams)."""
    e, t = paper.REGIMES[regime]
    lr = pre.grid["learning_rate"].values[rate_index]
    assert lr != PAPER_LR
    k = pre.grid.index(evidence=e, inverse_temperature=t, learning_rate=lr)
    cell = experiments.simulation2_cell(seed=0, evidence=e, inverse_temperature=t,
                                        learning_rate=lr)
    for c in COLUMNS:
        assert_array_equal(pre.readouts[c].values[k], float(cell.summary[c]))
    n_tiles = pre.arrays["attractors"].shape[1]
    assert_array_equal(pre.arrays["attractors"][k], _tiles(cell.attractors, n_tiles))


def test_per_network_rates_equal_one_batch_per_rate():
    """One batch with a learning rate per network trains each network exactly as
    train_digit_networks does with that rate shared (bit-equal; a short run)."""
    e = np.array([11.0, 11.0, 6.0, 16.0, 1.0])
    t = GRID_IT[[11, 11, 4, 14, 18]]
    lr = np.array([1e-4, 1e-2, 1e-3, 1e-2, 1e-4])
    batch = train_cells(e, t, lr, epochs=40)
    for rate in np.unique(lr):
        m = lr == rate
        alone = experiments.train_digit_networks(e[m], t[m], seed=0, learning_rate=rate,
                                                 epochs=40, steps_per_epoch=10)
        assert_array_equal(batch.J[m], alone.J)
        assert_array_equal(batch.state[m], alone.state)


def test_train_cells_refuses_mismatched_lengths():
    with pytest.raises(ValueError, match="one length"):
        train_cells([1.0, 2.0], [0.1, 0.1], [0.001], epochs=1)


def test_everything_finite(pre):
    """(b) every array entry finite; every readout finite except orthogonality, NaN (declared)
    wherever a cell has fewer than two attractors."""
    for key, a in pre.arrays.items():
        assert np.all(np.isfinite(a)), key
    for name, r in pre.readouts.items():
        if name == "orthogonality":
            assert r.undefined
            n = pre.readouts["n_attractors"].values
            assert np.all(np.isnan(r.values[n < 2]))
            assert np.all((r.values[~np.isnan(r.values)] >= 0)
                          & (r.values[~np.isnan(r.values)] <= 90))
        else:
            assert np.all(np.isfinite(r.values)), name
            assert not r.undefined
    n = pre.readouts["n_attractors"].values
    assert_array_equal(n, np.round(n))
    assert np.all((n >= 1) & (n <= 10))


def test_maps_are_the_cells_at_each_rate(pre):
    """Each point's maps are the retrieval and generalisation readouts of all cells at its
    learning rate (rows: evidence, columns: precision)."""
    lr = pre.grid.values("learning_rate")
    shape = pre.grid.shape
    for key, column in (("retrieval_map", "retrieval"), ("generalization_map", "generalization")):
        cube = pre.readouts[column].values.reshape(shape)
        for k in range(pre.grid.size):
            r = pre.grid["learning_rate"].values.index(lr[k])
            assert_array_equal(pre.arrays[key][k], cube[:, :, r])


@pytest.mark.parametrize("name", CONTROLS)
def test_controls_span_the_sliders(pre, name):
    """(c) each control contains its slider's default exactly and spans the slider's range."""
    low, high, default = controls.SLIDER_RANGES[CHAPTER][name]
    c = pre.grid[name]
    assert c.default == default
    assert default in c.values
    assert c.values[0] == low and c.values[-1] == high
    assert c.label == controls.SLIDER_LABELS[CHAPTER][name]


def test_axes_come_from_the_papers_grid(pre):
    """Evidences and precisions are values of the paper's grid (so the paper-rate cells exist in
    the chapter's grid); the three regimes are grid points; the rates are log-spaced."""
    assert set(pre.grid["evidence"].values) <= set(paper.GRID_EVIDENCES)
    assert_array_equal(pre.grid["inverse_temperature"].values, GRID_IT[list(PRECISION_INDICES)])
    for e, t in paper.REGIMES.values():
        assert e in pre.grid["evidence"].values and t in pre.grid["inverse_temperature"].values
    lr = np.asarray(pre.grid["learning_rate"].values)
    np.testing.assert_allclose(np.diff(np.log10(lr)), 0.5, rtol=1e-12)


def test_deterministic(pre):
    """(d) same seed, same digest: the result cache's copy (another computation, in this or an
    earlier run of the same sources) equals this module's."""
    assert compute(CHAPTER).digest() == pre.digest()
