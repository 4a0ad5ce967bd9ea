"""Rows written by the real task activities become the right mails (context compatibility)."""

from __future__ import annotations

from datetime import timezone

from sqlmodel import select
from temporalio.testing import ActivityEnvironment

from activities.task_activities import TaskActivities
from activities.task_inputs import ActionSpec, OccurrenceChange, RecordActionsInput, RecordEventInput
from domain.db import session_scope
from domain.models import Notification, NotificationStatus
from notifications.dispatch import dispatch_once
from tests.notifications.conftest import BASE_URL, Commune, Sink, local


async def test_activity_rows_are_delivered(commune: Commune, sink: Sink, settings) -> None:
    acts = TaskActivities(commune.engine)
    task_id = commune.tasks["3.1"]
    env = ActivityEnvironment()
    env.run(acts.record_actions, RecordActionsInput(
        organisation_id=commune.org_id, task_id=task_id, workflow_id="wf", actions=[
            ActionSpec(key="2026-Q1/overdue-1", kind="overdue", level=0, recipients=["tuphap"], audience=["lead"],
                       occurrence_key="2026-Q1", period="Quý I/2026", due="2026-03-20",
                       scheduled_at="2026-03-24T07:50:00+07:00", roles={"tuphap": ["lead"]}),
            ActionSpec(key="2026-Q1/escalation-1", kind="escalation", level=1, recipients=["tuphap", "vanphong"],
                       audience=["lead", "coordinator"], occurrence_key="2026-Q1", period="Quý I/2026",
                       due="2026-03-20", scheduled_at="2026-03-24T07:55:00+07:00",
                       roles={"tuphap": ["lead"], "vanphong": ["coordinator"]}),
        ]))
    env.run(acts.record_event, RecordEventInput(
        organisation_id=commune.org_id, task_id=task_id, idempotency_key="ev-1", kind="completion_submitted",
        actor="tuphap", at="2026-03-24T09:30:00+07:00", occurrence_key="2026-Q1",
        data={"late": True, "evidence": {"document_number": "15/BC-UBND", "document_date": "2026-03-24"},
              "requires_confirmation": True},
        change=OccurrenceChange(occurrence_key="2026-Q1", status="submitted",
                                completed_at="2026-03-24T09:30:00+07:00"),
        notify=["vanphong"], notify_roles={"vanphong": ["coordinator"]},
    ))
    assert len(commune.rows()) == 4
    # Event rows have no not_before and are stamped with the wall clock: pin it to the event time.
    with session_scope(commune.engine) as session:
        for row in session.exec(select(Notification)):
            row.created_at = local("2026-03-24 09:30").astimezone(timezone.utc)
            session.add(row)
    report = await dispatch_once(commune.engine, settings, local("2026-03-24 10:00"))
    assert report.rows_sent == 4 and report.mails_sent == 2, report
    assert {r.status for r in commune.rows()} == {NotificationStatus.SENT}
    by_rcpt = {m.rcpt_tos[0]: m for m in sink.received}
    officer = by_rcpt["tuphap@xa.example"]
    assert str(officer.message["Subject"]).startswith("[Tổng hợp] 2 thông báo về nhiệm vụ (2 cần xử lý ngay)")
    text = officer.text()
    assert "[Quá hạn 4 ngày] 3.1 Báo cáo công tác cải cách hành chính quý I — hạn 20/03/2026" in text
    assert "[Đã báo cáo cơ quan thường trực] Nhiệm vụ quá hạn 4 ngày: 3.1" in text
    assert f"{BASE_URL}/tasks/{task_id}" in text
    coordinator = by_rcpt["vanphong@xa.example"]
    text = coordinator.text()
    assert "[Quá hạn — cơ quan thường trực theo dõi] Nhiệm vụ quá hạn 4 ngày" in text
    assert "[Chờ xác nhận] Phạm Văn Nam báo cáo hoàn thành 3.1" in text
