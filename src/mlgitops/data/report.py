"""The result of validating a data file: every failure, where it is, and how to render it.

Row numbers: `Example.row` is the 1-based data row (the first row after a CSV
header is row 1). Messages and tables speak the user's language: a CSV
location is its line in the file (the header is line 1, so data row 1 is line
2); a Parquet location is its row.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ..text import MAX_VALUE_CHARS, md, plain

if TYPE_CHECKING:
    from rich.table import Table

    from ..commands import Annotation
    from ..evidence import DataEvidence

MAX_EXAMPLES = 5
_MAX_VALUE_CHARS = 80


@dataclass(frozen=True)
class Example:
    row: int  # 1-based data row number
    value: Any  # the cell: None (missing), bool, int, float (may be infinite) or str


@dataclass(frozen=True)
class DataFailure:
    column: str | None  # None for dataset-level checks (min_rows)
    check: str
    failing_rows: int  # 0 for checks about the file's shape (missing_column, min_rows)
    examples: tuple[Example, ...]
    message: str  # what is wrong and what to do


@dataclass(frozen=True)
class DataValidationReport:
    file: str  # repo-relative, as users see it
    rows: int
    columns: int
    null_counts: Mapping[str, int]  # declared column -> missing cells
    failures: tuple[DataFailure, ...] = field(default=())

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def is_csv(self) -> bool:
        return self.file.lower().endswith(".csv")

    @property
    def null_fraction(self) -> dict[str, float]:
        return {
            name: (count / self.rows if self.rows else 0.0)
            for name, count in self.null_counts.items()
        }

    def location(self, row: int) -> str:
        """Where a data row is, in the words users see: 'line 7' (CSV) or 'row 6' (Parquet)."""
        return f"line {row + 1}" if self.is_csv else f"row {row}"

    def merge(self, other: DataValidationReport) -> DataValidationReport:
        """Combine the reports of two batches of the same file (validated with row_offset).

        Failures of the same column and check add up; dataset-level checks are not
        recomputed here (see `validate.check_totals`).
        """
        if other.file != self.file:
            raise ValueError(f"cannot merge reports of different files: {self.file}, {other.file}")
        merged: dict[tuple[str | None, str], DataFailure] = {
            (f.column, f.check): f for f in self.failures
        }
        for failure in other.failures:
            key = (failure.column, failure.check)
            mine = merged.get(key)
            if mine is None:
                merged[key] = failure
                continue
            examples = sorted((*mine.examples, *failure.examples), key=lambda e: e.row)[
                :MAX_EXAMPLES
            ]
            merged[key] = replace(
                mine,
                failing_rows=mine.failing_rows + failure.failing_rows,
                examples=tuple(examples),
            )
        null_counts = dict(self.null_counts)
        for name, count in other.null_counts.items():
            null_counts[name] = null_counts.get(name, 0) + count
        return DataValidationReport(
            file=self.file,
            rows=self.rows + other.rows,
            columns=max(self.columns, other.columns),
            null_counts=null_counts,
            failures=tuple(merged.values()),
        )

    def to_evidence(self, path: str, sha256: str) -> DataEvidence:
        from ..evidence import DataCheckFailure, DataEvidence

        return DataEvidence(
            path=path,
            sha256=sha256,
            rows=self.rows,
            columns=self.columns,
            passed=self.passed,
            null_fraction=self.null_fraction,
            failures=[
                DataCheckFailure(
                    column=f.column,
                    check=f.check,
                    failing_rows=f.failing_rows,
                    examples=[self._example_record(e) for e in f.examples],
                    message=f.message,
                )
                for f in self.failures
            ],
        )

    def _example_record(self, example: Example) -> dict[str, Any]:
        record: dict[str, Any] = {"row": example.row}
        if self.is_csv:
            record["line"] = example.row + 1
        value = example.value
        if isinstance(value, float) and math.isinf(value):  # JSON has no infinity
            value = "inf" if value > 0 else "-inf"
        record["value"] = value
        return record

    # --- rendering ------------------------------------------------------------------

    def headline(self) -> str:
        size = f"{self.rows:,} rows, {self.columns} columns"
        if self.passed:
            return f"{self.file}: data checks passed ({size})"
        count = len(self.failures)
        return f"{self.file}: {count} data check{'s' if count != 1 else ''} failed ({size})"

    def _cells(self, failure: DataFailure) -> tuple[str, str, str, str, str]:
        rows = f"{failure.failing_rows:,}" if failure.failing_rows else "-"
        examples = ", ".join(
            f"{self.location(e.row)}: {show_value(e.value)}" for e in failure.examples
        )
        return (failure.column or "(dataset)", failure.check, rows, examples, failure.message)

    def to_table(self) -> Table:
        from rich.table import Table

        headline = self.headline()
        table = Table(title=plain(headline), title_justify="left", min_width=len(headline))
        if self.passed:  # nothing failed: show how complete each column is
            table.add_column("column", no_wrap=True)
            table.add_column("missing", justify="right", no_wrap=True)
            for name, fraction in self.null_fraction.items():
                table.add_row(plain(name), f"{self.null_counts[name]:,} ({fraction:.1%})")
            return table
        for name in ("column", "check"):
            table.add_column(name, no_wrap=True)
        table.add_column("failing rows", justify="right", no_wrap=True)
        table.add_column(f"examples ({'line' if self.is_csv else 'row'}: value)")
        table.add_column("what to do")
        for failure in self.failures:
            table.add_row(*map(plain, self._cells(failure)))
        return table

    def to_markdown(self) -> str:
        icon = ":white_check_mark:" if self.passed else ":x:"
        lines = [f"#### {icon} {_md(self.headline())}", ""]
        if self.failures:
            lines += [
                f"| column | check | failing rows | examples ({'line' if self.is_csv else 'row'}: value) | what to do |",
                "|---|---|--:|---|---|",
            ]
            lines += [
                "| " + " | ".join(_md(cell) for cell in self._cells(f)) + " |"
                for f in self.failures
            ]
        return "\n".join(lines) + "\n"

    def to_annotations(self) -> list[Annotation]:
        """One workflow annotation per failure, at the first failing line of a CSV."""
        from ..commands import Annotation

        out = []
        for failure in self.failures:
            line = failure.examples[0].row + 1 if self.is_csv and failure.examples else None
            prefix = f"{failure.column}: " if failure.column else ""
            text = f"{prefix}{failure.check}: {failure.message}"
            if failure.failing_rows:
                text += f" ({failure.failing_rows:,} rows)"
            out.append(Annotation("error", text, file=self.file, line=line))
        return out


def plain_value(value: Any) -> Any:
    """A cell value as plain Python data: numpy scalars unwrapped, NaN and NA as None."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalar
    if isinstance(value, bool | int | str):
        return value if not isinstance(value, str) else _clip(value)
    if isinstance(value, float):
        return None if math.isnan(value) else value
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return _clip(str(value))


def show_value(value: Any) -> str:
    if value is None:
        return "(missing)"
    if isinstance(value, str):
        return repr(value)
    return str(value)


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_VALUE_CHARS else text[: _MAX_VALUE_CHARS - 1] + "…"


def _md(text: str) -> str:
    # a cell joins several values, each clipped to _MAX_VALUE_CHARS; messages name columns
    return md(text, limit=4 * MAX_VALUE_CHARS)
