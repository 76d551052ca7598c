"""Storage tests: a real SeaweedFS S3 server for the session, and its credentials per test."""

from __future__ import annotations

from seaweed import s3_env, seaweed_s3

__all__ = ["s3_env", "seaweed_s3"]
