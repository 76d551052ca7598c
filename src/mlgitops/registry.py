"""The model registry in git: `models/<name>/versions/N/…` and `production.yaml`.

Every artifact's sha256 is recorded in `versions/N/manifest.json` and
verified before use. New versions appear atomically (staged, then renamed).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from . import atomic, yamlio
from .errors import BadInputError, CheckFailedError
from .evidence import CandidateEvidence

REGISTRY_DIR = "models"
MANIFEST = "manifest.json"
PRODUCTION = "production.yaml"
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


def is_artifact(name: str) -> bool:
    return name in ARTIFACTS or PLOT_PATTERN.match(name) is not None


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
        return self.base / model

    def versions(self, model: str) -> list[int]:
        directory = self.model_dir(model) / "versions"
        if not directory.is_dir():
            return []
        return sorted(int(p.name) for p in directory.iterdir() if p.is_dir() and p.name.isdigit())

    def latest(self, model: str) -> VersionRef | None:
        found = self.versions(model)
        return self.ref(model, found[-1]) if found else None

    def ref(self, model: str, version: int) -> VersionRef:
        path = self.model_dir(model) / "versions" / str(version)
        if not path.is_dir():
            raise BadInputError(
                f"{model} has no version {version} in {REGISTRY_DIR}/{model}/versions"
            )
        return VersionRef(model, version, path)

    def production(self, model: str) -> ProductionPointer | None:
        path = self.model_dir(model) / PRODUCTION
        if not path.is_file():
            return None
        display = str(path.relative_to(self.root))
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

    def manifest(self, ref: VersionRef) -> dict[str, str]:
        path = ref.path / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CheckFailedError(f"{self._show(path)} cannot be read: {exc}") from None
        return {str(k): str(v) for k, v in data["sha256"].items()}

    def verify(self, ref: VersionRef) -> dict[str, str]:
        """Check every artifact against the manifest; returns the digests."""
        digests = self.manifest(ref)
        for name, expected in digests.items():
            path = ref.path / name
            if not path.is_file():
                raise CheckFailedError(f"{self._show(path)} is missing", hint="restore it from git")
            actual = atomic.sha256_file(path)
            if actual != expected:
                raise CheckFailedError(
                    f"{self._show(path)} does not match its recorded sha256 "
                    f"({actual[:12]}… != {expected[:12]}…)",
                    hint="the registry was edited by hand; restore it from git",
                )
        return digests

    def read_artifact(self, ref: VersionRef, name: str, *, verify: bool = True) -> bytes:
        path = ref.path / name
        data = path.read_bytes()
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
                lineage = json.loads((ref.path / "lineage.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if lineage.get("cache_key") == cache_key:
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
        """Add a new version holding `artifacts`, atomically. Returns its ref."""
        if "model.onnx" in artifacts:  # never write a model that could read outside itself
            from .onnx.safety import check_model

            check_model(artifacts["model.onnx"], f"the model.onnx to register for {model}")
        version = (self.versions(model) or [0])[-1] + 1
        final = self.model_dir(model) / "versions" / str(version)
        with atomic.staged_directory(final) as staging:
            for name, data in artifacts.items():
                (staging / name).write_bytes(data)
            manifest = {
                "model": model,
                "version": version,
                "sha256": {
                    name: hashlib.sha256(data).hexdigest()
                    for name, data in sorted(artifacts.items())
                },
            }
            (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        return VersionRef(model, version, final)

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
        atomic.write_text(
            self.model_dir(model) / PRODUCTION, yamlio.dump(pointer.model_dump(exclude_none=True))
        )
        return pointer

    def _show(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)
