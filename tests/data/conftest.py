"""Fixtures for the data tests: a churn-like dataset spec and small files built in tmp_path."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from mlgitops.spec.models import DatasetSpec

ROWS = 20

CHURN_COLUMNS: dict[str, Any] = {
    "customer_id": {"type": "string"},
    "tenure_months": {"type": "integer", "min": 0, "max": 600},
    "monthly_charges": {"type": "number", "min": 0},
    "total_charges": {"type": "number", "min": 0, "nullable": True},
    "contract": {"type": "category", "values": ["month-to-month", "one-year", "two-year"]},
    "churned": {"type": "boolean"},
}


def dataset_spec(path: str = "data/churn.csv", **overrides: Any) -> DatasetSpec:
    raw: dict[str, Any] = {
        "path": path,
        "target": "churned",
        "columns": CHURN_COLUMNS,
        "checks": {"min_rows": 10, "max_null_fraction": 0.2, "unique": ["customer_id"]},
    }
    raw.update(overrides)
    return DatasetSpec.model_validate(raw)


def valid_cells() -> list[dict[str, str]]:
    """ROWS valid data rows as CSV text cells."""
    contracts = ["month-to-month", "one-year", "two-year"]
    return [
        {
            "customer_id": f"C{i:03d}",
            "tenure_months": str(i * 3),
            "monthly_charges": f"{20 + i * 1.5:.2f}",
            "total_charges": f"{(20 + i * 1.5) * i * 3:.2f}",
            "contract": contracts[i % 3],
            "churned": "true" if i % 4 == 0 else "false",
        }
        for i in range(1, ROWS + 1)
    ]


def valid_frame() -> pd.DataFrame:
    """The same rows with stored types, as a Parquet file would hold them."""
    cells = valid_cells()
    return pd.DataFrame(
        {
            "customer_id": [c["customer_id"] for c in cells],
            "tenure_months": [int(c["tenure_months"]) for c in cells],
            "monthly_charges": [float(c["monthly_charges"]) for c in cells],
            "total_charges": [float(c["total_charges"]) for c in cells],
            "contract": [c["contract"] for c in cells],
            "churned": [c["churned"] == "true" for c in cells],
        }
    )


def write_csv_rows(path: Path, rows: list[dict[str, str]], header: list[str] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    names = header or list(rows[0])
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=names, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def churn() -> DatasetSpec:
    return dataset_spec()


@pytest.fixture
def spec_with() -> Callable[..., DatasetSpec]:
    """Build the churn spec with some top-level keys replaced (checks, columns, path)."""
    return dataset_spec


@pytest.fixture
def cells() -> list[dict[str, str]]:
    return valid_cells()


@pytest.fixture
def typed() -> pd.DataFrame:
    return valid_frame()


@pytest.fixture
def churn_parquet() -> DatasetSpec:
    return dataset_spec("data/churn.parquet")


@pytest.fixture
def csv_file(tmp_path: Path) -> Callable[..., Path]:
    def make(rows: list[dict[str, str]], name: str = "churn.csv") -> Path:
        return write_csv_rows(tmp_path / name, rows)

    return make


@pytest.fixture
def parquet_file(tmp_path: Path) -> Callable[..., Path]:
    def make(frame: pd.DataFrame, name: str = "churn.parquet") -> Path:
        path = tmp_path / name
        frame.to_parquet(path, index=False)
        return path

    return make
