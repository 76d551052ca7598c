"""Map an offset inside a rule to the line and column in its policy file.

A rule is a YAML scalar: plain, quoted ('...' or "...") or a block (| or >).
Folding and indentation change only whitespace, so the n-th non-blank
character of the rule is the n-th non-blank character of the scalar's text
(counting an escape such as \\" or '' as one character).
"""

from __future__ import annotations

_BLANK = " \t\r\n"


def locate(text: str, line: int, col: int, rule: str, offset: int) -> tuple[int, int]:
    """File (line, column), both 1-based, of `rule[offset]`; the scalar starts at (line, col)."""
    start = _index(text, line, col)
    if start >= len(text):
        return line, col
    opener = text[start]
    escape = ""
    pos = start
    if opener in "\"'":
        escape, pos = ("\\" if opener == '"' else "'"), start + 1
    elif opener in "|>":
        newline = text.find("\n", start)
        pos = len(text) if newline < 0 else newline + 1
    wanted = sum(1 for char in rule[:offset] if char not in _BLANK)
    at_end = not rule[offset:].strip()  # a problem after the last character (e.g. "ends too early")
    if wanted == 0 and at_end:
        return _coords(text, pos)
    seen = 0
    while pos < len(text):
        char = text[pos]
        if char in _BLANK:
            pos += 1
            continue
        if seen == wanted and not at_end:
            return _coords(text, pos)
        doubled = escape == "'" and char == "'" and text.startswith("''", pos)
        pos += 2 if (escape == "\\" and char == "\\") or doubled else 1
        seen += 1
        if at_end and seen == wanted:
            return _coords(text, pos)
    return _coords(text, min(pos, len(text)))


def _index(text: str, line: int, col: int) -> int:
    pos = 0
    for _ in range(line - 1):
        newline = text.find("\n", pos)
        if newline < 0:
            return len(text)
        pos = newline + 1
    return pos + col - 1


def _coords(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def offset_of(rule: str, line: int, col: int) -> int:
    """Offset of a 1-based (line, column) inside the rule text (as the evaluator reports them)."""
    lines = rule.split("\n")
    line = max(1, min(line, len(lines)))
    return min(len(rule), sum(len(text) + 1 for text in lines[: line - 1]) + max(col - 1, 0))
