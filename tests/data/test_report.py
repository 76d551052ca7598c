"""What users read: the terminal table and the Markdown summary of a data validation (golden files)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from golden_util import assert_golden
from rich.console import Console

from mlgitops.data import DataValidationReport, read_table, validate_frame
from mlgitops.spec.models import DatasetSpec

Cells = list[dict[str, str]]


def _render(report: DataValidationReport) -> str:
    console = Console(file=io.StringIO(), width=160, color_system=None, highlight=False)
    console.print(report.to_table())
    text: str = console.file.getvalue()  # type: ignore[attr-defined]
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def _golden(name: str, report: DataValidationReport) -> None:
    assert_golden(f"data/{name}.txt", _render(report))
    assert_golden(f"data/{name}.md", report.to_markdown())


def test_many_failures_in_a_csv(
    csv_file: Callable[..., Path], cells: Cells, spec_with: Callable[..., DatasetSpec]
) -> None:
    spec = spec_with(checks={"min_rows": 50, "max_null_fraction": 0.01, "unique": ["customer_id"]})
    for row in cells:
        row["tenure"] = row.pop("tenure_months")
    for index in range(7):
        cells[index]["monthly_charges"] = ["abc", "1,5", "-3", "inf", "", "x|y", "12"][index]
    cells[8]["contract"] = "lifetime"
    cells[9]["customer_id"] = "C001"
    cells[10]["total_charges"] = ""
    path = csv_file(cells)
    _golden(
        "csv_many", validate_frame(read_table(path, "data/churn.csv"), spec, file="data/churn.csv")
    )


def test_parquet_failures(
    parquet_file: Callable[..., Path], typed: pd.DataFrame, churn_parquet: DatasetSpec
) -> None:
    typed["tenure_months"] = typed["tenure_months"].astype("float64")
    typed.loc[4, "tenure_months"] = 4.5
    typed.loc[5, "monthly_charges"] = np.nan
    typed.loc[6, "total_charges"] = -np.inf
    frame = read_table(parquet_file(typed), "data/churn.parquet")
    _golden("parquet", validate_frame(frame, churn_parquet, file="data/churn.parquet"))


def test_passing_report(csv_file: Callable[..., Path], cells: Cells, churn: DatasetSpec) -> None:
    report = validate_frame(
        read_table(csv_file(cells), "data/churn.csv"), churn, file="data/churn.csv"
    )
    _golden("passed", report)
