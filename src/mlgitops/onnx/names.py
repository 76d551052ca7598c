"""Declared column names -> ONNX input names: the one mapping convert, score and serving share.

ONNX names are meant to be C identifiers, and skl2onnx renames any input that
is not one (`s-1` becomes `s_1`), so a feed built from the column's own name
would miss it. The rule here is ours and fixed (converted models are renamed
to it and record it), so anything holding the declared columns can build the
feeds without loading skl2onnx.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_NOT_IDENTIFIER = re.compile(r"[^A-Za-z0-9_]")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def onnx_input_names(columns: Sequence[str]) -> dict[str, str]:
    """Column name -> ONNX input name, in column order: ASCII identifiers, all different.

    A column that already is one keeps its name; in the others every other
    character becomes `_`, a leading digit gets a `_` in front, and a name
    already taken gets `_2`, `_3`, ... (`a b` beside `a_b` -> `a_b_2`).
    """
    names = {column: column for column in columns if _IDENTIFIER.fullmatch(column)}
    taken = set(names)
    for column in columns:
        if column in names:
            continue
        base = _NOT_IDENTIFIER.sub("_", column) or "_"
        if base[0].isdigit():
            base = "_" + base
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}_{n}"
        taken.add(name)
        names[column] = name
    return {column: names[column] for column in columns}
