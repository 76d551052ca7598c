"""`mlgitops validate`: check the spec and every file it references."""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import EXIT_OK, Diagnostic
from ..spec import SPEC_FILE, Project, load_project
from ..spec.checks import project_checks
from ..spec.references import check_current_paths
from . import Context, Outcome


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "validate", parents=[common], help="check the spec and the files it names"
    )
    parser.set_defaults(handler=lambda args, ctx: run(ctx))


def _current_paths(project: Project) -> list[Diagnostic]:
    return check_current_paths(project.root, project.spec, project.documents[SPEC_FILE])


def run(ctx: Context) -> Outcome:
    project = load_project(ctx.root, extra_checks=[*project_checks(), _current_paths])
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
