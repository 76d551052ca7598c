"""Count values into a profile's bins, fast and exactly, without sorting or searching.

`np.searchsorted` over 100 edges costs ~35 ms per million values (a branchy
binary search per value). Instead a uniform grid of `GRID_CELLS` cells spans
the edges, and a table gives each cell its bin: a value's bin is then
arithmetic and one gather. A cell that an edge cuts has no single bin; the
table marks it (-1), and only the values that land in such a cell (a
fraction of a percent) are placed by `searchsorted`. The result is always the
same as `searchsorted(edges, values, side="right")`.

Work is done in blocks of `BLOCK` values, so every temporary array stays in
the processor's cache instead of streaming through memory several times.
"""

from __future__ import annotations

import numpy as np

GRID_CELLS = 1 << 16
BLOCK = 1 << 15  # values per block: a few 256 KiB temporaries, well inside a core's cache


class Binner:
    """Bins `[-inf, e0), [e0, e1), …, [e_last, inf)`: bin i holds values with i edges <= value."""

    def __init__(self, edges: np.ndarray) -> None:
        self.edges = np.asarray(edges, dtype=np.float64)
        self.bins = self.edges.size + 1
        self._lower = np.concatenate(([-np.inf], self.edges))  # bin i is [lower[i], upper[i])
        self._upper = np.concatenate((self.edges, [np.inf]))
        self._grid = self._make_grid()
        # x * scale + (1 - origin * scale) errs by about eps * |x| / span cells: far below
        # the one cell the grid tolerates while the edges sit near zero relative to their span
        span = float(self.edges[-1] - self.edges[0]) if self.edges.size >= 2 else 0.0
        magnitude = float(np.max(np.abs(self.edges))) if self.edges.size else 0.0
        self._fused = span > 0 and magnitude / span < 1e6

    def _make_grid(self) -> tuple[float, float, np.ndarray, bool] | None:
        """(origin, cells per unit, table, integral). table[c + 1] is the bin of grid cell
        c = floor((x - origin) * scale), or -1 where the cell's values need a search;
        table[0] holds everything below the grid and table[-1] everything above it."""
        if self.edges.size < 2:
            return None
        low, high = float(self.edges[0]), float(self.edges[-1])
        span = high - low
        if not (np.isfinite(span) and span > 0):
            return None
        # Integer edges over a short span get one cell per integer: no edge inside any cell,
        # and for whole-number values the arithmetic is exact.
        integral = bool(np.all(self.edges == np.round(self.edges))) and span < GRID_CELLS
        if integral:
            origin, scale, cells = low, 1.0, int(span) + 1
        else:
            # one spare cell at each end, so values rounded across the grid's ends land in
            # cells that are searched
            scale = (GRID_CELLS - 2) / span
            origin, cells = low - 1.0 / scale, GRID_CELLS
        if not np.isfinite(scale):
            return None
        bounds = origin + np.arange(cells + 1, dtype=np.float64) / scale
        if integral:
            low_ends, high_ends = bounds[:-1], np.nextafter(bounds[1:], -np.inf)
        else:
            # (x - origin) * scale rounds, so a value a hair from a cell's boundary may be given
            # the neighbouring cell. A cell is trusted only when no edge lies in it widened by
            # `margin` on each side: far more than that rounding (and the rounding of `bounds`),
            # about 1/256 of a cell. Every value given a trusted cell then has the cell's bin.
            magnitude = float(np.max(np.abs(self.edges)))
            margin = 1.0 / (256.0 * scale) + 64.0 * np.finfo(np.float64).eps * (magnitude + span)
            low_ends, high_ends = bounds[:-1] - margin, bounds[1:] + margin
        first = np.searchsorted(self.edges, low_ends, side="right")  # the bin at a cell's left end
        last = np.searchsorted(self.edges, high_ends, side="right")
        table = np.empty(cells + 2, dtype=np.intp)  # intp: gathers with int32 cost about 5x more
        table[0] = 0
        table[1:-1] = np.where(first == last, first, -1)  # -1: an edge in (or next to) the cell
        table[-1] = self.edges.size
        return origin, scale, table, integral

    def indices(self, values: np.ndarray, *, whole: bool = False) -> np.ndarray:
        """The bin of every value; values must hold no NaN. `whole`: every value is an integer."""
        if self._grid is None:
            return np.searchsorted(self.edges, values, side="right")
        out = np.empty(values.size, dtype=np.intp)
        for start in range(0, values.size, BLOCK):
            block = values[start : start + BLOCK]
            out[start : start + block.size] = self.block_indices(block, whole=whole)
        return out

    def block_indices(self, values: np.ndarray, *, whole: bool = False) -> np.ndarray:
        """`indices` for one block (at most about `BLOCK` values, so temporaries stay in cache)."""
        if self._grid is None:
            return np.searchsorted(self.edges, values, side="right")
        origin, scale, table, integral = self._grid
        with np.errstate(over="ignore", invalid="ignore"):  # huge values clip like any outlier
            if integral:
                cell = values - (origin - 1.0)  # exact for whole numbers
            elif self._fused:  # (x - origin) * scale + 1 in two passes, not three
                cell = values * scale
                cell += 1.0 - origin * scale
            else:
                cell = values - origin
                cell *= scale
                cell += 1.0
        np.clip(cell, 0.0, float(table.size - 1), out=cell)
        bins = table[cell.astype(np.intp)]
        if integral and not whole:
            # a fraction a hair below a whole number may round up to it: check every value
            unsure = np.flatnonzero((values < self._lower[bins]) | (values >= self._upper[bins]))
        else:
            unsure = np.flatnonzero(bins < 0)
        if unsure.size:
            bins[unsure] = np.searchsorted(self.edges, values[unsure], side="right")
        return bins

    def counts(self, values: np.ndarray) -> np.ndarray:
        return np.bincount(self.indices(values), minlength=self.bins).astype(np.int64)
