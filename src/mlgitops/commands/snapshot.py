"""`mlgitops snapshot [DATASET…]`: resolve the datasets' windows and write `mlops.lock`.

Each named dataset with a `source` (default: every one) is listed and its train
window resolved afresh; every file the window reads is locked with its size,
sha256 and the store's ETag or version id. Files whose listing is unchanged keep
their digests without being read again, so an unchanged re-snapshot rewrites the
same bytes quickly.
"""

from __future__ import annotations

import argparse
from typing import Any

from rich.table import Table
from rich.text import Text

from ..errors import EXIT_OK, BadInputError
from ..lock import LOCK_FILE, LockEntry, entry_digest, lock_bytes, lock_path, write_lock
from ..spec import load_project
from ..text import suggest
from . import Context, Outcome


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "snapshot",
        parents=[common],
        help="resolve the datasets' windows and write mlops.lock",
    )
    parser.add_argument(
        "datasets", nargs="*", metavar="DATASET", help="datasets to snapshot (default: all)"
    )
    parser.set_defaults(handler=lambda args, ctx: run(ctx, args.datasets))


def run(ctx: Context, names: list[str]) -> Outcome:
    from ..data.snapshot import snapshot_datasets, sourced_datasets

    project = load_project(ctx.root, check_estimators=False)
    datasets = dict(project.spec.datasets)
    sourced = sourced_datasets(datasets)
    for name in names:
        if name not in datasets:
            raise BadInputError(
                f"no dataset named '{name}' in mlops.yaml{suggest(name, list(datasets))}",
                hint=f"datasets are: {', '.join(datasets)}",
            )
        if name not in sourced:
            raise BadInputError(
                f"dataset '{name}' has a path, not a source: git already says what it holds",
                hint="snapshot datasets declared with `source:`"
                + (f" ({', '.join(sourced)})" if sourced else ""),
            )
    chosen = list(names) or sourced
    lock, changes, state = snapshot_datasets(ctx.root, datasets, chosen)
    before = lock_path(ctx.root).read_bytes() if lock_path(ctx.root).exists() else None
    written = before != lock_bytes(lock)
    if written:
        write_lock(ctx.root, lock)
    table = Table(title=LOCK_FILE)
    for column in ("dataset", "files", "rows", "window", "status"):
        table.add_column(column)
    for change in changes:
        table.add_row(
            Text(change.dataset),
            str(len(change.entry.files)),
            f"{change.entry.rows:,}",
            Text(_window_text(change.entry)),
            change.status,
        )
    lines: list[Any] = [table] if changes else []
    if not chosen:
        lines.append(Text("no dataset has a source: nothing to snapshot"))
    elif written:
        lines.append(Text(f"wrote {LOCK_FILE} (commit it)"))
    else:
        lines.append(Text(f"{LOCK_FILE} unchanged"))
    lines.append(Text(f"{state.hashed} file(s) hashed, the rest unchanged since they were hashed"))
    data = {
        "ok": True,
        "written": written,
        "hashed": state.hashed,
        "datasets": {
            c.dataset: {
                "status": c.status,
                "digest": entry_digest(c.entry),
                **c.entry.model_dump(mode="json"),
            }
            for c in changes
        },
    }
    return Outcome(EXIT_OK, data, lines)


def _window_text(entry: LockEntry) -> str:
    if entry.start is None or entry.end is None:
        return "every labelled row"
    return f"{entry.start.isoformat()} .. {entry.end.isoformat()}"
