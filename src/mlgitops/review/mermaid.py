"""Charts drawn in Markdown with Mermaid (`xychart-beta`), which GitHub renders in comments."""

from __future__ import annotations

from ..registries import HIGHER_IS_BETTER
from . import escape
from .model import ModelReview, SliceTable

MAX_BARS = 20


def _chart(title: str, labels: list[str], series: list[list[float]]) -> str:
    axis = ", ".join(f'"{escape.mermaid_label(label, 24)}"' for label in labels)
    lines = [
        "```mermaid",
        "xychart-beta",
        f'    title "{escape.mermaid_label(title, 60)}"',
        f"    x-axis [{axis}]",
        '    y-axis "score" 0 --> 1',
    ]
    lines += [f"    bar [{', '.join(f'{v:.4f}' for v in values)}]" for values in series]
    lines.append("```")
    return "\n".join(lines)


def _unit(value: float | None) -> bool:
    return value is not None and 0.0 <= value <= 1.0


def metric_chart(model: ModelReview) -> str:
    """Scores in [0, 1] (not losses): production and candidate side by side, on the same rows
    when paired."""
    labels: list[str] = []
    production: list[float] = []
    candidate: list[float] = []
    if model.comparisons:
        for line in model.comparisons[0].lines:
            if line.higher_is_better and _unit(line.candidate) and _unit(line.production):
                assert line.candidate is not None and line.production is not None
                labels.append(line.metric)
                production.append(line.production)
                candidate.append(line.candidate)
        title = f"{model.model}: production vs candidate, same rows"
        series = [production, candidate]
    elif model.evidence is not None:
        for metric, value in model.evidence.metrics.items():
            if metric in HIGHER_IS_BETTER and _unit(value):
                labels.append(metric)
                candidate.append(value)
        title = f"{model.model}: candidate holdout scores"
        series = [candidate]
    else:
        return ""
    if not labels:
        return ""
    chart = _chart(title, labels[:MAX_BARS], [s[:MAX_BARS] for s in series])
    legend = "bars: production, then candidate" if len(series) == 2 else "bars: candidate"
    return f"{chart}\n\n<sub>{legend}</sub>"


def slice_chart(table: SliceTable) -> str:
    """The first metric of each slice large enough to score."""
    scored = [line for line in table.lines if not line.too_small and line.metrics]
    if not scored:
        return ""
    metric = next(iter(scored[0].metrics))
    points = [(line.value, line.metrics.get(metric)) for line in scored][:MAX_BARS]
    kept = [(label, value) for label, value in points if _unit(value)]
    if not kept:
        return ""
    return _chart(
        f"{metric} by {table.column}",
        [label for label, _ in kept],
        [[float(value) for _, value in kept if value is not None]],
    )
