"""The spec models' descriptions and defaults, made cheaply, equal what pydantic makes itself."""

from __future__ import annotations

import inspect

import pytest
from pydantic import BaseModel
from pydantic._internal._docs_extraction import extract_docstrings_from_cls

from mlgitops.spec import models
from mlgitops.spec.descriptions import attribute_docstrings, defined_models

MODELS = defined_models(models)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_docstrings_as_pydantic_reads_them(model: type[BaseModel]) -> None:
    # what `use_attribute_docstrings=True` would have given each field
    expected = extract_docstrings_from_cls(model, use_inspect=True)
    assert attribute_docstrings(inspect.getsource(models)).get(model.__name__, {}) == expected


def test_every_field_is_documented() -> None:
    docs = attribute_docstrings(inspect.getsource(models))
    for model in MODELS:
        missing = set(model.model_fields) - set(docs.get(model.__name__, {}))
        assert not missing, f"{model.__name__}: {missing} have no docstring"


def test_docstrings_skip_non_fields() -> None:
    source = '''
class A:
    """class doc"""
    x: int = 1
    """x doc"""
    y = 2
    """not a field of pydantic's"""
    def f(self) -> None:
        z: int = 3
        """inside a function"""
'''
    assert attribute_docstrings(source) == {"A": {"x": "x doc"}}


def _model_defaults() -> list[tuple[type[BaseModel], str, BaseModel]]:
    out = []
    for model in MODELS:
        for name, field in model.model_fields.items():
            if isinstance(field.default, BaseModel):
                out.append((model, name, field.default))
    return out


@pytest.mark.parametrize(
    ("model", "name", "default"), _model_defaults(), ids=lambda v: getattr(v, "__name__", str(v))
)
def test_model_defaults_equal_validated_ones(
    model: type[BaseModel], name: str, default: BaseModel
) -> None:
    validated = type(default).model_validate({})
    assert default == validated
    assert default.model_fields_set == validated.model_fields_set == set()
    assert default.model_dump() == validated.model_dump()
    assert repr(default) == repr(validated)


def test_defaults_are_found() -> None:
    assert len(_model_defaults()) >= 10
