"""Count values into a profile's bins, fast and exactly, without sorting or searching.

`np.searchsorted` over 100 edges costs ~35 ms per million values (a branchy
binary search per value). Instead a uniform grid of `GRID_CELLS` cells spans
the edges, and a table gives each cell its bin: a value's bin is then
arithmetic and one gather. A cell that an edge cuts has no single bin; the
table marks it (with its type's largest value), and only the values that land
in such a cell (a fraction of a percent) are placed by `searchsorted`. The
result is always the same as `searchsorted(edges, values, side="right")`.

The table is of the narrowest integer type (a byte for up to 254 edges), so it
stays in cache, and temporaries live in a reused `Workspace`: fresh arrays
would cost a page fault per 4 KiB.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

GRID_CELLS = 1 << 16
BLOCK = 1 << 15  # values per block: a few 256 KiB temporaries, well inside a core's cache


class Workspace:
    """Arrays that binning reuses from call to call.

    A fresh array of a few hundred kilobytes is, more often than not, fresh
    memory from the system, and every page of it costs a fault on first touch:
    more than the arithmetic done in it.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.cells = np.empty(size, dtype=np.float64)
        self.positions = np.empty(size, dtype=np.intp)
        self.bins = np.empty(size, dtype=np.intp)
        self.flags = np.empty(size, dtype=bool)
        self.more_flags = np.empty(size, dtype=bool)
        self._codes: dict[np.dtype[Any], np.ndarray] = {}

    def codes(self, dtype: np.dtype[Any]) -> np.ndarray:
        """An array of `dtype` for table entries."""
        array = self._codes.get(dtype)
        if array is None:
            array = self._codes[dtype] = np.empty(self.size, dtype=dtype)
        return array


def _table_type(edges: int) -> type[np.unsignedinteger[Any]]:
    """The narrowest unsigned type holding bins 0..edges and a larger mark."""
    for kind in (np.uint8, np.uint16, np.uint32):
        if edges < np.iinfo(kind).max:
            return kind
    return np.uint64


class _CellEnds:
    """The grid cells' ends, each widened by `margin` (integral grids: the last value before
    the next cell), computed the same way for one cell or all of them."""

    def __init__(self, origin: float, scale: float, cells: int, margin: float, integral: bool):
        self.origin, self.scale, self.cells = origin, scale, cells
        self.margin, self.integral = margin, integral

    def low(self, cells: np.ndarray) -> np.ndarray:
        return (self.origin + cells.astype(np.float64) / self.scale) - self.margin

    def high(self, cells: np.ndarray) -> np.ndarray:
        end = self.origin + (cells + 1).astype(np.float64) / self.scale
        return np.nextafter(end, -np.inf) if self.integral else end + self.margin

    def cells_below(
        self, values: np.ndarray, end: Callable[[np.ndarray], np.ndarray]
    ) -> np.ndarray | None:
        """For each value, how many cells have `end` below it (ends ascend with the cell):
        found among a few cells either side of the arithmetic guess, and proved by the ends
        just outside them. None if any guess were off by more than that."""
        reach = 3
        guess = np.floor((values - self.origin + self.margin) * self.scale)
        start = np.clip(guess - reach, 0, self.cells).astype(np.intp)
        stop = np.clip(guess + reach + 1, 0, self.cells).astype(np.intp)
        window = start[:, None] + np.arange(2 * reach + 1)
        inside = window < stop[:, None]
        below = np.count_nonzero(inside & (end(window) < values[:, None]), axis=1)
        before = end(np.maximum(start - 1, 0))
        after = end(np.minimum(stop, self.cells - 1))
        proved = ((start == 0) | (before < values)) & ((stop == self.cells) | (after >= values))
        return start + below if bool(np.all(proved)) else None


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
        c = floor((x - origin) * scale), or the table type's largest value where the cell's
        values need a search;
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
        if integral:
            margin = 0.0
        else:
            # (x - origin) * scale rounds, so a value a hair from a cell's boundary may be given
            # the neighbouring cell. A cell is trusted only when no edge lies in it widened by
            # `margin` on each side: far more than that rounding (and the rounding of `bounds`),
            # about 1/256 of a cell. Every value given a trusted cell then has the cell's bin.
            magnitude = float(np.max(np.abs(self.edges)))
            margin = 1.0 / (256.0 * scale) + 64.0 * np.finfo(np.float64).eps * (magnitude + span)
        ends = _CellEnds(origin, scale, cells, margin, integral)
        table = self._table_by_edges(ends)
        if table is None:
            table = self._table_by_cells(ends)
        return origin, scale, table, integral

    def _table_by_cells(self, ends: _CellEnds) -> np.ndarray:
        """The table from every cell's ends: how many edges lie at or below each end."""
        cells = np.arange(ends.cells)
        first = np.searchsorted(self.edges, ends.low(cells), side="right")  # bin at the left end
        last = np.searchsorted(self.edges, ends.high(cells), side="right")
        table = np.empty(ends.cells + 2, dtype=_table_type(self.edges.size))
        table[0] = 0
        # the mark (the type's largest value): an edge in (or next to) the cell
        table[1:-1] = np.where(first == last, first, np.iinfo(table.dtype).max)
        table[-1] = self.edges.size
        return table

    def _table_by_edges(self, ends: _CellEnds) -> np.ndarray | None:
        """The same table from where each edge falls among the cells, without an array per
        cell (a dozen of them cost more in fresh memory than the rest of a run's setup).

        Cell c's left end is at or above edge e from c = below_low[e] on, its right end
        from c = below_high[e] on: the cell's bin is the number of edges with
        below_low[e] <= c, and an edge with below_high[e] <= c < below_low[e] marks it.
        None when the edges are not sorted (or hold NaN).
        """
        edges = self.edges
        if not bool(np.all(edges[1:] >= edges[:-1])):
            return None
        below_low = ends.cells_below(edges, ends.low)
        below_high = ends.cells_below(edges, ends.high)
        if below_low is None or below_high is None:
            return None
        kind = _table_type(edges.size)
        runs = np.diff(np.concatenate(([0], below_low, [ends.cells])))
        table = np.empty(ends.cells + 2, dtype=kind)
        table[0] = 0
        table[1:-1] = np.repeat(np.arange(edges.size + 1, dtype=kind), runs)
        table[-1] = edges.size
        mark = np.iinfo(kind).max
        for start, stop in zip(below_high.tolist(), below_low.tolist(), strict=True):
            table[1 + start : 1 + stop] = mark
        return table

    def indices(self, values: np.ndarray, *, whole: bool = False) -> np.ndarray:
        """The bin of every value; values must hold no NaN. `whole`: every value is an integer."""
        if self._grid is None:
            return np.searchsorted(self.edges, values, side="right")
        out = np.empty(values.size, dtype=np.intp)
        for start in range(0, values.size, BLOCK):
            block = values[start : start + BLOCK]
            out[start : start + block.size] = self.block_indices(block, whole=whole)
        return out

    def block_indices(
        self, values: np.ndarray, *, whole: bool = False, work: Workspace | None = None
    ) -> np.ndarray:
        """`indices` for one block (at most about `BLOCK` values, so temporaries stay in cache).

        With `work` (large enough for `values`), the temporaries and the result are views
        of its arrays, valid until its next use: no memory is allocated.
        """
        if self._grid is None:
            return np.searchsorted(self.edges, values, side="right")
        if work is None:
            work = Workspace(values.size)
        size = values.size
        origin, scale, table, integral = self._grid
        cell = work.cells[:size]
        with np.errstate(over="ignore", invalid="ignore"):  # huge values clip like any outlier
            if integral:
                np.subtract(values, origin - 1.0, out=cell)  # exact for whole numbers
            elif self._fused:  # (x - origin) * scale + 1 in two passes, not three
                np.multiply(values, scale, out=cell)
                cell += 1.0 - origin * scale
            else:
                np.subtract(values, origin, out=cell)
                cell *= scale
                cell += 1.0
        np.clip(cell, 0.0, float(table.size - 1), out=cell)
        positions = work.positions[:size]
        np.copyto(positions, cell, casting="unsafe")  # cells are >= 0: truncation is floor
        codes = np.take(table, positions, out=work.codes(table.dtype)[:size], mode="clip")
        marked = np.equal(codes, np.iinfo(table.dtype).max, out=work.flags[:size])
        bins = work.bins[:size]
        np.copyto(bins, codes)
        if integral and not whole:
            # a fraction a hair below a whole number may round up to it: check every value
            bound, outside = work.cells[:size], work.more_flags[:size]
            np.less(values, np.take(self._lower, bins, out=bound, mode="clip"), out=outside)
            marked |= outside
            np.greater_equal(
                values, np.take(self._upper, bins, out=bound, mode="clip"), out=outside
            )
            marked |= outside
        unsure = np.flatnonzero(marked)
        if unsure.size:
            bins[unsure] = np.searchsorted(self.edges, values[unsure], side="right")
        return bins

    def counts(self, values: np.ndarray) -> np.ndarray:
        return np.bincount(self.indices(values), minlength=self.bins).astype(np.int64)
