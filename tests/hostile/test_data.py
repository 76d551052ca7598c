"""Hostile data files and dates: each gets a located message and its documented exit code.

Every case runs the real commands on a copy of the demo with its committed
registry: the message names the file and its line (or column), nothing is a
traceback, and `--verbose` changes only the detail, never the exit code.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from builders import REPO_ROOT, copy_demo, edit_file

from mlgitops.cli import main
from mlgitops.data import read
from mlgitops.data.read import read_columns, read_table
from mlgitops.data.stream import iter_file

MODEL = "churn-classifier"
LONG = 3_000_000  # one cell longer than pyarrow's default 1 MiB block


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    root = copy_demo(tmp_path / "demo")
    shutil.copytree(REPO_ROOT / "models", root / "models")
    return root


def cli(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Exit code and everything printed, for the command without and with --verbose."""
    code = main(["-C", str(root), *args], environ={})
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    verbose = main(["-C", str(root), *args, "--verbose"], environ={})
    capsys.readouterr()
    assert verbose == code, "--verbose must not change the exit code"
    return code, out + err


def current_lines(demo: Path, rows: int | None = None) -> list[str]:
    lines = (demo / "data/churn_current.csv").read_text(encoding="utf-8").splitlines()
    return lines if rows is None else lines[: rows + 1]


def with_long_cell(demo: Path, row: int) -> list[str]:
    """The current rows with the customer id of data row `row` made LONG characters long."""
    lines = current_lines(demo)
    cells = lines[row].split(",")
    cells[0] = "C" + "x" * (LONG - 1)
    lines[row] = ",".join(cells)
    return lines


# --- dates in the YAML files ---------------------------------------------------------


def test_an_impossible_date_in_mlops_yaml_is_located(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit_file(demo, "mlops.yaml", "project: mlgitops-demo", "project: 2027-02-30")
    code, text = cli(demo, capsys, "validate")
    assert code == 2
    assert "mlops.yaml:4:10: project: not a valid date: 2027-02-30" in text
    assert "unexpected" not in text


def test_an_impossible_waiver_date_is_located(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = demo / "policies/production.yaml"
    lines = policy.read_text(encoding="utf-8").splitlines()
    lines += [
        "waivers:",
        "  - rule: onnx-parity",
        f"    model: {MODEL}",
        "    until: 2027-02-30",
        "    reason: relabelling",
    ]
    policy.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, text = cli(demo, capsys, "policy", MODEL)
    assert code == 2
    assert (
        f"policies/production.yaml:{len(lines) - 1}:12: waivers[0].until: "
        "not a valid date: 2027-02-30 (day is out of range for month)"
    ) in text


def test_a_date_where_text_is_expected_is_the_text(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit_file(demo, "mlops.yaml", "project: mlgitops-demo", "project: 2027-02-28")
    code, text = cli(demo, capsys, "validate")
    assert code == 0, text
    from mlgitops.spec import load_project

    assert load_project(demo, check_estimators=False).spec.project == "2027-02-28"


# --- CSV shapes ----------------------------------------------------------------------------


def test_cr_only_line_endings_are_refused_with_how_to_convert(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scored = tmp_path / "mac.csv"
    scored.write_bytes("\r".join(current_lines(demo, 20)).encode() + b"\r")
    code, text = cli(demo, capsys, "predict", MODEL, str(scored))
    assert code == 2
    assert "mac.csv:1: lines end in a carriage return alone (CR, old Mac line endings)" in text
    assert "tr '\\r' '\\n'" in text
    # the dataset's own file: `validate` locates it in mlops.yaml too
    shutil.copy(scored, demo / "data/churn.csv")
    code, text = cli(demo, capsys, "validate")
    assert code == 2
    assert "datasets.churn.path: data/churn.csv:1: lines end in a carriage return alone" in text


def test_crlf_line_endings_read_like_lf(demo: Path, tmp_path: Path) -> None:
    lf, crlf = tmp_path / "lf.csv", tmp_path / "crlf.csv"
    lines = current_lines(demo, 50)
    lf.write_text("\n".join(lines) + "\n", encoding="utf-8")
    crlf.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    pd.testing.assert_frame_equal(read_table(crlf, "crlf.csv"), read_table(lf, "lf.csv"))


def test_a_header_without_a_line_break_is_refused_after_a_bounded_read(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    endless = tmp_path / "endless.csv"
    endless.write_bytes(b"a" * (read.MAX_HEADER_BYTES + (1 << 20)))
    code, text = cli(demo, capsys, "predict", MODEL, str(endless))
    assert code == 2
    assert "endless.csv:1: the first line is longer than 8 MiB without a line break" in text


def test_a_million_columns_say_so(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wide = tmp_path / "wide.csv"
    count = 1_000_000
    wide.write_text(
        ",".join(f"c{i}" for i in range(count)) + "\n" + ",".join(["1"] * count) + "\n",
        encoding="utf-8",
    )
    code, text = cli(demo, capsys, "predict", MODEL, str(wide))
    assert code == 2
    assert "wide.csv:1: the header has 1,000,000 columns, over the limit of 20,000 columns" in text
    # at the limit, the header is read (it is over pyarrow's 1 MiB block: the block is fitted)
    limit = tmp_path / "limit.csv"
    names = [f"column_{i:06d}" for i in range(read.MAX_COLUMNS)]
    limit.write_text(",".join(names) + "\n" + ",".join(["1"] * len(names)) + "\n")
    assert read_columns(limit, "limit.csv") == names
    assert read_table(limit, "limit.csv").shape == (1, read.MAX_COLUMNS)


def test_a_quote_left_open_in_the_header_is_located(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    quoted = tmp_path / "quoted.csv"
    quoted.write_text('"customer_id,tenure_months\nC1,3\n', encoding="utf-8")
    code, text = cli(demo, capsys, "predict", MODEL, str(quoted))
    assert code == 2
    assert 'quoted.csv:1: a quote (") opened in the header is not closed on its line' in text


def test_a_long_cell_reads_the_same_whole_and_streamed(demo: Path, tmp_path: Path) -> None:
    """`run` and `validate` read whole files, `drift` and `predict` stream them: all agree."""
    path = tmp_path / "long.csv"
    # after more than one block of rows, so the stream has produced batches when it meets it
    path.write_text("\n".join(with_long_cell(demo, 1500)) + "\n", encoding="utf-8")
    whole = read_table(path, "long.csv")
    assert len(whole) == 2000 and len(whole["customer_id"][1499]) == LONG
    streamed = pd.concat([b.frame for b in iter_file(path, "long.csv", 300)], ignore_index=True)
    pd.testing.assert_frame_equal(streamed, whole)
    offsets = [b.row_offset for b in iter_file(path, "long.csv", 300)]
    assert offsets == list(range(0, 2000, 300))  # every row once, in order
    # the typed read `run` makes agrees too
    from mlgitops.spec import load_project

    columns = load_project(demo, check_estimators=False).spec.datasets["churn"].columns
    typed = read_table(path, "long.csv", columns)
    assert typed["customer_id"][1499] == whole["customer_id"][1499]
    assert typed["tenure_months"].tolist() == whole["tenure_months"].astype(int).tolist()


def test_drift_and_predict_accept_a_long_cell(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (demo / "long.csv").write_text("\n".join(with_long_cell(demo, 1500)) + "\n")
    code, text = cli(demo, capsys, "drift", MODEL, "--current", "long.csv")
    assert code in (0, 1) and "straddl" not in text  # drift found or not: the file was read
    output = tmp_path / "scored.csv"
    args = ("predict", MODEL, str(demo / "long.csv"), "-o", str(output), "--keep", "customer_id")
    code, text = cli(demo, capsys, *args)
    assert code == 0, text
    assert len(pd.read_csv(output)["customer_id"][1499]) == LONG


def test_a_row_over_the_limit_names_its_line(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(read, "MAX_ROW_BYTES", 1 << 20)  # the real 64 MiB would need a huge file
    path = tmp_path / "huge.csv"
    path.write_text("\n".join(with_long_cell(demo, 7)) + "\n", encoding="utf-8")
    code, text = cli(demo, capsys, "predict", MODEL, str(path))
    assert code == 2
    assert "huge.csv:8: the line is " in text and "over the limit of 1 MiB for one CSV row" in text
    with pytest.raises(read.DataFileError, match=r"huge\.csv:8: the line is"):
        read_table(path, "huge.csv")


def test_a_ragged_row_beside_a_long_cell_is_listed(demo: Path, tmp_path: Path) -> None:
    lines = with_long_cell(demo, 7)
    lines[3] += ",extra"
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for reader in (
        lambda: read_table(path, "ragged.csv"),
        lambda: list(iter_file(path, "ragged.csv", 100)),
    ):
        with pytest.raises(read.DataFileError) as caught:
            reader()
        assert caught.value.message == (
            "ragged.csv: 1 row does not have the header's 9 fields: line 4 has 10 fields"
        )


# --- Parquet shapes -----------------------------------------------------------------------


def _parquet_with(demo: Path, path: Path, column: str, values: pa.Array) -> Path:
    table = pa.Table.from_pandas(
        pd.read_csv(demo / "data/churn_current.csv").head(len(values)), preserve_index=False
    )
    pq.write_table(table.set_column(table.schema.get_field_index(column), column, values), path)
    return path


def test_parquet_bytes_that_are_not_text_name_the_column(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = pa.array([b"\xff\x00"] * 20, pa.binary())
    _parquet_with(demo, demo / "bytes.parquet", "contract", bad)
    for args in (
        ("predict", MODEL, str(demo / "bytes.parquet")),
        ("drift", MODEL, "--current", "bytes.parquet"),
    ):
        code, text = cli(demo, capsys, *args)
        assert code == 2
        assert "bytes.parquet: column 'contract' holds bytes that are not UTF-8 text" in text


def test_parquet_half_floats_and_text_bytes_are_read(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    half = pa.array([30.5] * 20, pa.float16())
    _parquet_with(demo, tmp_path / "half.parquet", "monthly_charges", half)
    text_bytes = pa.array([b"one-year"] * 20, pa.binary())
    _parquet_with(demo, tmp_path / "text.parquet", "contract", text_bytes)
    for name in ("half.parquet", "text.parquet"):
        code, text = cli(demo, capsys, "predict", MODEL, str(tmp_path / name))
        assert code == 0, text
        assert "20 rows scored" in text


# --- predict streams, and writes nothing from a bad file ------------------------------------


def test_a_bad_cell_in_a_late_batch_writes_no_output(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = pd.read_csv(demo / "data/churn_current.csv", dtype=str, keep_default_na=False)
    frame.loc[1900, "tenure_months"] = "ten"
    frame.to_csv(tmp_path / "late.csv", index=False)
    out = tmp_path / "out"
    out.mkdir()
    from mlgitops.commands import Context, predict
    from mlgitops.errors import CheckFailedError

    with pytest.raises(CheckFailedError) as caught:
        predict.run(
            Context(root=demo, environ={}),
            MODEL,
            tmp_path / "late.csv",
            output=out / "scored.csv",
            batch_rows=250,
        )
    assert "tenure_months: type on 1 rows (e.g. line 1902: 'ten')" in caught.value.message
    assert list(out.iterdir()) == []  # no output, no temporary file left behind
    code, text = cli(demo, capsys, "predict", MODEL, str(tmp_path / "late.csv"))
    assert code == 1 and "line 1902: 'ten'" in text
