"""Checks between sections of mlops.yaml and from it to files in the repository."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

from .. import yamlio
from ..errors import Diagnostic
from ..registries import CLASSIFICATION_METRICS, REGRESSION_METRICS
from ..text import suggest
from .headers import DataHeaders
from .models import DatasetSpec, ModelSpec, PolicyFileSpec, Spec, check_name
from .schedules import croniter_valid
from .sections import Sections

SPEC_FILE = "mlops.yaml"


def check_names(sections: Sections, doc: yamlio.LocatedDocument) -> list[Diagnostic]:
    out = []
    for section, kind, names in (
        ("datasets", "dataset", sections.dataset_names),
        ("models", "model", sections.model_names),
    ):
        for name in names:
            problem = check_name(kind, name)
            if problem:
                out.append(doc.diagnostic((section, name), problem, key=True))
    return out


def bad_relative_path(value: str) -> str | None:
    """Files must live inside the repository, named relative to its root."""
    pure = PurePosixPath(value)
    if pure.is_absolute() or ".." in pure.parts or "\\" in value:
        return f"'{value}' must be a path relative to the repository root, inside it"
    return None


def repo_file_problem(root: Path, relative: str, kind: str) -> str | None:
    """Why `relative` is not a usable file inside the repository, or None."""
    bad = bad_relative_path(relative)
    if bad:
        return bad
    path = root / relative
    if path.is_dir():
        return f"{kind} '{relative}' is a directory, not a file"
    if not path.is_file():
        return f"{kind} '{relative}' does not exist{_suggest_file(root, relative)}"
    if not path.resolve().is_relative_to(root.resolve()):
        return (
            f"{kind} '{relative}' links to a file outside the repository; copy the file in instead"
        )
    return None


def _suggest_file(root: Path, relative: str) -> str:
    parent = (root / relative).parent
    if not parent.is_dir():
        return ""
    siblings = [
        str(PurePosixPath(relative).parent / p.name) for p in parent.iterdir() if p.is_file()
    ]
    return suggest(relative, siblings)


def check_datasets(
    root: Path, sections: Sections, doc: yamlio.LocatedDocument, *, read_headers: bool = True
) -> list[Diagnostic]:
    """Dataset references; with `read_headers`, the declared columns against each data
    file's header (what `validate` and `run` check; `compile` reads no data)."""
    out: list[Diagnostic] = []
    headers = DataHeaders.load(root) if read_headers else None
    for name, dataset in sections.datasets.items():
        loc: yamlio.Loc = ("datasets", name)
        out += check_source(dataset, loc, doc)
        # a local source's first file gives the header; a remote one is read when snapshotted
        problem = repo_file_problem(root, dataset.path, "data file") if dataset.path else "no path"
        if problem and dataset.path:
            out.append(doc.diagnostic((*loc, "path"), problem))
        if dataset.current is not None:
            current_problem = bad_relative_path(dataset.current)
            if current_problem:
                out.append(doc.diagnostic((*loc, "current"), current_problem))
        columns = sections.column_names.get(name)
        if columns is None:
            continue  # malformed columns are reported already
        read_from, header = (
            (dataset.path or dataset.source or "", None)
            if headers is None
            else (dataset.path, _header(headers, dataset.path, loc, doc, out))
            if problem is None and dataset.path
            else _source_header(headers, dataset, loc, doc, out)
        )
        if dataset.target not in columns:
            example = f"e.g. '{dataset.target}: {{type: number}}'"
            if header is not None and dataset.target in header:
                message = (
                    f"target '{dataset.target}' is in the header of {read_from} but not "
                    f"declared; declare it under columns, {example}"
                )
            else:
                message = (
                    f"target '{dataset.target}' is not a declared column"
                    + suggest(dataset.target, columns)
                    + f"; if it is another column, declare it under columns, {example}"
                )
            out.append(doc.diagnostic((*loc, "target"), message))
        if header is not None:
            out += _check_header(read_from, header, columns, dataset.target, loc, doc)
        for index, column in enumerate(dataset.checks.unique):
            if column not in columns:
                out.append(
                    doc.diagnostic(
                        (*loc, "checks", "unique", index),
                        f"unknown column '{column}'" + suggest(column, columns),
                    )
                )
    if headers is not None:
        headers.save()
    return out


def _is_url(source: str) -> bool:
    return "://" in source


def _written_keys(doc: yamlio.LocatedDocument, loc: yamlio.Loc) -> set[str]:
    """The keys written at `loc` (a malformed value is left out of the salvaged section)."""
    node: object = doc.data
    for part in loc:
        node = node.get(part) if isinstance(node, dict) else None
    return {str(k) for k in node} if isinstance(node, dict) else set()


def check_source(
    dataset: DatasetSpec, loc: yamlio.Loc, doc: yamlio.LocatedDocument
) -> list[Diagnostic]:
    """path or source, the settings only a source takes, the timestamp and the windows."""
    from ..data.storage.secrets import strip_url_credentials

    out: list[Diagnostic] = []
    types = {name: column.type for name, column in dataset.columns.items()}
    if dataset.path is not None and dataset.source is not None:
        out.append(
            doc.diagnostic(
                (*loc, "source"),
                "give either path (one file) or source (a file, folder or glob), not both",
            )
        )
    written = _written_keys(doc, loc)
    if not ({"path", "source"} & written):
        out.append(
            doc.diagnostic(
                loc,
                "a dataset needs path (one file in the repository) or source (a file, a folder "
                "of partitions or a glob, local or an fsspec URL)",
                key=True,
            )
        )
    if dataset.path is not None and dataset.source is None:
        for key in ("storage", "format", "windows"):
            if key in dataset.model_fields_set:
                out.append(
                    doc.diagnostic(
                        (*loc, key),
                        f"{key} applies to a source; write `source: {dataset.path}` "
                        "instead of path to use it",
                    )
                )
    if dataset.source is not None:
        source = dataset.source
        if not _is_url(source):
            bad = bad_relative_path(source)
            if bad:
                out.append(doc.diagnostic((*loc, "source"), bad))
        elif dataset.storage == {} and source.startswith("file://"):
            out.append(
                doc.diagnostic(
                    (*loc, "source"),
                    "a local source is a path relative to the repository root, not a file:// URL",
                )
            )
        stem = source.lower().rstrip("/")
        if dataset.format is None and not stem.endswith((".csv", ".parquet")):
            out.append(
                doc.diagnostic(
                    (*loc, "source"),
                    f"'{strip_url_credentials(source)}' does not say its format by its "
                    "extension; "
                    "add format: parquet (or csv)",
                )
            )
        if dataset.current is not None and dataset.windows and dataset.windows.current:
            out.append(
                doc.diagnostic(
                    (*loc, "current"),
                    "give either current (a path or glob) or windows.current (the newest rows "
                    "of the source), not both",
                )
            )
    from ..data.storage.secrets import check_storage_options, has_url_credentials

    if dataset.source is not None and has_url_credentials(dataset.source):
        out.append(
            doc.diagnostic(
                (*loc, "source"),
                "the source URL holds credentials; remove them: credentials come from the "
                "environment, never from mlops.yaml",
            )
        )
    for key in check_storage_options(dataset.storage):
        out.append(
            doc.diagnostic(
                (*loc, "storage", *key.split(".")),
                f"storage option '{key}' looks like a credential; credentials come from the "
                "environment (AWS_ACCESS_KEY_ID, ...), never from mlops.yaml: remove it",
                key=True,
            )
        )
    timestamp = dataset.timestamp
    if timestamp is not None and types.get(timestamp) not in (None, "datetime"):
        out.append(
            doc.diagnostic(
                (*loc, "columns", timestamp, "type"),
                f"the timestamp column '{timestamp}' must be declared type: datetime "
                f"(ISO 8601 text in CSV, a timestamp column in Parquet), not {types[timestamp]}",
            )
        )
    if dataset.windows is not None and timestamp is None:
        for part in ("train", "current", "label_delay"):
            window = getattr(dataset.windows, part)
            if window is not None:
                measure = (
                    f"days: {window.days}" if window.days is not None else f"rows: {window.rows}"
                )
                out.append(
                    doc.diagnostic(
                        (*loc, "windows", part),
                        f"windows.{part}: {{{measure}}} counts back from the newest timestamp: "
                        "set the dataset's `timestamp` to a column of type datetime",
                    )
                )
    return out


def check_current_paths(root: Path, spec: Spec, doc: yamlio.LocatedDocument) -> list[Diagnostic]:
    """`validate` only: a plain `current` path must exist (a glob may match nothing yet).

    Training does not read it, so `run` does not ask; `drift` reads it and would fail.
    """
    out = []
    for name, dataset in spec.datasets.items():
        current = dataset.current
        if current is None or any(c in current for c in "*?[") or (root / current).exists():
            continue
        out.append(
            doc.diagnostic(
                ("datasets", name, "current"),
                f"current data '{current}' does not exist{_suggest_file(root, current)}; "
                "drift reads it: put the newest production rows there, or use a glob",
            )
        )
    return out


def _header(
    headers: DataHeaders,
    relative: str,
    loc: yamlio.Loc,
    doc: yamlio.LocatedDocument,
    out: list[Diagnostic],
    key: str = "path",
) -> list[str] | None:
    """The data file's column names (its header only: cheap), or None with the reason in `out`."""
    from ..errors import DataFileError

    try:
        return headers.columns(relative)
    except DataFileError as exc:
        out.append(doc.diagnostic((*loc, key), exc.message))
        return None


def _source_header(
    headers: DataHeaders,
    dataset: DatasetSpec,
    loc: yamlio.Loc,
    doc: yamlio.LocatedDocument,
    out: list[Diagnostic],
) -> tuple[str, list[str] | None]:
    """A local source's first file and its column names (a remote one is read when
    snapshotted)."""
    from ..data.storage import list_files
    from ..errors import MlgitopsError

    source = dataset.source
    shown = dataset.path or dataset.source or ""  # a malformed path is left out of the section
    if source is None or _is_url(source) or bad_relative_path(source):
        return shown, None
    try:
        first = list_files(source, dataset.storage, root=headers.root)[0]
    except MlgitopsError as exc:
        out.append(doc.diagnostic((*loc, "source"), exc.message))
        return shown, None
    return first.url, _header(headers, first.url, loc, doc, out, key="source")


def _check_header(
    relative: str,
    header: list[str],
    declared: list[str],
    target: str,
    loc: yamlio.Loc,
    doc: yamlio.LocatedDocument,
) -> list[Diagnostic]:
    """Declared columns against the data file's header."""
    out: list[Diagnostic] = []
    # an undeclared target has its own message
    undeclared = [name for name in header if name not in declared and name != target]
    for name in declared:
        if name not in header:
            out.append(
                doc.diagnostic(
                    (*loc, "columns", name),
                    f"column '{name}' is not in the header of {relative}"
                    + suggest(name, undeclared)
                    + "; rename it to match the file, or remove it",
                    key=True,
                )
            )
    if undeclared:
        shown = ", ".join(f"'{name}'" for name in undeclared[:5])
        more = f" and {len(undeclared) - 5} more" if len(undeclared) > 5 else ""
        out.append(
            doc.diagnostic(
                (*loc, "columns"),
                f"{relative} has column(s) not declared here: {shown}{more}; "
                "declare every column of the file (with its type)",
                key=True,
            )
        )
    return out


def check_model(
    sections: Sections,
    name: str,
    model: ModelSpec,
    doc: yamlio.LocatedDocument,
    *,
    valid_schedule: Callable[[str], bool] = croniter_valid,
) -> list[Diagnostic]:
    loc: yamlio.Loc = ("models", name)
    out: list[Diagnostic] = []
    if model.dataset not in sections.dataset_names:
        out.append(
            doc.diagnostic(
                (*loc, "dataset"),
                f"unknown dataset '{model.dataset}'"
                + suggest(model.dataset, sections.dataset_names),
            )
        )
    else:
        out += _check_features(loc, model, sections, doc)
        out += _check_evaluation(loc, model, sections, doc)
    allowed = CLASSIFICATION_METRICS if model.task == "classification" else REGRESSION_METRICS
    for index, metric in enumerate(model.metrics):
        if metric not in allowed:
            out.append(
                doc.diagnostic(
                    (*loc, "metrics", index),
                    f"'{metric}' is not a {model.task} metric; choose from {', '.join(allowed)}",
                )
            )
    metrics = sections.metric_names.get(name) or []
    # when metrics itself is malformed, every gate would look unlisted: skip
    for metric in model.gates if sections.metric_names.get(name) is not None else ():
        if metric not in metrics:
            close = suggest(metric, metrics)
            if close:  # a typo of a listed metric
                message = f"gate on '{metric}', which is not in metrics{close}"
            elif metric not in allowed:
                message = (
                    f"gate on '{metric}', which is not a {model.task} metric"
                    + suggest(metric, allowed)
                    + f"; choose from {', '.join(allowed)}"
                )
            else:
                message = f"gate on '{metric}', which is not in metrics; add '{metric}' to metrics"
            out.append(doc.diagnostic((*loc, "gates", metric), message, key=True))
    if model.drift is not None and model.drift.schedule is not None:
        problem = check_cron(model.drift.schedule, valid_schedule)
        if problem:
            out.append(doc.diagnostic((*loc, "drift", "schedule"), problem))
    performance = model.drift.performance if model.drift is not None else None
    listed = sections.metric_names.get(name) is not None
    # without a metrics list every metric of the task is computed
    known = metrics or list(allowed)
    if performance is not None and listed and performance.metric not in known:
        out.append(
            doc.diagnostic(
                (*loc, "drift", "performance", "metric"),
                f"'{performance.metric}' is not in metrics"
                + suggest(performance.metric, known)
                + f"; add '{performance.metric}' to metrics",
            )
        )
    return out


def _check_evaluation(
    loc: yamlio.Loc, model: ModelSpec, sections: Sections, doc: yamlio.LocatedDocument
) -> list[Diagnostic]:
    """Slice columns, the time split's timestamp and the positive class, against the dataset."""
    out: list[Diagnostic] = []
    dataset: DatasetSpec | None = sections.datasets.get(model.dataset)
    if dataset is None or sections.column_names.get(model.dataset) is None:
        return out  # malformed dataset: reported already
    columns = list(dataset.columns)
    for index, column in enumerate(model.evaluation.slices):
        if column not in columns:
            out.append(
                doc.diagnostic(
                    (*loc, "evaluation", "slices", index),
                    f"unknown column '{column}'" + suggest(column, columns),
                )
            )
    if model.split.by == "time" and dataset.timestamp is None:
        out.append(
            doc.diagnostic(
                (*loc, "split", "by"),
                f"split.by: time needs a timestamp; dataset '{model.dataset}' declares none "
                "(set its `timestamp` to the column that orders rows in time)",
            )
        )
    if dataset.timestamp is not None and dataset.timestamp not in columns:
        out.append(
            doc.diagnostic(
                ("datasets", model.dataset, "timestamp"),
                f"timestamp '{dataset.timestamp}' is not one of the columns"
                + suggest(dataset.timestamp, columns),
            )
        )
    problem = positive_class_problem(model, dataset)
    if problem:
        where = (*loc, "positive_class") if model.positive_class is not None else (*loc, "task")
        out.append(doc.diagnostic(where, problem))
    return out


def positive_class_problem(model: ModelSpec, dataset: DatasetSpec) -> str | None:
    """Why the model's positive_class is wrong or missing, as far as the declared columns tell."""
    from ..evaluate.positive import declared_labels, label_text

    given = model.positive_class
    if model.task == "regression":
        return None if given is None else "positive_class applies to classification only"
    column = dataset.columns.get(dataset.target)
    if column is None:
        return None
    labels = declared_labels(column)
    if labels is None:  # string or integer target without declared values: checked when training
        return None
    if len(labels) != 2:
        if given is None:
            return None
        return (
            f"positive_class applies to binary classification; target '{dataset.target}' "
            f"declares {len(labels)} classes"
        )
    if given is None:
        if set(labels) in ({"False", "True"}, {"0", "1"}):
            return None
        return (
            f"binary target '{dataset.target}' ({', '.join(labels)}): set positive_class to the "
            "class recall, precision, f1 and roc_auc are about"
        )
    if column.type == "boolean" and not isinstance(given, bool):
        return f"target '{dataset.target}' is boolean: positive_class must be true or false"
    if label_text(given, column.type) not in labels:
        return (
            f"positive_class {given!r} is not one of the declared values of '{dataset.target}': "
            + ", ".join(labels)
        )
    return None


def _check_features(
    loc: yamlio.Loc, model: ModelSpec, sections: Sections, doc: yamlio.LocatedDocument
) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    columns = sections.column_names.get(model.dataset) or []
    dataset: DatasetSpec | None = sections.datasets.get(model.dataset)  # None when malformed
    # when the dataset's columns are malformed, every feature would look unknown: skip
    has_columns = sections.column_names.get(model.dataset) is not None
    for key in ("include", "exclude") if has_columns else ():
        for index, column in enumerate(getattr(model.features, key) or []):
            if column not in columns:
                out.append(
                    doc.diagnostic(
                        (*loc, "features", key, index),
                        f"unknown column '{column}'" + suggest(column, columns),
                    )
                )
            elif dataset is not None and column == dataset.target and key == "include":
                out.append(
                    doc.diagnostic(
                        (*loc, "features", key, index),
                        f"'{column}' is the dataset's target; it cannot be a feature",
                    )
                )
    target = None if dataset is None else dataset.columns.get(dataset.target)
    if (
        model.task == "regression"
        and target is not None
        and target.type not in ("integer", "number")
    ):
        assert dataset is not None
        out.append(
            doc.diagnostic(
                (*loc, "task"),
                f"regression needs a numeric target; '{dataset.target}' is {target.type}",
            )
        )
    return out


def check_cron(expression: str, valid: Callable[[str], bool] = croniter_valid) -> str | None:
    """GitHub's schedule syntax: five fields, no seconds, at most every five minutes.

    `valid` is croniter's verdict (`KnownSchedules.valid` remembers it between runs)."""
    fields = expression.split()
    if len(fields) != 5:
        return f"cron schedule '{expression}' must have 5 fields (minute hour day month weekday)"
    if not valid(expression):
        return f"'{expression}' is not a valid cron schedule"
    if fields[0] in ("*", "*/1", "*/2", "*/3", "*/4"):
        return f"'{expression}' runs more often than every 5 minutes, GitHub's shortest interval"
    return None


def check_policy(
    policy: PolicyFileSpec, model_names: list[str], doc: yamlio.LocatedDocument
) -> list[Diagnostic]:
    out = []
    rule_names = [rule.name for rule in policy.rules]
    first: dict[str, int] = {}
    for index, rule in enumerate(policy.rules):
        if rule.name in first:
            line = doc.mark(("rules", first[rule.name], "name")).line
            out.append(
                doc.diagnostic(
                    ("rules", index, "name"),
                    f"rule name '{rule.name}' is already used "
                    f"on line {line}; give each rule its own name",
                )
            )
        first.setdefault(rule.name, index)
    for index, waiver in enumerate(policy.waivers):
        if waiver.rule not in rule_names:
            out.append(
                doc.diagnostic(
                    ("waivers", index, "rule"),
                    f"no rule named '{waiver.rule}' in this file"
                    + suggest(waiver.rule, rule_names),
                )
            )
        if waiver.model not in model_names:
            out.append(
                doc.diagnostic(
                    ("waivers", index, "model"),
                    f"no model named '{waiver.model}' in "
                    f"{SPEC_FILE}" + suggest(waiver.model, model_names),
                )
            )
    return out


def copied_values(spec: Spec) -> Iterator[tuple[yamlio.Loc, str]]:
    """Spec values the compiler writes into workflows verbatim."""
    ci = spec.ci
    for key in ("python", "default_branch", "install"):
        yield ("ci", key), getattr(ci, key)
    yield from _labels(("ci", "runs_on"), ci.runs_on)
    for name, model in spec.models.items():
        if model.runs_on is not None:
            yield from _labels(("models", name, "runs_on"), model.runs_on)
        if model.drift is not None and model.drift.schedule is not None:
            yield ("models", name, "drift", "schedule"), model.drift.schedule


def _labels(loc: yamlio.Loc, runs_on: str | list[str]) -> Iterator[tuple[yamlio.Loc, str]]:
    if isinstance(runs_on, str):
        yield loc, runs_on
    else:
        for index, label in enumerate(runs_on):
            yield (*loc, index), label


# what `git check-ref-format` refuses in a branch name
_BAD_REF = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{|//|^[-/.]|[/.]$|\.lock$|^@$")


def check_ci(spec: Spec, doc: yamlio.LocatedDocument) -> list[Diagnostic]:
    """What `compile` would refuse, found by `validate`: expressions and bad branch names.

    GitHub evaluates `${{ … }}` wherever it appears, so a spec value that holds it
    would run as an expression (in `run:`, as code).
    """
    out = [
        doc.diagnostic(
            loc,
            "'${{' is not allowed here: GitHub would evaluate it as an expression; "
            "write the value literally",
        )
        for loc, value in copied_values(spec)
        if "${{" in value
    ]
    branch = spec.ci.default_branch
    if any(c.isspace() for c in branch):
        out.append(
            doc.diagnostic(
                ("ci", "default_branch"),
                f"a branch name cannot contain spaces; did you mean '{'-'.join(branch.split())}'?",
            )
        )
    elif _BAD_REF.search(branch):
        out.append(
            doc.diagnostic(
                ("ci", "default_branch"),
                f"'{branch}' is not a valid git branch name (see `git check-ref-format`)",
            )
        )
    return out
