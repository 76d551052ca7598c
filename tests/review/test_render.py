"""The review's Markdown: paired numbers on one row, hostile text shown as text, the size limit."""

from __future__ import annotations

import re

from golden_util import assert_golden
from promote.test_body import evidence

from mlgitops.review.fit import GITHUB_LIMIT, Section, fit
from mlgitops.review.model import (
    Comparison,
    DataChange,
    DataSide,
    MetricLine,
    ModelReview,
    Review,
    SettingsChange,
    SliceLine,
    SliceTable,
)
from mlgitops.review.render import MARKER, NO_PAIRED, render

PAIRED = Comparison(
    "the candidate's holdout",
    3,
    (
        MetricLine("accuracy", 0.9556, 0.9333, 0.0222, True, -0.0111, 0.0556, 45, True),
        MetricLine("log_loss", 0.121, 0.164, -0.043, False, -0.071, -0.015, 45, False),
    ),
)
SLICES = SliceTable(
    "petal | size",
    (
        SliceLine("small", 20, False, {"accuracy": 1.0}, {"accuracy": 0.0444}, {"accuracy": 0.0}),
        SliceLine("<b>large</b>", 3, True, {}),
    ),
)


def review(**changes: object) -> ModelReview:
    base: dict[str, object] = {
        "model": "iris-species",
        "verdict": "passed",
        "why_affected": "pipelines/iris.yaml changed",
        "evidence": evidence(),
        "production": evidence(accuracy=0.9333, f1=0.93, log_loss=0.164),
        "production_version": 3,
        "comparisons": (PAIRED,),
        "slices": (SLICES,),
        "settings": SettingsChange(
            "a" * 40, "changed", "--- a\n+++ b\n@@ -1 +1 @@\n-      C: 2.0\n+      C: 0.5"
        ),
        "data": DataChange(
            DataSide("data/iris.csv", 150, "9" * 64), DataSide("data/iris.csv", 120, "8" * 64)
        ),
    }
    base.update(changes)
    return ModelReview(**base)  # type: ignore[arg-type]


def test_paired_numbers_sit_on_one_row_with_the_interval_of_the_difference() -> None:
    text = render(Review((review(),), base="a" * 40, head="b" * 40))
    assert text.startswith(MARKER + "\n")
    assert "| accuracy | 0.9333 | 0.9556 | +0.0222 | [-0.0111, +0.0556] | ≈ within noise |" in text
    assert "| log_loss | 0.1640 | 0.1210 | -0.0430 | [-0.0710, -0.0150] | ▲ better |" in text
    assert "On the candidate's holdout (45 rows)" in text and "production v3" in text
    assert NO_PAIRED not in text
    assert_golden("review/paired.md", text)


def test_without_a_paired_comparison_it_says_so() -> None:
    text = render(Review((review(comparisons=()),)))
    assert f"_{NO_PAIRED}_" in text
    assert "| accuracy | 0.9556 | 0.9333 |" in text  # candidate, then production's own holdout
    first = render(Review((review(comparisons=(), production=None, production_version=None),)))
    assert "there is no production version to compare with" in first


def test_user_and_data_text_is_never_markup() -> None:
    hostile = review(
        model="m<script>",
        verdict="failed",
        failed_stage="test",
        problems=("accuracy | [x](javascript:alert(1)) <!-- -->", "`code` **bold**"),
    )
    text = render(Review((hostile,)))
    assert "<script>" not in text and "<b>" not in text
    assert "m&lt;script&gt;" in text and "&lt;b&gt;large&lt;/b&gt;" in text
    assert "\\[x\\](javascript:alert(1))" in text and "&lt;\\!-- --&gt;" in text
    assert "\\`code\\` \\*\\*bold\\*\\*" in text
    assert "By `petal | size`" in text
    assert text.count("<!--") == 1  # only the marker: nothing can open or close a comment
    # a diff holding a fence cannot close the code block early
    tricky = review(settings=SettingsChange("a" * 40, "changed", "+ ```\n+ # heading"))
    body = render(Review((tricky,)))
    assert "````diff\n+ ```\n+ # heading\n````" in body


def test_the_longest_section_is_shortened_and_verdicts_stay() -> None:
    long_diff = "\n".join(f"+      feature_{i}: {{type: number}}" for i in range(6000))
    models = tuple(
        review(model=f"model-{i}", settings=SettingsChange("a" * 40, "changed", long_diff))
        for i in range(3)
    )
    text = render(Review(models))
    assert len(text) <= GITHUB_LIMIT
    assert text.startswith(MARKER)
    for i in range(3):
        assert f"| `model-{i}` | ✅ passes |" in text  # the verdict table
        assert f"### `model-{i}` — ✅ passes" in text  # each model's verdict
    assert text.count("| accuracy | 0.9333 | 0.9556 |") == 3  # the long diffs were cut first
    assert "shortened to fit GitHub's comment size limit" in text
    # every code block that was opened is closed
    assert len(re.findall(r"^`{3,}", text, re.MULTILINE)) % 2 == 0


def test_fit_cuts_whole_lines_outside_code_blocks() -> None:
    sections = [
        Section("", "verdict", essential=True),
        Section("### a", "\n".join(["x" * 50] * 40)),
        Section("### b", "```\n" + "\n".join(["y" * 50] * 40) + "\n```"),
    ]
    text = fit(sections, limit=1500)
    assert len(text) <= 1500 and text.startswith("verdict")
    assert text.count("```") % 2 == 0
    assert fit(sections, limit=100_000) == "\n".join(s.text() for s in sections)


def test_a_candidate_that_is_the_production_model_promotes_nothing() -> None:
    text = render(Review((review(registered_version=3),)))
    assert "it is the model already in production (version 3, the same bytes)" in text
    assert "merging promotes nothing" in text
