"""Write the compiled workflows to `.github/workflows/`, or check that they are current.

Only files carrying the generated header belong to the compiler: a generated
file the spec no longer produces is removed (or reported stale), and
hand-written workflows beside them are never touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .. import atomic, paths
from ..errors import BadInputError
from .compiler import GENERATED_MARKER, WORKFLOWS_DIR

Action = Literal["create", "update", "delete"]
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@")


@dataclass(frozen=True)
class WorkflowChange:
    path: str  # repo-relative, e.g. .github/workflows/mlgitops-ci.yml
    action: Action
    diff: str  # unified diff from the file on disk to the compiled text
    first_line: int  # first line of the file on disk that differs (1 when it is missing)
    new_text: str | None  # None when the file is to be deleted


def is_generated(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8") as handle:
            return handle.readline().startswith(GENERATED_MARKER)
    except (OSError, UnicodeDecodeError):
        return False


def workflow_changes(root: Path, compiled: dict[str, str]) -> list[WorkflowChange]:
    """What `compile` would change on disk, file by file, in name order."""
    directory = paths.inside_with_entries(root, WORKFLOWS_DIR, what="the workflows")
    changes: list[WorkflowChange] = []
    existing = {p.name for p in directory.iterdir() if p.is_file()} if directory.is_dir() else set()
    for name in sorted(set(compiled) | existing):
        path = directory / name
        relative = f"{WORKFLOWS_DIR}/{name}"
        new = compiled.get(name)
        if new is None:
            if path.suffix in (".yml", ".yaml") and is_generated(path):
                old = path.read_text(encoding="utf-8")
                changes.append(
                    WorkflowChange(relative, "delete", _diff(relative, old, ""), 1, None)
                )
            continue
        old_text = path.read_text(encoding="utf-8") if path.is_file() else None
        if old_text == new:
            continue
        if path.exists() and not is_generated(path):  # never overwrite a hand-written workflow
            raise BadInputError(
                f"{relative} exists and has no generated header ({GENERATED_MARKER!r} on its "
                "first line): compile never overwrites a hand-written workflow",
                hint="rename the hand-written file, or add the header to its first line if "
                "mlgitops generated it",
            )
        diff = _diff(relative, old_text or "", new)
        action: Action = "create" if old_text is None else "update"
        changes.append(WorkflowChange(relative, action, diff, _first_changed_line(diff), new))
    return changes


def apply_changes(root: Path, changes: list[WorkflowChange]) -> None:
    for change in changes:
        path = root / change.path
        if change.new_text is None:
            path.unlink()
        else:
            atomic.write_text(path, change.new_text)


def _diff(relative: str, old: str, new: str) -> str:
    import difflib  # here: only a changed workflow needs a diff, and it costs start-up

    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=f"a/{relative}" if old else "/dev/null",
        tofile=f"b/{relative}" if new else "/dev/null",
    )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )


def _first_changed_line(diff: str) -> int:
    """Line in the old file where the first hunk's first change sits."""
    line = 1
    for text in diff.splitlines():
        match = _HUNK.match(text)
        if match:
            line = max(int(match.group(1)), 1)
            continue
        if line and text[:1] in "-+" and not text.startswith(("---", "+++")):
            return line
        if text[:1] == " ":
            line += 1
    return line
