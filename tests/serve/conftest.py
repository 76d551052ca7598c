"""One demo repository and one running server for the read-only endpoint tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from serve.support import Running, demo_repository, running


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_repository(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def served(demo_root: Path) -> Iterator[Running]:
    with running(demo_root, max_body_bytes=64 * 1024) as server:
        yield server
