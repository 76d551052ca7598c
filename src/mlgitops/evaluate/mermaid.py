"""Charts as Mermaid `xychart-beta` blocks, which GitHub renders in pull requests, issues,
comments and step summaries without hosting images. Each chart goes with a table of the
same numbers (screen readers, and renderers without Mermaid).

User text (feature names, slice values) only ever appears inside double-quoted labels,
with the characters that could end the label or the block taken out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..evidence import Curve, DiagnosticsEvidence, FeatureImportance, SliceResult
from ..text import md

GRID = 11  # points a curve is drawn at: 0, 0.1, ..., 1


def label(text: str, limit: int = 40) -> str:
    """A double-quoted Mermaid string holding `text` (shortened, quotes and breaks removed)."""
    clean = "".join(ch if ch.isprintable() else " " for ch in text)
    clean = clean.replace('"', "'").replace("`", "'").replace("%%", "% %")
    clean = clean.replace("#", "＃").replace(";", ",").replace("<", "‹").replace(">", "›")
    if len(clean) > limit:
        clean = clean[: limit - 1] + "…"
    return f'"{clean.strip() or "-"}"'


def _numbers(values: Sequence[float]) -> str:
    return "[" + ", ".join(f"{v:.4g}" if np.isfinite(v) else "0" for v in values) + "]"


def _block(lines: list[str]) -> str:
    return "```mermaid\n" + "\n".join(lines) + "\n```"


def bar_chart(title: str, categories: Sequence[str], values: Sequence[float], y_title: str) -> str:
    low = min(0.0, *values) if values else 0.0
    high = max(0.0, *values) if values else 1.0
    if high == low:
        high = low + 1.0
    return _block(
        [
            "xychart-beta",
            f"    title {label(title, 80)}",
            "    x-axis [" + ", ".join(label(c) for c in categories) + "]",
            f"    y-axis {label(y_title)} {low:.4g} --> {high:.4g}",
            f"    bar {_numbers(values)}",
        ]
    )


def curve_chart(title: str, curve: Curve, *, diagonal: bool = False) -> str:
    """A curve resampled at evenly spaced x (Mermaid spaces a line's points evenly)."""
    grid = np.linspace(0.0, 1.0, GRID)
    x = np.asarray(curve.x)
    order = np.argsort(x, kind="stable")
    y = np.interp(grid, x[order], np.asarray(curve.y)[order])
    lines = [
        "xychart-beta",
        f"    title {label(title, 80)}",
        "    x-axis " + label(curve.x_label) + " [" + ", ".join(f'"{g:.1f}"' for g in grid) + "]",
        f"    y-axis {label(curve.y_label)} 0 --> 1",
        f"    line {_numbers(list(y))}",
    ]
    if diagonal:
        lines.append(f"    line {_numbers(list(grid))}")
    return _block(lines)


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    # user text in a cell (class labels, feature names, slice values) is text, never markup
    lines = [
        "| " + " | ".join(md(c) for c in header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    lines += ["| " + " | ".join(md(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _f(value: float | None, digits: int = 4) -> str:
    return "–" if value is None else f"{value:.{digits}g}"


def diagnostics_markdown(diagnostics: DiagnosticsEvidence) -> str:
    """The diagnostics as Markdown: each chart followed by its table."""
    parts: list[str] = []
    if diagnostics.confusion is not None:
        header = ["true \\ predicted", *diagnostics.classes]
        rows = [
            [c, *(str(v) for v in row)]
            for c, row in zip(diagnostics.classes, diagnostics.confusion, strict=True)
        ]
        parts += ["**Confusion matrix** (rows: true class)", "", table(header, rows), ""]
        parts += [
            bar_chart(
                "Recall per class",
                [c.label for c in diagnostics.per_class],
                [c.recall for c in diagnostics.per_class],
                "recall",
            ),
            "",
            table(
                ["class", "precision", "recall", "rows"],
                [
                    [c.label, _f(c.precision), _f(c.recall), str(c.support)]
                    for c in diagnostics.per_class
                ],
            ),
            "",
        ]
    if diagnostics.roc is not None:
        roc = diagnostics.roc
        parts += [curve_chart(f"ROC curve (area {_f(roc.area)})", roc, diagonal=True), ""]
        parts += [_curve_table(roc), ""]
    if diagnostics.precision_recall is not None:
        pr = diagnostics.precision_recall
        parts += [curve_chart(f"Precision-recall (average precision {_f(pr.area)})", pr), ""]
        parts += [_curve_table(pr), ""]
    if diagnostics.calibration:
        cal = diagnostics.calibration
        parts += [
            bar_chart(
                f"Calibration: observed share by predicted probability (Brier {_f(diagnostics.brier)})",
                [f"{b.mean_predicted:.2f}" for b in cal],
                [b.fraction_positive for b in cal],
                "observed share",
            ),
            "",
            table(
                ["mean predicted", "observed share", "rows"],
                [[_f(b.mean_predicted), _f(b.fraction_positive), str(b.rows)] for b in cal],
            ),
            "",
        ]
    if diagnostics.residuals:
        res = diagnostics.residuals
        parts += [
            bar_chart(
                "Mean residual (truth - prediction) by decile of the prediction",
                [str(b.decile) for b in res],
                [b.mean_residual for b in res],
                "mean residual",
            ),
            "",
            bar_chart(
                "Mean absolute error by decile of the prediction",
                [str(b.decile) for b in res],
                [b.mae for b in res],
                "MAE",
            ),
            "",
            table(
                ["decile", "rows", "mean prediction", "mean residual", "MAE", "RMSE"],
                [
                    [
                        str(b.decile),
                        str(b.rows),
                        _f(b.mean_prediction),
                        _f(b.mean_residual),
                        _f(b.mae),
                        _f(b.rmse),
                    ]
                    for b in res
                ],
            ),
            "",
        ]
    if diagnostics.importance:
        parts += [
            importance_markdown(diagnostics.importance, diagnostics.importance_metric or ""),
            "",
        ]
    return "\n".join(parts).rstrip() + "\n"


def importance_markdown(importance: Sequence[FeatureImportance], metric: str, top: int = 10) -> str:
    shown = list(importance[:top])
    return "\n".join(
        [
            bar_chart(
                f"Permutation importance: loss of {metric} when a column is shuffled",
                [f.feature for f in shown],
                [f.drop for f in shown],
                metric,
            ),
            "",
            table(
                ["feature", f"{metric} lost", "std"],
                [[f.feature, _f(f.drop), _f(f.std)] for f in importance],
            ),
        ]
    )


def slices_chart(column: str, metric: str, results: Sequence[SliceResult]) -> str:
    shown = [r for r in results if metric in r.metrics]
    return bar_chart(
        f"{metric} by {column}",
        [r.value + (" (too small)" if r.too_small else "") for r in shown],
        [r.metrics[metric] for r in shown],
        metric,
    )


def _curve_table(curve: Curve) -> str:
    grid = np.linspace(0.0, 1.0, GRID)
    x = np.asarray(curve.x)
    order = np.argsort(x, kind="stable")
    y = np.interp(grid, x[order], np.asarray(curve.y)[order])
    return table(
        [curve.x_label, curve.y_label],
        [[f"{g:.1f}", f"{v:.4f}"] for g, v in zip(grid, y, strict=True)],
    )
