"""The result of evaluating a model's policy files, and its renderings.

`to_json()` is what `policy.json` holds beside a candidate (and in the
registry); `from_json()` reads it back for promotion pull requests;
`to_markdown()` is for step summaries and pull request bodies; `to_table()`
for the terminal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from rich.table import Table

from ..text import md, md_code

Status = Literal["passed", "failed", "waived", "error"]
STATUSES: tuple[Status, ...] = ("passed", "failed", "waived", "error")
POLICY_FILE = "policy.json"  # the artifact name, beside evidence.json
POLICY_RECORD_VERSION = 1  # of the policy.json layout; a file with another is refused


@dataclass(frozen=True)
class WaiverNote:
    until: dt.date
    reason: str
    expired: bool


@dataclass(frozen=True)
class RuleResult:
    policy: str  # the policy's name (`policy:` in the file)
    file: str  # repo-relative path of the policy file
    line: int  # of the rule in that file
    rule: str
    severity: Literal["error", "warning"]
    status: Status
    message: str  # the outcome, with the values the rule read
    expression: str
    values: Mapping[str, Any] = field(default_factory=dict)
    description: str | None = None
    waiver: WaiverNote | None = None

    @property
    def blocking(self) -> bool:
        """Does this result stop the candidate from being registered?"""
        return self.status == "error" or (self.status == "failed" and self.severity == "error")

    def label(self) -> str:
        """The result as people read it: 'failed (warning)', 'waived until 2027-03-31'."""
        if self.status == "waived" and self.waiver is not None:
            return f"waived until {self.waiver.until.isoformat()}"
        if self.status == "failed" and self.severity == "warning":
            return "failed (warning)"
        return self.status

    def details(self) -> str:
        text = self.message
        if self.waiver is not None and self.status == "waived":
            text += f" — waiver: {self.waiver.reason}"
        return text


@dataclass(frozen=True)
class PolicyReport:
    model: str
    evaluated_on: dt.date
    results: tuple[RuleResult, ...]
    version: int | None = None  # of the candidate, when it is a registered version
    production_version: int | None = None

    @property
    def passed(self) -> bool:
        """No failed error rule, no rule that could not be evaluated, no expired waiver."""
        return not any(result.blocking for result in self.results)

    def counts(self) -> dict[str, int]:
        return {status: sum(1 for r in self.results if r.status == status) for status in STATUSES}

    def blocking(self) -> list[RuleResult]:
        return [result for result in self.results if result.blocking]

    def headline(self) -> str:
        counts = self.counts()
        summary = ", ".join(_count(n, status) for status, n in counts.items() if n) or "no rules"
        verdict = "passed" if self.passed else "failed"
        return f"policy {verdict} for {self.model}: {summary}"

    # --- JSON ----------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "version": self.version,
            "production_version": self.production_version,
            "evaluated_on": self.evaluated_on.isoformat(),
            "passed": self.passed,
            "counts": self.counts(),
            "results": [_result_json(result) for result in self.results],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PolicyReport:
        return cls(
            model=str(data["model"]),
            evaluated_on=dt.date.fromisoformat(str(data["evaluated_on"])),
            results=tuple(_result_from_json(item) for item in data["results"]),
            version=data.get("version"),
            production_version=data.get("production_version"),
        )

    # --- Markdown and terminal -------------------------------------------------------

    def to_markdown(self) -> str:
        mark = "✅ passed" if self.passed else "❌ failed"
        lines = [f"### Policy: {md(self.model)} — {mark}", ""]
        counts = self.counts()
        tally = " · ".join(_count(n, s) for s, n in counts.items()) if self.results else "no rules"
        against = (
            f"production version {self.production_version}"
            if self.production_version is not None
            else "no production version"
        )
        lines += [f"{tally} — evaluated on {self.evaluated_on.isoformat()} against {against}", ""]
        if not self.results:
            lines.append("The model lists no policy files.")
            return "\n".join(lines) + "\n"
        lines += ["| Policy | Rule | Severity | Result | Details |", "|---|---|---|---|---|"]
        for result in self.results:
            cells = [
                md(result.policy),
                md_code(result.rule, cell=True),
                md(result.severity),
                f"{_ICONS[_icon_key(result)]} {md(result.label())}",
                _md_details(result),
            ]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n"

    def to_table(self) -> Table:
        from ..text import plain

        table = Table(title=plain(f"Policy: {self.model}"), title_justify="left")
        for column in ("Policy", "Rule", "Severity", "Result", "Details"):
            table.add_column(column, overflow="fold")
        for result in self.results:
            table.add_row(
                plain(result.policy),
                plain(result.rule),
                plain(result.severity),
                plain(result.label(), _STYLES[_icon_key(result)]),
                plain(result.details()),
            )
        return table


_ICONS = {"passed": "✅", "failed": "❌", "warning": "⚠️", "waived": "🟡", "error": "❌"}
_STYLES = {
    "passed": "green",
    "failed": "bold red",
    "warning": "yellow",
    "waived": "cyan",
    "error": "bold red",
}


def _count(n: int, status: str) -> str:
    return f"{n} errors" if status == "error" and n != 1 else f"{n} {status}"


def _icon_key(result: RuleResult) -> str:
    if result.status == "failed" and result.severity == "warning":
        return "warning"
    return result.status


def _md_details(result: RuleResult) -> str:
    """The message and the waiver's reason, each escaped and capped on its own."""
    text = md(result.message)
    if result.waiver is not None and result.status == "waived":
        text += f" — waiver: {md(result.waiver.reason)}"
    return text


def _result_json(result: RuleResult) -> dict[str, Any]:
    return {
        "policy": result.policy,
        "file": result.file,
        "line": result.line,
        "rule": result.rule,
        "severity": result.severity,
        "status": result.status,
        "blocking": result.blocking,
        "message": result.message,
        "expression": result.expression,
        "description": result.description,
        "values": dict(result.values),
        "waiver": None
        if result.waiver is None
        else {
            "until": result.waiver.until.isoformat(),
            "reason": result.waiver.reason,
            "expired": result.waiver.expired,
        },
    }


def _result_from_json(item: Mapping[str, Any]) -> RuleResult:
    waiver = item.get("waiver")
    return RuleResult(
        policy=str(item["policy"]),
        file=str(item["file"]),
        line=int(item["line"]),
        rule=str(item["rule"]),
        severity=item["severity"],
        status=item["status"],
        message=str(item["message"]),
        expression=str(item["expression"]),
        values=dict(item.get("values") or {}),
        description=item.get("description"),
        waiver=None
        if not waiver
        else WaiverNote(
            dt.date.fromisoformat(str(waiver["until"])),
            str(waiver["reason"]),
            bool(waiver["expired"]),
        ),
    )


# --- the persisted form (`policy.json`) --------------------------------------------------


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WaiverRecord(_Record):
    until: dt.date
    reason: str
    expired: bool


class RuleRecord(_Record):
    policy: str
    file: str
    line: int
    rule: str
    severity: Literal["error", "warning"]
    status: Status
    blocking: bool
    message: str
    expression: str
    description: str | None = None
    values: dict[str, Any] = {}
    waiver: WaiverRecord | None = None


class PolicyRecord(_Record):
    """`policy.json`, beside a candidate and in each registered version."""

    format_version: int = POLICY_RECORD_VERSION
    model: str
    version: int | None
    production_version: int | None
    evaluated_on: dt.date
    passed: bool
    counts: dict[str, int]
    results: list[RuleRecord]

    @classmethod
    def of(cls, report: PolicyReport) -> PolicyRecord:
        return cls.model_validate(report.to_json())

    def to_report(self) -> PolicyReport:
        return PolicyReport.from_json(self.model_dump(mode="json"))
