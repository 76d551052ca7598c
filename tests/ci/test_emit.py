"""The YAML emitter: what it writes reads back as the same data."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from mlgitops.ci.actions import CHECKOUT
from mlgitops.ci.emit import Commented, Value, emit, emit_document

TRICKY = [
    "on",
    "off",
    "yes",
    "No",
    "true",
    "null",
    "~",
    "",
    " lead",
    "trail ",
    "3.11",
    "0o17",
    "0x1F",
    "1e3",
    ".5",
    "12",
    "-",
    "- x",
    "*/5 * * * *",
    "0 6 * * 1",
    "a: b",
    "a #b",
    "ends:",
    "#x",
    "!cancelled()",
    "&anchor",
    "it's",
    'say "hi"',
    "tab\there",
    "ünïcödé",
    "${{ matrix.model }}",
    "[list]",
    "{map}",
    "@at",
    "`tick`",
    "%pct",
    "|pipe",
    ">fold",
    "?q",
    "a, b",
    "line\nbreak",
]


def _plain(value: Any) -> Any:
    """The data a YAML reader should see for `value`."""
    if isinstance(value, Commented):
        return value.value
    if hasattr(value, "uses"):
        return value.uses
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@pytest.mark.parametrize("text", TRICKY)
def test_strings_read_back_unchanged(text: str) -> None:
    data: dict[str, Value] = {"value": text, "items": [text], "nested": [{"key": text}]}
    assert yaml.safe_load(emit(data)) == data


@pytest.mark.parametrize("text", ["0o17", "0x1F", "1e3", "3.11", "12", "true", "on", "null"])
def test_numbers_and_keywords_of_yaml_1_1_and_1_2_are_quoted(text: str) -> None:
    # PyYAML reads 0o17 as a string, GitHub's YAML 1.2 reader as a number: quote for both
    assert emit({"value": text}) == f"value: '{text}'\n"


def test_on_stays_a_plain_key() -> None:
    text = emit({"on": {"push": None}})
    assert text == "on:\n  push:\n"


def test_run_is_a_literal_block_and_keeps_its_text() -> None:
    script = 'status=0\nmlgitops drift "$MODEL" || status=$?\n'
    text = emit({"run": script, "short": {"run": "echo hi"}})
    assert "run: |\n  status=0\n" in text
    assert "  run: |-\n    echo hi\n" in text
    assert yaml.safe_load(text) == {"run": script, "short": {"run": "echo hi"}}


def test_comments_follow_their_values() -> None:
    data: dict[str, Value] = {
        "uses": CHECKOUT,
        "permissions": {"contents": Commented("read", "why")},
    }
    text = emit(data)
    assert f"uses: actions/checkout@{CHECKOUT.sha} # {CHECKOUT.version}\n" in text
    assert "  contents: read # why\n" in text
    assert yaml.safe_load(text) == _plain(data)


def test_scalars_and_empty_collections() -> None:
    data: dict[str, Value] = {
        "n": 15,
        "t": True,
        "f": False,
        "none": None,
        "empty": {},
        "nothing": [],
        "seq": [1, None, [], {}, ["inner", "list"]],
    }
    text = emit(data)
    assert "permissions" not in text
    assert "empty: {}\n" in text and "nothing: []\n" in text and "none:\n" in text
    assert yaml.safe_load(text) == data


def test_documents_are_spaced_and_deterministic() -> None:
    data: dict[str, Value] = {
        "name": "x",
        "jobs": {
            "a": {"steps": [{"run": "echo a"}]},
            "b": {"needs": "a", "steps": [{"run": "echo b"}]},
        },
    }
    text = emit_document(data, spaced=("jobs",))
    assert text == emit_document(data, spaced=("jobs",))
    assert "name: x\n\njobs:\n  a:\n" in text
    assert "echo a\n\n  b:\n" in text
    assert yaml.safe_load(text) == data
