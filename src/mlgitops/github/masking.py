"""Mask credentials in text that came from, or goes about, GitHub.

An error body may echo the request's `Authorization` header in any case
(`Bearer ghp_…`, `bearer ghp_…`) or hold a token of another shape. Text is
masked whole and only then cut to length: cutting first can leave all but the
last characters of a token, which no longer match the token.
"""

from __future__ import annotations

import re

MASK = "***"
# GitHub's token shapes: personal (ghp_), OAuth (gho_), App installation (ghs_), user-to-server
# (ghu_), refresh (ghr_) and fine-grained personal tokens (github_pat_)
_TOKEN_SHAPES = re.compile(r"(?i)\b(?:gh[opsur]_[A-Za-z0-9_]+|github_pat_[A-Za-z0-9_]+)")
# `Bearer <anything>` / `Token <credential>` / `Basic <credential>`, as a header value is echoed
_SCHEMES = re.compile(r"(?i)\b(bearer|token|basic)(\s*[:=]\s*|\s+)([^\s\"',;]+)")


def _looks_secret(value: str) -> bool:
    """A word after `token` is masked when it reads as a credential, not as English."""
    return len(value) >= 20 or (len(value) >= 8 and any(c.isdigit() for c in value))


def mask(text: str, secret: str | None = None) -> str:
    """`text` with `secret` (in any case) and anything credential-shaped replaced by ***."""
    if secret:
        text = re.sub(re.escape(secret), MASK, text, flags=re.IGNORECASE)
    text = _TOKEN_SHAPES.sub(MASK, text)

    def scheme(match: re.Match[str]) -> str:
        name, gap, value = match.groups()
        if value == MASK or (name.lower() != "bearer" and not _looks_secret(value)):
            return match.group(0)
        return f"{name}{gap}{MASK}"

    return _SCHEMES.sub(scheme, text)


def cut(text: str, limit: int) -> str:
    """At most `limit` characters of already-masked text."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
