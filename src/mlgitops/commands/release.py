"""`mlgitops release`: verify production digests and bundle the production versions.

Each model with a `production.yaml` is checked: every artifact of the
production version must match its manifest, and `model.onnx` must match the
digest in `production.yaml`. Verified versions are copied into a release
bundle (`--output`, default `dist/release/`), one directory per model with a
`release.json`; the release workflow publishes that bundle.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.table import Table

from .. import atomic
from ..errors import EXIT_CHECK_FAILED, EXIT_OK, MlgitopsError
from ..registry import Registry
from ..spec import load_project
from ..workspace import ReleaseRecord, release_bytes
from . import Annotation, Context, Outcome


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "release",
        parents=[common],
        help="verify production digests and bundle the production versions",
    )
    parser.add_argument(
        "models", nargs="*", metavar="MODEL", help="models to release (default: all in production)"
    )
    parser.add_argument(
        "--output", type=Path, default=Path("dist/release"), help="bundle directory"
    )
    parser.add_argument("--verify-only", action="store_true", help="check digests, write no bundle")
    parser.set_defaults(
        handler=lambda args, ctx: run(
            ctx, args.models, output=args.output, verify_only=args.verify_only
        )
    )


def run(ctx: Context, models: list[str], *, output: Path, verify_only: bool = False) -> Outcome:
    project = load_project(ctx.root, check_estimators=False)
    registry = Registry(ctx.root)
    names = [name for name in (models or list(project.spec.models)) if project.model(name)]
    output = output if output.is_absolute() else ctx.root / output
    rows: list[dict[str, Any]] = []
    for name in names:
        pointer = registry.production(name)
        if pointer is None:
            if models:
                rows.append(
                    {
                        "model": name,
                        "version": None,
                        "status": "failed",
                        "message": "no production.yaml: nothing to release",
                    }
                )
            continue
        try:
            ref, digests = registry.verify_production(name, pointer)
        except MlgitopsError as exc:
            rows.append(
                {
                    "model": name,
                    "version": pointer.version,
                    "status": "failed",
                    "message": exc.message,
                }
            )
            continue
        row = {
            "model": name,
            "version": pointer.version,
            "status": "verified",
            "sha256": pointer.sha256,
            "message": f"{len(digests)} artifacts match their digests",
        }
        if not verify_only:
            files = {artifact: (ref.path / artifact).read_bytes() for artifact in digests}
            files["release.json"] = release_bytes(
                ReleaseRecord(
                    model=name,
                    version=pointer.version,
                    sha256=digests,
                    promoted_at=pointer.promoted_at,
                    pull_request=pointer.pull_request,
                )
            )
            bundle = output / f"{name}-v{pointer.version}"
            atomic.replace_directory(bundle, files)
            row["bundle"] = str(
                bundle.relative_to(ctx.root) if bundle.is_relative_to(ctx.root) else bundle
            )
        rows.append(row)
    failed = [r for r in rows if r["status"] == "failed"]
    table = Table(title="mlgitops release")
    for column in ("model", "version", "status", "detail"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(
            r["model"],
            "–" if r["version"] is None else f"v{r['version']}",
            r["status"],
            r.get("bundle") or r["message"],
        )
    if not rows:
        table.caption = "no model has a production version"
    summary = (
        "## mlgitops release\n\n| model | version | status | detail |\n|---|---|---|---|\n"
        + "".join(
            f"| {r['model']} | {r['version']} | {r['status']} | {r['message']} |\n" for r in rows
        )
    )
    annotations = [
        Annotation(
            "error", f"{r['model']}: {r['message']}", file=f"models/{r['model']}/production.yaml"
        )
        for r in failed
    ]
    return Outcome(
        EXIT_CHECK_FAILED if failed else EXIT_OK,
        {"ok": not failed, "models": rows},
        [table],
        summary_markdown=summary,
        annotations=annotations,
    )
