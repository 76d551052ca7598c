"""The evaluation as Markdown blocks for the model card, the pull request body and the
step summary: paired comparison, intervals, slices and diagnostics (Mermaid + tables).

Every block is plain Markdown built here, so the templates only place them; user text
(slice values, feature names) goes through `mermaid.label` or `mermaid.table`'s escaping.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ..evidence import (
    DiagnosticsEvidence,
    EvaluationEvidence,
    MetricComparison,
    MetricInterval,
    SliceGap,
    SliceResult,
)
from ..text import md, md_code
from .mermaid import diagnostics_markdown, slices_chart, table
from .record import EvaluationRecord


class Evaluated(Protocol):
    """What the blocks read: a candidate's evidence, or a run's evaluate result."""

    @property
    def metrics(self) -> Mapping[str, float]: ...
    @property
    def positive_class(self) -> str | None: ...
    @property
    def metric_intervals(self) -> Mapping[str, MetricInterval]: ...
    @property
    def evaluation(self) -> EvaluationEvidence | None: ...
    @property
    def comparison(self) -> Mapping[str, MetricComparison] | None: ...
    @property
    def comparison_current(self) -> Mapping[str, MetricComparison] | None: ...
    @property
    def comparison_production_version(self) -> int | None: ...
    @property
    def slices(self) -> Mapping[str, list[SliceResult]]: ...
    @property
    def slice_gaps(self) -> Mapping[str, Mapping[str, SliceGap]]: ...
    @property
    def diagnostics(self) -> DiagnosticsEvidence | None: ...


@dataclass(frozen=True)
class RunEvaluation:
    """A run's evaluate result with the metrics and positive class it is about."""

    record: EvaluationRecord
    metrics: Mapping[str, float]
    positive_class: str | None

    @property
    def metric_intervals(self) -> Mapping[str, MetricInterval]:
        return self.record.metric_intervals

    @property
    def evaluation(self) -> EvaluationEvidence | None:
        return self.record.evaluation

    @property
    def comparison(self) -> Mapping[str, MetricComparison] | None:
        return self.record.comparison

    @property
    def comparison_current(self) -> Mapping[str, MetricComparison] | None:
        return self.record.comparison_current

    @property
    def comparison_production_version(self) -> int | None:
        return self.record.comparison_production_version

    @property
    def slices(self) -> Mapping[str, list[SliceResult]]:
        return self.record.slices

    @property
    def slice_gaps(self) -> Mapping[str, Mapping[str, SliceGap]]:
        return self.record.slice_gaps

    @property
    def diagnostics(self) -> DiagnosticsEvidence | None:
        return self.record.diagnostics


def step_summary(evaluated: Evaluated) -> str:
    """The evaluation for the step summary: comparison, intervals, slices, diagnostics."""
    blocks = evaluation_context(evaluated)
    parts = [
        blocks["positive_class_line"],
        blocks["comparison_markdown"],
        blocks["intervals_markdown"],
    ]
    if blocks["slices_markdown"]:
        parts.append(blocks["slices_markdown"])
    if blocks["diagnostics_markdown"]:
        parts.append(
            "<details>\n<summary>Diagnostics</summary>\n\n"
            + blocks["diagnostics_markdown"].rstrip()
            + "\n\n</details>"
        )
    return "\n\n".join(p for p in parts if p).strip()


def evaluation_context(evidence: Evaluated) -> dict[str, Any]:
    """Template variables: each a Markdown block, empty when there is nothing to show."""
    return {
        "positive_class_line": positive_class_line(evidence),
        "intervals_markdown": intervals_markdown(evidence),
        "comparison_markdown": comparison_markdown(evidence),
        "slices_markdown": slices_markdown(evidence),
        "diagnostics_markdown": (
            diagnostics_markdown(evidence.diagnostics) if evidence.diagnostics else ""
        ),
    }


def positive_class_line(evidence: Evaluated) -> str:
    if evidence.positive_class is None:
        return ""
    return (
        f"Positive class: {md_code(evidence.positive_class)} "
        "(precision, recall, f1 and roc_auc are about this class)."
    )


def _f(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.4g}" if abs(value) < 1e-3 or abs(value) >= 1e6 else f"{value:.4f}"


def _signed(value: float) -> str:
    return f"{value:+.4f}" if abs(value) >= 1e-4 or value == 0 else f"{value:+.2e}"


def intervals_markdown(evidence: Evaluated) -> str:
    if not evidence.metrics or not evidence.metric_intervals:
        return ""
    settings = evidence.evaluation
    level = f"{settings.confidence:.0%}" if settings else "95%"
    rows = []
    for name, value in evidence.metrics.items():
        found = evidence.metric_intervals.get(name)
        rows.append([name, _f(value), f"{_f(found.low)} – {_f(found.high)}" if found else "–"])
    note = ""
    if settings is not None:
        note = (
            f"\n\n<sub>{settings.rows:,} holdout rows; {level} intervals from "
            f"{settings.resamples:,} seeded bootstrap resamples (seed {settings.seed})"
            + ("; score metrics resampled on score bins" if settings.binned else "")
            + ".</sub>"
        )
    return table(["metric", "candidate", f"{level} interval"], rows) + note


def verdict(comparison: MetricComparison) -> str:
    better = (comparison.delta > 0) == comparison.higher_is_better
    if comparison.within_noise:
        return "within noise"
    if abs(comparison.delta) < 1e-12:
        return "= unchanged"
    return "▲ better" if better else "▼ worse"


def comparison_table(comparisons: Mapping[str, MetricComparison]) -> str:
    rows = [
        [
            name,
            _f(c.candidate),
            _f(c.production),
            _signed(c.delta),
            f"{_signed(c.ci_low)} – {_signed(c.ci_high)}",
            verdict(c),
        ]
        for name, c in comparisons.items()
    ]
    return table(
        ["metric", "candidate", "production", "change", "interval of the change", "verdict"], rows
    )


def comparison_markdown(evidence: Evaluated) -> str:
    parts = []
    version = evidence.comparison_production_version
    if evidence.comparison:
        rows = next(iter(evidence.comparison.values())).rows
        parts += [
            f"Both models scored on the candidate's {rows:,} holdout rows "
            f"(production: version {version}, its `model.onnx` run with onnxruntime).",
            "",
            comparison_table(evidence.comparison),
        ]
    if evidence.comparison_current:
        rows = next(iter(evidence.comparison_current.values())).rows
        parts += [
            "",
            f"**Today's data**: both models on the {rows:,} labelled rows of the current data.",
            "",
            comparison_table(evidence.comparison_current),
        ]
    if parts:
        parts += [
            "",
            "<sub>change = candidate − production; a change whose paired bootstrap interval "
            "holds 0 is within noise.</sub>",
        ]
    notes = evidence.evaluation.notes if evidence.evaluation else []
    parts += [f"- {_plain(note)}" for note in notes]
    return "\n".join(parts).strip()


def slices_markdown(evidence: Evaluated) -> str:
    parts: list[str] = []
    names = list(evidence.metrics)
    for column, results in evidence.slices.items():
        header = ["value", "rows", *names]
        rows = []
        for r in results:
            cells = [r.value + (" (too small)" if r.too_small else ""), f"{r.rows:,}"]
            for name in names:
                value = r.metrics.get(name)
                interval = r.intervals.get(name)
                text = _f(value)
                if value is not None and interval is not None:
                    text += f" ({_f(interval.low)} – {_f(interval.high)})"
                if value is not None and r.gap_to_production and name in r.gap_to_production:
                    text += f", vs production {_signed(r.gap_to_production[name])}"
                cells.append(text)
            rows.append(cells)
        parts += [f"**By {md_code(column)}**", ""]
        if names:
            parts += [slices_chart(column, names[0], results), ""]
        parts += [table(header, rows), ""]
        gaps = evidence.slice_gaps.get(column, {})
        if gaps:
            parts += [
                "Largest gaps: "
                + "; ".join(
                    f"{name} {_f(g.difference)} ({_plain(g.worst)} vs {_plain(g.best)}"
                    + (f", ratio {g.ratio:.3f}" if g.ratio is not None else "")
                    + ")"
                    for name, g in gaps.items()
                ),
                "",
            ]
    return "\n".join(parts).strip()


def _plain(text: str) -> str:
    """Text for a Markdown line: nothing that starts markup or HTML."""
    return md(text)
