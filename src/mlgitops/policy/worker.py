"""The child process that evaluates rules (run as a script by `sandbox.py`).

It reads {"variables": {...}, "rules": [...]} as JSON on stdin, writes
{"ready": true} once the evaluator is loaded (so the parent can tell start-up
time from a rule's time), then one JSON line per rule, in order, as soon as
each is evaluated:
{"index": i, "ok": true, "type": "bool", "value": true} or
{"index": i, "ok": false, "kind": "KeyError", "error": "..."}.

Only the standard library and the CEL evaluator are imported, so the child
starts in tens of milliseconds. Rules are CEL: they cannot import, call
Python or touch files; the child exists so that a slow rule can be stopped.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any


@functools.cache
def load_cel() -> ModuleType:
    """The CEL evaluator's extension module.

    `import cel` also imports the package's interactive shell (prompt_toolkit,
    typer): ~90 ms, against ~15 ms for the extension alone, measured. The
    extension initialises once per process, so it is registered under its
    own name and a later `import cel` reuses it.
    """
    loaded = sys.modules.get("cel.cel")
    if loaded is not None:
        return loaded
    spec = importlib.util.find_spec("cel")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        for candidate in sorted(Path(location).glob("cel.*")):
            if candidate.suffix not in (".so", ".pyd"):
                continue
            ext_spec = importlib.util.spec_from_file_location("cel.cel", candidate)
            if ext_spec is None or ext_spec.loader is None:
                continue
            module = importlib.util.module_from_spec(ext_spec)
            sys.modules["cel.cel"] = module
            try:
                ext_spec.loader.exec_module(module)
            except BaseException:
                del sys.modules["cel.cel"]
                raise
            return module
    import cel  # the package layout changed: take the slow, documented way

    return cel


def _describe(value: Any) -> tuple[str, Any]:
    """(CEL-ish type name, JSON-safe value) of a result."""
    if isinstance(value, bool):
        return "bool", value
    if value is None:
        return "null", None
    if isinstance(value, int):
        return "int", value
    if isinstance(value, float):
        return "double", value
    if isinstance(value, str):
        return "string", value
    if isinstance(value, list | tuple):
        return "list", repr(value)[:200]
    if isinstance(value, dict):
        return "map", repr(value)[:200]
    return type(value).__name__, repr(value)[:200]


def evaluate(variables: dict[str, Any], rules: list[str]) -> Iterator[dict[str, Any]]:
    cel = load_cel()
    for index, rule in enumerate(rules):
        try:
            value = cel.compile(rule).execute(variables)
        except Exception as exc:  # every evaluator failure is a result, not a crash
            yield {"index": index, "ok": False, "kind": type(exc).__name__, "error": str(exc)}
            continue
        kind, shown = _describe(value)
        yield {"index": index, "ok": True, "type": kind, "value": shown}


READY = {"ready": True}


def main() -> int:
    request = json.load(sys.stdin)
    load_cel()
    sys.stdout.write(json.dumps(READY) + "\n")
    sys.stdout.flush()
    for line in evaluate(request["variables"], request["rules"]):
        sys.stdout.write(json.dumps(line) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
