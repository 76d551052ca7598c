"""The terminal reporter starts its live display only when a task is added."""

from __future__ import annotations

from mlgitops.progress import RichReporter


def test_no_task_no_display() -> None:
    reporter = RichReporter()
    with reporter.running():
        pass
    assert reporter._progress is None


def test_a_task_runs_the_display_until_the_block_ends() -> None:
    reporter = RichReporter()
    with reporter.running():
        task = reporter.task("model [/x]: starting", total=2)  # markup in a name is text
        task.advance()
        task.describe("model: done")
        progress = reporter._progress
        assert progress is not None and progress.live.is_started
        assert progress.tasks[0].completed == 1
        assert progress.tasks[0].description == "model: done"
    assert not progress.live.is_started
