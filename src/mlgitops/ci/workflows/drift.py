"""The drift workflows.

`mlgitops-drift.yml` runs on the models' schedules and on dispatch: a select
job picks the models whose schedule fired (or the dispatched one), then a
matrix calls `mlgitops-drift-model.yml` once per model. That called workflow
chains drift -> retrain (run, which ends with the policy check) -> promote as
separate jobs, so only the promote job holds write access, and one
concurrency group per model keeps two runs for a model from racing.
"""

from __future__ import annotations

from ...spec import Spec
from ..emit import Value
from ..matrix import MatrixGroup, drift_groups, drift_models, job_outputs, labels
from ..steps import (
    download_candidate,
    download_drift_report,
    secret_env,
    setup,
    upload_candidate,
    upload_drift_report,
)
from ..workflow import Job, Step, Workflow, permission

FILE = "mlgitops-drift.yml"
MODEL_FILE = "mlgitops-drift-model.yml"
SELECT_JOB = "select"
SHORT_TIMEOUT_MINUTES = 15
TOKEN_INPUT = "promotion-token"

READ_CONTENTS = {"contents": permission("read", "to check out the repository")}
PROMOTE_PERMISSIONS = {
    "contents": permission("write", "to push the promotion branch"),
    "issues": permission("write", "to say on the drift issue when a retrain changed nothing"),
    "pull-requests": permission("write", "to open or update the promotion pull request"),
    "statuses": permission(
        "write", "to record the candidate's checks on the pull request's head commit"
    ),
}
ISSUE_PERMISSIONS = {"issues": permission("write", "to open or update the drift issue")}
# In the called workflow, `inputs` are the caller's matrix values: pass them through env.
MODEL_ENV = {"MODEL": "${{ inputs.model }}"}


def drift_workflows(spec: Spec) -> list[Workflow]:
    if not drift_models(spec):
        return []
    return [_caller(spec), _per_model(spec)]


def _caller(spec: Spec) -> Workflow:
    groups = drift_groups(spec)
    names = drift_models(spec)
    schedules = list(
        dict.fromkeys(
            m.drift.schedule
            for m in spec.models.values()
            if m.drift is not None and m.drift.schedule
        )
    )
    on: dict[str, Value] = {}
    if schedules:
        on["schedule"] = [{"cron": cron} for cron in schedules]
    on["workflow_dispatch"] = {
        "inputs": {
            "model": {
                "description": "Model to check for drift",
                "required": True,
                "type": "choice",
                "options": names,
            }
        }
    }
    select = Job(
        id=SELECT_JOB,
        name="Select models",
        runs_on=labels(spec.ci.runs_on),
        timeout_minutes=min(SHORT_TIMEOUT_MINUTES, spec.ci.timeout_minutes),
        permissions=READ_CONTENTS,
        outputs=job_outputs(groups, "plan"),
        steps=(
            *setup(spec.ci),
            Step(
                "Select the models to check",
                id="plan",
                env={"SCHEDULE": "${{ github.event.schedule }}", "MODEL": "${{ inputs.model }}"},
                run='mlgitops plan --drift --schedule "$SCHEDULE" --model "$MODEL"',
            ),
        ),
    )
    return Workflow(
        file=FILE,
        name="mlgitops drift",
        on=on,
        # Runs for different schedules or models may overlap; the called workflow serialises per model.
        concurrency={
            "group": "${{ github.workflow }}-${{ inputs.model || github.event.schedule }}",
            "cancel-in-progress": False,
        },
        jobs=(select, *(_call_job(spec, group) for group in groups)),
    )


# ci.reusable -> how `uses:` names a workflow of this repository: `$/` is GitHub's
# same-repository form (runner 2.336+); `./` is what GHES and older runners understand
_CALL_PREFIX = {"same-repository": "$/", "local": "./"}


def _call_job(spec: Spec, group: MatrixGroup) -> Job:
    # A called workflow gets at most what its caller grants, and GitHub refuses to start
    # it unless the caller grants what each of its jobs asks for: the union, passed through.
    holders: dict[str, list[str]] = {}
    for job, scopes in (("promote", PROMOTE_PERMISSIONS), ("issue", ISSUE_PERMISSIONS)):
        for scope in scopes:
            holders.setdefault(scope, []).append(job)
    ceiling = {
        **READ_CONTENTS,
        **{
            scope: permission(
                "write",
                f"passed through to the called {' and '.join(jobs)} "
                f"job{'s' if len(jobs) > 1 else ''} only",
            )
            for scope, jobs in holders.items()
        },
    }
    return Job(
        id=group.job_id,
        name="${{ matrix.model }}",
        needs=(SELECT_JOB,),
        if_=f"needs.{SELECT_JOB}.outputs.{group.has_models_output} == 'true'",
        permissions=ceiling,
        strategy={
            "fail-fast": False,
            "matrix": f"${{{{ fromJSON(needs.{SELECT_JOB}.outputs.{group.matrix_output}) }}}}",
        },
        uses=f"{_CALL_PREFIX[spec.ci.reusable]}.github/workflows/{MODEL_FILE}",
        with_={
            "model": "${{ matrix.model }}",
            "on-drift": "${{ matrix.on_drift }}",
            "runs-on": group.runs_on_json,
        },
        # only the named secrets, each by name, never `secrets: inherit`
        secrets={
            **(
                {TOKEN_INPUT: f"${{{{ secrets.{spec.ci.token_secret} }}}}"}
                if spec.ci.token_secret
                else {}
            ),
            **secret_env(spec.ci),
        },
    )


def _per_model(spec: Spec) -> Workflow:
    runner = "${{ fromJSON(inputs.runs-on) }}"
    # With ci.token_secret, the jobs that write to GitHub act with that token (pull requests it
    # opens start workflows, unlike the default GITHUB_TOKEN's); without the secret, they fall back.
    app_token = (
        f"${{{{ secrets.{TOKEN_INPUT} || github.token }}}}" if spec.ci.token_secret else None
    )
    token_env = {"MLGITOPS_GITHUB_TOKEN": f"${{{{ secrets.{TOKEN_INPUT} }}}}"} if app_token else {}
    drifted = "needs.drift.outputs.drifted == 'true'"
    drift = Job(
        id="drift",
        name="Drift",
        runs_on=runner,
        timeout_minutes=spec.ci.timeout_minutes,
        permissions=READ_CONTENTS,
        outputs={"drifted": "${{ steps.drift.outputs.drifted }}"},
        steps=(
            *setup(spec.ci),
            Step(
                "Compare current data with the reference profile",
                id="drift",
                env={**MODEL_ENV, "ON_DRIFT": "${{ inputs.on-drift }}", **secret_env(spec.ci)},
                run=_DRIFT_SCRIPT,
            ),
            upload_drift_report("${{ inputs.model }}"),
        ),
    )
    retrain = Job(
        id="retrain",
        name="Retrain",
        needs=("drift",),
        if_=f"{drifted} && inputs.on-drift == 'promote'",
        runs_on=runner,
        timeout_minutes=spec.ci.timeout_minutes,
        permissions=READ_CONTENTS,
        steps=(
            *setup(spec.ci),
            download_drift_report("${{ inputs.model }}"),
            *_snapshot_steps(spec),
            Step(
                "Retrain, test, convert and check policies",
                env={**MODEL_ENV, **secret_env(spec.ci)},
                run='mlgitops run --no-register "$MODEL"',
            ),
            upload_candidate("${{ inputs.model }}"),
        ),
    )
    promote = Job(
        id="promote",
        name="Promote",
        needs=("retrain",),
        runs_on=runner,
        timeout_minutes=min(SHORT_TIMEOUT_MINUTES, spec.ci.timeout_minutes),
        permissions=PROMOTE_PERMISSIONS,
        steps=(
            # the only job that keeps credentials: it pushes the branch
            *setup(spec.ci, push=True, token=app_token),
            download_candidate("${{ inputs.model }}"),
            download_drift_report("${{ inputs.model }}"),
            Step(
                "Check the candidate against the policies",
                env=MODEL_ENV,
                run='mlgitops policy "$MODEL"',
            ),
            Step(
                "Open or update the promotion pull request",
                env={**MODEL_ENV, "GITHUB_TOKEN": "${{ github.token }}", **token_env},
                # the candidate's lineage holds the lock entry it was trained on: commit it too
                run='mlgitops promote "$MODEL" --with-snapshot'
                if _snapshotted(spec)
                else 'mlgitops promote "$MODEL"',
            ),
        ),
    )
    issue = Job(
        id="issue",
        name="Open a drift issue",
        needs=("drift",),
        if_=f"{drifted} && inputs.on-drift == 'issue'",
        runs_on=runner,
        timeout_minutes=min(SHORT_TIMEOUT_MINUTES, spec.ci.timeout_minutes),
        permissions={**READ_CONTENTS, **ISSUE_PERMISSIONS},
        steps=(
            *setup(spec.ci),
            Step(
                "Open or update the drift issue",
                env={**MODEL_ENV, "GITHUB_TOKEN": "${{ github.token }}", **token_env},
                run='mlgitops drift "$MODEL" --open-issue',
            ),
        ),
    )
    string_input: dict[str, Value] = {"required": True, "type": "string"}
    call: dict[str, Value] = {
        "inputs": {
            "model": {"description": "The model to check", **string_input},
            "on-drift": {
                "description": "What drift triggers: promote, issue or fail",
                **string_input,
            },
            "runs-on": {"description": "Runner labels as JSON", **string_input},
        }
    }
    declared: dict[str, Value] = {}
    if app_token:
        declared[TOKEN_INPUT] = {
            "description": "Token for the promote and issue jobs (ci.token_secret)",
            "required": False,
        }
    for name in spec.ci.secrets:
        declared[name] = {
            "description": "For the jobs that read data (ci.secrets)",
            "required": False,
        }
    if declared:
        call["secrets"] = declared
    return Workflow(
        file=MODEL_FILE,
        name="mlgitops drift (one model)",
        on={"workflow_call": call},
        concurrency={"group": "mlgitops-drift-${{ inputs.model }}", "cancel-in-progress": False},
        jobs=(drift, retrain, promote, issue),
    )


def _snapshotted(spec: Spec) -> dict[str, list[str]]:
    """Datasets read from a `source` -> the models the drift workflow retrains on them."""
    found: dict[str, list[str]] = {}
    for name, model in spec.models.items():
        dataset = spec.datasets[model.dataset]
        if model.drift is not None and model.drift.on_drift == "promote" and dataset.source:
            found.setdefault(model.dataset, []).append(name)
    return found


def _snapshot_steps(spec: Spec) -> tuple[Step, ...]:
    """Before retraining, resolve the model's dataset window afresh (new partitions, labels
    that arrived) into mlops.lock: the retrain learns from today's data."""
    return tuple(
        Step(
            f"Snapshot the {dataset} dataset",
            # names are [a-z0-9_-]: safe inside the quoted expression
            if_=" || ".join(f"inputs.model == '{model}'" for model in models),
            env={"DATASET": dataset, **secret_env(spec.ci)},
            run='mlgitops snapshot "$DATASET"',
        )
        for dataset, models in _snapshotted(spec).items()
    )


# `mlgitops drift` exits 1 on drift and on current data that fails validation; it
# writes `drifted=true` to the step outputs only for drift. With on_drift promote
# or issue the next jobs act on drift, so only drift passes; invalid data, fail
# mode and real errors fail this job.
_DRIFT_SCRIPT = """\
status=0
mlgitops drift "$MODEL" || status=$?
if [ "$status" -eq 1 ] && [ "$ON_DRIFT" != fail ] && grep -qx 'drifted=true' "$GITHUB_OUTPUT"; then
  exit 0
fi
exit "$status"
"""
