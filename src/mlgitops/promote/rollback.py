"""Roll production back to an earlier version, through the model's one promotion pull request.

The version must exist on the default branch and check out (manifest and digests);
the promotion branch then holds the default branch with only `production.yaml`
changed, pointing at it, with reason "rollback". The pull request's body compares
that version with the one in production. Re-runs update the same pull request.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Mapping
from pathlib import Path

from ..errors import BadInputError, CheckFailedError
from ..git import REMOTE, Git
from ..github import GitHubClient, GitHubSettings
from ..policy.report import POLICY_FILE, PolicyRecord
from ..registry import REGISTRY_DIR, Registry
from ..spec import load_project
from .body import ROLLBACK, BodyInputs, render_body, title
from .promotion import PromotionResult, StatusCheck, _publish, _repository, _run_url, branch_name


def rollback(
    root: Path,
    model: str,
    version: int,
    environ: Mapping[str, str],
    *,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    client: GitHubClient | None = None,
) -> PromotionResult:
    project = load_project(root, check_estimators=False)
    spec = project.model(model)
    git = Git(root, environ)
    git.ensure_repository()
    branch = branch_name(model)
    base_branch = project.spec.ci.default_branch
    if dry_run:
        base = git.local_commit(f"refs/remotes/{REMOTE}/{base_branch}", base_branch, "HEAD")
        if base is None:
            raise BadInputError(f"the repository has no branch {base_branch} to roll back on")
        existing = git.local_commit(f"refs/remotes/{REMOTE}/{branch}")
    else:
        if client is None:  # settings first: a missing token fails before anything is pushed
            client = GitHubClient(
                GitHubSettings.from_environ(environ, repository=_repository(environ, git))
            )
        base = git.fetch(base_branch)
        existing = git.remote_head(branch)
        if existing is not None:
            git.fetch(branch)
    with tempfile.TemporaryDirectory(prefix="mlgitops-rollback-") as scratch:
        work = Path(scratch)
        git.export(base, f"{REGISTRY_DIR}/{model}", work)
        registry = Registry(work)
        known = registry.versions(model)
        if version not in known:
            raise BadInputError(
                f"{model} has no version {version} on {base_branch} "
                f"(versions: {', '.join(map(str, known)) or 'none'})",
                hint=f"`mlgitops history {model}` lists its versions",
            )
        ref = registry.ref(model, version)
        try:
            registry.verify(ref)
        except CheckFailedError as exc:
            raise CheckFailedError(
                f"version {version} of {model} does not check out: {exc.message}",
                hint="restore it from git, or roll back to another version",
            ) from None
        before = registry.production(model)
        production = (
            registry.evidence(registry.ref(model, before.version)) if before is not None else None
        )
        policy_path = ref.path / POLICY_FILE
        policy = (
            PolicyRecord.model_validate(registry.read_json(ref, POLICY_FILE)).to_report()
            if policy_path.is_file()
            else None
        )
        from_version = before.version if before is not None else None
        inputs = BodyInputs(
            model=model,
            version=version,
            registered="existing",
            evidence=registry.evidence(ref),
            production=production,
            production_version=from_version,
            policy=policy,
            drift=None,
            card=(ref.path / "card.md").read_text(encoding="utf-8")
            if (ref.path / "card.md").is_file()
            else "",
            why=ROLLBACK,
            why_markdown=(
                f"Rollback: production goes back to version {version}"
                + (f", replacing version {from_version}" if from_version is not None else "")
                + ". The tables compare version "
                f'{version} (as "candidate") with the version in production now; the policy '
                f"results are the ones recorded when version {version} was registered."
            ),
        )
        result = PromotionResult(
            model=model,
            version=version,
            registered="existing",
            branch=branch,
            base_branch=base_branch,
            action="dry run" if dry_run else "created",
            title=title(inputs),
            body=render_body(inputs),
            production_version=from_version,
            statuses=[
                StatusCheck(
                    f"mlgitops/{model}/verify",
                    "success",
                    f"version {version}: manifest and digests check out",
                )
            ],
        )
        if from_version == version:
            result.action = "already in production"
            return result
        if dry_run:
            return result
        assert client is not None
        _publish(git, client, registry, work, base, existing, inputs, result, now)
        assert result.pull_number is not None and result.head is not None
        if spec.promotion.labels:
            client.add_labels(result.pull_number, list(spec.promotion.labels))
        if spec.promotion.reviewers:
            client.request_reviewers(result.pull_number, list(spec.promotion.reviewers))
        for check in result.statuses:
            client.create_status(
                result.head,
                state=check.state,
                context=check.context,
                description=check.description,
                target_url=_run_url(environ),
            )
    return result
