"""The dispatcher: one run moves the due outbox rows through a channel.

:func:`dispatch_once` is one run at an explicit ``now`` by e-mail (the scheduler passes
the current time; tests pass "22:00" or "2 September"); :func:`dispatch_channel` is the
same run through any :class:`~notifications.channels.Channel`.

1. Plan (notifications.outbox): the due rows, stale ones skipped, those inside their
   plan's working hours, grouped per recipient into bundles by the delivery setting.
   The channel renders each bundle; a bundle it cannot render fails permanently.
2. Claim each message's rows just before delivering it, a few messages at a time
   (:data:`CLAIM_WINDOW`): store its message id on them and push ``next_attempt_at`` a
   lease ahead, in one conditional UPDATE. A crash leaves only that window under lease;
   the run's later messages were never claimed and go out at the next run. Another
   dispatcher (a second process) cannot claim the same rows; a crash after delivery
   leaves the rows pending with their message id, so the next run after the lease
   delivers the same message once, with the same id (receivers can de-duplicate).
3. The channel delivers the window message by message; delivered rows are marked SENT
   in groups, failed ones back off (or give up on a permanent refusal). When the run
   has taken half the lease, the rest is handed back before the lease runs out.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import aclosing
from datetime import UTC, datetime
from time import monotonic

from sqlalchemy.engine import Engine
from sqlmodel import Session

from notifications.channels import Channel, ChannelUnavailable, Outgoing
from notifications.digest import as_utc
from notifications.email_channel import DIGEST_KINDS, EmailChannel, sender_display_name  # noqa: F401
from notifications.outbox import (
    LEASE,
    SELF_ACTION_REASON,
    DispatchReport,
    backoff,
    in_working_hours,
    pending_summary,
    plan_run,
    skip_reason,
    status_text,
)
from notifications.outbox import claim_all as _claim_all
from notifications.outbox import mark_failed as _mark_failed
from notifications.outbox import mark_sent as _mark_sent
from notifications.outbox import plan_bundles as plan_mails
from notifications.outbox import release as _release

# The e-mail transport, named from here by callers that pass a target (and by tests).
from notifications.smtp import SmtpBatch, SmtpTarget  # noqa: F401
from settings import Settings

log = logging.getLogger(__name__)

# Messages are claimed this many at a time, just before they are delivered: a crash leaves
# at most one window under lease (the message in flight and the few after it); the rest of
# the run was never claimed and goes out at the next run.
CLAIM_WINDOW = 8
MARK_EVERY = 100  # delivered messages marked per transaction...
MARK_SECONDS = 1.0  # ...or at least this often


def _prepare(engine: Engine, settings: Settings, channel: Channel, now: datetime,
             report: DispatchReport) -> list[Outgoing]:
    """Select, group and render; everything before the network (nothing claimed yet)."""
    outgoing: list[Outgoing] = []
    with Session(engine, expire_on_commit=False) as session:
        for planned in plan_run(session, settings, now, report):
            bundle = planned.bundle
            first = bundle.rows[0]
            out = Outgoing(row_ids=[r.id for r in bundle.rows if r.id is not None],
                           message_id=first.message_id or channel.new_message_id(),
                           recipient=first.recipient_email.strip())
            try:
                out.payload = channel.prepare(session, bundle, planned.org, out.message_id, now)
            except Exception as error:  # noqa: BLE001 - one bad row must not stop the others
                log.exception("Cannot build %s message for rows %s", channel.name, out.row_ids)
                out.prepare_error = f"{type(error).__name__}: {error}"[:500]
            outgoing.append(out)
    return outgoing


def _claim_window(engine: Engine, outs: list[Outgoing], now: datetime) -> list[bool]:
    """Claim the rows of ``outs`` (message id stored and committed before delivery)."""
    with Session(engine, expire_on_commit=False) as session:
        return _claim_all(session, [(out.row_ids, out.message_id) for out in outs], now)


async def _fail(engine: Engine, settings: Settings, outs: list[Outgoing], error: str, permanent: bool,
                now: datetime, report: DispatchReport) -> None:
    for out in outs:
        await asyncio.to_thread(_mark_failed, engine, settings, out.row_ids, error, permanent, now, report)


async def dispatch_channel(engine: Engine, settings: Settings, channel: Channel,
                           now: datetime | None = None) -> DispatchReport:
    """Run one dispatch through ``channel``: deliver every message that is due at ``now``.

    Args:
        engine: the application database.
        settings: digest time, backoff, batch limit (working hours come from each plan's policy).
        channel: renders and delivers (e-mail, or any other :class:`Channel`).
        now: the moment of this run (default: the current time); aware, or naive UTC.

    Returns:
        Counts of what was delivered, failed and held back.
    """
    now = as_utc(now or datetime.now(UTC))
    assert now is not None
    report = DispatchReport()
    outgoing = await asyncio.to_thread(_prepare, engine, settings, channel, now, report)
    for out in [o for o in outgoing if o.prepare_error is not None]:
        await _fail(engine, settings, [out], out.prepare_error or "render error", True, now, report)
    outgoing = [o for o in outgoing if o.prepare_error is None]
    if not outgoing:
        return report
    try:
        await channel.open()
    except ChannelUnavailable as error:
        await _fail(engine, settings, outgoing, str(error), False, now, report)
        await channel.close()
        return report
    sent: list[Outgoing] = []  # delivered, not yet marked
    last_mark = started = monotonic()

    def lease_running_out() -> bool:
        return monotonic() - started > LEASE.total_seconds() / 2

    async def mark() -> None:
        nonlocal last_mark
        if sent:
            batch = list(sent)
            sent.clear()
            await asyncio.to_thread(_mark_sent, engine, [(o.row_ids, o.message_id) for o in batch], now)
            report.mails_sent += len(batch)
            report.rows_sent += sum(len(o.row_ids) for o in batch)
        last_mark = monotonic()

    try:
        for start in range(0, len(outgoing), CLAIM_WINDOW):
            if lease_running_out():
                break  # slow channel: the rest (never claimed) goes at the next run
            window = outgoing[start:start + CLAIM_WINDOW]
            oks = await asyncio.to_thread(_claim_window, engine, window, now)
            claimed = [o for o, ok in zip(window, oks, strict=True) if ok]  # others: another dispatcher has them
            reached = 0
            async with aclosing(channel.deliver(claimed)) as results:
                async for result in results:
                    out = claimed[reached]
                    reached += 1
                    if result.channel_down:  # nothing more goes: this and the rest back off
                        await mark()
                        await _fail(engine, settings, [out, *claimed[reached:], *outgoing[start + len(window):]],
                                    result.error or "channel down", False, now, report)
                        return report
                    if not result.delivered:
                        await mark()
                        await _fail(engine, settings, [out], result.error or "", result.permanent, now, report)
                    else:
                        sent.append(out)
                        # Marks are grouped: a crash redelivers at most this group, each once, same id.
                        if len(sent) >= MARK_EVERY or monotonic() - last_mark > MARK_SECONDS:
                            await mark()
                    if reached < len(claimed) and lease_running_out():
                        break
            if reached < len(claimed):
                # Handed back before the lease runs out (slow channel, or it stopped early).
                await asyncio.to_thread(_release, engine, [i for o in claimed[reached:] for i in o.row_ids])
                break
    finally:
        try:
            await mark()
        finally:
            await channel.close()
    return report


async def dispatch_once(engine: Engine, settings: Settings, now: datetime | None = None,
                        target: SmtpTarget | None = None) -> DispatchReport:
    """Run one dispatch by e-mail: deliver every mail that is due at ``now``.

    Args:
        engine: the application database.
        settings: SMTP, digest time, backoff (working hours come from each plan's policy).
        now: the moment of this run (default: the current time); aware, or naive UTC.
        target: where to send (default: from settings, i.e. SMTP host or the catcher).

    Returns:
        Counts of what was sent, failed and held back.
    """
    return await dispatch_channel(engine, settings, EmailChannel(settings, target), now)


__all__ = ["CLAIM_WINDOW", "SELF_ACTION_REASON", "DispatchReport", "backoff", "dispatch_channel", "dispatch_once",
           "in_working_hours", "pending_summary", "plan_mails", "sender_display_name", "skip_reason",
           "status_text"]
