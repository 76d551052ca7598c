"""The loop that learns, on a windowed local dataset: new partitions arrive, drift is found, the
retrain snapshots afresh, and the one promotion commit carries the new version and the new
`mlops.lock` entry it was trained on; without `--with-snapshot` the uncommitted lock is refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from github.fake_server import serve
from promote.support import Project, git, head_of, show

from mlgitops.lock import Lockfile
from mlgitops.registry import Registry
from tests.data.windowed import write_days, write_windowed_spec

MODEL = "events-churn"
BRANCH = f"mlgitops/promote/{MODEL}"


@pytest.fixture
def project(tmp_path: Path) -> Project:
    root = tmp_path / "work"
    bare = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    git(tmp_path, "init", "-q", str(root))
    write_days(root, range(0, 30))
    write_windowed_spec(root)
    spec = root / "mlops.yaml"
    spec.write_text(
        spec.read_text(encoding="utf-8").replace(
            "drift_share: 0.3\n", "drift_share: 0.3\n      on_drift: promote\n"
        ),
        encoding="utf-8",
    )
    (root / ".gitignore").write_text(".mlgitops/\n", encoding="utf-8")
    git(root, "remote", "add", "origin", str(bare))
    return Project(root, bare)


def test_the_promotion_commit_carries_the_new_snapshot(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    assert project.cli(capsys, {}, "snapshot")[0] == 0
    code, data, err = project.cli(capsys, {}, "run", MODEL)
    assert code == 0, (data, err)
    Registry(project.root).set_production(MODEL, 1, reason="first")
    project.commit_and_push("events-churn v1 in production, on the first month")
    v1 = (project.root / f"models/{MODEL}/versions/1/model.onnx").read_bytes()

    # ten new days arrive (committed, as the demo's partitions are), and production drifted
    write_days(project.root, range(30, 40), shift=1.5)
    project.commit_and_push("ten new days of events")
    code, data, _ = project.cli(capsys, {}, "drift", MODEL)
    assert code == 1 and data["status"] == "drift"
    assert project.cli(capsys, {}, "snapshot")[0] == 0  # the retrain job's snapshot
    code, data, err = project.cli(capsys, {}, "run", "--no-register", MODEL)
    assert code == 0, (data, err)
    assert data["warnings"] == [
        f"{MODEL} trained on uncommitted inputs: mlops.lock (its lineage says so; commit them "
        "before promoting, promote refuses otherwise)"
    ]

    with serve(heads=lambda branch: head_of(project.bare, branch)) as fake:
        environ = project.environ(fake)
        code, data, _ = project.cli(capsys, environ, "promote", MODEL)
        assert code == 1 and data["error"].endswith(": mlops.lock")
        assert head_of(project.bare, BRANCH) is None

        code, data, err = project.cli(capsys, environ, "promote", MODEL, "--with-snapshot")
        assert code == 0, (data, err)
        (pull,) = fake.open_pulls(BRANCH)

    main = head_of(project.bare, "main")
    head = head_of(project.bare, BRANCH)
    assert git(project.bare, "rev-parse", f"{head}^") == main
    changed = git(project.bare, "diff", "--name-only", f"{main}", f"{head}").splitlines()
    assert "mlops.lock" in changed
    assert f"models/{MODEL}/versions/2/model.onnx" in changed
    # the committed lock is the one the candidate was trained on, and it reads the new days
    committed = Lockfile.model_validate(yaml.safe_load(show(project.bare, BRANCH, "mlops.lock")))
    entry = committed.datasets["events"]
    assert "data/events/2026-11-06.parquet" in {f.url for f in entry.files}
    lineage = yaml.safe_load(show(project.bare, BRANCH, f"models/{MODEL}/versions/2/lineage.json"))
    assert lineage["lock_entry"] == entry.model_dump(mode="json")
    assert lineage["dirty_inputs"] == ["mlops.lock"]
    # a model that learned from the new days, not production's bytes
    scratch = project.root.parent / "v2"
    git(project.root.parent, "clone", "-q", "-b", BRANCH, str(project.bare), str(scratch))
    assert (scratch / f"models/{MODEL}/versions/2/model.onnx").read_bytes() != v1
    shutil.rmtree(scratch)

    body = pull["body"]
    assert "### Data change" in body
    assert "Dataset `events`" in body
    assert "`data/events/2026-11-06.parquet`" in body  # added files, as code
    assert "| rows |" in body and "(+" in body
