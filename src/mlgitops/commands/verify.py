"""`mlgitops verify`: the registry is whole — every pointer, manifest and digest checks out.

Every `models/*/production.yaml` must point at a version that exists and whose
model.onnx is the digest it names; every version's artifacts must match its
manifest; the data lock's references must resolve. Each problem names its file,
line and field. Exit status: 0 whole, 1 a problem found, 2 bad input.
"""

from __future__ import annotations

import argparse
from typing import Any

from rich.text import Text

from ..errors import EXIT_CHECK_FAILED, EXIT_OK
from . import Annotation, Context, Outcome


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "verify",
        parents=[common],
        help="check every production pointer, manifest and digest in the registry",
    )
    parser.set_defaults(handler=lambda args, ctx: run(ctx))


def run(ctx: Context) -> Outcome:
    from ..verify import verify_registry

    report = verify_registry(ctx.root)
    data: dict[str, Any] = {
        "ok": report.passed,
        "models": list(report.models),
        "versions_checked": report.versions,
        "production": report.pointers,
        "problems": [vars(p) for p in report.problems],
    }
    head = (
        f"the registry is whole: {len(report.models)} model(s), {report.versions} version(s), "
        f"{len(report.pointers)} production pointer(s) checked"
        if report.passed
        else f"{len(report.problems)} problem(s) in the registry"
    )
    lines = [head, *(str(p) for p in report.problems)]
    from ..text import md_code

    summary = "## mlgitops verify\n\n" + "\n".join(
        [head, "", *(f"- {md_code(p, limit=1000)}" for p in report.problems)]
    )
    return Outcome(
        EXIT_OK if report.passed else EXIT_CHECK_FAILED,
        data,
        [Text("\n".join(lines), no_wrap=True)],
        summary_markdown=summary,
        annotations=[
            Annotation("error", f"{p.path}: {p.message}" if p.path else p.message, p.file, p.line)
            for p in report.problems
        ],
    )
