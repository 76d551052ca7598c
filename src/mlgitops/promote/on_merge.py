"""Promotion on merge: on a push to the default branch, each model the change affects whose
candidate passes gets its one promotion pull request, saying the spec changed and where.

The change is the pushed commit (HEAD); the pull request it came from is read from
its message, as GitHub writes it for a merge ("Merge pull request #12 from …") or a
squash ("Title (#12)"). A model whose candidate is missing or fails is skipped, with
the reason: its own job already failed the run.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..ci.affected import affected_models
from ..errors import CheckFailedError
from ..git import Git
from ..spec import load_project
from ..workspace import candidate_dir
from .promotion import PromotionResult, promote

_MERGE = re.compile(r"^Merge pull request #(\d+) ")
_SQUASH = re.compile(r"\(#(\d+)\)\s*$")


@dataclass(frozen=True)
class SpecChange:
    commit: str
    pull_request: int | None

    def reason(self) -> str:
        where = f" (pull request #{self.pull_request})" if self.pull_request else ""
        return f"the spec changed in {self.commit[:12]}{where}"

    def markdown(self) -> str:
        where = f", merged from pull request #{self.pull_request}" if self.pull_request else ""
        return (
            f"The spec changed in `{self.commit[:12]}`{where}: this model's inputs changed, "
            "and the candidate retrained from that commit passes every gate and policy."
        )


def spec_change(git: Git, commit: str = "HEAD") -> SpecChange:
    sha = git.run("rev-parse", "--verify", f"{commit}^{{commit}}")
    subject = git.run("log", "-1", "--format=%s", sha)
    match = _MERGE.match(subject) or _SQUASH.search(subject)
    return SpecChange(sha, int(match.group(1)) if match else None)


@dataclass(frozen=True)
class Skipped:
    model: str
    why: str


@dataclass(frozen=True)
class MergePromotion:
    change: SpecChange
    promoted: list[PromotionResult]
    skipped: list[Skipped]


def promote_changed(
    root: Path,
    base: str | None,
    environ: Mapping[str, str],
    *,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> MergePromotion:
    project = load_project(root, check_estimators=False)
    git = Git(root, environ)
    git.ensure_repository()
    change = spec_change(git)
    promoted: list[PromotionResult] = []
    skipped: list[Skipped] = []
    for model in affected_models(project, base).reasons:
        if not candidate_dir(root, model).is_dir():
            skipped.append(Skipped(model, "no candidate: its job failed before training"))
            continue
        try:
            promoted.append(
                promote(
                    root,
                    model,
                    environ,
                    dry_run=dry_run,
                    now=now,
                    why=change.reason(),
                    why_markdown=change.markdown(),
                )
            )
        except CheckFailedError as exc:  # the candidate failed a check: never promoted
            skipped.append(Skipped(model, exc.message.splitlines()[0]))
    return MergePromotion(change, promoted, skipped)
