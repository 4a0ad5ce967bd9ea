"""Boundary types of the task workflow: its input, its messages and its query result.

Pure dataclasses (no sqlmodel, no domain imports) so that clients, the web app, the CLI
and the workflow sandbox can all import them cheaply. Everything crossing the boundary
is JSON-safe: dates are ISO strings (``"2026-03-20"``), datetimes aware ISO strings.
Messages accept ``date`` objects too and turn them into ISO strings.

Field names of the messages follow what the callers already send (web/actions.py):
``document_number``/``document_date`` for evidence, ``approved`` for decisions,
``lead`` or ``to_username`` for a reassignment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

# Occurrence statuses as strings (mirror of domain.policy.OccurrenceStatus).
OPEN = "open"
SUBMITTED = "submitted"
DONE = "done"
CANCELLED = "cancelled"


def workflow_id_for(org_code: str, plan_code: str, task_code: str) -> str:
    """The workflow ID of one task: stable across activations.

    Example: ``workflow_id_for("xa-vinh-lap", "kh-2026-12", "2.3")`` is
    ``"dondoc-task/xa-vinh-lap/kh-2026-12/2.3"``.
    """
    parts = [re.sub(r"\s+", "-", str(p).strip()) for p in (org_code, plan_code, task_code)]
    return "dondoc-task/" + "/".join(parts)


def _iso(value: Any) -> Any:
    """ISO string for a date/datetime, the value itself otherwise."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


# --- definition ---------------------------------------------------------------------


@dataclass
class OccurrenceSpec:
    """One dated occurrence of the task (DueDate of domain.deadlines, JSON-safe)."""

    key: str  # "2026-Q1"
    period: str  # "Quý I/2026"
    nominal: str  # ISO date as written
    due: str  # ISO date after the working-day shift
    # As stored (a workflow started again over an existing task resumes from these).
    status: str = OPEN
    extended_due: str | None = None
    lead_username: str | None = None


@dataclass
class ContactsSpec:
    """Usernames of the people the policy may contact (domain.policy.Contacts)."""

    lead: list[str] = field(default_factory=list)
    coordinator: list[str] = field(default_factory=list)
    vice_chairman: list[str] = field(default_factory=list)
    chairman: list[str] = field(default_factory=list)
    # Who decides extension requests: the plan's vice-chairman in charge, else the
    # chairman. None in histories recorded before it existed.
    decider: list[str] | None = None


@dataclass
class TaskDefinition:
    """What the workflow needs to know about its task (result of ``load_definition``)."""

    plan_year: int
    schedule: dict | None  # domain.deadlines.Schedule.to_dict(); None: no deadline
    policy: dict  # domain.policy.Policy.to_dict(); {} = default policy
    contacts: ContactsSpec
    extra_days_off: list[str] = field(default_factory=list)  # ISO dates
    makeup_working_days: list[str] = field(default_factory=list)
    requires_confirmation: bool = True
    repeats_yearly: bool = False
    occurrences: list[OccurrenceSpec] = field(default_factory=list)
    # The working days the workflow may count on, resolved by the activity (ISO dates):
    # weekdays off and working weekend days of the planning window. None in histories
    # recorded before they existed (the workflow then reads the holidays package).
    resolved_days_off: list[str] | None = None
    resolved_weekend_working_days: list[str] | None = None


@dataclass
class OccurrenceSnapshot:
    """The workflow's state of one occurrence, carried over continue-as-new."""

    key: str
    period: str
    nominal: str
    due: str
    extended_due: str | None = None
    status: str = OPEN
    done_keys: list[str] = field(default_factory=list)
    lead: list[str] | None = None  # per-occurrence lead after a reassignment; None = task lead
    submitted_at: str | None = None  # aware ISO datetime of the (last) submission
    submitted_by: str | None = None
    evidence: dict | None = None
    completed_at: str | None = None
    late: bool | None = None  # completion after the effective due date
    pending_extension: dict | None = None  # {"actor", "new_due", "reason", "at"}


@dataclass
class CarriedState:
    """Everything a new run needs from the previous one (continue-as-new)."""

    occurrences: list[OccurrenceSnapshot] = field(default_factory=list)
    expanded_through: int = 0  # last plan year whose occurrences were loaded
    run: int = 0  # how many times the workflow continued as new
    lead_override: list[str] | None = None  # task-level reassignment (survives re-activation)


@dataclass
class TaskWorkflowInput:
    """Input of ``TaskWorkflow.run``: IDs, and optionally the task definition.

    When ``occurrences`` is None the workflow loads the definition from the database
    through the ``load_definition`` activity (the usual case: activation passes IDs
    only). Passing the definition inline is for tests and continue-as-new.
    """

    organisation_id: int
    task_id: int
    workflow_id: str
    plan_id: int | None = None
    organisation_code: str | None = None
    plan_code: str | None = None
    task_code: str | None = None
    revision: str | None = None
    plan_year: int | None = None
    schedule: dict | None = None
    policy: dict | None = None
    contacts: ContactsSpec | None = None
    extra_days_off: list[str] = field(default_factory=list)
    makeup_working_days: list[str] = field(default_factory=list)
    requires_confirmation: bool | None = None
    repeats_yearly: bool | None = None
    occurrences: list[OccurrenceSpec] | None = None
    carried: CarriedState | None = None
    resolved_days_off: list[str] | None = None  # as in TaskDefinition
    resolved_weekend_working_days: list[str] | None = None
    # History events after which the run continues as new at the next period boundary.
    history_limit: int = 2000
    # Repeating schedules: load the next year's occurrences on 1 November. False for
    # runs on shifted dates (simulation), where calendar years mean nothing.
    roll_over: bool = True


# --- messages -------------------------------------------------------------------------


@dataclass
class SubmitCompletion:
    """The owner reports an occurrence done, with evidence (update)."""

    occurrence_key: str
    actor: str
    document_number: str | None = None
    document_date: str | None = None  # ISO date
    link: str | None = None
    note: str = ""
    file: str | None = None  # stored upload path

    def __post_init__(self) -> None:
        self.document_date = _iso(self.document_date)

    def evidence(self) -> dict:
        """The evidence fields that were given."""
        values = {"document_number": self.document_number, "document_date": self.document_date,
                  "link": self.link, "note": self.note, "file": self.file}
        return {k: v for k, v in values.items() if v}


@dataclass
class ReviewCompletion:
    """The coordinator confirms (approved) or rejects a submitted completion (update)."""

    occurrence_key: str
    actor: str
    approved: bool
    reason: str = ""


@dataclass
class RequestExtension:
    """The owner asks for a later due date (update)."""

    occurrence_key: str
    actor: str
    new_due: str  # ISO date
    reason: str = ""

    def __post_init__(self) -> None:
        self.new_due = _iso(self.new_due)


@dataclass
class DecideExtension:
    """The chairman/vice-chairman grants or denies an extension (update).

    ``new_due`` None with ``approved`` grants the date that was asked for.
    """

    occurrence_key: str
    actor: str
    approved: bool
    new_due: str | None = None
    reason: str = ""

    def __post_init__(self) -> None:
        self.new_due = _iso(self.new_due)


@dataclass
class Reassign:
    """The coordinator gives the task to other lead officers (signal).

    ``lead`` (usernames) or ``to_username`` (one username). With ``occurrence_key``
    only that occurrence is reassigned, else the task and every open occurrence.
    """

    actor: str
    lead: list[str] = field(default_factory=list)
    to_username: str | None = None
    occurrence_key: str | None = None
    reason: str = ""

    def new_lead(self) -> list[str]:
        """The usernames that lead from now on."""
        names = list(self.lead) or ([self.to_username] if self.to_username else [])
        return list(dict.fromkeys(n for n in names if n))


@dataclass
class Cancel:
    """Stop chasing the task for good (signal); the workflow completes."""

    actor: str = "system"
    reason: str = ""


# --- results and query ------------------------------------------------------------------


@dataclass
class OccurrenceView:
    """One occurrence as dashboards show it."""

    key: str
    period: str
    nominal: str
    due: str
    extended_due: str | None
    effective_due: str
    status: str
    lead: list[str]
    late: bool | None = None
    submitted_at: str | None = None
    submitted_by: str | None = None
    completed_at: str | None = None
    evidence: dict | None = None
    pending_extension: dict | None = None
    actions_done: int = 0
    next_action_at: str | None = None  # aware ISO datetime of the next chasing action


@dataclass
class TaskStateView:
    """Result of the ``state`` query: the whole task as the workflow sees it."""

    workflow_id: str
    organisation_id: int
    task_id: int
    plan_year: int
    requires_confirmation: bool
    repeats_yearly: bool
    contacts: ContactsSpec
    cancelled: bool
    occurrences: list[OccurrenceView]
    next_wakeup: str | None  # aware ISO datetime
    expanded_through: int
    run: int


# --- the reporting cycle: progress updates -----------------------------------------------

PROGRESS_SUFFIX = ".progress"  # domain.reporting.progress_key: "2026-Q1" -> "2026-Q1.progress"
PROGRESS_STATUSES = ("not_started", "in_progress", "done", "blocked")  # domain.vocabulary.ProgressStatus


def is_progress_key(occurrence_key: str) -> bool:
    """True for the key of a period's progress-update occurrence."""
    return occurrence_key.endswith(PROGRESS_SUFFIX)


@dataclass
class SubmitProgress:
    """The lead officer's progress update of one reporting period (update).

    ``period_key`` is the period ("2026-Q1"); ``status`` one of PROGRESS_STATUSES;
    ``result`` what was done; ``figures`` optional numbers; evidence optional.
    """

    period_key: str
    actor: str
    status: str
    result: str
    figures: dict = field(default_factory=dict)
    document_number: str | None = None
    document_date: str | None = None  # ISO date
    link: str | None = None
    file: str | None = None  # stored upload path
    file_name: str | None = None

    def __post_init__(self) -> None:
        self.document_date = _iso(self.document_date)

    @property
    def occurrence_key(self) -> str:
        return self.period_key + PROGRESS_SUFFIX

    def evidence(self) -> dict:
        """The evidence fields that were given."""
        values = {"document_number": self.document_number, "document_date": self.document_date,
                  "link": self.link, "file": self.file, "file_name": self.file_name}
        return {k: v for k, v in values.items() if v}


@dataclass
class ReviewProgress:
    """The coordinator accepts a progress update or returns it with a reason (update)."""

    period_key: str
    actor: str
    accepted: bool
    reason: str = ""

    @property
    def occurrence_key(self) -> str:
        return self.period_key + PROGRESS_SUFFIX
