"""`mlgitops predict MODEL FILE`: score a file with the production ONNX model."""

from __future__ import annotations

import argparse
import io
from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text

from ..errors import EXIT_OK, BadInputError, CheckFailedError
from ..registry import Registry
from ..spec import load_project
from . import Context, Outcome

PREVIEW_ROWS = 10


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

    from ..data.read import read_table
    from ..data.validate import coerce_frame, validate_frame
    from ..onnx.safety import registry_source
    from ..onnx.score import OnnxScorer

    display = str(file)
    path = file if file.is_absolute() else Path.cwd() / file
    if not path.is_file():
        raise BadInputError(
            f"{display}: file not found", hint="give the path of a .csv or .parquet file"
        )
    frame = read_table(path, display)
    kept = _kept_columns(frame, keep or [], display)
    # Scoring files may carry more columns (ids, the target): only the features are checked and used.
    frame = frame[[name for name in frame.columns if name in features]]
    feature_spec = dataset.model_copy(
        update={"columns": {name: dataset.columns[name] for name in features}}
    )
    report = validate_frame(frame, feature_spec, file=display, dataset_checks=False)
    if not report.passed:
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
    coerced = coerce_frame(frame, feature_spec)
    scorer = OnnxScorer(onnx_bytes, source=registry_source(model_name, ref.version))
    labels, proba = scorer.predict(coerced)
    import pandas as pd

    scored = pd.DataFrame({"prediction": labels})
    if not kept.empty:
        scored = pd.concat([kept.reset_index(drop=True), scored], axis=1)
    classes = registry.evidence(ref).training.classes
    if proba is not None:
        for index, name in enumerate(classes or range(proba.shape[1])):
            scored[f"proba_{name}"] = proba[:, index]
    if output is not None:
        _write(scored, output if output.is_absolute() else Path.cwd() / output)
    shown = min(PREVIEW_ROWS, len(scored))
    headline = (
        f"{model_name} v{ref.version}: {len(scored):,} rows scored"
        + (f" → {output}" if output else "")
        + (f"; the first {shown} shown" if shown < len(scored) else "")
    )
    preview = Table(
        caption=None if output or shown == len(scored) else "--output FILE writes every row"
    )
    for column in scored.columns:
        preview.add_column(Text(str(column)))  # names and values are data: never markup
    for row in scored.head(PREVIEW_ROWS).itertuples(index=False):
        preview.add_row(*[Text(f"{v:.4f}" if isinstance(v, float) else str(v)) for v in row])
    data = {
        "ok": True,
        "model": model_name,
        "version": ref.version,
        "rows": len(scored),
        "output": str(output) if output else None,
        "predictions": scored.to_dict(orient="records") if output is None else None,
    }
    return Outcome(EXIT_OK, data, [Text(headline), preview])


def _kept_columns(frame: Any, keep: list[str], display: str) -> Any:
    """The columns to carry beside the predictions, as read (ids stay text)."""
    missing = [name for name in keep if name not in frame.columns]
    if missing:
        from ..spec.shape_errors import suggest

        columns = [str(c) for c in frame.columns]
        raise BadInputError(
            f"--keep {missing[0]}: {display} has no such column" + suggest(missing[0], columns),
            hint="name a column of the scored file's header",
        )
    reserved = [name for name in keep if name == "prediction" or str(name).startswith("proba_")]
    if reserved:
        raise BadInputError(
            f"--keep {reserved[0]}: that name is taken by the predictions' own columns",
            hint="rename the column in the file, or keep another one",
        )
    return frame[list(dict.fromkeys(keep))]


def _write(frame: Any, path: Path) -> None:
    from .. import atomic

    if path.suffix.lower() == ".parquet":
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        atomic.write_bytes(path, buffer.getvalue())
    elif path.suffix.lower() == ".csv":
        atomic.write_text(path, frame.to_csv(index=False, lineterminator="\n"))
    else:
        raise BadInputError(f"--output {path}: use a .csv or .parquet file name")
