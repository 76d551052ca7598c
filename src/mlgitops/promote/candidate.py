"""The candidate `run` left in `.mlgitops/candidates/<model>/`, checked before it is promoted.

A candidate is promoted only when its run passed and its own evidence agrees:
data valid, every gate passed (or had no baseline), ONNX parity held, the
policy report passed, and `model.onnx` is the file the evidence describes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from ..errors import BadInputError, CheckFailedError
from ..evidence import CandidateEvidence
from ..policy.report import POLICY_FILE, PolicyReport
from ..registry import ARTIFACTS
from ..spec.models import ModelSpec
from ..workspace import RESULT_FILE, candidate_dir, read_candidate_policy, read_run_record


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
    result = read_run_record(root, model)
    if result is None:
        raise BadInputError(f"{shown}/{RESULT_FILE} is missing", hint=run_again)
    if not result.passed:
        stage = result.failed_stage or "an unknown stage"
        problems = result.problems[:5]
        raise CheckFailedError(
            f"{model}: the candidate failed at {stage}; it cannot be promoted"
            + "".join(f"\n  - {p}" for p in problems),
            hint=f"fix the failure and run `mlgitops run {model}` again",
        )
    artifacts = {
        name: (directory / name).read_bytes() for name in ARTIFACTS if (directory / name).is_file()
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
    record = read_candidate_policy(root, model)
    policy = None if record is None else record.to_report()
    if policy is None and spec.policies:
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
