"""An officer's due dates as an iCalendar feed (RFC 5545), written by hand.

Each live occurrence the officer owns (led by one of their units, or reassigned to
them) is an all-day VEVENT on its effective due date with a stable UID, so calendar
apps update an event when a deadline is extended instead of adding a second one.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlmodel import Session, select

from domain.models import Occurrence, OccurrenceStatus, Officer, Organisation, Plan, PlanStatus, Task, TaskStatus
from domain.status import STATUS_LABELS
from web.queries import unit_codes_of


def escape(text: str) -> str:
    """Escape a TEXT value (RFC 5545 §3.3.11)."""
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character (§3.1)."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts, start, limit = [], 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # continuation byte: step back
            end -= 1
        parts.append(data[start:end].decode("utf-8"))
        start, limit = end, 74  # continuation lines start with a space
    return "\r\n ".join(parts)


def calendar_text(name: str, events: list[dict], now: datetime | None = None) -> str:
    """A VCALENDAR with one all-day VEVENT per item of ``events``.

    Each item has ``uid``, ``day`` (date), ``summary``, ``description`` and ``url``.
    """
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//dondoc//Don doc CCHC//VI", "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH", f"X-WR-CALNAME:{escape(name)}", "X-WR-TIMEZONE:Asia/Ho_Chi_Minh",
    ]
    for event in events:
        day: date = event["day"]
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event['uid']}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{escape(event['summary'])}",
            f"DESCRIPTION:{escape(event['description'])}",
        ]
        if event.get("url"):
            lines.append(f"URL:{event['url']}")
        lines += ["TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join(fold(line) for line in lines) + "\r\n"


def officer_events(session: Session, officer: Officer, base_url: str) -> list[dict]:
    """The officer's live occurrences as calendar events."""
    units = unit_codes_of(session, officer.id)
    rows = session.exec(
        select(Occurrence, Task).join(Task, Task.id == Occurrence.task_id).join(Plan, Plan.id == Task.plan_id)
        .where(Occurrence.organisation_id == officer.organisation_id, Task.status == TaskStatus.ACTIVE,
               Plan.status == PlanStatus.ACTIVE, Occurrence.status != OccurrenceStatus.CANCELLED)
        .order_by(Occurrence.due)
    ).all()
    org = session.get(Organisation, officer.organisation_id)
    events = []
    for occ, task in rows:
        mine = occ.lead_username == officer.username if occ.lead_username else bool(units.intersection(task.lead_units))
        if not mine:
            continue
        done = occ.status in (OccurrenceStatus.DONE, OccurrenceStatus.SUBMITTED)
        prefix = "[Đã báo cáo] " if done else "Hạn: "
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
