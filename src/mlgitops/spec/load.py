"""Load mlops.yaml and every file it names into a `Project`, all problems at once.

Phases: parse YAML with positions → check shapes with pydantic → check
references between sections and to files (`references.py`) → check
estimators against scikit-learn (`estimators.py`, imports scikit-learn) →
extra checks (policy rules). Every problem becomes a `Diagnostic` at its
file, line and column. When mlops.yaml has shape errors, the sections that
are well formed still get the later checks (`sections.py`).
"""

from __future__ import annotations

import hashlib
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from .. import yamlio
from ..errors import Diagnostic, SpecError
from ..text import suggest
from .models import ModelSpec, PipelineSpec, PolicyFileSpec, PreprocessSpec, Spec
from .references import (
    SPEC_FILE,
    check_ci,
    check_cron,
    check_datasets,
    check_model,
    check_names,
    check_policy,
    repo_file_problem,
)
from .schedules import KnownSchedules
from .sections import sections_of
from .shape_errors import shape_diagnostics
from .tuning import check_tuning_settings

SPEC_VERSION = 1
M = TypeVar("M", bound=BaseModel)

__all__ = [
    "SPEC_FILE",
    "Project",
    "ProjectCheck",
    "check_cron",
    "load_project",
    "sha256_bytes",
]


@dataclass(frozen=True)
class Project:
    """A loaded, checked spec with the files it references."""

    root: Path
    spec: Spec
    pipelines: dict[str, PipelineSpec]  # model name -> resolved pipeline
    policy_files: dict[str, PolicyFileSpec]  # repo-relative path -> policy file
    documents: dict[str, yamlio.LocatedDocument] = field(repr=False)
    file_digests: dict[str, str] = field(repr=False)  # repo-relative path -> sha256 of bytes

    def model(self, name: str) -> ModelSpec:
        try:
            return self.spec.models[name]
        except KeyError:
            from ..errors import BadInputError

            raise BadInputError(
                f"no model named '{name}' in {SPEC_FILE}{suggest(name, self.spec.models)}",
                hint=f"models are: {', '.join(self.spec.models)}",
            ) from None

    def path(self, relative: str) -> Path:
        return self.root / relative


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# Checks added by other parts of the engine (policy rule compilation) run last;
# each returns diagnostics for a loaded project.
ProjectCheck = Callable[[Project], list[Diagnostic]]


@dataclass
class _Files:
    """Reads each file once and collects every diagnostic."""

    root: Path
    diagnostics: list[Diagnostic] = field(default_factory=list)
    documents: dict[str, yamlio.LocatedDocument] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)
    pipelines: dict[str, PipelineSpec | None] = field(default_factory=dict)  # by file
    policies: dict[str, PolicyFileSpec | None] = field(default_factory=dict)  # by file
    # a file named by many models is checked once (resolving links costs a syscall per part)
    file_problems: dict[tuple[str, str], str | None] = field(default_factory=dict)

    def file_problem(self, relative: str, kind: str) -> str | None:
        if (relative, kind) not in self.file_problems:
            self.file_problems[relative, kind] = repo_file_problem(self.root, relative, kind)
        return self.file_problems[relative, kind]

    def read(self, relative: str) -> yamlio.LocatedDocument | None:
        path = self.root / relative
        try:
            doc = yamlio.load_file(path, relative, keep_going=True)
        except yamlio.YamlLoadError as exc:
            self.diagnostics += exc.diagnostics
            return None
        self.diagnostics += doc.problems
        if not isinstance(doc.data, dict):
            found = "a list" if isinstance(doc.data, list) else "a single value"
            self.diagnostics.append(
                Diagnostic(
                    relative,
                    1,
                    1,
                    "",
                    f"expected a mapping (key: value) at the top of the file, found {found}",
                )
            )
            return None
        self.documents[relative] = doc
        self.digests[relative] = sha256_bytes(path.read_bytes())
        return doc

    def validate(self, cls: type[M], doc: yamlio.LocatedDocument) -> M | None:
        try:
            # by_name=False: a file must use the written key (`class`), never the Python name
            return cls.model_validate(doc.data, by_name=False)
        except ValidationError as exc:
            self.diagnostics += shape_diagnostics(cls, exc, doc, (), doc.data)
            return None

    def pipeline_file(self, relative: str) -> PipelineSpec | None:
        if relative not in self.pipelines:
            doc = self.read(relative)
            self.pipelines[relative] = None if doc is None else self.validate(PipelineSpec, doc)
        return self.pipelines[relative]

    def policy_file(self, relative: str, model_names: list[str]) -> PolicyFileSpec | None:
        if relative not in self.policies:
            doc = self.read(relative)
            policy = None if doc is None else self.validate(PolicyFileSpec, doc)
            if policy is not None and doc is not None:
                self.diagnostics += check_policy(policy, model_names, doc)
            self.policies[relative] = policy
        return self.policies[relative]


def load_project(
    root: Path,
    *,
    check_estimators: bool = True,
    read_data_headers: bool = True,
    extra_checks: typing.Sequence[ProjectCheck] = (),
) -> Project:
    """Load and check `root/mlops.yaml`. Raises SpecError with every problem found.

    `read_data_headers=False` skips comparing declared columns with the data files'
    headers: for commands that read no data (`compile`), whose start-up it would cost."""
    files = _Files(root)
    if not (root / SPEC_FILE).exists():
        raise SpecError(
            [
                Diagnostic(
                    SPEC_FILE,
                    1,
                    1,
                    "",
                    "file not found; run 'mlgitops init' to create "
                    "one, or point -C at the repository root",
                )
            ]
        )
    spec_doc = files.read(SPEC_FILE)
    if spec_doc is None:
        raise SpecError(files.diagnostics)
    version_problem = _check_version(spec_doc)
    if version_problem is not None:
        # another version's file may differ in every key: its other errors would be noise
        raise SpecError([version_problem])
    spec = files.validate(Spec, spec_doc)
    sections = sections_of(spec, spec_doc.data)

    files.diagnostics += check_names(sections, spec_doc)
    if spec is not None:
        files.diagnostics += check_ci(spec, spec_doc)
    files.diagnostics += check_datasets(root, sections, spec_doc, read_headers=read_data_headers)
    pipelines: dict[str, PipelineSpec] = {}
    schedules = KnownSchedules(root)
    for model_name, model in sections.models.items():
        files.diagnostics += check_model(
            sections, model_name, model, spec_doc, valid_schedule=schedules.valid
        )
        files.diagnostics += check_tuning_settings(
            model, spec_doc, ("models", model_name, "tuning")
        )
        pipeline = _resolve_pipeline(files, model_name, model, spec_doc)
        if pipeline is not None:
            pipelines[model_name] = pipeline
        for index, policy_path in enumerate(model.policies):
            problem = files.file_problem(policy_path, "policy file")
            if problem:
                files.diagnostics.append(
                    spec_doc.diagnostic(("models", model_name, "policies", index), problem)
                )
            else:
                files.policy_file(policy_path, sections.model_names)

    complete = spec is not None and not files.diagnostics
    if check_estimators and sections.allow_packages is not None:
        from .estimators import (
            check_estimator,
            checked_before,
            import_estimator_class,
            remember_pass,
        )
        from .tuning import check_space

        for model_name, pipeline in pipelines.items():
            model = sections.models[model_name]
            passed_before, marker = checked_before(
                pipeline.estimator, model.task, root, tuning=model.tuning
            )
            if passed_before:
                continue
            doc, loc = _estimator_location(model_name, model, spec_doc, files.documents)
            problems = check_estimator(
                pipeline.estimator, model.task, sections.allow_packages, doc, loc
            )
            if not problems and model.tuning is not None:
                problems = check_space(
                    model.tuning,
                    import_estimator_class(pipeline.estimator.class_path),
                    spec_doc,
                    ("models", model_name, "tuning"),
                )
            files.diagnostics += problems
            if not problems:
                remember_pass(marker, root)
    if spec is None or not complete:
        raise SpecError(_unique(files.diagnostics))
    policy_files = {path: policy for path, policy in files.policies.items() if policy is not None}
    project = Project(
        root=root,
        spec=spec,
        pipelines=pipelines,
        policy_files=policy_files,
        documents=files.documents,
        file_digests=files.digests,
    )
    # extra checks may rely on every reference resolving, so they run on a complete project only
    for check in extra_checks:
        files.diagnostics += check(project)
    if files.diagnostics:
        raise SpecError(_unique(files.diagnostics))
    return project


def _unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """A pipeline or policy file shared by several models is checked once per model."""
    return list(dict.fromkeys(diagnostics))


def _check_version(doc: yamlio.LocatedDocument) -> Diagnostic | None:
    version = doc.data.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version != SPEC_VERSION:
        return doc.diagnostic(
            ("version",),
            f"{version} is not a version this mlgitops reads; it reads "
            f"version {SPEC_VERSION} (upgrade mlgitops, or write version: {SPEC_VERSION})",
        )
    return None


def _resolve_pipeline(
    files: _Files, model_name: str, model: ModelSpec, doc: yamlio.LocatedDocument
) -> PipelineSpec | None:
    if model.pipeline is None:
        assert model.estimator is not None
        return PipelineSpec(
            preprocess=model.preprocess or PreprocessSpec(), estimator=model.estimator
        )
    problem = files.file_problem(model.pipeline, "pipeline file")
    if problem:
        files.diagnostics.append(doc.diagnostic(("models", model_name, "pipeline"), problem))
        return None
    return files.pipeline_file(model.pipeline)


def _estimator_location(
    model_name: str,
    model: ModelSpec,
    spec_doc: yamlio.LocatedDocument,
    documents: dict[str, yamlio.LocatedDocument],
) -> tuple[yamlio.LocatedDocument, yamlio.Loc]:
    if model.pipeline is not None:
        return documents[model.pipeline], ("estimator",)
    return spec_doc, ("models", model_name, "estimator")
