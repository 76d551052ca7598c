"""Checking Mermaid blocks: with Mermaid's own parser (tests/mermaid, `make mermaid-env`),
and by the grammar's shape where no parser is installed."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

MERMAID_DIR = Path(__file__).resolve().parent / "mermaid"
BLOCK = re.compile(r"```mermaid\n(.*?)\n```", re.DOTALL)


def blocks(markdown: str) -> list[str]:
    return BLOCK.findall(markdown)


def mermaid_parse(diagrams: list[str]) -> list[dict[str, object]]:
    """Mermaid's own parse of each diagram (node + jsdom, installed by `make mermaid-env`)."""
    node = shutil.which("node")
    if node is None or not (MERMAID_DIR / "node_modules" / "mermaid").is_dir():
        # `make test` installs it; a check that cannot run must not pass quietly
        pytest.fail(
            "Mermaid's parser is not installed: run `make mermaid-env` (needs node and npm)"
        )
    proc = subprocess.run(
        [node, str(MERMAID_DIR / "parse.mjs")],
        input=json.dumps(diagrams),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return list(json.loads(proc.stdout))


def shape_problems(diagram: str) -> list[str]:
    """The grammar's shape, checked without Mermaid: every line a known statement."""
    lines = diagram.splitlines()
    problems = [] if lines[0] in ("xychart-beta", "xychart-beta horizontal") else ["header"]
    string = r'"[^"\n]*"'
    patterns = [
        rf"    title {string}",
        rf"    x-axis( {string})? \[{string}(, {string})*\]",
        rf"    x-axis( {string})? -?[\d.e+-]+ --> -?[\d.e+-]+",
        rf"    y-axis {string} -?[\d.e+-]+ --> -?[\d.e+-]+",
        r"    (bar|line) \[-?[\d.e+-]+(, -?[\d.e+-]+)*\]",
    ]
    for line in lines[1:]:
        if not any(re.fullmatch(p, line) for p in patterns):
            problems.append(line)
    return problems
