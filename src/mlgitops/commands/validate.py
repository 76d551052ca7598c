"""`mlgitops validate`: check the spec and every file it references."""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import EXIT_OK
from ..spec import load_project
from ..spec.checks import project_checks
from . import Context, Outcome


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "validate", parents=[common], help="check the spec and the files it names"
    )
    parser.set_defaults(handler=lambda args, ctx: run(ctx))


def run(ctx: Context) -> Outcome:
    project = load_project(ctx.root, extra_checks=project_checks())
    spec = project.spec
    files = sorted(project.documents)
    message = (
        f"mlops.yaml is valid: {len(spec.datasets)} dataset(s), {len(spec.models)} model(s), "
        f"{len(files)} file(s) checked"
    )
    return Outcome(
        EXIT_OK,
        {"ok": True, "datasets": list(spec.datasets), "models": list(spec.models), "files": files},
        [message],
    )
