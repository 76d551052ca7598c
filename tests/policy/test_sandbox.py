from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from mlgitops.policy import worker
from mlgitops.policy.sandbox import RULE_TIMEOUT_SECONDS, evaluate_rules


def test_the_worker_answers_one_json_line_per_rule() -> None:
    request = {
        "variables": {"c": {"x": 1.0, "l": ["a"]}},
        "rules": ["c.x > 0.5", "c.y", "c.l", "1 +"],
    }
    done = subprocess.run(
        [sys.executable, "-I", worker.__file__],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    ready, *lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert ready == worker.READY
    assert lines[0] == {"index": 0, "ok": True, "type": "bool", "value": True}
    assert (lines[1]["ok"], lines[1]["kind"], lines[1]["error"]) == (False, "KeyError", "'y'")
    assert (lines[2]["type"], lines[2]["value"]) == ("list", "['a']")
    assert (lines[3]["ok"], lines[3]["kind"]) == (False, "ValueError")
    assert done.stderr == ""


def test_a_timeout_stops_one_rule_and_the_next_ones_run() -> None:
    items = ", ".join(str(i) for i in range(150))
    slow = f"[{items}].all(a, [{items}].all(b, [{items}].all(c, a + b + c >= 0)))"
    # the slow rule alone takes minutes; it ends as a timeout and the rules after it still run
    results = evaluate_rules({"c": {"x": 1.0}}, ["c.x == 1.0", slow, "c.x < 0.5"], timeout=0.5)
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].kind == "Timeout"
    assert (results[0].value, results[2].value) == (True, False)


def test_the_first_rule_of_every_child_has_the_documented_limit_too() -> None:
    # Start-up is timed apart from the rules: a slow first rule, and the slow first rule of
    # the fresh child started after it, are each stopped at the 5 s default, never 5 s plus
    # the start-up allowance (which made it ~25 s a rule). The bound is generous: two
    # limits plus two start-ups. 400³ steps run for a minute or more.
    items = ", ".join(str(i) for i in range(400))
    slow = f"[{items}].all(a, [{items}].all(b, [{items}].all(c, a + b + c >= 0)))"
    started = time.monotonic()
    results = evaluate_rules({}, [slow, slow, "1.0 < 2.0"])
    elapsed = time.monotonic() - started
    assert [r.kind for r in results[:2]] == ["Timeout", "Timeout"]
    assert "longer than 5 s" in results[0].error
    assert (results[2].ok, results[2].value) == (True, True)
    assert elapsed < 2 * RULE_TIMEOUT_SECONDS + 8, f"{elapsed:.1f} s"


def test_no_rules_start_no_process() -> None:
    assert evaluate_rules({}, []) == []


def test_loading_the_evaluator_fast_and_importing_it_normally_share_one_module() -> None:
    # in a fresh process: the extension can be initialised only once per process
    code = (
        "import sys\n"
        "from mlgitops.policy.worker import load_cel\n"
        "fast = load_cel()\n"
        "assert 'prompt_toolkit' not in sys.modules\n"
        "import cel\n"
        "assert sys.modules['cel.cel'] is fast and cel.evaluate('1 + 1') == 2\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout == "ok\n", done.stderr


def test_validate_without_policy_files_does_not_load_the_evaluator(tmp_path: Path) -> None:
    from builders import write_file, write_spec

    write_spec(
        tmp_path,
        """
        version: 1
        project: demo
        datasets:
          d: {path: d.csv, target: y, columns: {x: {type: number}, y: {type: boolean}}}
        models:
          m: {dataset: d, task: classification, estimator: {class: sklearn.linear_model.LogisticRegression}}
    """,
    )
    write_file(tmp_path, "d.csv", "x,y\n1,true\n")
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from mlgitops.spec import load_project\n"
        "from mlgitops.spec.checks import project_checks\n"
        f"load_project(Path({str(tmp_path)!r}), check_estimators=False, extra_checks=project_checks())\n"
        "print('cel' in sys.modules, 'cel.cel' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout == "False False\n", done.stderr
