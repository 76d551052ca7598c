"""The release workflow: merging a change to `models/*/production.yaml` is the
deployment; verify the production artifacts' digests and publish them."""

from __future__ import annotations

from ...registry import PRODUCTION, REGISTRY_DIR
from ...spec import Spec
from ..matrix import labels
from ..steps import setup
from ..workflow import Job, Step, Workflow, permission

FILE = "mlgitops-release.yml"
TIMEOUT_MINUTES = 15


def release_workflow(spec: Spec) -> Workflow:
    job = Job(
        id="release",
        name="Verify and publish production models",
        runs_on=labels(spec.ci.runs_on),
        timeout_minutes=min(TIMEOUT_MINUTES, spec.ci.timeout_minutes),
        permissions={
            "contents": permission("write", "to publish the production models as releases")
        },
        steps=(
            # No pip cache here: a cache a pull request could have written must not
            # reach a job that publishes (cache poisoning).
            *setup(spec.ci, pip_cache=False),
            Step(
                "Verify digests and publish",
                env={"GITHUB_TOKEN": "${{ github.token }}"},
                run="mlgitops release",
            ),
        ),
    )
    return Workflow(
        file=FILE,
        name="mlgitops release",
        on={
            "push": {
                "branches": [spec.ci.default_branch],
                "paths": [f"{REGISTRY_DIR}/*/{PRODUCTION}"],
            }
        },
        # Never cancel a release half way; releases run one after another.
        concurrency={"group": "${{ github.workflow }}", "cancel-in-progress": False},
        jobs=(job,),
    )
