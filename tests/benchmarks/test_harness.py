"""The benchmark harness cannot pass quietly: a missed or unmeasured goal fails the run.

These tests run the harness on small stand-in modules (no timing is asserted:
speed is measured in `benchmarks/` only); `make bench-quick` runs the real ones.
"""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture
def harness(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """benchmarks/run.py, with one stand-in benchmark module `bench_standin` beside it."""
    (tmp_path / "bench_standin.py").write_text(
        textwrap.dedent(
            """
            from harness import Row, at_least, at_most, paired

            def rows(settings):
                ours, theirs, _, _ = paired(settings.repeat, lambda: 1, lambda: 2)
                return [
                    Row("fast enough", "1 ms", "other 9 ms", 9.0, at_least(3)),
                    Row("small enough", "10 MiB", "", 10.0, at_most(512, "MiB")),
                    Row("tool missing", "1 ms", "other: not installed", None, at_least(2)),
                ]
            """
        ),
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    for name in ("run", "harness", "bench_standin"):
        sys.modules.pop(name, None)
    import run

    yield run
    for name in ("run", "bench_standin"):
        sys.modules.pop(name, None)


def test_a_missed_goal_fails_the_run_and_the_report_says_so(
    harness: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "benchmarks.md"
    code = harness.main(["--output", str(report)], registry=["bench_standin"])  # type: ignore[attr-defined]
    out = capsys.readouterr().out
    assert code == 1
    assert out.splitlines()[-1] == "goals met: 2/3"
    text = report.read_text(encoding="utf-8")
    assert "| fast enough | 1 ms | other 9 ms | 9.0× | ≥ 3.0× | met |" in text
    assert "| tool missing |" in text and "**NOT MEASURED**" in text
    for needed in (
        "- machine:",
        "- command: `python benchmarks/run.py --output",
        "numpy",
        "**goals met: 2/3**",
    ):
        assert needed in text


def test_an_unmeasured_row_fails_whatever_its_limit(
    harness: object, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = harness.main(  # type: ignore[attr-defined]
        [
            "--output",
            str(tmp_path / "b.md"),
            "--goal",
            "tool missing=-1",
            "--goal",
            "fast enough=1",
        ],
        registry=["bench_standin"],
    )
    # an unmeasured row never passes, whatever its limit
    assert code == 1
    assert "goals met: 2/3" in capsys.readouterr().out


def test_an_impossible_goal_is_missed(
    harness: object, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = harness.main(  # type: ignore[attr-defined]
        ["--output", str(tmp_path / "b.md"), "--goal", "fast enough=1e9"],
        registry=["bench_standin"],
    )
    assert code == 1
    out = capsys.readouterr().out
    assert "| fast enough | 1 ms | other 9 ms | 9.0× | ≥ 1,000,000,000× | **MISSED** |" in out
    assert out.splitlines()[-1] == "goals met: 1/3"


def test_quick_runs_judge_nothing_and_write_no_report(
    harness: object, capsys: pytest.CaptureFixture[str]
) -> None:
    code = harness.main(["--quick"], registry=["bench_standin"])  # type: ignore[attr-defined]
    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[-1] == "goals met: 2/3 (quick sizes: not judged)"
    assert "(not judged)" in out


def test_a_full_run_needs_three_repetitions(harness: object) -> None:
    with pytest.raises(SystemExit) as exc:
        harness.main(["--repeat", "2"], registry=["bench_standin"])  # type: ignore[attr-defined]
    assert exc.value.code == 2


def test_paired_alternates_the_two_sides() -> None:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import harness as module
    finally:
        sys.path.remove(str(BENCHMARKS))
    calls: list[str] = []
    ours, theirs, mine, other = module.paired(
        3, lambda: calls.append("a") or "A", lambda: calls.append("b") or "B"
    )
    assert calls == ["a", "b", "a", "b", "a", "b"]
    assert (mine, other) == ("A", "B")
    assert ours >= 0 and theirs >= 0


def test_every_registered_module_has_a_rows_function() -> None:
    names = [
        line.strip().strip('",')
        for line in (BENCHMARKS / "run.py")
        .read_text(encoding="utf-8")
        .split("BENCHMARKS = [")[1]
        .split("]")[0]
        .splitlines()
        if line.strip()
    ]
    assert names, "the registry is empty"
    for name in names:
        source = (BENCHMARKS / f"{name}.py").read_text(encoding="utf-8")
        assert "\ndef rows(settings: Settings) -> list[Row]:" in source, name


def test_every_goal_met_exits_zero(
    harness: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bench_allmet.py").write_text(
        "from harness import Row, at_least\n\n"
        "def rows(settings):\n"
        "    return [Row('fast enough', '1 ms', 'other 9 ms', 9.0, at_least(3))]\n",
        encoding="utf-8",
    )
    sys.modules.pop("bench_allmet", None)
    code = harness.main(["--output", str(tmp_path / "b.md")], registry=["bench_allmet"])  # type: ignore[attr-defined]
    assert code == 0
    assert capsys.readouterr().out.splitlines()[-1] == "goals met: 1/1"
    sys.modules.pop("bench_allmet", None)


def test_each_module_runs_in_a_fresh_process_of_its_own(
    harness: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the first module leaves state behind in a shared module; the second must not see it
    (tmp_path / "bench_leaves.py").write_text(
        "import os\nimport harness\nfrom harness import Row, at_least\n\n"
        "def rows(settings):\n"
        "    harness.LEFT_BEHIND = True\n"
        "    return [Row('leaves', str(os.getpid()), '', 1.0, at_least(1))]\n",
        encoding="utf-8",
    )
    (tmp_path / "bench_finds.py").write_text(
        "import os\nimport harness\nfrom harness import Row, at_least\n\n"
        "def rows(settings):\n"
        "    seen = hasattr(harness, 'LEFT_BEHIND')\n"
        "    return [Row('finds', str(os.getpid()), str(seen), 1.0, at_least(1))]\n",
        encoding="utf-8",
    )
    code = harness.main(  # type: ignore[attr-defined]
        ["--output", str(tmp_path / "b.md")], registry=["bench_leaves", "bench_finds"]
    )
    assert code == 0
    cells = {
        line.split(" | ")[0].strip("| "): line.split(" | ")
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("| leaves") or line.startswith("| finds")
    }
    first_pid, second_pid = cells["leaves"][1], cells["finds"][1]
    assert len({first_pid, second_pid, str(os.getpid())}) == 3
    assert cells["finds"][2] == "False"  # the state of the first module did not reach it
    for name in ("bench_leaves", "bench_finds"):
        assert name not in sys.modules  # nothing was imported in the harness's own process


def test_a_module_that_fails_fails_the_run_even_when_quick(
    harness: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bench_broken.py").write_text(
        "def rows(settings):\n    raise RuntimeError('a bug in the benchmark')\n",
        encoding="utf-8",
    )
    code = harness.main(["--quick"], registry=["bench_broken", "bench_standin"])  # type: ignore[attr-defined]
    captured = capsys.readouterr()
    assert code == 1
    assert "RuntimeError: a bug in the benchmark" in captured.err  # the child's traceback
    assert "| fast enough |" in captured.out  # the other module still ran
    assert captured.out.splitlines()[-1].endswith("FAILED (no rows): bench_broken")
