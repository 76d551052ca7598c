"""The release workflow: merging a change to `models/*/production.yaml` is the
deployment. `mlgitops verify` checks the whole registry and the data lock first;
`mlgitops release` then verifies the production artifacts' digests,
boots `mlgitops serve` on them and replays the rows recorded at registration,
then publishes one GitHub release per production version and records a
deployment to the `production` environment."""

from __future__ import annotations

from ...paths import PRODUCTION, REGISTRY_DIR
from ...spec import Spec
from ..matrix import labels
from ..steps import setup
from ..workflow import Job, Step, Workflow, permission

FILE = "mlgitops-release.yml"
TIMEOUT_MINUTES = 15
# The smoke test serves the models: the serving extras on top of the project's install.
SERVING_INSTALL = 'pip install "mlgitops[serving]"'
PERMISSIONS = {
    "contents": permission("write", "to create the releases and upload their assets"),
    "deployments": permission("write", "to record the deployment to production"),
}


def release_workflow(spec: Spec) -> Workflow:
    job = Job(
        id="release",
        name="Verify, smoke-test and release production models",
        runs_on=labels(spec.ci.runs_on),
        timeout_minutes=min(TIMEOUT_MINUTES, spec.ci.timeout_minutes),
        permissions=PERMISSIONS,
        steps=(
            # No pip cache here: a cache a pull request could have written must not
            # reach a job that publishes (cache poisoning).
            *setup(spec.ci, pip_cache=False),
            Step("Install the serving extras", run=SERVING_INSTALL),
            # the whole registry and the data lock, not only the versions being released
            Step("Verify the registry", run="mlgitops verify"),
            Step(
                "Verify digests, replay recorded rows through the server, publish releases",
                run="mlgitops release",
                # the job's own token, to this step only; it never reaches the checkout
                env={"GITHUB_TOKEN": "${{ github.token }}"},
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
