"""Plain lines written without rich: exactly what the console would print, or not taken."""

from __future__ import annotations

import io

import pytest
from rich.text import Text

from mlgitops.text import console, unwrapped_line

LINES = [
    "",
    "mlops.yaml is valid: 4 dataset(s), 4 model(s), 4 file(s) checked",
    "  indented, and [bold]markup[/bold] that stays text [/x]",
    ":smile: emoji codes and 'highlights' 1.0 0x1f http://example.com None True",
    "x" * 39,
    "x" * 40,
    "a " * 30,
    "trailing space ",
    "tab\there",
    "bell\a and escape \x1b[31m red",
    "carriage\rreturn",
    "two\nlines",
    "ünïcode 名前",
    "word " * 20 + "end",
]


def _through_rich(value: object, width: int) -> str:
    buffer = io.StringIO()
    console(soft_wrap=False, file=buffer, width=width).print(value)
    return buffer.getvalue()


@pytest.mark.parametrize("width", [1, 20, 40, 41, 80, 200])
@pytest.mark.parametrize("value", LINES)
def test_a_line_taken_is_what_rich_prints(
    monkeypatch: pytest.MonkeyPatch, value: str, width: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    line = unwrapped_line(value, streams=())
    if line is not None:
        assert line + "\n" == _through_rich(value, width)
    elif value.isascii() and value.isprintable() and not value.endswith(" "):
        assert len(value) >= min(width, 80)  # refused only for its length


def test_short_plain_lines_are_taken_and_the_rest_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    assert unwrapped_line(LINES[1], streams=()) == LINES[1]
    assert unwrapped_line("x" * 79, streams=()) == "x" * 79
    assert unwrapped_line("x" * 80, streams=()) is None  # 80 columns when nothing says more
    for value in ("tab\there", "two\nlines", "ünï", "end ", Text("styled"), 3):
        assert unwrapped_line(value, streams=()) is None
