"""Load mlops.yaml and every file it names into a `Project`, all problems at once.

Phases: parse YAML with positions → check shapes with pydantic → check
references between sections and to files → check estimators against
scikit-learn (optional, it imports scikit-learn) → compile policy rules.
Every problem becomes a `Diagnostic` at its file, line and column.
"""

from __future__ import annotations

import difflib
import hashlib
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .. import yamlio
from ..errors import Diagnostic, SpecError
from ..registries import CLASSIFICATION_METRICS, REGRESSION_METRICS
from .models import ModelSpec, PipelineSpec, PolicyFileSpec, Spec, check_name

SPEC_FILE = "mlops.yaml"
M = TypeVar("M", bound=BaseModel)


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


def suggest(name: str, choices: typing.Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# Checks added by other parts of the engine (policy rule compilation) run last;
# each returns diagnostics for a loaded project.
ProjectCheck = Callable[[Project], list[Diagnostic]]


def load_project(root: Path, *, check_estimators: bool = True,
                 extra_checks: typing.Sequence[ProjectCheck] = ()) -> Project:
    """Load and check `root/mlops.yaml`. Raises SpecError with every problem found."""
    diagnostics: list[Diagnostic] = []
    documents: dict[str, yamlio.LocatedDocument] = {}
    digests: dict[str, str] = {}

    spec_doc = _read(root, SPEC_FILE, documents, digests, diagnostics)
    if spec_doc is None:
        raise SpecError(diagnostics)
    spec = _validate_model(Spec, spec_doc, diagnostics)
    if spec is None:
        raise SpecError(diagnostics)

    diagnostics += _check_names(spec, spec_doc)
    diagnostics += _check_datasets(root, spec, spec_doc)
    pipelines: dict[str, PipelineSpec] = {}
    policy_files: dict[str, PolicyFileSpec] = {}
    for model_name, model in spec.models.items():
        loc: yamlio.Loc = ("models", model_name)
        diagnostics += _check_model_refs(spec, model_name, model, spec_doc)
        pipeline = _resolve_pipeline(root, model, loc, spec_doc, documents, digests, diagnostics)
        if pipeline is not None:
            pipelines[model_name] = pipeline
        for index, policy_path in enumerate(model.policies):
            if policy_path in policy_files or policy_path in documents:
                continue
            bad = _bad_relative_path(policy_path)
            if bad:
                diagnostics.append(spec_doc.diagnostic((*loc, "policies", index), bad))
                continue
            if not (root / policy_path).is_file():
                diagnostics.append(spec_doc.diagnostic(
                    (*loc, "policies", index), f"policy file '{policy_path}' does not exist"
                    + _suggest_file(root, policy_path)))
                continue
            doc = _read(root, policy_path, documents, digests, diagnostics)
            if doc is None:
                continue
            policy = _validate_model(PolicyFileSpec, doc, diagnostics)
            if policy is not None:
                policy_files[policy_path] = policy
                diagnostics += _check_waivers(spec, policy, doc)

    if diagnostics:
        raise SpecError(diagnostics)
    if check_estimators:
        from .estimators import check_estimator

        for model_name, pipeline in pipelines.items():
            model = spec.models[model_name]
            doc, loc = _estimator_location(model_name, model, spec_doc, documents)
            diagnostics += check_estimator(pipeline.estimator, model.task, spec.allow_packages, doc, loc)
    project = Project(root=root, spec=spec, pipelines=pipelines, policy_files=policy_files,
                      documents=documents, file_digests=digests)
    for check in extra_checks:
        diagnostics += check(project)
    if diagnostics:
        raise SpecError(diagnostics)
    return project


def _read(root: Path, relative: str, documents: dict[str, yamlio.LocatedDocument],
          digests: dict[str, str], diagnostics: list[Diagnostic]) -> yamlio.LocatedDocument | None:
    path = root / relative
    try:
        doc = yamlio.load_file(path, relative)
    except yamlio.YamlLoadError as exc:
        diagnostics.append(exc.diagnostic)
        return None
    if not isinstance(doc.data, dict):
        diagnostics.append(Diagnostic(relative, 1, 1, "", "expected a mapping at the top of the file"))
        return None
    documents[relative] = doc
    digests[relative] = sha256_bytes(path.read_bytes())
    return doc


def _validate_model(cls: type[M], doc: yamlio.LocatedDocument, diagnostics: list[Diagnostic],
                    loc: yamlio.Loc = ()) -> M | None:
    data = doc.data
    for part in loc:
        data = data[part]
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        diagnostics += _pydantic_diagnostics(cls, exc, doc, loc, data)
        return None


def _pydantic_diagnostics(cls: type[BaseModel], exc: ValidationError, doc: yamlio.LocatedDocument,
                          prefix: yamlio.Loc, data: Any) -> list[Diagnostic]:
    seen: set[str] = set()
    out: list[Diagnostic] = []
    for error in exc.errors(include_url=False):
        loc = _real_loc(data, tuple(error["loc"]))
        kind = error["type"]
        if kind == "extra_forbidden":
            key = str(loc[-1])
            known = _field_names_at(cls, loc[:-1])
            message = f"unknown key '{key}'{suggest(key, known)}"
            if known:
                message += f"; allowed: {', '.join(sorted(known))}"
            diagnostic = doc.diagnostic((*prefix, *loc), message, key=True)
        elif kind == "missing":
            diagnostic = doc.diagnostic((*prefix, *loc), "required key is missing", key=True)
            # point at the mapping that lacks the key
            diagnostic = Diagnostic(diagnostic.file, *_xy(doc.mark((*prefix, *loc[:-1]), key=True)),
                                    diagnostic.path, f"required key '{loc[-1]}' is missing")
        else:
            message = str(error["msg"]).removeprefix("Value error, ")
            if kind in ("literal_error", "enum") and isinstance(error.get("input"), str):
                expected = (error.get("ctx") or {}).get("expected", "")
                choices = [c.strip(" '") for c in str(expected).replace(" or ", ",").split(",")]
                message += suggest(error["input"], choices)
            diagnostic = doc.diagnostic((*prefix, *loc), message)
        key = f"{diagnostic.path}\0{diagnostic.message}"
        # unions report one error per member; the first explains enough
        if diagnostic.path in seen or key in seen:
            continue
        seen.update({diagnostic.path, key})
        out.append(diagnostic)
    return out


def _xy(mark: yamlio.Mark) -> tuple[int, int]:
    return mark.line, mark.col


def _real_loc(data: Any, loc: tuple[Any, ...]) -> yamlio.Loc:
    """Drop the parts pydantic adds for union members and validators ('str', 'list[str]', ...)."""
    out: list[str | int] = []
    node = data
    for index, part in enumerate(loc):
        if isinstance(node, dict) and part in node:
            out.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out.append(part)
            node = node[part]
        elif index == len(loc) - 1 and isinstance(node, dict) and isinstance(part, str) and "[" not in part:
            out.append(part)  # a missing key
        elif isinstance(node, dict) and isinstance(part, str) and "[" not in part and part.isidentifier():
            out.append(part)  # a missing key below which nothing more exists
            node = None
    return tuple(out)


def _field_names_at(cls: type[BaseModel], loc: yamlio.Loc) -> list[str]:
    """The keys allowed at `loc` under model `cls` (aliases where set)."""
    current: Any = cls
    for part in loc:
        current = _step(current, part)
        if current is None:
            return []
    model = _as_model(current)
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _step(annotation: Any, part: str | int) -> Any:
    model = _as_model(annotation)
    if model is not None and isinstance(part, str):
        for name, f in model.model_fields.items():
            if part in (name, f.alias):
                return f.annotation
        return None
    for arg in _union_args(annotation):
        origin = typing.get_origin(arg)
        if origin is dict and isinstance(part, str):
            return typing.get_args(arg)[1]
        if origin is list and isinstance(part, int):
            return typing.get_args(arg)[0]
    return None


def _union_args(annotation: Any) -> tuple[Any, ...]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return typing.get_args(annotation)
    return (annotation,)


def _as_model(annotation: Any) -> type[BaseModel] | None:
    for arg in _union_args(annotation):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def _check_names(spec: Spec, doc: yamlio.LocatedDocument) -> list[Diagnostic]:
    out = []
    for section, kind in (("datasets", "dataset"), ("models", "model")):
        for name in getattr(spec, section):
            problem = check_name(kind, name)
            if problem:
                out.append(doc.diagnostic((section, name), problem, key=True))
    return out


def _bad_relative_path(value: str) -> str | None:
    """Files must live inside the repository, named relative to its root."""
    pure = PurePosixPath(value)
    if pure.is_absolute() or ".." in pure.parts or "\\" in value:
        return f"'{value}' must be a path relative to the repository root, inside it"
    return None


def _suggest_file(root: Path, relative: str) -> str:
    parent = (root / relative).parent
    if not parent.is_dir():
        return ""
    siblings = [str(PurePosixPath(relative).parent / p.name) for p in parent.iterdir() if p.is_file()]
    return suggest(relative, siblings)


def _check_datasets(root: Path, spec: Spec, doc: yamlio.LocatedDocument) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for name, dataset in spec.datasets.items():
        loc: yamlio.Loc = ("datasets", name)
        bad = _bad_relative_path(dataset.path)
        if bad:
            out.append(doc.diagnostic((*loc, "path"), bad))
        elif not (root / dataset.path).is_file():
            out.append(doc.diagnostic((*loc, "path"), f"data file '{dataset.path}' does not exist"
                                      + _suggest_file(root, dataset.path)))
        if dataset.current is not None and _bad_relative_path(dataset.current):
            out.append(doc.diagnostic((*loc, "current"), str(_bad_relative_path(dataset.current))))
        if dataset.target not in dataset.columns:
            out.append(doc.diagnostic((*loc, "target"), f"target '{dataset.target}' is not one of the columns"
                                      + suggest(dataset.target, dataset.columns)))
        for index, column in enumerate(dataset.checks.unique):
            if column not in dataset.columns:
                out.append(doc.diagnostic((*loc, "checks", "unique", index),
                                          f"unknown column '{column}'" + suggest(column, dataset.columns)))
    return out


def _check_model_refs(spec: Spec, name: str, model: ModelSpec, doc: yamlio.LocatedDocument) -> list[Diagnostic]:
    loc: yamlio.Loc = ("models", name)
    out: list[Diagnostic] = []
    dataset = spec.datasets.get(model.dataset)
    if dataset is None:
        out.append(doc.diagnostic((*loc, "dataset"), f"unknown dataset '{model.dataset}'"
                                  + suggest(model.dataset, spec.datasets)))
    else:
        for key in ("include", "exclude"):
            for index, column in enumerate(getattr(model.features, key) or []):
                if column not in dataset.columns:
                    out.append(doc.diagnostic((*loc, "features", key, index), f"unknown column '{column}'"
                                              + suggest(column, dataset.columns)))
                elif column == dataset.target and key == "include":
                    out.append(doc.diagnostic((*loc, "features", key, index),
                                              f"'{column}' is the dataset's target; it cannot be a feature"))
        target_type = dataset.columns[dataset.target].type if dataset.target in dataset.columns else None
        if model.task == "regression" and target_type not in (None, "integer", "number"):
            out.append(doc.diagnostic((*loc, "task"), f"regression needs a numeric target; "
                                      f"'{dataset.target}' is {target_type}"))
    allowed = CLASSIFICATION_METRICS if model.task == "classification" else REGRESSION_METRICS
    for index, metric in enumerate(model.metrics):
        if metric not in allowed:
            out.append(doc.diagnostic((*loc, "metrics", index),
                                      f"'{metric}' is not a {model.task} metric; choose from {', '.join(allowed)}"))
    for metric in model.gates:
        if metric not in model.metrics:
            out.append(doc.diagnostic((*loc, "gates", metric), f"gate on '{metric}', which is not in metrics"
                                      + suggest(metric, model.metrics) + f"; add '{metric}' to metrics", key=True))
    if model.drift is not None and model.drift.schedule is not None:
        problem = check_cron(model.drift.schedule)
        if problem:
            out.append(doc.diagnostic((*loc, "drift", "schedule"), problem))
    if model.pipeline is not None:
        bad = _bad_relative_path(model.pipeline)
        if bad:
            out.append(doc.diagnostic((*loc, "pipeline"), bad))
    return out


def check_cron(expression: str) -> str | None:
    """GitHub's schedule syntax: five fields, no seconds, at most every five minutes."""
    from croniter import croniter

    fields = expression.split()
    if len(fields) != 5:
        return f"cron schedule '{expression}' must have 5 fields (minute hour day month weekday)"
    if not croniter.is_valid(expression):
        return f"'{expression}' is not a valid cron schedule"
    if fields[0] in ("*", "*/1", "*/2", "*/3", "*/4"):
        return f"'{expression}' runs more often than every 5 minutes, GitHub's shortest interval"
    return None


def _resolve_pipeline(root: Path, model: ModelSpec, loc: yamlio.Loc, doc: yamlio.LocatedDocument,
                      documents: dict[str, yamlio.LocatedDocument], digests: dict[str, str],
                      diagnostics: list[Diagnostic]) -> PipelineSpec | None:
    if model.pipeline is None:
        assert model.estimator is not None
        return PipelineSpec.model_validate({
            "preprocess": model.preprocess or {},
            "estimator": model.estimator,
        })
    if _bad_relative_path(model.pipeline):
        return None
    if not (root / model.pipeline).is_file():
        diagnostics.append(doc.diagnostic((*loc, "pipeline"), f"pipeline file '{model.pipeline}' does not exist"
                                          + _suggest_file(root, model.pipeline)))
        return None
    pipeline_doc = documents.get(model.pipeline) or _read(root, model.pipeline, documents, digests, diagnostics)
    if pipeline_doc is None:
        return None
    return _validate_model(PipelineSpec, pipeline_doc, diagnostics)


def _estimator_location(model_name: str, model: ModelSpec, spec_doc: yamlio.LocatedDocument,
                        documents: dict[str, yamlio.LocatedDocument]) -> tuple[yamlio.LocatedDocument, yamlio.Loc]:
    if model.pipeline is not None:
        return documents[model.pipeline], ("estimator",)
    return spec_doc, ("models", model_name, "estimator")


def _check_waivers(spec: Spec, policy: PolicyFileSpec, doc: yamlio.LocatedDocument) -> list[Diagnostic]:
    out = []
    rule_names = [rule.name for rule in policy.rules]
    seen: set[str] = set()
    for index, rule in enumerate(policy.rules):
        if rule.name in seen:
            out.append(doc.diagnostic(("rules", index, "name"), f"rule name '{rule.name}' is used twice"))
        seen.add(rule.name)
    for index, waiver in enumerate(policy.waivers):
        if waiver.rule not in rule_names:
            out.append(doc.diagnostic(("waivers", index, "rule"), f"no rule named '{waiver.rule}' in this file"
                                      + suggest(waiver.rule, rule_names)))
        if waiver.model not in spec.models:
            out.append(doc.diagnostic(("waivers", index, "model"), f"no model named '{waiver.model}'"
                                      + suggest(waiver.model, spec.models)))
    return out
