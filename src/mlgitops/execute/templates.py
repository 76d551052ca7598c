"""The Jinja2 environment for Markdown reports (cards, summaries, pull request bodies)."""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2

from ..text import md, md_code


def _number(value: Any, digits: int = 4) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return (
            f"{value:.{digits}g}"
            if abs(value) < 1e-3 or abs(value) >= 1e6
            else f"{value:.{digits}f}"
        )
    return str(value)


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("mlgitops", "templates"),
        autoescape=False,  # Markdown, not HTML
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = _number
    # user and data text: `{{ name | md }}` in text and cells, `{{ path | code }}` as code
    env.filters["md"] = md
    env.filters["code"] = md_code
    return env
