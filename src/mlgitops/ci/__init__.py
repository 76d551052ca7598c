"""Compile the spec into GitHub Actions workflows and plan what CI runs.

spec -> workflow objects (`workflow.py`, built by `workflows/*`) -> YAML
(`emit.py`); `sync.py` writes or checks `.github/workflows/`; `affected.py`
and `planning.py` compute the matrices the plan jobs hand to the workflows.
"""

from .compiler import GENERATED_MARKER, WORKFLOWS_DIR, build_workflows, compile_workflows

__all__ = ["GENERATED_MARKER", "WORKFLOWS_DIR", "build_workflows", "compile_workflows"]
