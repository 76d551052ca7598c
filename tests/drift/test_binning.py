"""The fast binner agrees with `np.searchsorted(edges, x, side="right")` on every value."""

from __future__ import annotations

import numpy as np
import pytest

from mlgitops.drift.binning import Binner
from mlgitops.drift.profile import numeric_profile

RNG = np.random.default_rng(3)
SAMPLES = {
    "normal": RNG.normal(size=20_000),
    "lognormal": RNG.lognormal(sigma=2, size=20_000),
    "integers": RNG.integers(0, 73, size=20_000).astype(np.float64),
    "wide integers": RNG.integers(-(10**7), 10**7, size=20_000).astype(np.float64),
    "binary": (RNG.random(20_000) < 0.3).astype(np.float64),
    "point mass": np.where(RNG.random(20_000) < 0.4, 0.0, RNG.exponential(size=20_000)),
    "tiny values": RNG.normal(size=20_000) * 1e-9,
}


def _hard_values(edges: np.ndarray) -> np.ndarray:
    """Every edge, its floating-point neighbours, and the extremes."""
    return np.concatenate(
        [
            edges,
            np.nextafter(edges, -np.inf),
            np.nextafter(edges, np.inf),
            [-1e300, 1e300, np.inf, -np.inf],
        ]
    )


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_binner_matches_searchsorted(name: str) -> None:
    values = SAMPLES[name]
    edges = np.asarray(numeric_profile(values[:5000]).edges)
    binner = Binner(edges)
    probe = np.concatenate([values, _hard_values(edges), RNG.normal(size=1000) * np.ptp(values)])
    expected = np.searchsorted(edges, probe, side="right")
    assert np.array_equal(binner.indices(probe), expected)
    assert np.array_equal(binner.counts(probe), np.bincount(expected, minlength=edges.size + 1))


@pytest.mark.parametrize("edges", [[], [2.5], [0.0, 1.0], [-3.0, -1.0, 7.0]])
def test_binner_handles_few_edges(edges: list[float]) -> None:
    array = np.asarray(edges, dtype=np.float64)
    probe = np.array([-10.0, -3.0, -1.0, 0.0, 0.5, 1.0, 2.5, 7.0, 8.0])
    assert np.array_equal(Binner(array).indices(probe), np.searchsorted(array, probe, side="right"))


@pytest.mark.parametrize(
    "edges",
    [
        np.quantile(RNG.normal(size=5000), np.linspace(0, 1, 101)),
        np.quantile(RNG.normal(size=5000) + 1e7, np.linspace(0, 1, 101)),  # far from zero
        np.quantile(RNG.lognormal(sigma=3, size=5000), np.linspace(0, 1, 101)),  # heavy tail
        np.array([0.0, 0.0, 1.0, 1.0, 2.5, 1e5]),  # repeated edges
    ],
    ids=["normal", "offset", "heavy tail", "repeated"],
)
def test_binner_is_exact_at_grid_cell_boundaries(edges: np.ndarray) -> None:
    """Values on and beside every grid cell boundary, where rounding could pick a neighbour."""
    binner = Binner(edges)
    assert binner._grid is not None
    origin, scale, table, _ = binner._grid
    bounds = origin + np.arange(table.size - 1, dtype=np.float64) / scale
    probe = np.concatenate([bounds, np.nextafter(bounds, -np.inf), np.nextafter(bounds, np.inf)])
    expected = np.searchsorted(edges, probe, side="right")
    assert np.array_equal(binner.indices(probe), expected)


@pytest.mark.parametrize("low", [0.0, -3.7, 1e7 + 0.25])
def test_binner_is_exact_with_edges_on_and_beside_cell_boundaries(low: float) -> None:
    """Edges placed on grid cell boundaries and a hair from them (the grid depends only on
    the first and last edge), probed on and beside every boundary and edge."""
    span = 12.5
    grid = Binner(np.array([low, low + span]))._grid
    assert grid is not None
    origin, scale, table, _ = grid
    bounds = origin + np.arange(table.size - 1, dtype=np.float64) / scale
    inner = bounds[(bounds > low) & (bounds < low + span)]
    picked = RNG.choice(inner, size=60, replace=False)
    edges = np.sort(
        np.concatenate(
            [
                [low, low + span],
                picked[:20],
                np.nextafter(picked[20:40], np.inf),
                picked[40:] + 1e-12,
            ]
        )
    )
    binner = Binner(edges)
    assert binner._grid is not None and binner._grid[:2] == (origin, scale)
    probe = np.concatenate([bounds, _hard_values(edges), np.nextafter(bounds, -np.inf)])
    probe = np.concatenate(
        [probe, np.nextafter(bounds, np.inf), RNG.uniform(low, low + span, 5000)]
    )
    expected = np.searchsorted(edges, probe, side="right")
    assert np.array_equal(binner.indices(probe), expected)


def test_binner_whole_numbers_need_no_check() -> None:
    edges = np.arange(0.0, 50.0)
    values = RNG.integers(-5, 60, size=10_000).astype(np.float64)
    binner = Binner(edges)
    assert np.array_equal(
        binner.indices(values, whole=True), np.searchsorted(edges, values, side="right")
    )


def _both_tables(edges: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """The grid's table built from every cell, and from where each edge falls."""
    from mlgitops.drift.binning import _CellEnds

    binner = Binner(edges)
    assert binner._grid is not None
    origin, scale, table, integral = binner._grid
    span = float(edges[-1] - edges[0])
    magnitude = float(np.max(np.abs(edges)))
    margin = (
        0.0
        if integral
        else 1.0 / (256.0 * scale) + 64.0 * np.finfo(np.float64).eps * (magnitude + span)
    )
    ends = _CellEnds(origin, scale, table.size - 2, margin, integral)
    by_cells, by_edges = binner._table_by_cells(ends), binner._table_by_edges(ends)
    assert np.array_equal(table, by_cells if by_edges is None else by_edges)
    return by_cells, by_edges


def _edges_on_cell_boundaries(low: float, span: float) -> np.ndarray:
    """Edges on interior grid cell boundaries of [low, low + span] and a hair either side."""
    grid = Binner(np.array([low, low + span]))._grid
    assert grid is not None
    origin, scale, table, _ = grid
    bounds = origin + RNG.integers(2, table.size - 3, 30).astype(np.float64) / scale
    inner = np.concatenate([bounds, np.nextafter(bounds, -np.inf), np.nextafter(bounds, np.inf)])
    return np.sort(np.concatenate([[low], inner, [low + span]]))


@pytest.mark.parametrize(
    "edges",
    [
        *(np.quantile(SAMPLES[name][:5000], np.linspace(0, 1, 101)) for name in sorted(SAMPLES)),
        np.quantile(RNG.lognormal(sigma=8, size=5000), np.linspace(0, 1, 101)),
        np.array([0.0, 0.0, 1.0, 1.0, 2.5, 1e5]),
        np.array([-(2.0**60), 2.0**60]),
        np.arange(-5.0, 300.0),
        *(_edges_on_cell_boundaries(low, 12.5) for low in (0.0, -3.7, 1e7 + 0.25)),
    ],
)
def test_grid_table_from_edges_matches_the_table_from_every_cell(edges: np.ndarray) -> None:
    by_cells, by_edges = _both_tables(edges)
    assert by_edges is not None
    assert np.array_equal(by_cells, by_edges)


def test_unsorted_edges_keep_the_table_from_every_cell() -> None:
    by_cells, by_edges = _both_tables(np.array([0.0, 5.0, 2.0, 9.0]))
    assert by_edges is None and by_cells.size > 0
