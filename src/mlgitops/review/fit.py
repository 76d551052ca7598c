"""Fit a Markdown document of sections under a size limit (GitHub's 65,536 characters).

The longest section that may be shortened is cut first, at a line boundary
and never inside a code block, until the whole fits; sections marked
essential (the verdicts) are never cut.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

GITHUB_LIMIT = 65_536
MIN_KEPT = 120  # a section shorter than this after cutting is replaced by its note alone


@dataclass(frozen=True)
class Section:
    title: str  # a Markdown heading line, or "" for none
    body: str
    essential: bool = False
    where: str = ""  # where the whole of it can be read, for the note

    def text(self) -> str:
        head = f"{self.title}\n\n" if self.title else ""
        return f"{head}{self.body.rstrip()}\n"


def join(sections: list[Section]) -> str:
    return "\n".join(s.text() for s in sections)


def fit(sections: list[Section], limit: int = GITHUB_LIMIT) -> str:
    sections = list(sections)
    cut: set[int] = set()
    while len(join(sections)) > limit:
        over = len(join(sections)) - limit
        candidates = [
            i for i, s in enumerate(sections) if not s.essential and i not in cut and s.body
        ]
        if not candidates:
            break
        index = max(candidates, key=lambda i: len(sections[i].body))
        section = sections[index]
        note = _note(section)
        budget = len(section.body) - over - len(note) - 2
        shortened = _shorten(section.body, budget) if budget >= MIN_KEPT else ""
        body = f"{shortened}\n\n{note}" if shortened else note
        sections[index] = replace(section, body=body)
        cut.add(index)
    text = join(sections)
    if len(text) > limit:  # only essential sections are left and they alone are too long
        text = text[: limit - 2].rstrip() + "\n…\n"
    return text


def _note(section: Section) -> str:
    where = f"; {section.where}" if section.where else ""
    return f"_… shortened to fit GitHub's comment size limit{where}._"


def _shorten(body: str, budget: int) -> str:
    """The longest prefix of whole lines within `budget`, not ending inside a code block."""
    kept: list[str] = []
    size = 0
    fence_start: int | None = None
    fence = ""
    for line in body.splitlines():
        if size + len(line) + 1 > budget:
            break
        stripped = line.lstrip()
        if fence_start is None and stripped.startswith(("```", "~~~")):
            marker = stripped[0]
            fence = stripped[: len(stripped) - len(stripped.lstrip(marker))]
            fence_start = len(kept)
        elif (
            fence_start is not None and stripped.startswith(fence) and not stripped.strip(fence[0])
        ):
            fence_start = None
        kept.append(line)
        size += len(line) + 1
    if fence_start is not None:
        kept = kept[:fence_start]
    return "\n".join(kept).rstrip()
