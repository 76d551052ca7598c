"""The drift job's script, taken from the compiled workflow and run with bash against the
real `mlgitops drift`: only real drift is handed on to the retrain or issue jobs."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from ci.support import BIN, copy_spec, read_workflow

from mlgitops.ci import compile_workflows
from mlgitops.cli import main
from mlgitops.spec import load_project


def _write(path: Path, rows: int, shift: float, category: str = "a") -> None:
    rng = np.random.default_rng(5)
    x1, x2 = rng.normal(shift, 1, rows), rng.normal(shift, 1, rows)
    y = x1 + 0.8 * rng.normal(0, 1, rows) > shift
    lines = ["x1,x2,c,y"] + [
        f"{x1[i]:.4f},{x2[i]:.4f},{category if i % 2 else 'b'},{str(bool(y[i])).lower()}"
        for i in range(rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = copy_spec("act", tmp_path_factory.mktemp("drift") / "project")
    spec = root / "mlops.yaml"
    spec.write_text(
        spec.read_text()
        .replace(
            "    path: data/main.csv\n", "    path: data/main.csv\n    current: data/current.csv\n"
        )
        .replace(
            "    policies: [policies/basic.yaml]\n",
            "    policies: [policies/basic.yaml]\n    drift: {schedule: '0 6 * * 1'}\n",
        )
    )
    (root / "data").mkdir()
    _write(root / "data" / "main.csv", 400, shift=0.0)
    _write(root / "data" / "other.csv", 400, shift=0.0)
    assert main(["run", "good", "-C", str(root)], environ={}) == 0  # registers v1 with its profile
    drift = read_workflow(
        compile_workflows(load_project(root, check_estimators=False))["mlgitops-drift-model.yml"]
    )
    step = next(s for s in drift["jobs"]["drift"]["steps"] if s.get("id") == "drift")
    return root, step["run"]


@pytest.mark.parametrize(
    ("current", "on_drift", "exit_code", "drifted"),
    [
        ({"shift": 0.0}, "promote", 0, "false"),  # same distribution: nothing to do
        ({"shift": 2.0}, "promote", 0, "true"),  # drift: handed on to retrain (or the issue job)
        ({"shift": 2.0}, "fail", 1, "true"),  # drift fails the job itself
        ({"shift": 0.0, "category": "z"}, "promote", 1, "false"),  # broken data is not drift
    ],
)
def test_drift_step_hands_on_only_real_drift(
    project: tuple[Path, str],
    tmp_path: Path,
    current: dict[str, object],
    on_drift: str,
    exit_code: int,
    drifted: str,
) -> None:
    root, script = project
    _write(root / "data" / "current.csv", 400, **current)  # type: ignore[arg-type]
    outputs = tmp_path / "outputs"
    outputs.touch()
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "MODEL": "good",
        "ON_DRIFT": on_drift,
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
    }
    result = subprocess.run(
        ["bash", "-e", "-c", script], cwd=root, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == exit_code, result.stdout + result.stderr
    assert f"drifted={drifted}" in outputs.read_text().splitlines()
