"""Policy files whose rules passed before, for exactly this spec, are not compiled again.

Compiling the rules imports the rule checker and the CEL evaluator and checks
every rule against every model that lists the file: about 17 ms of `validate`'s
start, measured. What it reads is the policy file, mlops.yaml (the models that
list the file: their task, metrics and slices) and the code of mlgitops and the
evaluator. A pass is remembered under the digests of both files and those two
versions (`spec/markers.py`); problems are always found afresh, with their positions.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from ..errors import Diagnostic
from ..spec import markers
from ..spec.load import SPEC_FILE, Project
from ..versions import installed_version

MEMO_DIR = "policy-checks"  # under the workspace's cache folder
EVALUATOR = "common-expression-language"


def remembered_policy_check(project: Project) -> list[Diagnostic]:
    """`policy_check` (a `ProjectCheck`) of the policy files not remembered as passing."""
    markers_by_path = {path: pass_marker(project, path) for path in project.policy_files}
    pending = {
        path: project.policy_files[path]
        for path, marker in markers_by_path.items()
        if marker is None or not marker.is_file()
    }
    if not pending:
        return []
    from .compile import policy_check  # the checker and the evaluator: only when needed

    problems = policy_check(dataclasses.replace(project, policy_files=pending))
    failing = {problem.file for problem in problems}
    for path in pending.keys() - failing:
        if (marker := markers_by_path[path]) is not None:
            markers.leave(project.root, marker)
    return problems


def pass_marker(project: Project, path: str) -> Path | None:
    """Where a pass of the policy file `path` is remembered for this project (None: nowhere)."""
    versions = [installed_version("mlgitops"), installed_version(EVALUATOR)]
    if None in versions:
        return None
    key = json.dumps([path, project.file_digests[path], project.file_digests[SPEC_FILE], versions])
    return markers.marker(project.root, MEMO_DIR, key)
