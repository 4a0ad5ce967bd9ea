"""The dispatcher against a real SMTP server (aiosmtpd): what arrives, to whom, when."""

from __future__ import annotations

from datetime import timedelta

import pytest

from notifications import dispatch
from notifications.dispatch import dispatch_once
from persistence.models import Delivery, NotificationStatus
from tests.notifications.conftest import BASE_URL, Commune, Sink, local

MONDAY_9 = local("2026-03-23 09:00")  # a working Monday, after the 08:30 digest time


def _subject(received) -> str:
    return str(received.message["Subject"])


def _raw_headers(received) -> str:
    return received.raw.split(b"\r\n\r\n", 1)[0].decode("ascii")


async def test_reminder_arrives_with_both_parts_and_vietnamese_intact(commune: Commune, sink: Sink, settings) -> None:
    row_id = commune.notify("3.1", "tuphap", "reminder", not_before=local("2026-03-23 07:45"),
                            days_left=4, working_days_left=4)
    report = await dispatch_once(commune.engine, settings, MONDAY_9)
    assert (report.mails_sent, report.rows_sent) == (1, 1)
    [mail] = sink.received
    assert mail.rcpt_tos == ["tuphap@xa.example"]
    assert mail.mail_from == "dondoc@xa.example"
    message = mail.message
    assert _subject(mail) == "[Nhắc việc] 3.1 Báo cáo công tác cải cách hành chính quý I — hạn 20/03/2026"
    assert "=?utf-8?" in _raw_headers(mail)  # RFC 2047: the raw header is ASCII
    assert str(message["To"]) == "Phạm Văn Nam <tuphap@xa.example>"
    assert message.get_content_type() == "multipart/alternative"
    text, html = mail.text(), mail.html()
    task_id = commune.tasks["3.1"]
    for part in (text, html):
        assert "Kính gửi Phạm Văn Nam" in part
        assert "Kế hoạch cải cách hành chính năm 2026 (số 12/KH-UBND)" in part
        assert "Quý I/2026" in part and "20/03/2026" in part
        assert f"{BASE_URL}/tasks/{task_id}" in part
        assert "Báo cáo hoàn thành" in part
    assert f'<a href="{BASE_URL}/tasks/{task_id}">' in html
    [row] = commune.rows()
    assert row.id == row_id and row.status == NotificationStatus.SENT
    assert row.message_id == message["Message-ID"] and row.sent_at is not None and row.attempts == 1


async def test_escalation_to_the_coordinator_names_the_owner(commune: Commune, sink: Sink, settings) -> None:
    commune.notify("3.1", "vanphong", "escalation", level=1, not_before=local("2026-03-23 08:10"),
                   days_overdue=3, working_days_overdue=1)
    await dispatch_once(commune.engine, settings, MONDAY_9)
    [mail] = sink.received
    assert mail.rcpt_tos == ["vanphong@xa.example"]
    assert _subject(mail).startswith("[Quá hạn — cơ quan thường trực theo dõi] Nhiệm vụ quá hạn 3 ngày: 3.1 ")
    text = mail.text()
    assert "do Phạm Văn Nam chủ trì, đã quá hạn 3 ngày (1 ngày làm việc) so với hạn 20/03/2026" in text
    assert "Đề nghị cơ quan thường trực đôn đốc" in text
    assert "quá hạn <strong>3 ngày</strong>" in mail.html()


async def test_escalations_to_the_chairman_become_one_digest_grouped_by_unit(commune: Commune, sink: Sink,
                                                                            settings) -> None:
    commune.add_task("5.2", "Rà soát thủ tục hành chính lĩnh vực tài chính", unit="tc-kt", due="2026-03-16")
    # The owner of 3.1 was reminded on 20/03 (a sent reminder row).
    commune.notify("3.1", "tuphap", "due", not_before=local("2026-03-20 08:05"))
    await dispatch_once(commune.engine, settings, local("2026-03-20 08:06"))
    assert len(sink.received) == 1
    sink.received.clear()
    for code in ("3.1", "5.2"):
        commune.notify(code, "chutich", "escalation", level=3, not_before=local("2026-03-23 07:50"))
    # Before the digest time the escalations wait.
    early = await dispatch_once(commune.engine, settings, local("2026-03-23 08:00"))
    assert early.mails_sent == 0 and early.rows_waiting == 2
    report = await dispatch_once(commune.engine, settings, MONDAY_9)
    assert (report.mails_sent, report.rows_sent) == (1, 2)
    [mail] = sink.received
    assert mail.rcpt_tos == ["chutich@xa.example"]
    assert _subject(mail) == "[Báo cáo Chủ tịch] 2 nhiệm vụ quá hạn chưa hoàn thành (2 mới) — ngày 23/03/2026"
    text = mail.text()
    assert text.index("Công chức Tài chính - Kế toán") < text.index("Công chức Tư pháp - Hộ tịch")
    assert "[MỚI] 5.2 Rà soát thủ tục hành chính lĩnh vực tài chính" in text
    assert "Kỳ Quý I/2026, hạn 16/03/2026: quá hạn 7 ngày (5 ngày làm việc)." in text
    assert "Kỳ Quý I/2026, hạn 20/03/2026: quá hạn 3 ngày (1 ngày làm việc)." in text
    assert "Nhắc gần nhất: 20/03/2026 08:06." in text
    assert "Nhắc gần nhất: chưa có." in text
    html = mail.html()
    assert "Công chức Tư pháp - Hộ tịch" in html and "Báo cáo Chủ tịch" in html
    assert all(r.status == NotificationStatus.SENT for r in commune.rows())


async def test_200_notifications_for_20_daily_digest_recipients_become_20_mails(tmp_path, sink: Sink,
                                                                               settings) -> None:
    from tests.notifications.conftest import seed_commune

    commune = seed_commune(tmp_path / "many.db", extra_people=20)
    codes = [f"T{i}" for i in range(10)]
    for code in codes:
        commune.add_task(code, f"Nhiệm vụ số {code}: cập nhật cơ sở dữ liệu hộ tịch")
    people = [f"cc{i:03d}" for i in range(20)]
    for username in people:
        commune.set_delivery(username, Delivery.DAILY)
    kinds = ["reminder", "due", "overdue", "completion_rejected", "extension_granted"]
    for n, code in enumerate(codes):
        for username in people:
            commune.notify(code, username, kinds[n % len(kinds)], not_before=local("2026-03-23 07:40"),
                           new_due="2026-04-15", reason="Thiếu số liệu")
    assert len(commune.rows()) == 200
    before = await dispatch_once(commune.engine, settings, local("2026-03-23 08:00"))
    assert before.mails_sent == 0 and before.rows_waiting == 200
    report = await dispatch_once(commune.engine, settings, local("2026-03-23 08:31"))
    assert (report.mails_sent, report.rows_sent) == (20, 200)
    assert sorted(r for m in sink.received for r in m.rcpt_tos) == sorted(f"{u}@xa.example" for u in people)
    for mail in sink.received:
        assert _subject(mail).startswith("[Tổng hợp] 10 thông báo về nhiệm vụ (4 cần xử lý ngay) — ngày 23/03/2026")
        text = mail.text()
        assert text.index("== Quá hạn (2) ==") < text.index("== Nhắc hạn (2) ==")
        assert text.count(f"{BASE_URL}/tasks/") == 10
    assert {r.status for r in commune.rows()} == {NotificationStatus.SENT}
    assert len({r.message_id for r in commune.rows()}) == 20
    again = await dispatch_once(commune.engine, settings, local("2026-03-23 09:00"))
    assert again.mails_sent == 0 and len(sink.received) == 20
    commune.engine.dispose()


async def test_a_refusing_server_that_recovers_loses_nothing(commune: Commune, sink: Sink, settings) -> None:
    for username in ("tuphap", "ketoan", "vanphong", "phochutich", "chutich"):
        commune.notify("3.1", username, "due", not_before=local("2026-03-23 08:00"))
    sink.handler.refuse = 3  # 451 for the first three DATA commands
    first = await dispatch_once(commune.engine, settings, MONDAY_9)
    assert (first.mails_sent, first.mails_failed) == (2, 3)
    failed = [r for r in commune.rows() if r.status == NotificationStatus.PENDING]
    assert len(failed) == 3
    for row in failed:
        assert row.attempts == 1 and "451" in row.last_error
        assert row.next_attempt_at.replace(tzinfo=None) == (MONDAY_9 + timedelta(seconds=60)).astimezone(
            tz=None).astimezone(tz=__import__("datetime").timezone.utc).replace(tzinfo=None)
    # Still backing off 30 s later; retried after a minute.
    assert (await dispatch_once(commune.engine, settings, MONDAY_9 + timedelta(seconds=30))).mails_sent == 0
    second = await dispatch_once(commune.engine, settings, MONDAY_9 + timedelta(seconds=61))
    assert (second.mails_sent, second.mails_failed) == (3, 0)
    assert {r.status for r in commune.rows()} == {NotificationStatus.SENT}
    assert sorted(m.rcpt_tos[0] for m in sink.received) == sorted(
        f"{u}@xa.example" for u in ("tuphap", "ketoan", "vanphong", "phochutich", "chutich"))


async def test_a_server_that_is_down_then_up_loses_nothing(commune: Commune, sink: Sink, settings) -> None:
    from notifications.catcher import free_port

    commune.notify("3.1", "tuphap", "overdue", not_before=local("2026-03-23 08:00"), days_overdue=3)
    down = settings.model_copy(update={"smtp_port": free_port()})
    report = await dispatch_once(commune.engine, down, MONDAY_9)
    assert report.mails_failed == 1 and report.mails_sent == 0
    [row] = commune.rows()
    assert row.status == NotificationStatus.PENDING and row.attempts == 1 and row.last_error
    report = await dispatch_once(commune.engine, down, MONDAY_9 + timedelta(minutes=1, seconds=1))
    assert report.mails_failed == 1
    [row] = commune.rows()
    assert row.attempts == 2  # the second wait is twice as long
    assert (await dispatch_once(commune.engine, settings, MONDAY_9 + timedelta(minutes=2))).mails_sent == 0
    assert (await dispatch_once(commune.engine, settings, MONDAY_9 + timedelta(minutes=4))).mails_sent == 1
    assert commune.rows()[0].status == NotificationStatus.SENT and len(sink.received) == 1


async def test_a_permanent_refusal_is_kept_as_failed_after_the_last_attempt(commune: Commune, sink: Sink,
                                                                            settings) -> None:
    commune.notify("3.1", "tuphap", "due", not_before=local("2026-03-23 08:00"))
    sink.handler.refuse, sink.handler.refuse_code = 100, "550 5.1.1 Không có hộp thư này"
    settings = settings.model_copy(update={"notify_max_attempts": 2})
    await dispatch_once(commune.engine, settings, MONDAY_9)
    assert commune.rows()[0].status == NotificationStatus.PENDING
    await dispatch_once(commune.engine, settings, MONDAY_9 + timedelta(minutes=2))
    [row] = commune.rows()
    assert row.status == NotificationStatus.FAILED and row.attempts == 2 and "550" in row.last_error
    assert sink.received == []


@pytest.mark.parametrize("moment", [local("2026-03-23 22:00"), local("2026-03-23 07:29"),
                                    local("2026-03-23 17:00"), local("2026-03-21 10:00"),  # Saturday
                                    local("2026-09-02 10:00")])  # Quốc khánh
async def test_nothing_is_sent_outside_working_hours_or_on_holidays(commune: Commune, sink: Sink, settings,
                                                                    moment) -> None:
    commune.notify("3.1", "tuphap", "overdue", not_before=moment - timedelta(hours=3), days_overdue=3)
    report = await dispatch_once(commune.engine, settings, moment)
    assert report.mails_sent == 0 and report.closed_organisations == [commune.org_id]
    assert sink.received == [] and commune.rows()[0].status == NotificationStatus.PENDING


async def test_held_mail_goes_out_at_the_next_working_hours_dispatch(commune: Commune, sink: Sink, settings) -> None:
    commune.notify("3.1", "tuphap", "overdue", not_before=local("2026-08-28 16:59"), days_overdue=3)
    commune.notify("3.1", "ketoan", "reminder", not_before=local("2026-08-31 08:00"), days_left=3)
    # 31/8 (day off in lieu), 1/9 and 2/9 (Quốc khánh): nothing at any hour.
    for moment in ("2026-08-28 17:00", "2026-08-28 22:00", "2026-08-31 09:00", "2026-09-01 10:00",
                   "2026-09-02 08:00", "2026-09-02 16:00", "2026-09-03 07:29"):
        assert (await dispatch_once(commune.engine, settings, local(moment))).mails_sent == 0, moment
    report = await dispatch_once(commune.engine, settings, local("2026-09-03 07:30"))
    assert report.mails_sent == 2
    assert sorted(m.rcpt_tos[0] for m in sink.received) == ["ketoan@xa.example", "tuphap@xa.example"]
    for row in commune.rows():
        assert row.sent_at.replace(tzinfo=None) == local("2026-09-03 07:30").astimezone(
            __import__("datetime").timezone.utc).replace(tzinfo=None)


async def test_a_task_title_with_a_newline_and_bcc_adds_no_header(commune: Commune, sink: Sink, settings) -> None:
    commune.add_task("6.6", "Báo cáo tháng\r\nBcc: x@y\r\nX-Evil: 1")
    commune.notify("6.6", "tuphap", "due", not_before=local("2026-03-23 08:00"),
                   recipient_name="Phạm Văn Nam\r\nCc: z@y")
    await dispatch_once(commune.engine, settings, MONDAY_9)
    [mail] = sink.received
    assert mail.rcpt_tos == ["tuphap@xa.example"]
    headers = _raw_headers(mail)
    for line in headers.split("\r\n"):
        assert not line.lower().startswith(("bcc:", "cc:", "x-evil:"))
    message = mail.message
    assert message["Bcc"] is None and message["Cc"] is None and message["X-Evil"] is None
    assert "\n" not in str(message["Subject"]) and "\r" not in str(message["Subject"])
    assert "Bcc: x@y" in str(message["Subject"])  # kept as text on one line
    assert message["To"].addresses[0].addr_spec == "tuphap@xa.example"
    assert "Báo cáo tháng Bcc: x@y X-Evil: 1" in mail.text()


async def test_html_in_task_text_is_escaped_in_the_html_part(commune: Commune, sink: Sink, settings) -> None:
    commune.add_task("7.1", '<script>alert("x")</script> & <b>đậm</b>')
    commune.notify("7.1", "tuphap", "completion_rejected", not_before=local("2026-03-23 08:00"),
                   actor_name="Nguyễn Thị Lan", reason='<img src=x onerror="alert(1)">')
    await dispatch_once(commune.engine, settings, MONDAY_9)
    [mail] = sink.received
    html = mail.html()
    assert "<script>" not in html and "<img" not in html and "<b>đậm" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;đậm&lt;/b&gt;" in html
    assert "&lt;img src=x onerror=" in html
    assert '<script>alert("x")</script> & <b>đậm</b>' in mail.text()  # plain text stays as written


async def test_a_crash_between_send_and_mark_resends_once_with_the_same_message_id(
        commune: Commune, sink: Sink, settings, monkeypatch) -> None:
    commune.notify("3.1", "tuphap", "overdue", not_before=local("2026-03-23 08:00"), days_overdue=3)
    real_mark = dispatch._mark_sent

    def crash(*args, **kwargs):
        raise RuntimeError("process killed")

    monkeypatch.setattr(dispatch, "_mark_sent", crash)
    with pytest.raises(RuntimeError):
        await dispatch_once(commune.engine, settings, MONDAY_9)
    [row] = commune.rows()
    assert row.status == NotificationStatus.PENDING and row.message_id  # stored before sending
    first_id = sink.received[0].message["Message-ID"]
    assert row.message_id == first_id
    monkeypatch.setattr(dispatch, "_mark_sent", real_mark)
    # Within the lease nobody resends; after it, the same message goes once more.
    assert (await dispatch_once(commune.engine, settings, MONDAY_9 + timedelta(minutes=5))).mails_sent == 0
    report = await dispatch_once(commune.engine, settings, MONDAY_9 + timedelta(minutes=11))
    assert report.mails_sent == 1
    assert [m.message["Message-ID"] for m in sink.received] == [first_id, first_id]
    assert sink.received[0].text() == sink.received[1].text()
    [row] = commune.rows()
    assert row.status == NotificationStatus.SENT and row.message_id == first_id
    assert (await dispatch_once(commune.engine, settings, MONDAY_9 + timedelta(hours=1))).mails_sent == 0
    assert len(sink.received) == 2


async def test_immediate_rows_for_one_person_in_one_run_make_one_mail(commune: Commune, sink: Sink,
                                                                    settings) -> None:
    commune.add_task("8.1", "Niêm yết công khai thủ tục hành chính")
    commune.notify("3.1", "tuphap", "overdue", not_before=local("2026-03-23 08:00"), days_overdue=3)
    commune.notify("8.1", "tuphap", "reminder", not_before=local("2026-03-23 08:01"), days_left=4)
    commune.notify("8.1", "ketoan", "reminder", not_before=local("2026-03-23 08:01"), days_left=4)
    report = await dispatch_once(commune.engine, settings, MONDAY_9)
    assert (report.mails_sent, report.rows_sent) == (2, 3)
    by_rcpt = {m.rcpt_tos[0]: m for m in sink.received}
    assert _subject(by_rcpt["tuphap@xa.example"]).startswith("[Tổng hợp] 2 thông báo")
    assert _subject(by_rcpt["ketoan@xa.example"]).startswith("[Nhắc việc] 8.1 ")


async def test_hourly_delivery_sends_one_mail_after_the_hour(commune: Commune, sink: Sink, settings) -> None:
    commune.set_delivery("tuphap", Delivery.HOURLY)
    commune.add_task("8.1", "Niêm yết công khai thủ tục hành chính")
    commune.notify("3.1", "tuphap", "overdue", not_before=local("2026-03-23 09:10"), days_overdue=3)
    commune.notify("8.1", "tuphap", "reminder", not_before=local("2026-03-23 09:40"), days_left=4)
    assert (await dispatch_once(commune.engine, settings, local("2026-03-23 09:45"))).mails_sent == 0
    report = await dispatch_once(commune.engine, settings, local("2026-03-23 10:00"))
    assert (report.mails_sent, report.rows_sent) == (1, 2)
    assert _subject(sink.received[0]).startswith("[Tổng hợp] 2 thông báo")


async def test_escalation_kinds_speak_to_each_level(commune: Commune, sink: Sink, settings) -> None:
    settings = settings.model_copy(update={"notify_leader_digest": False})
    commune.notify("3.1", "tuphap", "escalation", level=2, not_before=local("2026-03-23 08:00"), days_overdue=9)
    commune.notify("3.1", "phochutich", "escalation", level=2, not_before=local("2026-03-23 08:00"), days_overdue=9)
    commune.notify("3.1", "chutich", "escalation", level=3, not_before=local("2026-03-23 08:00"), days_overdue=9)
    await dispatch_once(commune.engine, settings, MONDAY_9)
    subjects = {m.rcpt_tos[0]: _subject(m) for m in sink.received}
    assert subjects["tuphap@xa.example"].startswith("[Đã báo cáo Phó Chủ tịch UBND] Nhiệm vụ quá hạn 9 ngày")
    assert subjects["phochutich@xa.example"].startswith("[Báo cáo Phó Chủ tịch] Nhiệm vụ quá hạn 9 ngày")
    assert subjects["chutich@xa.example"].startswith("[Báo cáo Chủ tịch] Nhiệm vụ quá hạn 9 ngày")


async def test_two_dispatchers_at_once_send_each_mail_once(tmp_path, sink: Sink, settings) -> None:
    import asyncio

    from tests.notifications.conftest import seed_commune

    commune = seed_commune(tmp_path / "race.db", extra_people=30)
    commune.add_task("3.1", "Báo cáo công tác cải cách hành chính quý I")
    for i in range(30):
        commune.notify("3.1", f"cc{i:03d}", "due", not_before=local("2026-03-23 08:00"))
    reports = await asyncio.gather(*(dispatch_once(commune.engine, settings, MONDAY_9) for _ in range(3)))
    assert sum(r.mails_sent for r in reports) == 30
    assert len(sink.received) == 30 and len({m.message["Message-ID"] for m in sink.received}) == 30
    assert {r.status for r in commune.rows()} == {NotificationStatus.SENT}
    commune.engine.dispose()


async def test_rows_a_concurrent_dispatcher_claimed_are_left_to_it(commune: Commune, sink: Sink, settings) -> None:
    from persistence.db import session_scope
    from persistence.models import Notification

    first = commune.notify("3.1", "tuphap", "due", not_before=local("2026-03-23 08:00"))
    commune.notify("3.1", "ketoan", "due", not_before=local("2026-03-23 08:00"))
    real_claim_all = dispatch._claim_all

    def racing_claim_all(session, claims, now):
        # Another process claims the first row between our SELECT and our UPDATE.
        with session_scope(commune.engine) as other:
            row = other.get(Notification, first)
            row.message_id, row.next_attempt_at = "<other@x>", now + dispatch.LEASE
        return real_claim_all(session, claims, now)

    dispatch_claim = dispatch._claim_all
    try:
        dispatch._claim_all = racing_claim_all
        report = await dispatch_once(commune.engine, settings, MONDAY_9)
    finally:
        dispatch._claim_all = dispatch_claim
    assert report.mails_sent == 1 and [m.rcpt_tos for m in sink.received] == [["ketoan@xa.example"]]
    rows = {r.id: r for r in commune.rows()}
    assert rows[first].status == NotificationStatus.PENDING and rows[first].message_id == "<other@x>"


async def test_an_unusable_address_is_kept_with_its_error_and_others_still_go(commune: Commune, sink: Sink,
                                                                              settings) -> None:
    from persistence.db import session_scope
    from persistence.models import Notification

    bad = commune.notify("3.1", "tuphap", "due", not_before=local("2026-03-23 08:00"))
    commune.notify("3.1", "ketoan", "due", not_before=local("2026-03-23 08:00"))
    with session_scope(commune.engine) as session:
        row = session.get(Notification, bad)
        row.recipient_email = "tuphap@xa.example, boss@elsewhere.example"
    settings = settings.model_copy(update={"notify_max_attempts": 1})
    report = await dispatch_once(commune.engine, settings, MONDAY_9)
    assert report.mails_sent == 1 and [m.rcpt_tos for m in sink.received] == [["ketoan@xa.example"]]
    row = {r.id: r for r in commune.rows()}[bad]
    assert row.status == NotificationStatus.FAILED and "Địa chỉ thư không hợp lệ" in row.last_error


def _close(commune: Commune, code: str, status=None, extended_due: str | None = None) -> None:
    """Change an occurrence the way the task workflow's activities do."""
    from datetime import date

    from persistence.db import session_scope
    from persistence.models import Occurrence

    with session_scope(commune.engine) as session:
        occ = session.get(Occurrence, commune.occurrences[code])
        if status is not None:
            occ.status = status
        if extended_due is not None:
            occ.extended_due = date.fromisoformat(extended_due)
        session.add(occ)


async def test_digests_leave_out_the_rows_of_closed_or_moved_occurrences(commune: Commune, sink: Sink,
                                                                        settings) -> None:
    from persistence.models import OccurrenceStatus

    commune.add_task("5.2", "Rà soát thủ tục hành chính lĩnh vực tài chính", unit="tc-kt", due="2026-03-16")
    commune.add_task("8.1", "Niêm yết công khai thủ tục hành chính")
    commune.add_task("9.9", "Cập nhật cơ sở dữ liệu hộ tịch")
    commune.set_delivery("tuphap", Delivery.DAILY)
    kept = commune.notify("3.1", "tuphap", "overdue", not_before=local("2026-03-23 07:45"), days_overdue=3)
    cancelled = commune.notify("8.1", "tuphap", "due", not_before=local("2026-03-23 07:46"))
    moved = commune.notify("9.9", "tuphap", "reminder", not_before=local("2026-03-23 07:47"), days_left=2)
    answer = commune.notify("8.1", "tuphap", "completion_rejected", not_before=local("2026-03-23 07:48"),
                            actor_name="Nguyễn Thị Lan", reason="Thiếu minh chứng")
    open_escalation = commune.notify("3.1", "chutich", "escalation", level=3, not_before=local("2026-03-23 07:50"))
    done_escalation = commune.notify("5.2", "chutich", "escalation", level=3, not_before=local("2026-03-23 07:50"))
    _close(commune, "8.1", OccurrenceStatus.CANCELLED)
    _close(commune, "9.9", extended_due="2026-04-30")
    _close(commune, "5.2", OccurrenceStatus.DONE)
    # Before the digest time: the stale rows are already marked, the others wait.
    early = await dispatch_once(commune.engine, settings, local("2026-03-23 08:00"))
    assert (early.mails_sent, early.rows_skipped, early.rows_waiting) == (0, 3, 3), early
    report = await dispatch_once(commune.engine, settings, MONDAY_9)
    assert (report.mails_sent, report.rows_sent, report.rows_skipped) == (2, 3, 0), report
    by_rcpt = {m.rcpt_tos[0]: m for m in sink.received}
    officer = by_rcpt["tuphap@xa.example"]
    assert _subject(officer).startswith("[Tổng hợp] 2 thông báo về nhiệm vụ")
    text = officer.text()
    assert "3.1 " in text and "[Trả lại báo cáo] 8.1" in text
    assert "9.9" not in text and "[Đến hạn hôm nay] 8.1" not in text
    leader = by_rcpt["chutich@xa.example"]
    assert _subject(leader) == "[Báo cáo Chủ tịch] 1 nhiệm vụ quá hạn chưa hoàn thành (1 mới) — ngày 23/03/2026"
    assert "5.2" not in leader.text()
    rows = {r.id: r for r in commune.rows()}
    assert {i for i, r in rows.items() if r.status == NotificationStatus.SENT} == {kept, answer, open_escalation}
    assert rows[cancelled].status == NotificationStatus.SKIPPED and rows[cancelled].skip_reason == "việc đã bị huỷ"
    assert rows[moved].skip_reason == "hạn đã đổi sang 30/04/2026 (thông báo theo hạn cũ 20/03/2026)"
    assert rows[done_escalation].skip_reason == "việc đã hoàn thành"
    from notifications.dispatch import pending_summary, status_text
    assert status_text(rows[done_escalation]) == "Bỏ qua – việc đã hoàn thành"
    assert pending_summary(commune.engine) == {"sent": 3, "skipped": 3}


async def test_a_row_claimed_by_a_running_dispatcher_is_not_skipped_under_it(commune: Commune, sink: Sink,
                                                                            settings) -> None:
    from persistence.db import session_scope
    from persistence.models import Notification, OccurrenceStatus

    row_id = commune.notify("3.1", "tuphap", "due", not_before=local("2026-03-23 08:00"))
    with session_scope(commune.engine) as session:  # another dispatcher holds it (sending now)
        row = session.get(Notification, row_id)
        row.message_id, row.next_attempt_at = "<other@x>", MONDAY_9 + dispatch.LEASE
    _close(commune, "3.1", OccurrenceStatus.DONE)
    report = await dispatch_once(commune.engine, settings, MONDAY_9)
    assert (report.mails_sent, report.rows_skipped) == (0, 0)
    [row] = commune.rows()
    assert row.status == NotificationStatus.PENDING and row.message_id == "<other@x>"
    # Its lease ran out (that dispatcher died before sending): now it is skipped, not resent.
    report = await dispatch_once(commune.engine, settings, MONDAY_9 + dispatch.LEASE + timedelta(seconds=1))
    assert (report.mails_sent, report.rows_skipped) == (0, 1)
    assert commune.rows()[0].status == NotificationStatus.SKIPPED and sink.received == []


async def test_a_crash_mid_run_delays_only_the_mail_in_flight(commune: Commune, sink: Sink, settings, monkeypatch) -> None:
    """Issue 17 item 11: the run's mails not yet handed to the relay go out at the next run, not after the lease."""
    monkeypatch.setattr(dispatch, "CLAIM_WINDOW", 1)
    for username in ("tuphap", "ketoan", "vanphong"):
        commune.notify("3.1", username, "overdue", not_before=local("2026-03-23 08:00"), days_overdue=3)
    real_send = dispatch.SmtpBatch.send
    calls = []

    async def killed_on_second(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt("process killed while sending")
        return await real_send(self, *args, **kwargs)

    monkeypatch.setattr(dispatch.SmtpBatch, "send", killed_on_second)
    with pytest.raises(KeyboardInterrupt):
        await dispatch_once(commune.engine, settings, MONDAY_9)
    monkeypatch.setattr(dispatch.SmtpBatch, "send", real_send)
    assert len(sink.received) == 1
    # The next run (a minute later, well inside the lease) sends the mail never handed to the relay.
    report = await dispatch_once(commune.engine, settings, MONDAY_9 + timedelta(minutes=1))
    assert report.mails_sent == 1 and len(sink.received) == 2
    # The one in flight waits for its lease, then goes once.
    report = await dispatch_once(commune.engine, settings, MONDAY_9 + timedelta(minutes=11))
    assert report.mails_sent == 1 and len(sink.received) == 3
    assert sorted(m.rcpt_tos[0] for m in sink.received) == sorted(f"{u}@xa.example" for u in ("tuphap", "ketoan", "vanphong"))
    assert {r.status for r in commune.rows()} == {NotificationStatus.SENT}
