"""What the GitHub event says about the pull request a review belongs to."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import BadInputError


@dataclass(frozen=True)
class PullRequestEvent:
    number: int | None
    head_sha: str | None
    base_sha: str | None
    from_fork: bool


def read_event(environ: Mapping[str, str]) -> PullRequestEvent:
    """The pull request in GITHUB_EVENT_PATH; no number when the event is not a pull request's."""
    location = environ.get("GITHUB_EVENT_PATH")
    if not location:
        return PullRequestEvent(None, None, None, False)
    try:
        payload = json.loads(Path(location).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BadInputError(
            f"GITHUB_EVENT_PATH cannot be read as JSON: {type(exc).__name__}",
            hint="run inside GitHub Actions, or pass --pr N",
        ) from None
    pull = payload.get("pull_request") if isinstance(payload, dict) else None
    if not isinstance(pull, dict):
        return PullRequestEvent(None, None, None, False)
    number = pull.get("number", payload.get("number"))
    return PullRequestEvent(
        int(number) if isinstance(number, int) else None,
        _get(pull, "head", "sha"),
        _get(pull, "base", "sha"),
        _from_fork(pull),
    )


def _get(data: dict[str, Any], *keys: str) -> str | None:
    node: Any = data
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return str(node) if isinstance(node, str) else None


def _from_fork(pull: dict[str, Any]) -> bool:
    head = _get(pull, "head", "repo", "full_name")
    base = _get(pull, "base", "repo", "full_name")
    return head is not None and base is not None and head != base
