"""The data change of a promotion: what a dataset's new lock entry reads that the old did not.

Compares two `mlops.lock` entries of one dataset (the base branch's and the
candidate's) file by file: added, gone, changed (same URL, other bytes), the
rows and the window's time range before and after. File URLs are user data,
so the Markdown shows them as code spans.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..lock import LockedFile, LockEntry, entry_digest
from .escape import code

MAX_LISTED = 20  # files listed per group; the rest are counted
SHORT_DIGEST = 12


@dataclass(frozen=True)
class DataChange:
    dataset: str
    old: LockEntry | None
    new: LockEntry
    added: tuple[LockedFile, ...]
    gone: tuple[LockedFile, ...]
    changed: tuple[LockedFile, ...]  # the new side of files whose bytes differ

    @property
    def unchanged(self) -> bool:
        return self.old is not None and entry_digest(self.old) == entry_digest(self.new)

    @property
    def new_rows(self) -> int:
        return self.new.rows - (self.old.rows if self.old is not None else 0)


def describe_change(dataset: str, old: LockEntry | None, new: LockEntry) -> DataChange:
    before = {f.url: f for f in old.files} if old is not None else {}
    after = {f.url: f for f in new.files}
    return DataChange(
        dataset=dataset,
        old=old,
        new=new,
        added=tuple(after[url] for url in sorted(after.keys() - before.keys())),
        gone=tuple(before[url] for url in sorted(before.keys() - after.keys())),
        changed=tuple(
            after[url]
            for url in sorted(after.keys() & before.keys())
            if after[url].sha256 != before[url].sha256
        ),
    )


def render_data_change(change: DataChange) -> str:
    """Markdown for the pull request body: a table of the entry, then the files that moved."""
    old, new = change.old, change.new
    if change.unchanged:
        return (
            f"The snapshot of dataset {code(change.dataset)} is unchanged "
            f"({len(new.files):,} files, {new.rows:,} rows, "
            f"digest {code(entry_digest(new)[:SHORT_DIGEST])})."
        )
    lines = [
        f"Dataset {code(change.dataset)}, as `mlops.lock` records it:",
        "",
        "| | before | after |",
        "|---|---|---|",
        f"| files | {_count(old, 'files')} | {len(new.files):,} |",
        f"| rows | {_count(old, 'rows')} | {new.rows:,} ({change.new_rows:+,}) |",
        f"| time range | {_range(old)} | {_range(new)} |",
        f"| digest | {_digest(old)} | {_digest(new)} |",
        "",
        f"Files: {len(change.added):,} added, {len(change.gone):,} gone, "
        f"{len(change.changed):,} changed.",
    ]
    for label, files in (
        ("Added", change.added),
        ("Gone", change.gone),
        ("Changed", change.changed),
    ):
        if files:
            lines += ["", f"{label}:", ""]
            lines += [
                f"- {code(f.url)} ({f.size:,} bytes, {code(f.sha256[:SHORT_DIGEST])})"
                for f in files[:MAX_LISTED]
            ]
            if len(files) > MAX_LISTED:
                lines.append(f"- … and {len(files) - MAX_LISTED:,} more")
    return "\n".join(lines)


def _count(entry: LockEntry | None, what: str) -> str:
    if entry is None:
        return "no snapshot"
    return f"{len(entry.files) if what == 'files' else entry.rows:,}"


def _range(entry: LockEntry | None) -> str:
    if entry is None or entry.start is None or entry.end is None:
        return "—"
    return f"{_when(entry.start)} → {_when(entry.end)}"


def _when(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _digest(entry: LockEntry | None) -> str:
    return "—" if entry is None else code(entry_digest(entry)[:SHORT_DIGEST])
