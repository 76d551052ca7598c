"""The release workflow: merging a change to `models/*/production.yaml` is the
deployment; verify the production artifacts' digests and publish them as
the run's artifact (`mlgitops release` writes the bundle)."""

from __future__ import annotations

from ...registry import PRODUCTION, REGISTRY_DIR
from ...spec import Spec
from ..matrix import labels
from ..steps import setup, upload_artifact
from ..workflow import Job, Step, Workflow, permission

FILE = "mlgitops-release.yml"
TIMEOUT_MINUTES = 15
BUNDLE_DIR = "dist/release"
RETENTION_DAYS = 90
# Publishing is an artifact of the run: no write scope needed. (A GitHub Release
# would need `contents: write`.)
READ_CONTENTS = {"contents": permission("read", "to check out the registry")}


def release_workflow(spec: Spec) -> Workflow:
    job = Job(
        id="release",
        name="Verify and publish production models",
        runs_on=labels(spec.ci.runs_on),
        timeout_minutes=min(TIMEOUT_MINUTES, spec.ci.timeout_minutes),
        permissions=READ_CONTENTS,
        steps=(
            # No pip cache here: a cache a pull request could have written must not
            # reach a job that publishes (cache poisoning).
            *setup(spec.ci, pip_cache=False),
            Step(
                "Verify the production digests and bundle the models",
                run=f"mlgitops release --output {BUNDLE_DIR}",
            ),
            upload_artifact(
                "Publish the bundle",
                "production-models-${{ github.sha }}",
                f"{BUNDLE_DIR}/",
                retention_days=RETENTION_DAYS,
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
