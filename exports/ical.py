"""An officer's due dates as an iCalendar feed (RFC 5545), written with ``icalendar``.

Each live occurrence the officer owns (led by one of their units, or reassigned to
them) is an all-day VEVENT on its effective due date with a stable UID, so calendar
apps update an event when a deadline is extended instead of adding a second one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import icalendar
from sqlmodel import Session, col, select

from domain.status import STATUS_LABELS
from persistence.models import Occurrence, OccurrenceStatus, Officer, Organisation, Plan, PlanStatus, Task, TaskStatus, bucketed, stored_id
from persistence.read_model import unit_codes_of


def calendar_text(name: str, events: list[dict], now: datetime | None = None) -> str:
    """A VCALENDAR with one all-day VEVENT per item of ``events`` (RFC 5545, by ``icalendar``).

    Each item has ``uid``, ``day`` (date), ``summary``, ``description`` and ``url``.
    """
    stamp = (now or datetime.now(UTC)).astimezone(UTC)
    cal = icalendar.Calendar()
    cal.add("prodid", "-//dondoc//Don doc CCHC//VI")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Ho_Chi_Minh")
    for item in events:
        day: date = item["day"]
        event = icalendar.Event()
        event.add("uid", item["uid"])
        event.add("dtstamp", stamp)
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        event.add("summary", item["summary"])
        event.add("description", item["description"])
        if item.get("url"):
            event.add("url", item["url"])
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical().decode("utf-8")


def officer_events(session: Session, officer: Officer, base_url: str) -> list[dict]:
    """The officer's live occurrences as calendar events."""
    units = unit_codes_of(session, stored_id(officer))
    rows = session.exec(
        select(Occurrence, Task).join(Task, col(Task.id) == Occurrence.task_id).join(Plan, col(Plan.id) == Task.plan_id)
        .where(Occurrence.organisation_id == officer.organisation_id, Task.status == TaskStatus.ACTIVE,
               Plan.status == PlanStatus.ACTIVE, Occurrence.status != OccurrenceStatus.CANCELLED,
               bucketed())  # the task's own deadlines; progress cut-offs are one event per period
        .order_by(col(Occurrence.due))
    ).all()
    org = session.get(Organisation, officer.organisation_id)
    events = []
    for occ, task in rows:
        mine = occ.lead_username == officer.username if occ.lead_username else bool(units.intersection(task.lead_units))
        if not mine:
            continue
        # A report not yet confirmed is not "done" (counted apart until the coordinator agrees).
        prefix = {OccurrenceStatus.DONE: "[Đã hoàn thành] ", OccurrenceStatus.SUBMITTED: "[Chờ xác nhận] "}.get(
            OccurrenceStatus(occ.status), "Hạn: ")
        description = f"{task.code}. {task.text or task.title}\nKỳ: {occ.period}\nTình trạng: {STATUS_LABELS[occ.status]}"
        if occ.extended_due:
            description += f"\nĐã gia hạn từ {occ.due:%d/%m/%Y}"
        events.append({
            "uid": f"occ-{occ.id}@dondoc.{org.code if org else officer.organisation_id}",
            "day": occ.effective_due,
            "summary": f"{prefix}{task.code}. {task.title[:80]} ({occ.period})",
            "description": description,
            "url": f"{base_url.rstrip('/')}/tasks/{task.id}",
        })
    return events


def officer_calendar(session: Session, officer: Officer, base_url: str, now: datetime | None = None) -> str:
    """The officer's feed as text/calendar."""
    return calendar_text(f"Hạn CCHC - {officer.full_name}", officer_events(session, officer, base_url), now)
