"""Remembered cron verdicts: the same answers as croniter, and only acceptances kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgitops.spec import schedules
from mlgitops.spec.references import check_cron
from mlgitops.spec.schedules import KnownSchedules, croniter_valid

EXPRESSIONS = [
    "0 6 * * 1",
    "*/5 * * * *",
    "*/2 * * * *",
    "61 * * * *",
    "0 0 31 2 *",
    "0 6 * * mon-fri",
    "0 6 * * 8",
    "0 6 * *",
    "0 6 * * 1 2026",
    "@daily",
    "ünï * * * *",
    "[/x] * * * *",
    "",
]


def _refuse_croniter(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    asked: list[str] = []

    def record(expression: str) -> bool:
        asked.append(expression)
        return croniter_valid(expression)

    monkeypatch.setattr(schedules, "croniter_valid", record)
    return asked


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_a_remembered_verdict_is_croniters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, expression: str
) -> None:
    expected = check_cron(expression)
    assert check_cron(expression, KnownSchedules(tmp_path).valid) == expected
    asked = _refuse_croniter(monkeypatch)
    assert check_cron(expression, KnownSchedules(tmp_path).valid) == expected
    if croniter_valid(expression):
        assert asked == []  # remembered
    elif len(expression.split()) == 5:
        assert asked == [expression]  # a refusal is asked again


def test_a_linked_workspace_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    repo.mkdir()
    outside.mkdir()
    (repo / ".mlgitops").symlink_to(outside, target_is_directory=True)
    assert KnownSchedules(repo).valid("0 6 * * 1")
    assert not any(outside.rglob("*"))
    asked = _refuse_croniter(monkeypatch)
    assert KnownSchedules(repo).valid("0 6 * * 1")
    assert asked == ["0 6 * * 1"]


def test_a_read_only_workspace_only_loses_the_shortcut(tmp_path: Path) -> None:
    (tmp_path / ".mlgitops").mkdir()
    (tmp_path / ".mlgitops" / "cache").write_text("a file where the folder would be")
    assert KnownSchedules(tmp_path).valid("0 6 * * 1")
    assert not KnownSchedules(tmp_path).valid("61 * * * *")
