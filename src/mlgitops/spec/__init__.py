"""The spec: declared inputs, loaded with positions and checked all at once."""

from .load import SPEC_FILE, Project, load_project
from .models import DatasetSpec, ModelSpec, PipelineSpec, PolicyFileSpec, Spec

__all__ = [
    "SPEC_FILE",
    "DatasetSpec",
    "ModelSpec",
    "PipelineSpec",
    "PolicyFileSpec",
    "Project",
    "Spec",
    "load_project",
]
