"""Is the registry whole? Every `production.yaml` points at a version that exists, whose
artifacts match its manifest and whose model.onnx is the digest the pointer names; every
version's manifest checks out; the data lock's references resolve.

Problems are collected, not raised: the check reports all of them at once, each
naming its file, line and field. Nothing outside the repository or a version is
read: a manifest naming `../x` or a link out of the repository is a problem, and
a manifest must name the model and version where it lies.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from . import paths, yamlio
from .errors import BadInputError, CheckFailedError, Diagnostic
from .manifest import MANIFEST, ManifestError, line_of
from .registry import (
    PRODUCTION,
    REGISTRY_DIR,
    VERSION_NAME,
    ProductionPointer,
    Registry,
    version_name_problem,
)

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
    registry = Registry(root)
    problems: list[Diagnostic] = []
    pointers: dict[str, int] = {}
    checked = 0
    try:
        base = paths.inside(root, root / REGISTRY_DIR, what="the registry")
    except BadInputError as exc:
        problems.append(_problem(REGISTRY_DIR, exc))
        return VerifyReport((), 0, {}, (*problems, *lock_problems(root)))
    folders = sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else []
    for folder in folders:
        model = folder.name
        try:
            registry.versions_dir(model)  # the model folder and its versions stay inside
        except BadInputError as exc:
            problems.append(_problem(_show(root, folder), exc))
            continue
        digests: dict[int, dict[str, str]] = {}
        versions = _versions(root, registry, model, problems)
        for version in versions:
            checked += 1
            found = _check_version(root, registry, model, version, problems)
            if found is not None:
                digests[version] = found
        pointer = _check_pointer(root, folder, versions, digests, problems)
        if pointer is not None:
            pointers[model] = pointer
    problems += lock_problems(root)
    return VerifyReport(tuple(f.name for f in folders), checked, pointers, tuple(problems))


def _problem(shown: str, exc: BadInputError | CheckFailedError) -> Diagnostic:
    """A problem at the top of a file (or a directory) that has no line to point at."""
    message = exc.message.removeprefix(f"{shown} ").removeprefix(f"{shown}: ")
    return Diagnostic(shown, 1, 1, "", f"{message}; {exc.hint}" if exc.hint else message)


def _versions(root: Path, registry: Registry, model: str, problems: list[Diagnostic]) -> list[int]:
    """The model's version numbers; an entry that only looks like one (`²`, `02`), or a
    version half-staged by an earlier release, is a problem."""
    directory = registry.versions_dir(model)
    if not directory.is_dir():
        return []
    found = []
    for entry in sorted(directory.iterdir()):
        shown = f"{_show(root, directory)}/{paths.printable(entry.name)}"
        problem = version_name_problem(entry.name)
        if problem:
            problems.append(Diagnostic(shown, 1, 1, "", f"{problem}; rename or remove it"))
        elif entry.name.endswith(".staging") and entry.is_dir():
            problems.append(
                Diagnostic(shown, 1, 1, "", "is left from an interrupted registration; delete it")
            )
        elif VERSION_NAME.fullmatch(entry.name) and entry.is_dir():
            found.append(int(entry.name))
    return sorted(found)


def _show(root: Path, path: Path) -> str:
    return paths.show(root, path)


def _check_version(
    root: Path, registry: Registry, model: str, version: int, problems: list[Diagnostic]
) -> dict[str, str] | None:
    """The version's digests when its manifest and every artifact check out."""
    try:
        ref = registry.ref(model, version)
    except BadInputError as exc:
        problems.append(_problem(f"{REGISTRY_DIR}/{model}/versions/{version}", exc))
        return None
    manifest_path = ref.path / MANIFEST
    shown = _show(root, manifest_path)
    try:
        text = paths.read_regular(manifest_path, shown).decode("utf-8", errors="replace")
        manifest = registry.read_manifest(ref)
    except FileNotFoundError:
        problems.append(Diagnostic(shown, 1, 1, "", "the manifest is missing; restore it from git"))
        return None
    except ManifestError as exc:
        problems.extend(exc.diagnostics)
        return None
    except BadInputError as exc:
        problems.append(_problem(shown, exc))
        return None
    digests = manifest.sha256
    ok = True
    if "model.onnx" not in digests:
        problems.append(
            Diagnostic(shown, 1, 1, "sha256.model.onnx", "the manifest names no model.onnx")
        )
        ok = False
    for name, expected in sorted(digests.items()):
        path = ref.path / name
        line = line_of(text, f'"{name}"')
        try:
            actual = registry.artifact_digest(ref, name)
        except BadInputError as exc:
            problems.append(Diagnostic(shown, line, 1, f"sha256.{name}", exc.message))
            ok = False
            continue
        if actual is None:
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
        elif actual != expected:
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


def _check_pointer(
    root: Path,
    folder: Path,
    known: list[int],
    digests: dict[int, dict[str, str]],
    problems: list[Diagnostic],
) -> int | None:
    path = folder / PRODUCTION
    shown = _show(root, path)
    try:
        if Registry(root).pointer_path(folder.name) is None:
            return None
    except BadInputError as exc:
        problems.append(_problem(shown, exc))
        return None
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
