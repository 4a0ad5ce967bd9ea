"""Progress-update occurrences in the database: one per task and reporting period.

Activation (runtime.activation.store) calls ``sync_plan_progress`` after storing the
tasks: every active task of the plan gets the progress occurrences of the plan year's
reporting periods (domain.reporting, key ``2026-Q1.progress``), due at the officers'
cut-off of the organisation's calendar. Rows are inserted if absent; an open one follows
a changed calendar; a reported, accepted or cancelled one is never touched. A task whose
rows were created now is marked changed, so that its running workflow reloads them (or
its completed workflow, e.g. a continuous task that had nothing to chase, starts again).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, col, func, select

from domain.calendar import organisation_calendar
from domain.reporting import ReportingCalendar, ReportingRules, period_key_of, progress_due_dates
from domain.vocabulary import OccurrenceKind
from persistence.models import Event, Occurrence, OccurrenceStatus, Organisation, Plan, Task, TaskStatus, utcnow
from persistence.plan_store import StoredTask


def reporting_calendar(org: Organisation) -> ReportingCalendar:
    """The organisation's reporting calendar as stored (Organisation.reporting and its days off)."""
    work = organisation_calendar(org.extra_days_off or [], org.makeup_working_days or [])
    return ReportingCalendar(ReportingRules.from_dict(org.reporting or {}), work)


def sync_task_progress(session: Session, task: Task, calendar: ReportingCalendar, year: int) -> int:
    """Make sure ``task`` has its progress occurrences of ``year``; returns how many were created."""
    existing = {o.key: o for o in session.exec(
        select(Occurrence).where(Occurrence.task_id == task.id, Occurrence.kind == "progress")
    )}
    created = 0
    for due in progress_due_dates(calendar, year):
        row = existing.get(due.key)
        if row is None:
            session.add(Occurrence(organisation_id=task.organisation_id, task_id=task.id, key=due.key,
                                   period=due.period, nominal=due.nominal, due=due.due, kind="progress"))
            created += 1
        elif row.status == OccurrenceStatus.OPEN and (row.nominal, row.due) != (due.nominal, due.due):
            row.nominal, row.due, row.updated_at = due.nominal, due.due, utcnow()
            session.add(row)
    return created


def sync_plan_progress(session: Session, org: Organisation, plan: Plan, stored: list[StoredTask]) -> int:
    """Progress occurrences for every active task of ``plan`` (see the module doc); returns rows created."""
    calendar = reporting_calendar(org)
    by_id = {s.task_id: s for s in stored}
    created = 0
    for task in session.exec(select(Task).where(Task.plan_id == plan.id, Task.status == TaskStatus.ACTIVE)):
        n = sync_task_progress(session, task, calendar, plan.year)
        created += n
        item = by_id.get(task.id)
        if n and item is not None and item.change == "unchanged":
            item.change = "changed"
    # A task removed from the review reports nothing more.
    for task in session.exec(select(Task).where(Task.plan_id == plan.id, Task.status == TaskStatus.CANCELLED)):
        for row in session.exec(select(Occurrence).where(Occurrence.task_id == task.id, Occurrence.kind == "progress",
                                                         Occurrence.status.in_([OccurrenceStatus.OPEN,
                                                                                OccurrenceStatus.SUBMITTED]))):
            row.status, row.updated_at = OccurrenceStatus.CANCELLED, utcnow()
            session.add(row)
    session.flush()
    return created


def chased_periods(session: Session, plan: Plan) -> list[tuple[str, str, date]]:
    """(period key, period label, cut-off) of the plan year's periods its tasks report on.

    The progress occurrences say which periods are followed and their cut-off (after
    catch-up, a grace date); a period every task had cancelled is not chased. Periods
    of later years (tasks repeated yearly) are left out: a plan's targets are its year's.
    """
    rows = session.exec(
        select(Occurrence.key, Occurrence.period, func.min(Occurrence.due))
        .join(Task, col(Task.id) == Occurrence.task_id)
        .where(Task.plan_id == plan.id, Occurrence.kind == OccurrenceKind.PROGRESS.value,
               Occurrence.status != OccurrenceStatus.CANCELLED)
        .group_by(Occurrence.key, Occurrence.period)
    ).all()
    periods = []
    for key, label, due in rows:
        period_key = period_key_of(key)
        if period_key is not None and period_key.startswith(f"{plan.year}-"):
            periods.append((period_key, label, due))
    return sorted(periods, key=lambda p: (p[2], p[0]))


def indicator_event_prefix(plan_id: int | None, indicator_id: int | None = None) -> str:
    """The key prefix of the chasing events and outbox rows of a plan's indicators (of one, if given)."""
    return f"plan-{plan_id}/indicator-" + (f"{indicator_id}/" if indicator_id is not None else "")


def last_indicator_chases(session: Session, plan: Plan, period_key: str) -> dict[str, tuple[str, list[str], datetime]]:
    """The latest chasing action of each indicator of ``plan`` for ``period_key``.

    Returns:
        indicator code -> (kind, contact fields told: "lead", "coordinator", ..., when: UTC).
    """
    latest: dict[str, tuple[str, list[str], datetime]] = {}
    events = session.exec(select(Event).where(
        Event.organisation_id == plan.organisation_id,
        col(Event.idempotency_key).startswith(indicator_event_prefix(plan.id))).order_by(col(Event.at), col(Event.id)))
    for event in events:
        data = event.data or {}
        if data.get("period_key") == period_key and data.get("indicator_code"):
            latest[data["indicator_code"]] = (event.kind, list(data.get("audience") or []), event.at)
    return latest
