"""Data files: read them (`read.py`), check them against the spec (`validate.py`), report (`report.py`).

Importing this package is cheap; pandas and pyarrow load when a function runs.
"""

from __future__ import annotations

from .read import read_columns, read_table
from .report import DataFailure, DataValidationReport, Example
from .validate import check_totals, coerce_frame, validate_frame

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
