"""`mlgitops report [MODEL…]`: the review of candidates against production, as Markdown.

Reads each model's candidate from `.mlgitops/candidates/` (what `mlgitops run`
left, or what CI downloaded), the production version from the registry and,
with `--base COMMIT`, the spec at that commit (the affected models and what in
their settings changed). Without MODEL: the affected models with `--base`, else
every model with a candidate.

`--comment` keeps one comment on the pull request (GITHUB_EVENT_PATH, or `--pr N`)
up to date: created, then updated in place. A pull request from a fork, whose
token cannot write, gets the step summary and a notice instead (exit 0).
Exit status: 0 written (a failing candidate is the model job's failure, not the
report's), 2 bad input, 3 GitHub failed.
"""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path
from typing import Any

from rich.text import Text

from ..errors import EXIT_OK, BadInputError
from . import Annotation, Context, Outcome


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "report",
        parents=[common],
        help="the review of candidates against production, as Markdown",
    )
    parser.add_argument("models", nargs="*", metavar="MODEL", help="models to review")
    parser.add_argument(
        "--base",
        metavar="COMMIT",
        help="the commit the change is compared with (affected models, settings diff)",
    )
    parser.add_argument(
        "--comment",
        action="store_true",
        help="create or update the one review comment on the pull request",
    )
    parser.add_argument(
        "--pr", type=int, metavar="N", help="the pull request (default: GITHUB_EVENT_PATH's)"
    )
    parser.set_defaults(
        handler=lambda args, ctx: run(
            ctx, args.models, base=args.base, comment=args.comment, pr=args.pr
        )
    )


def run(
    ctx: Context,
    models: list[str],
    *,
    base: str | None = None,
    comment: bool = False,
    pr: int | None = None,
) -> Outcome:
    from ..ci.affected import affected_models
    from ..promote.promotion import _run_url as run_url
    from ..review.event import read_event
    from ..review.gather import candidate_models, gather
    from ..review.model import Review
    from ..review.render import render
    from ..spec import load_project

    project = load_project(ctx.root, check_estimators=False)
    event = read_event(ctx.environ)
    base = base or None
    reasons: dict[str, str] = {}
    if base is not None:
        reasons = affected_models(project, base).reasons
    names = list(models) or (list(reasons) if base is not None else candidate_models(project))
    reviews = gather(project, names, base=base, reasons=reasons)
    review = Review(
        tuple(reviews),
        base=base,
        head=event.head_sha or _head(ctx.root),
        run_url=run_url(ctx.environ),
    )
    markdown = render(review)
    data: dict[str, Any] = {
        "ok": True,
        "models": [{"model": m.model, "verdict": m.verdict} for m in reviews],
        "chars": len(markdown),
        "comment": None,
    }
    annotations: list[Annotation] = []
    lines = [
        f"reviewed {len(reviews)} model(s): " + ", ".join(f"{m.model} {m.verdict}" for m in reviews)
    ]
    if comment:
        number = pr if pr is not None else event.number
        if number is None:
            raise BadInputError(
                "no pull request to comment on: GITHUB_EVENT_PATH holds no pull request",
                hint="run on a pull_request event, or pass --pr N",
            )
        # a change that affects no model gets no comment, unless an earlier push left one
        note = _comment(
            ctx, number, markdown, from_fork=event.from_fork and pr is None, create=bool(reviews)
        )
        data["comment"] = note
        if note["action"] == "skipped":
            annotations.append(Annotation(note["level"], note["why"]))
            lines.append(note["why"])
        else:
            lines.append(
                f"{note['action']} the review comment on pull request #{number}: {note['url']}"
            )
    renderables: list[Any] = []
    if not ctx.json_output:
        renderables.append(Text(markdown.rstrip("\n") + "\n", no_wrap=True))
    renderables.append(Text("\n".join(lines), no_wrap=True))
    data["markdown"] = markdown
    return Outcome(EXIT_OK, data, renderables, summary_markdown=markdown, annotations=annotations)


def _comment(
    ctx: Context, number: int, markdown: str, *, from_fork: bool, create: bool
) -> dict[str, Any]:
    from ..github import GitHubClient, GitHubError, GitHubSettings
    from ..github.comments import IssueComments
    from ..review.comment import upsert
    from ..review.render import MARKER

    if from_fork:
        return {
            "action": "skipped",
            "level": "notice",
            "why": "a pull request from a fork: its token cannot comment, "
            "so the review is in the step summary",
        }
    client = GitHubClient(GitHubSettings.from_environ(ctx.environ))
    try:
        result = upsert(IssueComments(client), number, markdown, MARKER, create=create)
    except GitHubError as exc:
        if exc.status != 403:
            raise
        return {
            "action": "skipped",
            "level": "warning",
            "why": "the token cannot comment on the pull request (a fork's, or the job lacks "
            "`pull-requests: write`), so the review is in the step summary",
        }
    if result is None:
        return {
            "action": "skipped",
            "level": "notice",
            "why": "the change affects no model: no review comment",
        }
    return {
        "action": result.action,
        "id": result.comment_id,
        "url": result.url,
        "removed_duplicates": list(result.removed),
    }


def _head(root: Path) -> str | None:
    done = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", "HEAD"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or None
