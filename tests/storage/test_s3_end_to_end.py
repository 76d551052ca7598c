"""The windowed loop over `s3://` against a real S3 server, and the secret found nowhere.

snapshot → run (v1) → new shifted, labelled partitions land in the bucket →
drift exits 1 → snapshot → run registers v2 with another model.onnx. Every
command runs as the installed CLI in its own process with the server's
credentials in its environment only; their output and every file under the
repository are searched for the secret afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from seaweed import SECRET_MARKER, SeaweedS3

from tests.builders import edit_file
from tests.data.windowed import write_days, write_windowed_spec

pytestmark = pytest.mark.slow

CLI = Path(sys.executable).with_name("mlgitops")
SECRETS = (SECRET_MARKER.encode(), b"wJalrXUtnFEMI")


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


class Session:
    """Runs the CLI in `repo` with the server's credentials, keeping every output for the search."""

    def __init__(self, repo: Path, env: dict[str, str]) -> None:
        self.repo = repo
        self.env = env
        self.outputs: list[str] = []

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> Ran:
        proc = subprocess.run(
            [str(CLI), "-C", str(self.repo), *args],
            env=env or self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        self.outputs += [proc.stdout, proc.stderr]
        return Ran(proc.returncode, proc.stdout, proc.stderr)


def upload_days(server: SeaweedS3, staging: Path, prefix: str, days: range, **options: Any) -> None:
    for path in write_days(staging, days, folder="events", **options):
        server.put(f"{prefix}/{path.name}", path.read_bytes())


@pytest.fixture
def windowed_s3(seaweed_s3: SeaweedS3, tmp_path: Path) -> tuple[Session, str]:
    prefix = f"e2e-{uuid.uuid4().hex[:8]}/events"
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    upload_days(seaweed_s3, tmp_path / "staging", prefix, range(0, 30))
    source = f"s3://{seaweed_s3.bucket}/{prefix}/"
    write_windowed_spec(repo, source=source)
    edit_file(
        repo,
        "mlops.yaml",
        f"source: {source}\n",
        f'source: {source}\n    storage: {{endpoint_url: "{seaweed_s3.endpoint_url}"}}\n',
    )
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        **seaweed_s3.env,
    }
    return Session(repo, env), prefix


def test_the_windowed_loop_over_s3_learns_and_leaks_no_secret(
    windowed_s3: tuple[Session, str], seaweed_s3: SeaweedS3, tmp_path: Path
) -> None:
    mlgitops, prefix = windowed_s3
    repo = mlgitops.repo

    snap = mlgitops("snapshot", "--json")
    assert snap.code == 0, snap.stderr
    assert snap.json()["datasets"]["events"]["status"] == "new"
    lock = (repo / "mlops.lock").read_text()
    assert f"s3://{seaweed_s3.bucket}/{prefix}/2026-10-20.parquet" in lock
    assert "etag:" in lock

    run = mlgitops("run", "--json")
    assert run.code == 0, run.stderr
    assert run.json()["models"][0]["version"] == 1
    v1 = (repo / "models/events-churn/versions/1/model.onnx").read_bytes()
    cached = list((repo / ".mlgitops/cache/data").iterdir())
    assert cached and all(len(p.name) == 64 for p in cached)  # remote files cached by digest

    drift = mlgitops("drift", "events-churn", "--json")
    assert drift.code == 0, drift.stderr
    assert drift.json()["status"] == "no-drift"

    # ten new days land in the bucket: charges moved and the labels follow another rule
    upload_days(seaweed_s3, tmp_path / "staging-new", prefix, range(30, 40), shift=1.5)
    drift = mlgitops("drift", "events-churn", "--json")
    assert drift.code == 1, drift.stderr
    report = drift.json()
    assert report["status"] == "drift"
    assert f"s3://{seaweed_s3.bucket}/{prefix}/2026-11-09.parquet" in {
        f["url"] for f in report["current_window"]["files"]
    }

    snap = mlgitops("snapshot", "--json")
    assert snap.code == 0, snap.stderr
    assert snap.json()["datasets"]["events"]["status"] == "changed"
    run = mlgitops("run", "--json")
    assert run.code == 0, run.stderr
    assert run.json()["models"][0]["version"] == 2
    v2 = (repo / "models/events-churn/versions/2/model.onnx").read_bytes()
    assert v2 != v1
    lineage = json.loads((repo / "models/events-churn/versions/2/lineage.json").read_text())
    assert any(f["url"].endswith("/2026-11-06.parquet") for f in lineage["lock_entry"]["files"])

    # the wrong secret in the environment: the store refuses, exit 3, the URL named, no secret
    wrong = {**mlgitops.env, "AWS_SECRET_ACCESS_KEY": f"wrong-{SECRET_MARKER}-0000"}
    refused = mlgitops("snapshot", env=wrong)
    assert refused.code == 3, refused.stderr
    assert f"s3://{seaweed_s3.bucket}/{prefix}/" in refused.stderr
    assert "credentials" in refused.stderr

    for text in mlgitops.outputs:
        for secret in SECRETS:
            assert secret.decode() not in text
    files = [p for p in repo.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"mlops.lock", "lineage.json", "card.md", "evidence.json"} <= names
    assert any(p.parent.name == "drift" for p in files)  # the drift record is searched too
    for path in files:
        data = path.read_bytes()
        for secret in SECRETS:
            assert secret not in data, path
