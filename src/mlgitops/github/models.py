"""The few fields of GitHub objects that promotion and drift issues use."""

from __future__ import annotations

from dataclasses import dataclass

from .answers import Answer


@dataclass(frozen=True)
class Repository:
    full_name: str
    default_branch: str
    html_url: str

    @classmethod
    def from_api(cls, data: Answer) -> Repository:
        return cls(data.string("full_name"), data.string("default_branch"), data.string("html_url"))


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
    def from_api(cls, data: Answer) -> PullRequest:
        head = data.object("head")
        return cls(
            number=data.integer("number"),
            html_url=data.string("html_url"),
            title=data.string("title"),
            body=data.optional_string("body"),
            state=data.string("state"),
            head_ref=head.string("ref"),
            head_sha=head.string("sha"),
            base_ref=data.object("base").string("ref"),
            labels=tuple(label.string("name") for label in data.objects("labels")),
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
    def from_api(cls, data: Answer) -> Issue:
        return cls(
            number=data.integer("number"),
            html_url=data.string("html_url"),
            title=data.string("title"),
            body=data.optional_string("body"),
            state=data.string("state"),
            labels=tuple(
                data.label(index, label) for index, label in enumerate(data.values("labels"))
            ),
        )


@dataclass(frozen=True)
class Comment:
    id: int
    html_url: str
    body: str | None

    @classmethod
    def from_api(cls, data: Answer) -> Comment:
        return cls(data.integer("id"), data.string("html_url"), data.optional_string("body"))
