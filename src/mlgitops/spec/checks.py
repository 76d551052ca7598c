"""Checks that other parts of the engine add to loading (run by `validate` and `run`)."""

from __future__ import annotations

from .load import ProjectCheck


def project_checks() -> list[ProjectCheck]:
    """Every extra check; policy rule compilation is added here by the policy engine."""
    # imported here: loading the spec must not import the policy engine
    from ..policy.memo import remembered_policy_check

    return [remembered_policy_check]
