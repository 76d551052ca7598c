"""`models/<model>/versions/N/manifest.json`: whose version this is, and each artifact's sha256.

This module is the one reader and writer of the file. A manifest names its
model and version, so a version copied to another place does not check out
there, and maps the plain file names of the version's artifacts to their
digests: a name is never a path (no `/`, `..` or dot files), so nothing a
manifest says can make mlgitops read or write outside the version.

A manifest of the wrong shape is reported with its file, line and field, every
problem at once.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .errors import BadInputError, Diagnostic
from .paths import plain_name_problem

MANIFEST = "manifest.json"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_KEYS = ("model", "version", "sha256")
_HINT = "the manifest was edited by hand or copied from another version; restore it from git"


@dataclass(frozen=True)
class Manifest:
    model: str
    version: int
    sha256: dict[str, str]  # artifact file name -> hex digest

    def to_bytes(self) -> bytes:
        doc = {
            "model": self.model,
            "version": self.version,
            "sha256": dict(sorted(self.sha256.items())),
        }
        return (json.dumps(doc, indent=2) + "\n").encode("utf-8")


class ManifestError(BadInputError):
    """A manifest that cannot be trusted: every problem, each at its line and field."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        more = f" (and {len(diagnostics) - 1} more)" if len(diagnostics) > 1 else ""
        super().__init__(f"{diagnostics[0]}{more}", hint=_HINT)

    def lines(self) -> list[str]:
        return [str(d) for d in self.diagnostics] + [f"hint: {self.hint}"]


def artifact_field(name: str) -> str:
    """The field of an artifact's digest as messages name it: `sha256.model.onnx`, or the name
    quoted (control and non-ASCII characters escaped) when it is not a plain name."""
    return f"sha256.{name}" if plain_name_problem(name) is None else f"sha256[{json.dumps(name)}]"


def parse_manifest(raw: bytes, shown: str, *, model: str, version: int) -> Manifest:
    """The manifest in `raw` (the file `shown`, of `model` version `version`); ManifestError
    for anything else."""
    problems: list[Diagnostic] = []
    text = raw.decode("utf-8", errors="replace")
    try:
        data: Any = json.loads(text)
    except ValueError as exc:
        line, col = getattr(exc, "lineno", 1), getattr(exc, "colno", 1)
        message = getattr(exc, "msg", str(exc))
        raise ManifestError([Diagnostic(shown, line, col, "", f"is not JSON: {message}")]) from None

    def problem(field: str, message: str, needle: str | None = None) -> None:
        line = line_of(text, field if needle is None else needle)
        problems.append(Diagnostic(shown, line, 1, field, message))

    if not isinstance(data, dict):
        found = "a list" if isinstance(data, list) else f"a {type(data).__name__}"
        problem("", f"must be a JSON object with {', '.join(_KEYS)}; found {found}")
        raise ManifestError(problems)
    for key in data:
        if key not in _KEYS:
            problem(str(key), f"unknown key; a manifest holds {', '.join(_KEYS)}", json.dumps(key))
    for key in _KEYS:
        if key not in data:
            problem(key, "is missing", "")
    where = f"models/{model}/versions/{version}"
    found_model = data.get("model")
    if "model" in data and not isinstance(found_model, str):
        problem("model", f"must be a string; found {_kind(found_model)}", '"model"')
    elif isinstance(found_model, str) and found_model != model:
        problem(
            "model",
            f"names model {json.dumps(found_model)}, but the manifest lies in {where}",
            '"model"',
        )
    found_version = data.get("version")
    if "version" in data and (type(found_version) is not int):
        problem("version", f"must be a whole number; found {_kind(found_version)}", '"version"')
    elif isinstance(found_version, int) and found_version != version:
        problem(
            "version",
            f"names version {found_version}, but the manifest lies in {where}",
            '"version"',
        )
    digests = data.get("sha256")
    if "sha256" in data and not isinstance(digests, dict):
        problem(
            "sha256", f"must be an object of file name: sha256; found {_kind(digests)}", '"sha256"'
        )
    elif isinstance(digests, dict):
        for name, digest in digests.items():
            field, needle = artifact_field(name), json.dumps(name)
            bad_name = plain_name_problem(name)
            if bad_name or name == MANIFEST:
                problem(field, bad_name or "the manifest does not list itself", needle)
            elif not isinstance(digest, str) or not _SHA256.fullmatch(digest):
                problem(field, "must be a sha256: 64 lower-case hex digits", needle)
    if problems:
        raise ManifestError(problems)
    assert isinstance(found_model, str) and isinstance(found_version, int)
    assert isinstance(digests, dict)
    return Manifest(found_model, found_version, {str(k): str(v) for k, v in digests.items()})


def line_of(text: str, needle: str) -> int:
    """The first line holding `needle` (1 when none does): JSON keeps no positions."""
    if not needle:
        return 1
    return next((i for i, line in enumerate(text.splitlines(), 1) if needle in line), 1)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    kinds = {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number"}
    return kinds.get(type(value), type(value).__name__)
