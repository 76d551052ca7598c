"""Data files: read them (`read.py`), check them against the spec (`validate.py`), report (`report.py`).

Importing this package is cheap: each name here is imported when first used
(`validate` needs only the storage checks), and pandas and pyarrow load when a
function runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..lazy import lazy_attribute

if TYPE_CHECKING:
    from .read import read_columns, read_table
    from .report import DataFailure, DataValidationReport, Example
    from .validate import check_totals, coerce_frame, validate_frame

# name -> the module that defines it
_HOMES = {
    "DataFailure": "report",
    "DataValidationReport": "report",
    "Example": "report",
    "check_totals": "validate",
    "coerce_frame": "validate",
    "read_columns": "read",
    "read_table": "read",
    "validate_frame": "validate",
}

__all__ = [
    "DataFailure",
    "DataValidationReport",
    "Example",
    "check_totals",
    "coerce_frame",
    "read_columns",
    "read_table",
    "validate_frame",
]


def __getattr__(name: str) -> Any:
    return lazy_attribute(__name__, _HOMES, name)
