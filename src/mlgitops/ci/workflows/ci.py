"""The CI workflow: on pull requests and pushes, plan the affected models (and verify the
registry), then run each as a leg of a matrix (validate-data -> train -> test -> convert ->
policy). After the matrix, on a pull request the review job comments the candidates
against production (the only job that may write to the pull request); on a push to the
default branch the promote job opens one promotion pull request per passing model."""

from __future__ import annotations

from ...spec import Spec
from ..emit import Value
from ..matrix import MatrixGroup, ci_groups, job_outputs, labels
from ..steps import (
    CANDIDATES_DIR,
    download_candidates,
    secret_env,
    setup,
    stage_cache,
    upload_artifact,
)
from ..workflow import Job, Step, Workflow, permission

FILE = "mlgitops-ci.yml"
PLAN_JOB = "plan"
PLAN_TIMEOUT_MINUTES = 15
SHORT_TIMEOUT_MINUTES = 15
READ_CONTENTS = {"contents": permission("read", "to check out the repository")}
REVIEW_PERMISSIONS = {
    **READ_CONTENTS,
    "pull-requests": permission("write", "to create or update the one review comment"),
}
PROMOTE_PERMISSIONS = {
    "contents": permission("write", "to push the promotion branches"),
    "pull-requests": permission("write", "to open or update the promotion pull requests"),
    "statuses": permission(
        "write", "to record the candidates' checks on the pull requests' head commits"
    ),
}
HAS_MODELS = "has_models"


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
        jobs=(
            _plan_job(spec, groups),
            *(_model_job(spec, group) for group in groups),
            _review_job(spec, groups),
            _promote_job(spec, groups),
        ),
    )


def _plan_job(spec: Spec, groups: list[MatrixGroup]) -> Job:
    return Job(
        id=PLAN_JOB,
        name="Plan",
        runs_on=labels(spec.ci.runs_on),
        timeout_minutes=min(PLAN_TIMEOUT_MINUTES, spec.ci.timeout_minutes),
        permissions=READ_CONTENTS,
        outputs={
            **job_outputs(groups, "plan"),
            HAS_MODELS: f"${{{{ steps.plan.outputs.{HAS_MODELS} }}}}",
        },
        steps=(
            *setup(spec.ci, fetch_depth=0),  # full history: the plan diffs against the base commit
            Step("Validate the spec", run="mlgitops validate"),
            Step("Check the workflows are current", run="mlgitops compile --check"),
            Step("Verify the registry", run="mlgitops verify"),
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
                env={"MODEL": "${{ matrix.model }}", **secret_env(spec.ci)},
                run='mlgitops run --no-register "$MODEL"',
            ),
            # also when a gate fails: the candidate's evidence explains why. The folder holds
            # this leg's one candidate, so the review and promote jobs can merge them all.
            upload_artifact(
                "Upload the candidate",
                "candidate-${{ matrix.model }}",
                f"{CANDIDATES_DIR}/",
                if_="!cancelled()",
            ),
        ),
    )


def _after_matrix(groups: list[MatrixGroup]) -> tuple[str, ...]:
    return (PLAN_JOB, *(group.job_id for group in groups))


def _review_job(spec: Spec, groups: list[MatrixGroup]) -> Job:
    # also when a model's job failed: the review says where and why
    return Job(
        id="review",
        name="Review",
        needs=_after_matrix(groups),
        if_=f"!cancelled() && github.event_name == 'pull_request' && "
        f"needs.{PLAN_JOB}.result == 'success'",
        runs_on=labels(spec.ci.runs_on),
        timeout_minutes=min(SHORT_TIMEOUT_MINUTES, spec.ci.timeout_minutes),
        permissions=REVIEW_PERMISSIONS,
        steps=(
            *setup(spec.ci, fetch_depth=0),  # the spec at the base commit, for the settings diff
            download_candidates(if_=f"needs.{PLAN_JOB}.outputs.{HAS_MODELS} == 'true'"),
            Step(
                "Comment the review on the pull request",
                env={
                    "BASE_SHA": "${{ github.event.pull_request.base.sha }}",
                    "GITHUB_TOKEN": "${{ github.token }}",
                },
                run='mlgitops report --base "$BASE_SHA" --comment',
            ),
        ),
    )


def _promote_job(spec: Spec, groups: list[MatrixGroup]) -> Job:
    # With ci.token_secret, the promotion pull requests are opened with that token, so they
    # start workflows (the default GITHUB_TOKEN's do not).
    secret = spec.ci.token_secret
    token = f"${{{{ secrets.{secret} || github.token }}}}" if secret else None
    token_env = {"MLGITOPS_GITHUB_TOKEN": f"${{{{ secrets.{secret} }}}}"} if secret else {}
    return Job(
        id="promote",
        name="Promote",
        needs=_after_matrix(groups),
        if_=f"!cancelled() && github.event_name == 'push' && "
        f"needs.{PLAN_JOB}.outputs.{HAS_MODELS} == 'true'",
        runs_on=labels(spec.ci.runs_on),
        timeout_minutes=min(SHORT_TIMEOUT_MINUTES, spec.ci.timeout_minutes),
        permissions=PROMOTE_PERMISSIONS,
        # one promotion at a time per branch: two pushes in a row never race for a pull request
        concurrency={"group": "mlgitops-promote-${{ github.ref }}", "cancel-in-progress": False},
        steps=(
            # the only job that keeps credentials: it pushes the promotion branches
            *setup(spec.ci, fetch_depth=0, push=True, token=token),
            download_candidates(),
            Step(
                "Open or update the promotion pull requests",
                env={
                    "BEFORE_SHA": "${{ github.event.before }}",
                    "GITHUB_TOKEN": "${{ github.token }}",
                    **token_env,
                },
                run='mlgitops promote --changed "$BEFORE_SHA"',
            ),
        ),
    )
