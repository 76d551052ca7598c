"""The YAML reader and writer: positions, strictness, limits, determinism."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from mlgitops import yamlio
from mlgitops.errors import Diagnostic
from mlgitops.yamlio import Mark, YamlLoadError, dump, format_loc, load_file, parse_text


def _parse(text: str, **kwargs: bool) -> yamlio.LocatedDocument:
    return parse_text(textwrap.dedent(text).lstrip("\n"), "f.yaml", **kwargs)


def _error(text: str) -> str:
    with pytest.raises(YamlLoadError) as info:
        _parse(text)
    return str(info.value.diagnostic)


# --- positions ----------------------------------------------------------------


def test_positions_of_keys_and_values() -> None:
    doc = _parse("""
        models:
          churn:
            metrics: [roc_auc, accuracy]
            gates:
              roc_auc: {min: 0.8}
    """)
    assert doc.key_marks[("models", "churn")] == Mark(2, 3)
    assert doc.value_marks[("models", "churn", "metrics", 1)] == Mark(3, 24)
    assert doc.mark(("models", "churn", "gates", "roc_auc", "min")) == Mark(5, 22)
    assert doc.mark(("models", "churn", "gates", "roc_auc"), key=True) == Mark(5, 7)


def test_mark_falls_back_to_the_closest_parent() -> None:
    doc = _parse("a:\n  b: 1\n")
    assert doc.mark(("a", "b", "c", 3)) == Mark(2, 6)
    assert doc.mark(("nothing", "here")) == Mark(1, 1)


def test_diagnostic_names_file_position_and_path() -> None:
    doc = _parse("rules:\n  - name: x\n    rule: 'true'\n")
    assert doc.diagnostic(("rules", 0, "rule"), "bad") == Diagnostic(
        "f.yaml", 3, 11, "rules[0].rule", "bad"
    )
    assert str(doc.diagnostic(("rules", 0, "rule"), "bad")) == "f.yaml:3:11: rules[0].rule: bad"


def test_format_loc() -> None:
    assert format_loc(("models", "x", "rules", 2, "rule")) == "models.x.rules[2].rule"
    assert format_loc((0, "a")) == "[0].a"
    assert format_loc(()) == ""


# --- what YAML may hold ----------------------------------------------------------


def test_on_stays_a_string_key() -> None:
    doc = _parse("on: push\nyes: 1\noff: 2\n1: 3\n")
    assert list(doc.data) == ["on", "yes", "off", "1"]


def test_plain_scalars_keep_their_types_and_dates_their_text() -> None:
    doc = _parse("a: 1\nb: 1.5e-4\nc: true\nd: null\ne: 2027-03-31\nf: '1'\n")
    assert doc.data == {
        "a": 1,
        "b": 1.5e-4,
        "c": True,
        "d": None,
        "e": "2027-03-31",  # checked to be a date; the models parse it where one is expected
        "f": "1",
    }


def test_an_impossible_date_is_a_located_problem_never_a_crash() -> None:
    text = "a: 2027-02-30\nb:\n  - !!timestamp someday\n  - 2027-13-01 10:00:00\nc: 2027-02-28\n"
    with pytest.raises(YamlLoadError) as caught:
        _parse(text)
    assert [str(d) for d in caught.value.diagnostics] == [
        "f.yaml:1:4: a: not a valid date: 2027-02-30 (day is out of range for month); "
        "write a real date (YYYY-MM-DD), or quote the value to keep it as text",
        "f.yaml:3:5: b[0]: not a valid date: someday; "
        "write a real date (YYYY-MM-DD), or quote the value to keep it as text",
        "f.yaml:4:5: b[1]: not a valid date: 2027-13-01 10:00:00 (month must be in 1..12); "
        "write a real date (YYYY-MM-DD), or quote the value to keep it as text",
    ]
    doc = _parse(text, keep_going=True)  # listed with the file's other problems, text kept
    assert len(doc.problems) == 3
    assert doc.data == {
        "a": "2027-02-30",
        "b": ["someday", "2027-13-01 10:00:00"],
        "c": "2027-02-28",
    }


def test_duplicate_keys_are_errors() -> None:
    assert (
        _error("a: 1\nb: 2\na: 3\n")
        == "f.yaml:3:1: a: duplicate key 'a' (first defined on line 1); keep one"
    )


def test_duplicate_keys_can_be_collected() -> None:
    doc = _parse("a: 1\nb: {x: 1, x: 2}\na: 3\n", keep_going=True)
    assert doc.data == {"a": 1, "b": {"x": 1}}  # the first value stays
    assert [str(p) for p in doc.problems] == [
        "f.yaml:2:11: b.x: duplicate key 'x' (first defined on line 2); keep one",
        "f.yaml:3:1: a: duplicate key 'a' (first defined on line 1); keep one",
    ]
    with pytest.raises(YamlLoadError) as info:
        _parse("a: 1\nb: {x: 1, x: 2}\na: 3\n")
    assert len(info.value.diagnostics) == 2


def test_merge_keys_expand_and_explicit_keys_win() -> None:
    doc = _parse("""
        base: &base {impute: median, scale: standard}
        other: &other {scale: minmax, encode: onehot}
        numeric:
          <<: [*base, *other]
          impute: mean
    """)
    assert doc.data["numeric"] == {"scale": "standard", "encode": "onehot", "impute": "mean"}
    assert doc.key_marks[("numeric", "impute")] == Mark(5, 3)


def test_merge_of_a_scalar_is_an_error() -> None:
    assert "'<<' merges mappings only" in _error("a: &a 1\nb:\n  <<: *a\n")


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("a: !!python/object/apply:os.system [echo hi]\n", "!!python/object/apply:os.system"),
        ("a: !!python/name:os.system ''\n", "!!python/name:os.system"),
        ("a: !!binary aGVsbG8=\n", "!!binary"),
        ("a: !!set {x, y}\n", "!!set"),
        ("a: !!omap [{x: 1}]\n", "!!omap"),
        ("a: !env HOME\n", "!env"),
        ("a: !custom {x: 1}\n", "!custom"),
    ],
)
def test_tags_are_refused(text: str, tag: str) -> None:
    message = _error(text)
    assert message.startswith(f"f.yaml:1:4: a: tag {tag} is not allowed")


def test_tagged_key_is_refused() -> None:
    assert "tag !!python/name:os.system is not allowed on a key" in _error(
        "!!python/name:os.system x: 1\n"
    )


def test_explicit_core_tags_are_fine() -> None:
    assert _parse("a: !!str 5\nb: !!int '7'\nc: !!map {x: 1}\nd: !!seq [1]\n").data == {
        "a": "5",
        "b": 7,
        "c": {"x": 1},
        "d": [1],
    }


def test_non_string_keys_are_refused() -> None:
    assert _error("? [a, b]\n: 1\n") == "f.yaml:1:3: mapping keys must be plain strings"


# --- broken files ------------------------------------------------------------------


def test_syntax_error_position() -> None:
    assert _error("a: [1, 2\nb: 3\n").startswith("f.yaml:2:2: YAML syntax error:")


def test_tab_indentation_is_named() -> None:
    assert (
        _error("a:\n\tb: 1\n")
        == "f.yaml:2:1: YAML syntax error: a tab is used for indentation; indent with spaces"
    )


def test_tabs_inside_values_are_fine() -> None:
    assert _parse('a: "x\\ty"\nb: |\n  col1\tcol2\n').data == {"a": "x\ty", "b": "col1\tcol2\n"}


def test_several_documents_are_refused() -> None:
    assert _error("a: 1\n---\nb: 2\n") == (
        "f.yaml:2:1: YAML syntax error: the file holds more than one document ('---'); keep one"
    )


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_empty_documents(text: str) -> None:
    with pytest.raises(YamlLoadError) as info:
        parse_text(text, "f.yaml")
    assert str(info.value) == "f.yaml:1:1: file is empty; expected a mapping (key: value)"


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert load_file(path, "bom.yaml").data == {"a": 1}


def test_non_utf8_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes("a: 1\nname: d\xe9mo\n".encode("latin-1"))
    with pytest.raises(YamlLoadError) as info:
        load_file(path, "latin.yaml")
    assert (
        str(info.value) == "latin.yaml:2:8: file is not valid UTF-8 (byte 0xe9); save it as UTF-8"
    )


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(YamlLoadError) as info:
        load_file(tmp_path / "nope.yaml", "nope.yaml")
    assert str(info.value) == "nope.yaml:1:1: file not found"


# --- limits ----------------------------------------------------------------------


def test_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("a: 1\n" + "#" * yamlio.MAX_FILE_BYTES + "\n", encoding="utf-8")
    with pytest.raises(YamlLoadError) as info:
        load_file(path, "big.yaml")
    assert (
        str(info.value)
        == f"big.yaml:1:1: file is {path.stat().st_size:,} bytes, over the 1 MiB limit for YAML files"
    )
    with pytest.raises(YamlLoadError):
        parse_text(path.read_text(encoding="utf-8"), "big.yaml")


def test_just_under_the_size_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text("a: 1\n" + "#" * (yamlio.MAX_FILE_BYTES - 10) + "\n", encoding="utf-8")
    assert load_file(path, "ok.yaml").data == {"a": 1}


def test_alias_bomb_stops_quickly() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{', '.join(['*' + previous] * 9)}]")
    with pytest.raises(YamlLoadError) as info:  # stops at the node limit, never expands it all
        parse_text("\n".join(lines) + "\n", "bomb.yaml")
    assert f"expands to more than {yamlio.MAX_NODES} values through aliases" in str(info.value)


def test_merge_key_bomb_stops_quickly() -> None:
    lines = ["a: &a {k0: 1, k1: 2}"]
    for previous, name in zip("abcdefghi", "bcdefghij", strict=True):
        lines.append(f"{name}: &{name} {{<<: [{', '.join(['*' + previous] * 9)}]}}")
    with pytest.raises(YamlLoadError) as info:  # stops at the node limit, never expands it all
        parse_text("\n".join(lines) + "\n", "bomb.yaml")
    assert "through merge keys (<<)" in str(info.value)


def test_aliases_below_the_limit_are_fine() -> None:
    doc = _parse("a: &a [1, 2, 3]\nb: *a\nc: *a\n")
    assert doc.data == {"a": [1, 2, 3], "b": [1, 2, 3], "c": [1, 2, 3]}


@pytest.mark.parametrize("depth", [yamlio.MAX_DEPTH + 1, 900, 5000])
def test_deep_nesting_is_refused(depth: int) -> None:
    with pytest.raises(YamlLoadError) as info:
        parse_text("a: " + "[" * depth + "]" * depth + "\n", "deep.yaml")
    assert "nested" in str(info.value)


def test_nesting_up_to_the_limit_is_fine() -> None:
    depth = yamlio.MAX_DEPTH - 1  # plus the top-level key
    assert parse_text("a: " + "[" * depth + "]" * depth + "\n", "ok.yaml").data["a"] is not None


# --- dumping -----------------------------------------------------------------------


def test_dump_is_deterministic_and_keeps_key_order() -> None:
    data = {
        "name": "ci",
        "on": {"push": {"branches": ["main"]}},
        "permissions": {},
        "jobs": {"b": 1, "a": 2},
        "text": "ünïcode",
        "multi": "line one\nline two\n",
    }
    first = dump(data)
    assert first == dump(data)
    assert (
        first.index("name")
        < first.index("'on'")
        < first.index("permissions")
        < first.index("b: 1")
        < first.index("a: 2")
    )
    assert "ünïcode" in first
    assert parse_text(first, "round.yaml").data == data


def test_dump_block_style() -> None:
    assert dump({"a": [1, 2], "b": {"c": None}}) == "a:\n- 1\n- 2\nb:\n  c: null\n"
