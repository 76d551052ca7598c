"""Compile every rule of every policy file when the project loads (`mlgitops validate`).

A rule that does not parse, names a field the evidence schema lacks, or mixes
types is reported as `policies/x.yaml:LINE:COL: rules[2].rule: message`,
pointing at the column of the mistake, before anything trains.
"""

from __future__ import annotations

import re

from .. import yamlio
from ..errors import Diagnostic
from ..spec.load import Project
from .checker import Problem, check_rule
from .positions import locate, offset_of
from .shapes import rule_roots

_EVALUATOR_ERROR = re.compile(r"<input>:(\d+):(\d+): (.*)")


def policy_check(project: Project) -> list[Diagnostic]:
    """Every problem in every rule of the project's policy files (a `ProjectCheck`)."""
    if not project.policy_files:
        return []  # nothing to check: do not load the evaluator
    from .worker import load_cel

    cel = load_cel()
    out: list[Diagnostic] = []
    for path, policy in project.policy_files.items():
        doc = project.documents[path]
        text = project.path(path).read_text(encoding="utf-8")
        for index, rule in enumerate(policy.rules):
            loc: yamlio.Loc = ("rules", index, "rule")
            problems = check_rule(rule.rule, rule_roots(slice_columns(project, path))).problems
            if not problems:  # the evaluator has the last word on syntax
                problems = _evaluator_problems(cel, rule.rule)
            mark = doc.mark(loc)
            for problem in problems:
                line, col = locate(text, mark.line, mark.col, rule.rule, problem.offset)
                out.append(Diagnostic(path, line, col, yamlio.format_loc(loc), problem.message))
    return out


def slice_columns(project: Project, policy_path: str) -> tuple[str, ...]:
    """Every slice column of the models that list the policy file."""
    columns: list[str] = []
    for model in project.spec.models.values():
        if policy_path in model.policies:
            columns += [c for c in model.evaluation.slices if c not in columns]
    return tuple(columns)


def _evaluator_problems(cel: object, rule: str) -> list[Problem]:
    try:
        cel.compile(rule)  # type: ignore[attr-defined]
    except Exception as exc:  # the evaluator raises ValueError for syntax; be safe with the rest
        match = _EVALUATOR_ERROR.search(str(exc))
        if match is None:
            return [Problem(0, f"the evaluator rejects this rule: {str(exc).splitlines()[0]}")]
        offset = offset_of(rule, int(match.group(1)), int(match.group(2)))
        detail = match.group(3).removeprefix("Syntax error: ")
        return [Problem(offset, f"syntax error: {detail}")]
    return []
