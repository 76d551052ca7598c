"""Fit a Markdown document of sections under a size limit (GitHub's 65,536 characters).

The longest section that may be shortened is cut first, at a line boundary
and never inside a code block (a `<details>` block cut open is closed), until
the whole fits; sections marked essential (the verdicts) are never cut, and a
cut section keeps its heading and says so. Both the review comment and the
promotion pull request's body are fitted here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

GITHUB_LIMIT = 65_536
_CLOSE_DETAILS = len("\n\n</details>")
MIN_KEPT = 120  # a section shorter than this after cutting is replaced by its note alone


@dataclass(frozen=True)
class Section:
    title: str  # a Markdown heading line, or "" for none
    body: str
    essential: bool = False
    where: str = ""  # where the whole of it can be read, for the note

    def text(self) -> str:
        body = self.body.rstrip()
        if not body:  # a heading alone (its content follows in the next section)
            return f"{self.title}\n" if self.title else ""
        head = f"{self.title}\n\n" if self.title else ""
        return f"{head}{body}\n"


def join(sections: list[Section]) -> str:
    return "\n".join(s.text() for s in sections)


def fit(sections: list[Section], limit: int = GITHUB_LIMIT, *, what: str = "comment") -> str:
    """The sections joined, shortened as needed to `limit` characters; `what` names the
    document for the notes ("comment", "pull request body")."""
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
        note = _note(section, what)
        budget = len(section.body) - over - len(note) - 2
        shortened = _shorten(section.body, budget) if budget >= MIN_KEPT else ""
        body = f"{shortened}\n\n{note}" if shortened else note
        sections[index] = replace(section, body=body)
        cut.add(index)
    text = join(sections)
    if len(text) > limit:  # only essential sections are left and they alone are too long
        text = text[: limit - 2].rstrip() + "\n…\n"
    return text


def _note(section: Section, what: str) -> str:
    where = f"; {section.where}" if section.where else ""
    return f"_… shortened to fit GitHub's {what} size limit{where}._"


def _shorten(body: str, budget: int) -> str:
    """The longest prefix of whole lines within `budget`, not ending inside a code block,
    with the `<details>` blocks it opened closed (or the rest of the document would fold
    into them)."""
    kept: list[str] = []
    size = 0
    budget -= _CLOSE_DETAILS * body.count("<details>")
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
    # only the document's own tags are raw HTML: user text reaches it escaped
    unclosed = sum(line.strip() == "<details>" for line in kept) - sum(
        line.strip() == "</details>" for line in kept
    )
    return "\n".join(kept).rstrip() + "\n\n</details>" * max(unclosed, 0)
