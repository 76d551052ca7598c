"""Errors from the GitHub REST API, with the status, GitHub's message and what to do."""

from __future__ import annotations

from typing import Any

from ..errors import ExternalError

# What to do, by HTTP status; the promote and issue jobs' permissions are named in the hints.
_HINTS = {
    401: "the token is missing, expired or wrong: set GITHUB_TOKEN (or MLGITOPS_GITHUB_TOKEN "
    "for a GitHub App token)",
    403: "the token lacks a permission: the job needs `contents: write`, `pull-requests: write` "
    "and `statuses: write` to promote, `issues: write` to open a drift issue",
    404: "check GITHUB_REPOSITORY (owner/name) and that the token can see the repository",
    422: "GitHub rejected the request's content; the details above say which field",
}


class GitHubError(ExternalError):
    """A GitHub API call failed (exit 3). Never holds the token."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status


def api_error(method: str, path: str, status: int, payload: Any) -> GitHubError:
    """The error for a failed call: `POST /repos/o/r/pulls: 422 Validation Failed (…)`."""
    message = ""
    details: list[str] = []
    if isinstance(payload, dict):
        message = str(payload.get("message") or "")
        for item in payload.get("errors") or []:
            if isinstance(item, dict):
                details.append(
                    str(item.get("message") or ": ".join(str(v) for v in item.values() if v))
                )
            else:
                details.append(str(item))
    text = f"GitHub API {method} {path} failed: {status} {message or 'no message'}".rstrip()
    if details:
        text += f" ({'; '.join(details)})"
    hint = _HINTS.get(status)
    if status >= 500:
        hint = "GitHub is failing; run the job again later (https://www.githubstatus.com)"
    return GitHubError(text, status=status, hint=hint)
