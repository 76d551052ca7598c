"""Promote a passing candidate: registry change on `mlgitops/promote/<model>`, one pull request.

1. check the candidate (`candidate.py`); a failing one stops here, before git or GitHub;
2. export `models/<model>/` of the default branch to a scratch directory, register the
   candidate there as the next version (or reuse the version with the same cache key),
   and point `production.yaml` at it;
3. commit that on top of the default branch and push it to the promotion branch
   (force-with-lease: re-runs replace the branch);
4. open the pull request, or update the open one (never a second), with labels and
   reviewers from the spec's `promotion` section;
5. record the candidate's checks as commit statuses on the pull request's head, since
   pull requests opened with the default GITHUB_TOKEN start no workflows.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from .. import yamlio
from ..drift.report import DriftReport
from ..errors import BadInputError
from ..evidence import CandidateEvidence
from ..git import REMOTE, Git
from ..github import GitHubClient, GitHubError, GitHubSettings, PullRequest
from ..lock import LOCK_FILE, LockEntry, Lockfile, read_lock, write_lock
from ..provenance import refuse_uncommitted
from ..registry import PRODUCTION, REGISTRY_DIR, ProductionPointer, Registry
from ..review.data_change import DataChange, describe_change, render_data_change
from ..spec import load_project
from ..workspace import read_drift_record
from .body import BodyInputs, reason, render_body, title
from .candidate import Candidate, load_candidate

BRANCH_PREFIX = "mlgitops/promote/"
Action = Literal["created", "updated", "already in production", "dry run"]


@dataclass(frozen=True)
class StatusCheck:
    context: str
    state: Literal["success", "failure"]
    description: str


@dataclass
class PromotionResult:
    model: str
    version: int
    registered: Literal["new", "existing"]
    branch: str
    base_branch: str
    action: Action
    title: str
    body: str
    production_version: int | None
    pull_number: int | None = None
    pull_url: str | None = None
    head: str | None = None  # the promotion branch's commit
    carries_lock: bool = False  # the commit also writes the dataset's new mlops.lock entry
    unchanged_after_drift: str | None = None  # drift, yet the retrain reproduced production
    issue_url: str | None = None  # the drift issue that says so
    pushed: bool = False
    statuses: list[StatusCheck] = field(default_factory=list)


def branch_name(model: str) -> str:
    return BRANCH_PREFIX + model


def promote(
    root: Path,
    model: str,
    environ: Mapping[str, str],
    *,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    client: GitHubClient | None = None,
    why: str | None = None,
    why_markdown: str = "",
    with_snapshot: bool = False,
) -> PromotionResult:
    """Promote the model's candidate; `why` (when not drift) becomes production.yaml's reason.
    `with_snapshot`: the promotion commit also carries the dataset's new `mlops.lock` entry
    (the drift workflow's retrain snapshots afresh); otherwise the lock must be committed."""
    project = load_project(root, check_estimators=False)
    spec = project.model(model)  # an unknown name is bad input, with a "did you mean"
    candidate = load_candidate(root, model, spec)  # a failing candidate stops here
    drift = load_drift_report(root, model)
    git = Git(root, environ)
    git.ensure_repository()
    branch = branch_name(model)
    base_branch = project.spec.ci.default_branch
    if dry_run:
        # no network at all: the last fetched state of the remote, else the local branch
        base = git.local_commit(f"refs/remotes/{REMOTE}/{base_branch}", base_branch, "HEAD")
        if base is None:
            raise BadInputError(
                f"the repository has no branch {base_branch} to promote on",
                hint="commit something first, or set ci.default_branch in mlops.yaml",
            )
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
    # nothing is promoted from inputs that are not committed (before anything is pushed)
    refuse_uncommitted(
        project,
        model,
        candidate.evidence.lineage.dirty_inputs,
        git,
        base,
        carried=frozenset({LOCK_FILE}) if with_snapshot else frozenset(),
    )
    with tempfile.TemporaryDirectory(prefix="mlgitops-promote-") as scratch:
        work = Path(scratch)
        model_path = f"{REGISTRY_DIR}/{model}"
        git.export(base, model_path, work)
        trained_on = candidate.evidence.lineage.lock_entry
        snapshot = (
            carry_snapshot(git, base, work, spec.dataset, trained_on)
            if with_snapshot and trained_on is not None
            else None
        )
        registry = Registry(work)
        before = registry.production(model)
        production = (
            registry.evidence(registry.ref(model, before.version)) if before is not None else None
        )
        # the same model as a registered version (same inputs, or the same model.onnx bytes)
        found = registry.find_same_model(model, candidate.cache_key, candidate.evidence.onnx.sha256)
        ref = found or registry.register(model, candidate.artifacts)
        inputs = BodyInputs(
            model=model,
            version=ref.version,
            registered="existing" if found else "new",
            evidence=candidate.evidence,
            production=production,
            production_version=before.version if before else None,
            policy=candidate.policy,
            drift=drift,
            card=(ref.path / "card.md").read_text(encoding="utf-8")
            if (ref.path / "card.md").is_file()
            else "",
            why=why,
            why_markdown=why_markdown,
            data_change_markdown=render_data_change(snapshot) if snapshot is not None else "",
        )
        result = PromotionResult(
            model=model,
            version=ref.version,
            registered=inputs.registered,
            branch=branch,
            base_branch=base_branch,
            action="dry run" if dry_run else "created",
            title=title(inputs),
            body=render_body(inputs),
            production_version=inputs.production_version,
            statuses=status_checks(model, candidate),
            carries_lock=snapshot is not None and not snapshot.unchanged,
        )
        if before is not None and before.version == ref.version:
            result.action = "already in production"
            if drift is not None and drift.dataset_drifted:
                # drift, and the retrain reproduced production: never a silent green
                result.unchanged_after_drift = _unchanged_note(model, ref.version, snapshot)
                if client is not None:
                    result.issue_url = _tell_drift_issue(
                        client, model, result.unchanged_after_drift, drift
                    )
            return result
        if dry_run:
            return result
        assert client is not None
        _publish(git, client, registry, work, base, existing, inputs, result, now)
        spec_promotion = spec.promotion
        assert result.pull_number is not None
        if spec_promotion.labels:
            client.add_labels(result.pull_number, list(spec_promotion.labels))
        if spec_promotion.reviewers:
            client.request_reviewers(result.pull_number, list(spec_promotion.reviewers))
        assert result.head is not None
        target_url = _run_url(environ)
        for check in result.statuses:
            client.create_status(
                result.head,
                state=check.state,
                context=check.context,
                description=check.description,
                target_url=target_url,
            )
    return result


def _publish(
    git: Git,
    client: GitHubClient,
    registry: Registry,
    work: Path,
    base: str,
    existing: str | None,
    inputs: BodyInputs,
    result: PromotionResult,
    now: dt.datetime | None,
) -> None:
    """Commit and push the branch, then open or update the pull request."""
    model, version = inputs.model, inputs.version
    promoted_at = _previous_promotion_time(git, existing, model, registry, version) or now
    pull = client.find_open_pull(result.branch)

    def commit_and_push(number: int | None, lease: str | None) -> str:
        registry.set_production(
            model, version, pull_request=number, reason=reason(inputs), now=promoted_at
        )
        also = (LOCK_FILE,) if result.carries_lock else ()
        commit = git.commit_directory(
            base, work, f"{REGISTRY_DIR}/{model}", _message(inputs), *also
        )
        if lease is not None:
            previous = git.commit_info(lease)
            if (previous.tree, previous.parent) == (commit.tree, commit.parent):
                return lease  # the branch already holds exactly this change
        git.push(commit.sha, result.branch, lease)
        result.pushed = True
        return commit.sha

    result.head = commit_and_push(pull.number if pull else None, existing)
    if pull is None:
        pull = _open_pull(client, result)
        # the number exists only now: record it in production.yaml with a second commit
        result.head = commit_and_push(pull.number, result.head)
    else:
        pull = client.update_pull(pull.number, title=result.title, body=result.body)
        result.action = "updated"
    result.pull_number, result.pull_url = pull.number, pull.html_url


def _open_pull(client: GitHubClient, result: PromotionResult) -> PullRequest:
    try:
        return client.create_pull(
            title=result.title, head=result.branch, base=result.base_branch, body=result.body
        )
    except GitHubError as exc:
        # another run opened it between our lookup and now: update that one instead
        pull = client.find_open_pull(result.branch) if exc.status == 422 else None
        if pull is None:
            raise
        result.action = "updated"
        return client.update_pull(pull.number, title=result.title, body=result.body)


def _unchanged_note(model: str, version: int, snapshot: DataChange | None) -> str:
    window = (
        f"the train window held no new labelled rows ({snapshot.new.rows:,} rows, "
        f"{snapshot.new_rows:+,} since the committed snapshot)"
        if snapshot is not None
        else "the train window held no new labelled rows"
    )
    return (
        f"{model}: drift was found, but the retrain reproduced production's model "
        f"(version {version}): {window}. Nothing was promoted; the model needs labelled "
        "data from the drifted period (a wider train window, or labels that arrive later)."
    )


def _tell_drift_issue(client: GitHubClient, model: str, note: str, drift: DriftReport) -> str:
    from ..github.drift_issue import open_drift_issue
    from ..review.escape import text

    found = open_drift_issue(
        client, model, note, f"**{text(note)}**\n\n{drift.to_markdown().strip()}"
    )
    return found.url


def carry_snapshot(git: Git, base: str, work: Path, dataset: str, new: LockEntry) -> DataChange:
    """Write into `work` the base's `mlops.lock` with `dataset`'s entry replaced by `new`, the
    entry the candidate was trained on (its lineage holds it: the candidate hands it over)."""
    raw = git.show(base, LOCK_FILE)
    if raw is not None:
        (work / LOCK_FILE).write_bytes(raw)
    theirs = read_lock(work) or Lockfile()
    old = theirs.datasets.get(dataset)
    write_lock(work, Lockfile(datasets={**theirs.datasets, dataset: new}))
    return describe_change(dataset, old, new)


def _previous_promotion_time(
    git: Git, existing: str | None, model: str, registry: Registry, version: int
) -> dt.datetime | None:
    """Keep `promoted_at` when the branch already promotes the same model file, so re-runs are no-ops."""
    if existing is None:
        return None
    raw = git.show(existing, f"{REGISTRY_DIR}/{model}/{PRODUCTION}")
    if raw is None:
        return None
    try:
        doc = yamlio.parse_text(raw.decode("utf-8"), PRODUCTION)
        pointer = ProductionPointer.model_validate(doc.data)
    except (yamlio.YamlLoadError, ValidationError, UnicodeDecodeError):
        return None
    digests = registry.manifest(registry.ref(model, version))
    if pointer.version != version or pointer.sha256 != digests.get("model.onnx"):
        return None
    return dt.datetime.fromisoformat(pointer.promoted_at)


def _message(inputs: BodyInputs) -> str:
    return (
        f"{title(inputs)}\n\n{reason(inputs)}\n\n"
        f"Candidate cache key: {inputs.evidence.lineage.cache_key}\n"
    )


def status_checks(model: str, candidate: Candidate) -> list[StatusCheck]:
    """What the promote job records on the head commit: gates, ONNX parity and policy."""
    evidence = candidate.evidence
    return [
        StatusCheck(f"mlgitops/{model}/gates", "success", _gates_summary(evidence)),
        StatusCheck(
            f"mlgitops/{model}/onnx",
            "success" if evidence.onnx.passed else "failure",
            f"parity max |diff| {evidence.onnx.max_abs_diff:.1e} on "
            f"{evidence.onnx.rows_checked:,} rows",
        ),
        StatusCheck(
            f"mlgitops/{model}/policy",
            "success" if candidate.policy is None or candidate.policy.passed else "failure",
            candidate.policy.headline() if candidate.policy else "no policy files",
        ),
    ]


def _gates_summary(evidence: CandidateEvidence) -> str:
    if not evidence.gates:
        return "no gates"
    counts: dict[str, int] = {}
    for gate in evidence.gates:
        counts[gate.status] = counts.get(gate.status, 0) + 1
    return "gates: " + ", ".join(f"{n} {status}" for status, n in counts.items())


def load_drift_report(root: Path, model: str) -> DriftReport | None:
    """The last drift report `mlgitops drift` saved for the model, if it judged drift at all."""
    record = read_drift_record(root, model)
    return None if record is None else record.drift_report()  # None: the data failed validation


_GITHUB_REMOTE = re.compile(r"github\.com[:/]+(?P<owner>[\w.-]+)/(?P<name>[\w.-]+?)(?:\.git)?/?$")


def _repository(environ: Mapping[str, str], git: Git) -> str | None:
    """GITHUB_REPOSITORY, or owner/name read from a github.com `origin` (on a laptop)."""
    if environ.get("GITHUB_REPOSITORY"):
        return environ["GITHUB_REPOSITORY"]
    match = _GITHUB_REMOTE.search(git.remote_url() or "")
    return f"{match['owner']}/{match['name']}" if match else None


def _run_url(environ: Mapping[str, str]) -> str | None:
    parts = [environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")]
    if not all(parts):
        return None
    server, repository, run_id = parts
    return f"{server}/{repository}/actions/runs/{run_id}"
