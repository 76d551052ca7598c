"""Exit statuses for failures nobody anticipated: a bug in mlgitops is not bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import write_file

from mlgitops import cli
from mlgitops.commands import status
from mlgitops.errors import EXIT_INTERNAL


def _spec(root: Path) -> None:
    write_file(
        root,
        "mlops.yaml",
        """
        version: 1
        project: p
        datasets:
          d: {path: d.csv, target: y, columns: {x: {type: number}, y: {type: number}}}
        models:
          m: {dataset: d, task: regression, estimator: {class: sklearn.linear_model.Ridge}}
        """,
    )


def test_an_unexpected_exception_exits_4_and_says_it_is_a_bug(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _spec(tmp_path)

    def broken(*args: object, **kwargs: object) -> object:
        return {}["missing"]  # a KeyError standing in for any slip in the code

    monkeypatch.setattr(status, "run", broken)
    assert cli.main(["status", "-C", str(tmp_path)], environ={}) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "unexpected KeyError" in err
    assert "this is a bug in mlgitops" in err
    assert "--verbose" in err and "Traceback" not in err
    with pytest.raises(KeyError):
        cli.main(["status", "-C", str(tmp_path), "--verbose"], environ={})


def test_bad_input_still_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["status", "-C", str(tmp_path)], environ={}) == 2
    assert "bug" not in capsys.readouterr().err
