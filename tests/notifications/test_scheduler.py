"""APScheduler with the persistent job store, the scheduled cycle, the weekly summary."""

from __future__ import annotations

from sqlalchemy import text

from domain.models import NotificationStatus
from notifications.digest import enqueue_weekly_summaries
from notifications.scheduler import JOB_ID, JOBS_TABLE, dispatch_job, run_cycle, start_dispatcher
from tests.notifications.conftest import Commune, Sink, local


async def test_the_dispatch_job_is_stored_once_under_a_stable_id(commune: Commune, settings) -> None:
    first = await start_dispatcher(settings, commune.engine)
    assert first.scheduler.running
    await dispatch_job()  # what the scheduler runs (now = the real clock): must not fail
    first.shutdown()
    second = await start_dispatcher(settings, commune.engine)  # a restart replaces, never duplicates
    try:
        job = second.scheduler.get_job(JOB_ID)
        assert job is not None and job.trigger.interval.total_seconds() == settings.notify_interval_seconds
    finally:
        second.shutdown()
    with commune.engine.connect() as connection:
        ids = [row[0] for row in connection.execute(text(f"SELECT id FROM {JOBS_TABLE}"))]
    assert ids == [JOB_ID]


async def test_weekly_summary_goes_to_the_coordinator_on_the_first_working_day(commune: Commune, sink: Sink,
                                                                               settings) -> None:
    engine = commune.engine
    assert enqueue_weekly_summaries(engine, settings, local("2026-03-23 08:00")) == 0  # before the digest time
    report = await run_cycle(engine, settings, local("2026-03-23 09:00"))
    assert report.mails_sent == 1
    assert enqueue_weekly_summaries(engine, settings, local("2026-03-23 10:00")) == 0  # once a week
    assert enqueue_weekly_summaries(engine, settings, local("2026-03-24 09:00")) == 0  # Tuesday
    [mail] = sink.received
    assert mail.rcpt_tos == ["vanphong@xa.example"]
    assert str(mail.message["Subject"]) == (
        "[Tổng hợp tuần 13/2026] Tình hình thực hiện kế hoạch CCHC: 1 quá hạn, 0 chờ xác nhận")
    body = mail.text()
    assert "Quá hạn chưa hoàn thành: 1" in body
    assert "- 3.1 Báo cáo công tác cải cách hành chính quý I (Quý I/2026), hạn 20/03/2026, quá 3 ngày" in body
    assert "Công chức Tư pháp - Hộ tịch: 0 / 0 / 0 / 1" in body
    assert "Quá hạn chưa hoàn thành" in mail.html()
    [row] = commune.rows()
    assert row.kind == "weekly_summary" and row.status == NotificationStatus.SENT and row.task_id is None
    assert row.context["subject"].startswith("Tổng hợp tình hình")  # shown by the /mails page


def test_a_week_that_starts_with_holidays_gets_its_summary_on_the_first_working_day(commune: Commune,
                                                                                   settings) -> None:
    engine = commune.engine
    for moment in ("2026-08-31 09:00", "2026-09-01 09:00", "2026-09-02 09:00"):  # day off, Quốc khánh
        assert enqueue_weekly_summaries(engine, settings, local(moment)) == 0
    assert enqueue_weekly_summaries(engine, settings, local("2026-09-03 09:00")) == 1
