"""`mlgitops rollback MODEL --to N`: point production back at version N, through the model's
one promotion pull request (opened, or updated when one is open), reason "rollback".

Version N must exist on the default branch and check out (manifest and digests).
GitHub settings come from the environment as for `mlgitops promote`; `--dry-run`
shows the body and the plan, pushes nothing and calls no API (no token needed).
Exit status: 0 ok, 1 version N does not check out, 2 bad input, 3 git or GitHub failed.
"""

from __future__ import annotations

import argparse
from typing import Any

from . import Context, Outcome
from .promote import outcome


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "rollback",
        parents=[common],
        help="open or update the model's promotion pull request pointing production back at N",
    )
    parser.add_argument("model", metavar="MODEL")
    parser.add_argument(
        "--to", dest="version", type=int, required=True, metavar="N", help="the version to restore"
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the pull request body and what would happen; push nothing, call no API",
    )
    parser.set_defaults(
        handler=lambda args, ctx: run(ctx, args.model, args.version, dry_run=args.dry_run)
    )


def run(ctx: Context, model: str, version: int, *, dry_run: bool = False) -> Outcome:
    from ..promote.rollback import rollback

    result = rollback(ctx.root, model, version, ctx.environ, dry_run=dry_run)
    return outcome(ctx, result, dry_run=dry_run, verb="rollback")
