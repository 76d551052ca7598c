"""Check an estimator named in YAML against scikit-learn before anything trains.

The import path is checked against the allowed packages before anything is
imported, so YAML can never make mlgitops import (and run) other code. The
class's parameters are then checked against its own signature and
scikit-learn's parameter constraints, one parameter at a time so every bad
one is reported.
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
import warnings
from pathlib import Path
from typing import Any

from .. import yamlio
from ..errors import Diagnostic
from ..registries import DEFAULT_ESTIMATOR_PACKAGES
from ..text import suggest
from ..versions import installed_version
from . import markers
from .models import EstimatorSpec, Task, TuningSpec
from .shape_errors import describe

_CLASS_PATH = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$")


def import_estimator_class(class_path: str) -> type[Any]:
    """Import `package.module.Class`; raises ImportError or AttributeError.

    Call it only for paths `allowed_package` accepts: importing runs the module's code.
    """
    module_name, _, class_name = class_path.rpartition(".")
    if not module_name:
        raise ImportError(f"'{class_path}' is not a full import path")
    module = importlib.import_module(module_name)
    cls = getattr(module, class_name)
    if not isinstance(cls, type):
        raise AttributeError(f"'{class_path}' is not a class")
    return cls


def allowed_package(class_path: str, allow_packages: list[str]) -> bool:
    """Whether `class_path` lies in scikit-learn or a package the spec allows (by import path prefix)."""
    return any(
        class_path.startswith(f"{package}.")
        for package in (*DEFAULT_ESTIMATOR_PACKAGES, *allow_packages)
    )


def check_estimator(
    estimator: EstimatorSpec,
    task: Task,
    allow_packages: list[str],
    doc: yamlio.LocatedDocument,
    loc: yamlio.Loc,
) -> list[Diagnostic]:
    path = estimator.class_path
    class_loc = (*loc, "class")
    if not _CLASS_PATH.match(path):
        return [
            doc.diagnostic(
                class_loc,
                f"'{path}' is not a full import path (package.module.Class){_class_hint(path)}",
            )
        ]
    if not allowed_package(path, allow_packages):
        allowed = ", ".join((*DEFAULT_ESTIMATOR_PACKAGES, *allow_packages))
        return [
            doc.diagnostic(
                class_loc,
                f"'{path}' is outside the allowed packages ({allowed}); "
                "list its package under allow_packages in mlops.yaml to use it",
            )
        ]
    try:
        cls = import_estimator_class(path)
    except ModuleNotFoundError as exc:
        top = path.split(".")[0]
        if exc.name == top and top not in DEFAULT_ESTIMATOR_PACKAGES:
            return [
                doc.diagnostic(
                    class_loc,
                    f"cannot import '{path}': package '{top}' is not installed; "
                    "install it where mlgitops runs (and in ci.install)",
                )
            ]
        return [doc.diagnostic(class_loc, f"cannot import '{path}': {exc}{_class_hint(path)}")]
    except (ImportError, AttributeError, ValueError) as exc:
        return [doc.diagnostic(class_loc, f"cannot import '{path}': {exc}{_class_hint(path)}")]

    from sklearn.base import BaseEstimator

    if not issubclass(cls, BaseEstimator):
        return [doc.diagnostic(class_loc, f"'{path}' is not a scikit-learn estimator")]
    name = cls.__name__
    known, required = _parameters(cls)
    unknown = [
        doc.diagnostic(
            (*loc, "params", param),
            f"'{name}' has no parameter '{param}'{suggest(param, known)}",
            key=True,
        )
        for param in estimator.params
        if param not in known
    ]
    if unknown:
        return unknown
    missing = [param for param in required if param not in estimator.params]
    if missing:
        return [
            doc.diagnostic(
                class_loc,
                f"'{name}' needs {', '.join(repr(p) for p in missing)}, which "
                "YAML cannot give (it takes other estimators); choose an estimator "
                "that needs no arguments",
            )
        ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecation notices would print mid-report
        problem = _task_problem(cls, path, task)
        if problem:
            return [doc.diagnostic(class_loc, problem)]
        return [
            doc.diagnostic((*loc, "params", param), message)
            for param, message in _invalid_params(cls, estimator.params).items()
        ]


def _parameters(cls: type[Any]) -> tuple[list[str], list[str]]:
    """The constructor's parameter names, and those without a default."""
    signature = inspect.signature(cls.__init__)
    named = [
        p
        for p in signature.parameters.values()
        if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    return [p.name for p in named], [p.name for p in named if p.default is p.empty]


def _task_problem(cls: type[Any], path: str, task: Task) -> str | None:
    from sklearn.base import is_classifier, is_regressor

    instance = cls()
    if task == "classification" and not is_classifier(instance):
        return f"'{path}' is not a classifier, but the task is classification{_swap_hint(path, 'Regressor', 'Classifier')}"
    if task == "regression" and not is_regressor(instance):
        return f"'{path}' is not a regressor, but the task is regression{_swap_hint(path, 'Classifier', 'Regressor')}"
    return None


def _invalid_params(cls: type[Any], params: dict[str, Any]) -> dict[str, str]:
    """Each parameter checked alone against the class's constraints, so all bad ones are found."""
    out: dict[str, str] = {}
    for param, value in params.items():
        try:
            probe = cls(**{param: value})
            if hasattr(probe, "_validate_params"):
                probe._validate_params()
        except (ValueError, TypeError) as exc:
            out[param] = _stable(" ".join(str(exc).split())) or f"invalid value {describe(value)}"
    return out


_SET_OF_NAMES = re.compile(r"\{'[^'{}]*'(?:, '[^'{}]*')*\}")


def _stable(message: str) -> str:
    """scikit-learn prints sets of allowed names in hash order: sort them, so messages repeat."""
    return _SET_OF_NAMES.sub(
        lambda m: "{" + ", ".join(sorted(m.group(0)[1:-1].split(", "))) + "}", message
    )


def _swap_hint(path: str, old: str, new: str) -> str:
    """RandomForestClassifier on a regression task: suggest RandomForestRegressor if it exists."""
    module_name, _, class_name = path.rpartition(".")
    if not class_name.endswith(old):
        return ""
    other = class_name[: -len(old)] + new
    exists = isinstance(getattr(importlib.import_module(module_name), other, None), type)
    return f" (did you mean '{module_name}.{other}'?)" if exists else ""


def _class_hint(path: str) -> str:
    """The public import path of the closest scikit-learn class name (imports scikit-learn only)."""
    class_name = path.rsplit(".", 1)[-1]
    try:
        from sklearn.utils import all_estimators

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            names = {
                name: f"{cls.__module__.split('._')[0]}.{name}" for name, cls in all_estimators()
            }
    except ImportError:  # a hint is optional
        return ""
    close = suggest(class_name, names)
    if not close:
        return ""
    guess = close.split("'")[1]
    return "" if names[guess] == path else f" (did you mean '{names[guess]}'?)"


MEMO_DIR = "estimator-checks"  # under the workspace's cache folder


def checked_before(
    estimator: EstimatorSpec,
    task: Task,
    root: Path | None,
    *,
    tuning: TuningSpec | None = None,
) -> tuple[bool, Path | None]:
    """Has this exact estimator (class, params, task) passed under these library versions?

    Importing scikit-learn costs most of a second; a spec whose estimators were
    already checked need not pay it again. Only scikit-learn estimators are
    remembered (their version is known without importing them), and only
    passes: problems are always reported afresh, with their positions. A workspace
    linked out of the repository `root` is neither read nor written.
    """
    if root is None or not estimator.class_path.startswith("sklearn."):
        return False, None
    versions = [installed_version("scikit-learn"), installed_version("mlgitops")]
    if None in versions:
        return False, None
    space = tuning.model_dump(mode="json", by_alias=True)["space"] if tuning else None
    key = json.dumps(
        [estimator.class_path, estimator.params, task, versions, space],
        sort_keys=True,
        default=str,
    )
    marker = markers.marker(root, MEMO_DIR, key)
    return (False, None) if marker is None else (marker.is_file(), marker)


def remember_pass(marker: Path | None, root: Path) -> None:
    if marker is not None:
        markers.leave(root, marker)
