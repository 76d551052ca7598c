"""Which class a binary model's precision, recall, f1 and roc_auc are about.

Kept free of numpy and pandas: `validate` imports it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import BadInputError

if TYPE_CHECKING:
    from ..spec.models import ColumnSpec


def label_text(value: Any, kind: str) -> str:
    """A class label as training sees it (`True`, `3`, `gold`)."""
    if kind == "boolean":
        if isinstance(value, str):
            return "True" if value.strip().lower() in ("true", "1", "yes") else "False"
        return str(bool(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def declared_labels(column: ColumnSpec) -> list[str] | None:
    """The labels a target column can hold when the spec says (None: not declared)."""
    if column.type == "boolean":
        return ["False", "True"]
    if column.values is not None:
        return [label_text(v, column.type) for v in column.values]
    return None


def resolve_positive(
    declared: Any, kind: str, classes: Sequence[str], *, target: str
) -> str | None:
    """The positive label among the trained `classes` (None for more than two classes)."""
    if len(classes) != 2:
        return None
    if declared is not None:
        label = label_text(declared, kind)
        if label not in classes:
            raise BadInputError(
                f"positive_class {declared!r} is not a class of target '{target}' "
                f"(the data holds {', '.join(classes)})",
                hint="set positive_class to one of the target's values",
            )
        return label
    if set(classes) in ({"False", "True"}, {"0", "1"}):
        return "True" if "True" in classes else "1"
    raise BadInputError(
        f"target '{target}' has two classes ({', '.join(classes)}) and the model names no "
        "positive_class",
        hint="set positive_class: the class recall, precision, f1 and roc_auc are about",
    )
