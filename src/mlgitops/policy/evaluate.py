"""Evaluate a model's policy files against a candidate's evidence.

Each rule becomes passed, failed, waived or error. A rule that cannot be
evaluated (a missing value, a type error, a timeout, a result that is not
true/false) is an error whatever its severity: it never passes. An active
waiver turns a failure or an error into "waived"; an expired waiver is
itself an error, whether or not the rule now holds.

Rules see every number as a double (`normalise`): the evaluator does not mix
ints and doubles in arithmetic, so `rows * 0.9` would fail on an int.
`validate` rejects the remaining mixes (`rows - 100`) with a "write 100.0".

What the evaluator (common-expression-language 0.10) does, checked before
relying on it: comparisons across int and double work (`size <= 20 * 1024`,
`x == 1.0`); `null == null` is true and `x.field` on null is a TypeError; a
missing map key is a KeyError (so a rule reading a metric the model does not
compute is an error here, never a pass); `exists`, `all`, `in` on lists and
maps work; `a || error` is true when `a` is, as CEL specifies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ..evidence import CandidateEvidence
from ..spec.load import Project
from ..spec.models import PolicyFileSpec, WaiverSpec
from .checker import CheckedRule, check_rule
from .compile import slice_columns
from .report import PolicyReport, RuleResult, Status, WaiverNote
from .sandbox import RULE_TIMEOUT_SECONDS, Evaluation, evaluate_rules
from .shapes import rule_roots
from .values import describe, explain_failure, format_value, referenced_paths


def evaluate_policies(
    project: Project,
    model_name: str,
    candidate: CandidateEvidence,
    production: CandidateEvidence | None,
    today: dt.date,
    *,
    timeout: float = RULE_TIMEOUT_SECONDS,
) -> PolicyReport:
    """Evaluate every rule of every policy file the model lists."""
    variables = rule_variables(project, model_name, candidate, production)
    entries: list[tuple[str, PolicyFileSpec, int, CheckedRule]] = []
    for path in project.model(model_name).policies:
        policy = project.policy_files[path]
        for index, rule in enumerate(policy.rules):
            roots = rule_roots(slice_columns(project, path))
            entries.append((path, policy, index, check_rule(rule.rule, roots)))
    runnable = [checked.source for *_, checked in entries if not checked.problems]
    evaluations = iter(evaluate_rules(variables, runnable, timeout=timeout))
    results = []
    for path, policy, index, checked in entries:
        if checked.problems:  # only when the project was loaded without the policy check
            evaluation = Evaluation(False, kind="InvalidRule", error=checked.problems[0].message)
        else:
            evaluation = next(evaluations)
        status, message, values = _judge(checked, evaluation, variables)
        rule = policy.rules[index]
        waiver = _waiver_for(policy, rule.name, model_name)
        status, message, note = _apply_waiver(status, message, waiver, today, path)
        line = project.documents[path].mark(("rules", index, "rule")).line
        results.append(
            RuleResult(
                policy=policy.policy,
                file=path,
                line=line,
                rule=rule.name,
                severity=rule.severity,
                status=status,
                message=message,
                expression=rule.rule,
                values=values,
                description=rule.description,
                waiver=note,
            )
        )
    return PolicyReport(
        model=model_name,
        evaluated_on=today,
        results=tuple(results),
        version=candidate.version,
        production_version=None if production is None else production.version,
    )


def rule_variables(
    project: Project,
    model_name: str,
    candidate: CandidateEvidence,
    production: CandidateEvidence | None,
) -> dict[str, Any]:
    """What rules read: `candidate`, `production` (or null) and `spec`, numbers as doubles."""
    spec = project.model(model_name).model_dump(by_alias=True, mode="json")
    spec["name"] = model_name
    return {
        "candidate": normalise(candidate.model_dump(mode="json")),
        "production": None if production is None else normalise(production.model_dump(mode="json")),
        "spec": normalise(spec),
    }


def normalise(value: Any) -> Any:
    """Every int becomes a double (bools stay bools), all the way down."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, Mapping):
        return {str(k): normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalise(v) for v in value]
    return value


def _judge(
    checked: CheckedRule, evaluation: Evaluation, variables: Mapping[str, Any]
) -> tuple[Status, str, dict[str, Any]]:
    paths = referenced_paths(checked.tree) if checked.tree is not None else []
    if evaluation.ok and evaluation.type == "bool":
        shown, values = describe(variables, paths)
        verdict: Status = "passed" if evaluation.value is True else "failed"
        return verdict, shown or ("holds" if verdict == "passed" else "does not hold"), values
    if evaluation.ok:
        reason = (
            f"the rule gives {format_value(evaluation.value)} ({evaluation.type}), "
            "not true or false"
        )
    else:
        reason = explain_failure(
            variables, paths, evaluation.kind, evaluation.error
        ) or _evaluator_reason(evaluation)
    shown, values = describe(variables, paths, found_only=True)
    message = f"cannot be evaluated: {reason}"
    return "error", (f"{message}; {shown}" if shown else message), values


def _evaluator_reason(evaluation: Evaluation) -> str:
    text = evaluation.error.strip().splitlines()[0] if evaluation.error.strip() else evaluation.kind
    if evaluation.kind == "KeyError":
        return f"no key {text}"
    # the evaluator's messages run on with advice about int/uint; the first sentence says it
    first = text.split(". ", 1)[0].rstrip(".")
    return first


def _waiver_for(policy: PolicyFileSpec, rule: str, model: str) -> WaiverSpec | None:
    matching = [w for w in policy.waivers if w.rule == rule and w.model == model]
    return max(matching, key=lambda w: w.until) if matching else None


def _apply_waiver(
    status: Status, message: str, waiver: WaiverSpec | None, today: dt.date, path: str
) -> tuple[Status, str, WaiverNote | None]:
    if waiver is None:
        return status, message, None
    expired = waiver.until < today
    note = WaiverNote(until=waiver.until, reason=waiver.reason, expired=expired)
    if expired:
        outcome = {
            "passed": "the rule passes",
            "failed": "the rule fails",
            "error": "the rule cannot be evaluated",
        }.get(status, status)
        return (
            "error",
            (
                f"waiver expired on {waiver.until.isoformat()} ({waiver.reason}); renew or remove "
                f"it in {path} — {outcome}: {message}"
            ),
            note,
        )
    if status in ("failed", "error"):
        return "waived", message, note
    return status, f"{message} (waiver until {waiver.until.isoformat()} not needed)", note
