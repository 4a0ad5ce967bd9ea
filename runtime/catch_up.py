"""Applies the catch-up choices (domain.catch_up) to a plan being activated.

Called by ``runtime.activation`` between storing the plan and starting its workflows,
so that each workflow loads occurrences already settled: a period declared done or
cancelled is never chased; one still to do carries a grace due date (as
``extended_due``, which a later re-activation leaves alone) and its ladder starts with
a reminder to the lead.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from domain.catch_up import (
    DEFAULT_GRACE_WORKING_DAYS,
    PROGRESS_DEFAULT,
    PROGRESS_NOTE,
    CatchUpChoice,
    PeriodDue,
    outcome,
    past_periods,
)
from persistence.models import Event, Occurrence, OccurrenceStatus, Organisation, Task, TaskStatus, utcnow

EVENT_KIND = "catch_up"


@dataclass
class CatchUp:
    """The coordinator's choices for the past periods of one activation.

    ``choices`` maps ``(task code, occurrence key)`` to ``(choice, note)``; a past period
    without a choice takes ``default``.
    """

    today: date | None  # None: the organisation's own day at activation (its time zone)
    choices: dict[tuple[str, str], tuple[CatchUpChoice, str]] = field(default_factory=dict)
    grace_days: int = DEFAULT_GRACE_WORKING_DAYS
    default: CatchUpChoice = CatchUpChoice.TODO
    progress_default: CatchUpChoice = PROGRESS_DEFAULT  # past progress periods, not listed one by one
    actor: str = "system"


def preview(engine: Engine, review: Any, org_config: Any, today: date) -> list[PeriodDue]:
    """The past periods an activation of ``review`` would ask about (nothing is written).

    Periods already stored for this plan count as they are in the database (a done or
    chased one is not asked about again).
    """
    from persistence.plan_store import PlanConflict, due_dates, find_plan

    calendar = org_config.work_calendar()
    deadline_year = review.plan.source_year or review.plan.year
    known: dict[tuple[str, str], Occurrence] = {}
    with Session(engine) as session:
        org = session.exec(select(Organisation).where(Organisation.code == org_config.organisation.code)).first()
        try:
            plan = find_plan(session, org, review.plan)[0] if org else None
        except PlanConflict:
            plan = None  # activation refuses it, naming both plans
        if plan:
            rows = session.exec(select(Task.code, Occurrence).join(Occurrence, col(Occurrence.task_id) == Task.id)
                                .where(Task.plan_id == plan.id))
            known = {(task_code, occ.key): occ for task_code, occ in rows}
    periods = []
    for task in review.tasks:
        try:
            _, dues = due_dates(task.deadline, review.plan.year, deadline_year, calendar)
        except ValueError:
            continue  # the review check reports it
        for due in dues:
            row = known.get((task.code, due.key))
            periods.append(PeriodDue(
                task.code, due.key, due.period, row.effective_due if row else due.due,
                open=row is None or row.status == OccurrenceStatus.OPEN,
                chased=bool(row and row.last_action_key),
            ))
    return past_periods(periods, today)


def apply(engine: Engine, task_ids: list[int], catch_up: CatchUp, calendar: Any) -> Counter:
    """Settle the past periods of the tasks ``task_ids``; returns counts per choice.

    Idempotent: a period settled once is no longer open-and-unchased-and-past (done,
    cancelled) or no longer past (its grace due date), so a second run changes nothing.
    """
    counts: Counter = Counter()
    with Session(engine) as session:
        rows = session.exec(
            select(Task, Occurrence).join(Occurrence, col(Occurrence.task_id) == Task.id)
            .where(col(Task.id).in_(task_ids), Task.status == TaskStatus.ACTIVE)
        ).all()
        by_key = {(task.code, occ.key): (task, occ) for task, occ in rows}
        periods = [
            PeriodDue(task.code, occ.key, occ.period, occ.effective_due,
                      open=occ.status == OccurrenceStatus.OPEN, chased=bool(occ.last_action_key), kind=occ.kind)
            for task, occ in rows
        ]
        today = catch_up.today
        assert today is not None, "activation sets the organisation's day"
        for period in past_periods(periods, today):
            task, occ = by_key[(period.task_code, period.occurrence_key)]
            default = (catch_up.progress_default, PROGRESS_NOTE) if period.kind == "progress" else (catch_up.default, "")
            choice, note = catch_up.choices.get((period.task_code, period.occurrence_key), default)
            result = outcome(choice, today, calendar, note, catch_up.grace_days)
            if result.status == "done":
                occ.status = OccurrenceStatus.DONE
                occ.completed_at = utcnow()
                occ.evidence = {"note": result.note}
            elif result.status == "cancelled":
                occ.status = OccurrenceStatus.CANCELLED
            else:
                occ.extended_due = result.extended_due
            occ.updated_at = utcnow()
            session.add(occ)
            data = {"period": occ.period, "due": period.due.isoformat(), "choice": choice.value,
                    "note": result.note or choice.label}
            if result.extended_due:
                data["extended_due"] = result.extended_due.isoformat()
            session.add(Event(organisation_id=task.organisation_id, task_id=task.id, occurrence_id=occ.id,
                              kind=EVENT_KIND, actor=catch_up.actor, data=data,
                              idempotency_key=f"catch-up:{occ.id}:{period.due.isoformat()}"))
            counts[("progress_" if period.kind == "progress" else "") + choice.value] += 1
        session.commit()
    return counts
