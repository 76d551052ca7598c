"""Quality gates: bounds on holdout metrics, and on the drop against production.

A `max_drop` gate compares with the production model scored on the same rows
as the candidate (the paired `comparison` of the evaluate stage); for a loss
(a metric not in `registries.HIGHER_IS_BETTER`) a drop in quality is a rise in
value. Without a paired production value the gate reports "no baseline", which
neither passes nor fails the run: production's own stored metric comes from a
different holdout and is never compared.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from ..evidence import GateResult
from ..registries import HIGHER_IS_BETTER
from ..text import md

if TYPE_CHECKING:
    from rich.table import Table

    from ..evidence import MetricComparison
    from ..spec.models import GateSpec

Bound = Literal["min", "max", "max_drop"]
# Metrics are floats: a drop of 0.010000000000000009 meets max_drop 0.01.
_SLACK = 1e-12


@dataclass(frozen=True)
class GateReport:
    results: list[GateResult]
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(result.status != "failed" for result in self.results)

    @property
    def failed(self) -> list[GateResult]:
        return [result for result in self.results if result.status == "failed"]

    def to_table(self) -> Table:
        from rich.table import Table

        from ..text import plain

        table = Table(title="Gates")
        for column in ("gate", "bound", "value", "production", "status"):
            table.add_column(column)
        styles = {"passed": "green", "failed": "bold red", "no baseline": "yellow"}
        for row, result in zip(self._rows(), self.results, strict=True):
            *cells, status = row
            table.add_row(*map(plain, cells), plain(status, styles[result.status]))
        return table

    def to_markdown(self) -> str:
        failed = len(self.failed)
        heading = (
            f"**Gates: {failed} of {len(self.results)} failed**"
            if failed
            else f"**Gates: all {len(self.results)} passed**"
            if self.results
            else "**Gates: none declared**"
        )
        lines = [heading, ""]
        if self.results:
            lines += ["| gate | bound | value | production | status |", "|---|---|---|---|---|"]
            # bold failures: a reviewer scanning the step summary looks for them
            lines += [
                "| " + " | ".join([*map(md, row[:-1]), _md_status(row[-1])]) + " |"
                for row in self._rows()
            ]
            lines.append("")
        lines += [f"- {md(result.message)}" for result in self.failed]
        return "\n".join(lines).rstrip() + "\n"

    def _rows(self) -> list[list[str]]:
        rows = []
        for result in self.results:
            candidate = self.metrics.get(result.metric)
            value = _fmt(candidate)
            if result.bound == "max_drop" and result.value is not None:
                value += f" (drop {_fmt(result.value)})"
            rows.append(
                [
                    result.metric,
                    f"{result.bound} {_fmt(result.limit)}",
                    value,
                    _fmt(result.production),
                    result.status,
                ]
            )
        return rows


def evaluate_gates(
    gates: Mapping[str, GateSpec],
    metrics: Mapping[str, float],
    production_metrics: Mapping[str, float] | None,
    comparison: Mapping[str, MetricComparison] | None = None,
) -> GateReport:
    """One GateResult per declared bound, in the order the gates are declared.

    `production_metrics` (production's own evidence) only says whether there is a
    production version; max_drop reads `comparison`.
    """
    results: list[GateResult] = []
    for metric, gate in gates.items():
        value = metrics.get(metric)
        bounds: tuple[tuple[Bound, float | None], ...] = (
            ("min", gate.min),
            ("max", gate.max),
            ("max_drop", gate.max_drop),
        )
        for bound, limit in bounds:
            if limit is None:
                continue
            if value is None or not math.isfinite(value):
                results.append(
                    GateResult(
                        metric=metric,
                        bound=bound,
                        limit=limit,
                        value=None,
                        status="failed",
                        message=f"{metric} was not computed; add it to the model's metrics",
                    )
                )
            elif bound == "max_drop":
                paired = (comparison or {}).get(metric)
                results.append(_drop_gate(metric, limit, value, paired, production_metrics))
            else:
                results.append(_bound_gate(metric, bound, limit, value))
    return GateReport(results, dict(metrics))


def _bound_gate(metric: str, bound: Bound, limit: float, value: float) -> GateResult:
    if bound == "min":
        ok = value >= limit - _SLACK
        message = (
            f"{metric} {_fmt(value)} meets the minimum {_fmt(limit)}"
            if ok
            else f"{metric} {_fmt(value)} is below the minimum {_fmt(limit)}"
        )
        return GateResult(
            metric=metric,
            bound="min",
            limit=limit,
            value=value,
            status="passed" if ok else "failed",
            message=message,
        )
    ok = value <= limit + _SLACK
    message = (
        f"{metric} {_fmt(value)} is within the maximum {_fmt(limit)}"
        if ok
        else f"{metric} {_fmt(value)} is above the maximum {_fmt(limit)}"
    )
    return GateResult(
        metric=metric,
        bound="max",
        limit=limit,
        value=value,
        status="passed" if ok else "failed",
        message=message,
    )


def _drop_gate(
    metric: str,
    limit: float,
    value: float,
    paired: MetricComparison | None,
    production_metrics: Mapping[str, float] | None,
) -> GateResult:
    if paired is None:
        why = (
            "no production version"
            if production_metrics is None
            else f"production could not be scored on the candidate's holdout for {metric}"
        )
        return GateResult(
            metric=metric,
            bound="max_drop",
            limit=limit,
            value=None,
            production=None,
            status="no baseline",
            message=f"{metric} max_drop {_fmt(limit)}: {why}",
        )
    higher_is_better = metric in HIGHER_IS_BETTER
    baseline = paired.production
    drop = -paired.delta if higher_is_better else paired.delta
    # the interval of the drop, from the paired interval of candidate - production
    low, high = (
        (-paired.ci_high, -paired.ci_low) if higher_is_better else (paired.ci_low, paired.ci_high)
    )
    ok = drop <= limit + _SLACK
    moved = "fell" if higher_is_better else "rose"
    rows = f"on the same {paired.rows:,} holdout rows"
    noise = f" (bootstrap interval of the drop: {_fmt(low)} to {_fmt(high)}" + (
        ", within noise)" if paired.within_noise else ")"
    )
    if drop <= 0:
        message = f"{metric} {_fmt(value)} is no worse than production's {_fmt(baseline)} {rows}"
    else:
        message = (
            f"{metric} {moved} by {_fmt(drop)} from production's {_fmt(baseline)} to "
            f"{_fmt(value)} {rows}{noise}; max_drop allows {_fmt(limit)}"
        )
    return GateResult(
        metric=metric,
        bound="max_drop",
        limit=limit,
        value=drop,
        production=baseline,
        status="passed" if ok else "failed",
        message=message,
        rows=paired.rows,
        ci_low=low,
        ci_high=high,
    )


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.4g}"


def _md_status(status: str) -> str:
    return f"**{status}**" if status == "failed" else status
