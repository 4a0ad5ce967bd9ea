"""Inputs and results of the indicator chase (workflows.indicators, activities.indicator_activities).

Pure dataclasses carrying IDs and strings, readable by the workflow sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass


def indicator_chase_id(organisation_code: str, plan_code: str) -> str:
    """The workflow ID of a plan's indicator chase: one per plan."""
    return f"indicators/{organisation_code}/{plan_code}"


@dataclass
class IndicatorChaseInput:
    organisation_id: int
    plan_id: int
    workflow_id: str
    wakeups: int = 0  # wake-ups of the runs before this one (continue-as-new)


@dataclass
class ChaseIndicatorsInput:
    organisation_id: int
    plan_id: int
    now: str  # aware ISO datetime: the workflow's clock, so a replay or a skipped clock decides alike


@dataclass
class ChaseIndicatorsResult:
    active: bool  # False: the plan is no longer followed (cancelled, replaced): the chase ends
    recorded: int = 0  # chasing actions recorded by this call
    unreported: int = 0  # indicator values still expected for the periods chased
    next_wakeup: str | None = None  # aware ISO datetime of the next step due, if any


@dataclass
class IndicatorChaseView:
    """What the ``state`` query answers (the dashboard and tests read it)."""

    wakeups: int
    last_checked: str | None
    unreported: int
    next_wakeup: str | None
