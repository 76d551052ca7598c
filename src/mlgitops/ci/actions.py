"""The one table of pinned actions: every `uses:` in a generated workflow comes from here.

The SHAs were read from the actions' own repositories (tag -> commit). Offline
linters cannot check a SHA against its tag, so change them only from a trusted
source, and keep the version comment in step with the SHA.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ActionRef:
    """An action pinned to a full commit SHA, emitted as `repo@sha # version`."""

    repo: str
    sha: str
    version: str

    def __post_init__(self) -> None:
        if len(self.sha) != 40 or any(c not in "0123456789abcdef" for c in self.sha):
            raise ValueError(f"{self.repo}: '{self.sha}' is not a full commit SHA")

    @property
    def uses(self) -> str:
        return f"{self.repo}@{self.sha}"


CHECKOUT = ActionRef("actions/checkout", "3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1")
SETUP_PYTHON = ActionRef(
    "actions/setup-python", "5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"
)
CACHE = ActionRef("actions/cache", "27d5ce7f107fe9357f9df03efb73ab90386fccae", "v5.0.5")
UPLOAD_ARTIFACT = ActionRef(
    "actions/upload-artifact", "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0"
)
DOWNLOAD_ARTIFACT = ActionRef(
    "actions/download-artifact", "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", "v8.0.1"
)

PINNED_ACTIONS: tuple[ActionRef, ...] = (
    CHECKOUT,
    SETUP_PYTHON,
    CACHE,
    UPLOAD_ARTIFACT,
    DOWNLOAD_ARTIFACT,
)
