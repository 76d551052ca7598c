"""The candidate `run` left in `.mlgitops/candidates/<model>/`, checked before it is promoted.

A candidate is promoted only when its run passed and its own evidence agrees:
data valid, every gate passed (or had no baseline), ONNX parity held, the
policy report passed, and `model.onnx` is the file the evidence describes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import BadInputError, CheckFailedError
from ..evidence import CandidateEvidence
from ..policy.report import POLICY_FILE, PolicyReport
from ..registry import is_artifact
from ..spec.models import ModelSpec
from ..workspace import candidate_dir

RESULT_FILE = "result.json"


@dataclass(frozen=True)
class Candidate:
    model: str
    directory: Path
    evidence: CandidateEvidence
    policy: PolicyReport | None
    artifacts: dict[str, bytes]  # what a registered version holds, by file name

    @property
    def cache_key(self) -> str:
        return self.evidence.lineage.cache_key


def load_candidate(root: Path, model: str, spec: ModelSpec) -> Candidate:
    """Read and check the workspace candidate; CheckFailedError (exit 1) when it must not ship."""
    directory = candidate_dir(root, model)
    shown = directory.relative_to(root).as_posix()
    run_again = f"run `mlgitops run {model}` to make a candidate"
    if not directory.is_dir():
        raise BadInputError(f"{model} has no candidate in {shown}", hint=run_again)
    result = _json(directory / RESULT_FILE, root, run_again)
    if not result.get("passed"):
        stage = result.get("failed_stage") or "an unknown stage"
        problems = [str(p) for p in result.get("problems") or []][:5]
        raise CheckFailedError(
            f"{model}: the candidate failed at {stage}; it cannot be promoted"
            + "".join(f"\n  - {p}" for p in problems),
            hint=f"fix the failure and run `mlgitops run {model}` again",
        )
    artifacts = {
        path.name: path.read_bytes()
        for path in sorted(directory.iterdir())
        if is_artifact(path.name) and path.is_file()
    }
    for required in ("model.onnx", "evidence.json", "lineage.json"):
        if required not in artifacts:
            raise BadInputError(f"{shown}/{required} is missing", hint=run_again)
    try:
        evidence = CandidateEvidence.model_validate_json(artifacts["evidence.json"])
    except ValidationError as exc:
        raise BadInputError(
            f"{shown}/evidence.json does not match the evidence schema: {exc.errors()[0]['msg']}",
            hint=run_again,
        ) from None
    if evidence.model != model:
        raise BadInputError(
            f"{shown}/evidence.json is for model {evidence.model!r}", hint=run_again
        )
    policy = None
    if POLICY_FILE in artifacts:
        policy = PolicyReport.from_json(_json(directory / POLICY_FILE, root, run_again))
    elif spec.policies:
        raise BadInputError(
            f"{shown}/{POLICY_FILE} is missing but the model lists policy files",
            hint=f"run `mlgitops policy {model}` first",
        )
    problems = _evidence_problems(evidence, policy, artifacts["model.onnx"])
    if problems:
        raise CheckFailedError(
            f"{model}: the candidate cannot be promoted:" + "".join(f"\n  - {p}" for p in problems),
            hint=f"run `mlgitops run {model}` and `mlgitops policy {model}` to see why",
        )
    return Candidate(model, directory, evidence, policy, artifacts)


def _evidence_problems(
    evidence: CandidateEvidence, policy: PolicyReport | None, onnx: bytes
) -> list[str]:
    problems = []
    if not evidence.data.passed:
        problems.append("its training data failed validation")
    problems += [f"gate failed: {g.message}" for g in evidence.gates if g.status == "failed"]
    if not evidence.onnx.passed:
        problems.append(
            f"ONNX parity failed (max |diff| {evidence.onnx.max_abs_diff:.2e} "
            f"> {evidence.onnx.tolerance:g})"
        )
    if hashlib.sha256(onnx).hexdigest() != evidence.onnx.sha256:
        problems.append("model.onnx is not the model its evidence describes (sha256 differs)")
    if policy is not None:
        problems += [
            f"policy {r.policy}, rule {r.rule}: {r.label()}: {r.message}" for r in policy.blocking()
        ]
    return problems


def _json(path: Path, root: Path, hint: str) -> dict[str, Any]:
    shown = path.relative_to(root).as_posix()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInputError(f"{shown} is missing", hint=hint) from None
    except (OSError, ValueError) as exc:
        raise BadInputError(f"{shown} cannot be read: {exc}", hint=hint) from None
    if not isinstance(data, dict):
        raise BadInputError(f"{shown} is not a JSON object", hint=hint)
    return data
