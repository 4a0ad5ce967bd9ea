"""Bulk confirm from the "chờ xác nhận" inbox (refusals named with their reason); the mail page
("Thư thông báo": when each mail goes out, the recipient's full name, the rendered mail); the
/reports menu link for coordinators and leaders only."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from html import unescape
from urllib.parse import parse_qs, urlsplit

from sqlmodel import Session, select

from persistence.models import Notification, NotificationStatus, Occurrence, OccurrenceStatus
from persistence.read_model import expected_send_at
from domain.calendar import WorkCalendar
from tests.web.conftest import WebEnv, csrf_of


def _submitted(web_env: WebEnv, code: str) -> Occurrence:
    with Session(web_env.engine, expire_on_commit=False) as session:
        occ = session.exec(select(Occurrence).where(Occurrence.task_id == web_env.seeded.tasks[code],
                                                    Occurrence.status == OccurrenceStatus.OPEN)).first()
        occ.status = OccurrenceStatus.SUBMITTED
        occ.completed_at = datetime.now(timezone.utc)
        session.add(occ)
        session.commit()
        return occ


def test_inbox_has_checkboxes_and_bulk_confirm_reports_each_refusal(web_env: WebEnv) -> None:
    occ = _submitted(web_env, "1.1")
    client = web_env.login("thuongtruc")
    html = client.get("/overview").text
    inbox = html[html.index('id="cho-xac-nhan"'):]
    assert 'action="/inbox/confirm"' in inbox and "Xác nhận các mục đã chọn" in inbox
    value = f'{web_env.seeded.tasks["1.1"]}:completion:{occ.key}'
    assert re.search(rf'type="checkbox" name="pick" form="bulk-confirm"[^>]*\s+value="{re.escape(value)}"', inbox)
    # An item no longer awaiting confirmation and one of another organisation: both refused, each with its reason.
    with Session(web_env.engine) as session:
        open_occ = session.exec(select(Occurrence).where(Occurrence.task_id == web_env.seeded.tasks["1.2"],
                                                         Occurrence.status == OccurrenceStatus.OPEN)).first()
        other = session.exec(select(Occurrence).where(Occurrence.task_id == web_env.seeded.other_task_id)).one()
    picks = [f'{web_env.seeded.tasks["1.2"]}:completion:{open_occ.key}', f"{web_env.seeded.other_task_id}:completion:{other.key}"]
    response = client.post("/inbox/confirm", data={"csrf_token": csrf_of(html), "back": "/overview", "pick": picks},
                           follow_redirects=False)
    assert response.status_code == 303
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert "ok" not in query
    error = query["error"][0]
    assert error.startswith("Không xác nhận được 2 báo cáo:")
    assert "nhiệm vụ 1.2" in error and "Không tìm thấy nhiệm vụ." in error
    page = client.get(response.headers["location"]).text
    assert "Không xác nhận được 2 báo cáo" in unescape(page)
    # Nothing ticked: said so; without the CSRF token: refused.
    nothing = client.post("/inbox/confirm", data={"csrf_token": csrf_of(html)}, follow_redirects=False)
    assert "Ch%C6%B0a+ch%E1%BB%8Dn" in nothing.headers["location"] or "Chưa chọn" in unescape(nothing.headers["location"])
    assert client.post("/inbox/confirm", data={"pick": picks}, follow_redirects=False).status_code in (400, 403)
    # An officer may not confirm.
    officer = web_env.login("vanphong")
    token = csrf_of(officer.get("/my").text)
    refused = officer.post("/inbox/confirm", data={"csrf_token": token, "pick": [value]}, follow_redirects=False)
    assert "error" in parse_qs(urlsplit(refused.headers["location"]).query)
    with Session(web_env.engine) as session:
        assert session.get(Occurrence, occ.id).status == OccurrenceStatus.SUBMITTED


def test_expected_send_time_follows_working_hours_and_digests() -> None:
    class Row:
        created_at = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)  # 19:00 in Hà Nội, a Tuesday
        not_before = None
        next_attempt_at = None

    common = dict(calendar=WorkCalendar(), tz="Asia/Ho_Chi_Minh", work_start="07:30", work_end="17:00",
                  digest_time="08:30", now=Row.created_at)
    assert f"{expected_send_at(Row, delivery='immediate', **common):%H:%M %d/%m/%Y}" == "07:30 02/12/2026"
    assert f"{expected_send_at(Row, delivery='daily', **common):%H:%M %d/%m/%Y}" == "08:30 02/12/2026"
    Row.created_at = datetime(2026, 12, 4, 3, 10, tzinfo=timezone.utc)  # Friday 10:10
    common["now"] = Row.created_at
    assert f"{expected_send_at(Row, delivery='hourly', **common):%H:%M %d/%m/%Y}" == "11:00 04/12/2026"
    Row.created_at = datetime(2026, 12, 4, 11, 0, tzinfo=timezone.utc)  # Friday 18:00: Monday morning
    common["now"] = Row.created_at
    assert f"{expected_send_at(Row, delivery='immediate', **common):%H:%M %d/%m/%Y}" == "07:30 07/12/2026"


def test_mail_page_says_when_each_mail_goes_out_and_opens_the_rendered_mail(web_env: WebEnv) -> None:
    seeded = web_env.seeded
    with Session(web_env.engine) as session:
        from persistence.models import Officer

        phong = session.exec(select(Officer).where(Officer.username == "vanphong")).one()
        context = {"task_code": "1.1", "task_title": "Rà soát <b>thủ tục</b>", "task_id": seeded.tasks["1.1"],
                   "period": "Quý IV/2026", "due": "2026-12-20", "organisation": "UBND xã Mẫu",
                   "plan_title": "Kế hoạch CCHC", "recipient_username": "vanphong"}
        pending = Notification(organisation_id=seeded.organisation_id, idempotency_key="p1", task_id=seeded.tasks["1.1"],
                               recipient_id=phong.id, recipient_email="vanphong@xa.example", recipient_name="vanphong",
                               kind="reminder", context=context,
                               not_before=datetime(2026, 12, 2, 0, 30, tzinfo=timezone.utc))
        sent = Notification(organisation_id=seeded.organisation_id, idempotency_key="s1", task_id=seeded.tasks["1.1"],
                            recipient_id=phong.id, recipient_email="vanphong@xa.example", kind="overdue", context=context,
                            status=NotificationStatus.SENT, sent_at=datetime(2026, 11, 30, 1, 5, tzinfo=timezone.utc))
        own = Notification(organisation_id=seeded.organisation_id, idempotency_key="o1", task_id=seeded.tasks["1.1"],
                           recipient_id=phong.id, recipient_email="vanphong@xa.example", kind="completion_submitted",
                           context={**context, "actor": "vanphong"})
        session.add_all([pending, sent, own])
        session.commit()
        pending_id = pending.id
    client = web_env.login("thuongtruc")
    html = unescape(client.get("/mails").text)
    assert "<h1>Thư thông báo</h1>" in html and ">Thư thông báo</a>" in html  # the menu says it too
    row = html[html.index(f'data-mail="{pending_id}"'):]
    row = row[:row.index("</tr>")]
    assert "Nguyễn Văn Phong" in row and ">vanphong<" not in row and "reminder" not in row
    if datetime.now(timezone.utc) < datetime(2026, 12, 2, 0, 30, tzinfo=timezone.utc):
        assert "sẽ gửi lúc 07:30 ngày 02/12/2026" in row
    else:
        assert "sẽ gửi lúc" in row
    assert "đã gửi lúc 08:05 ngày 30/11/2026" in html
    # What the recipient did themselves is never mailed to them: said before the dispatcher drops it.
    assert "sẽ không gửi – người nhận chính là người đã thực hiện việc này" in html

    mail = client.get(f"/mails/{pending_id}").text
    assert "Nguyễn Văn Phong" in mail and "Thư như người nhận thấy" in mail
    frame = re.search(r'<iframe class="mail-frame" id="mail-html" title="[^"]*" sandbox srcdoc="([^"]*)"', mail)
    assert frame, "the mail's HTML is in a sandboxed iframe"
    inner = unescape(frame.group(1))
    assert "<html" in inner.lower() and "Rà soát &lt;b&gt;thủ tục&lt;/b&gt;" in inner  # the mail's own escaping kept
    assert "<b>thủ tục</b>" not in mail  # never live HTML in the page
    text = unescape(re.search(r'<pre class="mail-text" id="mail-text">(.*?)</pre>', mail, re.S).group(1))
    assert "Rà soát <b>thủ tục</b>" in text and "Nguyễn Văn Phong" in text
    # Another organisation's coordinator cannot open it; an officer only their own.
    assert web_env.login("khac").get(f"/mails/{pending_id}").status_code == 404
    assert web_env.login("tuphap").get(f"/mails/{pending_id}").status_code == 404
    assert web_env.login("vanphong").get(f"/mails/{pending_id}").status_code == 200


def test_reports_link_in_the_menu_for_coordinators_and_leaders_only(web_env: WebEnv) -> None:
    for username, shown in (("thuongtruc", True), ("chutich", True), ("vanphong", False)):
        html = web_env.login(username).get("/my").text
        assert ('href="/reports"' in html) is shown, username
