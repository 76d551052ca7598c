"""The broken-spec corpus: every case's `mlgitops validate` stderr against its golden file.

Each directory under tests/spec/broken/ holds the files that differ from the
valid project in tests/spec/fixtures/project/ (copied first, then overlaid).
The expected stderr lives in tests/golden/spec/broken/<case>.txt; regenerate
with MLGITOPS_UPDATE_GOLDEN=1 and review the diff. Cases too large to commit
are built by GENERATED below.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from golden_util import assert_golden

from mlgitops import yamlio
from mlgitops.cli import main

HERE = Path(__file__).parent
FIXTURE = HERE / "fixtures" / "project"
BROKEN = HERE / "broken"


def _enormous(root: Path) -> None:
    spec = (root / "mlops.yaml").read_text(encoding="utf-8")
    padding = "# " + "x" * 98 + "\n"
    (root / "mlops.yaml").write_text(
        spec + padding * (yamlio.MAX_FILE_BYTES // len(padding) + 1), encoding="utf-8"
    )


def _enormous_policy(root: Path) -> None:
    policy = root / "policies" / "production.yaml"
    items = "".join(
        f"  - name: rule-{i}\n    rule: candidate.metrics.roc_auc >= 0.{i % 10}\n"
        for i in range(25_000)
    )
    policy.write_text("policy: production\nrules:\n" + items, encoding="utf-8")


# cases built in code: too large to commit
GENERATED: dict[str, Callable[[Path], None]] = {
    "enormous-file": _enormous,
    "enormous-policy-file": _enormous_policy,
}
CASES = sorted([p.name for p in BROKEN.iterdir() if p.is_dir()] + list(GENERATED))


def build_case(name: str, tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root)
    if name in GENERATED:
        GENERATED[name](root)
    else:
        shutil.copytree(BROKEN / name, root, dirs_exist_ok=True)
    return root


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30


def test_fixture_project_is_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The control: without a case's files, the same project validates."""
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root)
    assert main(["validate", "-C", str(root)], environ={}) == 0
    assert "mlops.yaml is valid" in capsys.readouterr().out


@pytest.mark.parametrize("name", CASES)
def test_broken_spec(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = build_case(name, tmp_path)
    code = main(["validate", "-C", str(root)], environ={})
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert "Traceback" not in captured.err
    assert str(tmp_path) not in captured.err  # files are named relative to the repository
    assert_golden(f"spec/broken/{name}.txt", captured.err)


@pytest.mark.parametrize("name", ["many-errors", "estimator-os-system"])
def test_console_entry_point(name: str, tmp_path: Path) -> None:
    """The installed `mlgitops` script behaves as main() does in-process."""
    root = build_case(name, tmp_path)
    script = Path(sys.executable).parent / "mlgitops"
    result = subprocess.run(
        [str(script), "validate", "-C", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    expected = (
        Path(__file__).parents[1] / "golden" / "spec" / "broken" / f"{name}.txt"
    ).read_text()
    assert result.stderr == expected


def test_json_output_lists_every_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    root = build_case("many-errors", tmp_path)
    assert main(["validate", "--json", "-C", str(root)], environ={}) == 2
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] is False
    assert payload["exit_code"] == 2
    paths = [problem["path"] for problem in payload["problems"]]
    assert "owner" in paths
    assert "models.churn-classifier.dataset" in paths
    assert "models.price-regressor.estimator.params.alpha" in paths


def test_annotations_in_github_actions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = build_case("pipeline-file-bad-param", tmp_path)
    assert main(["validate", "-C", str(root)], environ={"GITHUB_ACTIONS": "true"}) == 2
    out = capsys.readouterr().out
    assert out.startswith(
        "::error file=pipelines/churn.yaml,line=7,col=20::estimator.params.max_iters: "
    )
