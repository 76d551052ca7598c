"""The Markdown charts parse with Mermaid's own parser, hostile labels included, and each
chart has its table."""

from __future__ import annotations

import numpy as np
from mermaid_check import blocks, mermaid_parse, shape_problems

from mlgitops.evaluate.bootstrap import Outputs, Truth
from mlgitops.evaluate.diagnostics import diagnose
from mlgitops.evaluate.mermaid import bar_chart, diagnostics_markdown, importance_markdown, label
from mlgitops.evidence import FeatureImportance

HOSTILE = [
    'ends "quote',
    "back`tick`s",
    'closes"] a list',
    "two\nlines",
    "%% a comment",
    "semi; colon #hash",
    "<b>html</b>",
]


def _binary_diagnostics() -> str:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    p = np.clip(rng.random(400) * 0.6 + y * 0.35, 0, 1)
    diagnostics = diagnose(
        Truth("classification", y, ("stays", "leaves"), 1),
        Outputs((p > 0.5).astype(int), np.c_[1 - p, p]),
    )
    importance = [
        FeatureImportance(feature=name, drop=0.1 / (i + 1), std=0.01)
        for i, name in enumerate(HOSTILE)
    ]
    diagnostics = diagnostics.model_copy(
        update={"importance": importance, "importance_metric": "roc_auc"}
    )
    return diagnostics_markdown(diagnostics)


def _regression_diagnostics() -> str:
    rng = np.random.default_rng(1)
    y = rng.normal(100, 20, 500)
    return diagnostics_markdown(
        diagnose(Truth("regression", y), Outputs(y + rng.normal(0, 5, 500)))
    )


def test_every_chart_has_the_grammar_s_shape_and_a_table_beside_it() -> None:
    for markdown in (_binary_diagnostics(), _regression_diagnostics()):
        found = blocks(markdown)
        assert found
        for diagram in found:
            assert shape_problems(diagram) == [], diagram
        # each chart is followed by a table of the same numbers (two charts may share one)
        after = [markdown.split(f"```mermaid\n{d}\n```", 1)[1].lstrip() for d in found]
        assert all(rest.startswith(("|", "```mermaid")) for rest in after)
        assert after[-1].startswith("|")


def test_mermaid_itself_parses_every_chart_with_hostile_labels() -> None:
    diagrams = blocks(_binary_diagnostics()) + blocks(_regression_diagnostics())
    diagrams += blocks(
        bar_chart("by " + HOSTILE[0], HOSTILE, [0.1 * i for i in range(len(HOSTILE))], HOSTILE[2])
    )
    results = mermaid_parse(diagrams)
    assert [r["ok"] for r in results] == [True] * len(diagrams), results
    assert {r["type"] for r in results} == {"xychart"}


def test_the_parser_does_reject_a_broken_chart() -> None:
    """The check can fail: an unquoted label that closes the list early is an error."""
    broken = 'xychart-beta\n    x-axis [a, b]"]\n    bar [1, 2]'
    assert shape_problems(broken) != []
    assert mermaid_parse([broken])[0]["ok"] is False


def test_labels_keep_their_text_and_lose_what_would_end_them() -> None:
    assert label('say "hi"') == "\"say 'hi'\""
    assert label("a\nb") == '"a b"'
    assert label("x" * 100).endswith('…"') and len(label("x" * 100)) == 42
    text = importance_markdown([FeatureImportance(feature="a|b<i>", drop=0.5, std=0.0)], "f1")
    assert "| a\\|b&lt;i&gt; |" in text  # the table cell escapes markup and HTML
