"""`mlgitops history`: every version newest first, each time it was in production, from git."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

from builders import REPO_ROOT, copy_demo, copy_version
from promote.support import git

from mlgitops.history import model_history
from mlgitops.registry import Registry

MODEL = "churn-classifier"


def test_a_rollback_gives_a_version_a_second_period_in_production(tmp_path: Path) -> None:
    root = copy_demo(tmp_path / "work")
    shutil.copytree(REPO_ROOT / "models", root / "models")
    versions = root / f"models/{MODEL}/versions"
    copy_version(versions, 1, 2)
    copy_version(versions, 1, 3)  # never promoted
    registry = Registry(root)
    git(root, "init", "-q")
    day = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    steps = [(1, "first release", None), (2, "the spec changed in abc", 12), (1, "rollback", 13)]
    for offset, (version, reason, pull) in enumerate(steps):
        registry.set_production(
            MODEL, version, reason=reason, pull_request=pull, now=day + dt.timedelta(days=offset)
        )
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", f"production: version {version}")
    # a pointer changed but not committed yet counts as the latest change
    registry.set_production(MODEL, 1, reason="rollback", pull_request=14, now=day)

    history = {entry.version: entry for entry in model_history(root, MODEL, dict(os.environ))}
    assert list(history) == [3, 2, 1]
    assert history[3].status == "never promoted" and history[3].periods == []
    assert history[2].status == "retired"
    (period,) = history[2].periods
    assert (period.reason, period.pull_request) == ("the spec changed in abc", 12)
    assert period.retired_at is not None
    first, second = history[1].periods
    assert history[1].status == "production"
    assert first.reason == "first release" and first.retired_at is not None
    assert second.reason == "rollback" and second.retired_at is None and second.commit is not None
    assert history[1].metrics and history[1].data_rows
