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
        first = self._edges_at_or_below(low_ends)  # the bin at a cell's left end
        last = self._edges_at_or_below(high_ends)
        # the narrowest type that holds every bin and the mark: 64 KiB of bytes for 100 edges
        # stay in cache from batch to batch, 512 KiB of intp did not
        table = np.empty(cells + 2, dtype=_table_type(self.edges.size))
        table[0] = 0
        # the mark (the type's largest value): an edge in (or next to) the cell
        table[1:-1] = np.where(first == last, first, np.iinfo(table.dtype).max)
        table[-1] = self.edges.size
        return origin, scale, table, integral

    def _edges_at_or_below(self, bounds: np.ndarray) -> np.ndarray:
        """`searchsorted(edges, bounds, side="right")` for ascending `bounds`: a hundred
        searches into the bounds and a running count, instead of 65,536 into the edges."""
        edges = self.edges
        if not bool(np.all(edges[1:] >= edges[:-1])):  # unsorted (or NaN): the plain search
            return np.searchsorted(edges, bounds, side="right")
        # edge e is at or below bounds[c] exactly when c >= (the number of bounds below e)
        first_cell = np.searchsorted(bounds, edges, side="left")
        return np.cumsum(np.bincount(first_cell, minlength=bounds.size + 1)[: bounds.size])

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
