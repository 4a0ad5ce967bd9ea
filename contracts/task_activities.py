"""Inputs and results of the task activities: pure dataclasses carrying IDs and strings.

Kept apart from the activity implementations so the workflow sandbox reads them
without the database layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from contracts.task_workflow import ContactsSpec, OccurrenceSpec


@dataclass
class LoadDefinitionInput:
    organisation_id: int
    task_id: int


@dataclass
class ActionSpec:
    """One chasing action decided by the policy (domain.policy.Action, JSON-safe)."""

    key: str  # stable action key, unique within the task
    kind: str  # reminder, due, overdue, escalation
    level: int
    recipients: list[str]
    audience: list[str]
    occurrence_key: str
    period: str
    due: str  # ISO date (effective due)
    scheduled_at: str  # aware ISO datetime
    roles: dict[str, list[str]] = field(default_factory=dict)  # username -> contact fields


@dataclass
class RecordActionsInput:
    organisation_id: int
    task_id: int
    workflow_id: str
    actions: list[ActionSpec]


@dataclass
class OccurrenceChange:
    """New values of one occurrence row; None leaves a field as it is."""

    occurrence_key: str
    status: str | None = None
    extended_due: str | None = None
    lead_username: str | None = None
    completed_at: str | None = None  # aware ISO datetime
    evidence: dict | None = None
    clear_completion: bool = False  # a rejected completion: forget completed_at/evidence


@dataclass
class RecordEventInput:
    """One audit event, optionally changing an occurrence and notifying people.

    Idempotent by ``idempotency_key``: a retry finds the event and does nothing more.
    """

    organisation_id: int
    task_id: int
    idempotency_key: str
    kind: str  # completion_submitted, completion_confirmed, completion_rejected, ...
    actor: str
    at: str  # aware ISO datetime (workflow time)
    occurrence_key: str | None = None
    data: dict = field(default_factory=dict)
    change: OccurrenceChange | None = None
    notify: list[str] = field(default_factory=list)  # usernames
    notify_roles: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class SetOccurrenceStatusInput:
    organisation_id: int
    task_id: int
    changes: list[OccurrenceChange]


@dataclass
class SyncOccurrencesInput:
    """Make sure the task's occurrences of ``year`` exist (year roll-over)."""

    organisation_id: int
    task_id: int
    year: int


@dataclass
class YearOccurrences:
    year: int
    occurrences: list[OccurrenceSpec]
    extra_days_off: list[str]
    makeup_working_days: list[str]
    # Resolved working-day exceptions of (year - 1) .. (year + 1): see TaskDefinition.
    resolved_days_off: list[str] | None = None
    resolved_weekend_working_days: list[str] | None = None
    resolved_from: str | None = None  # ISO date: first day the lists above cover


__all__ = [
    "ActionSpec",
    "ContactsSpec",
    "LoadDefinitionInput",
    "OccurrenceChange",
    "OccurrenceSpec",
    "RecordActionsInput",
    "RecordEventInput",
    "SetOccurrenceStatusInput",
    "SyncOccurrencesInput",
    "YearOccurrences",
]


@dataclass
class RecordProgressInput:
    """A progress update (``progress``: a new ProgressUpdate row) or its review
    (``review``: accepted/returned of the newest pending row), with its event."""

    event: RecordEventInput
    period_key: str
    progress: dict | None = None  # status, result, figures, evidence, late, review_status
    review: dict | None = None  # review_status, reason
