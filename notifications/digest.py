"""Digests: an officer's grouped mail, the leaders' digest of escalations, the weekly summary.

- :func:`officer_digest` folds several outbox rows for one person into one mail,
  most urgent first (pure: only the rows).
- :func:`leader_digest` is what the chairman / vice-chairman get instead of one mail per
  escalation: every escalated task still open, grouped by lead unit, with days overdue
  and when the owner was last reminded (reads the DB).
- :func:`enqueue_weekly_summaries` writes, on the first working day of a week, one
  outbox row per coordinator with the plan's state (reads the DB); the dispatcher
  delivers it like any other row.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from domain.calendar import WorkCalendar
from domain.clock import as_utc  # noqa: F401  (re-exported for the dispatcher)
from domain.status import Bucket, Counts, classify, days_overdue, local_date
from domain.text import vietnamese_sort_key
from notifications.render import (
    KIND_LABELS,
    KIND_ORDER,
    Rendered,
    escalation_addressee,
    recurring_period,
    render_digest,
    render_subject,
    template_vars,
)
from persistence.models import (
    Event,
    Notification,
    NotificationStatus,
    Occurrence,
    OccurrenceStatus,
    Officer,
    OfficerUnit,
    Organisation,
    Plan,
    PlanStatus,
    Role,
    Task,
    TaskStatus,
    Unit,
    bucketed,
    stored_id,
)
from settings import Settings

CHASING_KINDS = ("reminder", "due", "overdue")
NO_UNIT = "Chưa rõ đơn vị chủ trì"




def org_calendar(org: Organisation) -> WorkCalendar:
    """The organisation's working-day calendar (national holidays + its own days)."""
    return WorkCalendar(
        extra_days_off=[date.fromisoformat(d) for d in org.extra_days_off or []],
        makeup_working_days=[date.fromisoformat(d) for d in org.makeup_working_days or []],
    )


def _local_text(moment: datetime | None, tz: ZoneInfo) -> str | None:
    moment = as_utc(moment)
    return f"{moment.astimezone(tz):%d/%m/%Y %H:%M}" if moment else None


# -- officer digest ------------------------------------------------------------------------


# Kinds that ask the recipient to decide on someone else's work (confirm, extend).
COORDINATOR_KINDS = frozenset({"completion_submitted", "extension_requested"})


def item_audience(kind: str, level: int, context: dict[str, Any]) -> str:
    """"indicator" for a chỉ tiêu's value, "coordinator" when the row asks its recipient to watch or decide, else "officer".

    The digest ends with the instructions of its items' audiences: an officer is told
    how to report, a coordinator how to confirm, return or answer an extension request.
    """
    if context.get("indicator_id"):
        return "indicator"  # a chỉ tiêu's value to report (or to have reported)
    if kind in COORDINATOR_KINDS:
        return "coordinator"
    if kind == "escalation" and escalation_addressee(context, level) != "lead":
        return "coordinator"
    return "officer"


def digest_item(row: Notification, base_url: str) -> dict[str, Any]:
    """What a digest shows of one outbox row: its subject line and the task facts."""
    values = template_vars(row.kind, row.level, dict(row.context or {}), base_url)
    return {
        "kind": row.kind,
        "audience": item_audience(row.kind, row.level, dict(row.context or {})),
        "subject": render_subject(row.kind, row.level, dict(row.context or {}), base_url, values),
        "task_code": values.get("task_code"),
        "task_title": values.get("task_title"),
        "plan_label": values.get("plan_label"),
        "period": values.get("period"),
        "due": values.get("due"),
        "reason": values.get("reason"),
        "reason_label": "Ý kiến" if row.kind in ("completion_confirmed", "extension_granted") else "Lý do",
        "link": values["link"],
    }


def officer_digest(rows: list[Notification], *, recipient_name: str | None, organisation: str | None,
                   day: date, base_url: str) -> Rendered:
    """One mail for several notifications to one person, grouped by kind, urgent first."""
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_kind[row.kind].append(digest_item(row, base_url))
    order = KIND_ORDER + sorted(k for k in by_kind if k not in KIND_ORDER)
    sections = [{"kind": k, "label": KIND_LABELS.get(k, k), "items": by_kind[k]} for k in order if k in by_kind]
    urgent = sum(len(by_kind.get(k, [])) for k in ("escalation", "overdue", "due"))
    audiences = {item["audience"] for items in by_kind.values() for item in items}
    # What the mail is about: tasks, the indicators of a reporting period, or both.
    topic = {frozenset({"indicator"}): "chỉ tiêu"}.get(frozenset(audiences), "nhiệm vụ")
    if "indicator" in audiences and topic == "nhiệm vụ":
        topic = "nhiệm vụ và chỉ tiêu"
    return render_digest("digest", {
        "recipient_name": recipient_name, "organisation": organisation, "day": day,
        "count": len(rows), "urgent": urgent, "sections": sections, "topic": topic,
        "for_officer": "officer" in audiences, "for_coordinator": "coordinator" in audiences,
        "for_indicator": "indicator" in audiences,
    }, base_url)


# -- leaders' digest -----------------------------------------------------------------------


def _unit_names(session: Session, organisation_id: int) -> dict[str, str]:
    return {u.code: u.name for u in session.exec(select(Unit).where(Unit.organisation_id == organisation_id))}


def _last_reminders(session: Session, occurrence_ids: list[int]) -> dict[int, datetime]:
    """When the owner of each occurrence was last chased (sent mail, else recorded action)."""
    last: dict[int, datetime] = {}
    if not occurrence_ids:
        return last
    for occ_id, sent_at in session.exec(
        select(Notification.occurrence_id, Notification.sent_at).where(
            col(Notification.occurrence_id).in_(occurrence_ids), col(Notification.kind).in_(CHASING_KINDS),
            Notification.status == NotificationStatus.SENT,
        )
    ):
        if occ_id is not None and sent_at is not None and (occ_id not in last or as_utc(sent_at) > last[occ_id]):
            last[occ_id] = as_utc(sent_at)
    missing = [i for i in occurrence_ids if i not in last]
    if missing:
        for occ_id, at in session.exec(
            select(Event.occurrence_id, Event.at).where(col(Event.occurrence_id).in_(missing), col(Event.kind).in_(CHASING_KINDS))
        ):
            if occ_id is not None and at is not None and (occ_id not in last or as_utc(at) > last[occ_id]):
                last[occ_id] = as_utc(at)
    return last


def leader_digest(session: Session, rows: list[Notification], *, org: Organisation, recipient_email: str,
                  recipient_name: str | None, role: str, now: datetime, base_url: str) -> Rendered:
    """The chairman's (or vice-chairman's) digest of every escalated task still open.

    Args:
        session: DB session (reads escalations, occurrences, tasks, units, chasing history).
        rows: the escalation rows this mail delivers (marked "mới" in the digest).
        org: the organisation (timezone, calendar, name).
        recipient_email, recipient_name: the leader.
        role: "chairman" or "vice_chairman" (the salutation).
        now: the dispatch time (days overdue are counted to its local day).
        base_url: the dashboard's address.
    """
    tz = ZoneInfo(org.timezone or "Asia/Ho_Chi_Minh")
    today = as_utc(now).astimezone(tz).date()
    calendar = org_calendar(org)
    new_ids = {r.id for r in rows}
    escalations = list(session.exec(
        select(Notification).where(
            Notification.organisation_id == org.id, Notification.kind == "escalation",
            Notification.recipient_email == recipient_email,
            (col(Notification.status) == NotificationStatus.SENT) | col(Notification.id).in_(new_ids),
        )
    ))
    level_of: dict[int, int] = {}
    new_occ: set[int] = set()
    loose: list[Notification] = []  # rows without an occurrence row (kept from their context)
    for esc in escalations:
        if esc.occurrence_id is None:
            if esc.id in new_ids:
                loose.append(esc)
            continue
        level_of[esc.occurrence_id] = max(level_of.get(esc.occurrence_id, 0), esc.level)
        if esc.id in new_ids:
            new_occ.add(esc.occurrence_id)
    occurrences = list(session.exec(select(Occurrence).where(col(Occurrence.id).in_(list(level_of))))) if level_of else []
    # Still open and still late: done, submitted or extended past today drop out of the digest.
    occurrences = [o for o in occurrences if OccurrenceStatus(o.status) == OccurrenceStatus.OPEN
                   and o.effective_due < today]
    found = {o.id for o in occurrences}
    loose.extend(r for r in rows if r.occurrence_id is not None and r.occurrence_id not in found
                 and r.occurrence_id not in level_of)
    tasks = {t.id: t for t in session.exec(select(Task).where(col(Task.id).in_([o.task_id for o in occurrences])))} if occurrences else {}
    plans = {p.id: p for p in session.exec(select(Plan).where(col(Plan.id).in_([t.plan_id for t in tasks.values()])))} if tasks else {}
    units = _unit_names(session, stored_id(org))
    officers = {o.username: o.full_name for o in session.exec(select(Officer).where(Officer.organisation_id == org.id))}
    last = _last_reminders(session, [stored_id(o) for o in occurrences])
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for occ in occurrences:
        task = tasks.get(occ.task_id)
        if task is None:
            continue
        plan = plans.get(task.plan_id)
        leads = [units.get(code, code) for code in task.lead_units or []]
        unit = leads[0] if leads else NO_UNIT
        due = occ.effective_due
        groups[unit].append({
            "task_code": task.code, "task_title": " ".join(task.title.split()),
            "plan_label": (plan.title + (f" (số {plan.number})" if plan.number else "")) if plan else "",
            "period": recurring_period(occ.period), "due": due.isoformat(),
            "days_overdue": days_overdue(due, today),
            "working_days_overdue": max(0, calendar.working_days_between(due, today)),
            "last_reminder": _local_text(last.get(stored_id(occ)), tz),
            "level": level_of.get(stored_id(occ), 0), "new": occ.id in new_occ,
            "reassigned_to": ", ".join(officers.get(u, u) for u in (occ.lead_username or "").split(",") if u),
            "other_units": leads[1:],
            "link": f"{base_url.rstrip('/')}/tasks/{task.id}",
        })
    for row in loose:
        ctx = dict(row.context or {})
        values = template_vars(row.kind, row.level, ctx, base_url)
        groups[ctx.get("unit") or NO_UNIT].append({
            "task_code": values.get("task_code"), "task_title": values.get("task_title"),
            "plan_label": values.get("plan_label"), "period": values.get("period"), "due": values.get("due"),
            "days_overdue": values.get("days_overdue") or 0,
            "working_days_overdue": values.get("working_days_overdue") or 0,
            "last_reminder": None, "level": row.level, "new": True, "reassigned_to": "", "other_units": [],
            "link": values["link"], "indicator": bool(ctx.get("indicator_id")),
        })
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), vietnamese_sort_key(kv[0])))
    group_list: list[dict[str, Any]] = [{"unit": unit, "items": sorted(items, key=lambda i: (-i["days_overdue"], str(i["task_code"])))}
                  for unit, items in ordered]
    total = sum(len(g["items"]) for g in group_list)
    indicators = sum(1 for g in group_list for i in g["items"] if i.get("indicator"))
    # What the digest counts: overdue tasks, indicators not reported by their cut-off, or both.
    if not indicators:
        subject = "nhiệm vụ quá hạn chưa hoàn thành"
    elif indicators == total:
        subject = "chỉ tiêu quá hạn chưa báo cáo số liệu"
    else:
        subject = f"việc quá hạn ({total - indicators} nhiệm vụ chưa hoàn thành, {indicators} chỉ tiêu chưa báo cáo số liệu)"
    return render_digest("leader_digest", {
        "subject": subject, "indicators": indicators, "tasks": total - indicators,
        "recipient_name": recipient_name, "organisation": org.name, "day": today,
        "role": role, "role_label": "Chủ tịch" if role == "chairman" else "Phó Chủ tịch",
        "groups": group_list, "total": total, "new_count": sum(1 for g in group_list for i in g["items"] if i["new"]),
    }, base_url)


# -- coordinator weekly summary ------------------------------------------------------------


def first_working_day_of_week(day: date, calendar: WorkCalendar) -> date | None:
    """The first working day of ``day``'s ISO week (None if the week has none)."""
    monday = day - timedelta(days=day.weekday())
    for offset in range(7):
        candidate = monday + timedelta(days=offset)
        if calendar.is_working_day(candidate):
            return candidate
    return None


def weekly_summary_context(session: Session, org: Organisation, today: date) -> dict[str, Any]:
    """The plan state of one organisation as JSON-able data for the weekly summary."""
    tz = org.timezone or "Asia/Ho_Chi_Minh"
    units = _unit_names(session, stored_id(org))
    rows = session.exec(
        select(Occurrence, Task, Plan)
        .join(Task, col(Task.id) == Occurrence.task_id)
        .join(Plan, col(Plan.id) == Task.plan_id)
        .where(Occurrence.organisation_id == org.id, Plan.status == PlanStatus.ACTIVE,
               Task.status == TaskStatus.ACTIVE, bucketed())  # progress updates are counted apart
    ).all()
    overall = Counts()
    by_unit: dict[str, Counts] = defaultdict(Counts)
    overdue, awaiting, due_soon = [], [], []
    done_this_week = 0
    week_ago = today - timedelta(days=7)
    for occ, task, _plan in rows:
        status = OccurrenceStatus(occ.status)
        due = occ.effective_due
        completed = local_date(occ.completed_at, tz)
        if completed is not None and completed > week_ago and status in (OccurrenceStatus.DONE, OccurrenceStatus.SUBMITTED):
            done_this_week += 1
        item: dict[str, Any] = {"task_code": task.code, "task_title": " ".join(task.title.split()),
                "period": recurring_period(occ.period),
                "due": due.isoformat(), "task_id": task.id,
                "units": [units.get(c, c) for c in task.lead_units or []]}
        if status == OccurrenceStatus.OPEN and today <= due <= today + timedelta(days=7):
            due_soon.append(item)
        if status == OccurrenceStatus.SUBMITTED:
            awaiting.append(item)
        # Counted: what should be done by now, and what was done early.
        if due > today and status == OccurrenceStatus.OPEN:
            continue
        bucket = classify(status, due, completed, today)
        if bucket is None:
            continue
        submitted = status == OccurrenceStatus.SUBMITTED
        overall.add(bucket, submitted=submitted)
        for name in dict.fromkeys(item["units"] or [NO_UNIT]):
            by_unit[name].add(bucket, submitted=submitted)
        if bucket is Bucket.OVERDUE:
            overdue.append({**item, "days_overdue": days_overdue(due, today)})
    overdue.sort(key=lambda i: (-i["days_overdue"], i["task_code"]))
    due_soon.sort(key=lambda i: (i["due"], i["task_code"]))
    iso = today.isocalendar()
    return {
        "organisation": org.name,
        "week": iso.week, "year": iso.year,
        "week_start": (today - timedelta(days=today.weekday())).isoformat(),
        "day": today.isoformat(),
        "counts": overall.to_dict(),
        "units": [{"unit": name, **counts.to_dict()}
                  for name, counts in sorted(by_unit.items(),
                                             key=lambda kv: (-kv[1].overdue, vietnamese_sort_key(kv[0])))],
        "overdue": overdue[:30], "overdue_total": len(overdue),
        "awaiting": awaiting[:30], "awaiting_total": len(awaiting),
        "due_soon": due_soon[:30], "due_soon_total": len(due_soon),
        "done_this_week": done_this_week,
        "dashboard_path": "/",
    }


def _coordinators(session: Session, org_id: int) -> list[Officer]:
    officers = list(session.exec(select(Officer).where(Officer.organisation_id == org_id, Officer.active == True)))  # noqa: E712
    chosen = [o for o in officers if Role(o.role) == Role.COORDINATOR]
    if not chosen:  # no coordinator role: the officers of the plans' standing units
        standing = {p.standing_unit_id for p in session.exec(select(Plan).where(
            Plan.organisation_id == org_id, Plan.status == PlanStatus.ACTIVE)) if p.standing_unit_id}
        linked = {link.officer_id for link in session.exec(
            select(OfficerUnit).where(col(OfficerUnit.unit_id).in_(standing)))} if standing else set()
        chosen = [o for o in officers if o.id in linked]
    return [o for o in chosen if o.email]


def enqueue_weekly_summaries(engine: Engine, settings: Settings, now: datetime) -> int:
    """On the first working day of a week, after the digest time, queue each coordinator's summary.

    Idempotent: the outbox key names the organisation, the ISO week and the coordinator.

    Returns:
        How many rows were added.
    """
    now = as_utc(now)
    digest_at = datetime.strptime(settings.notify_digest_time, "%H:%M").time()
    added = 0
    with Session(engine) as session:
        for org in session.exec(select(Organisation)):
            tz = ZoneInfo(org.timezone or "Asia/Ho_Chi_Minh")
            local = now.astimezone(tz)
            calendar = org_calendar(org)
            if first_working_day_of_week(local.date(), calendar) != local.date() or local.time() < digest_at:
                continue
            has_plan = session.exec(select(Plan.id).where(Plan.organisation_id == org.id,
                                                           Plan.status == PlanStatus.ACTIVE)).first()
            if has_plan is None:
                continue
            iso = local.date().isocalendar()
            context: dict[str, Any] | None = None
            for officer in _coordinators(session, stored_id(org)):
                key = f"weekly-summary/{org.code}/{iso.year}-W{iso.week:02d}:{officer.username}"
                if session.exec(select(Notification.id).where(Notification.idempotency_key == key)).first():
                    continue
                if context is None:
                    context = weekly_summary_context(session, org, local.date())
                session.add(Notification(
                    organisation_id=stored_id(org), idempotency_key=key, recipient_id=officer.id,
                    recipient_email=officer.email, recipient_name=officer.full_name,
                    kind="weekly_summary", level=0, not_before=now,
                    context={**context, "recipient_name": officer.full_name,
                             "recipient_username": officer.username,
                             "subject": f"Tổng hợp tình hình thực hiện kế hoạch CCHC, tuần {iso.week}/{iso.year}"},
                ))
                added += 1
        session.commit()
    return added
