"""Steps every generated job shares: check out, set up Python, install, caches, artifacts."""

from __future__ import annotations

from ..paths import WORKSPACE_DIR
from ..spec.models import CISpec
from .actions import CACHE, CHECKOUT, DOWNLOAD_ARTIFACT, SETUP_PYTHON, UPLOAD_ARTIFACT
from .emit import Value
from .workflow import Step

CANDIDATES_DIR = f"{WORKSPACE_DIR}/candidates"
DRIFT_REPORTS_DIR = f"{WORKSPACE_DIR}/drift"
STAGE_CACHE_DIR = f"{WORKSPACE_DIR}/cache"
# Files whose change should refresh pip's cache; mlops.yaml always exists, so the list never matches nothing.
PIP_CACHE_FILES = "pyproject.toml\nrequirements*.txt\nmlops.yaml\n"
ARTIFACT_RETENTION_DAYS = 14


def secret_env(ci: CISpec) -> dict[str, str]:
    """`ci.secrets` as a step's environment, each by name: only for the steps that read data
    (in a called workflow, the caller passes each one by name under the same name)."""
    return {name: f"${{{{ secrets.{name} }}}}" for name in ci.secrets}


def checkout(
    *, fetch_depth: int | None = None, push: bool = False, token: str | None = None
) -> Step:
    """Check out the repository; credentials stay only when the job pushes."""
    with_: dict[str, Value] = {}
    if fetch_depth is not None:
        with_["fetch-depth"] = fetch_depth
    if token is not None:
        with_["token"] = token
    with_["persist-credentials"] = push
    return Step("Check out the repository", uses=CHECKOUT, with_=with_)


def setup_python(ci: CISpec, *, pip_cache: bool = True) -> Step:
    with_: dict[str, Value] = {"python-version": ci.python}
    if pip_cache:
        with_["cache"] = "pip"
        with_["cache-dependency-path"] = PIP_CACHE_FILES
    return Step("Set up Python", uses=SETUP_PYTHON, with_=with_)


def install(ci: CISpec) -> Step:
    return Step("Install mlgitops", run=ci.install)


def setup(
    ci: CISpec,
    *,
    pip_cache: bool = True,
    fetch_depth: int | None = None,
    push: bool = False,
    token: str | None = None,
) -> tuple[Step, ...]:
    """The first three steps of every job."""
    return (
        checkout(fetch_depth=fetch_depth, push=push, token=token),
        setup_python(ci, pip_cache=pip_cache),
        install(ci),
    )


def stage_cache(model: str, inputs_digest: str) -> Step:
    """Restore and save `.mlgitops/cache`. Stage results inside are content-addressed,
    so restoring an older entry of the same model (restore-keys) is safe."""
    prefix = f"mlgitops-stages-${{{{ runner.os }}}}-{model}-"
    return Step(
        "Restore the stage cache",
        uses=CACHE,
        with_={
            "path": STAGE_CACHE_DIR,
            "key": prefix + inputs_digest,
            "restore-keys": prefix + "\n",
        },
    )


def upload_artifact(
    title: str,
    name: str,
    path: str,
    *,
    retention_days: int = ARTIFACT_RETENTION_DAYS,
    if_: str | None = None,
) -> Step:
    return Step(
        title,
        uses=UPLOAD_ARTIFACT,
        if_=if_,
        with_={
            "name": name,
            "path": path,
            "if-no-files-found": "warn",
            "retention-days": retention_days,
        },
    )


def upload_candidate(model: str, *, if_: str | None = None) -> Step:
    return upload_artifact(
        "Upload the candidate", f"candidate-{model}", f"{CANDIDATES_DIR}/{model}/", if_=if_
    )


def download_candidate(model: str) -> Step:
    return Step(
        "Download the candidate",
        uses=DOWNLOAD_ARTIFACT,
        with_={
            "name": f"candidate-{model}",
            "path": f"{CANDIDATES_DIR}/{model}/",
        },
    )


def download_candidates(*, if_: str | None = None) -> Step:
    """Every `candidate-*` artifact of the run, each holding `<model>/`, merged into the
    workspace's candidates folder."""
    return Step(
        "Download the candidates",
        uses=DOWNLOAD_ARTIFACT,
        if_=if_,
        with_={
            "pattern": "candidate-*",
            "merge-multiple": True,
            "path": f"{CANDIDATES_DIR}/",
        },
    )


def upload_drift_report(model: str) -> Step:
    """The drift job's report, so retraining records it as evidence and the pull request shows it."""
    return upload_artifact(
        "Upload the drift report",
        f"drift-{model}",
        f"{DRIFT_REPORTS_DIR}/",
        if_="steps.drift.outputs.drifted == 'true'",
    )


def download_drift_report(model: str) -> Step:
    return Step(
        "Download the drift report",
        uses=DOWNLOAD_ARTIFACT,
        with_={"name": f"drift-{model}", "path": f"{DRIFT_REPORTS_DIR}/"},
    )
