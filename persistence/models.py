"""Database tables of dondoc (SQLModel).

Every row belongs to an organisation so one deployment can serve several communes.
JSON columns hold lists and small documents that are read whole (aliases, evidence,
a parsed deadline schedule, a notification's template context).
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, Session, SQLModel

# One vocabulary (domain.vocabulary), re-exported for the tables that store it.
from domain.vocabulary import Delivery, OccurrenceKind, OccurrenceStatus, Role  # noqa: F401


def utcnow() -> datetime:
    """Timezone-aware now in UTC (DB timestamps are stored in UTC)."""
    return datetime.now(UTC)


class _Stored(Protocol):
    @property
    def id(self) -> int | None: ...


def stored_id(row: _Stored) -> int:
    """The id of a row read from the database (or flushed): the one place that says it is set."""
    if row.id is None:
        raise ValueError(f"Bản ghi {type(row).__name__} chưa được lưu vào cơ sở dữ liệu nên chưa có mã (id).")
    return row.id


_Row = TypeVar("_Row", bound=SQLModel)


def stored_row(session: Session, model: type[_Row], row_id: int) -> _Row:
    """The row ``row_id`` of ``model``, which must exist (a foreign key names it, or this run stored it)."""
    row = session.get(model, row_id)
    if row is None:
        raise LookupError(f"Không tìm thấy bản ghi {model.__name__} có mã {row_id} trong cơ sở dữ liệu.")
    return row




class PlanStatus(str, enum.Enum):
    DRAFT = "draft"
    ACTIVE = "active"
    CANCELLED = "cancelled"


class TaskStatus(str, enum.Enum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


class NotificationStatus(str, enum.Enum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after too many attempts; kept for the operator
    SKIPPED = "skipped"  # not sent: the occurrence it chased was closed or its due date moved (skip_reason)


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(index=True, unique=True)  # slug, e.g. "xa-vinh-lap"
    name: str  # "UBND xã Vĩnh Lập"
    level: str = "xã"  # xã / huyện / tỉnh
    parent_id: int | None = Field(default=None, foreign_key="organisation.id")
    timezone: str = "Asia/Ho_Chi_Minh"
    extra_days_off: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    makeup_working_days: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    # domain.reporting.ReportingRules.to_dict() from the file's "reporting:" section ({} = defaults).
    reporting: dict = Field(default_factory=dict, sa_column=Column(JSON))


class Unit(SQLModel, table=True):
    """An officer position or a department ("Công chức Văn phòng - Thống kê")."""

    __table_args__ = (UniqueConstraint("organisation_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    code: str
    name: str
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON))


class OfficerUnit(SQLModel, table=True):
    officer_id: int = Field(foreign_key="officer.id", primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True)


class Officer(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("organisation_id", "username"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    username: str
    full_name: str
    email: str
    title: str | None = None  # "Phó Chủ tịch UBND xã"
    role: Role = Role.OFFICER
    delivery: Delivery = Delivery.IMMEDIATE
    password_hash: str | None = None
    ical_token: str | None = Field(default=None, index=True)
    active: bool = True


class Plan(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    code: str  # slug used in workflow IDs, e.g. "kh-2026-12"
    number: str | None = None  # "12/KH-UBND"
    title: str
    issuer: str
    place: str | None = None
    issued_on: date | None = None
    year: int
    source_year: int | None = None  # the year the document was written for, when re-based
    signer: str | None = None
    signer_role: str | None = None
    standing_unit_id: int | None = Field(default=None, foreign_key="unit.id")
    vice_chairman_id: int | None = Field(default=None, foreign_key="officer.id")
    requires_confirmation: bool = True
    policy: dict = Field(default_factory=dict, sa_column=Column(JSON))  # domain.policy.Policy.to_dict()
    status: PlanStatus = PlanStatus.DRAFT
    source_file: str | None = None
    created_at: datetime = Field(default_factory=utcnow)


class Task(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("plan_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    code: str  # "2.3", "PL-07"
    area: str  # reform-area key: chi_dao, the_che, tthc, to_chuc, cong_vu, tai_chinh, so_hoa, tuyen_truyen, khac
    area_label: str | None = None
    title: str
    text: str = ""
    lead_units: list[str] = Field(default_factory=list, sa_column=Column(JSON))  # unit codes (or names as written if unknown)
    coordinating_units: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    deadline_text: str | None = None
    deadline_schedule: dict | None = Field(default=None, sa_column=Column(JSON))  # Schedule.to_dict()
    product: str | None = None
    source_line_start: int | None = None
    source_line_end: int | None = None
    status: TaskStatus = TaskStatus.ACTIVE
    workflow_id: str | None = Field(default=None, index=True)
    revision: str | None = None  # hash of the reviewed content; a change triggers an update


class Occurrence(SQLModel, table=True):
    """One period of a task: Quý I/2026, the one-off deadline, ..."""

    __table_args__ = (UniqueConstraint("task_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    key: str  # DueDate.key
    period: str
    nominal: date
    due: date
    extended_due: date | None = None
    status: OccurrenceStatus = Field(default=OccurrenceStatus.OPEN, index=True)
    # "deadline": a due date of the task itself; "progress": the progress update of one
    # reporting period (every open task reports on every period, dated or not).
    kind: str = Field(default="deadline", index=True)
    lead_username: str | None = None  # after a reassignment
    completed_at: datetime | None = None
    evidence: dict | None = Field(default=None, sa_column=Column(JSON))
    last_action_key: str | None = None
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def effective_due(self) -> date:
        return self.extended_due or self.due


class Event(SQLModel, table=True):
    """Append-only audit log; idempotency_key makes activity retries harmless."""

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    task_id: int | None = Field(default=None, foreign_key="task.id", index=True)
    occurrence_id: int | None = Field(default=None, foreign_key="occurrence.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    kind: str  # reminder, due, overdue, escalation, completion_submitted, completion_confirmed, ...
    actor: str | None = None  # username, "system"
    data: dict = Field(default_factory=dict, sa_column=Column(JSON))
    idempotency_key: str = Field(unique=True)


class Notification(SQLModel, table=True):
    """Outbox row: one message for one recipient; the dispatcher sends and marks it."""

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    idempotency_key: str = Field(unique=True)  # f"{action key}:{username}"
    task_id: int | None = Field(default=None, foreign_key="task.id", index=True)
    occurrence_id: int | None = Field(default=None, foreign_key="occurrence.id")
    recipient_id: int | None = Field(default=None, foreign_key="officer.id", index=True)
    recipient_email: str
    recipient_name: str | None = None
    kind: str  # template name: reminder, due, overdue, escalation, completion_confirmed, ...
    level: int = 0
    context: dict = Field(default_factory=dict, sa_column=Column(JSON))  # template variables
    created_at: datetime = Field(default_factory=utcnow)
    not_before: datetime | None = None
    status: NotificationStatus = Field(default=NotificationStatus.PENDING, index=True)
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    message_id: str | None = None
    sent_at: datetime | None = None
    skip_reason: str | None = None  # why a SKIPPED row was not sent (Vietnamese, shown to users)


class ProgressUpdate(SQLModel, table=True):
    """An officer's progress report on one task for one reporting period (kết quả thực hiện).

    Several rows may exist for one period (returned, then resubmitted); the newest one
    is the period's report. ``review_status`` is pending until the coordinator accepts
    or returns it.
    """

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    occurrence_id: int | None = Field(default=None, foreign_key="occurrence.id", index=True)
    period_key: str = Field(index=True)  # reporting period: "2026-Q1", "2026-H1", "2026-Q3", "2026-Y"
    status: str  # progress status: not_started / in_progress / done / blocked
    result: str = ""  # what was done (Vietnamese free text)
    figures: dict = Field(default_factory=dict, sa_column=Column(JSON))  # optional numbers, e.g. {"hồ sơ": 120}
    evidence: dict | None = Field(default=None, sa_column=Column(JSON))  # document_number, document_date, link, file, file_name
    submitted_by: str
    submitted_at: datetime = Field(default_factory=utcnow)
    review_status: str = Field(default="pending", index=True)  # pending / accepted / returned
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    review_reason: str | None = None
    idempotency_key: str = Field(unique=True)


class Indicator(SQLModel, table=True):
    """A numeric target of a plan (chỉ tiêu, "tối thiểu 50% hồ sơ trực tuyến"), tracked per period.

    ``comparator``/``target_value``/``unit`` are parsed from ``text`` when it states a
    number (see domain.indicators); a target without a number is judged reached or not.
    """

    __table_args__ = (UniqueConstraint("plan_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    code: str  # "CT-01", "CT-03b"
    text: str
    area: str | None = None
    owner_unit: str | None = None  # unit code (or name as written)
    comparator: str | None = None  # ">=", ">", "<=", "<", "="
    target_value: float | None = None
    unit: str | None = None  # "%", "tỷ đồng", "hồ sơ"
    source_line_start: int | None = None
    active: bool = True


class IndicatorValue(SQLModel, table=True):
    """The actual value of an indicator reported for one period, with its evidence."""

    __table_args__ = (UniqueConstraint("indicator_id", "period_key"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    indicator_id: int = Field(foreign_key="indicator.id", index=True)
    period_key: str = Field(index=True)
    value: float | None = None
    achieved: bool | None = None  # for a target without a number
    note: str = ""
    evidence: dict | None = Field(default=None, sa_column=Column(JSON))
    reported_by: str
    reported_at: datetime = Field(default_factory=utcnow)


class WebSession(SQLModel, table=True):
    """A dashboard login, checked on each request so that it can be ended server-side.

    ``fingerprint`` is derived from the officer's password hash, role, organisation and
    active flag: changing any of them ends every session of that officer.
    """

    __tablename__ = "web_session"
    id: str = Field(primary_key=True)  # random; the signed cookie carries it
    officer_id: int = Field(foreign_key="officer.id", index=True)
    fingerprint: str
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None


def bucketed() -> Any:
    """domain.status's bucket rule as a SQL condition on ``Occurrence`` (deadlines only)."""
    from domain.status import BUCKET_KIND

    return Occurrence.kind == BUCKET_KIND
