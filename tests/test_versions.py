"""Installed versions read from METADATA agree with importlib.metadata."""

from __future__ import annotations

from importlib import metadata

import pytest

from mlgitops.versions import installed_version


@pytest.mark.parametrize(
    "name", ["pyarrow", "croniter", "scikit-learn", "pydantic", "mlgitops", "PyYAML", "pyyaml"]
)
def test_the_version_is_importlib_metadatas(name: str) -> None:
    assert installed_version(name) == metadata.version(name)


def test_a_missing_distribution_has_none() -> None:
    assert installed_version("no-such-distribution-here") is None
