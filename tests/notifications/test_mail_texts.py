"""What the mails say, read back as people read them (issue 18 item 3, issue 16 item 5).

Each case is rendered (text and HTML) and, where it depends on the dispatcher, sent
through the real aiosmtpd server of ``conftest.py`` and read back from what arrived.
"""

from __future__ import annotations

import base64
import re
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest
from typer.testing import CliRunner

from notifications.dispatch import SELF_ACTION_REASON, dispatch_once
from notifications.render import message_bytes, one_off_date, period_phrase, recurring_period, render_notification
from persistence.db import session_scope
from persistence.models import NotificationStatus, Occurrence
from tests.notifications.conftest import Commune, Sink, local
from tests.notifications.test_render import CONTEXT, KINDS

MONDAY_9 = local("2026-03-23 09:00")
OFFICER_HOW = 'Để báo cáo hoàn thành một nhiệm vụ, mở trang của nhiệm vụ, chọn "Báo cáo hoàn thành"'
COORDINATOR_HOW = "Để xác nhận hoặc trả lại một báo cáo hoàn thành"
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _one_off(commune: Commune, code: str, label: str = "Hạn 20/03/2026") -> None:
    """Make the task's occurrence a one-off one, named by its date as domain.deadlines names it."""
    with session_scope(commune.engine) as session:
        occ = session.get(Occurrence, commune.occurrences[code])
        occ.period = label
        session.add(occ)


def _visible_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# -- one-off periods ------------------------------------------------------------------------


def test_period_helpers() -> None:
    assert one_off_date("Hạn 15/10/2026") == "15/10/2026"
    assert one_off_date("Quý I/2026") is None and one_off_date(None) is None
    assert recurring_period("Hạn 15/10/2026") is None
    assert recurring_period("Quý I/2026") == "Quý I/2026"
    assert period_phrase("Hạn 15/10/2026") == "hạn 15/10/2026"
    assert period_phrase("Quý I/2026") == "kỳ Quý I/2026"
    assert period_phrase(None, "2026-10-15") == "hạn 15/10/2026"


@pytest.mark.parametrize("kind", KINDS)
def test_a_one_off_period_is_named_by_its_date_once(kind: str) -> None:
    context = {**CONTEXT, "period": "Hạn 22/06/2026"}
    rendered = render_notification(kind, 1, context, "https://dondoc.example")
    for part in (rendered.text, _visible_text(rendered.html)):
        assert "kỳ Hạn" not in part and "Kỳ: Hạn" not in part and "Kỳ Hạn" not in part
        assert "Hạn 22/06/2026" not in part  # the label itself never shows; the due date does
    assert "Kỳ:" not in rendered.text
    assert "kỳ Hạn" not in rendered.subject
    # The recurring case still names its period.
    recurring = render_notification(kind, 1, CONTEXT, "https://dondoc.example")
    assert "Kỳ: Quý II/2026" in recurring.text


async def test_a_digest_names_a_one_off_period_by_its_date_once(commune: Commune, sink: Sink, settings) -> None:
    commune.add_task("4.2", "Ban hành kế hoạch tuyên truyền cải cách hành chính", due="2026-03-27")
    _one_off(commune, "4.2", "Hạn 27/03/2026")
    commune.notify("3.1", "tuphap", "overdue", not_before=local("2026-03-23 07:40"), days_overdue=3)
    commune.notify("4.2", "tuphap", "reminder", not_before=local("2026-03-23 07:40"), days_left=4)
    await dispatch_once(commune.engine, settings, MONDAY_9)
    [mail] = sink.received
    text, html = mail.text().replace("\r\n", "\n"), _visible_text(mail.html())
    for part in (text, html):
        assert "Hạn 27/03/2026" not in part and "Kỳ: Hạn" not in part
        assert part.count("27/03/2026") == 1, part  # in the reminder's line, once
        assert "Kỳ: Quý I/2026" in part  # the quarterly task keeps its period
    assert "[Nhắc việc] 4.2 Ban hành kế hoạch tuyên truyền cải cách hành chính — hạn 27/03/2026" in text


async def test_the_chairmans_digest_names_a_one_off_period_by_its_date(commune: Commune, sink: Sink,
                                                                       settings) -> None:
    _one_off(commune, "3.1")
    commune.notify("3.1", "chutich", "escalation", level=3, not_before=local("2026-03-23 07:50"))
    await dispatch_once(commune.engine, settings, MONDAY_9)
    [mail] = sink.received
    text = mail.text().replace("\r\n", "\n")
    assert "  Hạn 20/03/2026: quá hạn 3 ngày (1 ngày làm việc)." in text
    assert "Kỳ Hạn" not in text and text.count("20/03/2026") == 1
    html = _visible_text(mail.html())
    assert "Một lần 20/03/2026" in html and "Hạn 20/03/2026" not in html


# -- own actions, coordinator instructions, sender -------------------------------------------


async def test_a_digest_leaves_out_what_its_recipient_did(commune: Commune, sink: Sink, settings) -> None:
    # The coordinator confirmed 3.1 herself (she is told nothing about it), while the
    # officer reported 5.2 done and asked to extend 6.1: those she must handle.
    commune.add_task("5.2", "Rà soát thủ tục hành chính lĩnh vực tài chính", unit="tc-kt")
    commune.add_task("6.1", "Số hoá hồ sơ, kết quả giải quyết thủ tục hành chính", unit="tc-kt")
    at = local("2026-03-23 08:00")
    own = commune.notify("3.1", "vanphong", "completion_confirmed", not_before=at, actor="vanphong",
                         actor_name="Nguyễn Thị Lan")
    commune.notify("5.2", "vanphong", "completion_submitted", not_before=at, actor="ketoan",
                   actor_name="Đỗ Thị Hoa", evidence={"document_number": "45/BC-UBND", "document_date": "2026-03-20"})
    commune.notify("6.1", "vanphong", "extension_requested", not_before=at, actor="ketoan",
                   actor_name="Đỗ Thị Hoa", new_due="2026-04-10", reason="Chờ số liệu của các thôn")
    # The officer is told of the confirmation (another person's action).
    commune.notify("3.1", "tuphap", "completion_confirmed", not_before=at, actor="vanphong",
                   actor_name="Nguyễn Thị Lan")
    report = await dispatch_once(commune.engine, settings, MONDAY_9)
    assert report.rows_skipped == 1
    by_rcpt = {m.rcpt_tos[0]: m for m in sink.received}
    assert set(by_rcpt) == {"vanphong@xa.example", "tuphap@xa.example"}
    coordinator = by_rcpt["vanphong@xa.example"]
    text, html = coordinator.text().replace("\r\n", "\n"), _visible_text(coordinator.html())
    for part in (text, html):
        assert "2 thông báo" in part
        assert "Đã xác nhận hoàn thành" not in part and "3.1" not in part
        assert "Đỗ Thị Hoa báo cáo hoàn thành 5.2" in part
        assert "Lý do: Chờ số liệu của các thôn." in part
        # A coordinator's digest ends with a coordinator's instructions.
        assert COORDINATOR_HOW in part and OFFICER_HOW not in part
        assert "nhiệm vụ đồng chí theo dõi" in part
    assert text.split("\n--\n")[0].rstrip().splitlines()[-1].startswith(COORDINATOR_HOW)
    assert "Xem và xử lý:" in text and "Xem và báo cáo:" not in text
    skipped = next(r for r in commune.rows() if r.id == own)
    assert skipped.status == NotificationStatus.SKIPPED and skipped.skip_reason == SELF_ACTION_REASON
    assert "Đồng chí Nguyễn Thị Lan đã xác nhận hoàn thành" in by_rcpt["tuphap@xa.example"].text()


async def test_an_officers_digest_ends_with_the_officers_instructions(commune: Commune, sink: Sink,
                                                                      settings) -> None:
    commune.add_task("5.2", "Rà soát thủ tục hành chính lĩnh vực tư pháp")
    commune.notify("3.1", "tuphap", "overdue", not_before=local("2026-03-23 07:40"), days_overdue=3)
    commune.notify("5.2", "tuphap", "completion_rejected", not_before=local("2026-03-23 08:00"),
                   actor="vanphong", actor_name="Nguyễn Thị Lan", reason="Thiếu số liệu quý I")
    await dispatch_once(commune.engine, settings, MONDAY_9)
    [mail] = sink.received
    for part in (mail.text(), _visible_text(mail.html())):
        assert OFFICER_HOW in part and COORDINATOR_HOW not in part
        assert "nhiệm vụ được giao" in part
        assert "Lý do: Thiếu số liệu quý I." in part


async def test_the_sender_is_the_organisation_in_vietnamese(commune: Commune, sink: Sink, settings) -> None:
    commune.notify("3.1", "tuphap", "reminder", not_before=local("2026-03-23 07:45"), days_left=4)
    await dispatch_once(commune.engine, settings, MONDAY_9)
    [mail] = sink.received
    raw_head = mail.raw.split(b"\r\n\r\n", 1)[0]
    raw_head.decode("ascii")  # RFC 2047: 7-bit headers only
    sender = mail.message["From"]
    assert str(sender) == "UBND xã Thử Nghiệm <dondoc@xa.example>"
    assert sender.addresses[0].display_name == "UBND xã Thử Nghiệm"
    assert mail.mail_from == "dondoc@xa.example"


def test_an_organisation_name_round_trips_through_the_from_header() -> None:
    rendered = render_notification("reminder", 0, CONTEXT, "https://x")
    for name in ("UBND xã Vĩnh Lập", "UBND phường Đống Đa", "UBND thị trấn Cẩm Xuyên, huyện Cẩm Xuyên"):
        raw = message_bytes(rendered, sender="dondoc@vinhlap.example", to_email="a@b.example", to_name="Á",
                            message_id="<1@x>", sender_name=name)
        head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
        assert all(len(line) <= 78 for line in head.split("\r\n"))
        message = message_from_bytes(raw, policy=default_policy)
        sender = message["From"].addresses[0]
        # Python joins adjacent encoded words with a space where RFC 2047 drops it; both
        # read the same words, and each word boundary sits after a space.
        assert " ".join(sender.display_name.split()) == name
        assert sender.addr_spec == "dondoc@vinhlap.example"
        from_lines = head.split("From: ", 1)[1].split("\r\nTo:", 1)[0]
        decoded = [base64.b64decode(w).decode() for w in re.findall(r"=\?utf-8\?b\?([^?]+)\?=", from_lines)]
        assert "".join(decoded) == name and all(w.endswith(" ") for w in decoded[:-1])


# -- full names and dd/mm/yyyy, never usernames, ISO dates or internal kinds -------------------


@pytest.mark.parametrize("kind", KINDS + ["some_future_kind"])
def test_mails_show_names_and_vietnamese_dates_only(kind: str) -> None:
    # The actor is an administrator without an officer row: the activities put the
    # username in actor_name; the mail must not show it.
    context = {**CONTEXT, "actor": "admin01", "actor_name": "admin01"}
    rendered = render_notification(kind, 1, context, "https://x")
    for part in (rendered.subject, rendered.text, _visible_text(rendered.html)):
        assert "admin01" not in part and "tuphap" not in part
        assert not ISO_DATE.search(part), part
        assert kind not in part
    if kind.startswith(("completion_", "extension_")) or kind == "reassigned":
        assert "Người quản trị hệ thống" in rendered.text


# -- dondoc mail show -------------------------------------------------------------------------


def test_mail_show_prints_the_date_in_local_time(tmp_path: Path, monkeypatch) -> None:
    from cli.main import app
    from notifications.catcher import store_mail

    rendered = render_notification("reminder", 0, CONTEXT, "https://x")
    raw = message_bytes(rendered, sender="dondoc@x.example", to_email="tuphap@x.example", to_name="Phạm Văn Nam",
                        message_id="<1@x>", when=local("2026-12-02 07:30"), sender_name="UBND xã Vĩnh Lập")
    path = store_mail(tmp_path / "data" / "mail", raw)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DONDOC_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(app, ["mail", "show", path.stem])
    assert result.exit_code == 0, result.output
    assert "Ngày: 02/12/2026 07:30" in result.output
    assert "Từ: UBND xã Vĩnh Lập <dondoc@x.example>" in result.output
    assert "+0000" not in result.output and "Dec" not in result.output
