"""The windowed loop against a real S3 server (SeaweedFS) over s3://, the secret found nowhere."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
from seaweed import SECRET_MARKER, SeaweedS3, s3_env, seaweed_s3

from mlgitops.cli import main
from mlgitops.lock import read_lock
from tests.data.windowed import write_days, write_windowed_spec

__all__ = ["s3_env", "seaweed_s3"]


@pytest.fixture
def s3(s3_env: SeaweedS3) -> SeaweedS3:
    return s3_env


def cli(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["-C", str(root), *args, "--json"], environ=dict(os.environ))
    err = capsys.readouterr().err
    text = out.getvalue()
    return code, json.loads(text) if text.strip() else None, err


def upload(s3: SeaweedS3, local: Path, prefix: str) -> None:
    import s3fs

    fs = s3fs.S3FileSystem(client_kwargs={"endpoint_url": s3.endpoint_url})
    for path in sorted(local.iterdir()):
        fs.put_file(str(path), f"{s3.bucket}/{prefix}/{path.name}")


def test_snapshot_run_and_drift_over_s3_keep_the_secret_out(
    s3: SeaweedS3, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    staging = tmp_path / "staging"
    write_days(staging, range(0, 30), folder="events")
    prefix = f"events-{uuid.uuid4().hex[:8]}"
    upload(s3, staging / "events", prefix)
    write_windowed_spec(
        root,
        source=f"s3://{s3.bucket}/{prefix}/",
        extra=f'    storage: {{endpoint_url: "{s3.endpoint_url}"}}',
    )
    code, _, err = cli(root, capsys, "snapshot")
    assert code == 0, err
    entry = read_lock(root).datasets["events"]  # type: ignore[union-attr]
    assert entry.files[0].url.startswith(f"s3://{s3.bucket}/{prefix}/")
    assert all(f.etag for f in entry.files)
    code, again, err = cli(root, capsys, "snapshot")
    assert code == 0 and again["written"] is False and again["hashed"] == 0

    code, run, err = cli(root, capsys, "run")
    assert code == 0, (run, err)
    assert run["models"][0]["version"] == 1
    cached = list((root / ".mlgitops/cache/data").iterdir())
    assert {p.name for p in cached} >= {f.sha256 for f in entry.files}
    code, drift, err = cli(root, capsys, "drift", "events-churn")
    assert code == 0 and drift["current_window"]["files"][0]["url"].startswith("s3://")

    # without credentials the store refuses: an outside service failed (exit 3), no secret shown
    os.environ.pop("AWS_SECRET_ACCESS_KEY")
    os.environ.pop("AWS_ACCESS_KEY_ID")
    write_days(staging, range(30, 31), folder="events")
    code, refused, err = cli(root, capsys, "snapshot")
    assert code == 3, err
    assert SECRET_MARKER not in json.dumps(refused)

    every = [p for p in root.rglob("*") if p.is_file() and ".git" not in p.parts]
    for path in every:
        assert SECRET_MARKER.encode() not in path.read_bytes(), path
    assert SECRET_MARKER not in err
