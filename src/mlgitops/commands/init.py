"""`mlgitops init`: scaffold a project that validates, trains and compiles as it is.

Writes mlops.yaml, a pipeline file, a policy file, example data, models/ and
the JSON Schemas editors use; and the workflows, when the compiler is
installed. Existing files are never overwritten without --force, and nothing
is written when any would be.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from rich.text import Text

from ..errors import EXIT_OK, BadInputError
from . import Context, Outcome
from .schema import KINDS, SCHEMA_FILES, schema_text


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "init",
        parents=[common],
        help="scaffold mlops.yaml, pipelines/, policies/, models/, data/, schema/",
        description="Create a small mlgitops project in the repository root (-C).",
    )
    parser.add_argument("--force", action="store_true", help="overwrite files that already exist")
    parser.set_defaults(handler=lambda args, ctx: run(ctx, force=args.force))


def run(ctx: Context, *, force: bool = False) -> Outcome:
    from ..atomic import write_text
    from ..scaffold import project_name, scaffold_files

    name = project_name(ctx.root.name)
    files = scaffold_files(name) | {SCHEMA_FILES[kind]: schema_text(kind) for kind in KINDS}
    workflows = compiled_workflows(files)
    files |= workflows
    existing = [path for path in files if (ctx.root / path).exists()]  # mlops.yaml first
    if existing and not force:
        more = (
            f" (and {len(existing) - 1} more of the files init writes)" if len(existing) > 1 else ""
        )
        raise BadInputError(
            f"{existing[0]} already exists{more}; nothing was written",
            hint="run 'mlgitops init --force' to overwrite them",
        )
    for path, text in files.items():
        write_text(ctx.root / path, text)

    lines = [f"created project '{name}': {len(files)} files ({len(existing)} overwritten)"]
    lines += [f"  {path}" for path in sorted(files)]
    if workflows:
        lines.append(
            "workflows are generated from mlops.yaml: run 'mlgitops compile' after every change to it"
        )
    else:
        lines.append("next: 'mlgitops compile' writes the GitHub Actions workflows from mlops.yaml")
    lines.append(
        "then: 'mlgitops validate' checks the spec, 'mlgitops run' trains the example model"
    )
    data = {
        "ok": True,
        "project": name,
        "files": sorted(files),
        "overwritten": sorted(existing),
        "workflows": sorted(workflows),
    }
    # no_wrap: paths and commands must not be broken across lines
    return Outcome(EXIT_OK, data, [Text("\n".join(lines), no_wrap=True)])


def compiled_workflows(files: dict[str, str]) -> dict[str, str]:
    """The workflows the scaffold compiles to (path -> text)."""
    from ..ci import WORKFLOWS_DIR, compile_workflows
    from ..spec import load_project

    # compile from the scaffold as written, in a scratch copy, so nothing lands before every check passed
    with tempfile.TemporaryDirectory(prefix="mlgitops-init-") as scratch:
        root = Path(scratch)
        for path, text in files.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text, encoding="utf-8")
        project = load_project(root, check_estimators=False)
        return {
            f"{WORKFLOWS_DIR}/{name}": text for name, text in compile_workflows(project).items()
        }
