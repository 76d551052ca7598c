"""The files `mlgitops init` writes: a small project that validates and trains as it is.

Templates live beside this module; the example data is generated here,
deterministically, so every `init` writes the same bytes.
"""

from __future__ import annotations

import math
import random
import re
from importlib import resources

from .. import __version__

EXAMPLE_ROWS = 600
_SEED = 20261127


def _template(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def project_name(directory_name: str) -> str:
    """A spec-friendly project name from the repository's directory name."""
    name = re.sub(r"[^a-z0-9_-]+", "-", directory_name.lower()).strip("-_")
    return name[:63] or "my-project"


def scaffold_files(project: str) -> dict[str, str]:
    """Repository-relative path -> text of every file the scaffold writes (schemas aside)."""
    return {
        "mlops.yaml": _template("mlops.yaml")
        .replace("{project}", project)
        .replace("{version}", __version__),
        "pipelines/churn.yaml": _template("pipeline.yaml"),
        "policies/production.yaml": _template("policy.yaml"),
        "data/customers.csv": example_csv(),
        "models/.gitkeep": "",
    }


# What `mlgitops run` keeps for itself (caches, scratch files): never committed.
GITIGNORE = ".gitignore"
IGNORED = ".mlgitops/"


def gitignore_text(existing: str | None) -> str | None:
    """The .gitignore with mlgitops' line added, or None when it is there already."""
    if existing is None:
        return f"# mlgitops' caches and scratch files\n{IGNORED}\n"
    lines = {line.strip() for line in existing.splitlines()}
    if {IGNORED, IGNORED.rstrip("/"), "/" + IGNORED, "/" + IGNORED.rstrip("/")} & lines:
        return None
    return existing + ("" if not existing or existing.endswith("\n") else "\n") + f"{IGNORED}\n"


def example_csv(rows: int = EXAMPLE_ROWS, seed: int = _SEED) -> str:
    """Customers who churn more on short tenures, monthly contracts and high bills."""
    rng = random.Random(seed)
    lines = ["customer_id,tenure_months,monthly_charges,contract,churned"]
    for n in range(1, rows + 1):
        contract = rng.choices(["month-to-month", "one-year", "two-year"], weights=[55, 25, 20])[0]
        tenure = min(
            72, int(rng.gammavariate(1.6, 18.0)) + (0 if contract == "month-to-month" else 12)
        )
        monthly = round(min(118.75, max(18.25, rng.gauss(65, 28))), 2)
        logit = (
            -0.6
            + 1.4 * (contract == "month-to-month")
            - 0.9 * (contract == "two-year")
            - 0.05 * tenure
            + 0.02 * (monthly - 65)
        )
        churned = rng.random() < 1 / (1 + math.exp(-logit))
        lines.append(f"C{n:05d},{tenure},{monthly:.2f},{contract},{str(churned).lower()}")
    return "\n".join(lines) + "\n"
