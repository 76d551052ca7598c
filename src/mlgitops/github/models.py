"""The few fields of GitHub objects that promotion and drift issues use."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Repository:
    full_name: str
    default_branch: str
    html_url: str

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Repository:
        return cls(str(data["full_name"]), str(data["default_branch"]), str(data["html_url"]))


@dataclass(frozen=True)
class PullRequest:
    number: int
    html_url: str
    title: str
    body: str | None
    state: str
    head_ref: str
    head_sha: str
    base_ref: str
    labels: tuple[str, ...] = ()

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> PullRequest:
        return cls(
            number=int(data["number"]),
            html_url=str(data["html_url"]),
            title=str(data["title"]),
            body=data.get("body"),
            state=str(data["state"]),
            head_ref=str(data["head"]["ref"]),
            head_sha=str(data["head"]["sha"]),
            base_ref=str(data["base"]["ref"]),
            labels=tuple(str(label["name"]) for label in data.get("labels") or []),
        )


@dataclass(frozen=True)
class Issue:
    number: int
    html_url: str
    title: str
    body: str | None
    state: str
    labels: tuple[str, ...] = ()

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Issue:
        return cls(
            number=int(data["number"]),
            html_url=str(data["html_url"]),
            title=str(data["title"]),
            body=data.get("body"),
            state=str(data["state"]),
            labels=tuple(
                str(label["name"] if isinstance(label, dict) else label)
                for label in data.get("labels") or []
            ),
        )


@dataclass(frozen=True)
class Comment:
    id: int
    html_url: str
    body: str | None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Comment:
        return cls(int(data["id"]), str(data["html_url"]), data.get("body"))
