"""`mlgitops promote MODEL`: commit the candidate on a branch, open or update its pull request.

The candidate is the one `mlgitops run` left in `.mlgitops/candidates/MODEL/`
(checked again by `mlgitops policy`). It is registered as the next version on
branch `mlgitops/promote/MODEL`, with `production.yaml` pointing at it, and
that branch is pushed to `origin`; then the model's one pull request is opened
or updated, and the candidate's checks are recorded on its head commit.

GitHub settings come from the environment: GITHUB_REPOSITORY (or a github.com
`origin`), GITHUB_API_URL (default https://api.github.com) and a token in
MLGITOPS_GITHUB_TOKEN (a GitHub App's, so the pull request starts workflows)
or GITHUB_TOKEN. `--dry-run` shows the body and the plan; it pushes nothing
and calls no API. Exit status: 0 ok, 1 the candidate failed a check, 2 bad
input, 3 git or GitHub failed.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from rich.text import Text

from ..errors import EXIT_OK, BadInputError
from . import Annotation, Context, Outcome

if TYPE_CHECKING:
    from ..promote import PromotionResult


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "promote",
        parents=[common],
        help="commit the candidate on a branch, open or update its pull request",
    )
    parser.add_argument(
        "model", metavar="MODEL", nargs="?", help="the model whose candidate to promote"
    )
    parser.add_argument(
        "--changed",
        metavar="BASE",
        help="promote every model the change since BASE affects whose candidate passes "
        "(the push to the default branch); the reason names the pushed commit",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the pull request body and what would happen; push nothing, call no API",
    )
    parser.add_argument(
        "--with-snapshot",
        action="store_true",
        help="also commit the mlops.lock entry the candidate was trained on (the drift "
        "workflow's retrain snapshots afresh); without it the lock must be committed",
    )
    parser.set_defaults(
        handler=lambda args, ctx: (
            run_changed(ctx, args.changed, dry_run=args.dry_run)
            if args.changed is not None
            else run(
                ctx,
                _required(args.model),
                dry_run=args.dry_run,
                with_snapshot=args.with_snapshot,
            )
        )
    )


def _required(model: str | None) -> str:
    if not model:
        raise BadInputError("promote needs a MODEL, or --changed BASE")
    return model


def run(ctx: Context, model: str, *, dry_run: bool = False, with_snapshot: bool = False) -> Outcome:
    from ..promote import promote

    result = promote(
        ctx.root, model, ctx.environ, dry_run=dry_run, now=ctx.clock(), with_snapshot=with_snapshot
    )
    return outcome(ctx, result, dry_run=dry_run)


def run_changed(ctx: Context, base: str, *, dry_run: bool = False) -> Outcome:
    """Promotion on merge: each affected model whose candidate passes."""
    from ..promote.on_merge import promote_changed

    merged = promote_changed(ctx.root, base or None, ctx.environ, dry_run=dry_run)
    parts = [outcome(ctx, result, dry_run=dry_run) for result in merged.promoted]
    lines = [f"why: {merged.change.reason()}"]
    lines += [f"skipped {s.model}: {s.why}" for s in merged.skipped]
    if not merged.promoted and not merged.skipped:
        lines.append("the change affects no model: nothing to promote")
    data: dict[str, Any] = {
        "ok": True,
        "reason": merged.change.reason(),
        "commit": merged.change.commit,
        "pull_request": merged.change.pull_request,
        "promoted": [part.data for part in parts],
        "skipped": [vars(s) for s in merged.skipped],
    }
    renderables: list[Any] = [r for part in parts for r in part.renderables]
    renderables.append(Text("\n".join(lines), no_wrap=True))
    summary = "\n".join(
        [
            "## mlgitops promote (on merge)",
            "",
            *(f"- {line}" for line in lines),
            *((part.summary_markdown or "").split("\n", 2)[-1].rstrip() for part in parts),
        ]
    )
    return Outcome(
        EXIT_OK,
        data,
        renderables,
        summary_markdown=summary + "\n",
        annotations=[
            Annotation("warning", f"{s.model} not promoted: {s.why}") for s in merged.skipped
        ],
    )


def outcome(
    ctx: Context, result: PromotionResult, *, dry_run: bool, verb: str = "promote"
) -> Outcome:
    data: dict[str, Any] = {
        "ok": True,
        "model": result.model,
        "action": result.action,
        "version": result.version,
        "registered": result.registered,
        "production_version": result.production_version,
        "branch": result.branch,
        "base_branch": result.base_branch,
        "pull_request": None
        if result.pull_number is None
        else {"number": result.pull_number, "url": result.pull_url},
        "head": result.head,
        "pushed": result.pushed,
        "statuses": [vars(check) for check in result.statuses],
        "title": result.title,
    }
    if dry_run:
        data["body"] = result.body
    lines = _lines(result)
    renderables: list[Any] = [Text("\n".join(lines), no_wrap=True)]
    if dry_run and not ctx.json_output:
        renderables.insert(0, Text(result.body.rstrip("\n") + "\n", no_wrap=True))
    outputs = {"action": result.action, "version": str(result.version)}
    if result.pull_number is not None:
        outputs["pull-request-number"] = str(result.pull_number)
        outputs["pull-request-url"] = result.pull_url or ""
    summary = "\n".join([f"## mlgitops {verb}", "", *(f"- {line}" for line in lines)]) + "\n"
    annotations = []
    if result.unchanged_after_drift:
        data["unchanged_after_drift"] = result.unchanged_after_drift
        data["issue_url"] = result.issue_url
        outputs["unchanged"] = "true"
        annotations.append(Annotation("warning", result.unchanged_after_drift))
    return Outcome(
        EXIT_OK,
        data,
        renderables,
        summary_markdown=summary,
        outputs=outputs,
        annotations=annotations,
    )


def _lines(result: PromotionResult) -> list[str]:
    model, version = result.model, result.version
    where = "registered now" if result.registered == "new" else "already registered"
    if result.action == "already in production":
        lines = [f"{model} version {version} is already in production; nothing to promote"]
        if result.unchanged_after_drift:
            lines.append(f"warning: {result.unchanged_after_drift}")
            if result.issue_url:
                lines.append(f"said so on the drift issue: {result.issue_url}")
        return lines
    if result.action == "dry run":
        production = (
            f"replacing version {result.production_version}"
            if result.production_version is not None
            else "its first production version"
        )
        return [
            f"would commit models/{model}/versions/{version}/ ({where}) and "
            f"models/{model}/production.yaml ({production}) on {result.branch}, "
            f"based on {result.base_branch}",
            f"would push {result.branch} to origin and open or update its pull request",
            "would record the statuses "
            + ", ".join(f"{c.context} ({c.description})" for c in result.statuses),
        ]
    push = "pushed" if result.pushed else "unchanged, not pushed"
    return [
        f"{result.action} pull request #{result.pull_number}: {result.pull_url}",
        f"{model} version {version} ({where}) on {result.branch} ({push}, head {str(result.head)[:12]})",
        f"recorded {len(result.statuses)} statuses on the head commit",
    ]
