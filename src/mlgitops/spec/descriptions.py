"""Field docstrings of the spec models as JSON Schema descriptions, for `mlgitops schema` only.

The models document each field with a docstring under it. pydantic's
`use_attribute_docstrings` would parse each class's source at import, on every
command; validation never reads descriptions, so they are applied here, once,
when a schema is exported: the module's source is parsed once, each field
without a description gets its docstring (cleaned as pydantic cleans it), and
the models are rebuilt so that their schemas carry it.
"""

from __future__ import annotations

import ast
import functools
import inspect
from types import ModuleType

from pydantic import BaseModel


def attribute_docstrings(source: str) -> dict[str, dict[str, str]]:
    """Class name -> field name -> the string statement right after the field's assignment."""
    out: dict[str, dict[str, str]] = {}
    for node in ast.parse(source).body:
        if not isinstance(node, ast.ClassDef):
            continue
        docs: dict[str, str] = {}
        for before, after in zip(node.body, node.body[1:], strict=False):
            if (
                isinstance(before, ast.AnnAssign)  # as pydantic: annotated fields only
                and isinstance(before.target, ast.Name)
                and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                docs[before.target.id] = inspect.cleandoc(after.value.value)
        out[node.name] = docs
    return out


def defined_models(module: ModuleType) -> list[type[BaseModel]]:
    """The pydantic models `module` defines (not those it imports), in definition order."""
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, BaseModel)
        and value.__module__ == module.__name__
    ]


@functools.cache
def describe(module: ModuleType) -> None:
    """Give the models defined in `module` their field docstrings as descriptions (once)."""
    docs = attribute_docstrings(inspect.getsource(module))
    models = defined_models(module)
    for model in models:
        for name, field in model.model_fields.items():
            if field.description is None and name in docs.get(model.__name__, {}):
                field.description = docs[model.__name__][name]
    # definition order: a model is rebuilt after the models its fields hold
    for model in models:
        model.model_rebuild(force=True)
