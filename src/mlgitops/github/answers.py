"""Read GitHub's JSON answers field by field, so a wrong shape is a located error.

An answer of status 200 may still be of the wrong shape (a proxy's page, an
API of another version, a list where an object belongs). Each field read here
is checked for its type, and a wrong one is a `GitHubError` (exit 3) naming
the endpoint and the field: `GET /repos/o/r/pulls: field [0].head.ref is
missing (expected a string)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import GitHubError

_HINT = (
    "the answer is not what GitHub's REST API describes: check that GITHUB_API_URL points at "
    "the GitHub API (e.g. https://api.github.com), then run the job again"
)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def shape_error(endpoint: str, field: str, expected: str, value: Any = ...) -> GitHubError:
    found = "is missing" if value is ... else f"is {_kind(value)}"
    where = f"field {field}" if field else "the answer"
    return GitHubError(
        f"GitHub API {endpoint} answered with an unexpected shape: {where} {found} "
        f"(expected {expected})",
        hint=_HINT,
    )


class Answer:
    """One JSON object of an answer from `endpoint` (e.g. `GET /repos/o/r`), at `prefix`."""

    def __init__(self, data: Mapping[str, Any], endpoint: str, prefix: str = "") -> None:
        self._data = data
        self.endpoint = endpoint
        self._prefix = prefix

    @classmethod
    def of(cls, data: Any, endpoint: str, prefix: str = "") -> Answer:
        if not isinstance(data, dict):
            raise shape_error(endpoint, prefix, "an object", data)
        return cls(data, endpoint, prefix)

    @classmethod
    def items(cls, data: Any, endpoint: str) -> list[Answer]:
        """The objects of a list answer (a page of a listing)."""
        if not isinstance(data, list):
            raise shape_error(endpoint, "", "a list", data)
        return [cls.of(item, endpoint, f"[{index}]") for index, item in enumerate(data)]

    def _field(self, key: str) -> str:
        return f"{self._prefix}.{key}" if self._prefix else key

    def _get(self, key: str, expected: str) -> Any:
        if key not in self._data:
            raise shape_error(self.endpoint, self._field(key), expected)
        return self._data[key]

    def has(self, key: str) -> bool:
        return key in self._data

    def string(self, key: str) -> str:
        value = self._get(key, "a string")
        if not isinstance(value, str):
            raise shape_error(self.endpoint, self._field(key), "a string", value)
        return value

    def optional_string(self, key: str) -> str | None:
        value = self._data.get(key)
        if value is not None and not isinstance(value, str):
            raise shape_error(self.endpoint, self._field(key), "a string or null", value)
        return value

    def integer(self, key: str) -> int:
        value = self._get(key, "an integer")
        if isinstance(value, bool) or not isinstance(value, int):
            raise shape_error(self.endpoint, self._field(key), "an integer", value)
        return value

    def object(self, key: str) -> Answer:
        return Answer.of(self._get(key, "an object"), self.endpoint, self._field(key))

    def objects(self, key: str) -> list[Answer]:
        """A list of objects; missing or null is an empty list."""
        return [
            Answer.of(item, self.endpoint, f"{self._field(key)}[{index}]")
            for index, item in enumerate(self.values(key))
        ]

    def values(self, key: str) -> list[Any]:
        """A list of any values; missing or null is an empty list."""
        value = self._data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise shape_error(self.endpoint, self._field(key), "a list", value)
        return value

    def label(self, index: int, value: Any) -> str:
        """A label given as its name or as an object with a name (issues list both)."""
        if isinstance(value, str):
            return value
        return Answer.of(value, self.endpoint, f"{self._field('labels')}[{index}]").string("name")
