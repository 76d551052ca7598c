"""The command line: parse arguments, call a verb, print its outcome, exit.

This is the one module that prints and exits. Errors become messages and exit
statuses (0 ok, 1 check failed, 2 bad input, 3 outside service failed, 4 a
bug in mlgitops); a traceback is shown only with --verbose.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .commands import Annotation, Context, Outcome
from .errors import EXIT_BAD_INPUT, EXIT_EXTERNAL, EXIT_INTERNAL, MlgitopsError, SpecError

# one module per verb under mlgitops.commands, imported only to build the parser
VERBS = (
    "init",
    "validate",
    "schema",
    "compile",
    "snapshot",
    "plan",
    "run",
    "drift",
    "policy",
    "promote",
    "release",
    "serve",
    "status",
    "predict",
    "report",
    "verify",
    "rollback",
    "history",
)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; with `argv` naming a verb, only that verb's module is imported (start-up)."""
    import importlib

    # -C/--root works before or after the verb; SUPPRESS keeps the verb's parser from
    # overwriting a value given before it
    root_option = argparse.ArgumentParser(add_help=False)
    root_option.add_argument(
        "-C",
        "--root",
        type=Path,
        default=argparse.SUPPRESS,
        help="repository root (default: the current directory)",
    )
    parser = argparse.ArgumentParser(
        prog="mlgitops", description="GitOps MLOps driven by CI.", parents=[root_option]
    )
    parser.add_argument("--version", action="version", version=f"mlgitops {__version__}")
    common = argparse.ArgumentParser(add_help=False, parents=[root_option])
    common.add_argument("--json", action="store_true", help="print machine-readable JSON")
    common.add_argument("--verbose", action="store_true", help="show tracebacks and details")
    subparsers = parser.add_subparsers(dest="verb", metavar="COMMAND")
    verb = _verb_in(argv)
    for name in [verb] if verb else VERBS:
        importlib.import_module(f".commands.{name}", __package__).register(subparsers, common)
    return parser


def _build_parser_uncollected(argv: Sequence[str] | None) -> argparse.ArgumentParser:
    """`build_parser`, with the cyclic garbage collector paused while it imports the verb.

    The imports (pydantic, the spec models) make objects that live until exit; collecting
    over them again and again cost `validate` about 10 ms. Once imported they are frozen
    (`gc.freeze`: left out of later collections), once per process, as the gc
    documentation suggests for what a program sets up at its start."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        return build_parser(argv)
    finally:
        if enabled:
            if gc.get_freeze_count() == 0:
                gc.freeze()
            gc.enable()


def _verb_in(argv: Sequence[str] | None) -> str | None:
    """The verb `argv` runs, if it names one (help and unknown words need every verb)."""
    words = list(sys.argv[1:] if argv is None else argv)
    index = 0
    while index < len(words):
        word = words[index]
        if word in ("-h", "--help", "--version"):
            return None
        if word.startswith("-"):
            index += 2 if word in ("-C", "--root") else 1
            continue
        return word if word in VERBS else None
    return None


def main(
    argv: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    clock: Callable[[], dt.datetime] | None = None,
) -> int:
    """Run one verb. `environ` and `clock` are the outside world the verbs see (UTC by default)."""
    environ = dict(os.environ if environ is None else environ)
    clock = clock or (lambda: dt.datetime.now(dt.UTC))
    parser = _build_parser_uncollected(argv)
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    root = (getattr(args, "root", None) or Path.cwd()).resolve()
    context = Context(
        root=root, environ=environ, verbose=args.verbose, json_output=args.json, clock=clock
    )
    outcome: Outcome
    try:
        if not args.json and sys.stderr.isatty():
            from .progress import RichReporter

            reporter = RichReporter()
            context = Context(
                root=root,
                environ=environ,
                verbose=args.verbose,
                json_output=False,
                reporter=reporter,
                clock=clock,
            )
            with reporter.running():
                outcome = args.handler(args, context)
        else:
            outcome = args.handler(args, context)
    except MlgitopsError as exc:
        return _fail(exc, context)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (SystemExit, GeneratorExit):
        raise
    except OSError as exc:  # the disk or the system refused (full, read-only, permissions)
        if args.verbose:
            raise
        print(f"error: {exc}", file=sys.stderr)
        print("hint: run again with --verbose for the traceback", file=sys.stderr)
        return EXIT_EXTERNAL
    except BaseException as exc:  # anything else is unanticipated (incl. native-extension panics)
        if args.verbose:
            raise
        print(f"error: unexpected {type(exc).__name__}: {exc}", file=sys.stderr)
        print("this is a bug in mlgitops; please report it", file=sys.stderr)
        print("hint: run again with --verbose for the traceback", file=sys.stderr)
        return EXIT_INTERNAL
    _emit(outcome, context)
    return outcome.exit_code


def _fail(exc: MlgitopsError, context: Context) -> int:
    if context.verbose:
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    if context.json_output:
        payload: dict[str, Any] = {"ok": False, "error": exc.message, "exit_code": exc.exit_code}
        if isinstance(exc, SpecError):
            payload["problems"] = [vars(d) for d in exc.diagnostics]
        if exc.hint:
            payload["hint"] = exc.hint
        print(json.dumps(payload, indent=2, default=str))
    else:
        for index, line in enumerate(exc.lines()):
            # only the message gets "error: "; the hint line already says "hint: "
            prefix = "" if isinstance(exc, SpecError) or index else "error: "
            print(f"{prefix}{line}", file=sys.stderr)
    if _in_actions(context):
        annotations = (
            [
                Annotation(
                    "error",
                    d.message if not d.path else f"{d.path}: {d.message}",
                    d.file,
                    d.line,
                    d.col,
                )
                for d in exc.diagnostics
            ]
            if isinstance(exc, SpecError)
            else [Annotation("error", exc.message)]
        )
        _write_annotations(annotations)
    return exc.exit_code


def _emit(outcome: Outcome, context: Context) -> None:
    from .text import unwrapped_line

    lines = [] if context.json_output else [unwrapped_line(r) for r in outcome.renderables]
    if context.json_output:
        print(json.dumps(outcome.data, indent=2, default=str, sort_keys=False))
    elif all(line is not None for line in lines):
        # what the console would print, without importing rich (start-up)
        _write_lines([line for line in lines if line is not None])
    else:
        from rich.text import Text

        from .text import console as plain_console

        # data reaches these renderables as plain strings too: the console reads no markup
        console = plain_console(soft_wrap=False)
        for renderable in outcome.renderables:
            # Text marked no_wrap (JSON, diffs) must reach pipes and logs unbroken
            console.print(
                renderable, soft_wrap=isinstance(renderable, Text) and bool(renderable.no_wrap)
            )
    if _in_actions(context):
        _write_annotations(outcome.annotations)
        if outcome.summary_markdown and context.environ.get("GITHUB_STEP_SUMMARY"):
            with Path(context.environ["GITHUB_STEP_SUMMARY"]).open("a", encoding="utf-8") as handle:
                handle.write(outcome.summary_markdown.rstrip() + "\n\n")
        if outcome.outputs and context.environ.get("GITHUB_OUTPUT"):
            with Path(context.environ["GITHUB_OUTPUT"]).open("a", encoding="utf-8") as handle:
                for key, value in outcome.outputs.items():
                    handle.write(_output_line(key, value))


def _write_lines(lines: list[str]) -> None:
    """Write and flush as rich's console does, a closed pipe included (exit 1, quietly)."""
    try:
        for line in lines:
            sys.stdout.write(line + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise SystemExit(1) from None


def _output_line(key: str, value: str) -> str:
    if "\n" not in value:
        return f"{key}={value}\n"
    delimiter = "MLGITOPS_EOF"
    return f"{key}<<{delimiter}\n{value}\n{delimiter}\n"


def _in_actions(context: Context) -> bool:
    return context.environ.get("GITHUB_ACTIONS") == "true"


def _escape(value: str, *, property_value: bool = False) -> str:
    from .text import annotation

    return annotation(value, property_value=property_value)


def _write_annotations(annotations: list[Annotation]) -> None:
    for note in annotations:
        props = []
        if note.file:
            props.append(f"file={_escape(note.file, property_value=True)}")
        if note.line:
            props.append(f"line={note.line}")
        if note.col:
            props.append(f"col={note.col}")
        head = f"::{note.level}" + (" " + ",".join(props) if props else "")
        print(f"{head}::{_escape(note.message)}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
