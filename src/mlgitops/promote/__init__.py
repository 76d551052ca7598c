"""Promotion: a passing candidate becomes a pull request that changes `production.yaml`."""

from .body import BodyInputs, render_body
from .candidate import Candidate, load_candidate
from .promotion import PromotionResult, StatusCheck, branch_name, promote

__all__ = [
    "BodyInputs",
    "Candidate",
    "PromotionResult",
    "StatusCheck",
    "branch_name",
    "load_candidate",
    "promote",
    "render_body",
]
