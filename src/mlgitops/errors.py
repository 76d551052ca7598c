"""The error hierarchy: every user-facing failure carries its exit status.

Exit status: 0 ok, 1 a check failed, 2 bad input, 3 an outside service failed,
4 an internal error (a bug in mlgitops: any exception that is not one of these).
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_EXTERNAL = 3
EXIT_INTERNAL = 4


@dataclass(frozen=True)
class Diagnostic:
    """One problem at one place in one file."""

    file: str
    line: int
    col: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class MlgitopsError(Exception):
    """Base of every error the CLI turns into a message and an exit status."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def lines(self) -> list[str]:
        """The lines printed for this error (no traceback)."""
        out = [self.message]
        if self.hint:
            out.append(f"hint: {self.hint}")
        return out


class BadInputError(MlgitopsError):
    """The spec, a file it names or an argument is wrong (exit 2)."""

    exit_code = EXIT_BAD_INPUT


class SpecError(BadInputError):
    """One or more problems in mlops.yaml or a file it references, reported at once."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(diagnostics, key=lambda d: (d.file, d.line, d.col, d.path))
        count = len(self.diagnostics)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} found")

    def lines(self) -> list[str]:
        return [str(d) for d in self.diagnostics]


class DataFileError(BadInputError):
    """A data file cannot be read at all (missing, malformed, wrong format)."""


class CheckFailedError(MlgitopsError):
    """A check ran and failed: data validation, a gate, ONNX parity, a policy, drift (exit 1)."""

    exit_code = EXIT_CHECK_FAILED


class ExternalError(MlgitopsError):
    """An outside service (GitHub, git) failed (exit 3)."""

    exit_code = EXIT_EXTERNAL
