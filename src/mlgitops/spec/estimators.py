"""Check an estimator named in YAML against scikit-learn before anything trains.

The class is imported only from allowed packages; its parameters are checked
against its own signature and scikit-learn's parameter constraints.
"""

from __future__ import annotations

import importlib
from typing import Any

from .. import yamlio
from ..errors import Diagnostic
from ..registries import DEFAULT_ESTIMATOR_PACKAGES
from .load import suggest
from .models import EstimatorSpec, Task


def import_estimator_class(class_path: str) -> type[Any]:
    """Import `package.module.Class`; raises ImportError or AttributeError."""
    module_name, _, class_name = class_path.rpartition(".")
    if not module_name:
        raise ImportError(f"'{class_path}' is not a full import path")
    module = importlib.import_module(module_name)
    cls = getattr(module, class_name)
    if not isinstance(cls, type):
        raise AttributeError(f"'{class_path}' is not a class")
    return cls


def check_estimator(estimator: EstimatorSpec, task: Task, allow_packages: list[str],
                    doc: yamlio.LocatedDocument, loc: yamlio.Loc) -> list[Diagnostic]:
    allowed = (*DEFAULT_ESTIMATOR_PACKAGES, *allow_packages)
    path = estimator.class_path
    top = path.split(".")[0]
    class_loc = (*loc, "class")
    if top not in allowed:
        return [doc.diagnostic(class_loc, f"'{path}' is outside the allowed packages ({', '.join(allowed)}); "
                               "list its package under allow_packages in mlops.yaml to use it")]
    try:
        cls = import_estimator_class(path)
    except (ImportError, AttributeError, ValueError) as exc:
        return [doc.diagnostic(class_loc, f"cannot import '{path}': {exc}{_class_hint(path)}")]

    from sklearn.base import BaseEstimator, is_classifier, is_regressor

    if not issubclass(cls, BaseEstimator):
        return [doc.diagnostic(class_loc, f"'{path}' is not a scikit-learn estimator")]
    instance = cls()
    if task == "classification" and not is_classifier(instance):
        return [doc.diagnostic(class_loc, f"'{path}' is not a classifier, but the task is classification")]
    if task == "regression" and not is_regressor(instance):
        return [doc.diagnostic(class_loc, f"'{path}' is not a regressor, but the task is regression")]

    known = instance.get_params(deep=False)
    out = []
    for name in estimator.params:
        if name not in known:
            out.append(doc.diagnostic((*loc, "params", name), f"'{path.rsplit('.', 1)[-1]}' has no parameter "
                                      f"'{name}'{suggest(name, known)}", key=True))
    if out:
        return out
    try:
        instance.set_params(**estimator.params)
        if hasattr(instance, "_validate_params"):
            instance._validate_params()
    except (ValueError, TypeError) as exc:
        name = _param_named_in(str(exc), estimator.params)
        where = (*loc, "params", name) if name else (*loc, "params")
        return [doc.diagnostic(where, _tidy(str(exc)))]
    return []


def _class_hint(path: str) -> str:
    class_name = path.rsplit(".", 1)[-1]
    try:
        from sklearn.utils import all_estimators

        names = {name: f"{cls.__module__.split('._')[0]}.{name}" for name, cls in all_estimators()}
    except Exception:  # noqa: BLE001 - a hint is optional
        return ""
    close = suggest(class_name, names)
    if close:
        guess = close.split("'")[1]
        return f" (did you mean '{names[guess]}'?)"
    return ""


def _param_named_in(message: str, params: dict[str, Any]) -> str | None:
    for name in params:
        if f"'{name}'" in message:
            return name
    return None


def _tidy(message: str) -> str:
    return " ".join(message.split())
