"""A small YAML emitter for workflow files.

PyYAML cannot write what a reviewed workflow needs: `on:` as a plain key (a
YAML 1.1 dumper quotes it), `run:` scripts as literal blocks, and trailing
comments (`uses: …@sha # v7.0.1`, why a permission is granted). Workflow
data is small (mappings, lists, strings, numbers, booleans), so this emitter
writes exactly that subset, deterministically: same data, same bytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeAlias

import yaml

from .actions import ActionRef

Scalar = str | int | float | bool | None


@dataclass(frozen=True)
class Commented:
    """A scalar emitted with a trailing `# comment`."""

    value: Scalar
    comment: str


Value: TypeAlias = Scalar | Commented | ActionRef | Mapping[str, "Value"] | Sequence["Value"]

INDENT = "  "
# Keys GitHub uses are plain words; `on` stays `on` (YAML 1.1 would read it as a boolean).
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
# Characters a plain scalar may start with in block context without meaning something else.
_PLAIN_START = re.compile(r"[A-Za-z0-9_./$(~=<+^]")
# YAML 1.2 numbers that YAML 1.1 (PyYAML) reads as strings; GitHub's parser reads them as numbers.
_YAML12_NUMBER = re.compile(
    r"[-+]?(0o[0-7]+|0x[0-9a-fA-F]+|[0-9][0-9_]*|\.[0-9]+|[0-9]+\.[0-9]*)([eE][-+]?[0-9]+)?"
)
_RESOLVER = yaml.resolver.Resolver()


def emit_document(data: Mapping[str, Value], *, spaced: Sequence[str] = ()) -> str:
    """Block-style YAML for `data`; a blank line between top-level keys and between the
    entries of each top-level mapping named in `spaced` (e.g. the jobs)."""
    chunks: list[str] = []
    for key, value in data.items():
        if key in spaced and isinstance(value, Mapping) and value:
            entries = ["\n".join(_mapping({k: v}, 1)) for k, v in value.items()]
            chunks.append(f"{_key(key)}:\n" + "\n\n".join(entries))
        else:
            chunks.append("\n".join(_mapping({key: value}, 0)))
    return "\n\n".join(chunks) + "\n"


def emit(value: Mapping[str, Value]) -> str:
    """Block-style YAML for one mapping."""
    return "\n".join(_mapping(value, 0)) + "\n"


def _mapping(data: Mapping[str, Value], depth: int) -> list[str]:
    pad = INDENT * depth
    lines: list[str] = []
    for key, value in data.items():
        head = f"{pad}{_key(key)}:"
        if isinstance(value, str) and (key == "run" or "\n" in value) and _block_safe(value):
            lines.append(head + " " + _block_indicator(value))
            lines.extend(_block_lines(value, depth + 1))
        elif isinstance(value, Mapping):
            if value:
                lines.append(head)
                lines.extend(_mapping(value, depth + 1))
            else:
                lines.append(head + " {}")
        elif isinstance(value, Sequence) and not isinstance(value, str):
            if value:
                lines.append(head)
                lines.extend(_sequence(value, depth + 1))
            else:
                lines.append(head + " []")
        elif value is None:
            lines.append(head)
        else:
            lines.append(f"{head} {_inline(value)}")
    return lines


def _sequence(items: Sequence[Value], depth: int) -> list[str]:
    pad = INDENT * depth
    lines: list[str] = []
    for item in items:
        if isinstance(item, Mapping) and item:
            inner = _mapping(item, depth + 1)
            lines.append(pad + "- " + inner[0][len(pad) + len(INDENT) :])
            lines.extend(inner[1:])
        elif isinstance(item, Sequence) and not isinstance(item, str) and item:
            inner = _sequence(item, depth + 1)
            lines.append(pad + "- " + inner[0][len(pad) + len(INDENT) :])
            lines.extend(inner[1:])
        elif isinstance(item, str) and "\n" in item and _block_safe(item):
            lines.append(pad + "- " + _block_indicator(item))
            lines.extend(_block_lines(item, depth + 1))
        elif isinstance(item, Mapping):
            lines.append(pad + "- {}")
        elif isinstance(item, Sequence) and not isinstance(item, str):
            lines.append(pad + "- []")
        else:
            lines.append(pad + "- " + ("null" if item is None else _inline(item)))
    return lines


def _key(key: str) -> str:
    return key if _PLAIN_KEY.fullmatch(key) else _quoted(key)


def _inline(value: Scalar | Commented | ActionRef) -> str:
    if isinstance(value, Commented):
        return f"{_scalar(value.value)} # {value.comment}"
    if isinstance(value, ActionRef):
        return f"{value.uses} # {value.version}"
    return _scalar(value)


def _scalar(value: Scalar) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return value if _plain_safe(value) else _quoted(value)


def _plain_safe(text: str) -> bool:
    """True when `text` reads back as this same string, unquoted, in YAML 1.1 and 1.2."""
    if not text or text != text.strip() or not _PLAIN_START.match(text):
        return False
    if ": " in text or " #" in text or text.endswith(":") or "\t" in text:
        return False
    if any(not ch.isprintable() for ch in text):
        return False
    if _YAML12_NUMBER.fullmatch(text):
        return False
    tag = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    return bool(tag == "tag:yaml.org,2002:str")


def _quoted(text: str) -> str:
    if "'" not in text and text.isprintable():
        return f"'{text}'"
    # JSON string escapes are valid YAML double-quoted escapes
    return json.dumps(text, ensure_ascii=False)


def _block_safe(text: str) -> bool:
    lines = text.split("\n")
    return (
        bool(text.strip())
        and not text[0].isspace()
        and not text.endswith("\n\n")
        and all(ch.isprintable() or ch == "\t" for line in lines for ch in line)
        and all(line == line.rstrip() for line in lines)
    )


def _block_indicator(text: str) -> str:
    return "|" if text.endswith("\n") else "|-"


def _block_lines(text: str, depth: int) -> list[str]:
    pad = INDENT * depth
    body = text[:-1] if text.endswith("\n") else text
    return [pad + line if line else "" for line in body.split("\n")]
