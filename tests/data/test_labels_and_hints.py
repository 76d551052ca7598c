"""A category of whole numbers reads 2.0 as 2 (as integer columns do), and type failures say
which declaration would fit."""

from __future__ import annotations

from pathlib import Path

from mlgitops.data import read_table, validate_frame
from mlgitops.data.validate import coerce_frame
from mlgitops.spec.models import DatasetSpec


def _dataset(grade: dict[str, object]) -> DatasetSpec:
    return DatasetSpec.model_validate(
        {
            "path": "data/x.csv",
            "target": "y",
            "columns": {"grade": grade, "y": {"type": "integer"}},
        }
    )


def _write(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "x.csv"
    path.write_text("grade,y\n" + rows, encoding="utf-8")
    return path


def test_a_category_of_whole_numbers_takes_their_decimal_spelling(tmp_path: Path) -> None:
    path = _write(tmp_path, "1,1\n2.0,59.0\n2,3\n")
    dataset = _dataset({"type": "category", "values": [1, 2]})
    frame = read_table(path, "data/x.csv")
    report = validate_frame(frame, dataset, file="data/x.csv")
    assert report.passed, report.failures
    assert list(coerce_frame(frame, dataset)["grade"]) == ["1", "2", "2"]
    bad = validate_frame(
        read_table(_write(tmp_path, "2.5,1\n"), "data/x.csv"), dataset, file="data/x.csv"
    )
    assert [(f.column, f.check) for f in bad.failures] == [("grade", "values")]


def test_labels_in_a_number_column_suggest_a_category(tmp_path: Path) -> None:
    frame = read_table(_write(tmp_path, "small,1\nlarge,2\n"), "data/x.csv")
    number = validate_frame(frame, _dataset({"type": "number"}), file="data/x.csv")
    assert [f.message for f in number.failures] == [
        "values are not numbers (use '.' for decimals, no thousands separators); fix them, "
        "or declare the column 'type: category' in mlops.yaml if it holds labels"
    ]
    integer = validate_frame(frame, _dataset({"type": "integer"}), file="data/x.csv")
    assert [f.message for f in integer.failures] == [
        "values are not whole numbers; fix them, or declare the column 'type: number' "
        "(fractions) or 'type: category' (labels) in mlops.yaml"
    ]
