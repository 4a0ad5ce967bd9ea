"""The outbox with a second, in-process channel: it works with any Channel, not only e-mail."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from notifications.channels import DELIVERED, Channel, ChannelUnavailable, Outgoing, Result
from notifications.dispatch import dispatch_channel
from notifications.email_channel import EmailChannel
from notifications.outbox import LEASE, Bundle, OrgClock
from persistence.db import session_scope
from persistence.models import Delivery, Notification, NotificationStatus
from settings import Settings
from tests.notifications.conftest import Commune, local

MONDAY_9 = local("2026-03-23 09:00")


@dataclass
class ListChannel:
    """Delivers by appending to a list; ``answers`` scripts a Result per recipient."""

    name: str = "list"
    delivered: list[dict[str, Any]] = field(default_factory=list)
    answers: dict[str, Result] = field(default_factory=dict)
    down: str | None = None  # open() fails with this
    crash_after: int | None = None  # raise (a killed process) once this many were delivered
    opened: int = 0
    closed: int = 0
    _ids: int = 0

    def new_message_id(self) -> str:
        self._ids += 1
        return f"list-{self._ids}"

    def prepare(self, session: Session, bundle: Bundle, org: OrgClock, message_id: str, now: datetime) -> dict:
        return {"id": message_id, "style": bundle.style, "kinds": [r.kind for r in bundle.rows],
                "rows": [r.id for r in bundle.rows], "organisation": org.org.name}

    async def open(self) -> None:
        self.opened += 1
        if self.down:
            raise ChannelUnavailable(self.down)

    async def deliver(self, batch: Sequence[Outgoing]) -> AsyncGenerator[Result, None]:
        for out in batch:
            if self.crash_after is not None and len(self.delivered) >= self.crash_after:
                raise KeyboardInterrupt("process killed while delivering")
            answer = self.answers.get(out.recipient, DELIVERED)
            if answer.delivered:
                self.delivered.append({"to": out.recipient, **out.payload})
            yield answer

    async def close(self) -> None:
        self.closed += 1


@pytest.fixture
def plain_settings(tmp_path: Path) -> Settings:
    # No SMTP anywhere: the list channel is the only way out.
    return Settings(_env_file=None, data_dir=tmp_path / "data", smtp_host="192.0.2.1", smtp_port=9)


def test_both_channels_satisfy_the_protocol(plain_settings: Settings) -> None:
    assert isinstance(ListChannel(), Channel)
    assert isinstance(EmailChannel(plain_settings), Channel)


async def test_the_outbox_delivers_through_any_channel(commune: Commune, plain_settings: Settings) -> None:
    commune.set_delivery("ketoan", Delivery.DAILY)
    single = commune.notify("3.1", "tuphap", "due", not_before=local("2026-03-23 08:00"))
    daily = [commune.notify("3.1", "ketoan", kind, not_before=local("2026-03-23 07:45"))
             for kind in ("reminder", "overdue")]
    channel = ListChannel()
    report = await dispatch_channel(commune.engine, plain_settings, channel, MONDAY_9)
    assert (report.mails_sent, report.rows_sent, report.mails_failed) == (2, 3, 0)
    by_to = {d["to"]: d for d in channel.delivered}
    assert by_to["tuphap@xa.example"]["style"] == "single" and by_to["tuphap@xa.example"]["rows"] == [single]
    assert by_to["ketoan@xa.example"]["style"] == "digest" and by_to["ketoan@xa.example"]["rows"] == daily
    rows = {r.id: r for r in commune.rows()}
    assert {r.status for r in rows.values()} == {NotificationStatus.SENT}
    assert rows[single].message_id == by_to["tuphap@xa.example"]["id"]  # the channel's id, stored on the row
    assert (channel.opened, channel.closed) == (1, 1)
    again = await dispatch_channel(commune.engine, plain_settings, channel, MONDAY_9 + timedelta(minutes=1))
    assert again.mails_sent == 0 and len(channel.delivered) == 2


async def test_failures_of_any_channel_back_off_and_give_up(commune: Commune, plain_settings: Settings) -> None:
    transient = commune.notify("3.1", "tuphap", "due", not_before=local("2026-03-23 08:00"))
    refused = commune.notify("3.1", "ketoan", "due", not_before=local("2026-03-23 08:00"))
    channel = ListChannel(answers={"tuphap@xa.example": Result("hết hạn mức"),
                                   "ketoan@xa.example": Result("số không tồn tại", permanent=True)})
    settings = plain_settings.model_copy(update={"notify_max_attempts": 1})
    report = await dispatch_channel(commune.engine, settings, channel, MONDAY_9)
    assert (report.mails_sent, report.mails_failed, report.rows_given_up) == (0, 2, 1)
    rows = {r.id: r for r in commune.rows()}
    assert rows[transient].status == NotificationStatus.PENDING and rows[transient].attempts == 1
    assert rows[transient].last_error == "hết hạn mức"
    assert rows[refused].status == NotificationStatus.FAILED and rows[refused].last_error == "số không tồn tại"
    channel.answers.clear()
    assert (await dispatch_channel(commune.engine, settings, channel, MONDAY_9 + timedelta(seconds=30))).mails_sent == 0
    report = await dispatch_channel(commune.engine, settings, channel, MONDAY_9 + timedelta(seconds=61))
    assert report.mails_sent == 1 and [d["rows"] for d in channel.delivered] == [[transient]]


async def test_a_channel_that_is_down_loses_nothing(commune: Commune, plain_settings: Settings) -> None:
    commune.notify("3.1", "tuphap", "due", not_before=local("2026-03-23 08:00"))
    commune.notify("3.1", "ketoan", "due", not_before=local("2026-03-23 08:00"))
    report = await dispatch_channel(commune.engine, plain_settings, ListChannel(down="mất kết nối"), MONDAY_9)
    assert (report.mails_sent, report.mails_failed) == (0, 2)
    assert all(r.status == NotificationStatus.PENDING and r.attempts == 1 for r in commune.rows())
    # Down in the middle: the message it could not take and every later one back off.
    channel = ListChannel(answers={"ketoan@xa.example": Result("mất kết nối", channel_down=True)})
    report = await dispatch_channel(commune.engine, plain_settings, channel, MONDAY_9 + timedelta(minutes=5))
    assert (report.mails_sent, report.mails_failed) == (1, 1)
    channel.answers.clear()
    report = await dispatch_channel(commune.engine, plain_settings, channel, MONDAY_9 + timedelta(minutes=10))
    assert report.mails_sent == 1
    assert {r.status for r in commune.rows()} == {NotificationStatus.SENT}


async def test_a_crash_in_any_channel_redelivers_once_with_the_same_id(commune: Commune,
                                                                       plain_settings: Settings) -> None:
    for username in ("tuphap", "ketoan", "vanphong"):
        commune.notify("3.1", username, "overdue", not_before=local("2026-03-23 08:00"))
    channel = ListChannel(crash_after=1)
    with pytest.raises(KeyboardInterrupt):
        await dispatch_channel(commune.engine, plain_settings, channel, MONDAY_9)
    rows = commune.rows()
    assert sum(r.status == NotificationStatus.SENT for r in rows) == 1  # delivered before the crash: marked
    in_flight = [r for r in rows if r.status == NotificationStatus.PENDING]
    assert len(in_flight) == 2 and all(r.message_id for r in in_flight)  # claimed (one window) before delivery
    channel.crash_after = None
    # Within the lease nobody redelivers; after it, each message once, with its first id.
    assert (await dispatch_channel(commune.engine, plain_settings, channel, MONDAY_9 + timedelta(minutes=5))).mails_sent == 0
    report = await dispatch_channel(commune.engine, plain_settings, channel, MONDAY_9 + LEASE + timedelta(seconds=1))
    assert report.mails_sent == 2
    assert sorted(d["id"] for d in channel.delivered[1:]) == sorted(r.message_id for r in in_flight)
    assert {r.status for r in commune.rows()} == {NotificationStatus.SENT}


async def test_rows_without_a_task_follow_the_organisations_default_hours(commune: Commune,
                                                                          plain_settings: Settings) -> None:
    with session_scope(commune.engine) as session:
        row = Notification(organisation_id=commune.org_id, idempotency_key="summary:chutich",
                           recipient_id=commune.officer_id("chutich"), recipient_email="chutich@xa.example",
                           kind="weekly_summary", not_before=local("2026-03-23 07:00"))
        row.created_at = local("2026-03-23 07:00")
        session.add(row)
    channel = ListChannel()
    assert (await dispatch_channel(commune.engine, plain_settings, channel, local("2026-03-23 07:29"))).mails_sent == 0
    report = await dispatch_channel(commune.engine, plain_settings, channel, local("2026-03-23 07:30"))
    assert report.mails_sent == 1 and channel.delivered[0]["kinds"] == ["weekly_summary"]
