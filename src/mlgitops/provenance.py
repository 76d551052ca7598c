"""Which of a model's inputs git does not hold as they are: what lineage records and promote refuses.

A model's committed inputs are the spec, its pipeline file, its policy files,
`mlops.lock` and the data files kept in the repository. Comparing them in the
working tree with a commit (HEAD for `run`, the branch a promotion is based
on for `promote`) says whether a version can name the commit it came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from .errors import CheckFailedError
from .git import Git
from .lock import LOCK_FILE, read_lock
from .spec import Project
from .spec.references import SPEC_FILE


def input_paths(project: Project, model: str) -> list[str]:
    """The model's inputs that belong in git, as repository-relative POSIX paths."""
    spec = project.spec.models[model]
    dataset = project.spec.datasets[spec.dataset]
    paths = [SPEC_FILE]
    if spec.pipeline:
        paths.append(spec.pipeline)
    paths.extend(spec.policies)
    paths.append(LOCK_FILE)
    if dataset.path is not None and _inside(project.root, dataset.path):
        paths.append(Path(dataset.path).as_posix())
    lock = read_lock(project.root)
    entry = lock.datasets.get(spec.dataset) if lock is not None else None
    if entry is not None:  # a local source's locked files, which the repository may hold
        paths += [f.url for f in entry.files if "://" not in f.url and _inside(project.root, f.url)]
    return list(dict.fromkeys(paths))


def uncommitted_inputs(
    project: Project, models: list[str], environ: Mapping[str, str], commit: str | None = None
) -> dict[str, list[str]]:
    """Per model, its inputs that differ from `commit` (HEAD when None); none outside git."""
    git = Git(project.root, environ)
    base = commit or git.head_commit()
    if base is None:
        return {model: [] for model in models}
    return {model: git.differing_paths(base, input_paths(project, model)) for model in models}


def _inside(root: Path, path: str) -> bool:
    resolved = (root / path).resolve()
    return resolved.is_relative_to(root.resolve())


def refuse_uncommitted(
    project: Project,
    model: str,
    recorded: list[str],
    git: Git,
    base: str,
    *,
    carried: frozenset[str] = frozenset(),
) -> None:
    """CheckFailedError (exit 1) naming the files when the candidate was trained on inputs that
    differed from its commit (`recorded`, from its lineage) or when they differ now from `base`,
    the commit the promotion is based on. `carried` are files the promotion commits itself."""
    now = git.differing_paths(base, input_paths(project, model))
    files = [path for path in dict.fromkeys([*recorded, *now]) if path not in carried]
    if files:
        raise CheckFailedError(
            f"{model}: the candidate's inputs are not the ones committed on the branch it would "
            f"be promoted on ({base[:12]}): {', '.join(files)}",
            hint=f"commit and push them, run `mlgitops run {model}` again, then promote",
        )
