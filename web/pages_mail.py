"""The mail pages: the organisation's outbox in words people read, and one mail as sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlmodel import Session, select

from persistence import read_model as queries
from persistence.models import Notification, Occurrence, Officer, Organisation
from web.app import page
from web.auth import CurrentUser
from web.deps import current_user, get_db
from web.page_helpers import PAGE_SIZE

router = APIRouter()


@router.get("/mails", include_in_schema=False)
def mails(request: Request, page_no: int = 1, user: CurrentUser = Depends(current_user), db: Session = Depends(get_db)) -> Response:
    query = _mail_query(user)
    rows = list(db.exec(query.order_by(Notification.created_at.desc(), Notification.id.desc())
                        .offset((max(page_no, 1) - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all())
    shown = rows[:PAGE_SIZE]
    facts = _mail_facts(request, db, user, shown)
    return page(request, "mails.html", {
        "user": user, "rows": [(n, facts[n.id]) for n in shown], "more": len(rows) > PAGE_SIZE,
        "page_no": max(page_no, 1), "nav": "mails",
    })


def _mail_query(user: CurrentUser):
    query = select(Notification).where(Notification.organisation_id == user.organisation_id)
    if not (user.is_coordinator or user.decides_extensions):
        query = query.where(Notification.recipient_id == user.id)  # an officer sees their own mail only
    return query


@dataclass
class MailFacts:
    """What the mail page says of one outbox row, in words people read."""

    recipient: str  # the full name (never a username), else the address
    when: str  # "sẽ gửi lúc 07:30 ngày 02/12/2026", "đã gửi lúc ...", "không gửi: ..."
    state: str  # pending / sent / failed / skipped
    about: str  # what the mail is about: the kind in words and the task


def _mail_facts(request: Request, db: Session, user: CurrentUser, rows: list[Notification]) -> dict[int, MailFacts]:

    from domain.vocabulary import event_label
    from notifications.digest import org_calendar
    from persistence.models import Delivery, NotificationStatus, Role

    settings = request.app.state.settings
    org = db.get(Organisation, user.organisation_id)
    tz = org.timezone or settings.timezone
    calendar = org_calendar(org)
    from notifications.dispatch import skip_reason
    from notifications.outbox import organisation_policy, plan_policies, policy_for

    # Working hours: the chasing policy of each row's plan, as the dispatcher reads them.
    policies, org_policy = plan_policies(db, rows), organisation_policy(org)

    ids = {n.recipient_id for n in rows if n.recipient_id}
    occurrence_ids = {n.occurrence_id for n in rows if n.occurrence_id and n.status == NotificationStatus.PENDING}
    occurrences = {o.id: o for o in db.exec(select(Occurrence).where(Occurrence.id.in_(occurrence_ids)))} if occurrence_ids else {}
    people = {o.id: o for o in db.exec(select(Officer).where(Officer.id.in_(ids)))} if ids else {}
    now = datetime.now(UTC)
    facts = {}
    for n in rows:
        officer = people.get(n.recipient_id) if n.recipient_id else None
        name = (officer.full_name if officer else None) or n.recipient_name or (n.context or {}).get("recipient_name")
        status = NotificationStatus(n.status)
        if status == NotificationStatus.SENT:
            when = f"đã gửi lúc {_local_clock(n.sent_at, tz)}"
        elif status == NotificationStatus.SKIPPED:
            when = f"Bỏ qua – {n.skip_reason or 'không còn cần gửi'}"
        elif status == NotificationStatus.FAILED:
            when = "gửi không được, đã ngừng thử lại" + (f": {n.last_error}" if n.last_error else "")
        elif (reason := skip_reason(n, occurrences.get(n.occurrence_id))) is not None:
            # The dispatcher will drop it for this reason (same rule): say so now.
            when = f"sẽ không gửi – {reason}"
        else:
            delivery = Delivery(officer.delivery).value if officer else "immediate"
            leader = officer is not None and Role(officer.role) in (Role.CHAIRMAN, Role.VICE_CHAIRMAN)
            if n.kind == "escalation" and (leader or set((n.context or {}).get("recipient_roles") or [])
                                           & {"chairman", "vice_chairman"}):
                delivery = "daily"  # the leaders' digest, once a day
            policy = policy_for(n, policies, org_policy)
            at = queries.expected_send_at(n, delivery=delivery, calendar=calendar, tz=policy.timezone,
                                          work_start=f"{policy.day_start:%H:%M}", work_end=f"{policy.day_end:%H:%M}",
                                          digest_time=settings.notify_digest_time, now=now)
            when = f"sẽ gửi lúc {at:%H:%M} ngày {at:%d/%m/%Y}" + (" (lần thử lại)" if n.attempts else "")
        context = n.context or {}
        task = context.get("task_code") or context.get("code")
        title = context.get("task_title") or context.get("title") or ""
        about = event_label(n.kind) + (f" · nhiệm vụ {task}" if task else "") + (f": {title}" if title else "")
        facts[n.id] = MailFacts(name or n.recipient_email, when, status.value, about)
    return facts


def _local_clock(moment: datetime | None, tz: str) -> str:
    """"07:30 ngày 02/12/2026" in ``tz`` (a naive time is UTC, as SQLite returns it)."""
    from zoneinfo import ZoneInfo

    if moment is None:
        return "—"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    local = moment.astimezone(ZoneInfo(tz))
    return f"{local:%H:%M} ngày {local:%d/%m/%Y}"


@router.get("/mails/{mail_id}", include_in_schema=False)
def mail_view(request: Request, mail_id: int, user: CurrentUser = Depends(current_user),
              db: Session = Depends(get_db)) -> Response:
    """One mail as its recipient sees it: subject, plain text and HTML (rendered by notifications.render).

    The HTML goes in a sandboxed iframe's ``srcdoc`` (escaped as an attribute): no
    script runs in it and it cannot reach the page.
    """
    from notifications.dispatch import DIGEST_KINDS
    from notifications.render import render_digest, render_notification

    row = db.exec(_mail_query(user).where(Notification.id == mail_id)).first()
    if row is None:
        raise HTTPException(404, "Không tìm thấy thư.")
    facts = _mail_facts(request, db, user, [row])[row.id]
    context = {**(row.context or {}), "recipient_name": facts.recipient}
    base_url = request.app.state.settings.base_url
    try:
        rendered = (render_digest(row.kind, context, base_url) if row.kind in DIGEST_KINDS
                    else render_notification(row.kind, row.level, context, base_url))
    except Exception as error:  # an old row whose template changed: say so rather than fail the page
        rendered, problem = None, str(error)
    else:
        problem = None
    # Plain text first (encode/decode drops any Markup type), so the HTML is always escaped into the attribute.
    srcdoc = Markup.escape(rendered.html.encode().decode()) if rendered else ""
    return page(request, "mail.html", {"user": user, "n": row, "facts": facts, "mail": rendered, "problem": problem,
                                       "srcdoc": srcdoc, "nav": "mails"})
