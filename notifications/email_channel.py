"""The e-mail channel: a bundle of outbox rows → one rendered mail → SMTP.

Rendering uses notifications.render (Vietnamese templates, HTML + text) and the
digests of notifications.digest; delivery reuses one SMTP connection for the run
(notifications.smtp). The outbox and the dispatcher know nothing of either.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from datetime import datetime

from sqlmodel import Session

from notifications.channels import DELIVERED, ChannelUnavailable, Outgoing, Result
from notifications.digest import leader_digest, officer_digest
from notifications.outbox import Bundle, OrgClock
from notifications.render import Rendered, message_bytes, new_message_id, render_digest, render_notification
from notifications.smtp import SendError, SmtpBatch, SmtpTarget
from persistence.models import Organisation
from settings import Settings

DIGEST_KINDS = {"weekly_summary"}  # rows that carry a whole digest in their context


def sender_display_name(org: Organisation) -> str:
    """The From name people see: the organisation ("UBND xã Vĩnh Lập"), not the software."""
    return " ".join((org.name or "").split()) or "dondoc"


def trace_headers(bundle: Bundle) -> dict[str, str]:
    """X-Dondoc-* headers: what kind of mail, and which outbox rows it delivers."""
    first = bundle.rows[0]
    kind = first.kind if bundle.style == "single" else f"{bundle.style}-digest"
    headers = {"Kind": kind, "Notifications": ",".join(str(r.id) for r in bundle.rows[:50])}
    if bundle.style == "single" and first.task_id:
        headers["Task"] = str(first.task_id)
    return headers


def render_bundle(session: Session, bundle: Bundle, org: OrgClock, now: datetime, base_url: str) -> Rendered:
    """Subject, text and HTML of the mail for one bundle."""
    first = bundle.rows[0]
    name = first.recipient_name or (first.context or {}).get("recipient_name")
    if bundle.style == "leader":
        return leader_digest(session, bundle.rows, org=org.org, recipient_email=first.recipient_email,
                             recipient_name=name, role=bundle.leader_role or "chairman", now=now,
                             base_url=base_url)
    if bundle.style == "digest":
        return officer_digest(bundle.rows, recipient_name=name, organisation=org.org.name, day=org.today,
                              base_url=base_url)
    if first.kind in DIGEST_KINDS:
        return render_digest(first.kind, {**(first.context or {}), "recipient_name": name}, base_url)
    return render_notification(first.kind, first.level, {**(first.context or {}), "recipient_name": name},
                               base_url)


class EmailChannel:
    """Outbox rows by e-mail: rendered mails over one SMTP connection per run.

    Args:
        settings: sender, base URL, SMTP server.
        target: where to send (default: from settings, i.e. the SMTP host or the catcher).
    """

    name = "email"

    def __init__(self, settings: Settings, target: SmtpTarget | None = None) -> None:
        self.settings = settings
        self.smtp = SmtpBatch(target or SmtpTarget.from_settings(settings))
        self._lost = False  # the last send dropped the connection: reconnect before the next

    def new_message_id(self) -> str:
        return new_message_id(self.settings.smtp_sender)

    def prepare(self, session: Session, bundle: Bundle, org: OrgClock, message_id: str, now: datetime) -> bytes:
        """The mail's bytes (the same rows and Message-ID give the same mail on a resend)."""
        first = bundle.rows[0]
        rendered = render_bundle(session, bundle, org, now, self.settings.base_url)
        return message_bytes(
            rendered, sender=self.settings.smtp_sender, to_email=first.recipient_email,
            to_name=first.recipient_name, message_id=message_id, when=now,
            sender_name=sender_display_name(org.org), references=trace_headers(bundle),
        )

    async def open(self) -> None:
        try:
            await self.smtp.connect()
        except SendError as error:
            raise ChannelUnavailable(str(error)) from error
        self._lost = False

    async def deliver(self, batch: Sequence[Outgoing]) -> AsyncGenerator[Result, None]:
        for out in batch:
            if self._lost:  # reconnect once; still down: the rest waits for its backoff
                try:
                    await self.smtp.connect()
                except SendError as again:
                    yield Result(str(again), channel_down=True)
                    return
                self._lost = False
            try:
                await self.smtp.send(out.payload, self.settings.smtp_sender, [out.recipient])
            except SendError as error:
                self._lost = error.connection_lost
                yield Result(str(error), permanent=error.permanent)
                continue
            yield DELIVERED

    async def close(self) -> None:
        await self.smtp.close()
