"""`mlgitops init`: scaffold a project that validates, trains and compiles as it is.

Writes mlops.yaml, a pipeline file, a policy file, example data, models/, a
.gitignore for mlgitops' own caches and the JSON Schemas editors use; and the
workflows, when the compiler is installed. With `--from FILE --target COL` the
dataset is the user's file and its columns are inferred (`spec/infer.py`).
Existing files are never overwritten without --force (a .gitignore only gains
its line), and nothing is written when any would be.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text

from ..errors import EXIT_OK, BadInputError

if TYPE_CHECKING:
    from ..spec.infer import InferredDataset
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
    parser.add_argument(
        "--from",
        dest="from_file",
        metavar="FILE",
        type=Path,
        default=None,
        help="infer the dataset's columns from this .csv or .parquet file",
    )
    parser.add_argument(
        "--target", metavar="COL", default=None, help="with --from: the column to predict"
    )
    parser.add_argument(
        "--max-categories",
        type=int,
        default=None,
        metavar="N",
        help="with --from: text with at most N distinct values is a category (default 20)",
    )
    parser.set_defaults(
        handler=lambda args, ctx: run(
            ctx,
            force=args.force,
            from_file=args.from_file,
            target=args.target,
            max_categories=args.max_categories,
        )
    )


def run(
    ctx: Context,
    *,
    force: bool = False,
    from_file: Path | None = None,
    target: str | None = None,
    max_categories: int | None = None,
) -> Outcome:
    from ..atomic import write_text
    from ..scaffold import GITIGNORE, gitignore_text, project_name, scaffold_files

    if (from_file is None) != (target is None):
        raise BadInputError(
            "--from and --target go together",
            hint="run 'mlgitops init --from data/FILE.csv --target COLUMN'",
        )
    if max_categories is not None and (from_file is None or max_categories < 1):
        raise BadInputError("--max-categories takes a number of 1 or more, with --from")
    name = project_name(ctx.root.name)
    guesses: list[str] = []
    if from_file is not None and target is not None:
        files, guesses = _inferred(ctx, name, from_file, target, max_categories)
    else:
        files = scaffold_files(name)
    files |= {SCHEMA_FILES[kind]: schema_text(kind) for kind in KINDS}
    workflows = compiled_workflows(
        files, {} if from_file is None else {_relative_to_root(ctx, from_file): from_file}
    )
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
    ignore_path = ctx.root / GITIGNORE
    ignore = gitignore_text(
        ignore_path.read_text(encoding="utf-8") if ignore_path.is_file() else None
    )
    for path, text in files.items():
        write_text(ctx.root / path, text)
    if ignore is not None:
        write_text(ignore_path, ignore)
        files[GITIGNORE] = ignore

    lines = [f"created project '{name}': {len(files)} files ({len(existing)} overwritten)"]
    lines += [f"  {path}" for path in sorted(files)]
    lines += guesses
    if workflows:
        lines.append(
            "workflows come from mlops.yaml: run 'mlgitops compile' after each change to it"
        )
    else:
        lines.append("next: 'mlgitops compile' writes the GitHub Actions workflows")
    lines.append(
        "then: 'mlgitops validate' checks the spec; 'mlgitops run' trains "
        + ("the model" if guesses else "the example model")
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


def _inferred(
    ctx: Context, project: str, from_file: Path, target: str, max_categories: int | None
) -> tuple[dict[str, str], list[str]]:
    """The files of a project over the user's data file, and what was guessed, as lines."""
    from ..data.read import read_table
    from ..scaffold.inferred import dataset_name, inferred_files
    from ..spec.infer import MAX_CATEGORIES, infer_dataset
    from ..text import suggest

    relative = _relative_to_root(ctx, from_file)
    frame = read_table(from_file.resolve(), str(from_file))
    columns = [str(c) for c in frame.columns]
    if target not in columns:
        raise BadInputError(
            f"--target {target}: {from_file} has no such column" + suggest(target, columns),
            hint=f"its columns are {', '.join(columns[:12])}"
            + (" ..." if len(columns) > 12 else ""),
        )
    inferred = infer_dataset(frame, target, max_categories=max_categories or MAX_CATEGORIES)
    made = inferred_files(project, relative, inferred, dataset=dataset_name(from_file.stem))
    return made.files, _guess_lines(made.dataset, relative, inferred, made.gates)


def _relative_to_root(ctx: Context, from_file: Path) -> str:
    resolved = from_file.resolve()  # relative to the current directory, as a command argument
    if not resolved.is_relative_to(ctx.root.resolve()):
        # the spec names files inside the repository only
        raise BadInputError(
            f"--from {from_file}: the file is outside the repository",
            hint="copy it into the repository (for example into data/) and run again",
        )
    return resolved.relative_to(ctx.root.resolve()).as_posix()


def _guess_lines(
    dataset: str, relative: str, inferred: InferredDataset, gates: dict[str, float]
) -> list[str]:
    """What init guessed, one column a line, in 80 columns."""
    width = min(28, max(len(c.name) for c in inferred.columns) + 2)
    lines = [f"guessed from {relative} ({inferred.rows:,} rows) as dataset '{dataset}':"]
    for column in inferred.columns:
        name = column.name if len(column.name) <= width - 2 else column.name[: width - 3] + "…"
        note = ""
        if column.name == inferred.target:
            note = f"  <- target ({inferred.task})"
            if inferred.positive_class is not None:
                note = f"  <- target; positive: the rarer '{inferred.positive_class}'"
        elif column.name in inferred.ids:
            note = "  <- an id (unique): not a feature"
        line = f"  {name:<{width}}{column.guess()}"
        fits = len(line) + len(note) <= 80
        lines += [line + note] if fits else [line, f"  {'':<{width}}{note.strip()}"]
    lines.append("gates: " + ", ".join(f"{metric} >= {value:g}" for metric, value in gates.items()))
    lines.append(
        "  (accuracy: what always answering the commonest class scores)"
        if "accuracy" in gates
        else "  (r2 above 0: better than always answering the mean)"
    )
    lines.append("check the guesses in mlops.yaml: bounds are widened, types read from values")
    return lines


def compiled_workflows(
    files: dict[str, str], data: dict[str, Path] | None = None
) -> dict[str, str]:
    """The workflows the scaffold compiles to (path -> text)."""
    from ..ci import WORKFLOWS_DIR, compile_workflows
    from ..spec import load_project

    # compile from the scaffold as written, in a scratch copy, so nothing lands before every check passed
    with tempfile.TemporaryDirectory(prefix="mlgitops-init-") as scratch:
        root = Path(scratch)
        for path, text in files.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text, encoding="utf-8")
        for path, source in (data or {}).items():  # the user's data file, which init does not write
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, root / path)
        project = load_project(root, check_estimators=False)
        return {
            f"{WORKFLOWS_DIR}/{name}": text for name, text in compile_workflows(project).items()
        }
