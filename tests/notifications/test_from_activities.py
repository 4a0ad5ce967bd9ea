"""Rows written by the real task activities become the right mails (context compatibility),
and chasing rows that went stale before dispatch are skipped, not sent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select
from temporalio.testing import ActivityEnvironment

from activities.task_activities import TaskActivities
from contracts.task_activities import ActionSpec, OccurrenceChange, RecordActionsInput, RecordEventInput
from notifications.dispatch import dispatch_once
from persistence.db import session_scope
from persistence.models import Delivery, Notification, NotificationStatus
from tests.notifications.conftest import BASE_URL, Commune, Sink, local

OCC = "2026-Q1"  # the occurrence conftest's add_task makes, due 20/03/2026


class Acts:
    """The task activities of one task, run as the workflow runs them."""

    def __init__(self, commune: Commune, code: str = "3.1") -> None:
        self.commune = commune
        self.task_id = commune.tasks[code]
        self.acts = TaskActivities(commune.engine)
        self.env = ActivityEnvironment()
        self._events = 0

    def action(self, step: str, kind: str, at: str, recipients: dict[str, list[str]], *, due: str = "2026-03-20",
               level: int = 0) -> None:
        """One chasing action of the policy (key f"{occurrence}@{effective_due}:{step}")."""
        before = _last_id(self.commune)
        self.env.run(self.acts.record_actions, RecordActionsInput(
            organisation_id=self.commune.org_id, task_id=self.task_id, workflow_id="wf", actions=[
                ActionSpec(key=f"{OCC}@{due}:{step}", kind=kind, level=level, recipients=list(recipients),
                           audience=sorted({f for fields in recipients.values() for f in fields}),
                           occurrence_key=OCC, period="Quý I/2026", due=due,
                           scheduled_at=local(at).isoformat(), roles=recipients),
            ]))
        _pin_created(self.commune, before, local(at))

    def event(self, kind: str, actor: str, at: str, notify: dict[str, list[str]], *, data: dict | None = None,
              **change: object) -> None:
        """A message handled by the workflow: its event, the occurrence change, the answer mails."""
        self._events += 1
        before = _last_id(self.commune)
        self.env.run(self.acts.record_event, RecordEventInput(
            organisation_id=self.commune.org_id, task_id=self.task_id, idempotency_key=f"ev-{self._events}",
            kind=kind, actor=actor, at=local(at).isoformat(), occurrence_key=OCC, data=data or {},
            change=OccurrenceChange(occurrence_key=OCC, **change) if change else None,
            notify=list(notify), notify_roles=notify,
        ))
        _pin_created(self.commune, before, local(at))


def _last_id(commune: Commune) -> int:
    return max((r.id for r in commune.rows()), default=0)


def _pin_created(commune: Commune, after_id: int, moment: datetime) -> None:
    """Rows are stamped with the wall clock: pin the new ones to the (workflow) time they were written."""
    with session_scope(commune.engine) as session:
        for row in session.exec(select(Notification).where(Notification.id > after_id)):
            row.created_at = moment.astimezone(UTC)
            session.add(row)


def _by_kind(commune: Commune) -> dict[str, list[Notification]]:
    out: dict[str, list[Notification]] = {}
    for row in commune.rows():
        out.setdefault(row.kind, []).append(row)
    return out


async def test_activity_rows_are_delivered(commune: Commune, sink: Sink, settings) -> None:
    acts = Acts(commune)
    acts.action("overdue-1", "overdue", "2026-03-24 07:50", {"tuphap": ["lead"]})
    acts.action("escalate-1", "escalation", "2026-03-24 07:55", {"tuphap": ["lead"], "vanphong": ["coordinator"]},
                level=1)
    assert len(commune.rows()) == 3
    report = await dispatch_once(commune.engine, settings, local("2026-03-24 08:00"))
    assert report.rows_sent == 3 and report.mails_sent == 2 and report.rows_skipped == 0, report
    by_rcpt = {m.rcpt_tos[0]: m for m in sink.received}
    officer = by_rcpt["tuphap@xa.example"]
    assert str(officer.message["Subject"]).startswith("[Tổng hợp] 2 thông báo về nhiệm vụ (2 cần xử lý ngay)")
    text = officer.text()
    assert "[Quá hạn 4 ngày] 3.1 Báo cáo công tác cải cách hành chính quý I — hạn 20/03/2026" in text
    assert "[Đã báo cáo cơ quan thường trực] Nhiệm vụ quá hạn 4 ngày: 3.1" in text
    assert f"{BASE_URL}/tasks/{acts.task_id}" in text
    coordinator = by_rcpt["vanphong@xa.example"]
    assert str(coordinator.message["Subject"]).startswith(
        "[Quá hạn — cơ quan thường trực theo dõi] Nhiệm vụ quá hạn 4 ngày")
    sink.received.clear()

    acts.event("completion_submitted", "tuphap", "2026-03-24 09:30", {"vanphong": ["coordinator"]},
               data={"late": True, "evidence": {"document_number": "15/BC-UBND", "document_date": "2026-03-24"},
                     "requires_confirmation": True},
               status="submitted", completed_at=local("2026-03-24 09:30").isoformat())
    report = await dispatch_once(commune.engine, settings, local("2026-03-24 10:00"))
    assert report.rows_sent == 1 and report.mails_sent == 1, report
    [mail] = sink.received
    assert mail.rcpt_tos == ["vanphong@xa.example"]
    assert str(mail.message["Subject"]).startswith("[Chờ xác nhận] Phạm Văn Nam báo cáo hoàn thành 3.1")
    assert {r.status for r in commune.rows()} == {NotificationStatus.SENT}


@pytest.mark.parametrize(("status", "reason"), [
    ("submitted", "việc đã được báo cáo hoàn thành, đang chờ xác nhận"),  # the plan wants a confirmation
    ("done", "việc đã hoàn thành"),  # the plan does not
])
async def test_a_reminder_is_not_sent_after_the_owner_reports_completion(
        commune: Commune, sink: Sink, settings, status: str, reason: str) -> None:
    commune.set_delivery("tuphap", Delivery.HOURLY)
    acts = Acts(commune)
    acts.action("remind-2", "reminder", "2026-03-18 07:45", {"tuphap": ["lead"]})
    # Not yet: the hourly mail waits for the end of the 07:00 hour.
    assert (await dispatch_once(commune.engine, settings, local("2026-03-18 07:50"))).rows_waiting == 1
    acts.event("completion_submitted", "tuphap", "2026-03-18 08:00", {"vanphong": ["coordinator"]},
               data={"late": False, "evidence": {"document_number": "15/BC-UBND"},
                     "requires_confirmation": status == "submitted"},
               status=status, completed_at=local("2026-03-18 08:00").isoformat())
    report = await dispatch_once(commune.engine, settings, local("2026-03-18 09:00"))
    assert (report.mails_sent, report.rows_sent, report.rows_skipped) == (1, 1, 1), report
    assert [m.rcpt_tos for m in sink.received] == [["vanphong@xa.example"]]  # the coordinator, not the owner
    assert str(sink.received[0].message["Subject"]).startswith("[Chờ xác nhận] Phạm Văn Nam báo cáo hoàn thành")
    [reminder] = _by_kind(commune)["reminder"]
    assert reminder.status == NotificationStatus.SKIPPED and reminder.skip_reason == reason
    assert reminder.sent_at is None and reminder.next_attempt_at is None
    # Later runs leave it alone; nothing reaches the owner.
    assert (await dispatch_once(commune.engine, settings, local("2026-03-18 10:00"))).mails_sent == 0
    assert all("tuphap@xa.example" not in m.rcpt_tos for m in sink.received)

    if status == "submitted":
        # The coordinator's confirmation still reaches the owner.
        acts.event("completion_confirmed", "vanphong", "2026-03-18 10:15", {"tuphap": ["lead"]},
                   data={"late": False}, status="done", completed_at=local("2026-03-18 08:00").isoformat())
        report = await dispatch_once(commune.engine, settings, local("2026-03-18 11:00"))
        assert (report.mails_sent, report.rows_skipped) == (1, 0), report
        mail = sink.received[-1]
        assert mail.rcpt_tos == ["tuphap@xa.example"]
        assert str(mail.message["Subject"]).startswith("[Đã xác nhận hoàn thành] 3.1 ")
        assert _by_kind(commune)["completion_confirmed"][0].status == NotificationStatus.SENT


async def test_a_rejected_completion_reopens_the_chase(commune: Commune, sink: Sink, settings) -> None:
    commune.set_delivery("tuphap", Delivery.DAILY)
    acts = Acts(commune)
    acts.action("remind-2", "reminder", "2026-03-18 07:45", {"tuphap": ["lead"]})
    acts.event("completion_submitted", "tuphap", "2026-03-18 08:00", {"vanphong": ["coordinator"]},
               data={"requires_confirmation": True}, status="submitted",
               completed_at=local("2026-03-18 08:00").isoformat())
    acts.event("completion_rejected", "vanphong", "2026-03-18 08:10", {"tuphap": ["lead"]},
               data={"reason": "Thiếu số liệu quý I"}, status="open", clear_completion=True)
    # Open again before the digest: the reminder still holds, and goes with the rejection in one digest.
    report = await dispatch_once(commune.engine, settings, local("2026-03-18 08:31"))
    assert report.rows_skipped == 0, report
    mail = next(m for m in sink.received if m.rcpt_tos == ["tuphap@xa.example"])
    assert str(mail.message["Subject"]).startswith("[Tổng hợp] 2 thông báo về nhiệm vụ")
    text = mail.text()
    assert "[Trả lại báo cáo] 3.1" in text and "[Nhắc việc] 3.1" in text
    assert {r.status for r in commune.rows()} == {NotificationStatus.SENT}


async def test_an_extension_skips_the_notices_about_the_old_due_date(commune: Commune, sink: Sink,
                                                                    settings) -> None:
    commune.set_delivery("vanphong", Delivery.DAILY)
    acts = Acts(commune)
    acts.action("overdue-1", "overdue", "2026-03-23 07:50", {"tuphap": ["lead"], "vanphong": ["coordinator"]},
                level=1)
    acts.action("escalate-3", "escalation", "2026-03-23 07:52", {"phochutich": ["vice_chairman"]}, level=2)
    acts.event("extension_granted", "phochutich", "2026-03-23 08:10", {"tuphap": ["lead"]},
               data={"new_due": "2026-04-15", "previous_due": "2026-03-20", "reason": "Chờ số liệu của huyện"},
               extended_due="2026-04-15")
    report = await dispatch_once(commune.engine, settings, local("2026-03-23 09:00"))
    assert (report.mails_sent, report.rows_sent, report.rows_skipped) == (1, 1, 3), report
    [mail] = sink.received
    assert mail.rcpt_tos == ["tuphap@xa.example"]
    assert str(mail.message["Subject"]).startswith("[Đồng ý gia hạn] 3.1 ")
    assert "15/04/2026" in str(mail.message["Subject"])
    rows = _by_kind(commune)
    stale = rows["overdue"] + rows["escalation"]
    assert {r.status for r in stale} == {NotificationStatus.SKIPPED}
    assert {r.skip_reason for r in stale} == {"hạn đã đổi sang 15/04/2026 (thông báo theo hạn cũ 20/03/2026)"}
    assert rows["extension_granted"][0].status == NotificationStatus.SENT
    # The ladder restarted from the new date: its notices are sent.
    acts.action("remind-5", "reminder", "2026-04-08 07:50", {"tuphap": ["lead"]}, due="2026-04-15")
    report = await dispatch_once(commune.engine, settings, local("2026-04-08 08:00"))
    assert (report.mails_sent, report.rows_skipped) == (1, 0), report
    assert str(sink.received[-1].message["Subject"]).startswith("[Nhắc việc] 3.1 ")
    assert "hạn 15/04/2026" in str(sink.received[-1].message["Subject"])
