"""`mlgitops drift MODEL --open-issue` against the fake GitHub: one issue per model, updated on re-runs."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from github.fake_server import FakeGitHub, serve
from promote.support import MODEL, make_project

from mlgitops.cli import main
from mlgitops.github.drift_issue import issue_title


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("drift-issue")).root
    assert main(["-C", str(root), "run", MODEL, "--json"], environ={}) == 0
    iris = pd.read_csv(root / "data/iris.csv")
    shifted = iris.assign(
        petal_length=iris["petal_length"] + 2.5, sepal_length=iris["sepal_length"] + 1.5
    )
    shifted.to_csv(root / "data/shifted.csv", index=False)
    return root


@pytest.fixture
def root(trained: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "project"
    shutil.copytree(trained, copy)
    return copy


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with serve() as fake:
        yield fake


def drift(
    root: Path, capsys: pytest.CaptureFixture[str], environ: dict[str, str], current: str
) -> tuple[int, dict[str, Any], str]:
    capsys.readouterr()
    code = main(
        ["-C", str(root), "drift", MODEL, "--current", current, "--open-issue", "--json"],
        environ=environ,
    )
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def test_drift_opens_one_issue_and_reruns_update_it(
    root: Path, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    code, data, err = drift(root, capsys, fake.environ(), "data/shifted.csv")
    assert code == 0, (data, err)  # the drift is reported in the issue
    assert data["status"] == "drift"
    assert data["issue"] == {
        "action": "created",
        "number": 1,
        "url": "https://github.com/acme/models/issues/1",
    }
    issue = fake.issues[1]
    assert issue["title"] == issue_title(MODEL) == "[mlgitops] drift detected: iris-species"
    assert "**DATASET DRIFT:" in issue["body"] and "| petal_length |" in issue["body"]

    code, again, err = drift(root, capsys, fake.environ(), "data/shifted.csv")
    assert code == 0, (again, err)
    assert again["issue"]["action"] == "updated" and again["issue"]["number"] == 1
    assert len(fake.issues) == 1
    (comment,) = fake.comments[1]
    assert comment.startswith("Drift seen again: DATASET DRIFT: 2 of 4 features drifted")
    assert fake.token not in json.dumps(again) + err


def test_a_closed_issue_is_not_reopened_a_new_one_is_opened(
    root: Path, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    drift(root, capsys, fake.environ(), "data/shifted.csv")
    fake.issues[1]["state"] = "closed"
    code, data, _ = drift(root, capsys, fake.environ(), "data/shifted.csv")
    assert code == 0 and data["issue"]["action"] == "created" and data["issue"]["number"] == 2


def test_no_drift_opens_nothing(
    root: Path, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    code, data, err = drift(root, capsys, fake.environ(), "data/iris.csv")
    assert code == 0, (data, err)
    assert data["status"] == "no-drift" and data["issue"] is None
    assert fake.calls == []


def test_missing_token_fails_before_reading_data(
    root: Path, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    environ = fake.environ()
    del environ["GITHUB_TOKEN"]
    code, data, _ = drift(root, capsys, environ, "data/shifted.csv")
    assert code == 2 and "no GitHub token" in data["error"]
    assert not (root / ".mlgitops/drift" / f"{MODEL}.json").exists()


def test_api_failure_exits_3(
    root: Path, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.fail_next(403, message="Resource not accessible by integration")
    code, data, _ = drift(root, capsys, fake.environ(), "data/shifted.csv")
    assert code == 3
    assert data["error"] == (
        "GitHub API GET /repos/acme/models/issues failed: 403 Resource not accessible by integration"
    )
    assert "issues: write" in data["hint"]
