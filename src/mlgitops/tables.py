"""Terminal tables that read at 80 columns: wrap first, then drop columns by priority.

rich squeezes a table that is wider than the console by breaking words inside
(`metric s`, `p…`), which no one can read. `FitTable` measures the table in
the console it is printed to and, while even its narrowest layout (every cell
wrapped at spaces) does not fit, leaves out the least important column left,
saying which ones `--json` still has. A wide console shows every column.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

WIDTH = 80  # what every table must read in


class FitTable:
    """`table`, without the columns of `drop_order` (headers, first dropped first) that do
    not fit the console."""

    def __init__(self, table: Table, drop_order: Sequence[str] = ()) -> None:
        self.table = table
        self.drop_order = list(drop_order)

    def fitted(self, console: Console, width: int) -> tuple[Table, list[str]]:
        table, dropped = self.table, []
        for header in self.drop_order:
            if narrowest(table, console, width) <= width:
                break
            table = without(table, header)
            dropped.append(header)
        return with_widths(table, console, width), dropped

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        table, dropped = self.fitted(console, options.max_width)
        yield table
        if dropped:
            yield Text(
                f"not shown in {options.max_width} columns: {', '.join(dropped)} "
                "(a wider terminal or --json shows them)",
                style="dim",
            )

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        table, _ = self.fitted(console, options.max_width)
        return Measurement.get(console, options, table)


def without(table: Table, header: str) -> Table:
    """A copy of `table` without the column headed `header` (rich keeps cells per column)."""
    out = copy.copy(table)
    out.columns = [column for column in table.columns if column.header != header]
    return out


def narrowest(table: Table, console: Console, width: int) -> int:
    """The table's width with every column at its longest word (or whole, when no_wrap)."""
    options = console.options.update_width(width)
    ranges = [table._measure_column(console, options, c) for c in table.columns]
    return sum(r.minimum for r in ranges) + table._extra_width


def with_widths(table: Table, console: Console, width: int) -> Table:
    """`table` with every column's width fixed so the whole fits `width`, when it can.

    rich narrows a too-wide table by cutting its widest columns, below their
    longest word if need be; here the column with the most room above its
    longest word gives up a character at a time, so words stay whole.
    """
    options = console.options.update_width(width)
    ranges = [table._measure_column(console, options, c) for c in table.columns]
    widths = [r.maximum for r in ranges]
    available = width - table._extra_width
    if sum(widths) <= available:
        return table
    floors = [r.minimum for r in ranges]
    while sum(widths) > available:
        slack = [
            w - f if not c.no_wrap else 0
            for w, f, c in zip(widths, floors, table.columns, strict=False)
        ]
        index = max(range(len(widths)), key=lambda i: (slack[i], widths[i]))
        if slack[index] <= 0:
            return table  # even whole words do not fit: leave it to rich
        widths[index] -= 1
    out = copy.copy(table)
    out.columns = []
    for column, total in zip(table.columns, widths, strict=True):
        fixed = copy.copy(column)
        fixed.width = total - table._get_padding_width(column._index)
        out.columns.append(fixed)
    return out


def render(renderables: Iterable[object], width: int = WIDTH) -> str:
    """Plain text of renderables in a console `width` columns wide (for tests and logs)."""
    import io

    from .text import console as plain_console

    console = plain_console(
        width=width, file=io.StringIO(), color_system=None, legacy_windows=False
    )
    for renderable in renderables:
        console.print(renderable)
    output = console.file.getvalue()  # type: ignore[attr-defined]
    return "\n".join(line.rstrip() for line in str(output).splitlines()) + "\n"
