"""`mlgitops history MODEL`: versions newest first — metrics, data, when in production, why.

From the registry (`models/MODEL/versions/`) and `git log` of `production.yaml`.
Exit status: 0 ok, 2 bad input (an unknown model), 3 git failed.
"""

from __future__ import annotations

import argparse
from typing import Any

from rich.table import Table
from rich.text import Text

from ..errors import EXIT_OK
from . import Context, Outcome


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "history",
        parents=[common],
        help="a model's versions, metrics, data, promotions and pull requests, newest first",
    )
    parser.add_argument("model", metavar="MODEL")
    parser.set_defaults(handler=lambda args, ctx: run(ctx, args.model))


def run(ctx: Context, model: str) -> Outcome:
    from ..history import model_history
    from ..spec import load_project

    project = load_project(ctx.root, check_estimators=False)
    spec = project.model(model)  # an unknown name is bad input, with a "did you mean"
    versions = model_history(ctx.root, model, ctx.environ)
    data = {"ok": True, "model": model, "versions": [v.to_json() for v in versions]}
    table = Table(title=Text(f"history: {model}"), title_justify="left")
    table.add_column("v", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for column in ("in production", "PR", "reason", "metrics", "data"):
        table.add_column(column, overflow="fold")
    shown_metrics = list(spec.metrics)[:2]
    for entry in versions:
        periods = "; ".join(
            f"{p.promoted_at[:10]} → {p.retired_at[:10] if p.retired_at else 'now'}"
            for p in entry.periods
        )
        table.add_row(
            Text(str(entry.version)),
            Text(entry.status),
            Text(periods or "–"),
            Text(", ".join(f"#{p.pull_request}" for p in entry.periods if p.pull_request) or "–"),
            Text("; ".join(p.reason for p in entry.periods if p.reason) or "–"),
            Text(
                ", ".join(
                    f"{m} {entry.metrics[m]:.3f}" for m in shown_metrics if m in entry.metrics
                )
                or "–"
            ),
            Text(
                f"{entry.data_rows:,} rows {(entry.data_sha256 or '')[:8]}"
                if entry.data_path and entry.data_rows is not None
                else "–"
            ),
        )
    renderables: list[Any] = [table] if versions else [Text(f"{model} has no versions yet")]
    return Outcome(EXIT_OK, data, renderables)
