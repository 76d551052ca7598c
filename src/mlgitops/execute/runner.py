"""Run several models: hash inputs once, plan each model, run it, collect results."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from .. import atomic
from ..plan import ModelPlan, library_versions, plan_model
from ..plan import digest as digest_of
from ..progress import NullReporter, Reporter
from ..registry import Registry
from ..spec import Project
from ..workspace import cache_dir, drift_report_path
from .cache import StageCache
from .results import ModelRunResult
from .run_model import RunOptions, run_model


def git_commit(root: Path) -> str | None:
    """HEAD of the repository at `root`, or None outside git (lineage only; never fails a run)."""
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def current_digest(project: Project, current: str | None) -> str | None:
    """One digest over the current data files (their labelled rows feed the evaluate stage)."""
    if current is None:
        return None
    from ..data.stream import resolve_files
    from ..errors import MlgitopsError

    try:
        files = resolve_files(current, project.root)
    except MlgitopsError:
        return None
    return digest_of([(display, atomic.sha256_file(path)) for path, display in files])


def plan_models(
    project: Project, names: list[str], registry: Registry, today: dt.date
) -> list[ModelPlan]:
    data_digests: dict[str, str] = {}
    versions = library_versions()
    plans = []
    for name in names:
        dataset = project.spec.datasets[project.spec.models[name].dataset]
        if dataset.path not in data_digests:
            data_digests[dataset.path] = atomic.sha256_file(project.path(dataset.path))
        pointer = registry.production(name)
        drift_report = drift_report_path(project.root, name)
        plans.append(
            plan_model(
                project,
                name,
                data_digests,
                production_sha256=pointer.sha256 if pointer else None,
                drift_sha256=atomic.sha256_file(drift_report) if drift_report.is_file() else None,
                current_sha256=current_digest(project, dataset.current),
                today=today.isoformat(),
                versions=versions,
            )
        )
    return plans


def run_models(
    project: Project,
    names: list[str],
    *,
    use_cache: bool = True,
    register: bool = True,
    today: dt.date | None = None,
    reporter: Reporter | None = None,
) -> list[ModelRunResult]:
    today = today or dt.date.today()
    registry = Registry(project.root)
    cache = StageCache(cache_dir(project.root), enabled=use_cache)
    options = RunOptions(register=register, today=today, git_commit=git_commit(project.root))
    plans = plan_models(project, names, registry, today)
    return [
        run_model(project, plan, cache, registry, options, reporter or NullReporter())
        for plan in plans
    ]
