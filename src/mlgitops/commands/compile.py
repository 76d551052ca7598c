"""`mlgitops compile [--check]`: write `.github/workflows/` from mlops.yaml, or check it is current."""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import EXIT_CHECK_FAILED, EXIT_OK
from ..spec import load_project
from . import Annotation, Context, Outcome


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "compile",
        parents=[common],
        help="write the GitHub Actions workflows compiled from mlops.yaml",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 with a diff when the committed workflows are stale",
    )
    parser.set_defaults(handler=lambda args, ctx: run(ctx, check=args.check))


def run(ctx: Context, *, check: bool = False) -> Outcome:
    from ..ci import compile_workflows
    from ..ci.sync import apply_changes, workflow_changes

    # Compiling needs the spec's shape, not scikit-learn: skip the estimator checks to start fast.
    project = load_project(ctx.root, check_estimators=False, read_data_headers=False)
    compiled = compile_workflows(project)
    changes = workflow_changes(ctx.root, compiled)
    files = [{"path": c.path, "action": c.action, "diff": c.diff} for c in changes]
    if check:
        if not changes:
            return Outcome(
                EXIT_OK,
                {"ok": True, "stale": [], "workflows": sorted(compiled)},
                [f"workflows are current ({len(compiled)} generated from mlops.yaml)"],
            )
        from rich.text import Text

        renderables: list[Any] = [
            Text(change.diff.rstrip("\n"), no_wrap=True) for change in changes
        ]
        renderables.append(
            f"{len(changes)} workflow file(s) are stale; run `mlgitops compile` and commit the result"
        )
        annotations = [
            Annotation(
                "error",
                f"{c.path} is stale ({c.action}); run `mlgitops compile` and commit the result",
                c.path,
                c.first_line,
            )
            for c in changes
        ]
        return Outcome(
            EXIT_CHECK_FAILED,
            {"ok": False, "stale": files, "workflows": sorted(compiled)},
            renderables,
            annotations=annotations,
        )
    apply_changes(ctx.root, changes)
    lines: list[Any] = [f"{c.action}d {c.path}" for c in changes]
    lines.append(f"{len(compiled)} workflow(s) compiled from mlops.yaml, {len(changes)} changed")
    return Outcome(EXIT_OK, {"ok": True, "changed": files, "workflows": sorted(compiled)}, lines)
