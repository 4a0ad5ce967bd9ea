"""Store a reviewed plan in the database: plan, tasks, occurrences (the DB half of activation).

Idempotent: rows are keyed by (organisation, plan code), (plan, task code) and
(task, occurrence key). Each task carries a revision hash of its reviewed content;
storing the same review again changes nothing, a changed task is updated in place.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlmodel import Session, select

from domain.calendar import WorkCalendar
from domain.deadlines import DueDate, expand, parse_deadline
from domain.text import fold
from persistence.models import (
    Occurrence,
    OccurrenceStatus,
    Organisation,
    Plan,
    PlanStatus,
    Task,
    TaskStatus,
    utcnow,
)

Change = Literal["new", "changed", "unchanged", "removed"]


@dataclass
class StoredTask:
    """What activation must do with one task's workflow."""

    task_id: int
    code: str
    workflow_id: str
    change: Change
    revision: str
    occurrences: list[Occurrence] = field(default_factory=list)


def slug(text: str) -> str:
    """ASCII slug for IDs: "12/KH-UBND" -> "12-kh-ubnd"."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


def plan_code(year: int, number: str | None, title: str, code: str | None = None) -> str:
    """Stable plan code used in workflow IDs, e.g. "kh-2026-12-kh-ubnd".

    A user-chosen ``code`` (the review file's ``plan.code``) wins; else the whole
    document number identifies the plan within a year ("12/KH-UBND" and "12/KH-BCĐ"
    are two plans); without a number, a short hash of the title does.
    """
    if code and slug(code):
        return slug(code)
    if number and slug(number):
        return f"kh-{year}-{slug(number)}"
    return f"kh-{year}-{hashlib.sha1(fold(title).encode()).hexdigest()[:6]}"


def _same_text(a: str | None, b: str | None) -> bool:
    """Equal after folding case, accents and spacing ("UBND xã" == "ubnd  xa")."""
    return " ".join(fold(a or "").split()) == " ".join(fold(b or "").split())


def plan_label(number: str | None, title: str, issuer: str | None, year: int | None = None) -> str:
    """How a person names a plan: its number and issuer, else its title."""
    head = number or f"“{title[:60]}”"
    tail = f" của {issuer}" if issuer else ""
    return f"{head}{tail}" + (f" (năm {year})" if year else "")


class PlanConflict(ValueError):
    """The review's plan would overwrite another plan; the message names both (Vietnamese)."""


def find_plan(session: Session, org: Organisation, meta: Any) -> tuple[Plan | None, str]:
    """The stored plan ``meta`` (a review's ``plan`` section) is, and the code to use.

    A plan is identified by its whole number and issuer (and year), or by the
    user-chosen code when it has no number. An existing plan keeps its code, so plans
    activated under an older code scheme are still found.

    Raises:
        PlanConflict: the code the review gets already belongs to a different plan.
    """
    number = getattr(meta, "number", None)
    chosen = getattr(meta, "code", None)
    if number and not chosen:
        for row in session.exec(select(Plan).where(Plan.organisation_id == org.id, Plan.year == meta.year)):
            if _same_text(row.number, number) and _same_text(row.issuer, meta.issuer):
                return row, row.code
    code = plan_code(meta.year, number, meta.title, chosen)
    row = session.exec(select(Plan).where(Plan.organisation_id == org.id, Plan.code == code)).first()
    if row is None:
        return None, code
    if chosen:  # the user named the plan: it is that plan unless both numbers say otherwise
        same = not (row.number and number) or (_same_text(row.number, number) and _same_text(row.issuer, meta.issuer))
    elif number:  # the identity lookup above found no plan with this number and issuer
        same = False
    else:  # numberless, found by its title's hash
        same = row.number is None
    if not same:
        raise PlanConflict(
            f"Kế hoạch {plan_label(number, meta.title, meta.issuer, meta.year)} sẽ ghi đè kế hoạch đã kích hoạt "
            f"{plan_label(row.number, row.title, row.issuer, row.year)} (cùng mã {code}): chưa kích hoạt. "
            "Nếu đây là hai kế hoạch khác nhau, hãy ghi một mã riêng ở dòng 'code:' trong phần 'plan:' của tệp rà soát."
        )
    return row, code


def task_revision(task: Any, year: int, deadline_year: int, policy: dict | None = None) -> str:
    """Hash of everything in a reviewed task that the workflow depends on."""
    content = {
        "code": task.code,
        "area": task.area,
        "title": task.title,
        "text": task.text,
        "lead": list(task.lead),
        "coordinators": list(task.coordinators),
        "deadline": task.deadline,
        "product": task.product,
        "year": year,
        "deadline_year": deadline_year,
        "policy": policy or {},
    }
    blob = json.dumps(content, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def due_dates(deadline_text: str | None, plan_year: int, deadline_year: int, calendar: WorkCalendar) -> tuple[dict | None, list[DueDate]]:
    """The parsed schedule (as stored) and the occurrences of ``plan_year``."""
    if not deadline_text or not deadline_text.strip():
        return None, []
    schedule = parse_deadline(deadline_text, deadline_year)
    return schedule.to_dict(), expand(schedule, plan_year, calendar)


def _unit_codes(names: list[str], resolve: Any) -> list[str]:
    codes: list[str] = []
    for name in names:
        unit = resolve(name)
        code = unit.code if unit is not None else name  # kept as written; reported by review
        if code not in codes:
            codes.append(code)
    return codes


def upsert_plan(session: Session, org: Organisation, review: Any, code: str, policy: dict, source_file: str | None) -> Plan:
    """Insert or update the plan row (status ACTIVE)."""
    meta = review.plan
    plan = session.exec(select(Plan).where(Plan.organisation_id == org.id, Plan.code == code)).first()
    if plan is None:
        plan = Plan(organisation_id=org.id, code=code, title=meta.title, issuer=meta.issuer, year=meta.year)
    plan.number = meta.number
    plan.title = meta.title
    plan.issuer = meta.issuer
    plan.place = getattr(meta, "place", None)
    plan.issued_on = getattr(meta, "issued_on", None)
    plan.year = meta.year
    plan.source_year = getattr(meta, "source_year", None)
    plan.signer = getattr(meta, "signer", None)
    plan.signer_role = getattr(meta, "signer_role", None)
    plan.policy = policy  # the review file is the source of truth: {} is the default ladder
    plan.status = PlanStatus.ACTIVE
    plan.source_file = source_file
    session.add(plan)
    session.flush()
    return plan


def sync_occurrences(session: Session, task: Task, dues: list[DueDate]) -> list[Occurrence]:
    """Make the task's occurrences match ``dues``; returns the live ones, by due date.

    Existing rows keep their status and evidence; an open one whose date moved gets the
    new date; one that is no longer in the schedule is cancelled if still open.
    """
    existing = {o.key: o for o in session.exec(select(Occurrence).where(Occurrence.task_id == task.id))
                if o.kind != "progress"}  # progress updates: persistence.progress
    live: list[Occurrence] = []
    for due in dues:
        occ = existing.pop(due.key, None)
        if occ is None:
            occ = Occurrence(
                organisation_id=task.organisation_id, task_id=task.id, key=due.key,
                period=due.period, nominal=due.nominal, due=due.due,
            )
        elif (occ.period, occ.nominal, occ.due) != (due.period, due.nominal, due.due):
            occ.period, occ.nominal, occ.due = due.period, due.nominal, due.due
            occ.updated_at = utcnow()
        session.add(occ)
        live.append(occ)
    for occ in existing.values():
        if occ.status in (OccurrenceStatus.OPEN, OccurrenceStatus.SUBMITTED):
            occ.status = OccurrenceStatus.CANCELLED
            occ.updated_at = utcnow()
            session.add(occ)
    session.flush()
    return live


def store_tasks(
    session: Session,
    plan: Plan,
    review: Any,
    resolve_unit: Any,
    calendar: WorkCalendar,
    workflow_id: Any,
    org_code: str,
) -> list[StoredTask]:
    """Upsert every reviewed task and its occurrences; cancel tasks no longer in the review.

    Args:
        workflow_id: ``workflow_id_for(org_code, plan_code, task_code)``.
    """
    deadline_year = plan.source_year or plan.year
    rows = {t.code: t for t in session.exec(select(Task).where(Task.plan_id == plan.id))}
    stored: list[StoredTask] = []
    for item in review.tasks:
        chasing = {**plan.policy, "requires_confirmation": plan.requires_confirmation}
        revision = task_revision(item, plan.year, deadline_year, chasing)
        row = rows.pop(item.code, None)
        if row is not None and row.revision == revision and row.status == TaskStatus.ACTIVE:
            occurrences = list(session.exec(
                select(Occurrence).where(Occurrence.task_id == row.id).order_by(Occurrence.due)
            ))
            stored.append(StoredTask(row.id, row.code, row.workflow_id, "unchanged", revision, occurrences))
            continue
        change: Change = "new" if row is None else "changed"
        if row is None:
            row = Task(organisation_id=plan.organisation_id, plan_id=plan.id, code=item.code, area=item.area, title=item.title)
        schedule, dues = due_dates(item.deadline, plan.year, deadline_year, calendar)
        row.area = item.area
        row.area_label = item.area_label
        row.title = item.title
        row.text = item.text or ""
        row.lead_units = _unit_codes(list(item.lead), resolve_unit)
        row.coordinating_units = _unit_codes(list(item.coordinators), resolve_unit)
        row.deadline_text = item.deadline
        row.deadline_schedule = schedule
        row.product = item.product
        source = getattr(item, "source", None)
        row.source_line_start = getattr(source, "line_start", None)
        row.source_line_end = getattr(source, "line_end", None)
        row.status = TaskStatus.ACTIVE
        row.workflow_id = workflow_id(org_code, plan.code, item.code)
        row.revision = revision
        session.add(row)
        session.flush()
        occurrences = sync_occurrences(session, row, dues)
        stored.append(StoredTask(row.id, row.code, row.workflow_id, change, revision, occurrences))
    for row in rows.values():  # tasks removed from the review
        if row.status != TaskStatus.CANCELLED:
            row.status = TaskStatus.CANCELLED
            session.add(row)
            sync_occurrences(session, row, [])
            stored.append(StoredTask(row.id, row.code, row.workflow_id, "removed", row.revision or ""))
    session.flush()
    return stored


def source_name(path: Path) -> str:
    """How the plan's source file is recorded."""
    return str(path)
