"""Hostile text: data and user values are shown as written, never read as markup.

On the terminal (rich) a value like `[/x]` must neither crash a command nor style
its output. In what reviewers read (the promotion pull request's body, the model
card, the review comment) no value may become HTML, a mention or a link, or end
a block early; a body too long for GitHub keeps every section.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from builders import write_spec
from promote.test_body import POLICY, inputs
from review.test_render import review

from mlgitops.cli import main
from mlgitops.drift.report import DriftReport
from mlgitops.policy.report import PolicyReport
from mlgitops.promote.body import MAX_BODY_CHARS, render_body
from mlgitops.review.model import Review, SliceLine, SliceTable
from mlgitops.review.render import render
from mlgitops.text import annotation, md, md_code

# rich markup: a closing tag with no opening (MarkupError), a link, a style
MARKUP = ["[/x]", "[link=http://evil]x[/link]", "[bold]"]
PROJECT = "[/x] [bold]hostile[/bold] [link=http://evil]x[/link]"

SPEC = f"""
    version: 1
    project: {json.dumps(PROJECT)}
    datasets:
      customers:
        path: data/train.csv
        target: label
        columns:
          age: {{type: number}}
          plan: {{type: category, values: {json.dumps(["basic", *MARKUP])}}}
          label: {{type: category, values: {json.dumps(MARKUP)}}}
        current: data/current/*.csv
    models:
      churn:
        dataset: customers
        task: classification
        estimator:
          class: sklearn.linear_model.LogisticRegression
          params: {{max_iter: 500}}
        drift: {{drift_share: 0.5}}
"""


def customers(rows: int, seed: int, plans: list[str]) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.normal(45, 12, rows).round(1)
    labels = np.array(MARKUP, dtype=object)[np.digitize(age, [40, 50])]
    return pd.DataFrame({"age": age, "plan": rng.choice(plans, rows), "label": labels})


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose name, categories and class labels are all rich markup."""
    root = tmp_path_factory.mktemp("hostile-text")
    write_spec(root, SPEC)
    (root / "data" / "current").mkdir(parents=True)
    customers(300, 1, ["basic", *MARKUP]).to_csv(root / "data/train.csv", index=False)
    # every current row is one markup category: the plan drifts, so the report shows it
    current = customers(200, 2, ["[/x]"]).drop(columns="label")
    current.to_csv(root / "data/current/day-1.csv", index=False)
    assert main(["-C", str(root), "run", "churn", "--json"], environ={}) == 0
    return root


@pytest.fixture
def project(trained: Path, tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(trained, root)
    return root


def cli(
    root: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *args: str,
    environ: dict[str, str] | None = None,
) -> tuple[int, str]:
    """Run the CLI as a terminal user would (no --json); wide, so values are not wrapped."""
    monkeypatch.setenv("COLUMNS", "250")
    capsys.readouterr()
    code = main(["-C", str(root), *args], environ=environ or {})
    out = capsys.readouterr()
    assert "Traceback" not in out.err and "MarkupError" not in out.out + out.err
    return code, out.out + out.err


# --- the terminal ---------------------------------------------------------------------


def test_run_prints_markup_in_training_data_as_written(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = pd.read_csv(project / "data/train.csv").astype({"age": object})
    for row, value in enumerate(MARKUP):
        data.loc[row, "age"] = value  # not a number: the data check fails and quotes it
    data.to_csv(project / "data/train.csv", index=False)
    code, out = cli(project, capsys, monkeypatch, "run", "churn")
    assert code == 1  # a data check failed
    for value in MARKUP:
        assert repr(value) in out


def test_drift_prints_markup_in_current_data_as_written(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out = cli(project, capsys, monkeypatch, "drift", "churn")
    assert code == 1  # drift found: the plan is all "[/x]" now
    assert "[/x] 100%" in out  # the current side of the plan's row, unstyled


def test_drift_quotes_a_markup_value_that_fails_validation(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    current = customers(50, 3, ["[bold]"]).drop(columns="label")
    current.loc[7, "plan"] = "[/y][link=http://evil]y[/link]"
    current.to_csv(project / "data/current/day-1.csv", index=False)
    code, out = cli(project, capsys, monkeypatch, "drift", "churn")
    assert code == 1  # the current data failed validation
    assert "'[/y][link=http://evil]y[/link]'" in out


def test_predict_prints_markup_class_labels_as_written(
    project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scored = tmp_path / "scored.csv"
    args = ("predict", "churn", str(project / "data/current/day-1.csv"), "--version", "1")
    code, out = cli(project, capsys, monkeypatch, *args, "--output", str(scored))
    assert code == 0
    labels = set(pd.read_csv(scored)["prediction"])
    assert labels and labels <= set(MARKUP)
    for label in MARKUP:
        assert f"proba_{label}" in out  # the preview's headers are the class labels
    assert any(label in out.split("proba_")[-1] for label in labels)  # and its cells


def test_status_prints_a_markup_project_name_as_written(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out = cli(project, capsys, monkeypatch, "status")
    assert code == 0
    assert f"mlgitops status: {PROJECT}" in out


def test_json_and_annotations_carry_the_text_verbatim(
    project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a file name and a column name GitHub's workflow commands must escape (a CSV header is
    # one line, so a name cannot hold a line break: that is refused where the header is read)
    strange = project / "data/current/a,b:c%d.csv"
    (project / "data/current/day-1.csv").rename(strange)
    frame = pd.read_csv(strange)
    frame["odd%col:[/x],name"] = 1
    frame.to_csv(strange, index=False)
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}
    capsys.readouterr()
    code = main(["-C", str(project), "drift", "churn", "--json"], environ=env)
    out = capsys.readouterr().out
    assert code == 1
    payload = json.JSONDecoder().raw_decode(out, out.index("{"))[0]
    assert json.dumps(payload).count("odd%col:[/x],name") >= 1  # --json: exactly as read
    notes = [line for line in out.splitlines() if line.startswith("::error")]
    decoded = [_decode(note) for note in notes]
    assert ("data/current/a,b:c%d.csv", "odd%col:[/x],name") in [
        (file, message.split(": ")[0]) for file, message in decoded
    ]
    # the step summary quotes the column as text: no markup, one line
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "odd%col:\\[/x\\],name" in summary


def _decode(note: str) -> tuple[str, str]:
    """The file property and the message of `::error file=…::message`, as GitHub reads them."""
    head, _, message = note.partition("::")[2].partition("::")
    assert "\n" not in message and "\r" not in message
    props = dict(p.split("=", 1) for p in head.split(" ", 1)[1].split(",")) if " " in head else {}
    file = props.get("file", "")
    assert ":" not in file and "," not in file  # escaped in a property

    def unescape(value: str) -> str:
        for code, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
            value = value.replace(code, char)
        return value

    return unescape(file), unescape(message)


def test_annotation_escaping_follows_githubs_rules() -> None:
    assert annotation("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert annotation("a:b,c%", property_value=True) == "a%3Ab%2Cc%25"
    assert annotation("a:b,c") == "a:b,c"  # a message keeps its colons and commas


# --- Markdown: the promotion pull request, the card, the review -----------------------

IMG = "<img src=x onerror=alert(1)>"
JS_LINK = "[x](javascript:alert(1))"
HUGE = "v" * 70_000
NASTY_COLUMN = "a`b|c``d\nnext <b>"
BODY_SECTIONS = (
    "### Why",
    "### Drift:",
    "### Metrics: candidate vs production",
    "### Gates",
    "### Policy",
    "### ONNX",
    "### Lineage",
    "### Model card",
)


def without_code(markdown: str) -> str:
    """`markdown` with its code spans and blocks taken out (their text is never markup)."""
    markdown = re.sub(r"^(`{3,}|~{3,}).*?^\1", "", markdown, flags=re.MULTILINE | re.DOTALL)
    return re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", markdown)


def assert_inert(markdown: str, *, own_details: int) -> None:
    """Nothing in `markdown` but the product's own HTML, links and mentions."""
    text = without_code(markdown)
    assert "<img" not in text and "<b>" not in text and "<script" not in text
    assert text.count("</details>") == own_details and text.count("<details>") == own_details
    assert re.search(r"(?<![\w\u200d])@octocat", text) is None  # no live mention
    assert re.search(r"(?<!\\)\[[^\]]*(?<!\\)\]\(javascript:", text) is None  # no link
    assert re.search(r"(?<![\w\u200d])#123\b", text) is None  # no issue reference
    assert "https://evil" not in text  # no bare link either


def hostile_drift() -> DriftReport:
    categories = [
        [IMG, 0.3],
        ["</details>", 0.2],
        ["@octocat #123 https://evil.example", 0.2],
        [JS_LINK, 0.1],
        [HUGE, 0.2],
    ]
    feature = {
        "feature": NASTY_COLUMN,
        "kind": "categorical",
        "method": "jensenshannon",
        "test": "distance",
        "statistic": 0.5,
        "threshold": 0.1,
        "drifted": True,
        "severity": 5.0,
        "details": {},
        "reference": {"values": 100, "null_fraction": 0.0, "top": categories[::-1]},
        "current": {"values": 100, "null_fraction": 0.0, "top": categories},
        "note": None,
    }
    return DriftReport.from_dict(
        {
            "status": "drift",
            "model": "iris-species",
            "version": 1,
            "source": f"data/{IMG}.csv",
            "dataset_drifted": True,
            "drift_share": 1.0,
            "drift_share_threshold": 0.5,
            "drifted_features": [NASTY_COLUMN],
            "features_checked": 1,
            "method": "auto",
            "rows": 100,
            "reference_rows": 100,
            "seconds": 0.01,
            "features": [feature],
            "prediction": {"computed": False, "reason": "@octocat said so </details>"},
            "notes": [f"note {IMG} {JS_LINK}"],
        }
    )


def hostile_policy() -> PolicyReport:
    data: dict[str, Any] = POLICY.to_json()
    data["results"][1]["waiver"]["reason"] = f"@octocat approved </details> {IMG} {JS_LINK}"
    data["results"][0]["message"] = "\n".join([HUGE, "| broken | row |"])
    return PolicyReport.from_json(data)


def test_a_hostile_body_is_inert_and_fits() -> None:
    body = render_body(inputs(drift=hostile_drift(), policy=hostile_policy()))
    assert len(body) <= MAX_BODY_CHARS
    assert_inert(body, own_details=1)  # the card's fold
    for heading in BODY_SECTIONS:
        assert heading in body
    assert "(cut, 70,000 characters in all)" in body  # each value capped, with a note
    assert "&lt;img src=x onerror=alert(1)&gt;" in body  # shown, as text
    assert "@\u200doctocat" in body


def test_every_section_survives_when_the_body_must_be_shortened() -> None:
    card = "# Card\n\n" + "\n".join(f"- row {i} " + "x" * 70 for i in range(3000))
    limit = 20_000
    body = render_body(
        inputs(drift=hostile_drift(), policy=hostile_policy(), card=card), limit=limit
    )
    assert len(body) <= limit
    for heading in BODY_SECTIONS:
        assert heading in body
    assert "shortened to fit GitHub's pull request body size limit" in body
    assert "read all of it in `models/iris-species/versions/4/card.md`" in body
    assert body.rstrip().endswith("close the pull request.</sub>")  # the footer is kept
    assert_inert(body, own_details=1)  # the cut card's fold is closed


def test_a_new_section_is_kept_when_the_body_is_shortened() -> None:
    from mlgitops.promote.body import END_MARKER, body_sections
    from mlgitops.review.fit import fit

    text = "\n\n".join(
        [
            "head",
            "### Data change\n\n" + "d" * 5_000,
            "### Lineage\n\n" + "l" * 20_000,
            END_MARKER + "\nfooter",
        ]
    )
    fitted = fit(body_sections(text, lambda heading: ""), 8_000)
    assert len(fitted) <= 8_000
    assert "### Data change" in fitted and "### Lineage" in fitted and fitted.endswith("footer\n")


def test_the_card_escapes_project_and_classes(trained: Path) -> None:
    card = (trained / "models/churn/versions/1/card.md").read_text(encoding="utf-8")
    project_row = next(line for line in card.splitlines() if line.startswith("| Project |"))
    assert project_row == f"| Project | {md(PROJECT)} |"
    classes = next(line for line in card.splitlines() if line.startswith("| Classes |"))
    assert classes == "| Classes | " + ", ".join(md(label) for label in sorted(MARKUP)) + " |"
    assert "[/x]" not in without_code(card).replace("\\[/x\\]", "")  # every bracket escaped


def test_a_hostile_review_comment_is_inert() -> None:
    slices = SliceTable(
        NASTY_COLUMN,
        (
            SliceLine(IMG, 20, False, {"accuracy": 0.9}),
            SliceLine(HUGE, 20, False, {"accuracy": 0.8}),
            SliceLine("</details> @octocat", 20, False, {"accuracy": 0.7}),
        ),
    )
    hostile = review(
        why_affected=f"{JS_LINK} by @octocat in #123",
        slices=(slices,),
        policy=hostile_policy(),
    )
    text = render(Review((hostile,)))
    assert len(text) <= 65_536
    assert_inert(text, own_details=0)
    assert "(cut, 70,000 characters in all)" in text
    # the chart's labels cannot end their quotes, the line or the block
    chart = text[text.index("```mermaid") : text.index("```", text.index("```mermaid") + 3)]
    assert "\n" not in chart.split("x-axis")[1].split("\n")[0][:-1]
    assert "<" not in chart and ">" not in chart.replace("-->", "")


def test_code_spans_hold_backticks_and_pipes() -> None:
    assert md_code("a`b") == "``a`b``"
    assert md_code("`x`") == "`` `x` ``"
    assert md_code("a|b", cell=True) == "`a\\|b`"
    assert md_code("a\nb") == "`a b`"
    assert md_code("<b>") == "&lt;b&gt;"  # no raw angle bracket, even in code
    assert md("- not a list") == "\\- not a list"
    assert md("1. not a list") == "1\\. not a list"
    assert md("log_loss") == "log_loss" and md("_emphasis_") == "\\_emphasis\\_"
