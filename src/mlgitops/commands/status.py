"""`mlgitops status`: models, production versions, last run, gates, drift, open promotions."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text

from ..errors import EXIT_OK, CheckFailedError, MlgitopsError
from ..registry import ProductionPointer, Registry
from ..spec import Project, load_project
from ..spec.models import DatasetSpec
from ..tables import FitTable
from ..workspace import cache_dir, read_drift_record, read_run_record
from . import Context, Outcome


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "status", parents=[common], help="show models, versions, gates, drift"
    )
    parser.set_defaults(handler=lambda args, ctx: run(ctx))


def run(ctx: Context, *, today: dt.date | None = None) -> Outcome:
    today = today or ctx.today()
    project = load_project(ctx.root, check_estimators=False)
    registry = Registry(ctx.root)
    branches = _promotion_branches(ctx.root, ctx.environ)
    rows = [_model_status(ctx.root, registry, name, branches) for name in project.spec.models]
    for row, trained in zip(rows, _trained(project, registry, today), strict=True):
        row["trained"] = trained
        if row["last_run"] == "passed" and not trained:
            row["last_run"] = "passed, stale"
    table = status_table(project.spec.project, rows)
    return Outcome(EXIT_OK, {"ok": True, "models": rows}, [table])


# least important first: what goes when 80 columns cannot hold everything
_DROP_ORDER = ("latest", "gates", "last run")


def status_table(project: str, rows: list[dict[str, Any]]) -> FitTable:
    """One line a model, in 80 columns: long cells wrap at spaces, never inside a word."""
    table = Table(title=f"mlgitops status: {project}", title_justify="left")
    table.add_column("model", no_wrap=True)
    for header in ("prod", "latest", "last run", "gates", "drift", "promotion"):
        table.add_column(header)
    branches = []
    for row in rows:
        promotion = row["promotion"]
        if promotion.startswith("branch "):
            branches.append(promotion.removeprefix("branch "))
            promotion = "open"
        table.add_row(
            Text(row["model"]),
            Text(_production(row["production"], row.get("production_state", "ok"))),
            _version(row["latest"]),
            Text(row["last_run"]),
            Text(row["gates"]),
            row["drift"],
            promotion,
        )
    if branches:
        table.caption = "open: " + ", ".join(branches) + " (review its pull request)"
        table.caption_justify = "left"
    return FitTable(table, _DROP_ORDER)


def _trained(project: Project, registry: Registry, today: dt.date) -> list[bool]:
    """Per model: is the model the current inputs describe trained already (stage cache)?"""
    from ..execute.cache import StageCache
    from ..execute.driver import cached_stages, plan_models

    cache = StageCache(cache_dir(project.root))
    spec = project.spec
    readable = [
        name
        for name, model in spec.models.items()
        if _readable(project, spec.datasets[model.dataset])
    ]
    plans = {p.model: p for p in plan_models(project, readable, registry, today)}
    return [
        name in plans and cached_stages(plans[name], cache, registry)["train"]
        for name in spec.models
    ]


def _readable(project: Project, dataset: DatasetSpec) -> bool:
    """A file that exists, or a source (planned from its lock entry, nothing read)."""
    return dataset.path is None or project.path(dataset.path).is_file()


def _version(value: int | None) -> str:
    return "–" if value is None else f"v{value}"


def _production(version: int | None, state: str) -> str:
    """The production cell: the version, marked when it must not serve (`--json` says why)."""
    marks = {
        "tampered": " (tampered: digest differs)",
        "missing": " (tampered: a file is missing)",
        "broken": " (broken: run verify)",
    }
    return _version(version) + marks.get(state, "")


def _model_status(root: Path, registry: Registry, name: str, branches: set[str]) -> dict[str, Any]:
    try:
        pointer = registry.production(name)
    except MlgitopsError as exc:
        pointer, state, verified = None, "broken", f"broken: {exc.message}"
    else:
        state, verified = ("ok", "ok") if pointer is None else _verified(registry, name, pointer)
    production = pointer.version if pointer else None
    latest = registry.latest(name)
    last = read_run_record(root, name)
    if last is None:
        last_run, gates = "never run here", "–"
    else:
        last_run = "passed" if last.passed else f"failed at {last.failed_stage}"
        statuses = [g.status for g in last.gates]
        gates = (
            ", ".join(
                f"{statuses.count(s)} {s}"
                for s in ("passed", "failed", "no baseline")
                if statuses.count(s)
            )
            or "none declared"
        )
    drift_record = read_drift_record(root, name)
    if drift_record is None:
        drift = "–"
    elif drift_record.status == "invalid-data":
        drift = "invalid data"
    else:
        drift = "DRIFTED" if drift_record.dataset_drifted else "no drift"
    branch = f"mlgitops/promote/{name}"
    return {
        "model": name,
        "production": production,
        "production_digest": verified,
        "production_state": state,  # ok | tampered | missing | broken
        "latest": latest.version if latest else None,
        "last_run": last_run,
        "gates": gates,
        "drift": drift,
        "promotion": f"branch {branch}" if branch in branches else "none",
    }


def _verified(registry: Registry, name: str, pointer: ProductionPointer) -> tuple[str, str]:
    """(state, message): ok; tampered or missing (an artifact or digest differs from its
    record); broken (a registry file of the wrong shape, a link, no such version)."""
    try:
        registry.verify_production(name, pointer)
    except CheckFailedError as exc:
        return ("missing" if exc.message.endswith(" is missing") else "tampered"), exc.message
    except MlgitopsError as exc:
        return "broken", f"broken: {exc.message}"
    return "ok", "ok"


def _promotion_branches(root: Path, environ: Mapping[str, str]) -> set[str]:
    """Local and remote-tracking promotion branches (no network)."""
    from ..git import Git

    names = Git(root, environ).ref_names("refs/heads/mlgitops/promote", "refs/remotes")
    return {name.split("/", 1)[1] if name.startswith("origin/") else name for name in names}
