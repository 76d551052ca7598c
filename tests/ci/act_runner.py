"""Running a compiled workflow with act on this machine, offline, with local stand-in actions."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ci.support import BIN, GitRepo

from mlgitops.ci.actions import PINNED_ACTIONS

STAND_INS = Path(__file__).resolve().parents[1] / "act" / "actions"
ACT_TIMEOUT_SECONDS = 180


def _network_closed() -> list[str]:
    """A prefix running the command in a network namespace without interfaces, where allowed."""
    for prefix in (["unshare", "-n"], ["unshare", "-rn"]):
        try:
            if subprocess.run([*prefix, "true"], capture_output=True, check=False).returncode == 0:
                return prefix
        except FileNotFoundError:
            break
    return []  # no namespaces here: still offline in effect, as every action is local


@dataclass
class ActRun:
    exit_code: int
    records: list[dict[str, Any]] = field(repr=False)
    artifacts: Path

    def _model(self, record: dict[str, Any]) -> str:
        matrix = record.get("matrix") or {}
        return str(matrix.get("model") or record.get("jobID"))

    def step_results(self, step: str) -> dict[str, str]:
        """Result of `step` per matrix model (or job id)."""
        return {
            self._model(r): r["stepResult"]
            for r in self.records
            if r.get("step") == step
            and r.get("stage") == "Main"
            and "stepResult" in r
            and len(r.get("stepID", [])) == 1
        }

    def summaries(self) -> dict[str, str]:
        return {self._model(r): r["content"] for r in self.records if r.get("command") == "summary"}

    def outputs(self, job: str) -> dict[str, str]:
        return {
            r["name"]: r["arg"]
            for r in self.records
            if r.get("command") == "set-output" and r.get("jobID") == job
        }

    def errors(self) -> list[str]:
        return [r["arg"] for r in self.records if r.get("command") == "error"]


def run_act(
    repo: GitRepo,
    event: str,
    payload: dict[str, Any],
    work: Path,
    *,
    workflow: str = "mlgitops-ci.yml",
    env: dict[str, str] | None = None,
    secrets: dict[str, str] | None = None,
    isolate_network: bool = True,
) -> ActRun:
    """Run one workflow of `repo` with act. `isolate_network` runs it in a namespace with no
    network at all; a test that serves a fake GitHub on loopback keeps the host's loopback."""
    work.mkdir(parents=True)
    artifacts = work / "artifacts"
    event_file = work / "event.json"
    event_file.write_text(json.dumps(payload), encoding="utf-8")
    command = [
        *(_network_closed() if isolate_network else []),
        str(BIN / "act"),
        event,
        "-e",
        str(event_file),
        "-W",
        f".github/workflows/{workflow}",
        "-P",
        "ubuntu-latest=-self-hosted",
        "--no-cache-server",
        "--json",
        "--action-cache-path",
        str(work / "act-cache"),
        "--env",
        f"MLGITOPS_ACT_VENV_BIN={BIN}",
        "--env",
        f"MLGITOPS_ACT_ARTIFACTS={artifacts}",
    ]
    for name, value in (env or {}).items():
        command += ["--env", f"{name}={value}"]
    for name, value in (secrets or {}).items():
        command += ["-s", f"{name}={value}"]
    for action in PINNED_ACTIONS:
        command += ["--local-repository", f"{action.uses}={STAND_INS / action.repo.split('/')[1]}"]
    host_env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "ACT"))}
    result = subprocess.run(
        command,
        cwd=repo.root,
        capture_output=True,
        text=True,
        env=host_env,
        timeout=ACT_TIMEOUT_SECONDS,
        check=False,
    )
    (work / "act.log").write_text(result.stdout + result.stderr, encoding="utf-8")
    records = []
    for line in result.stdout.splitlines() + result.stderr.splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return ActRun(result.returncode, records, artifacts)
