"""The reporting cycle on the dashboard: every task's progress update of one period.

``progress_report`` lists every active task of the organisation's plans of a year with
its progress update of a period (``2026-Q1``): đã nộp (submitted or accepted), chưa nộp
(not yet due), quá hạn (cut-off passed), bị trả lại (returned, with the reason), không
phải báo cáo (a one-off task done earlier). Only the plans of that year and that
period's occurrences are read: next year's periods never count in this year's figures.
Used by the JSON API, the pages and ``dondoc status --period``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from domain.reporting import ReportingPeriod, parse_period_key, progress_key
from domain.vocabulary import REFORM_AREAS, Area, ProgressStatus, ReviewStatus
from persistence.models import Occurrence, OccurrenceStatus, Organisation, Plan, PlanStatus, ProgressUpdate, Task, TaskStatus
from persistence.progress import reporting_calendar

# Progress states of a task in a period, in display order.
STATES = ("submitted", "returned", "missing", "overdue", "not_required")
STATE_LABELS = {
    "submitted": "Đã nộp",
    "returned": "Bị trả lại",
    "missing": "Chưa nộp",
    "overdue": "Quá hạn",
    "not_required": "Không phải báo cáo",
}


@dataclass
class ProgressRow:
    task_id: int
    task_code: str
    title: str
    area: str
    lead_units: list[str]
    plan_code: str
    deadline_text: str | None
    occurrence_key: str | None
    due: date | None
    state: str
    occurrence_status: str | None = None
    progress_status: str | None = None  # the officer's: not_started / in_progress / done / blocked
    review_status: str | None = None
    review_reason: str | None = None
    result: str | None = None
    submitted_by: str | None = None

    def json(self) -> dict:
        return {
            "task_id": self.task_id, "code": self.task_code, "title": self.title, "area": self.area,
            "area_label": Area.label_of(self.area), "lead_units": self.lead_units, "plan": self.plan_code,
            "deadline_text": self.deadline_text, "occurrence_key": self.occurrence_key,
            "due": self.due.isoformat() if self.due else None, "state": self.state,
            "state_label": STATE_LABELS[self.state], "occurrence_status": self.occurrence_status,
            "progress_status": self.progress_status,
            "progress_status_label": ProgressStatus.label_of(self.progress_status) if self.progress_status else None,
            "review_status": self.review_status,
            "review_status_label": ReviewStatus.label_of(self.review_status) if self.review_status else None,
            "review_reason": self.review_reason, "result": self.result, "submitted_by": self.submitted_by,
        }


@dataclass
class ProgressReport:
    period: ReportingPeriod
    year: int
    rows: list[ProgressRow]
    by_unit: dict[str, Counter] = field(default_factory=dict)
    by_area: dict[str, Counter] = field(default_factory=dict)
    overall: Counter = field(default_factory=Counter)

    def json(self, units: dict[str, str] | None = None) -> dict:
        units = units or {}
        return {
            "year": self.year, "period": self.period.key, "period_label": self.period.label,
            "cutoff": self.period.cutoff.isoformat(), "report_due": self.period.report_due.isoformat(),
            "window": [self.period.window_start.isoformat(), self.period.window_end.isoformat()],
            "states": [{"key": s, "label": STATE_LABELS[s]} for s in STATES],
            "counts": {s: self.overall.get(s, 0) for s in STATES},
            "by_unit": [{"code": k, "name": units.get(k, k), **{s: c.get(s, 0) for s in STATES}}
                        for k, c in sorted(self.by_unit.items())],
            "by_area": [{"area": k, "label": Area.label_of(k), **{s: c.get(s, 0) for s in STATES}}
                        for k, c in self.by_area.items()],
            "items": [r.json() for r in self.rows],
        }


def choose_period(org: Organisation, today: date, year: int | None, period: str | None) -> tuple[int, ReportingPeriod]:
    """The plan year and period asked for; defaults: the current period, its year.

    Raises:
        ValueError: (Vietnamese) a malformed period, or a period of another year than ``year``.
    """
    calendar = reporting_calendar(org)
    if period:
        chosen = calendar.period(period)
        if year is not None and chosen.year != year:
            raise ValueError(f"kỳ {period} không thuộc năm {year}")
        return chosen.year, chosen
    current = calendar.current_period(today)
    if year is None or year == current.year:
        return current.year, current
    periods = calendar.periods(year)
    return year, (periods[-1] if year < current.year else periods[0])


def progress_report(session: Session, org: Organisation, today: date, year: int | None = None,
                    period: str | None = None) -> ProgressReport:
    """Every active task of the year's active plans with its progress update of the period."""
    year, chosen = choose_period(org, today, year, period)
    parse_period_key(chosen.key)
    key = progress_key(chosen.key)
    tasks = session.exec(
        select(Task, Plan).join(Plan, Plan.id == Task.plan_id)
        .where(Task.organisation_id == org.id, Task.status == TaskStatus.ACTIVE, Plan.year == year,
               Plan.status == PlanStatus.ACTIVE)
        .order_by(Plan.code, Task.id)
    ).all()
    task_ids = [t.id for t, _ in tasks]
    occs = {o.task_id: o for o in session.exec(
        select(Occurrence).where(Occurrence.organisation_id == org.id, Occurrence.key == key,
                                 Occurrence.task_id.in_(task_ids))
    )} if task_ids else {}
    latest: dict[int, ProgressUpdate] = {}
    if task_ids:
        for u in session.exec(select(ProgressUpdate).where(ProgressUpdate.organisation_id == org.id,
                                                           ProgressUpdate.period_key == chosen.key,
                                                           ProgressUpdate.task_id.in_(task_ids))
                              .order_by(ProgressUpdate.submitted_at, ProgressUpdate.id)):
            latest[u.task_id] = u
    rows: list[ProgressRow] = []
    for task, plan in tasks:
        occ = occs.get(task.id)
        upd = latest.get(task.id)
        rows.append(ProgressRow(
            task_id=task.id, task_code=task.code, title=task.title, area=task.area,
            lead_units=list(task.lead_units or []), plan_code=plan.code, deadline_text=task.deadline_text,
            occurrence_key=occ.key if occ else None, due=occ.effective_due if occ else chosen.cutoff,
            state=_state(occ, upd, today), occurrence_status=OccurrenceStatus(occ.status).value if occ else None,
            progress_status=upd.status if upd else None, review_status=upd.review_status if upd else None,
            review_reason=upd.review_reason if upd else None, result=upd.result if upd else None,
            submitted_by=upd.submitted_by if upd else None,
        ))
    report = ProgressReport(period=chosen, year=year, rows=rows)
    # Every reform area of the plans is shown, with zeros where nothing is due.
    for area in [a.value for a in REFORM_AREAS]:
        report.by_area[area] = Counter()
    for r in rows:
        report.overall[r.state] += 1
        report.by_area.setdefault(r.area, Counter())[r.state] += 1
        for unit in r.lead_units or ["-"]:
            report.by_unit.setdefault(unit, Counter())[r.state] += 1
    return report


def _state(occ: Occurrence | None, upd: ProgressUpdate | None, today: date) -> str:
    if occ is None:
        # Not activated yet with the reporting cycle: due like every other task.
        return "missing"
    status = OccurrenceStatus(occ.status)
    if status == OccurrenceStatus.CANCELLED:
        return "not_required"
    if status in (OccurrenceStatus.SUBMITTED, OccurrenceStatus.DONE):
        return "submitted"
    if upd is not None and upd.review_status == ReviewStatus.RETURNED.value:
        return "returned"
    return "overdue" if today > occ.effective_due else "missing"


# --- the plan year and period chosen on every page ------------------------------------------

PERIOD_COOKIE = "ky"  # the period the user picked ("2026-Q1"); absent: the current period


@dataclass
class Chosen:
    """The plan year and reporting period a page shows, with the picker's choices."""

    year: int
    period: ReportingPeriod
    current: ReportingPeriod
    options: list[tuple[int, list[ReportingPeriod]]]  # (year, its periods)


def plan_years(session: Session, organisation_id: int) -> list[int]:
    """The years of the organisation's plans (active or not), newest last."""
    return sorted(set(session.exec(select(Plan.year).where(Plan.organisation_id == organisation_id)).all()))


def chosen_period(session: Session, org: Organisation, today: date, key: str | None) -> Chosen:
    """The period ``key`` if valid, else the current one (the default of every page)."""
    calendar = reporting_calendar(org)
    current = calendar.current_period(today)
    try:
        year, period = choose_period(org, today, None, key) if key else (current.year, current)
    except ValueError:
        year, period = current.year, current
    years = sorted(set(plan_years(session, org.id)) | {current.year, year})
    return Chosen(year, period, current, [(y, calendar.periods(y)) for y in years])


# --- a task's updates, period by period ----------------------------------------------------------


@dataclass
class TaskPeriod:
    """One progress occurrence of a task with its updates (newest last)."""

    occurrence: Occurrence
    period: ReportingPeriod
    updates: list[ProgressUpdate]
    state: str

    @property
    def latest(self) -> ProgressUpdate | None:
        return self.updates[-1] if self.updates else None

    @property
    def returned(self) -> ProgressUpdate | None:
        """The returned update the officer must resubmit, if that is where the period stands."""
        if self.state == "returned":
            return self.latest
        return None


def task_periods(session: Session, org: Organisation, progress: list[Occurrence], today: date) -> list[TaskPeriod]:
    """The task's progress occurrences with their updates, in period order."""
    if not progress:
        return []
    calendar = reporting_calendar(org)
    updates: dict[int, list[ProgressUpdate]] = {}
    for u in session.exec(select(ProgressUpdate).where(ProgressUpdate.occurrence_id.in_([o.id for o in progress]))
                          .order_by(ProgressUpdate.submitted_at, ProgressUpdate.id)):
        updates.setdefault(u.occurrence_id, []).append(u)
    result = []
    for occ in progress:
        rows = updates.get(occ.id, [])
        key = occ.key.removesuffix(".progress")
        result.append(TaskPeriod(occ, calendar.period(key), rows, _state(occ, rows[-1] if rows else None, today)))
    return result


# --- the coordinator's "chờ xác nhận" inbox and the officer's returned reports ---------------


@dataclass
class InboxItem:
    """A report awaiting the coordinator: a completion or a progress update."""

    kind: str  # "completion" or "progress"
    occurrence: Occurrence
    task: Task
    submitted_by: str | None
    submitted_at: object
    update: ProgressUpdate | None = None
    evidence: dict | None = None


def inbox(session: Session, organisation_id: int) -> list[InboxItem]:
    """Completions and progress updates awaiting review, oldest first."""
    rows = session.exec(
        select(Occurrence, Task).join(Task, Task.id == Occurrence.task_id).join(Plan, Plan.id == Task.plan_id)
        .where(Occurrence.organisation_id == organisation_id, Occurrence.status == OccurrenceStatus.SUBMITTED,
               Task.status == TaskStatus.ACTIVE, Plan.status == PlanStatus.ACTIVE)
        .order_by(Occurrence.completed_at, Occurrence.id)
    ).all()
    progress_ids = [o.id for o, _ in rows if o.kind == "progress"]
    latest: dict[int, ProgressUpdate] = {}
    if progress_ids:
        for u in session.exec(select(ProgressUpdate).where(ProgressUpdate.occurrence_id.in_(progress_ids))
                              .order_by(ProgressUpdate.submitted_at, ProgressUpdate.id)):
            latest[u.occurrence_id] = u
    items = []
    for occ, task in rows:
        if occ.kind == "progress":
            upd = latest.get(occ.id)
            items.append(InboxItem("progress", occ, task, upd.submitted_by if upd else None,
                                   upd.submitted_at if upd else occ.completed_at, upd, upd.evidence if upd else None))
        else:
            items.append(InboxItem("completion", occ, task, None, occ.completed_at, None, occ.evidence))
    return items


def inbox_count(session: Session, organisation_id: int) -> int:
    """How many reports await review (the menu's badge)."""
    from sqlalchemy import func

    return session.exec(
        select(func.count(Occurrence.id)).join(Task, Task.id == Occurrence.task_id).join(Plan, Plan.id == Task.plan_id)
        .where(Occurrence.organisation_id == organisation_id, Occurrence.status == OccurrenceStatus.SUBMITTED,
               Task.status == TaskStatus.ACTIVE, Plan.status == PlanStatus.ACTIVE)
    ).one()


@dataclass
class Returned:
    """A report the coordinator returned: shown as "bị trả lại" with the reason until resubmitted."""

    kind: str  # "completion" or "progress"
    occurrence: Occurrence
    reason: str
    by: str | None
    at: object
    evidence: dict  # kept for the form
    update: ProgressUpdate | None = None


def returned_reports(session: Session, organisation_id: int, task_ids: list[int] | None = None) -> dict[int, Returned]:
    """occurrence id -> its returned report, for open occurrences whose last report was returned."""
    from persistence.models import Event

    result: dict[int, Returned] = {}
    # Completions: the newest completion event of an open occurrence is a rejection.
    query = select(Event, Occurrence).join(Occurrence, Occurrence.id == Event.occurrence_id).where(
        Event.organisation_id == organisation_id, Occurrence.status == OccurrenceStatus.OPEN,
        Occurrence.kind != "progress", Event.kind.in_(("completion_submitted", "completion_rejected")))
    if task_ids is not None:
        query = query.where(Occurrence.task_id.in_(task_ids))
    last: dict[int, tuple] = {}
    submitted: dict[int, dict] = {}
    for event, occ in session.exec(query.order_by(Event.at, Event.id)):
        last[occ.id] = (event, occ)
        if event.kind == "completion_submitted":
            submitted[occ.id] = dict((event.data or {}).get("evidence") or {})
    for occ_id, (event, occ) in last.items():
        if event.kind == "completion_rejected":
            result[occ_id] = Returned("completion", occ, (event.data or {}).get("reason") or "", event.actor, event.at,
                                      submitted.get(occ_id, {}))
    # Progress updates: the newest update of an open progress occurrence was returned.
    query = select(ProgressUpdate, Occurrence).join(Occurrence, Occurrence.id == ProgressUpdate.occurrence_id).where(
        ProgressUpdate.organisation_id == organisation_id, Occurrence.status == OccurrenceStatus.OPEN)
    if task_ids is not None:
        query = query.where(Occurrence.task_id.in_(task_ids))
    newest: dict[int, tuple] = {}
    for upd, occ in session.exec(query.order_by(ProgressUpdate.submitted_at, ProgressUpdate.id)):
        newest[occ.id] = (upd, occ)
    for occ_id, (upd, occ) in newest.items():
        if upd.review_status == ReviewStatus.RETURNED.value:
            result[occ_id] = Returned("progress", occ, upd.review_reason or "", upd.reviewed_by, upd.reviewed_at,
                                      dict(upd.evidence or {}), upd)
    return result
