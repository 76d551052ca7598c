"""The review as Markdown: a verdict table, then one part per model.

Each part: candidate against production on the same rows (with the interval
of the difference), gates, policies (waivers shown), ONNX, slices, charts
drawn in Mermaid, the data change and the diff of the model's resolved
settings. Every user or data string goes through `escape`.
"""

from __future__ import annotations

from ..evidence import CandidateEvidence
from . import escape
from .fit import GITHUB_LIMIT, Section, fit
from .mermaid import metric_chart, slice_chart
from .model import (
    Comparison,
    DataChange,
    MetricLine,
    ModelReview,
    Review,
    SettingsChange,
    SliceTable,
)

MARKER = "<!-- mlgitops:report -->"
VERDICTS = {
    "passed": "✅ passes",
    "failed": "❌ fails",
    "no candidate": "⚠️ no candidate",
}
NO_PAIRED = "no paired comparison yet"


def render(review: Review, *, limit: int = GITHUB_LIMIT) -> str:
    return fit(sections(review), limit)


def sections(review: Review) -> list[Section]:
    out = [Section("", _summary(review), essential=True)]
    for model in review.models:
        out += model_sections(model)
    out.append(
        Section(
            "",
            "<sub>Written by `mlgitops report`; every run of this pull request's checks "
            "updates this one comment.</sub>",
            essential=True,
        )
    )
    return out


def _summary(review: Review) -> str:
    lines = [MARKER, "## mlgitops review", ""]
    if not review.models:
        lines.append("This change affects no model: nothing was trained.")
        return "\n".join(lines)
    counts = {v: sum(1 for m in review.models if m.verdict == v) for v in VERDICTS}
    tally = " · ".join(f"{VERDICTS[v]}: {n}" for v, n in counts.items() if n)
    span = ""
    if review.base:
        span = f" — compared with `{review.base[:12]}`"
        if review.head:
            span += f" at `{review.head[:12]}`"
    lines += [f"**{len(review.models)} model(s) affected** · {tally}{span}", ""]
    lines += ["| model | verdict | production | why it ran |", "|---|---|---|---|"]
    for model in review.models:
        production = (
            f"version {model.production_version}"
            if model.production_version is not None
            else "none yet"
        )
        lines.append(
            f"| {escape.code(model.model, cell=True)} | {_verdict(model)} | {production} | "
            f"{escape.text(model.why_affected or '–')} |"
        )
    if review.run_url:
        lines += ["", f"[The run]({review.run_url})"]
    return "\n".join(lines)


def _verdict(model: ModelReview) -> str:
    text = VERDICTS[model.verdict]
    if model.verdict == "failed" and model.failed_stage:
        text += f" at {escape.text(model.failed_stage)}"
    return text


def model_sections(model: ModelReview) -> list[Section]:
    where = f"{escape.code(f'mlgitops report {model.model}')} prints all of it"
    head = Section(
        f"### {escape.code(model.model)} — {_verdict(model)}", _headline(model), essential=True
    )
    parts = [head]
    evidence = model.evidence
    if evidence is not None:
        parts.append(Section("#### Candidate vs production", _numbers(model), where=where))
        parts.append(Section("#### Gates", _gates(evidence)))
        parts.append(
            Section(
                "#### Policies",
                model.policy.to_markdown().strip().split("\n", 2)[-1].strip()
                if model.policy is not None
                else "The model lists no policy files.",
                where=where,
            )
        )
        parts.append(Section("#### ONNX", _onnx(evidence)))
        if model.slices:
            parts.append(Section("#### Slices", _slices(model.slices), where=where))
        charts = _charts(model)
        if charts:
            parts.append(Section("#### Diagnostics", charts, where=where))
    if model.data is not None:
        parts.append(Section("#### Data", _data(model.data)))
    if model.settings is not None:
        parts.append(
            Section("#### What changed in the spec", _settings(model.settings), where=where)
        )
    return parts


def _headline(model: ModelReview) -> str:
    if model.verdict == "no candidate":
        return "The run left no candidate to review; the model's job failed before training."
    if model.verdict == "passed" and model.registered_version is not None:
        if model.registered_version == model.production_version:
            return (
                "Passes, and it is the model already in production (version "
                f"{model.registered_version}, the same bytes): merging promotes nothing."
            )
        return (
            f"Passes; it is the model of registered version {model.registered_version}. "
            "After the merge, the push run opens its promotion pull request."
        )
    if model.verdict == "passed":
        what = (
            f"replaces production version {model.production_version}"
            if model.production_version is not None
            else "becomes its first production version"
        )
        return (
            "Passes data validation, every gate, ONNX parity and every blocking policy. "
            f"After the merge, the push run retrains it and opens its promotion pull request: "
            f"merging that one {what}."
        )
    lines = [f"Failed at **{escape.text(model.failed_stage or 'an unknown stage')}**:", ""]
    lines += [f"- {escape.text(p)}" for p in model.problems[:20]] or ["- no details recorded"]
    if len(model.problems) > 20:
        lines.append(f"- … and {len(model.problems) - 20} more")
    return "\n".join(lines)


# --- numbers -------------------------------------------------------------------------------


def num(value: float | None, digits: int = 4) -> str:
    if value is None:
        return "–"
    if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e6):
        return f"{value:.{digits}g}"
    return f"{value:.{digits}f}"


def signed(value: float | None, digits: int = 4) -> str:
    return "–" if value is None else ("+" if value >= 0 else "") + num(value, digits)


def _numbers(model: ModelReview) -> str:
    if model.comparisons:
        return "\n\n".join(_comparison(c) for c in model.comparisons)
    evidence = model.evidence
    assert evidence is not None
    lines = [
        f"_{NO_PAIRED}_: the candidate's holdout metrics, beside production's own holdout "
        "metrics (different rows, so not like with like)."
        if model.production is not None
        else f"_{NO_PAIRED}_: there is no production version to compare with.",
        "",
    ]
    version = f"production v{model.production_version}" if model.production is not None else None
    header = ["metric", "candidate"] + ([version] if version else [])
    lines += ["| " + " | ".join(header) + " |", "|---" + "|---:" * (len(header) - 1) + "|"]
    for metric, value in evidence.metrics.items():
        row = [escape.text(metric), num(value)]
        if model.production is not None:
            row.append(num(model.production.metrics.get(metric)))
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def _comparison(comparison: Comparison) -> str:
    version = (
        f"production v{comparison.production_version}"
        if comparison.production_version is not None
        else "production"
    )
    rows = next((line.rows for line in comparison.lines if line.rows), None)
    on = f"On {comparison.rows_label}" + (f" ({rows:,} rows)" if rows else "")
    lines = [
        f"{on}: both models scored on the same rows; the interval is the 95% bootstrap "
        "interval of the difference.",
        "",
        f"| metric | {version} | candidate | Δ | 95% interval of Δ | |",
        "|---|---:|---:|---:|---|---|",
    ]
    for line in comparison.lines:
        interval = (
            f"[{signed(line.ci_low)}, {signed(line.ci_high)}]"
            if line.ci_low is not None and line.ci_high is not None
            else "–"
        )
        lines.append(
            f"| {escape.text(line.metric)} | {num(line.production)} | {num(line.candidate)} | "
            f"{signed(line.delta)} | {interval} | {_judgement(line)} |"
        )
    return "\n".join(lines)


def _judgement(line: MetricLine) -> str:
    if line.delta is None:
        return ""
    if line.within_noise:
        return "≈ within noise"
    if line.delta == 0:
        return "= same"
    better = (line.delta > 0) == line.higher_is_better
    return "▲ better" if better else "▼ worse"


def _gates(evidence: CandidateEvidence) -> str:
    if not evidence.gates:
        return "The model has no gates."
    lines = ["| metric | bound | limit | value | result |", "|---|---|---:|---:|---|"]
    icons = {"passed": "✅ passed", "failed": "❌ failed", "no baseline": "➖ no baseline"}
    for gate in evidence.gates:
        lines.append(
            f"| {escape.text(gate.metric)} | {gate.bound} | {num(gate.limit)} | "
            f"{num(gate.value)} | {icons[gate.status]} |"
        )
    return "\n".join(lines)


def _onnx(evidence: CandidateEvidence) -> str:
    onnx = evidence.onnx
    parity = "✅ parity" if onnx.passed else "❌ parity failed"
    lines = [
        "| check | value |",
        "|---|---|",
        f"| {parity} | max \\|diff\\| {num(onnx.max_abs_diff)} (tolerance {num(onnx.tolerance)}) "
        f"on {onnx.rows_checked:,} rows |",
    ]
    if onnx.label_agreement is not None:
        lines.append(f"| label agreement | {onnx.label_agreement:.4f} |")
    lines += [
        f"| size | {onnx.size_bytes:,} bytes |",
        f"| latency, one row | p50 {num(onnx.latency.single_row_p50_ms, 3)} ms, "
        f"p99 {num(onnx.latency.single_row_p99_ms, 3)} ms |",
        f"| throughput | {onnx.latency.batch_rows_per_second:,.0f} rows/s in batches of "
        f"{onnx.latency.batch_size:,} |",
    ]
    return "\n".join(lines)


def _slices(tables: tuple[SliceTable, ...]) -> str:
    parts = []
    for table in tables:
        metrics = list(dict.fromkeys(m for line in table.lines for m in line.metrics))
        header = ["value", "rows", *metrics, "gap to overall", "gap to production"]
        lines = [
            f"By {escape.code(table.column)}:",
            "",
            "| " + " | ".join(escape.text(h) for h in header) + " |",
            "|---|---:" + "|---:" * len(metrics) + "|---|---|",
        ]
        for line in table.lines:
            if line.too_small:
                cells = ["too small"] * len(metrics) + ["–", "–"]
            else:
                cells = [num(line.metrics.get(m)) for m in metrics] + [
                    _gaps(line.gap_to_overall),
                    _gaps(line.gap_to_production),
                ]
            lines.append(
                f"| {escape.text(line.value)} | {line.rows:,} | " + " | ".join(cells) + " |"
            )
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def _gaps(gaps: dict[str, float]) -> str:
    return ", ".join(f"{escape.text(k)} {signed(v)}" for k, v in gaps.items()) or "–"


def _charts(model: ModelReview) -> str:
    charts = []
    chart = metric_chart(model)
    if chart:
        charts.append(chart)
    charts += [c for table in model.slices if (c := slice_chart(table))]
    return "\n\n".join(charts)


def _data(data: DataChange) -> str:
    candidate, production = data.candidate, data.production
    if production is None:
        return (
            f"Trained on {escape.code(candidate.path)}: {candidate.rows:,} rows, "
            f"sha256 `{candidate.sha256[:12]}`; no production version to compare with."
        )
    if not data.changed:
        return (
            f"The same data as production: {escape.code(candidate.path)}, {candidate.rows:,} rows, "
            f"sha256 `{candidate.sha256[:12]}`."
        )
    delta = candidate.rows - production.rows
    lines = [
        "| | production | candidate |",
        "|---|---|---|",
        f"| file | {escape.code(production.path, cell=True)} | {escape.code(candidate.path, cell=True)} |",
        f"| rows | {production.rows:,} | {candidate.rows:,} ({delta:+,}) |",
        f"| sha256 | `{production.sha256[:12]}` | `{candidate.sha256[:12]}` |",
    ]
    return "\n".join(lines)


def _settings(settings: SettingsChange) -> str:
    if settings.status == "no base":
        return "No base commit was given (`--base`), so there is nothing to compare with."
    base = f"`{(settings.base or '')[:12]}`"
    if settings.status == "new model":
        return f"A new model: it is not in the spec at {base}."
    if settings.status == "unchanged":
        return f"Its resolved settings are the same as at {base} (see why it ran, above)."
    return (
        f"Resolved settings (model, dataset and pipeline, with defaults) at {base} and now:\n\n"
        + escape.fenced(settings.diff, "diff")
    )
