"""The drift issue: one open issue per model, opened on drift and updated on every later drift.

The issue is found by its title, which carries the model's drift marker, so a
re-run (or the next scheduled check) updates it instead of opening another.
Each update replaces the body with the newest report and adds a comment, so
people watching the issue hear about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..text import md
from .client import GitHubClient
from .models import Issue

MAX_BODY_CHARS = 65_536  # GitHub's limit for issue bodies


def issue_title(model: str) -> str:
    return f"[mlgitops] drift detected: {model}"


@dataclass(frozen=True)
class DriftIssueResult:
    action: Literal["created", "updated"]
    number: int
    url: str


def open_drift_issue(
    client: GitHubClient, model: str, headline: str, report_markdown: str
) -> DriftIssueResult:
    """Open the model's drift issue, or update the open one; never a second."""
    title = issue_title(model)
    body = _body(model, report_markdown)
    existing = _find(client.open_issues(), title)
    if existing is None:
        issue = client.create_issue(title=title, body=body, labels=[])
        return DriftIssueResult("created", issue.number, issue.html_url)
    client.update_issue(existing.number, body=body)
    client.create_comment(existing.number, f"Drift seen again: {md(headline, limit=1000)}")
    return DriftIssueResult("updated", existing.number, existing.html_url)


def _find(issues: list[Issue], title: str) -> Issue | None:
    matching = [issue for issue in issues if issue.title == title]
    return min(matching, key=lambda issue: issue.number) if matching else None


def _body(model: str, report_markdown: str) -> str:
    footer = (
        f"<sub>Opened by `mlgitops drift {model} --open-issue` (the model's `on_drift` is "
        f"`issue`). Later checks update this issue while it is open; close it once the drift "
        f"is dealt with, for example by retraining with `mlgitops run {model}`.</sub>\n"
    )
    report = report_markdown.strip()
    room = MAX_BODY_CHARS - len(footer) - 200
    if len(report) > room:  # hundreds of features: keep the worst, which come first
        report = report[: report.rindex("\n", 0, room)] + "\n\n… (report cut short)"
    return f"{report}\n\n{footer}"
