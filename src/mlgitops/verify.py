"""Is the registry whole? Every `production.yaml` points at a version that exists, whose
artifacts match its manifest and whose model.onnx is the digest the pointer names; every
version's manifest checks out; the data lock's references resolve.

Problems are collected, not raised: the check reports all of them at once, each
naming its file, line and field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from . import atomic, yamlio
from .errors import Diagnostic
from .registry import MANIFEST, PRODUCTION, REGISTRY_DIR, ProductionPointer

LOCK_FILE = "mlops.lock"


@dataclass(frozen=True)
class VerifyReport:
    models: tuple[str, ...]  # model folders checked
    versions: int  # versions whose manifest was checked
    pointers: dict[str, int]  # model -> production version, for those that check out
    problems: tuple[Diagnostic, ...]

    @property
    def passed(self) -> bool:
        return not self.problems


def verify_registry(root: Path) -> VerifyReport:
    base = root / REGISTRY_DIR
    folders = sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else []
    problems: list[Diagnostic] = []
    pointers: dict[str, int] = {}
    checked = 0
    for folder in folders:
        model = folder.name
        digests: dict[int, dict[str, str]] = {}
        for version_dir in _version_dirs(folder):
            checked += 1
            found = _check_version(root, version_dir, problems)
            if found is not None:
                digests[int(version_dir.name)] = found
        pointer = _check_pointer(root, folder, digests, problems)
        if pointer is not None:
            pointers[model] = pointer
    problems += lock_problems(root)
    return VerifyReport(tuple(f.name for f in folders), checked, pointers, tuple(problems))


def _version_dirs(folder: Path) -> list[Path]:
    versions = folder / "versions"
    if not versions.is_dir():
        return []
    return sorted(
        (p for p in versions.iterdir() if p.is_dir() and p.name.isdigit()),
        key=lambda p: int(p.name),
    )


def _show(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _check_version(
    root: Path, directory: Path, problems: list[Diagnostic]
) -> dict[str, str] | None:
    """The version's digests when its manifest and every artifact check out."""
    manifest = directory / MANIFEST
    shown = _show(root, manifest)
    try:
        text = manifest.read_text(encoding="utf-8")
        data = json.loads(text)
        digests = {str(k): str(v) for k, v in data["sha256"].items()}
    except FileNotFoundError:
        problems.append(Diagnostic(shown, 1, 1, "", "the manifest is missing; restore it from git"))
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        problems.append(
            Diagnostic(
                shown, 1, 1, "sha256", f"cannot be read ({type(exc).__name__}); restore it from git"
            )
        )
        return None
    ok = True
    if "model.onnx" not in digests:
        problems.append(
            Diagnostic(shown, 1, 1, "sha256.model.onnx", "the manifest names no model.onnx")
        )
        ok = False
    for name, expected in sorted(digests.items()):
        path = directory / name
        line = _line_of(text, f'"{name}"')
        if not path.is_file():
            problems.append(
                Diagnostic(
                    shown,
                    line,
                    1,
                    f"sha256.{name}",
                    f"{_show(root, path)} is missing; restore it from git",
                )
            )
            ok = False
        elif atomic.sha256_file(path) != expected:
            problems.append(
                Diagnostic(
                    shown,
                    line,
                    1,
                    f"sha256.{name}",
                    f"{_show(root, path)} does not match its recorded sha256 {expected[:12]}…; "
                    "it was changed by hand: restore it from git",
                )
            )
            ok = False
    return digests if ok else None


def _line_of(text: str, needle: str) -> int:
    return next((i for i, line in enumerate(text.splitlines(), 1) if needle in line), 1)


def _check_pointer(
    root: Path, folder: Path, digests: dict[int, dict[str, str]], problems: list[Diagnostic]
) -> int | None:
    path = folder / PRODUCTION
    if not path.is_file():
        return None
    shown = _show(root, path)
    try:
        doc = yamlio.load_file(path, shown)
    except yamlio.YamlLoadError as exc:
        problems.append(exc.diagnostic)
        return None
    try:
        pointer = ProductionPointer.model_validate(doc.data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            problems.append(doc.diagnostic(loc, str(error["msg"])))
        return None
    known = sorted({int(p.name) for p in _version_dirs(folder)})
    if pointer.version not in known:
        listed = ", ".join(map(str, known)) or "none"
        problems.append(
            doc.diagnostic(
                ("version",),
                f"points at version {pointer.version}, which does not exist in "
                f"{_show(root, folder)}/versions (versions: {listed}); "
                "point it at a registered version, or restore it from git",
            )
        )
        return None
    found = digests.get(pointer.version)
    if found is None:
        problems.append(
            doc.diagnostic(
                ("version",),
                f"points at version {pointer.version}, whose artifacts do not check out (see above)",
            )
        )
        return None
    if found["model.onnx"] != pointer.sha256:
        problems.append(
            doc.diagnostic(
                ("sha256",),
                f"names {pointer.sha256[:12]}…, but version {pointer.version}'s model.onnx is "
                f"{found['model.onnx'][:12]}…; restore production.yaml from git",
            )
        )
        return None
    return pointer.version


def lock_problems(root: Path) -> list[Diagnostic]:
    """Files in the data lock (`mlops.lock`) that are gone or changed since they were locked."""
    from . import lock

    return lock.verify_lock(root)
