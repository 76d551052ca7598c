"""`mlgitops release` against the fake GitHub: verify, boot the server and replay the recorded
rows, then one release per production version with four assets, and a deployment."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from github.fake_server import FakeGitHub, serve
from serve.support import CHURN, add_version, demo_repository, scale_tree_weights

from mlgitops.cli import main
from mlgitops.registry import Registry

MODELS = ["churn-classifier", "house-price", "penguin-species", "events-churn"]
ASSETS = {"model.onnx", "card.md", "manifest.json", "SHA256SUMS"}
COMMIT = "c0ffee" + "0" * 34


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    return demo_repository(tmp_path / "demo")


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with serve() as fake:
        yield fake


def release(
    root: Path, fake: FakeGitHub, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, dict]:  # type: ignore[type-arg]
    code = main(
        ["-C", str(root), "release", *args, "--json"], environ=fake.environ(GITHUB_SHA=COMMIT)
    )
    out, err = capsys.readouterr()
    assert "Traceback" not in err and fake.token not in out + err
    return code, json.loads(out)


def uploads(fake: FakeGitHub) -> int:
    return sum(1 for c in fake.calls if c.method == "POST" and c.path.endswith("/assets"))


def test_one_release_per_production_version_with_four_assets_and_a_deployment(
    demo: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, data = release(demo, github, capsys)
    assert code == 0, data
    assert [(m["model"], m["status"]) for m in data["models"]] == [(m, "released") for m in MODELS]
    assert all(m["smoke_test"]["passed"] and m["smoke_test"]["rows"] == 16 for m in data["models"])
    releases = {r["tag_name"]: r for r in github.releases.values()}
    assert set(releases) == {f"{m}-v1" for m in MODELS}
    for model in MODELS:
        version = demo / "models" / model / "versions/1"
        assets = github.release_assets(f"{model}-v1")
        assert set(assets) == ASSETS
        for name in ("model.onnx", "card.md", "manifest.json"):
            assert assets[name] == (version / name).read_bytes()
        assert releases[f"{model}-v1"]["body"] == (version / "card.md").read_text()
        assert releases[f"{model}-v1"]["target_commitish"] == COMMIT
        # SHA256SUMS is what sha256sum itself checks
        folder = tmp_path / model
        folder.mkdir()
        for name, content in assets.items():
            (folder / name).write_bytes(content)
        checked = subprocess.run(
            ["sha256sum", "--check", "--strict", "SHA256SUMS"],
            cwd=folder,
            capture_output=True,
            text=True,
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert checked.stdout.count(": OK") == 3
    (deployment,) = github.deployments.values()
    assert (deployment["ref"], deployment["environment"]) == (COMMIT, "production")
    assert deployment["payload"] == {"models": {m: 1 for m in MODELS}}
    assert [s["state"] for s in github.deployment_statuses[deployment["id"]]] == ["success"]


def test_a_rerun_finds_the_releases_by_tag_and_uploads_only_what_is_missing_or_wrong(
    demo: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    assert release(demo, github, capsys)[0] == 0
    first = uploads(github)
    assert first == 12
    code, data = release(demo, github, capsys)
    assert code == 0 and uploads(github) == first  # nothing uploaded twice
    assert len(github.releases) == 3
    assert all(sorted(m["release"]["kept"]) == sorted(ASSETS) for m in data["models"])
    # an interrupted run left one asset missing and another one wrong
    card = next(a for a in github.assets.values() if a["name"] == "card.md")
    card["content"], card["digest"] = b"half", "sha256:" + "0" * 64
    sums = next(a for a in github.assets.values() if a["name"] == "SHA256SUMS")
    del github.assets[sums["id"]]
    code, data = release(demo, github, capsys)
    assert code == 0 and uploads(github) == first + 2
    releases = [m["release"] for m in data["models"]]
    assert sorted(n for r in releases for n in r["uploaded"]) == ["SHA256SUMS", "card.md"]
    assert sorted(n for r in releases for n in r["replaced"]) == ["card.md"]
    assert all(len(github.release_assets(f"{m}-v1")) == 4 for m in MODELS)
    assert all(b"half" not in github.release_assets(f"{m}-v1").values() for m in MODELS)


def test_a_tampered_registry_publishes_nothing(
    demo: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    card = demo / "models/house-price/versions/1/card.md"
    card.write_text(card.read_text() + "edited by hand\n")
    code, data = release(demo, github, capsys)
    assert code == 1 and data["published"] is False
    failed = [m for m in data["models"] if m["status"] == "failed"]
    assert [m["model"] for m in failed] == ["house-price"]
    assert "card.md does not match its recorded sha256" in failed[0]["message"]
    assert github.calls == []  # not one call to GitHub


def test_the_smoke_test_fails_a_model_that_no_longer_matches_its_recorded_outputs(
    demo: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    # version 2: consistent digests, but its model scores differently from what was recorded
    version = add_version(demo, CHURN, edit=scale_tree_weights)
    Registry(demo).set_production(CHURN, version)
    code, data = release(demo, github, capsys)
    assert code == 1
    rows = {m["model"]: m for m in data["models"]}
    assert rows[CHURN]["status"] == "failed"
    assert rows[CHURN]["message"].startswith("smoke test: served outputs differ")
    assert rows[CHURN]["smoke_test"]["max_abs_diff"] > 1e-4
    assert rows["house-price"]["status"] == "smoke-tested"  # checked, but not published
    assert github.calls == []


def test_a_version_without_recorded_rows_cannot_be_released(
    demo: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    version = demo / "models/penguin-species/versions/1"
    (version / "replay.json").unlink()
    manifest = json.loads((version / "manifest.json").read_text())
    del manifest["sha256"]["replay.json"]
    (version / "manifest.json").write_text(json.dumps(manifest))
    code, data = release(demo, github, capsys, "penguin-species")
    assert code == 1
    (row,) = data["models"]
    assert "replay.json is missing" in row["message"] and "mlgitops run" in row["hint"]
    assert github.calls == []


def test_without_github_settings_release_says_how_to_run_it(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["-C", str(demo), "release", "--json"], environ={})
    out, _ = capsys.readouterr()
    assert code == 2
    data = json.loads(out)
    assert "repository is not known" in data["error"] and "--no-publish" in data["hint"]
    code = main(["-C", str(demo), "release", "--no-publish", "--json"], environ={})
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["published"] is False
    assert {m["status"] for m in data["models"]} == {"smoke-tested"}


def test_a_github_failure_is_exit_3_and_leaves_no_deployment(
    demo: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.rmtree(demo / "models/house-price")
    shutil.rmtree(demo / "models/penguin-species")
    github.fail_next(403, message="Resource not accessible by integration")
    code = main(["-C", str(demo), "release", "--json"], environ=github.environ(GITHUB_SHA=COMMIT))
    out, _ = capsys.readouterr()
    assert code == 3 and "403 Resource not accessible" in json.loads(out)["error"]
    assert github.deployments == {}
