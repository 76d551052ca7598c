"""The model registry in git: `models/<name>/versions/N/…` and `production.yaml`.

Every artifact's sha256 is recorded in `versions/N/manifest.json` and
verified before use. New versions appear atomically: staged in
`.mlgitops/staging/` (which git never sees), then renamed into place while
`.mlgitops/registry.lock` is held, so concurrent registrations take
consecutive numbers; what a killed registration left is removed by the next.

Nothing the registry reads leaves the repository or the version: a version
directory is named with ASCII digits and holds plain files (no links), its
manifest names plain file names of that version and its own model and
version, and every directory on the way resolves inside the repository.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import re
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from . import atomic, paths, workspace, yamlio
from .errors import BadInputError, CheckFailedError
from .evidence import CandidateEvidence
from .manifest import MANIFEST as MANIFEST
from .manifest import Manifest, parse_manifest

REGISTRY_DIR = paths.REGISTRY_DIR
PRODUCTION = paths.PRODUCTION
ARTIFACTS = (
    "model.onnx",
    "metrics.json",
    "evidence.json",
    "lineage.json",
    "profile.json",
    "policy.json",
    "card.md",
    "replay.json",  # holdout rows and scikit-learn's outputs, replayed before a release
)
# Diagnostics charts of the evaluate stage (the card shows them).
PLOT_PATTERN = re.compile(r"^diagnostics-[a-z0-9-]+\.png$")


# a version directory: ASCII digits, no leading zero ("²", "٢" and "02" are not versions)
VERSION_NAME = re.compile(r"0|[1-9][0-9]*")
# what registrations of earlier releases staged beside the versions
_OLD_STAGING = re.compile(r"\.[0-9]+\..+\.staging")


def is_artifact(name: str) -> bool:
    return name in ARTIFACTS or PLOT_PATTERN.match(name) is not None


def version_name_problem(name: str) -> str | None:
    """Why an entry of `versions/` named `name` is refused, or None when it is a version
    number or plainly not meant as one (a dot file, a README)."""
    if VERSION_NAME.fullmatch(name) or name.startswith("."):
        return None
    if name.isdigit() or name.isnumeric() or name.isdecimal():
        return (
            "is not a version number: versions are named with the ASCII digits 0-9 and no "
            "leading zero (1, 2, 10)"
        )
    return None


class ProductionPointer(BaseModel):
    """`models/<name>/production.yaml`: which version serves, and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    sha256: str  # of model.onnx
    promoted_at: str
    pull_request: int | None = None
    reason: str | None = None


@dataclass(frozen=True)
class VersionRef:
    model: str
    version: int
    path: Path


class Registry:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.base = root / REGISTRY_DIR

    # --- reading ---------------------------------------------------------------

    def model_dir(self, model: str) -> Path:
        problem = paths.plain_name_problem(model)
        if problem:
            raise BadInputError(f"{REGISTRY_DIR}/{model!r}: the model name {problem}")
        return self._inside(self.base / model)

    def versions_dir(self, model: str) -> Path:
        return self._inside(self.model_dir(model) / "versions")

    def versions(self, model: str) -> list[int]:
        directory = self.versions_dir(model)
        if not directory.is_dir():
            return []
        found = []
        for entry in directory.iterdir():
            problem = version_name_problem(entry.name)
            if problem:
                raise BadInputError(
                    f"{self._show(directory)}/{paths.printable(entry.name)} {problem}",
                    hint="rename it to its number or move it out of the registry",
                )
            if VERSION_NAME.fullmatch(entry.name) and entry.is_dir():
                found.append(int(entry.name))
        return sorted(found)

    def latest(self, model: str) -> VersionRef | None:
        found = self.versions(model)
        return self.ref(model, found[-1]) if found else None

    def ref(self, model: str, version: int) -> VersionRef:
        """The version's directory, checked: a real directory inside the repository holding
        plain files only (a link could make any reader of it read elsewhere)."""
        path = self.versions_dir(model) / str(version)
        if not path.is_dir():
            raise BadInputError(
                f"{model} has no version {version} in {REGISTRY_DIR}/{model}/versions"
            )
        if path.is_symlink():
            raise BadInputError(
                f"{self._show(path)} is a symbolic link; a version is a directory of its own",
                hint="restore the version from git",
            )
        self._inside(path)
        for entry in path.iterdir():
            if entry.is_symlink():
                raise BadInputError(
                    f"{self._show(entry)} is a symbolic link; a version holds plain files only",
                    hint="restore the version from git",
                )
        return VersionRef(model, version, path)

    def pointer_path(self, model: str) -> Path | None:
        """`production.yaml` when there is one: a plain file (a link could read anything)."""
        path = self._inside(self.model_dir(model) / PRODUCTION)
        if path.is_symlink():
            raise BadInputError(
                f"{self._show(path)} is a symbolic link; it must be a plain file",
                hint="restore it from git",
            )
        return path if path.is_file() else None

    def production(self, model: str) -> ProductionPointer | None:
        path = self.pointer_path(model)
        if path is None:
            return None
        display = self._show(path)
        try:
            doc = yamlio.load_file(path, display)
            return ProductionPointer.model_validate(doc.data)
        except yamlio.YamlLoadError as exc:
            raise BadInputError(str(exc.diagnostic)) from None
        except ValidationError as exc:
            error = exc.errors()[0]
            loc = tuple(error["loc"])
            mark = doc.mark(loc)
            field = ".".join(str(part) for part in loc)
            raise BadInputError(
                f"{display}:{mark.line}:{mark.col}: {field}: {error['msg']}",
                hint="production.yaml needs version (a number), sha256 (quoted if it is all digits) "
                "and promoted_at",
            ) from None

    def production_ref(self, model: str) -> VersionRef | None:
        pointer = self.production(model)
        return None if pointer is None else self.ref(model, pointer.version)

    def verify_production(
        self, model: str, pointer: ProductionPointer
    ) -> tuple[VersionRef, dict[str, str]]:
        """Check the production version's artifacts against its manifest, and its model.onnx
        against the digest in production.yaml; returns the version and its digests."""
        ref = self.ref(model, pointer.version)
        digests = self.verify(ref)
        if digests.get("model.onnx") != pointer.sha256:
            raise CheckFailedError(
                f"{REGISTRY_DIR}/{model}/{PRODUCTION} names sha256 {pointer.sha256[:12]}…, but "
                f"version {pointer.version}'s model.onnx is {digests.get('model.onnx', '?')[:12]}…",
                hint="restore the registry from git",
            )
        return ref, digests

    def read_manifest(self, ref: VersionRef) -> Manifest:
        """The version's manifest, checked: its shape, plain names, its own model and version."""
        path = ref.path / MANIFEST
        shown = self._show(path)
        try:
            raw = paths.read_regular(path, shown)
        except FileNotFoundError:
            raise CheckFailedError(f"{shown} is missing", hint="restore it from git") from None
        return parse_manifest(raw, shown, model=ref.model, version=ref.version)

    def manifest(self, ref: VersionRef) -> dict[str, str]:
        """Artifact name -> sha256, from the version's checked manifest."""
        return self.read_manifest(ref).sha256

    def artifact_digest(self, ref: VersionRef, name: str) -> str | None:
        """The sha256 of the version's file `name` (a plain name), or None when it is missing."""
        problem = paths.plain_name_problem(name)
        if problem:
            raise BadInputError(f"{self._show(ref.path)}: {json.dumps(name)} {problem}")
        try:
            return paths.sha256_regular(ref.path / name, self._show(ref.path / name))
        except FileNotFoundError:
            return None

    def verify(self, ref: VersionRef) -> dict[str, str]:
        """Check every artifact against the manifest; returns the digests."""
        digests = self.manifest(ref)
        for name, expected in digests.items():
            path = ref.path / name
            actual = self.artifact_digest(ref, name)
            if actual is None:
                raise CheckFailedError(f"{self._show(path)} is missing", hint="restore it from git")
            if actual != expected:
                raise CheckFailedError(
                    f"{self._show(path)} does not match its recorded sha256 "
                    f"({actual[:12]}… != {expected[:12]}…)",
                    hint="the registry was edited by hand; restore it from git",
                )
        return digests

    def read_artifact(self, ref: VersionRef, name: str, *, verify: bool = True) -> bytes:
        problem = paths.plain_name_problem(name)
        if problem:
            raise BadInputError(f"{self._show(ref.path)}: {json.dumps(name)} {problem}")
        path = ref.path / name
        data = paths.read_regular(path, self._show(path))
        if verify:
            expected = self.manifest(ref).get(name)
            if expected is None or hashlib.sha256(data).hexdigest() != expected:
                raise CheckFailedError(
                    f"{self._show(path)} does not match its recorded sha256",
                    hint="the registry was edited by hand; restore it from git",
                )
        return data

    def read_json(self, ref: VersionRef, name: str) -> Any:
        return json.loads(self.read_artifact(ref, name))

    def evidence(self, ref: VersionRef) -> CandidateEvidence:
        """The version's evidence, with `version` set (a candidate's evidence is written before it has one)."""
        evidence = CandidateEvidence.model_validate(self.read_json(ref, "evidence.json"))
        return (
            evidence
            if evidence.version is not None
            else evidence.model_copy(update={"version": ref.version})
        )

    def find_by_cache_key(self, model: str, cache_key: str) -> VersionRef | None:
        """The version trained from exactly these inputs, if one is registered."""
        for version in reversed(self.versions(model)):
            ref = self.ref(model, version)
            try:
                lineage = json.loads(self.read_artifact(ref, "lineage.json", verify=False))
            except (OSError, ValueError):
                continue
            if isinstance(lineage, dict) and lineage.get("cache_key") == cache_key:
                return ref
        return None

    def find_same_model(
        self, model: str, cache_key: str, onnx_sha256: str | None
    ) -> VersionRef | None:
        """The version holding this model: trained from the same inputs, or with the same
        `model.onnx` bytes (a version must be a new model, not a new label on an old one)."""
        found = self.find_by_cache_key(model, cache_key)
        if found is not None or onnx_sha256 is None:
            return found
        for version in reversed(self.versions(model)):
            ref = self.ref(model, version)
            if (ref.path / MANIFEST).is_file() and self.manifest(ref).get(
                "model.onnx"
            ) == onnx_sha256:
                return ref
        return None

    # --- writing ---------------------------------------------------------------

    def register(self, model: str, artifacts: Mapping[str, bytes]) -> VersionRef:
        """Add a new version holding `artifacts`, atomically. Returns its ref.

        The files are staged first; the number is chosen and the version renamed into
        place under the registry lock, so a concurrent registration takes the next one.
        """
        if "model.onnx" in artifacts:  # never write a model that could read outside itself
            from .onnx.safety import check_model

            check_model(artifacts["model.onnx"], f"the model.onnx to register for {model}")
        for name in artifacts:
            problem = paths.plain_name_problem(name)
            if problem or name == MANIFEST:
                raise BadInputError(f"artifact {json.dumps(name)} {problem or 'is reserved'}")
        versions = self.versions_dir(model)
        area = workspace.staging_dir(self.root)
        lock = workspace.registry_lock(self.root)
        with atomic.claimed_directory(area, lock, prefix=f"{model}.") as staging:
            for name, data in artifacts.items():
                (staging / name).write_bytes(data)
            with self._locked():
                version = (self.versions(model) or [0])[-1] + 1
                manifest = Manifest(
                    model,
                    version,
                    {name: hashlib.sha256(data).hexdigest() for name, data in artifacts.items()},
                )
                atomic.write_bytes(staging / MANIFEST, manifest.to_bytes())
                versions.mkdir(parents=True, exist_ok=True)
                staging.rename(versions / str(version))
        return VersionRef(model, version, versions / str(version))

    def set_production(
        self,
        model: str,
        version: int,
        *,
        pull_request: int | None = None,
        reason: str | None = None,
        now: dt.datetime | None = None,
    ) -> ProductionPointer:
        ref = self.ref(model, version)
        digests = self.verify(ref)
        pointer = ProductionPointer(
            version=version,
            sha256=digests["model.onnx"],
            promoted_at=(now or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat(),
            pull_request=pull_request,
            reason=reason,
        )
        path = self._inside(self.model_dir(model) / PRODUCTION)
        with self._locked():  # its temp file lies in the staging area the lock guards
            text = yamlio.dump(pointer.model_dump(exclude_none=True))
            atomic.write_text(path, text, scratch=workspace.staging_dir(self.root))
        return pointer

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the registry lock; first remove what killed registrations left."""
        with atomic.file_lock(workspace.registry_lock(self.root)):
            atomic.remove_unclaimed(workspace.staging_dir(self.root))
            self._remove_old_staging()
            yield

    def _remove_old_staging(self) -> None:
        """Earlier releases staged versions beside them (`versions/.N.xxxx.staging`), where a
        killed run left them and `git add` saw them."""
        if not self.base.is_dir():
            return
        for versions in self.base.glob("*/versions"):
            if versions.is_symlink() or not paths.is_inside(self.root, versions):
                continue
            for entry in versions.iterdir():
                if _OLD_STAGING.fullmatch(entry.name) and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)

    def _inside(self, path: Path) -> Path:
        return paths.inside(self.root, path, what="the registry")

    def _show(self, path: Path) -> str:
        return paths.show(self.root, path)
