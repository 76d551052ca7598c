"""User and data text in Markdown: shown as written, never read as markup.

One place for the escaping the review uses, so it can follow the project's
shared text helpers without touching the renderers.
"""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~&$])")


def text(value: object) -> str:
    """Text safe in a Markdown paragraph or table cell: one line, no markup, no HTML."""
    flat = " ".join(str(value).split())
    return _SPECIAL.sub(r"\\\1", flat)


def code(value: object) -> str:
    """An inline code span holding `value` exactly (on one line)."""
    flat = " ".join(str(value).split())
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or not flat else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def fenced(body: str, language: str = "") -> str:
    """A fenced code block that no line of `body` can close early."""
    longest = max((len(run) for run in re.findall(r"`{3,}|~{3,}", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{body.rstrip()}\n{fence}"


def mermaid_label(value: object, limit: int = 40) -> str:
    """A label inside a Mermaid chart's double quotes."""
    flat = " ".join(str(value).split()).replace('"', "'").replace("\\", "/")
    flat = re.sub(r"[<>{}\[\];`#&]", "", flat)
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
