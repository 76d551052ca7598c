"""`mlgitops policy MODEL`: evaluate the model's policy files against a candidate's evidence.

The candidate is the last `mlgitops run` left in the workspace, or with
`--version N` a registered version. Exit 1 when an error rule fails, a rule
cannot be evaluated or a waiver has expired; warnings only report.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from rich.text import Text

from .. import workspace
from ..errors import EXIT_CHECK_FAILED, EXIT_OK, BadInputError
from ..evidence import CandidateEvidence
from ..registry import Registry
from ..spec import load_project
from . import Annotation, Context, Outcome


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "policy", parents=[common], help="evaluate policy files against a candidate's evidence"
    )
    parser.add_argument("model", metavar="MODEL", help="the model whose candidate to check")
    parser.add_argument(
        "--version",
        type=int,
        default=None,
        metavar="N",
        help="check registered version N instead of the last run's candidate",
    )
    parser.add_argument("--markdown", action="store_true", help="print the report as Markdown")
    parser.set_defaults(
        handler=lambda args, ctx: run(ctx, args.model, args.version, markdown=args.markdown)
    )


def run(
    ctx: Context,
    model: str,
    version: int | None,
    *,
    markdown: bool = False,
    today: dt.date | None = None,
) -> Outcome:
    from ..policy.compile import policy_check
    from ..policy.evaluate import evaluate_policies
    from ..policy.report import PolicyRecord

    # estimators are not needed to judge evidence; skipping them avoids importing scikit-learn
    project = load_project(ctx.root, check_estimators=False, extra_checks=[policy_check])
    project.model(model)  # an unknown model is bad input, with a "did you mean"
    registry = Registry(ctx.root)
    if version is None:
        candidate = _workspace_candidate(ctx.root, model)
    else:
        candidate = registry.evidence(registry.ref(model, version))
    production_ref = registry.production_ref(model)
    production = None if production_ref is None else registry.evidence(production_ref)
    report = evaluate_policies(
        project, model, candidate, production, today or dt.datetime.now(dt.UTC).date()
    )
    if version is None:  # stored with the candidate; registered versions are never rewritten
        workspace.write_candidate_policy(ctx.root, model, PolicyRecord.of(report))
    annotations = [
        Annotation(
            "error" if result.blocking else "warning",
            f"policy {result.policy}, rule {result.rule}: {result.label()}: {result.message}",
            result.file,
            result.line,
        )
        for result in report.results
        if result.blocking or result.status == "failed"
    ]
    text = report.to_markdown()
    return Outcome(
        exit_code=EXIT_OK if report.passed else EXIT_CHECK_FAILED,
        data=report.to_json(),
        renderables=[Text(text.rstrip("\n"), no_wrap=True)]
        if markdown
        else [report.to_table(), Text(report.headline())],
        summary_markdown=text,
        annotations=annotations,
        outputs={"passed": "true" if report.passed else "false"},
    )


def _workspace_candidate(root: Path, model: str) -> CandidateEvidence:
    candidate = workspace.load_candidate_evidence(root, model)
    if candidate is None:
        raise BadInputError(
            f"{model} has no candidate yet", hint=f"run `mlgitops run {model}` first"
        )
    return candidate
