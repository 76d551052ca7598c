"""The CI workflow: on pull requests and pushes, plan the affected models, then run
each as a leg of a matrix (validate-data -> train -> test -> convert -> policy)."""

from __future__ import annotations

from ...spec import Spec
from ..emit import Value
from ..matrix import MatrixGroup, ci_groups, job_outputs, labels
from ..steps import setup, stage_cache, upload_candidate
from ..workflow import Job, Step, Workflow, permission

FILE = "mlgitops-ci.yml"
PLAN_JOB = "plan"
PLAN_TIMEOUT_MINUTES = 15
READ_CONTENTS = {"contents": permission("read", "to check out the repository")}


def ci_workflow(spec: Spec) -> Workflow:
    groups = ci_groups(spec)
    return Workflow(
        file=FILE,
        name="mlgitops CI",
        on={"pull_request": None, "push": {"branches": [spec.ci.default_branch]}},
        # A new push to a pull request supersedes the running check; pushes to the
        # default branch each run to the end.
        concurrency={
            "group": "${{ github.workflow }}-${{ github.event.pull_request.number || github.ref }}",
            "cancel-in-progress": "${{ github.event_name == 'pull_request' }}",
        },
        jobs=(_plan_job(spec, groups), *(_model_job(spec, group) for group in groups)),
    )


def _plan_job(spec: Spec, groups: list[MatrixGroup]) -> Job:
    return Job(
        id=PLAN_JOB,
        name="Plan",
        runs_on=labels(spec.ci.runs_on),
        timeout_minutes=min(PLAN_TIMEOUT_MINUTES, spec.ci.timeout_minutes),
        permissions=READ_CONTENTS,
        outputs=job_outputs(groups, "plan"),
        steps=(
            *setup(spec.ci, fetch_depth=0),  # full history: the plan diffs against the base commit
            Step("Validate the spec", run="mlgitops validate"),
            Step("Check the workflows are current", run="mlgitops compile --check"),
            Step(
                "Plan the affected models",
                id="plan",
                env={
                    "BASE_SHA": "${{ github.event.pull_request.base.sha || github.event.before }}"
                },
                run='mlgitops plan --changed "$BASE_SHA"',
            ),
        ),
    )


def _model_job(spec: Spec, group: MatrixGroup) -> Job:
    matrix: Value = f"${{{{ fromJSON(needs.{PLAN_JOB}.outputs.{group.matrix_output}) }}}}"
    return Job(
        id=group.job_id,
        name="${{ matrix.model }}",
        needs=(PLAN_JOB,),
        if_=f"needs.{PLAN_JOB}.outputs.{group.has_models_output} == 'true'",
        runs_on=group.runs_on,
        timeout_minutes=spec.ci.timeout_minutes,
        permissions=READ_CONTENTS,
        strategy={"fail-fast": False, "matrix": matrix},
        steps=(
            *setup(spec.ci),
            # keyed on the digest of the model's inputs that the plan computed: a matrix
            # leg cannot hand hashFiles() a per-model list of files
            stage_cache("${{ matrix.model }}", "${{ matrix.inputs_sha256 }}"),
            Step(
                "Run the pipeline",
                env={"MODEL": "${{ matrix.model }}"},
                run='mlgitops run --no-register "$MODEL"',
            ),
            # also when a gate fails: the candidate's evidence explains why
            upload_candidate("${{ matrix.model }}", if_="!cancelled()"),
        ),
    )
