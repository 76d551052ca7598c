"""Every table reads at 80 columns: cells wrap at spaces, never inside a word, and columns
go by priority (saying so) when even that does not fit."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from golden_util import assert_golden
from rich.table import Table

from mlgitops.commands.run import summary_table
from mlgitops.commands.status import status_table
from mlgitops.execute.results import RunRecord, StageRecord
from mlgitops.tables import FitTable, render


def _lines(text: str) -> list[str]:
    return text.splitlines()


def _fits(text: str, width: int = 80) -> None:
    assert max(len(line) for line in _lines(text)) <= width, text


def _status_row(model: str, **fields: Any) -> dict[str, Any]:
    row = {
        "model": model,
        "production": 3,
        "production_digest": "ok",
        "latest": 4,
        "last_run": "passed",
        "gates": "2 passed, 1 no baseline",
        "drift": "DRIFTED",
        "promotion": "none",
    }
    return row | fields


STATUS_ROWS = [
    _status_row(
        "breast-cancer-classifier", promotion="branch mlgitops/promote/breast-cancer-classifier"
    ),
    _status_row("house-price", production=None, last_run="failed at gates", drift="no drift"),
    _status_row("penguin-species", latest=None, last_run="never run here", gates="–", drift="–"),
]


def test_status_reads_at_80_columns_with_a_promotion_branch() -> None:
    text = render([status_table("mlgitops-demo", STATUS_ROWS)])
    _fits(text)
    assert_golden("commands/status_80.txt", text)
    header = next(line for line in _lines(text) if "model" in line)
    for word in ("model", "prod", "gates", "drift", "promotion"):
        assert f" {word} " in header  # whole headers, never `p…` or `promoti on`
    assert "open: mlgitops/promote/breast-cancer-classifier" in text


def test_status_keeps_every_column_when_there_is_room() -> None:
    text = render([status_table("mlgitops-demo", STATUS_ROWS)], width=140)
    assert "latest" in text and "not shown" not in text


def _result(model: str, **fields: Any) -> RunRecord:
    """A run record as the table reads it (built without validation: only what it shows)."""
    values: dict[str, Any] = {
        "model": model,
        "task": "classification",
        "passed": True,
        "failed_stage": None,
        "stages": [StageRecord(name="train", status="ran", seconds=1.0)],
        "metrics": {"roc_auc": 0.9961, "accuracy": 0.9650, "balanced_accuracy": 0.9512},
        "gates": [SimpleNamespace(status="passed"), SimpleNamespace(status="passed")],
        "onnx": SimpleNamespace(passed=True, max_abs_diff=2.9e-07),
        "version": 1,
        "registered": "new",
        "seconds": 12.9,
        "problems": [],
    }
    return RunRecord.model_construct(**(values | fields))


def test_run_table_reads_at_80_columns_with_its_legend() -> None:
    results = [
        _result("breast-cancer-classifier"),
        _result(
            "house-price-regressor",
            registered="existing",
            stages=[StageRecord(name="train", status="cached")],
        ),
        _result("penguin-species", registered="existing", version=2),
        _result(
            "churn-classifier",
            passed=False,
            failed_stage="gates",
            gates=[SimpleNamespace(status="failed")],
        ),
    ]
    text = render([summary_table(results)])
    _fits(text)
    assert_golden("commands/run_80.txt", text)
    assert "(cached): nothing it reads changed" in text
    assert "(unchanged): stages re-ran" in text
    for word in ("balanced_accuracy", "registered", "metrics"):
        assert word in text  # whole words


def test_fit_table_drops_by_priority_and_says_which() -> None:
    table = Table()
    for header in ("name", "keep", "first-to-go", "second"):
        table.add_column(header, no_wrap=True)
    table.add_row("x" * 30, "y" * 10, "z" * 20, "w" * 20)
    text = render([FitTable(table, ["first-to-go", "second"])], width=60)
    _fits(text, 60)
    assert "first-to-go" not in text.splitlines()[1]
    assert "second" in text
    assert (
        text.rstrip().endswith(
            "not shown in 60 columns: first-to-go (a wider terminal or --json\nshows them)"
        )
        or "not shown in 60 columns: first-to-go" in text
    )


@pytest.mark.parametrize("width", [80, 100])
def test_markup_in_a_model_problem_is_text(width: int) -> None:
    text = render([summary_table([_result("m", problems=["[/x] not markup"])])], width=width)
    _fits(text, width)
