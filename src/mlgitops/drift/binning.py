"""Count values into a profile's bins, fast and exactly.

`np.searchsorted` over 100 edges costs ~35 ms per million values (a branchy
binary search per value). A lookup table over a uniform grid gives most
values their bin with arithmetic and one gather (~5 ms); every guess is then
checked against the bin's own edges, and the few values that fall in a grid
cell holding an edge are placed by `searchsorted`. The result is always the
same as `searchsorted(edges, values, side="right")`.
"""

from __future__ import annotations

import numpy as np

GRID_CELLS = 1 << 16


class Binner:
    """Bins `[-inf, e0), [e0, e1), …, [e_last, inf)`: bin i holds values with i edges <= value."""

    def __init__(self, edges: np.ndarray) -> None:
        self.edges = np.asarray(edges, dtype=np.float64)
        self.bins = self.edges.size + 1
        self._lower = np.concatenate(([-np.inf], self.edges))  # bin i is [lower[i], upper[i])
        self._upper = np.concatenate((self.edges, [np.inf]))
        self._grid = self._make_grid()

    def _make_grid(self) -> tuple[float, float, np.ndarray] | None:
        if self.edges.size < 2:
            return None
        low, high = float(self.edges[0]), float(self.edges[-1])
        span = high - low
        # Integer edges over a short span get one cell per integer: no edge inside any cell.
        integral = bool(np.all(self.edges == np.round(self.edges))) and span < GRID_CELLS
        cells = int(span) + 1 if integral else GRID_CELLS
        scale = 1.0 if integral else cells / span
        if not np.isfinite(scale):
            return None
        # table[c + 1] is the bin of cell c's left boundary; table[0] is below the grid.
        left = low + np.arange(cells, dtype=np.float64) / scale
        # intp, not int32: gathers with int32 indices cost about five times more
        table = np.empty(cells + 2, dtype=np.intp)
        table[0] = 0
        table[1:-1] = np.searchsorted(self.edges, left, side="right")
        table[-1] = self.edges.size
        return low, scale, table

    def indices(self, values: np.ndarray) -> np.ndarray:
        """The bin of every value; values must hold no NaN."""
        if self._grid is None:
            return np.searchsorted(self.edges, values, side="right")
        low, scale, table = self._grid
        with np.errstate(
            over="ignore"
        ):  # huge values overflow to inf and are clipped like any outlier
            cell = values - low
            cell *= scale
        cell += 1.0
        np.clip(cell, 0.0, float(table.size - 1), out=cell)
        guess = table[cell.astype(np.intp)]
        wrong = np.flatnonzero((values < self._lower[guess]) | (values >= self._upper[guess]))
        if wrong.size:
            guess[wrong] = np.searchsorted(self.edges, values[wrong], side="right")
        return guess

    def counts(self, values: np.ndarray) -> np.ndarray:
        return np.bincount(self.indices(values), minlength=self.bins).astype(np.int64)
