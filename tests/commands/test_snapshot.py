"""snapshot → run → new partitions → drift → snapshot → run: a retrain learns from the new window."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from mlgitops.cli import main
from mlgitops.lock import read_lock
from tests.data.windowed import write_days, write_windowed_spec

LOCAL = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}


def cli(root: Path, *args: str, environ: dict[str, str] | None = None) -> tuple[int, Any]:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["-C", str(root), *args, "--json"], environ=environ or LOCAL)
    text = out.getvalue()
    return code, json.loads(text) if text.strip() else None


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write_days(tmp_path, range(0, 30))
    write_windowed_spec(tmp_path)
    return tmp_path


def test_the_loop_learns_from_new_partitions(repo: Path) -> None:
    code, snap = cli(repo, "snapshot")
    assert code == 0 and snap["datasets"]["events"]["status"] == "new"
    code, run = cli(repo, "run")
    assert code == 0, run
    assert run["models"][0]["version"] == 1
    v1 = (repo / "models/events-churn/versions/1/model.onnx").read_bytes()
    lineage = json.loads((repo / "models/events-churn/versions/1/lineage.json").read_text())
    entry = read_lock(repo).datasets["events"]  # type: ignore[union-attr]
    assert lineage["lock_entry"] == entry.model_dump(mode="json")
    assert len(lineage["lock_sha256"]) == 64

    code, drift = cli(repo, "drift", "events-churn")
    assert code == 0 and drift["status"] == "no-drift"

    # ten new days whose charges moved and whose labels follow another rule
    write_days(repo, range(30, 40), shift=1.5)
    code, drift = cli(repo, "drift", "events-churn")
    assert code == 1 and drift["status"] == "drift"
    window = drift["current_window"]
    assert window["start"].startswith("2026-11-04") and window["end"].startswith("2026-11-09")
    assert {f["url"] for f in window["files"]} >= {"data/events/2026-11-09.parquet"}
    assert all(len(f["sha256"]) == 64 for f in window["files"])

    code, snap = cli(repo, "snapshot")
    assert code == 0 and snap["datasets"]["events"]["status"] == "changed"
    code, run = cli(repo, "run")
    assert code == 0, run
    assert run["models"][0]["version"] == 2 and run["models"][0]["registered"] == "new"
    v2 = (repo / "models/events-churn/versions/2/model.onnx").read_bytes()
    assert v2 != v1
    entry = read_lock(repo).datasets["events"]  # type: ignore[union-attr]
    assert "data/events/2026-11-06.parquet" in {f.url for f in entry.files}


def test_an_unchanged_snapshot_rewrites_the_same_bytes_and_trains_nothing(repo: Path) -> None:
    assert cli(repo, "snapshot")[0] == 0
    assert cli(repo, "run")[0] == 0
    before = (repo / "mlops.lock").read_bytes()
    code, snap = cli(repo, "snapshot")
    assert code == 0 and snap["written"] is False and snap["hashed"] == 0
    assert snap["datasets"]["events"]["status"] == "unchanged"
    assert (repo / "mlops.lock").read_bytes() == before
    code, run = cli(repo, "run")
    assert code == 0
    record = run["models"][0]
    assert record["registered"] == "existing" and record["version"] == 1
    assert {s["status"] for s in record["stages"] if s["name"] == "train"} == {"cached"}


def test_a_tampered_locked_file_fails_and_says_to_snapshot(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(repo, "snapshot")[0] == 0
    locked = read_lock(repo).datasets["events"].files[3].url  # type: ignore[union-attr]
    write_days(repo, range(9, 10), shift=3.0)  # rewrites that day's partition in place
    assert locked == "data/events/2026-10-10.parquet"
    code = main(["-C", str(repo), "run"], environ=LOCAL)
    err = capsys.readouterr().err
    assert code == 2
    assert locked in err and "mlgitops snapshot" in err


def test_rows_inside_the_label_delay_are_never_trained_on(repo: Path) -> None:
    assert cli(repo, "run")[0] == 0  # locally, run locks a dataset that has no entry yet
    entry = read_lock(repo).datasets["events"]  # type: ignore[union-attr]
    assert entry.end is not None and entry.end.isoformat() < "2026-10-28"
    evidence = json.loads((repo / "models/events-churn/versions/1/evidence.json").read_text())
    trained = evidence["training"]["rows_train"] + evidence["training"]["rows_test"]
    assert trained == entry.rows
    # 20 days of 60 rows (and the part of the day the window starts in), never the last 3 days
    assert 20 * 60 <= entry.rows < 21 * 60
    assert all(f.url < "data/events/2026-10-28.parquet" for f in entry.files)


def test_in_ci_a_source_needs_a_committed_lock_entry(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["-C", str(repo), "run"], environ={**LOCAL, "GITHUB_ACTIONS": "true"})
    assert code == 2
    assert "mlops.lock" in capsys.readouterr().err
    assert not (repo / "mlops.lock").exists()


def test_an_empty_current_window_is_no_data(repo: Path) -> None:
    assert cli(repo, "run")[0] == 0
    for path in (repo / "data/events").iterdir():
        path.unlink()
    write_days(repo, range(0, 2), rows=0)
    code, drift = cli(repo, "drift", "events-churn")
    assert code == 0 and drift["status"] == "no-data" and drift["drifted"] is False


def test_the_train_key_is_the_lock_entry_digest(repo: Path) -> None:
    from mlgitops.execute.driver import plan_models
    from mlgitops.lock import entry_digest
    from mlgitops.registry import Registry
    from mlgitops.spec import load_project

    assert cli(repo, "snapshot")[0] == 0
    project = load_project(repo, check_estimators=False)
    (plan,) = plan_models(project, ["events-churn"], Registry(repo), dt.date(2026, 12, 1))
    entry = read_lock(repo).datasets["events"]  # type: ignore[union-attr]
    assert plan.data_sha256 == entry_digest(entry)
    assert plan.input_files[0] == "mlops.lock"


def test_an_entry_of_another_source_is_locked_afresh(repo: Path) -> None:
    assert cli(repo, "snapshot")[0] == 0
    (repo / "data/events").rename(repo / "data/days")
    spec = repo / "mlops.yaml"
    spec.write_text(spec.read_text().replace("source: data/events/", "source: data/days/"))
    code, run = cli(repo, "run")
    assert code == 0, run
    assert run["locked"] and "events" in run["locked"][0]
    entry = read_lock(repo).datasets["events"]  # type: ignore[union-attr]
    assert entry.source == "data/days/"


def test_validate_reads_the_header_of_a_source(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-C", str(repo), "validate"], environ=LOCAL) == 0
    spec = repo / "mlops.yaml"
    spec.write_text(
        spec.read_text().replace(
            "      churned: {type: boolean}\n",
            "      churned: {type: boolean}\n      region: {type: string}\n",
        )
    )
    capsys.readouterr()
    assert main(["-C", str(repo), "validate"], environ=LOCAL) == 2
    err = capsys.readouterr().err
    assert "datasets.events.columns.region: column 'region' is not in the header of" in err
    assert "data/events/2026-10-01.parquet" in err


def test_an_unchanged_listing_keeps_the_entry_but_an_old_lock_is_resolved_afresh(
    repo: Path,
) -> None:
    assert cli(repo, "snapshot")[0] == 0
    old = (repo / "mlops.lock").read_bytes()
    write_days(repo, range(30, 33))
    assert cli(repo, "snapshot")[1]["datasets"]["events"]["status"] == "changed"
    new = (repo / "mlops.lock").read_bytes()
    (repo / "mlops.lock").write_bytes(old)  # as a checkout of an older commit would
    code, snap = cli(repo, "snapshot")
    assert code == 0 and snap["datasets"]["events"]["status"] == "changed"
    assert (repo / "mlops.lock").read_bytes() == new
