"""Storage tests: a real SeaweedFS S3 server for the session, and its credentials per test."""

from __future__ import annotations

import os

import pytest
from seaweed import SeaweedS3, seaweed_s3

__all__ = ["s3_env", "seaweed_s3"]


@pytest.fixture
def s3_env(seaweed_s3: SeaweedS3, monkeypatch: pytest.MonkeyPatch) -> SeaweedS3:
    """The server, with its credentials (and no other AWS setting) in this test's environment."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    for name, value in seaweed_s3.env.items():
        monkeypatch.setenv(name, value)
    return seaweed_s3
