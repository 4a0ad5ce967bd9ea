"""The JSON API's response models: the schemas of ``/api/openapi.json``.

Laid out as in the FastAPI full-stack template: a ``...Base`` holds the fields shared by
several answers, a ``...Public`` is what one endpoint returns, a plural ``...sPublic``
wraps a list. The handlers still build plain dicts (the read models' ``json()`` and
``to_dict()``); FastAPI validates them against these models, so a field added to a
dict without its model is dropped, and the API tests notice. Field names and values are
the JSON the clients have always received.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# --- shared pieces ---------------------------------------------------------------------------


class UnitRef(BaseModel):
    code: str = Field(description="Mã cơ quan, đơn vị")
    name: str


class OfficerRef(BaseModel):
    username: str
    full_name: str | None = None


class LabelPublic(BaseModel):
    """A key and its Vietnamese label (a bucket, a reporting state)."""

    key: str
    label: str


class CountsBase(BaseModel):
    """The four status buckets, the reports awaiting confirmation, and their total."""

    done_on_time: int = Field(description="Hoàn thành đúng hạn")
    done_late: int = Field(description="Hoàn thành quá hạn")
    on_track: int = Field(description="Đang thực hiện, trong hạn")
    overdue: int = Field(description="Quá hạn chưa hoàn thành")
    awaiting_confirmation: int = Field(description="Đã báo cáo, chờ xác nhận")
    total: int


class CountsPublic(CountsBase):
    pass


class UnitCountsPublic(CountsBase, UnitRef):
    pass


class AreaCountsPublic(CountsBase):
    area: str


class OkPublic(BaseModel):
    ok: bool


# --- people ----------------------------------------------------------------------------------


class UserBase(BaseModel):
    username: str
    full_name: str | None = None
    role: str = Field(description="chairman | vice_chairman | coordinator | officer | province ...")


class UserPublic(UserBase):
    role_label: str
    organisation_id: int
    organisation: str
    units: list[str]
    csrf_token: str


class LoginUserPublic(UserBase):
    organisation: str


class LoginPublic(BaseModel):
    csrf_token: str = Field(description="Gửi lại trong tiêu đề X-CSRF-Token của mọi lệnh thay đổi dữ liệu")
    user: LoginUserPublic


# --- occurrences and tasks -------------------------------------------------------------------


class OccurrenceRowPublic(BaseModel):
    """One deadline of a task (an occurrence), classified for today."""

    task_id: int
    task_code: str
    title: str
    plan: str
    area: str | None = None
    area_label: str | None = None
    lead_units: list[UnitRef]
    occurrence: str = Field(description="Khoá của kỳ, vd. 2026-Q1")
    period: str | None = None
    due: date
    extended_due: date | None = None
    effective_due: date
    status: str
    completed_on: date | None = None
    bucket: str | None = None
    bucket_label: str | None = None
    days_overdue: int
    lead_username: str | None = None


class OccurrenceRowsPublic(BaseModel):
    items: list[OccurrenceRowPublic]


class OccurrencePagePublic(OccurrenceRowsPublic):
    model_config = ConfigDict(extra="forbid")  # tells it apart from PeriodTasksPublic

    total: int


class OverviewPublic(BaseModel):
    today: date
    buckets: list[LabelPublic]
    counts: CountsPublic
    by_unit: list[UnitCountsPublic]
    by_area: list[AreaCountsPublic]
    upcoming: list[OccurrenceRowPublic]
    overdue: list[OccurrenceRowPublic]


class OccurrenceBase(BaseModel):
    key: str
    due: date | None = None
    extended_due: date | None = None
    status: str
    completed_at: datetime | None = None
    evidence: dict[str, Any] | None = None
    lead_username: str | None = None


class TaskOccurrencePublic(OccurrenceBase):
    period: str | None = None
    nominal: date | None = None
    bucket: str | None = None


class TimelineEventPublic(BaseModel):
    at: datetime
    kind: str
    actor: str | None = None
    occurrence_id: int | None = None
    data: dict[str, Any] | None = None


class TaskPublic(BaseModel):
    id: int
    code: str
    plan: str
    area: str | None = None
    area_label: str | None = None
    title: str
    text: str | None = None
    status: str
    deadline_text: str | None = None
    product: str | None = None
    lead_units: list[UnitRef]
    coordinating_units: list[UnitRef]
    lead_officers: list[OfficerRef]
    occurrences: list[TaskOccurrencePublic]
    timeline: list[TimelineEventPublic]


class ActionPublic(BaseModel):
    """The answer to an action: the occurrence as it is now."""

    ok: bool
    occurrence: OccurrenceBase


class ExtensionRequestPublic(BaseModel):
    task_id: int
    task_code: str
    title: str
    occurrence: str
    period: str | None = None
    due: date
    requested_by: str | None = None
    request: dict[str, Any] | None = None


class ExtensionRequestsPublic(BaseModel):
    items: list[ExtensionRequestPublic]


class NotificationPublic(BaseModel):
    id: int
    kind: str
    level: int
    task_id: int | None = None
    recipient: str | None = None
    status: str
    created_at: datetime | None = None
    sent_at: datetime | None = None
    skip_reason: str | None = None


class NotificationsPublic(BaseModel):
    items: list[NotificationPublic]


# --- the reporting cycle ---------------------------------------------------------------------


class ProgressCountsBase(BaseModel):
    submitted: int
    returned: int
    missing: int
    overdue: int
    not_required: int


class UnitProgressPublic(ProgressCountsBase, UnitRef):
    pass


class AreaProgressPublic(ProgressCountsBase):
    area: str | None = None
    label: str | None = None


class ProgressRowPublic(BaseModel):
    """One task with its progress update of the period."""

    task_id: int
    code: str
    title: str
    area: str | None = None
    area_label: str | None = None
    lead_units: list[str]
    plan: str
    deadline_text: str | None = None
    occurrence_key: str | None = None
    due: date | None = None
    state: str = Field(description="submitted | returned | missing | overdue | not_required")
    state_label: str
    occurrence_status: str | None = None
    progress_status: str | None = None
    progress_status_label: str | None = None
    review_status: str | None = None
    review_status_label: str | None = None
    review_reason: str | None = None
    result: str | None = None
    submitted_by: str | None = None


class PeriodBase(BaseModel):
    year: int
    period: str = Field(description="Khoá của kỳ báo cáo, vd. 2026-Q1")
    period_label: str


class ProgressReportPublic(PeriodBase):
    cutoff: date
    report_due: date
    window: list[date]
    states: list[LabelPublic]
    counts: ProgressCountsBase
    by_unit: list[UnitProgressPublic]
    by_area: list[AreaProgressPublic]
    items: list[ProgressRowPublic]


class PeriodTasksPublic(PeriodBase):
    model_config = ConfigDict(extra="forbid")  # tells it apart from OccurrencePagePublic

    total: int
    items: list[ProgressRowPublic]


# --- province, indicators, deadline preview --------------------------------------------------


class CommuneCountsPublic(CountsBase):
    organisation_id: int
    code: str
    name: str
    level: str


class ProvinceOverviewPublic(BaseModel):
    today: date
    buckets: list[LabelPublic]
    total: CountsPublic
    communes: list[CommuneCountsPublic]


class IndicatorPublic(BaseModel):
    code: str
    text: str
    owner: str
    target: str
    comparator: str | None = None
    target_value: int | float | None = None
    unit: str | None = None
    value: int | float | None = None
    actual: str
    status: str
    status_label: str
    evidence: dict[str, Any] | None = None
    chased: str | None = Field(None, description="Chưa báo cáo: người được nhắc, báo gần nhất (Đã nhắc / Đã báo cáo Chủ tịch)")
    chased_at: datetime | None = Field(None, description="Lúc nhắc, báo gần nhất (UTC)")


class DeadlinePreviewPublic(BaseModel):
    text: str
    year: int
    dates: list[str] = Field(description="Các ngày đến hạn (dd/mm/yyyy) kèm kỳ")
    error: str | None = None
