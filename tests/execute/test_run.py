"""`mlgitops run` end to end: real data, real scikit-learn, real ONNX, a real registry."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from builders import REPO_ROOT, copy_demo, edit_file, write_sklearn_project

from mlgitops.cli import main
from mlgitops.evidence import CandidateEvidence
from mlgitops.registry import Registry


def run_cli(root: Path, *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    """Run the CLI in a subprocess (fresh interpreter, as a user would) and parse its --json output."""
    env = {**os.environ, "PYTHONHASHSEED": "random"}
    env.pop("GITHUB_ACTIONS", None)
    proc = subprocess.run(
        [sys.executable, "-m", "mlgitops.cli", "-C", str(root), *args, "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout) if proc.stdout.strip() else {}


@pytest.fixture(scope="module")
def newcomer(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, dict]:  # type: ignore[type-arg]
    root = write_sklearn_project(tmp_path_factory.mktemp("newcomer"))
    code, data = run_cli(root, "run")
    return root, code, data


def test_newcomer_spec_runs_multiclass_and_regression(newcomer: tuple[Path, int, dict]) -> None:  # type: ignore[type-arg]
    root, code, data = newcomer
    assert code == 0, data
    results = {m["model"]: m for m in data["models"]}
    assert set(results) == {"iris-species", "diabetes-progression"}
    assert results["iris-species"]["metrics"]["accuracy"] >= 0.85
    assert results["diabetes-progression"]["metrics"]["r2"] >= 0.2
    registry = Registry(root)
    for model in results:
        ref = registry.latest(model)
        assert ref is not None and ref.version == 1
        digests = registry.verify(ref)
        assert {
            "model.onnx",
            "metrics.json",
            "evidence.json",
            "lineage.json",
            "profile.json",
            "card.md",
        } <= set(digests)
        evidence = CandidateEvidence.model_validate(registry.read_json(ref, "evidence.json"))
        assert evidence.onnx.passed and evidence.onnx.rows_checked > 0
        assert evidence.lineage.cache_key
    iris = registry.evidence(registry.ref("iris-species", 1))
    assert iris.training.classes == ["setosa", "versicolor", "virginica"]
    assert iris.onnx.label_agreement == 1.0
    # a change gate with no production version is reported as such, never as passed
    gates = {
        (g["metric"], g["bound"]): g["status"] for g in results["diabetes-progression"]["gates"]
    }
    assert gates[("r2", "max_drop")] == "no baseline"
    assert gates[("r2", "min")] == "passed"


def test_unchanged_rerun_is_cached_and_registers_nothing(newcomer: tuple[Path, int, dict]) -> None:  # type: ignore[type-arg]
    root, _, _ = newcomer
    code, data = run_cli(root, "run")
    assert code == 0, data
    for model in data["models"]:
        statuses = {s["name"]: s["status"] for s in model["stages"]}
        assert set(statuses.values()) <= {"cached", "skipped"}, statuses
        assert model["registered"] == "existing" and model["version"] == 1
    assert Registry(root).versions("iris-species") == [1]


def test_changed_param_retrains_and_registers_a_new_version(tmp_path: Path) -> None:
    root = write_sklearn_project(tmp_path)
    assert run_cli(root, "run", "iris-species")[0] == 0
    pipeline = root / "pipelines/iris.yaml"
    pipeline.write_text(pipeline.read_text().replace("C: 2.0", "C: 0.5"))
    code, data = run_cli(root, "run", "iris-species")
    assert code == 0
    stages = {s["name"]: s["status"] for s in data["models"][0]["stages"]}
    assert stages["validate-data"] == "cached" and stages["train"] == "ran"
    assert data["models"][0]["registered"] == "new"
    assert Registry(root).versions("iris-species") == [1, 2]


def test_failing_gate_exits_1_and_registers_nothing(tmp_path: Path) -> None:
    root = write_sklearn_project(tmp_path)
    spec = root / "mlops.yaml"
    spec.write_text(spec.read_text().replace("accuracy: {min: 0.85}", "accuracy: {min: 0.999}"))
    code, data = run_cli(root, "run", "iris-species")
    assert code == 1
    result = data["models"][0]
    assert result["failed_stage"] == "test"
    assert any("accuracy" in problem and "0.999" in problem for problem in result["problems"])
    assert not (root / "models").exists() or Registry(root).versions("iris-species") == []


def test_broken_data_exits_1_naming_the_column(tmp_path: Path) -> None:
    root = write_sklearn_project(tmp_path)
    csv = root / "data/iris.csv"
    lines = csv.read_text().splitlines()
    lines[5] = "-1.0," + lines[5].split(",", 1)[1]
    csv.write_text("\n".join(lines) + "\n")
    code, data = run_cli(root, "run", "iris-species")
    assert code == 1
    result = data["models"][0]
    assert result["failed_stage"] == "validate-data"
    assert any("sepal_length" in problem for problem in result["problems"])
    assert Registry(root).versions("iris-species") == []


def test_two_clean_clones_give_identical_onnx(tmp_path: Path) -> None:
    digests = []
    for name in ("a", "b"):
        root = write_sklearn_project(tmp_path / name)
        code, data = run_cli(root, "run", "--no-register")
        assert code == 0, data
        digests.append({m["model"]: m["onnx"]["sha256"] for m in data["models"]})
    assert digests[0] == digests[1]


def test_demo_end_to_end(tmp_path: Path) -> None:
    root = copy_demo(tmp_path / "demo")
    code, data = run_cli(root, "run")
    assert code == 0, json.dumps(data, indent=2)[:4000]
    assert {m["model"] for m in data["models"]} == {
        "churn-classifier",
        "house-price",
        "penguin-species",
        "events-churn",
    }
    assert all(m["passed"] and m["registered"] == "new" for m in data["models"])
    churn = Registry(root).evidence(Registry(root).ref("churn-classifier", 1))
    assert "customer_id" not in churn.features and "total_charges" in churn.features
    # the human-readable summary, in-process
    code = main(["-C", str(root), "run"])
    assert code == 0


def test_demo_data_is_current() -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO_ROOT / "data/generate.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert shutil.which("git")


def _add_policy(root: Path, waiver: str = "") -> None:
    (root / "policies").mkdir(exist_ok=True)
    (root / "policies/strict.yaml").write_text(
        "policy: strict\n"
        "rules:\n"
        "  - name: near-perfect\n"
        "    rule: candidate.metrics.accuracy >= 0.9999\n"
        "  - name: small-model\n"
        "    rule: candidate.onnx.size_bytes <= 10 * 1024 * 1024\n" + waiver
    )
    spec = root / "mlops.yaml"
    spec.write_text(
        spec.read_text().replace(
            "      accuracy: {min: 0.85}\n",
            "      accuracy: {min: 0.85}\n    policies: [policies/strict.yaml]\n",
            1,
        )
    )


def test_failing_policy_blocks_registration_and_keeps_the_candidate(tmp_path: Path) -> None:
    root = write_sklearn_project(tmp_path)
    _add_policy(root)
    code, data = run_cli(root, "run", "iris-species")
    assert code == 1
    result = data["models"][0]
    assert result["failed_stage"] == "policy"
    assert any("near-perfect" in p for p in result["problems"])
    assert Registry(root).versions("iris-species") == []
    candidate = root / ".mlgitops/candidates/iris-species"
    assert (candidate / "evidence.json").is_file() and (candidate / "policy.json").is_file()
    # the policy verb re-evaluates that candidate and agrees
    code, report = run_cli(root, "policy", "iris-species")
    assert code == 1 and report["passed"] is False


def test_waived_policy_failure_registers_and_says_waived(tmp_path: Path) -> None:
    root = write_sklearn_project(tmp_path)
    waiver = (
        "waivers:\n  - rule: near-perfect\n    model: iris-species\n    until: 2999-12-31\n"
        "    reason: small demo data\n"
    )
    _add_policy(root, waiver)
    code, data = run_cli(root, "run", "iris-species")
    assert code == 0, data
    statuses = {r["rule"]: r["status"] for r in data["models"][0]["policy"]["results"]}
    assert statuses == {"near-perfect": "waived", "small-model": "passed"}
    ref = Registry(root).latest("iris-species")
    assert ref is not None
    assert "waived" in (ref.path / "card.md").read_text()


def test_expired_waiver_fails(tmp_path: Path) -> None:
    root = write_sklearn_project(tmp_path)
    waiver = (
        "waivers:\n  - rule: near-perfect\n    model: iris-species\n    until: 2020-01-31\n"
        "    reason: long gone\n"
    )
    _add_policy(root, waiver)
    code, data = run_cli(root, "run", "iris-species")
    assert code == 1
    assert data["models"][0]["failed_stage"] == "policy"
    assert Registry(root).versions("iris-species") == []


def test_retraining_after_drift_records_the_drift_as_evidence(tmp_path: Path) -> None:
    import pandas as pd

    root = copy_demo(tmp_path / "demo")
    shutil.copytree(REPO_ROOT / "models", root / "models")
    current = pd.read_csv(root / "data/churn_current.csv")
    current["monthly_charges"] = (current["monthly_charges"] * 1.6).round(2)
    current["tenure_months"] = current["tenure_months"] + 24
    current["total_charges"] = (current["total_charges"] * 2.5).round(2)
    # the dataset's own current data: an ad-hoc `--current` check is not what a retrain reads
    current.to_csv(root / "data/churn_current.csv", index=False)
    code, drift = run_cli(root, "drift", "churn-classifier")
    assert code == 1 and drift["status"] == "drift"
    drifted = (
        set(drift["drifted_features"])
        if "drifted_features" in drift
        else {f["feature"] for f in drift["features"] if f["drifted"]}
    )
    assert {"monthly_charges", "tenure_months", "total_charges"} <= drifted

    code, data = run_cli(root, "run", "churn-classifier", "--no-register")
    assert code == 0, data
    evidence = json.loads(
        (root / ".mlgitops/candidates/churn-classifier/evidence.json").read_text()
    )
    assert evidence["drift"]["dataset_drifted"] is True
    assert set(evidence["drift"]["drifted_features"]) == drifted


def test_labels_reviewers_gates_and_policies_never_retrain_or_register_again(
    tmp_path: Path,
) -> None:
    root = write_sklearn_project(tmp_path)
    (root / "policies").mkdir()
    (root / "policies/size.yaml").write_text(
        "policy: size\nrules:\n  - name: small\n    rule: candidate.onnx.size_bytes <= 10 * 1024 * 1024\n"
    )
    edit_file(
        root,
        "mlops.yaml",
        "      accuracy: {min: 0.85}\n",
        "      accuracy: {min: 0.85}\n    policies: [policies/size.yaml]\n",
    )
    code, data = run_cli(root, "run", "iris-species")
    assert code == 0, data
    assert data["models"][0]["registered"] == "new"
    changes = [
        (
            "labels",
            "mlops.yaml",
            "    policies: [policies/size.yaml]\n",
            "    policies: [policies/size.yaml]\n    promotion: {labels: [ml]}\n",
        ),
        (
            "reviewers",
            "mlops.yaml",
            "promotion: {labels: [ml]}",
            "promotion: {labels: [ml], reviewers: [ada]}",
        ),
        ("gate bound", "mlops.yaml", "accuracy: {min: 0.85}", "accuracy: {min: 0.8}"),
        ("policy", "policies/size.yaml", "10 * 1024 * 1024", "20 * 1024 * 1024"),
    ]
    for what, path, old, new in changes:
        edit_file(root, path, old, new)
        code, data = run_cli(root, "run", "iris-species")
        assert code == 0, (what, data)
        model = data["models"][0]
        stages = {s["name"]: s["status"] for s in model["stages"]}
        assert stages["train"] == "cached" and stages["convert"] == "cached", (what, stages)
        assert stages["register"] == "cached", (what, stages)
        assert model["registered"] == "existing" and model["version"] == 1, what
        assert Registry(root).versions("iris-species") == [1], what
    # the gate change re-evaluated the gates, the policy change the policies
    assert stages["policy"] == "ran"


def test_a_refused_candidate_registers_once_when_its_gate_is_relaxed(tmp_path: Path) -> None:
    root = write_sklearn_project(tmp_path)
    edit_file(root, "mlops.yaml", "accuracy: {min: 0.85}", "accuracy: {min: 0.999}")
    assert run_cli(root, "run", "iris-species")[0] == 1
    edit_file(root, "mlops.yaml", "accuracy: {min: 0.999}", "accuracy: {min: 0.9}")
    code, data = run_cli(root, "run", "iris-species")
    assert code == 0, data
    # the refused candidate never reached convert, so it is trained again (a fitted
    # pipeline is never cached), and registered once
    assert data["models"][0]["registered"] == "new"
    edit_file(root, "mlops.yaml", "accuracy: {min: 0.9}", "accuracy: {min: 0.85}")
    code, data = run_cli(root, "run", "iris-species")
    stages = {s["name"]: s["status"] for s in data["models"][0]["stages"]}
    assert stages["train"] == "cached" and stages["test"] == "ran"
    assert code == 0 and data["models"][0]["registered"] == "existing"
    assert Registry(root).versions("iris-species") == [1]


def test_dry_run_and_status_agree_with_the_run_on_what_is_cached(tmp_path: Path) -> None:
    root = write_sklearn_project(tmp_path)
    code, plan = run_cli(root, "run", "--dry", "iris-species")
    assert code == 0 and not any(row["cached"] for row in plan["plan"])
    assert run_cli(root, "run", "iris-species")[0] == 0
    code, plan = run_cli(root, "run", "--dry", "iris-species")
    cached = {row["stage"]: row["cached"] for row in plan["plan"]}
    # iris lists no policy files: that stage is skipped, never cached
    assert cached == {
        "validate-data": True,
        "tune": False,  # iris declares no tuning: skipped, never cached
        "train": True,
        "convert": True,
        "evaluate": True,
        "test": True,
        "policy": False,
        "register": True,
    }
    code, status = run_cli(root, "status")
    rows = {row["model"]: row for row in status["models"]}
    assert rows["iris-species"]["trained"] is True and rows["iris-species"]["last_run"] == "passed"
    assert rows["diabetes-progression"]["trained"] is False
    edit_file(root, "pipelines/iris.yaml", "C: 2.0", "C: 0.5")
    code, status = run_cli(root, "status")
    rows = {row["model"]: row for row in status["models"]}
    assert rows["iris-species"]["trained"] is False
    assert rows["iris-species"]["last_run"] == "passed, stale"


def test_a_run_record_from_another_version_is_refused_by_name(tmp_path: Path) -> None:
    root = write_sklearn_project(tmp_path)
    assert run_cli(root, "run", "iris-species")[0] == 0
    result = root / ".mlgitops/candidates/iris-species/result.json"
    data = json.loads(result.read_text())
    data["format_version"] = 99
    result.write_text(json.dumps(data))
    code, out = run_cli(root, "status")
    assert code == 2
    assert "result.json was written by another version of mlgitops" in out["error"]
    assert "mlgitops run iris-species" in out["hint"]
