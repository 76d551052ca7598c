"""Evaluate rules in a child process with a wall-clock limit per rule.

Bounded evaluation time, part two (part one is the static bounds in
`checker.py`). A thread cannot stop the evaluator: it holds the GIL for a
whole evaluation (measured: a 6.5 s rule froze every other thread for
6.5 s). A child process can be killed, so each rule gets `timeout` seconds
and a rule that takes longer becomes an error; the remaining rules run in a
fresh child. The child costs ~50 ms to start; its start-up (up to
`STARTUP_SECONDS` on a busy machine) is timed apart, until it says it is
ready, so that every rule, the first of a fresh child included, has exactly
`timeout` seconds.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from . import worker

RULE_TIMEOUT_SECONDS = 5.0
STARTUP_SECONDS = 20.0  # starting Python and the evaluator, on a busy CI machine, before any rule


@dataclass(frozen=True)
class Evaluation:
    """What the evaluator made of one rule."""

    ok: bool
    type: str = ""  # of the value, when ok
    value: Any = None
    kind: str = ""  # of the failure: KeyError, TypeError, Timeout, ...
    error: str = ""


def evaluate_rules(
    variables: dict[str, Any], rules: Sequence[str], *, timeout: float = RULE_TIMEOUT_SECONDS
) -> list[Evaluation]:
    """One evaluation per rule, in order; never raises for a bad rule."""
    results: list[Evaluation] = []
    while len(results) < len(rules):
        done = len(results)
        payload = json.dumps({"variables": variables, "rules": list(rules[done:])})
        batch = _run_child(payload, len(rules) - done, timeout)
        if batch[-1].kind == "WorkerFailed":  # the child cannot run at all: same for every rule
            batch += [batch[-1]] * (len(rules) - done - len(batch))
        results += batch
    return results


def _run_child(payload: str, count: int, timeout: float) -> list[Evaluation]:
    """Results of the first rules, ending early at a rule that timed out or a crash."""
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as stderr:
        # -I: ignore PYTHON* variables and the user's site-packages; the worker needs only `cel`
        process = subprocess.Popen(
            [sys.executable, "-I", str(Path(worker.__file__))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            encoding="utf-8",
        )
        try:
            return _collect(process, payload, count, timeout, stderr)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    stream.close()


def _collect(
    process: subprocess.Popen[str], payload: str, count: int, timeout: float, stderr: IO[str]
) -> list[Evaluation]:
    assert process.stdin is not None and process.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True).start()
    try:
        process.stdin.write(payload)
        process.stdin.close()
    except BrokenPipeError:
        pass  # the child died at start; reported below
    out: list[Evaluation] = []
    try:
        ready = lines.get(timeout=STARTUP_SECONDS)
    except queue.Empty:
        return [
            Evaluation(
                False,
                kind="WorkerFailed",
                error=f"the rule evaluator did not start within {STARTUP_SECONDS:g} s",
            )
        ]
    if ready is None:
        lines.put(None)  # the child ended before it was ready: reported below with its stderr
    for _ in range(count):
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            out.append(
                Evaluation(
                    False,
                    kind="Timeout",
                    error=f"evaluation took longer than {timeout:g} s and was stopped; "
                    "simplify the rule",
                )
            )
            return out
        if line is None:
            process.wait()
            stderr.seek(0)
            detail = (stderr.read().strip().splitlines() or ["no output"])[-1]
            kind = "WorkerFailed" if not out else "WorkerCrashed"
            out.append(Evaluation(False, kind=kind, error=f"the rule evaluator stopped: {detail}"))
            return out
        data = json.loads(line)
        out.append(
            Evaluation(
                ok=bool(data["ok"]),
                type=str(data.get("type", "")),
                value=data.get("value"),
                kind=str(data.get("kind", "")),
                error=str(data.get("error", "")),
            )
        )
    return out


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)
