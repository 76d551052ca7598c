"""The pinned-action table matches the shared list of pinned SHAs."""

from __future__ import annotations

from pathlib import Path

import yaml

from mlgitops.ci.actions import PINNED_ACTIONS

# The project's copy of the pinned list, kept beside the design documents.
PINNED_LIST = {
    "actions/checkout": ("v7.0.1", "3d3c42e5aac5ba805825da76410c181273ba90b1"),
    "actions/setup-python": ("v7.0.0", "5fda3b95a4ea91299a34e894583c3862153e4b97"),
    "actions/cache": ("v5.0.5", "27d5ce7f107fe9357f9df03efb73ab90386fccae"),
    "actions/upload-artifact": ("v7.0.0", "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f"),
    "actions/download-artifact": ("v8.0.1", "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c"),
}


def test_table_matches_the_pinned_list() -> None:
    assert {a.repo: (a.version, a.sha) for a in PINNED_ACTIONS} == PINNED_LIST


def test_every_stand_in_action_exists_for_local_runs() -> None:
    stand_ins = Path(__file__).parents[1] / "act" / "actions"
    for action in PINNED_ACTIONS:
        definition = yaml.safe_load(
            (stand_ins / action.repo.split("/")[1] / "action.yml").read_text()
        )
        assert definition["runs"]["using"] == "composite"
