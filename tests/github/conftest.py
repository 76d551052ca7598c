"""A fake GitHub per test, checked against GitHub's API description."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from github.fake_server import FakeGitHub, serve


@pytest.fixture
def fake_github() -> Iterator[FakeGitHub]:
    heads = {"main": "a" * 40, "mlgitops/promote/churn": "b" * 40}
    with serve(heads=heads.get) as fake:
        yield fake
