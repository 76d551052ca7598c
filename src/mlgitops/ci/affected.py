"""Which models a change affects, from real git: the files changed since a base
commit, and the model's own section of mlops.yaml at the base and now.

A model is affected when its spec section or its dataset's section changed,
when one of its input files (dataset, pipeline, policies) changed, or when it
is new. Every model is affected when the engine changed (`src/`,
`pyproject.toml`), when the settings every model shares changed (`ci`,
`allow_packages`, ...), or when the base has no readable mlops.yaml.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import yamlio
from ..errors import BadInputError, ExternalError
from ..git import Git
from ..plan import model_input_files
from ..spec import SPEC_FILE, Project

ENGINE_PATHS = ("src/", "pyproject.toml")
PER_MODEL_SECTIONS = ("datasets", "models")
_NO_COMMIT = "0" * 40  # github.event.before on the first push of a branch


@dataclass(frozen=True)
class AffectedModels:
    reasons: dict[str, str]  # model -> why it runs, in spec order
    base: str | None
    changed_files: tuple[str, ...]


def affected_models(
    project: Project, base: str | None, environ: Mapping[str, str] | None = None
) -> AffectedModels:
    """Models affected by the change from `base` to HEAD; every model when `base` is empty.

    `environ` is the environment git runs with (the verb's)."""
    names = list(project.spec.models)
    if not base or base == _NO_COMMIT:
        return AffectedModels(dict.fromkeys(names, "no base commit to compare with"), None, ())
    if base.startswith("-"):
        raise BadInputError(f"'{base}' is not a commit", hint="pass a commit SHA or a branch name")
    git = Git(project.root, environ or {})
    if git.local_commit(base) is None:
        raise ExternalError(
            f"base commit '{base}' is not in this repository",
            hint="fetch the full history (actions/checkout with fetch-depth: 0) or pass an existing commit",
        )
    changed = tuple(git.changed_files(base))

    engine = sorted(f for f in changed if f.startswith(ENGINE_PATHS))
    if engine:
        return AffectedModels(
            dict.fromkeys(names, f"the engine changed ({engine[0]})"), base, changed
        )
    old = _spec_at(git, base)
    if old is None:
        return AffectedModels(
            dict.fromkeys(names, f"{SPEC_FILE} is missing or unreadable at {base[:12]}"),
            base,
            changed,
        )
    new = project.documents[SPEC_FILE].data
    shared = sorted(
        k for k in set(old) | set(new) if k not in PER_MODEL_SECTIONS and old.get(k) != new.get(k)
    )
    if shared:
        return AffectedModels(
            dict.fromkeys(names, f"{SPEC_FILE}: shared setting '{shared[0]}' changed"),
            base,
            changed,
        )

    changed_set = set(changed)
    reasons: dict[str, str] = {}
    for name in names:
        reason = _reason(project, name, old, new, changed_set)
        if reason:
            reasons[name] = reason
    return AffectedModels(reasons, base, changed)


def _reason(
    project: Project, name: str, old: dict[str, Any], new: dict[str, Any], changed: set[str]
) -> str | None:
    old_models = _section(old, "models")
    if name not in old_models:
        return "new model"
    if old_models[name] != new["models"][name]:
        return f"{SPEC_FILE}: models.{name} changed"
    dataset = project.spec.models[name].dataset
    old_datasets = _section(old, "datasets")
    if old_datasets.get(dataset) != new["datasets"][dataset]:
        return f"{SPEC_FILE}: datasets.{dataset} changed"
    for path in model_input_files(project, name):
        if path in changed:
            return f"{path} changed"
    return None


def _section(spec: dict[str, Any], key: str) -> dict[str, Any]:
    value = spec.get(key)
    return value if isinstance(value, dict) else {}


def _spec_at(git: Git, commit: str) -> dict[str, Any] | None:
    """The raw mlops.yaml at `commit`, or None when it is missing there or is not a mapping."""
    raw = git.show(commit, SPEC_FILE)
    if raw is None:
        return None
    try:
        data = yamlio.parse_text(
            raw.decode("utf-8", errors="replace"), f"{commit[:12]}:{SPEC_FILE}"
        ).data
    except yamlio.YamlLoadError:
        return None
    return data if isinstance(data, dict) else None
