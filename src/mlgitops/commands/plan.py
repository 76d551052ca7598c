"""`mlgitops plan`: which models a change affects (or which drift checks are due), as a CI matrix.

Prints `{"include": [...]}` for `fromJSON` in a workflow matrix; inside
GitHub Actions it also writes the matrices as step outputs.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.text import Text

from ..errors import EXIT_OK
from ..spec import load_project
from . import Context, Outcome


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "plan", parents=[common], help="which models a change affects, as the CI matrix (JSON)"
    )
    parser.add_argument(
        "--changed",
        metavar="BASE",
        default=None,
        help="only models affected by the changes from commit BASE to HEAD (empty: every model)",
    )
    parser.add_argument(
        "--drift",
        action="store_true",
        help="plan drift checks instead: models with a drift section",
    )
    parser.add_argument(
        "--schedule",
        metavar="CRON",
        default=None,
        help="with --drift: only models on this schedule (empty: no filter)",
    )
    parser.add_argument(
        "--model", default=None, help="with --drift: only this model (empty: no filter)"
    )
    parser.set_defaults(
        handler=lambda args, ctx: run(
            ctx, changed=args.changed, drift=args.drift, schedule=args.schedule, model=args.model
        )
    )


def run(
    ctx: Context,
    *,
    changed: str | None = None,
    drift: bool = False,
    schedule: str | None = None,
    model: str | None = None,
) -> Outcome:
    from ..ci.planning import ci_plan, drift_plan

    project = load_project(ctx.root, check_estimators=False)
    if drift:
        plan = drift_plan(project, schedule or None, model or None)
    else:
        plan = ci_plan(project, changed or None, ctx.today(), ctx.environ)
    matrix = {"include": plan.include}
    data = {**matrix, "has_models": bool(plan.entries), "reasons": plan.reasons}
    return Outcome(
        EXIT_OK,
        data,
        [Text(json.dumps(matrix, separators=(",", ":")), no_wrap=True)],
        summary_markdown=_summary(plan.reasons, drift),
        outputs=plan.outputs(),
    )


def _summary(reasons: dict[str, str], drift: bool) -> str:
    title = "Drift checks planned" if drift else "Models planned"
    if not reasons:
        return f"### {title}\n\nNo model is affected by this change.\n"
    from ..text import md, md_code

    rows = "\n".join(
        f"| {md_code(name, cell=True)} | {md(why, limit=1000)} |" for name, why in reasons.items()
    )
    return f"### {title}\n\n| model | why |\n|---|---|\n{rows}\n"
