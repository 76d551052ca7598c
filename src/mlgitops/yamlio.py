"""The one place that reads and writes YAML.

Reading keeps the line and column of every key and value, rejects duplicate
keys, bounds file size and alias expansion, and never constructs Python
objects beyond plain scalars, lists and dicts (YAML never runs code). Mapping
keys stay the strings written in the file, so `on:` is never read as `True`.
A date (`until: 2027-03-31`) stays the text written, once checked to be a real
date: the models parse it where they expect a date, and a string field takes
it as it reads.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Diagnostic

MAX_FILE_BYTES = 1024 * 1024
MAX_NODES = 100_000
# Deeper nesting than any spec needs; keeps the recursive builder far from Python's stack limit.
MAX_DEPTH = 64

Loc = tuple[str | int, ...]

try:  # the C loader is ~10x faster; fall back when libyaml is missing
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
    _Dumper: type[yaml.SafeDumper] = yaml.CSafeDumper  # type: ignore[assignment]
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader
    _Dumper = yaml.SafeDumper


@dataclass(frozen=True)
class Mark:
    line: int  # 1-based
    col: int  # 1-based


@dataclass
class LocatedDocument:
    """A YAML document as plain data plus the position of every path in it."""

    file: str
    data: Any
    key_marks: dict[Loc, Mark] = field(default_factory=dict)
    value_marks: dict[Loc, Mark] = field(default_factory=dict)
    # problems that do not stop reading (duplicate keys; the first value is kept),
    # filled only when parsing with keep_going=True
    problems: list[Diagnostic] = field(default_factory=list)

    def mark(self, loc: Loc, *, key: bool = False) -> Mark:
        """The closest known position of `loc`: its key (or value), else its parent's."""
        marks = (self.key_marks, self.value_marks) if key else (self.value_marks, self.key_marks)
        probe = tuple(loc)
        while True:
            for table in marks:
                if probe in table:
                    return table[probe]
            if not probe:
                return Mark(1, 1)
            probe = probe[:-1]

    def diagnostic(self, loc: Loc, message: str, *, key: bool = False) -> Diagnostic:
        mark = self.mark(loc, key=key)
        return Diagnostic(self.file, mark.line, mark.col, format_loc(loc), message)


class YamlLoadError(Exception):
    """The file is not YAML we accept; `diagnostic` is the first problem, `diagnostics` all."""

    def __init__(self, diagnostic: Diagnostic, more: list[Diagnostic] | None = None) -> None:
        super().__init__(str(diagnostic))
        self.diagnostic = diagnostic
        self.diagnostics = [diagnostic, *(more or [])]


def format_loc(loc: Loc) -> str:
    """('models', 'x', 'rules', 2, 'rule') -> 'models.x.rules[2].rule'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _mark(node: yaml.Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    def __init__(self, doc: LocatedDocument) -> None:
        self.doc = doc
        self.nodes = 0
        self.scalars = _Loader("")

    def fail(self, node: yaml.Node, loc: Loc, message: str) -> YamlLoadError:
        return YamlLoadError(
            Diagnostic(self.doc.file, *_mark_tuple(node), format_loc(loc), message)
        )

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            # an alias bomb's path is meaningless noise; its position is enough
            raise self.fail(
                node,
                (),
                f"the document expands to more than {MAX_NODES} values through "
                "aliases (*name); write the values out or use fewer nested aliases",
            )
        if len(loc) > MAX_DEPTH:
            raise self.fail(node, (), f"values are nested more than {MAX_DEPTH} levels deep")
        if node.tag not in _SAFE_TAGS[type(node)]:
            raise self.fail(
                node,
                loc,
                f"tag {_short_tag(node.tag)} is not allowed; "
                "YAML here holds plain values only (write the value without the tag)",
            )
        self.doc.value_marks.setdefault(loc, _mark(node))
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in self.merged_pairs(node):
                if not isinstance(key_node, yaml.ScalarNode):
                    raise self.fail(key_node, loc, "mapping keys must be plain strings")
                if key_node.tag not in _SAFE_TAGS[yaml.ScalarNode]:
                    raise self.fail(
                        key_node, loc, f"tag {_short_tag(key_node.tag)} is not allowed on a key"
                    )
                key = str(key_node.value)
                child = (*loc, key)
                if key in result:
                    first = self.doc.key_marks[child]
                    self.doc.problems.append(
                        Diagnostic(
                            self.doc.file,
                            *_mark_tuple(key_node),
                            format_loc(child),
                            f"duplicate key '{key}' (first defined on line {first.line}); keep one",
                        )
                    )
                    continue
                self.doc.key_marks[child] = _mark(key_node)
                result[key] = self.build(value_node, child)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        if node.tag == _STR_TAG:  # most scalars: PyYAML's constructor would return the text as is
            return node.value
        if node.tag == _CORE + "timestamp":
            return self.timestamp_text(node, loc)
        return self.scalars.construct_object(node, deep=True)

    def timestamp_text(self, node: yaml.ScalarNode, loc: Loc) -> str:
        """The date as written, once it is a real one (PyYAML raises on 2027-02-30)."""
        text = str(node.value)
        try:
            self.scalars.construct_yaml_timestamp(node)
        except (ValueError, AttributeError, OverflowError) as exc:
            # AttributeError: an explicit `!!timestamp` on text that is no date at all
            reason = f" ({exc})" if isinstance(exc, ValueError) else ""
            self.doc.problems.append(
                Diagnostic(
                    self.doc.file,
                    *_mark_tuple(node),
                    format_loc(loc),
                    f"not a valid date: {text}{reason}; write a real date (YYYY-MM-DD), "
                    "or quote the value to keep it as text",
                )
            )
        return text

    def merged_pairs(self, node: yaml.MappingNode) -> list[tuple[yaml.Node, yaml.Node]]:
        """Key/value pairs, with `<<: *anchor` merges expanded (explicit keys win, then the first merge)."""
        merged: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        own: list[tuple[yaml.Node, yaml.Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag != _CORE + "merge":
                own.append((key_node, value_node))
                continue
            sources = (
                value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            )
            for source in sources:
                if not isinstance(source, yaml.MappingNode):
                    raise self.fail(
                        source, (), "'<<' merges mappings only; give an alias of a mapping"
                    )
                # merges of merges can fan out like an alias bomb: count every pair visited
                for pair in self.merged_pairs(source):
                    self.nodes += 1
                    if self.nodes > MAX_NODES:
                        raise self.fail(
                            source,
                            (),
                            f"the document expands to more than {MAX_NODES} values "
                            "through merge keys (<<); write the values out",
                        )
                    merged.setdefault(str(pair[0].value), pair)
        if not merged:  # no `<<:` here (the common case)
            return own
        own_keys = {str(k.value) for k, _ in own}
        return [pair for key, pair in merged.items() if key not in own_keys] + own


# Only the core schema's plain types; any other tag (!!python/..., !!binary, !!set, !custom) is refused.
_CORE = "tag:yaml.org,2002:"
_STR_TAG = _CORE + "str"
_SAFE_TAGS: dict[type[yaml.Node], frozenset[str]] = {
    yaml.ScalarNode: frozenset(
        _CORE + t for t in ("str", "int", "float", "bool", "null", "timestamp")
    ),
    yaml.SequenceNode: frozenset({_CORE + "seq"}),
    yaml.MappingNode: frozenset({_CORE + "map"}),
}


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(_CORE) if tag.startswith(_CORE) else tag


def _mark_tuple(node: yaml.Node) -> tuple[int, int]:
    m = _mark(node)
    return m.line, m.col


def parse_text(text: str, file: str, *, keep_going: bool = False) -> LocatedDocument:
    """Parse one YAML document with positions. Raises YamlLoadError.

    With `keep_going`, duplicate keys do not raise: they are listed in
    `doc.problems` (the first value is kept), so a caller can report them with
    the file's other problems.
    """
    doc = LocatedDocument(file=file, data=None)
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_FILE_BYTES:
        raise YamlLoadError(_too_large(file, size))
    with _no_gc_pauses():
        return _parse(doc, text, file, keep_going=keep_going)


@contextmanager
def _no_gc_pauses() -> Iterator[None]:
    """Parsing allocates many small objects and no cycles: the cyclic collector's passes
    over the whole heap (large once pydantic is loaded) would cost more than the parse."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _parse(doc: LocatedDocument, text: str, file: str, *, keep_going: bool) -> LocatedDocument:
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        raise YamlLoadError(_syntax_diagnostic(exc, text, file)) from None
    except yaml.YAMLError as exc:
        raise YamlLoadError(Diagnostic(file, 1, 1, "", f"YAML error: {exc}")) from None
    except RecursionError:  # the pure-Python composer recurses per nesting level
        raise YamlLoadError(
            Diagnostic(file, 1, 1, "", f"values are nested more than {MAX_DEPTH} levels deep")
        ) from None
    if node is None or (
        isinstance(node, yaml.ScalarNode) and node.tag == _CORE + "null" and not node.value
    ):
        # no content at all, or a bare '---'
        raise YamlLoadError(
            Diagnostic(file, 1, 1, "", "file is empty; expected a mapping (key: value)")
        )
    doc.data = _Builder(doc).build(node, ())
    if doc.problems and not keep_going:
        raise YamlLoadError(doc.problems[0], doc.problems[1:])
    return doc


def _too_large(file: str, size: int) -> Diagnostic:
    limit = f"{MAX_FILE_BYTES / 1024 / 1024:g} MiB"
    return Diagnostic(
        file, 1, 1, "", f"file is {size:,} bytes, over the {limit} limit for YAML files"
    )


def _syntax_diagnostic(exc: yaml.MarkedYAMLError, text: str, file: str) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = exc.problem or "invalid YAML"
    lines = text.splitlines()
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    indent = source[: len(source) - len(source.lstrip(" \t"))]
    if "\t" in indent:
        # libyaml says "found character that cannot start any token", which hides the cause
        return Diagnostic(
            file,
            line,
            indent.index("\t") + 1,
            "",
            "YAML syntax error: a tab is used for indentation; indent with spaces",
        )
    if "maximum nesting depth" in problem:  # libyaml's own limit, deeper than ours
        return Diagnostic(
            file, line, col, "", f"values are nested more than {MAX_DEPTH} levels deep"
        )
    if "another document" in problem:
        return Diagnostic(
            file,
            line,
            col,
            "",
            "YAML syntax error: the file holds more than one document ('---'); keep one",
        )
    return Diagnostic(file, line, col, "", f"YAML syntax error: {problem}")


def load_file(path: Path, display: str, *, keep_going: bool = False) -> LocatedDocument:
    """Read and parse `path`; `display` is how the file is named in messages."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise YamlLoadError(Diagnostic(display, 1, 1, "", "file not found")) from None
    if size > MAX_FILE_BYTES:
        raise YamlLoadError(_too_large(display, size))
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - raw.rfind(b"\n", 0, exc.start)
        message = f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8"
        raise YamlLoadError(Diagnostic(display, line, col, "", message)) from None
    return parse_text(text, display, keep_going=keep_going)


def dump(data: Any, *, width: int = 120) -> str:
    """Deterministic block-style YAML (keys in insertion order)."""
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=width,
    )
