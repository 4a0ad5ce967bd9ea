"""The outbox, channel-neutral: which Notification rows are due, and their life as rows.

Everything here is about rows, never about how a message travels (that is a
:class:`notifications.channels.Channel`):

- :func:`select_due`: pending rows whose ``not_before`` and ``next_attempt_at`` have
  passed, with the stale chasing rows (occurrence closed or moved) and the rows telling
  people what they did themselves marked SKIPPED on the way (:func:`skip_reason`).
- :func:`open_rows`: of those, the rows inside the working hours of the *plan's chasing
  policy* (``Plan.policy``: hours and time zone; rows without a task, and plans without a
  policy, use the organisation's default policy) on a working day of the organisation's
  calendar. The others wait; nothing is dropped.
- :func:`plan_bundles`: one recipient's rows grouped by their delivery setting
  (immediate, hourly, daily; escalations to leaders as one digest a day).
- :func:`claim_all` / :func:`release` / :func:`mark_sent` / :func:`mark_failed`: the
  conditional updates of the row state machine. A claim stores the message id and takes
  a lease (``next_attempt_at`` = now + :data:`LEASE`); a crash after delivery leaves the
  row pending with its message id, so the next run after the lease delivers the same
  message once more. Failures back off exponentially; permanent refusals give up after
  ``notify_max_attempts`` and the rows become FAILED, kept for the operator.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from domain.calendar import WorkCalendar
from domain.policy import DEFAULT_POLICY, Policy
from domain.policy import in_working_hours as policy_in_working_hours
from domain.vocabulary import CHASING_KINDS as VOCABULARY_CHASING_KINDS
from notifications.digest import as_utc, org_calendar
from persistence.models import (
    Delivery,
    Indicator,
    IndicatorValue,
    Notification,
    NotificationStatus,
    Occurrence,
    OccurrenceStatus,
    Officer,
    Organisation,
    Plan,
    PlanStatus,
    Role,
    Task,
    stored_id,
)
from settings import Settings

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)  # a claimed message is retried after this if its run died
LEADER_ROLES = ("chairman", "vice_chairman")
# Rows that chase an occurrence (domain.policy.KINDS): pointless once it is closed or moved.
CHASING_KINDS = VOCABULARY_CHASING_KINDS
SKIP_REASONS = {  # completes "Bỏ qua – ..." on the dashboard
    OccurrenceStatus.DONE: "việc đã hoàn thành",
    OccurrenceStatus.SUBMITTED: "việc đã được báo cáo hoàn thành, đang chờ xác nhận",
    OccurrenceStatus.CANCELLED: "việc đã bị huỷ",
}
SELF_ACTION_REASON = "người nhận chính là người đã thực hiện việc này"


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
    # Organisations with rows held back now because they are outside their plan's working hours.
    closed_organisations: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"{self.mails_sent} thư đã gửi ({self.rows_sent} thông báo), {self.mails_failed} thư lỗi, "
                f"{self.rows_waiting} thông báo chờ gửi gộp, {self.rows_skipped} thông báo bỏ qua")


def backoff(attempts: int, settings: Settings) -> timedelta:
    """Wait before retry number ``attempts`` + 1: base·2^(attempts-1), capped."""
    seconds = settings.notify_retry_base_seconds * (2 ** max(0, min(attempts - 1, 20)))
    return timedelta(seconds=min(seconds, settings.notify_retry_max_seconds))


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


def pending_summary(engine: Engine) -> dict[str, Any]:
    """Counts of outbox rows by status (for logs and the CLI)."""
    with Session(engine) as session:
        rows = session.exec(select(Notification.status)).all()
    counts: dict[str, int] = defaultdict(int)
    for status in rows:
        counts[NotificationStatus(status).value] += 1
    return dict(counts)


# --- stale rows ------------------------------------------------------------------------


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


def indicator_skip_reasons(session: Session, rows: list[Notification]) -> dict[int, str]:
    """Why chasing rows of indicators must not be sent any more, by row id.

    The value was reported for the row's period meanwhile, or the indicator (or its
    plan) is no longer followed.
    """
    if not rows:
        return {}
    ids = {int(r.context["indicator_id"]) for r in rows}
    followed = set(session.exec(select(Indicator.id).join(Plan, col(Plan.id) == Indicator.plan_id).where(
        col(Indicator.id).in_(ids), Indicator.active == True, Plan.status == PlanStatus.ACTIVE)).all())  # noqa: E712
    reported = set(session.exec(select(IndicatorValue.indicator_id, IndicatorValue.period_key).where(
        col(IndicatorValue.indicator_id).in_(ids))).all())
    reasons = {}
    for row in rows:
        indicator_id, period_key = int(row.context["indicator_id"]), row.context.get("period_key")
        if indicator_id not in followed:
            reasons[stored_id(row)] = "chỉ tiêu không còn được theo dõi"
        elif (indicator_id, period_key) in reported:
            reasons[stored_id(row)] = "chỉ tiêu đã được báo cáo số liệu kỳ này"
    return reasons


_TABLE: Table = Notification.__table__  # type: ignore[attr-defined]  # set on table models; SQLModel's stubs omit it


def _claimable(now: Any) -> Any:
    """Pending and not under another run's lease (the condition of every claim and skip)."""
    return (_TABLE.c.status == NotificationStatus.PENDING,
            or_(_TABLE.c.next_attempt_at.is_(None), _TABLE.c.next_attempt_at <= now))


def skip_stale(session: Session, rows: list[Notification], now: datetime,
               report: DispatchReport) -> list[Notification]:
    """Mark SKIPPED the chasing rows that are out of date; returns the rows still to handle.

    The update has the claim's condition (pending, not leased): a row another
    dispatcher has just claimed is left to it, and is dropped from this run either way.
    A row whose claiming run died (lease over) is judged like any other: if it went
    stale meanwhile it is skipped rather than resent, even though that run may have
    sent it just before dying (the message id stays on the row).
    """
    occurrence_ids = {r.occurrence_id for r in rows if r.kind in CHASING_KINDS and r.occurrence_id is not None}
    indicator_rows = [r for r in rows if r.kind in CHASING_KINDS and (r.context or {}).get("indicator_id")]
    if not occurrence_ids and not indicator_rows and not any(own_action(r) for r in rows):
        return rows
    occurrences = {o.id: o for o in session.exec(
        select(Occurrence).where(col(Occurrence.id).in_(occurrence_ids)))} if occurrence_ids else {}
    by_reason: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        reason = skip_reason(row, occurrences.get(row.occurrence_id) if row.occurrence_id else None)
        if reason is not None:
            by_reason[reason].append(stored_id(row))
    for row_id, reason in indicator_skip_reasons(session, indicator_rows).items():
        by_reason[reason].append(row_id)
    if not by_reason:
        return rows
    connection = session.connection()
    skipped = 0
    for reason, ids in by_reason.items():
        result = connection.execute(
            _TABLE.update()
            .where(_TABLE.c.id.in_(ids), *_claimable(now))
            .values(status=NotificationStatus.SKIPPED, skip_reason=reason, next_attempt_at=None)
        )
        skipped += result.rowcount
    session.commit()
    report.rows_skipped += skipped
    dropped = {i for ids in by_reason.values() for i in ids}
    log.info("Outbox: %d chasing notifications skipped (occurrence closed or due date changed): %s",
             skipped, sorted(dropped)[:50])
    return [r for r in rows if r.id not in dropped]


def select_due(session: Session, settings: Settings, now: datetime, report: DispatchReport) -> list[Notification]:
    """The pending rows due at ``now`` (stale ones skipped on the way), oldest first."""
    rows = list(session.exec(
        select(Notification)
        .where(Notification.status == NotificationStatus.PENDING,
               or_(col(Notification.not_before).is_(None), col(Notification.not_before) <= now),
               or_(col(Notification.next_attempt_at).is_(None), col(Notification.next_attempt_at) <= now))
        .order_by(col(Notification.id))
        .limit(settings.notify_batch_limit)
    ))
    return skip_stale(session, rows, now, report)


# --- working hours: the plan's chasing policy ------------------------------------------


def _clock(text: str) -> time:
    return datetime.strptime(text, "%H:%M").time()


def in_working_hours(moment: datetime, calendar: WorkCalendar, policy: Policy) -> bool:
    """True when people may be contacted at ``moment`` under ``policy`` (its hours, its zone)."""
    return policy_in_working_hours(moment, calendar, policy)


def organisation_policy(org: Organisation) -> Policy:
    """The organisation's default policy: the default hours, in the organisation's time zone."""
    if org.timezone and org.timezone != DEFAULT_POLICY.timezone:
        return replace(DEFAULT_POLICY, timezone=org.timezone)
    return DEFAULT_POLICY


class OrgClock:
    """Per-run facts about one organisation: its calendar, today, the digest and hour marks."""

    def __init__(self, org: Organisation, now: datetime, settings: Settings) -> None:
        self.org = org
        self.policy = organisation_policy(org)
        self.tz = self.policy.zone()
        self.local = now.astimezone(self.tz)
        self.calendar = org_calendar(org)
        digest_local = datetime.combine(self.local.date(), _clock(settings.notify_digest_time), self.tz)
        self.digest_at = digest_local.astimezone(UTC)
        hour_local = self.local.replace(minute=0, second=0, microsecond=0)
        self.hour_start = hour_local.astimezone(UTC)

    @property
    def today(self) -> date:
        return self.local.date()


def _plan_of(row: Notification) -> int | None:
    """The plan of a row without a task (an indicator's chasing row names it), else None."""
    value = (row.context or {}).get("plan_id") if row.task_id is None else None
    return int(value) if value is not None else None


def plan_policies(session: Session, rows: Iterable[Notification]) -> dict[tuple[str, int], Policy]:
    """The chasing policy of each row's plan, by ("task", task id) or ("plan", plan id).

    Only plans with a policy of their own are listed (the others use the default).
    """
    rows = list(rows)
    task_ids = {r.task_id for r in rows if r.task_id is not None}
    plan_ids = {p for p in map(_plan_of, rows) if p is not None}
    parsed: dict[str, Policy] = {}
    policies: dict[tuple[str, int], Policy] = {}

    def parse(stored: Mapping[str, Any]) -> Policy:
        key = json.dumps(stored, sort_keys=True)
        if key not in parsed:
            parsed[key] = Policy.from_dict(dict(stored))
        return parsed[key]

    if task_ids:
        for task_id, stored in session.exec(
                select(Task.id, Plan.policy).join(Plan, col(Task.plan_id) == Plan.id).where(col(Task.id).in_(task_ids))):
            if stored and task_id is not None:  # (ids read from the DB are never None)  # a plan without a policy of its own: the default
                policies[("task", task_id)] = parse(stored)
    if plan_ids:
        for plan_id, stored in session.exec(select(Plan.id, Plan.policy).where(col(Plan.id).in_(plan_ids))):
            if stored and plan_id is not None:
                policies[("plan", plan_id)] = parse(stored)
    return policies


def policy_for(row: Notification, policies: dict[tuple[str, int], Policy], organisation_default: Policy) -> Policy:
    """The policy whose hours a row goes out in: its plan's (``plan_policies``), else the default.

    A row of a task or of a plan's indicator follows its plan; a row without either (a
    weekly summary) follows the organisation's default policy.
    """
    if row.task_id is not None:
        return policies.get(("task", row.task_id), DEFAULT_POLICY)
    plan_id = _plan_of(row)
    if plan_id is not None:
        return policies.get(("plan", plan_id), DEFAULT_POLICY)
    return organisation_default


def open_rows(session: Session, rows: list[Notification], orgs: dict[int, OrgClock], now: datetime,
              report: DispatchReport) -> list[Notification]:
    """The rows whose plan's working hours are open at ``now``; the rest wait for a later run.

    A row of a task follows its plan's policy (the default policy when the plan has
    none); a row without a task (a weekly summary) follows the organisation's default.
    Working days are the organisation's calendar either way.
    """
    policies = plan_policies(session, rows)
    kept, closed = [], set()
    for row in rows:
        org = orgs.get(row.organisation_id)
        if org is None:
            continue
        if in_working_hours(now, org.calendar, policy_for(row, policies, org.policy)):
            kept.append(row)
        else:
            closed.add(row.organisation_id)
    report.closed_organisations = sorted(closed)
    return kept


# --- grouping: one recipient's rows into messages --------------------------------------


def _ready_at(row: Notification) -> datetime:
    created = as_utc(row.created_at) or datetime.min.replace(tzinfo=UTC)
    not_before = as_utc(row.not_before)
    return max(created, not_before) if not_before else created


def _leader_role(row: Notification, officer: Officer | None) -> str | None:
    if officer is not None and Role(officer.role) in (Role.CHAIRMAN, Role.VICE_CHAIRMAN):
        return Role(officer.role).value
    roles = (row.context or {}).get("recipient_roles") or []
    return next((r for r in LEADER_ROLES if r in roles), None)


@dataclass
class Bundle:
    """The rows one message delivers to one recipient, and how they are put together.

    ``style``: ``single`` (one row, its own message), ``digest`` (several rows for one
    officer), ``leader`` (the leaders' daily digest of escalations, ``leader_role``).
    """

    rows: list[Notification]
    style: str
    leader_role: str | None = None


def plan_bundles(rows: list[Notification], officer: Officer | None, org: OrgClock, now: datetime,
                 settings: Settings) -> tuple[list[Bundle], int]:
    """Split one recipient's ready rows into the messages to send now.

    Returns:
        The bundles, and how many rows wait for a later window.
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
            retries[row.message_id].append(row)  # already claimed once: the same message again
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
    bundles = [_restyle(group, role, settings) for group in retries.values()]
    if leader:
        bundles.append(Bundle(leader, "leader", role or "chairman"))
    if batch:
        bundles.append(Bundle(batch, "single" if len(batch) == 1 else "digest"))
    return bundles, waiting


def _restyle(rows: list[Notification], role: str | None, settings: Settings) -> Bundle:
    """The style a message had when first claimed (the same rows give the same message)."""
    if role and settings.notify_leader_digest and all(r.kind == "escalation" for r in rows):
        return Bundle(rows, "leader", role)
    return Bundle(rows, "single" if len(rows) == 1 else "digest")


@dataclass
class Planned:
    """One message of this run: its bundle, the organisation, the recipient's officer row."""

    bundle: Bundle
    org: OrgClock
    officer: Officer | None


def plan_run(session: Session, settings: Settings, now: datetime, report: DispatchReport) -> list[Planned]:
    """Select the due rows, keep those inside working hours, group them per recipient."""
    rows = select_due(session, settings, now, report)
    if not rows:
        return []
    orgs = {stored_id(o): OrgClock(o, now, settings) for o in session.exec(
        select(Organisation).where(col(Organisation.id).in_({r.organisation_id for r in rows})))}
    rows = open_rows(session, rows, orgs, now, report)
    recipient_ids = {r.recipient_id for r in rows if r.recipient_id is not None}
    officers = {o.id: o for o in session.exec(
        select(Officer).where(col(Officer.id).in_(recipient_ids)))} if recipient_ids else {}
    groups: dict[tuple[int, str], list[Notification]] = defaultdict(list)
    for row in rows:
        groups[(row.organisation_id, row.recipient_email.strip().lower())].append(row)
    planned: list[Planned] = []
    for (org_id, _address), group in groups.items():
        org = orgs[org_id]
        officer = next((officers.get(r.recipient_id) for r in group if r.recipient_id in officers), None)
        bundles, waiting = plan_bundles(group, officer, org, now, settings)
        report.rows_waiting += waiting
        planned.extend(Planned(bundle, org, officer) for bundle in bundles)
    return planned


# --- the row state machine: claim (lease), release, mark -------------------------------


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


def _claim_one(session: Session, row_ids: list[int], message_id: str, now: datetime) -> bool:
    result = session.connection().execute(
        _TABLE.update()
        .where(_TABLE.c.id.in_(row_ids), *_claimable(now))
        .values(message_id=message_id, next_attempt_at=now + LEASE)
    )
    return result.rowcount == len(row_ids)


def claim_all(session: Session, claims: list[tuple[list[int], str]], now: datetime) -> list[bool]:
    """Store each message's id and take a lease on its rows, all or nothing per message.

    Args:
        claims: (row ids, message id) per message.

    Fast path: every claim in one transaction (one executemany where the driver reports
    its row count). If a concurrent dispatcher took any of the rows, that is rolled
    back and each message is claimed in its own transaction instead.
    """
    if not claims:
        return []
    connection = session.connection()
    if connection.dialect.supports_sane_multi_rowcount:
        params = [{"row_id": i, "mid": message_id, "now": now, "lease": now + LEASE}
                  for row_ids, message_id in claims for i in row_ids]
        ok = connection.execute(_CLAIM, params).rowcount == len(params)
    else:
        ok = all(_claim_one(session, row_ids, message_id, now) for row_ids, message_id in claims)
    if ok:
        session.commit()
        return [True] * len(claims)
    session.rollback()
    results = []
    for row_ids, message_id in claims:
        ok = _claim_one(session, row_ids, message_id, now)
        session.commit() if ok else session.rollback()
        results.append(ok)
    return results


def mark_sent(engine: Engine, sent: list[tuple[list[int], str]], now: datetime) -> None:
    """Mark the rows of delivered messages SENT (one statement for a group of messages).

    Args:
        sent: (row ids, message id) per delivered message.
    """
    params = [{"row_id": i, "mid": message_id, "sent_at": now} for row_ids, message_id in sent for i in row_ids]
    with engine.begin() as connection:
        connection.execute(_SENT, params)


def release(engine: Engine, row_ids: list[int]) -> None:
    """Give claimed but undelivered rows back to the next run (keeping their message ids)."""
    if not row_ids:
        return
    with Session(engine) as session:
        session.execute(
            update(Notification)
            .where(col(Notification.id).in_(row_ids), col(Notification.status) == NotificationStatus.PENDING)
            .values(next_attempt_at=None)
            .execution_options(synchronize_session=False)
        )
        session.commit()


def mark_failed(engine: Engine, settings: Settings, row_ids: list[int], error: str, permanent: bool,
                now: datetime, report: DispatchReport) -> None:
    """Back off (or give up on a permanent refusal after enough attempts); the rows stay."""
    with Session(engine) as session:
        rows = list(session.exec(select(Notification).where(col(Notification.id).in_(row_ids))))
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
    report.rows_failed += len(row_ids)
    report.errors.append(error)
