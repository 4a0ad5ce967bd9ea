"""Indicator chasing rows, written by the real activity, become the mails people get;
a value reported before dispatch stops the pending reminder."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select
from temporalio.testing import ActivityEnvironment

from activities.indicator_activities import IndicatorActivities
from contracts.indicator_chase import ChaseIndicatorsInput
from notifications.dispatch import dispatch_once
from persistence.db import session_scope
from persistence.models import Indicator, Notification, NotificationStatus, Plan
from reports.indicators import report_value
from tests import factories
from tests.notifications.conftest import BASE_URL, Commune, Sink, local

CUT_OFF = date(2026, 3, 13)  # the officers' cut-off of quý I 2026


def with_indicators(commune: Commune) -> None:
    """A continuous task reporting on quý I, and two indicators of the accountant's unit."""
    with session_scope(commune.engine) as session:
        plan = session.get(Plan, commune.plan_id)
        task = factories.task(session, plan, "1.1", "Niêm yết công khai TTHC", lead_units=["tp-ht"])
        factories.occurrence(session, task, "2026-Q1.progress", "Quý I/2026", CUT_OFF, kind="progress")
        for code, text, value in (("CT-01", "Tỷ lệ hồ sơ trực tuyến đạt tối thiểu 50%", 50.0),
                                  ("CT-02", "Tỷ lệ giải quyết hồ sơ đúng hạn đạt trên 98%", 98.0)):
            session.add(Indicator(organisation_id=commune.org_id, plan_id=plan.id, code=code, text=text,
                                  owner_unit="tc-kt", comparator=">=", target_value=value, unit="%"))


def chase(commune: Commune, at: str) -> int:
    """Run the chase activity at ``at`` (the workflow's clock); its rows are stamped as written then."""
    result = ActivityEnvironment().run(IndicatorActivities(commune.engine).chase_indicators, ChaseIndicatorsInput(
        organisation_id=commune.org_id, plan_id=commune.plan_id, now=local(at).isoformat()))
    with session_scope(commune.engine) as session:
        for row in session.exec(select(Notification).where(Notification.status == NotificationStatus.PENDING)):
            row.created_at = row.not_before
            session.add(row)
    return result.recorded


async def test_reminders_come_in_one_mail_and_stop_once_reported(commune: Commune, sink: Sink, settings) -> None:
    with_indicators(commune)
    # 6/3, five working days before the cut-off: both indicators, one mail to the accountant.
    assert chase(commune, "2026-03-06 09:00") == 2
    assert chase(commune, "2026-03-06 09:30") == 0  # the same step is never recorded twice
    report = await dispatch_once(commune.engine, settings, local("2026-03-06 09:30"))
    assert (report.rows_sent, report.mails_sent) == (2, 1), report
    [mail] = sink.received
    assert mail.rcpt_tos == ["ketoan@xa.example"]
    text = mail.text()
    assert "[Nhắc báo cáo chỉ tiêu] CT-01 Tỷ lệ hồ sơ trực tuyến đạt tối thiểu 50% — Quý I/2026" in text
    assert "[Nhắc báo cáo chỉ tiêu] CT-02" in text
    assert f"{BASE_URL}/indicators?plan=kh-2026-12&period=2026-Q1" in text
    sink.received.clear()

    # 11/3: CT-01 reported meanwhile (after the reminder was written, before it went out).
    assert chase(commune, "2026-03-11 09:00") == 2
    with session_scope(commune.engine) as session:
        ct01 = session.exec(select(Indicator).where(Indicator.code == "CT-01")).one()
        report_value(session, ct01, "2026-Q1", value=64.0, by="ketoan")
    report = await dispatch_once(commune.engine, settings, local("2026-03-11 09:30"))
    assert (report.rows_sent, report.rows_skipped, report.mails_sent) == (1, 1, 1), report
    [mail] = sink.received
    assert str(mail.message["Subject"]).startswith("[Nhắc báo cáo chỉ tiêu] CT-02 Tỷ lệ giải quyết hồ sơ đúng hạn")
    body = mail.text()
    assert "Mục tiêu: ≥ 98%" in body and "Hạn báo cáo số liệu: 13/03/2026" in body
    assert "Đơn vị chủ trì: Công chức Tài chính - Kế toán" in body
    with Session(commune.engine) as session:
        skipped = session.exec(select(Notification).where(Notification.status == NotificationStatus.SKIPPED)).one()
    assert skipped.context["indicator_code"] == "CT-01"
    assert skipped.skip_reason == "chỉ tiêu đã được báo cáo số liệu kỳ này"
    # CT-01 is done for quý I: later steps chase CT-02 only.
    assert chase(commune, "2026-03-13 09:00") == 1


async def test_escalations_reach_the_coordinator_and_the_chairman(commune: Commune, sink: Sink, settings) -> None:
    with_indicators(commune)
    chase(commune, "2026-03-16 09:00")  # overdue-1: the owner and the coordinator
    await dispatch_once(commune.engine, settings, local("2026-03-16 09:30"))
    to_coordinator = [m for m in sink.received if m.rcpt_tos == ["vanphong@xa.example"]]
    assert to_coordinator, [m.rcpt_tos for m in sink.received]
    text = "\n".join(m.text() for m in to_coordinator)
    assert "[Chậm báo cáo chỉ tiêu 3 ngày] CT-01" in text  # Friday 13/3 to Monday 16/3
    assert "Để báo cáo số liệu một chỉ tiêu" in text and "Báo cáo hoàn thành" not in text
    sink.received.clear()
    chase(commune, "2026-03-20 09:00")  # escalate-5: the chairman, in the leaders' digest of the day
    await dispatch_once(commune.engine, settings, local("2026-03-20 16:30"))
    to_chairman = [m for m in sink.received if m.rcpt_tos == ["chutich@xa.example"]]
    assert len(to_chairman) == 1
    text = to_chairman[0].text()
    assert str(to_chairman[0].message["Subject"]).startswith("[Báo cáo Chủ tịch] 2 chỉ tiêu quá hạn chưa báo cáo số liệu")
    assert "Chỉ tiêu CT-01" in text and "Chỉ tiêu CT-02" in text and "== Công chức Tài chính - Kế toán (2) ==" in text
    assert "chưa báo cáo số liệu, chậm 7 ngày (5 ngày làm việc)" in text
