"""`mlgitops predict MODEL FILE`: score a file with the production ONNX model."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text

from ..errors import EXIT_OK, BadInputError, CheckFailedError
from ..registry import Registry
from ..spec import load_project
from . import Context, Outcome

PREVIEW_ROWS = 10
BATCH_ROWS = 100_000  # rows scored at a time: bounds memory on files of any size


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "predict", parents=[common], help="score a file with the production model"
    )
    parser.add_argument("model", metavar="MODEL")
    parser.add_argument(
        "file", metavar="FILE", type=Path, help="a .csv or .parquet file with the feature columns"
    )
    parser.add_argument(
        "--output", "-o", type=Path, default=None, help="write predictions here (.csv or .parquet)"
    )
    parser.add_argument(
        "--version", type=int, default=None, help="score with this registered version instead"
    )
    parser.add_argument(
        "--keep",
        action="append",
        default=[],
        metavar="COL",
        help="copy this column (an id) of FILE beside the predictions; repeat for more",
    )
    parser.set_defaults(
        handler=lambda args, ctx: run(
            ctx, args.model, args.file, output=args.output, version=args.version, keep=args.keep
        )
    )


def run(
    ctx: Context,
    model_name: str,
    file: Path,
    *,
    output: Path | None = None,
    version: int | None = None,
    keep: list[str] | None = None,
    batch_rows: int = BATCH_ROWS,
) -> Outcome:
    if output is not None and output.suffix.lower() not in (".csv", ".parquet"):
        raise BadInputError(f"--output {output}: use a .csv or .parquet file name")
    project = load_project(ctx.root, check_estimators=False)
    model = project.model(model_name)
    dataset = project.spec.datasets[model.dataset]
    registry = Registry(ctx.root)
    if version is None:
        pointer = registry.production(model_name)
        if pointer is None:
            raise BadInputError(
                f"{model_name} has no production version (models/{model_name}/production.yaml)",
                hint="promote a version first, or pass --version N to score a registered one",
            )
        ref, _ = registry.verify_production(model_name, pointer)
        onnx_bytes = registry.read_artifact(ref, "model.onnx")
    else:
        ref = registry.ref(model_name, version)
        onnx_bytes = registry.read_artifact(ref, "model.onnx")
    features = registry.evidence(ref).features

    from ..data.read import check_file, checked_suffix
    from ..data.stream import iter_file
    from ..onnx.safety import registry_source
    from ..onnx.score import OnnxScorer
    from ..onnx.score_file import score_batches

    display = str(file)
    path = file if file.is_absolute() else Path.cwd() / file
    if not path.exists():
        raise BadInputError(
            f"{display}: file not found", hint="give the path of a .csv or .parquet file"
        )
    checked_suffix(path, display)
    check_file(path, display)
    feature_spec = dataset.model_copy(
        update={"columns": {name: dataset.columns[name] for name in features}}
    )
    scorer = OnnxScorer(onnx_bytes, source=registry_source(model_name, ref.version))
    # Streamed: memory holds one batch of the file, whatever its size.
    result = score_batches(
        scorer,
        iter_file(path, display, batch_rows),
        feature_spec,
        keep=keep or [],
        classes=registry.evidence(ref).training.classes,
        output=None if output is None else output if output.is_absolute() else Path.cwd() / output,
        head_rows=PREVIEW_ROWS,
    )
    report = result.report
    if report is not None and not report.passed:
        lines = [
            f"  {f.column}: {f.check}"
            + (f" on {f.failing_rows:,} rows" if f.failing_rows else "")
            + (
                f" (e.g. {report.location(f.examples[0].row)}: {f.examples[0].value!r})"
                if f.examples
                else ""
            )
            for f in report.failures
        ]
        raise CheckFailedError(
            f"{display} does not fit the features of {model_name} v{ref.version}:\n"
            + "\n".join(lines),
            hint=f"the model needs the columns {', '.join(features)}, typed as in mlops.yaml",
        )
    scored = result.head
    shown = min(PREVIEW_ROWS, result.rows)
    headline = (
        f"{model_name} v{ref.version}: {result.rows:,} rows scored"
        + (f" → {output}" if output else "")
        + (f"; the first {shown} shown" if shown < result.rows else "")
    )
    preview = Table(
        caption=None if output or shown == result.rows else "--output FILE writes every row"
    )
    for column in scored.columns:
        preview.add_column(Text(str(column)))  # names and values are data: never markup
    for row in scored.head(PREVIEW_ROWS).itertuples(index=False):
        preview.add_row(*[Text(f"{v:.4f}" if isinstance(v, float) else str(v)) for v in row])
    data = {
        "ok": True,
        "model": model_name,
        "version": ref.version,
        "rows": result.rows,
        "output": str(output) if output else None,
        "predictions": (
            result.every_row.to_dict(orient="records") if result.every_row is not None else None
        ),
    }
    return Outcome(EXIT_OK, data, [Text(headline), preview])
