"""User and data text in Markdown: shown as written, never read as markup.

The review's names for the project's shared text helpers (`mlgitops.text`),
so the rule (escaped, one line, capped, no HTML, mention or link) is kept in
one place for the review, the promotion pull request and the reports alike.
"""

from __future__ import annotations

import re

from ..text import MAX_VALUE_CHARS, fenced, md, md_code, one_line

__all__ = ["code", "fenced", "mermaid_label", "text"]


def text(value: object, limit: int | None = MAX_VALUE_CHARS) -> str:
    """Text safe in a Markdown paragraph or table cell: one line, no markup, no HTML."""
    return md(value, limit)


def code(value: object, limit: int | None = MAX_VALUE_CHARS, *, cell: bool = False) -> str:
    """An inline code span holding `value` exactly (on one line, capped)."""
    return md_code(value, limit, cell=cell)


def mermaid_label(value: object, limit: int = 40) -> str:
    """A label inside a Mermaid chart's double quotes: nothing in it can end the label,
    the line or the block."""
    flat = one_line(value, None).replace('"', "'").replace("\\", "/")
    flat = re.sub(r"[<>{}\[\];`#&%]", "", flat)
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
