"""User and data text on its way out: shown as written, never read as markup.

Column names, category values, class labels, project and policy names come from
files anyone can edit. On the terminal rich would read `[/x]` in them as markup
(and crash); in a pull request GitHub would read `<img …>`, `@someone`,
`[x](javascript:…)` or `</details>` as HTML, a notification or a link. Every
writer goes through the helpers here, so the rule is kept in one place:

- terminal: `plain(value)` is a rich `Text` (never parsed), and `console()` is a
  console that parses no markup, emoji codes or "highlights" in any string;
- Markdown: `md(value)` for paragraphs and table cells, `md_code(value)` for an
  inline code span, each one line and capped at `MAX_VALUE_CHARS`;
- workflow commands: `annotation(value)` escapes `::error::` text as GitHub asks.

`suggest(name, choices)` is the " (did you mean 'x'?)" every message about a
mistyped name ends with.

Only this module imports nothing heavy: rich is imported where a console is made.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

MAX_VALUE_CHARS = 200  # one value in a report; the file keeps all of it
_PLAIN_LINE = re.compile(r"(?:[ -~]*[!-~])?")  # printable ASCII, not ending in a space

# characters that start Markdown inline syntax (backslash-escaped; CommonMark allows
# a backslash before any ASCII punctuation); `_` inside a word (log_loss) is no emphasis,
# and `(` starts nothing once every `[` and `]` is escaped
_MARKDOWN = re.compile(r"([\\`*{}\[\]#!|~$]|(?<![^\W_])_|_(?![^\W_]))")
# what starts a block only at the start of a line: a list item, a setext underline
# or thematic break (`- x`, `+ x`, `1. x`, `===`, `---`); `+0.01` and `0.5` are text
_LINE_START = re.compile(r"^(\d*)([-+](?=\s|$)|-(?=[-\s]*$)|=(?==*\s*$)|(?<=\d)[.)](?=\s|$))")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# GitHub links `@user`, `#123`, `owner/repo#123`, bare URLs and e-mail addresses in
# text; a zero-width joiner after `@`/`#`, or inside `://` and `www.`, keeps them text
_JOINER = "\u200d"
_AUTOLINK = re.compile(r"(?<=[@#])(?=\w)|(?<=:)(?=//)|(?<=www)(?=\.)", re.IGNORECASE)


def capped(value: object, limit: int | None = MAX_VALUE_CHARS) -> str:
    """`value` as a string of at most about `limit` characters; a cut says how long it was."""
    raw = str(value)
    if limit is None or len(raw) <= limit:
        return raw
    return f"{raw[:limit]}… (cut, {len(raw):,} characters in all)"


def one_line(value: object, limit: int | None = MAX_VALUE_CHARS) -> str:
    """Capped, with every run of whitespace (newlines, tabs) made one space."""
    return capped(" ".join(str(value).split()), limit)


# --- terminal ---------------------------------------------------------------------


def plain(value: object, style: str = "") -> Text:
    """A rich `Text` of `value` exactly: brackets are brackets, never markup."""
    from rich.text import Text

    return Text(str(value), style=style)


def unwrapped_line(value: object, streams: tuple[int, ...] = (0, 1, 2)) -> str | None:
    """`value` when it is a plain `str` that `console()` would print as it is, on one line;
    else None (print it through the console then).

    Printable ASCII only (no control codes to strip, one column a character), no trailing
    space, and shorter than any width rich could choose ($COLUMNS, the size of a terminal
    on stdin, stdout or stderr, or 80): such a line is never wrapped. Writing it directly
    spares a command that prints one short message the import of rich."""
    if type(value) is not str or not _PLAIN_LINE.fullmatch(value):
        return None
    widths = [80]
    columns = os.environ.get("COLUMNS")
    if columns is not None and columns.isdigit():
        widths.append(int(columns))
    for stream in streams:
        with contextlib.suppress(AttributeError, ValueError, OSError):  # not a terminal
            widths.append(os.get_terminal_size(stream).columns or 80)
    return value if len(value) < min(widths) else None


def console(**options: Any) -> Console:
    """A rich console that reads no markup, emoji codes or highlights in any string, so a
    plain `str` from data prints as written (styles come only from `Text` the code builds)."""
    from rich.console import Console

    return Console(markup=False, emoji=False, highlight=False, **options)


# --- Markdown ---------------------------------------------------------------------


def md(value: object, limit: int | None = MAX_VALUE_CHARS) -> str:
    """Text safe in a Markdown paragraph or table cell: one line, capped, no markup, no
    HTML, no mention, issue reference or link."""
    escaped = _MARKDOWN.sub(r"\\\1", one_line(value, limit))
    escaped = _LINE_START.sub(r"\1\\\2", escaped)
    escaped = "".join(_HTML.get(ch, ch) for ch in escaped)
    return _AUTOLINK.sub(_JOINER, escaped)


def md_code(value: object, limit: int | None = MAX_VALUE_CHARS, *, cell: bool = False) -> str:
    """An inline code span holding `value` (one line, capped): nothing inside a code span is
    markup, HTML, a mention or a link. In a table `cell`, `|` is escaped as GFM asks (it
    would end the cell even inside the span). A value holding `<` or `>` is escaped text
    instead: no raw angle bracket reaches the document, even where it would be harmless."""
    flat = one_line(value, limit)
    if "<" in flat or ">" in flat:
        return md(flat, None)
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or not flat.strip() else ""
    if cell:
        flat = flat.replace("|", "\\|")
    return f"{fence}{pad}{flat}{pad}{fence}"


def fenced(body: str, language: str = "") -> str:
    """A fenced code block that no line of `body` can close early."""
    longest = max((len(run) for run in re.findall(r"`{3,}|~{3,}", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{body.rstrip()}\n{fence}"


# --- GitHub workflow commands -----------------------------------------------------


def annotation(value: str, *, property_value: bool = False) -> str:
    """`value` escaped for a workflow command (`::error file=…::message`), as GitHub's
    runner decodes it: `%`, CR and LF always; `:` and `,` in a property too."""
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def suggest(name: str, choices: Iterable[str]) -> str:
    """ " (did you mean 'x'?)" for the choice closest to a mistyped `name`, or ""."""
    import difflib  # here: needed only when a name is wrong, and costs start-up

    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
