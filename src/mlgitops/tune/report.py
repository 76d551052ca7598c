"""The search as a reviewer reads it: the top trials, the chosen parameters against
production's, and the score by trial as a Mermaid chart (GitHub draws it; no hosting).
"""

from __future__ import annotations

import json
from typing import Any

from ..evidence import TrialEvidence, TuningEvidence

TOP_TRIALS = 5
MAX_CHART_TRIALS = 60  # a longer search is charted by its first trials and said so


def tuning_markdown(
    tuning: TuningEvidence, production_params: dict[str, Any] | None, *, level: int = 2
) -> str:
    heading = "#" * level
    lines = [f"{heading} Tuning: {tuning.strategy}, {tuning.metric}", "", _summary(tuning), ""]
    if tuning.cut_short:
        lines += [
            f"> **Warning:** the {tuning.timeout_minutes:g}-minute timeout stopped the search "
            f"after {tuning.trials_run} of {tuning.trials_planned} trials; another run may try "
            "other parameters and choose differently.",
            "",
        ]
    lines += [*_chosen_table(tuning, production_params), ""]
    lines += [*_top_trials(tuning), ""]
    lines += _chart(tuning)
    return "\n".join(lines).rstrip() + "\n"


def _summary(tuning: TuningEvidence) -> str:
    folds = {"stratified": "stratified", "kfold": "shuffled", "time": "time-ordered"}[
        tuning.cv_kind
    ]
    direction = "higher" if tuning.higher_is_better else "lower"
    return (
        f"{tuning.trials_run} of {tuning.trials_planned} trials, {tuning.cv} {folds} folds "
        f"on the training rows, seed {tuning.seed}, on {tuning.backend}; best "
        f"{tuning.metric} {_score(tuning.best_score)} ({direction} is better), "
        f"{tuning.seconds:.1f} s."
    )


def _chosen_table(tuning: TuningEvidence, production: dict[str, Any] | None) -> list[str]:
    lines = ["| parameter | chosen | production |", "|---|---|---|"]
    for name, value in sorted(tuning.best_params.items()):
        before = "—" if production is None or name not in production else _code(production[name])
        lines.append(f"| {_code(name)} | {_code(value)} | {before} |")
    return lines


def _top_trials(tuning: TuningEvidence) -> list[str]:
    scored = [t for t in _final_round(tuning) if t.mean is not None]
    sign = -1.0 if tuning.higher_is_better else 1.0
    top = sorted(scored, key=lambda t: (sign * (t.mean or 0.0), t.number))[:TOP_TRIALS]
    failed = sum(1 for t in tuning.trials if t.mean is None)
    lines = [
        f"Top {len(top)} trials" + (f" ({failed} failed)" if failed else "") + ":",
        "",
        f"| trial | {tuning.metric} (mean ± sd) | seconds | parameters |",
        "|---:|---|---:|---|",
    ]
    for trial in top:
        params = ", ".join(f"{k}={_plain(v)}" for k, v in sorted(trial.params.items()))
        lines.append(
            f"| {trial.number} | {_score(trial.mean)} ± {_score(trial.std)} | "
            f"{trial.seconds:.2f} | {_code_text(params)} |"
        )
    return lines


def _chart(tuning: TuningEvidence) -> list[str]:
    """Per-trial score (bars) and the best so far (line), for the trials of the final round."""
    scored = [t for t in _final_round(tuning) if t.mean is not None]
    scored.sort(key=lambda t: t.number)
    shown = scored[:MAX_CHART_TRIALS]
    if len(shown) < 2:
        return []
    values = [t.mean or 0.0 for t in shown]
    best: list[float] = []
    for value in values:
        if not best:
            best.append(value)
        else:
            pick = max if tuning.higher_is_better else min
            best.append(pick(best[-1], value))
    low, high = min(values), max(values)
    pad = (high - low) * 0.1 or abs(high) * 0.01 or 0.01
    axis = ", ".join(str(t.number) for t in shown)
    lines = [
        "```mermaid",
        "xychart-beta",
        f'    title "{tuning.metric} by trial"',
        f'    x-axis "trial" [{axis}]',
        f'    y-axis "{tuning.metric}" {_score(low - pad)} --> {_score(high + pad)}',
        f"    bar [{', '.join(_score(v) for v in values)}]",
        f"    line [{', '.join(_score(v) for v in best)}]",
        "```",
    ]
    if len(scored) > len(shown):
        lines.append(f"The chart shows the first {len(shown)} of {len(scored)} scored trials.")
    return lines


def _final_round(tuning: TuningEvidence) -> list[TrialEvidence]:
    """Halving re-scores survivors on more rows; only the last score of each trial counts."""
    latest: dict[int, TrialEvidence] = {}
    for trial in tuning.trials:
        kept = latest.get(trial.number)
        if kept is None or (trial.iteration or 0) >= (kept.iteration or 0):
            latest[trial.number] = trial
    return list(latest.values())


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


def _plain(value: Any) -> str:
    return json.dumps(value) if isinstance(value, str | bool) or value is None else f"{value:g}"


def _code(value: Any) -> str:
    return _code_text(_plain(value) if not isinstance(value, str) else value)


def _code_text(text: str) -> str:
    """A Markdown code span that no backtick, pipe or newline in the value can break out of."""
    cleaned = " ".join(text.split()).replace("|", "\\|")[:200]
    fence = "``" if "`" in cleaned else "`"
    return f"{fence} {cleaned} {fence}" if fence == "``" else f"`{cleaned}`"
