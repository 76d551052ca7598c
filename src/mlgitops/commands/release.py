"""`mlgitops release`: verify, smoke-test the serving, publish a GitHub release per production version.

For each model in production:
1. **verify**: every artifact of the production version matches its manifest,
   and `model.onnx` matches the digest in `production.yaml`;
2. **smoke test**: the real server (`mlgitops serve`) boots on those versions on
   a loopback port, and the rows recorded at registration (`replay.json`) are
   replayed through it: the served outputs must match scikit-learn's recorded
   outputs within the model's ONNX tolerance;
3. **publish** (unless `--no-publish`): one GitHub release per version, tag
   `<model>-v<N>`, with `model.onnx`, `card.md`, `manifest.json` and
   `SHA256SUMS` (the `sha256sum` format) and the card as its body. A re-run
   finds the release by its tag and keeps assets whose digest matches. Then a
   GitHub deployment of the commit to the `production` environment, with a
   status.

Any failure in 1 or 2 publishes nothing (exit 1). `--output DIR` also writes
each release's files into `DIR/<model>-v<N>/`. A relative DIR is in the
repository and must stay there (a link leading out is refused); an absolute
DIR is the caller's explicit choice (a CI job's temp folder). Either way the
names written are fixed (`<model>-v<N>/` and the asset names above, plus
`release.json`): nothing a manifest says chooses a path.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.table import Table

from .. import atomic, paths
from ..errors import EXIT_CHECK_FAILED, EXIT_OK, BadInputError, MlgitopsError
from ..registry import MANIFEST, REGISTRY_DIR, ProductionPointer, Registry, VersionRef
from ..spec import load_project
from ..workspace import ReleaseRecord, release_bytes
from . import Annotation, Context, Outcome

RELEASE_ASSETS = ("model.onnx", "card.md", MANIFEST)
SUMS_FILE = "SHA256SUMS"
ENVIRONMENT = "production"
MAX_BODY_CHARS = 125_000  # GitHub's limit for a release body


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "release",
        parents=[common],
        help="verify production digests, smoke-test the serving, publish GitHub releases",
    )
    parser.add_argument(
        "models", nargs="*", metavar="MODEL", help="models to release (default: all in production)"
    )
    parser.add_argument(
        "--output", type=Path, default=None, help="also write each release's files here"
    )
    parser.add_argument(
        "--verify-only",
        action="store_true",
        help="check digests only: no smoke test, no publishing",
    )
    parser.add_argument(
        "--no-publish",
        action="store_true",
        help="verify and smoke-test, but create no GitHub release or deployment",
    )
    parser.set_defaults(
        handler=lambda args, ctx: run(
            ctx,
            args.models,
            output=args.output,
            verify_only=args.verify_only,
            publish=not (args.no_publish or args.verify_only),
        )
    )


@dataclass
class _Row:
    model: str
    version: int | None
    status: str  # verified | smoke-tested | released | failed
    message: str
    sha256: str | None = None
    ref: VersionRef | None = None
    pointer: ProductionPointer | None = None
    files: dict[str, bytes] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "model": self.model,
            "version": self.version,
            "status": self.status,
            "message": self.message,
        }
        if self.sha256:
            out["sha256"] = self.sha256
        return {**out, **self.extra}


def run(
    ctx: Context,
    models: list[str],
    *,
    output: Path | None = None,
    verify_only: bool = False,
    publish: bool = True,
) -> Outcome:
    project = load_project(ctx.root, check_estimators=False)
    registry = Registry(ctx.root)
    output_dir = None if output is None else _output_dir(ctx.root, output)  # refused before work
    names = [name for name in (models or list(project.spec.models)) if project.model(name)]
    settings = _github_settings(ctx) if publish else None  # bad settings fail before any work
    rows = [row for name in names if (row := _verify(registry, name, explicit=bool(models)))]
    if not verify_only:
        _smoke_test(ctx.root, registry, [r for r in rows if r.status == "verified"])
    failed = [r for r in rows if r.status == "failed"]
    if not failed:
        for row in rows:
            row.files = _release_files(registry, row) if not verify_only else {}
        if output_dir is not None and not verify_only:
            _write_bundles(ctx.root, output_dir, rows)
        if settings is not None and rows:
            _publish(ctx, settings, rows)
    return _outcome(rows, failed)


# --- 1. verify --------------------------------------------------------------------------------


def _verify(registry: Registry, name: str, *, explicit: bool) -> _Row | None:
    pointer = registry.production(name)
    if pointer is None:
        if explicit:
            return _Row(name, None, "failed", "no production.yaml: nothing to release")
        return None
    try:
        ref, digests = registry.verify_production(name, pointer)
    except MlgitopsError as exc:
        return _Row(name, pointer.version, "failed", exc.message)
    row = _Row(
        name,
        pointer.version,
        "verified",
        f"{len(digests)} artifacts match their digests",
        sha256=pointer.sha256,
        ref=ref,
        pointer=pointer,
    )
    row.extra["digests"] = digests
    return row


# --- 2. smoke test ----------------------------------------------------------------------------


def _smoke_test(root: Path, registry: Registry, rows: list[_Row]) -> None:
    """Boot the server on the verified versions and replay each one's recorded rows."""
    if not rows:
        return
    try:
        import requests

        from ..serve import server
        from ..serve.replay import REPLAY_FILE, ReplayRecord, replay
        from ..serve.service import build_service
    except ModuleNotFoundError as exc:
        raise BadInputError(
            f"the smoke test serves the models and needs mlgitops[serving] ({exc.name} is missing)",
            hint="pip install 'mlgitops[serving]', or pass --verify-only to check digests alone",
        ) from None
    records: dict[str, ReplayRecord] = {}
    for row in rows:
        assert row.ref is not None
        shown = f"{REGISTRY_DIR}/{row.model}/versions/{row.version}/{REPLAY_FILE}"
        if not (row.ref.path / REPLAY_FILE).is_file():
            _fail(
                row,
                f"{shown} is missing: the version records no rows to replay",
                hint=("register the model again with `mlgitops run` (versions record replay rows)"),
            )
            continue
        try:
            records[row.model] = ReplayRecord.model_validate_json(
                registry.read_artifact(row.ref, REPLAY_FILE)
            )
        except MlgitopsError as exc:
            _fail(row, exc.message)
        except ValueError as exc:
            _fail(row, f"{shown} cannot be read: {str(exc).splitlines()[0][:200]}")
    ready = [row for row in rows if row.status == "verified"]
    if not ready:
        return
    try:
        service = build_service(root, [row.model for row in ready])
    except MlgitopsError as exc:
        for row in ready:
            _fail(row, f"the server did not start: {exc.message}")
        return
    with server.background(service.app) as address, requests.Session() as session:
        for row in ready:
            assert row.version is not None
            check = replay(session, address.url, row.model, row.version, records[row.model])
            row.extra["smoke_test"] = check.model_dump()
            if check.passed:
                row.status, row.message = "smoke-tested", f"served and replayed: {check.message}"
            else:
                _fail(row, f"smoke test: {check.message}")


def _fail(row: _Row, message: str, hint: str | None = None) -> None:
    row.status, row.message = "failed", message
    if hint:
        row.extra["hint"] = hint


# --- 3. publish --------------------------------------------------------------------------------


def _release_files(registry: Registry, row: _Row) -> dict[str, bytes]:
    """The release's assets: the verified artifacts and their SHA256SUMS."""
    assert row.ref is not None
    files = {name: (row.ref.path / name).read_bytes() for name in RELEASE_ASSETS}
    files[SUMS_FILE] = "".join(
        f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in files.items()
    ).encode()
    return files


def _output_dir(root: Path, output: Path) -> Path:
    """Where bundles go: an absolute DIR as given; a relative one inside the repository."""
    return output if output.is_absolute() else paths.inside(root, root / output, what="--output")


def _write_bundles(root: Path, base: Path, rows: list[_Row]) -> None:
    for row in rows:
        files = dict(row.files)
        assert row.pointer is not None
        files["release.json"] = release_bytes(
            ReleaseRecord(
                model=row.model,
                version=row.pointer.version,
                sha256=row.extra["digests"],
                promoted_at=row.pointer.promoted_at,
                pull_request=row.pointer.pull_request,
            )
        )
        bundle = base / _tag(row)
        atomic.replace_directory(bundle, files)
        row.extra["bundle"] = str(
            bundle.relative_to(root) if bundle.is_relative_to(root) else bundle
        )


def _tag(row: _Row) -> str:
    return f"{row.model}-v{row.version}"


def _github_settings(ctx: Context) -> Any:
    from ..github import GitHubSettings

    try:
        return GitHubSettings.from_environ(ctx.environ)
    except BadInputError as exc:
        raise BadInputError(
            exc.message,
            hint=f"{exc.hint}; or pass --no-publish to verify and smoke-test without publishing",
        ) from None


def _publish(ctx: Context, settings: Any, rows: list[_Row]) -> None:
    from ..github import GitHubClient
    from ..github.releases import ReleasesApi, publish_release

    api = ReleasesApi(GitHubClient(settings))
    commit = _commit(ctx)
    for row in rows:
        card = row.files["card.md"].decode("utf-8", errors="replace")
        published = publish_release(
            api,
            tag=_tag(row),
            name=f"{row.model} v{row.version}",
            body=card[:MAX_BODY_CHARS],
            target=commit,
            assets=row.files,
        )
        row.status = "released"
        row.message = (
            f"{'created' if published.created else 'found'} release {_tag(row)}: "
            f"{len(published.uploaded)} asset(s) uploaded, {len(published.kept)} kept"
        )
        row.extra["release"] = {
            "tag": _tag(row),
            "url": published.release.html_url,
            "created": published.created,
            "uploaded": list(published.uploaded),
            "kept": list(published.kept),
            "replaced": list(published.replaced),
        }
    versions = {row.model: row.version for row in rows}
    description = ", ".join(f"{m} v{v}" for m, v in versions.items())
    deployment = api.create_deployment(
        ref=commit,
        environment=ENVIRONMENT,
        description=f"serve {description}",
        payload={"models": versions},
    )
    api.create_deployment_status(
        deployment,
        state="success",
        description=f"verified, served and replayed: {description}",
        environment=ENVIRONMENT,
        log_url=_run_url(ctx),
    )
    for row in rows:
        row.extra["deployment"] = deployment


def _commit(ctx: Context) -> str:
    """The commit being deployed: the workflow's, or the checkout's HEAD."""
    sha = ctx.environ.get("GITHUB_SHA", "")
    if sha:
        return sha
    try:
        found = subprocess.run(
            ["git", "-C", str(ctx.root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        raise BadInputError(
            "the commit to deploy is not known: GITHUB_SHA is not set and "
            f"{ctx.root.name} is not a git checkout",
            hint="run in a git checkout, or set GITHUB_SHA",
        ) from None
    return found.stdout.strip()


def _run_url(ctx: Context) -> str | None:
    server, repository, run_id = (
        ctx.environ.get(k, "") for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    )
    return (
        f"{server}/{repository}/actions/runs/{run_id}" if server and repository and run_id else None
    )


# --- the outcome -------------------------------------------------------------------------------


def _outcome(rows: list[_Row], failed: list[_Row]) -> Outcome:
    table = Table(title="mlgitops release")
    for column in ("model", "version", "status", "detail"):
        table.add_column(column, overflow="fold")
    for r in rows:
        detail = r.extra.get("release", {}).get("url") or r.extra.get("bundle") or r.message
        table.add_row(r.model, "–" if r.version is None else f"v{r.version}", r.status, detail)
    if not rows:
        table.caption = "no model has a production version"
    elif failed:
        table.caption = "nothing was published: fix the failures above first"
    summary = (
        "## mlgitops release\n\n| model | version | status | detail |\n|---|---|---|---|\n"
        + "".join(f"| {r.model} | {r.version} | {r.status} | {_cell(r.message)} |\n" for r in rows)
    )
    annotations = [
        Annotation(
            "error", f"{r.model}: {r.message}", file=f"{REGISTRY_DIR}/{r.model}/production.yaml"
        )
        for r in failed
    ]
    return Outcome(
        EXIT_CHECK_FAILED if failed else EXIT_OK,
        {
            "ok": not failed,
            "published": any(r.status == "released" for r in rows),
            "models": [r.to_json() for r in rows],
        },
        [table],
        summary_markdown=summary,
        annotations=annotations,
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
