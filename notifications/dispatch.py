"""The outbox dispatcher: pending Notification rows → grouped mails → SMTP → rows marked sent.

One call of :func:`dispatch_once` is one dispatch run at an explicit ``now`` (the
scheduler passes the current time; tests pass "22:00" or "2 September"):

1. Pick pending rows whose ``not_before`` and ``next_attempt_at`` have passed. A chasing
   row (reminder, due, overdue, escalation) whose occurrence is no longer open (done,
   reported done and awaiting confirmation, cancelled) or whose due date has changed
   since the row was written is not sent: it becomes SKIPPED with its ``skip_reason``
   (kept, shown on the dashboard). Answers to people (completion confirmed/rejected,
   extension granted/denied, ...) are always sent. Of the rest, the rows of the
   organisations inside working hours (07:30–17:00 local, on a working day of their
   calendar) go on; everything else waits for a later run: nothing is dropped.
2. Group them per recipient into mails according to the officer's delivery setting:
   immediate (everything ready now), hourly (rows whose clock hour has ended), daily
   (rows ready before today's digest time, sent after it). Escalations to the chairman
   or vice-chairman become one leaders' digest a day. Several rows in one mail make a
   digest; a single row is sent as its own message.
3. *Claim* each mail's rows just before sending (a few mails at a time): store its
   Message-ID on them and push ``next_attempt_at`` a lease ahead, in one conditional
   UPDATE. A crash leaves only that window under lease; the run's later mails were
   never claimed and go out at the next run. Another dispatcher
   (a second process) cannot claim the same rows; a crash after the send leaves the
   rows pending with their Message-ID, so the next run after the lease resends the
   same message once, with the same Message-ID (receivers can de-duplicate).
4. Send over one SMTP connection; mark each mail's rows sent (``sent_at``,
   ``message_id``) or, on failure, back off exponentially (``attempts``,
   ``next_attempt_at``, ``last_error``). Transient failures retry forever; permanent
   (5xx) refusals give up after ``notify_max_attempts`` and the rows become FAILED,
   kept for the operator.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from domain.calendar import WorkCalendar
from domain.vocabulary import CHASING_KINDS as VOCABULARY_CHASING_KINDS
from persistence.models import (
    Delivery,
    Notification,
    NotificationStatus,
    Occurrence,
    OccurrenceStatus,
    Officer,
    Organisation,
    Role,
)
from notifications.digest import as_utc, leader_digest, officer_digest, org_calendar
from notifications.render import Rendered, message_bytes, new_message_id, render_digest, render_notification
from notifications.smtp import SendError, SmtpBatch, SmtpTarget
from settings import Settings

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)  # a claimed mail is retried after this if its run died
# Mails are claimed this many at a time, just before they are sent: a crash leaves at most
# one window under lease (the mail in flight and the few after it); the rest of the run
# was never claimed and goes out at the next run.
CLAIM_WINDOW = 8
MARK_EVERY = 100  # sent mails marked per transaction...
MARK_SECONDS = 1.0  # ...or at least this often
LEADER_ROLES = ("chairman", "vice_chairman")
DIGEST_KINDS = {"weekly_summary"}  # rows that carry a whole digest in their context
# Rows that chase an occurrence (domain.policy.KINDS): pointless once it is closed or moved.
CHASING_KINDS = VOCABULARY_CHASING_KINDS
SKIP_REASONS = {  # completes "Bỏ qua – ..." on the dashboard
    OccurrenceStatus.DONE: "việc đã hoàn thành",
    OccurrenceStatus.SUBMITTED: "việc đã được báo cáo hoàn thành, đang chờ xác nhận",
    OccurrenceStatus.CANCELLED: "việc đã bị huỷ",
}


@dataclass
class DispatchReport:
    """What one dispatch run did."""

    mails_sent: int = 0
    rows_sent: int = 0
    mails_failed: int = 0
    rows_failed: int = 0
    rows_given_up: int = 0
    rows_waiting: int = 0  # ready rows held back for their digest window
    rows_skipped: int = 0  # chasing rows not sent: their occurrence was closed or its due date moved
    closed_organisations: list[int] = field(default_factory=list)  # outside working hours now
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"{self.mails_sent} thư đã gửi ({self.rows_sent} thông báo), {self.mails_failed} thư lỗi, "
                f"{self.rows_waiting} thông báo chờ gửi gộp, {self.rows_skipped} thông báo bỏ qua")


@dataclass
class Outgoing:
    """One mail about to be sent: the rows it delivers and the message."""

    row_ids: list[int]
    message_id: str
    recipient: str
    raw: bytes | None = None  # the message as sent
    render_error: str | None = None


def _clock(text: str) -> time:
    return datetime.strptime(text, "%H:%M").time()


def in_working_hours(local: datetime, calendar: WorkCalendar, settings: Settings) -> bool:
    """True when people may be contacted at the local time ``local``."""
    return (calendar.is_working_day(local.date())
            and _clock(settings.notify_work_start) <= local.time() < _clock(settings.notify_work_end))


def backoff(attempts: int, settings: Settings) -> timedelta:
    """Wait before retry number ``attempts`` + 1: base·2^(attempts-1), capped."""
    seconds = settings.notify_retry_base_seconds * (2 ** max(0, min(attempts - 1, 20)))
    return timedelta(seconds=min(seconds, settings.notify_retry_max_seconds))


class _Org:
    """Per-run facts about one organisation."""

    def __init__(self, org: Organisation, now: datetime, settings: Settings) -> None:
        self.org = org
        self.tz = ZoneInfo(org.timezone or settings.timezone)
        self.local = now.astimezone(self.tz)
        self.calendar = org_calendar(org)
        self.open = in_working_hours(self.local, self.calendar, settings)
        digest_local = datetime.combine(self.local.date(), _clock(settings.notify_digest_time), self.tz)
        self.digest_at = digest_local.astimezone(timezone.utc)
        hour_local = self.local.replace(minute=0, second=0, microsecond=0)
        self.hour_start = hour_local.astimezone(timezone.utc)

    @property
    def today(self) -> date:
        return self.local.date()


STATUS_LABELS = {
    NotificationStatus.PENDING: "Chờ gửi",
    NotificationStatus.SENT: "Đã gửi",
    NotificationStatus.FAILED: "Gửi lỗi",
    NotificationStatus.SKIPPED: "Bỏ qua",
}


def status_text(row: Notification) -> str:
    """A row's status for people: "Bỏ qua – việc đã hoàn thành", "Gửi lỗi – 550 ...", "Đã gửi"."""
    status = NotificationStatus(row.status)
    label = STATUS_LABELS.get(status, status.value)
    detail = row.skip_reason if status == NotificationStatus.SKIPPED else (
        row.last_error if status == NotificationStatus.FAILED else None)
    return f"{label} – {detail}" if detail else label


def _notice_due(row: Notification) -> date | None:
    """The due date a chasing row was written against (its context, else its action key)."""
    context = row.context or {}
    candidates = [context.get("due")] if context.get("due") else []
    key = str(context.get("action_key") or "")  # f"{occurrence}@{effective_due}:{step}"
    if "@" in key:
        candidates.append(key.rsplit("@", 1)[1].split(":", 1)[0])
    for value in candidates:
        try:
            return date.fromisoformat(str(value)[:10])
        except ValueError:
            continue
    return None


SELF_ACTION_REASON = "người nhận chính là người đã thực hiện việc này"


def own_action(row: Notification) -> bool:
    """True when the row tells its recipient about something the recipient did.

    The task activities write the event's actor (username) in the row's context; a
    person is never told, alone or in a digest, what they have just done themselves.
    """
    context = row.context or {}
    actor = context.get("actor")
    if not actor or actor == "system" or row.kind in CHASING_KINDS:
        return False
    return actor == context.get("recipient_username")


def skip_reason(row: Notification, occurrence: Occurrence | None) -> str | None:
    """Why a pending row must not be sent any more, or None to send it.

    Only chasing rows are ever skipped, and only when what they say is no longer true:
    the occurrence is done, reported done (awaiting confirmation: not chased, as in
    domain.policy; a rejection reopens it and the ladder chases again) or cancelled, or
    its effective due date is not the one the row was written against (an extension
    was granted: the ladder restarts from the new date with new keys).
    """
    if own_action(row):
        return SELF_ACTION_REASON
    if row.kind not in CHASING_KINDS or occurrence is None:
        return None
    status = OccurrenceStatus(occurrence.status)
    if status != OccurrenceStatus.OPEN:
        return SKIP_REASONS.get(status, f"việc ở trạng thái {status.value}")
    notice_due = _notice_due(row)
    if notice_due is not None and notice_due != occurrence.effective_due:
        return (f"hạn đã đổi sang {occurrence.effective_due:%d/%m/%Y} "
                f"(thông báo theo hạn cũ {notice_due:%d/%m/%Y})")
    return None


def _skip_stale(session: Session, rows: list[Notification], now: datetime,
                report: DispatchReport) -> list[Notification]:
    """Mark SKIPPED the chasing rows that are out of date; returns the rows still to handle.

    The update has the claim's condition (pending, not leased): a row another
    dispatcher has just claimed is left to it, and is dropped from this run either way.
    A row whose claiming run died (lease over) is judged like any other: if it went
    stale meanwhile it is skipped rather than resent, even though that run may have
    sent it just before dying (the Message-ID stays on the row).
    """
    occurrence_ids = {r.occurrence_id for r in rows if r.kind in CHASING_KINDS and r.occurrence_id is not None}
    if not occurrence_ids and not any(own_action(r) for r in rows):
        return rows
    occurrences = {o.id: o for o in session.exec(
        select(Occurrence).where(Occurrence.id.in_(occurrence_ids)))} if occurrence_ids else {}
    by_reason: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        reason = skip_reason(row, occurrences.get(row.occurrence_id) if row.occurrence_id else None)
        if reason is not None:
            by_reason[reason].append(row.id)
    if not by_reason:
        return rows
    connection = session.connection()
    skipped = 0
    for reason, ids in by_reason.items():
        result = connection.execute(
            _TABLE.update()
            .where(_TABLE.c.id.in_(ids), _TABLE.c.status == NotificationStatus.PENDING,
                   or_(_TABLE.c.next_attempt_at.is_(None), _TABLE.c.next_attempt_at <= now))
            .values(status=NotificationStatus.SKIPPED, skip_reason=reason, next_attempt_at=None)
        )
        skipped += result.rowcount
    session.commit()
    report.rows_skipped += skipped
    dropped = {i for ids in by_reason.values() for i in ids}
    log.info("Outbox: %d chasing notifications skipped (occurrence closed or due date changed): %s",
             skipped, sorted(dropped)[:50])
    return [r for r in rows if r.id not in dropped]


def _ready_at(row: Notification) -> datetime:
    created = as_utc(row.created_at) or datetime.min.replace(tzinfo=timezone.utc)
    not_before = as_utc(row.not_before)
    return max(created, not_before) if not_before else created


def _leader_role(row: Notification, officer: Officer | None) -> str | None:
    if officer is not None and Role(officer.role) in (Role.CHAIRMAN, Role.VICE_CHAIRMAN):
        return Role(officer.role).value
    roles = (row.context or {}).get("recipient_roles") or []
    return next((r for r in LEADER_ROLES if r in roles), None)


@dataclass
class _Mail:
    rows: list[Notification]
    style: str  # single | digest | leader
    leader_role: str | None = None


def plan_mails(rows: list[Notification], officer: Officer | None, org: _Org, now: datetime,
               settings: Settings) -> tuple[list[_Mail], int]:
    """Split one recipient's ready rows into the mails to send now.

    Returns:
        The mails, and how many rows wait for a later window.
    """
    delivery = Delivery(officer.delivery) if officer is not None else Delivery.IMMEDIATE
    retries: dict[str, list[Notification]] = defaultdict(list)
    leader: list[Notification] = []
    batch: list[Notification] = []
    waiting = 0
    digest_open = now >= org.digest_at
    for row in rows:
        ready = _ready_at(row)
        if row.message_id:
            retries[row.message_id].append(row)  # already claimed once: the same mail again
            continue
        role = _leader_role(row, officer)
        if row.kind == "escalation" and role and settings.notify_leader_digest:
            if digest_open and ready <= org.digest_at:
                leader.append(row)
            else:
                waiting += 1
        elif delivery == Delivery.DAILY:
            if digest_open and ready <= org.digest_at:
                batch.append(row)
            else:
                waiting += 1
        elif delivery == Delivery.HOURLY:
            if ready < org.hour_start:
                batch.append(row)
            else:
                waiting += 1
        else:
            batch.append(row)
    role = _leader_role(rows[0], officer) if rows else None
    mails = [_restyle(group, role, settings) for group in retries.values()]
    if leader:
        mails.append(_Mail(leader, "leader", role or "chairman"))
    if batch:
        mails.append(_Mail(batch, "single" if len(batch) == 1 else "digest"))
    return mails, waiting


def _restyle(rows: list[Notification], role: str | None, settings: Settings) -> _Mail:
    """The style a mail had when first claimed (the same rows give the same mail)."""
    if role and settings.notify_leader_digest and all(r.kind == "escalation" for r in rows):
        return _Mail(rows, "leader", role)
    return _Mail(rows, "single" if len(rows) == 1 else "digest")


def _render(session: Session, mail: _Mail, org: _Org, now: datetime, settings: Settings) -> Rendered:
    first = mail.rows[0]
    name = first.recipient_name or (first.context or {}).get("recipient_name")
    if mail.style == "leader":
        return leader_digest(session, mail.rows, org=org.org, recipient_email=first.recipient_email,
                             recipient_name=name, role=mail.leader_role or "chairman", now=now,
                             base_url=settings.base_url)
    if mail.style == "digest":
        return officer_digest(mail.rows, recipient_name=name, organisation=org.org.name, day=org.today,
                              base_url=settings.base_url)
    if first.kind in DIGEST_KINDS:
        return render_digest(first.kind, {**(first.context or {}), "recipient_name": name}, settings.base_url)
    return render_notification(first.kind, first.level, {**(first.context or {}), "recipient_name": name},
                               settings.base_url)


def sender_display_name(org: Organisation) -> str:
    """The From name people see: the organisation ("UBND xã Vĩnh Lập"), not the software."""
    return " ".join((org.name or "").split()) or "dondoc"


def _trace_headers(mail: _Mail) -> dict[str, str]:
    """X-Dondoc-* headers: what kind of mail, and which outbox rows it delivers."""
    first = mail.rows[0]
    kind = first.kind if mail.style == "single" else f"{mail.style}-digest"
    headers = {"Kind": kind, "Notifications": ",".join(str(r.id) for r in mail.rows[:50])}
    if mail.style == "single" and first.task_id:
        headers["Task"] = str(first.task_id)
    return headers


_TABLE = Notification.__table__
_CLAIM = (
    _TABLE.update()
    .where(_TABLE.c.id == bindparam("row_id"), _TABLE.c.status == NotificationStatus.PENDING,
           or_(_TABLE.c.next_attempt_at.is_(None), _TABLE.c.next_attempt_at <= bindparam("now")))
    .values(message_id=bindparam("mid"), next_attempt_at=bindparam("lease"))
)
_SENT = (
    _TABLE.update()
    .where(_TABLE.c.id == bindparam("row_id"), _TABLE.c.status == NotificationStatus.PENDING)
    .values(status=NotificationStatus.SENT, sent_at=bindparam("sent_at"), message_id=bindparam("mid"),
            next_attempt_at=None, last_error=None, attempts=_TABLE.c.attempts + 1)
)


def _claim_params(rows: list[Notification], message_id: str, now: datetime) -> list[dict[str, Any]]:
    return [{"row_id": r.id, "mid": message_id, "now": now, "lease": now + LEASE} for r in rows]


def _claim_one(session: Session, rows: list[Notification], message_id: str, now: datetime) -> bool:
    result = session.connection().execute(
        _TABLE.update()
        .where(_TABLE.c.id.in_([r.id for r in rows]), _TABLE.c.status == NotificationStatus.PENDING,
               or_(_TABLE.c.next_attempt_at.is_(None), _TABLE.c.next_attempt_at <= now))
        .values(message_id=message_id, next_attempt_at=now + LEASE)
    )
    return result.rowcount == len(rows)


def _claim_all(session: Session, claims: list[tuple[list[Notification], str]], now: datetime) -> list[bool]:
    """Store each mail's Message-ID and take a lease on its rows, all or nothing per mail.

    Fast path: every claim in one transaction (one executemany where the driver reports
    its row count). If a concurrent dispatcher took any of the rows, that is rolled
    back and each mail is claimed in its own transaction instead.
    """
    if not claims:
        return []
    connection = session.connection()
    if connection.dialect.supports_sane_multi_rowcount:
        params = [p for rows, message_id in claims for p in _claim_params(rows, message_id, now)]
        ok = connection.execute(_CLAIM, params).rowcount == len(params)
    else:
        ok = all(_claim_one(session, rows, message_id, now) for rows, message_id in claims)
    if ok:
        session.commit()
        return [True] * len(claims)
    session.rollback()
    results = []
    for rows, message_id in claims:
        ok = _claim_one(session, rows, message_id, now)
        session.commit() if ok else session.rollback()
        results.append(ok)
    return results


def _prepare(engine: Engine, settings: Settings, now: datetime, report: DispatchReport) -> list[Outgoing]:
    """Select, group, claim and render; everything before the network."""
    outgoing: list[Outgoing] = []
    with Session(engine, expire_on_commit=False) as session:
        rows = list(session.exec(
            select(Notification)
            .where(Notification.status == NotificationStatus.PENDING,
                   or_(Notification.not_before.is_(None), Notification.not_before <= now),
                   or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now))
            .order_by(Notification.id)
            .limit(settings.notify_batch_limit)
        ))
        rows = _skip_stale(session, rows, now, report)
        if not rows:
            return outgoing
        orgs = {o.id: _Org(o, now, settings) for o in session.exec(
            select(Organisation).where(Organisation.id.in_({r.organisation_id for r in rows})))}
        report.closed_organisations = sorted(i for i, o in orgs.items() if not o.open)
        rows = [r for r in rows if r.organisation_id in orgs and orgs[r.organisation_id].open]
        recipient_ids = {r.recipient_id for r in rows if r.recipient_id is not None}
        officers = {o.id: o for o in session.exec(select(Officer).where(Officer.id.in_(recipient_ids)))} if recipient_ids else {}
        groups: dict[tuple[int, str], list[Notification]] = defaultdict(list)
        for row in rows:
            groups[(row.organisation_id, row.recipient_email.strip().lower())].append(row)
        planned: list[tuple[_Mail, _Org, str]] = []
        for (org_id, _email), group in groups.items():
            org = orgs[org_id]
            officer = next((officers.get(r.recipient_id) for r in group if r.recipient_id in officers), None)
            mails, waiting = plan_mails(group, officer, org, now, settings)
            report.rows_waiting += waiting
            for mail in mails:
                planned.append((mail, org, mail.rows[0].message_id or new_message_id(settings.smtp_sender)))
        # Claimed later, window by window, just before sending (see dispatch_once).
        for mail, org, message_id in planned:
            first = mail.rows[0]
            out = Outgoing(row_ids=[r.id for r in mail.rows], message_id=message_id,
                           recipient=first.recipient_email.strip())
            try:
                rendered = _render(session, mail, org, now, settings)
                out.raw = message_bytes(
                    rendered, sender=settings.smtp_sender, to_email=first.recipient_email,
                    to_name=first.recipient_name, message_id=message_id, when=now,
                    sender_name=sender_display_name(org.org), references=_trace_headers(mail),
                )
            except Exception as error:  # noqa: BLE001 - one bad row must not stop the others
                log.exception("Cannot build mail for rows %s", out.row_ids)
                out.render_error = f"{type(error).__name__}: {error}"[:500]
            outgoing.append(out)
    return outgoing


def _mark_sent(engine: Engine, outs: list[Outgoing], now: datetime) -> None:
    """Mark the rows of sent mails SENT (one statement for a group of mails)."""
    params = [{"row_id": i, "mid": out.message_id, "sent_at": now} for out in outs for i in out.row_ids]
    with engine.begin() as connection:
        connection.execute(_SENT, params)


@dataclass(frozen=True)
class _RowId:
    id: int


def _claim_window(engine: Engine, outs: list[Outgoing], now: datetime) -> list[bool]:
    """Claim the rows of ``outs`` (Message-ID stored and committed before they are sent)."""
    with Session(engine, expire_on_commit=False) as session:
        return _claim_all(session, [([_RowId(i) for i in out.row_ids], out.message_id) for out in outs], now)


def _release(engine: Engine, outs: list[Outgoing]) -> None:
    """Give claimed but unsent mails back to the next run (keeping their Message-IDs)."""
    ids = [i for out in outs for i in out.row_ids]
    if not ids:
        return
    with Session(engine) as session:
        session.execute(
            update(Notification)
            .where(Notification.id.in_(ids), Notification.status == NotificationStatus.PENDING)
            .values(next_attempt_at=None)
            .execution_options(synchronize_session=False)
        )
        session.commit()


def _mark_failed(engine: Engine, settings: Settings, out: Outgoing, error: str, permanent: bool,
                 now: datetime, report: DispatchReport) -> None:
    """Back off (or give up on a permanent refusal after enough attempts); the row stays."""
    with Session(engine) as session:
        rows = list(session.exec(select(Notification).where(Notification.id.in_(out.row_ids))))
        for row in rows:
            if NotificationStatus(row.status) != NotificationStatus.PENDING:
                continue
            row.attempts += 1
            row.last_error = error[:1000]
            if permanent and row.attempts >= settings.notify_max_attempts:
                row.status = NotificationStatus.FAILED
                row.next_attempt_at = None
                report.rows_given_up += 1
            else:
                row.next_attempt_at = now + backoff(row.attempts, settings)
            session.add(row)
        session.commit()
    report.mails_failed += 1
    report.rows_failed += len(out.row_ids)
    report.errors.append(error)


async def dispatch_once(engine: Engine, settings: Settings, now: datetime | None = None,
                        target: SmtpTarget | None = None) -> DispatchReport:
    """Run one dispatch: deliver every mail that is due at ``now``.

    Args:
        engine: the application database.
        settings: SMTP, working hours, digest time, backoff.
        now: the moment of this run (default: the current time); aware, or naive UTC.
        target: where to send (default: from settings, i.e. SMTP host or the catcher).

    Returns:
        Counts of what was sent, failed and held back.
    """
    now = as_utc(now or datetime.now(timezone.utc))
    report = DispatchReport()
    outgoing = await asyncio.to_thread(_prepare, engine, settings, now, report)
    if not outgoing:
        return report
    for out in [o for o in outgoing if o.raw is None]:
        await asyncio.to_thread(_mark_failed, engine, settings, out, out.render_error or "render error",
                                True, now, report)
    outgoing = [o for o in outgoing if o.raw is not None]
    if not outgoing:
        return report
    smtp = SmtpBatch(target or SmtpTarget.from_settings(settings))
    sent: list[Outgoing] = []  # sent, not yet marked
    last_mark = started = monotonic()

    async def mark() -> None:
        nonlocal last_mark
        if sent:
            batch = list(sent)
            sent.clear()
            await asyncio.to_thread(_mark_sent, engine, batch, now)
            report.mails_sent += len(batch)
            report.rows_sent += sum(len(o.row_ids) for o in batch)
        last_mark = monotonic()

    try:
        try:
            await smtp.connect()
        except SendError as error:
            for out in outgoing:
                await asyncio.to_thread(_mark_failed, engine, settings, out, str(error), False, now, report)
            return report
        claimed: dict[int, Outgoing] = {}  # id() -> mail claimed by this run, not yet sent
        for index, out in enumerate(outgoing):
            if index % CLAIM_WINDOW == 0:
                window = outgoing[index:index + CLAIM_WINDOW]
                oks = await asyncio.to_thread(_claim_window, engine, window, now)
                claimed = {id(o): o for o, ok in zip(window, oks) if ok}  # others: another dispatcher has them
            if claimed.pop(id(out), None) is None:
                continue
            if monotonic() - started > LEASE.total_seconds() / 2:
                # Slow server: hand this mail and the rest of its window back before the lease runs out.
                await asyncio.to_thread(_release, engine, [out, *claimed.values()])
                break
            try:
                await smtp.send(out.raw, settings.smtp_sender, [out.recipient])
            except SendError as error:
                await mark()
                await asyncio.to_thread(_mark_failed, engine, settings, out, str(error), error.permanent, now, report)
                if error.connection_lost:
                    try:
                        await smtp.connect()
                    except SendError as again:  # still down: the rest waits for its backoff
                        for rest in outgoing[index + 1:]:
                            await asyncio.to_thread(_mark_failed, engine, settings, rest, str(again), False, now, report)
                        return report
                continue
            sent.append(out)
            # Marks are grouped: a crash resends at most this group, each mail once, same Message-ID.
            if len(sent) >= MARK_EVERY or monotonic() - last_mark > MARK_SECONDS:
                await mark()
    finally:
        try:
            await mark()
        finally:
            await smtp.close()
    return report


def pending_summary(engine: Engine) -> dict[str, Any]:
    """Counts of outbox rows by status (for logs and the CLI)."""
    with Session(engine) as session:
        rows = session.exec(select(Notification.status)).all()
    counts: dict[str, int] = defaultdict(int)
    for status in rows:
        counts[NotificationStatus(status).value] += 1
    return dict(counts)


__all__ = ["DispatchReport", "backoff", "dispatch_once", "in_working_hours", "plan_mails", "pending_summary",
           "skip_reason", "status_text"]
