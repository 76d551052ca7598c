"""What drift detection found, and the ways it is shown: a terminal table, Markdown
(step summary and promotion pull request), JSON and policy evidence.

Features are listed by severity: how far each statistic is past its threshold
(1.0 at the threshold), worst first.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ..text import capped, md
from .accumulate import Histogram

if TYPE_CHECKING:
    from rich.table import Table

    from ..evidence import DriftEvidence

Kind = Literal["numeric", "categorical"]


@dataclass(frozen=True)
class FeatureDrift:
    feature: str
    kind: Kind
    method: str
    test: Literal["distance", "p_value"]
    statistic: float | None  # None when there was nothing to compare
    threshold: float
    drifted: bool
    severity: float
    reference: dict[str, Any]  # summary: rows, null_fraction, mean/std/min/max or top categories
    current: dict[str, Any]
    details: dict[str, float] = field(default_factory=dict)
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "kind": self.kind,
            "method": self.method,
            "test": self.test,
            "statistic": _clean(self.statistic),
            "threshold": self.threshold,
            "drifted": self.drifted,
            "severity": _clean(self.severity),
            "details": {k: _clean(v) for k, v in self.details.items()},
            "reference": self.reference,
            "current": self.current,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeatureDrift:
        severity = data["severity"]
        return cls(
            feature=data["feature"],
            kind=data["kind"],
            method=data["method"],
            test=data["test"],
            statistic=data["statistic"],
            threshold=data["threshold"],
            drifted=data["drifted"],
            severity=math.inf if severity is None else severity,  # inf is written as null
            reference=dict(data["reference"]),
            current=dict(data["current"]),
            details={k: v for k, v in data.get("details", {}).items() if v is not None},
            note=data.get("note"),
        )


@dataclass
class DriftReport:
    features: list[FeatureDrift]  # worst first
    prediction: FeatureDrift | None  # drift of the model's scores; None when not computed
    prediction_note: str | None  # why prediction drift was not computed
    drift_share: float  # share of features that drifted
    drift_share_threshold: float  # the dataset drifts when drift_share reaches this
    method: str  # as the spec asked (auto, psi, …)
    rows: int  # current rows read
    reference_rows: int
    seconds: float
    current_histograms: dict[str, Histogram] = field(default_factory=dict, repr=False)
    model: str | None = None
    version: int | None = None
    source: str | None = None  # where the current data came from
    notes: list[str] = field(default_factory=list)

    @property
    def dataset_drifted(self) -> bool:
        return bool(self.features) and self.drift_share >= self.drift_share_threshold

    @property
    def drifted_features(self) -> list[str]:
        return [f.feature for f in self.features if f.drifted]

    # --- JSON and evidence -------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": "drift" if self.dataset_drifted else "no-drift",
            "model": self.model,
            "version": self.version,
            "source": self.source,
            "dataset_drifted": self.dataset_drifted,
            "drift_share": self.drift_share,
            "drift_share_threshold": self.drift_share_threshold,
            "drifted_features": self.drifted_features,
            "features_checked": len(self.features),
            "method": self.method,
            "rows": self.rows,
            "reference_rows": self.reference_rows,
            "seconds": round(self.seconds, 3),
            "features": [f.to_dict() for f in self.features],
            "prediction": (
                {"computed": True, **self.prediction.to_dict()}
                if self.prediction
                else {"computed": False, "reason": self.prediction_note}
            ),
            "notes": list(self.notes),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DriftReport:
        """A report read back from `to_dict` (e.g. `.mlgitops/drift/MODEL.json`), without histograms.

        Raises ValueError for a run whose current data failed validation: it has no drift report.
        """
        if data.get("status") not in ("drift", "no-drift"):
            raise ValueError(f"not a drift report (status {data.get('status')!r})")
        prediction = data.get("prediction") or {}
        return cls(
            features=[FeatureDrift.from_dict(f) for f in data["features"]],
            prediction=FeatureDrift.from_dict(prediction) if prediction.get("computed") else None,
            prediction_note=None if prediction.get("computed") else prediction.get("reason"),
            drift_share=data["drift_share"],
            drift_share_threshold=data["drift_share_threshold"],
            method=data["method"],
            rows=data["rows"],
            reference_rows=data["reference_rows"],
            seconds=data.get("seconds", 0.0),
            model=data.get("model"),
            version=data.get("version"),
            source=data.get("source"),
            notes=list(data.get("notes", [])),
        )

    def to_evidence(self) -> DriftEvidence:
        from ..evidence import DriftEvidence, DriftFeatureEvidence

        return DriftEvidence(
            dataset_drifted=self.dataset_drifted,
            drift_share=self.drift_share,
            drifted_features=self.drifted_features,
            features=[
                DriftFeatureEvidence(
                    feature=f.feature,
                    method=f.method,
                    statistic=float(f"{f.statistic:.6g}"),  # as in the JSON report
                    threshold=f.threshold,
                    drifted=f.drifted,
                )
                for f in self.features
                if f.statistic is not None
            ],
        )

    # --- text ------------------------------------------------------------------------

    def headline(self) -> str:
        drifted, total = len(self.drifted_features), len(self.features)
        verdict = "DATASET DRIFT" if self.dataset_drifted else "no dataset drift"
        return (
            f"{verdict}: {drifted} of {total} feature{'s' if total != 1 else ''} drifted "
            f"({self.drift_share:.0%}; the dataset drifts at {self.drift_share_threshold:.0%})"
        )

    def prediction_line(self) -> str:
        if self.prediction is None:
            return f"Prediction drift: not computed ({self.prediction_note or 'no scorer'})."
        p = self.prediction
        verdict = "drifted" if p.drifted else "no drift"
        return f"Prediction drift: {verdict} ({p.method} {format_statistic(p)}; threshold {format_threshold(p)})."

    def subject(self) -> str:
        model = self.model or "model"
        version = f" v{self.version}" if self.version is not None else ""
        source = f" vs {self.source}" if self.source else ""
        return f"{model}{version}{source}"

    def to_markdown(self) -> str:
        lines = [
            f"### Drift: {_md(self.subject())}",
            "",
            f"**{_md(self.headline())}** — {self.rows:,} current rows against a "
            f"{self.reference_rows:,}-row reference profile.",
            "",
            _md(self.prediction_line()),
            "",
        ]
        lines += [
            "| feature | method | statistic | threshold | verdict | reference | current |",
            "|---|---|---:|---:|---|---|---|",
        ]
        for f in self.features:
            verdict = "**drifted**" if f.drifted else "ok"
            lines.append(
                f"| {md(f.feature)} | {f.method} | {format_statistic(f)} | {format_threshold(f)} "
                f"| {verdict} | {_md(summary_text(f.reference, f.kind))} "
                f"| {_md(summary_text(f.current, f.kind))} |"
            )
        notes = [f"{f.feature}: {f.note}" for f in self.features if f.note] + self.notes
        if notes:
            lines += ["", *(f"- {md(n, limit=1000)}" for n in notes)]
        lines += [
            "",
            "<sub>Distances (psi, wasserstein, jensenshannon) drift at or above the threshold; "
            "p-values (ks, chi2) drift below it.</sub>",
        ]
        return "\n".join(lines) + "\n"

    def to_table(self) -> Table:
        from rich.table import Table
        from rich.text import Text

        table = Table(
            # a glob in the source may hold [...]: titles are text, never markup
            title=Text(f"Drift: {self.subject()}"),
            caption=Text(f"{self.headline()}\n{self.prediction_line()}"),
        )
        table.add_column("feature", no_wrap=True)
        table.add_column("method", no_wrap=True)
        table.add_column("statistic\nthreshold", justify="right", no_wrap=True)
        table.add_column("verdict", no_wrap=True)
        # both sides in one column, a line each: readable in an 80-column terminal
        table.add_column("reference\ncurrent")
        for f in self.features:
            verdict = Text("DRIFT", style="bold red") if f.drifted else Text("ok", style="green")
            table.add_row(
                Text(f.feature),  # the user's column name, never markup
                f.method,
                f"{format_statistic(f)}\n{format_threshold(f)}",
                verdict,
                Text(
                    f"{summary_text(f.reference, f.kind, short=True)}\n"
                    f"{summary_text(f.current, f.kind, short=True)}"
                ),
            )
        return table


def format_statistic(f: FeatureDrift) -> str:
    if f.statistic is None:
        return "–"
    if f.test == "p_value":
        # below 0.001 the exact value (5.755e-146) says nothing more to a reader; JSON keeps it
        return "p<0.001" if f.statistic < 1e-3 else f"p={f.statistic:.3f}"
    return f"{f.statistic:.4f}" if f.statistic < 100 else f"{f.statistic:.3g}"


def format_threshold(f: FeatureDrift) -> str:
    return f"p<{f.threshold:g}" if f.test == "p_value" else f"{f.threshold:g}"


def summary_text(summary: dict[str, Any], kind: Kind, *, short: bool = False) -> str:
    """Mean ± std, or the most frequent categories, and the null share."""
    if not summary.get("values"):
        return "no values"
    nulls = summary.get("null_fraction", 0.0)
    missing = f", {nulls:.1%} null" if nulls else ""
    if kind == "numeric":
        return f"{'' if short else 'mean '}{_g(summary['mean'])} ± {_g(summary['std'])}{missing}"
    top = summary.get("top", [])[: 2 if short else None]
    return ", ".join(f"{capped(name)} {share:.0%}" for name, share in top) + missing


def _g(value: float | None) -> str:
    if value is None:
        return "–"
    if 1e4 <= abs(value) < 1e12:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def _md(text: str) -> str:
    # each data value in `text` is capped where it is written (summary_text)
    return md(text, limit=None)


def _clean(value: float | None) -> float | None:
    if value is None or value != value or value in (float("inf"), float("-inf")):
        return None
    return float(f"{value:.6g}")
