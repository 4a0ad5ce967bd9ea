"""Templates and message building, without a server."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.policy import default as default_policy

import pytest

from notifications.render import (
    KIND_LABELS,
    Rendered,
    build_message,
    encoded_words,
    header_text,
    mailbox,
    new_message_id,
    render_notification,
    vndate,
)

CONTEXT = {
    "organisation": "UBND xã Vĩnh Lập", "plan_title": "Kế hoạch cải cách hành chính năm 2026",
    "plan_number": "45/KH-UBND", "plan_year": 2026, "task_id": 12, "task_code": "2.3",
    "task_title": "Rà soát, đơn giản hoá thủ tục hành chính", "product": "Báo cáo kết quả rà soát",
    "dashboard_path": "/tasks/12", "period": "Quý II/2026", "due": "2026-06-22", "original_due": "2026-06-22",
    "extended": False, "days_overdue": 4, "working_days_overdue": 2, "days_left": 6, "working_days_left": 4,
    "recipient_username": "tuphap", "recipient_name": "Phạm Văn Nam", "recipient_roles": ["lead"],
    "recipients": [{"username": "tuphap", "name": "Phạm Văn Nam", "roles": ["lead"]}],
    "actor_name": "Nguyễn Thị Lan", "reason": "Chưa đủ số liệu của thôn", "new_due": "2026-07-10",
    "previous_due": "2026-06-22", "requested_due": "2026-07-10", "late": False, "requires_confirmation": True,
    "evidence": {"document_number": "88/BC-UBND", "document_date": "2026-06-19",
                 "link": "https://vanban.example/88"},
}
KINDS = ["reminder", "due", "overdue", "escalation", "completion_submitted", "completion_confirmed",
         "completion_rejected", "extension_requested", "extension_granted", "extension_denied", "reassigned",
         "task_cancelled", "definition_updated"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_both_parts_in_vietnamese(kind: str) -> None:
    rendered = render_notification(kind, 1, CONTEXT, "https://dondoc.example/")
    assert rendered.subject and "\n" not in rendered.subject and "2.3" in rendered.subject
    for part in (rendered.text, rendered.html):
        assert "Kính gửi Phạm Văn Nam" in part
        assert "Rà soát, đơn giản hoá thủ tục hành chính" in part
        assert "https://dondoc.example/tasks/12" in part
        assert "None" not in part and "2026-06-22" not in part  # dates as dd/mm/yyyy
        assert "22/06/2026" in part or kind == "task_cancelled"
    assert rendered.html.lstrip().startswith("<!DOCTYPE html>") and "<p>" in rendered.html
    assert "<" not in rendered.text.replace("<b>", "")  # no markup in the text part


def test_subjects_say_what_happened() -> None:
    subjects = {k: render_notification(k, 1, CONTEXT, "https://x").subject for k in KINDS}
    assert subjects["reminder"] == "[Nhắc việc] 2.3 Rà soát, đơn giản hoá thủ tục hành chính — hạn 22/06/2026"
    assert subjects["due"].startswith("[Đến hạn hôm nay] 2.3")
    assert subjects["overdue"].startswith("[Quá hạn 4 ngày] 2.3")
    assert subjects["escalation"].startswith("[Đã báo cáo cơ quan thường trực] Nhiệm vụ quá hạn 4 ngày")
    assert subjects["completion_submitted"].startswith("[Chờ xác nhận] Nguyễn Thị Lan báo cáo hoàn thành 2.3")
    assert subjects["extension_requested"].endswith("— đến 10/07/2026")
    assert subjects["extension_granted"].endswith("— hạn mới 10/07/2026")
    assert subjects["extension_denied"].endswith("— hạn vẫn là 22/06/2026")
    assert subjects["definition_updated"].startswith(f"[{KIND_LABELS['definition_updated']}]")


def test_completion_submitted_lists_the_evidence_for_the_coordinator() -> None:
    text = render_notification("completion_submitted", 0, CONTEXT, "https://x").text
    assert "Minh chứng: Văn bản: số 88/BC-UBND ngày 19/06/2026; Đường dẫn: https://vanban.example/88." in text
    assert "xác nhận hoặc trả lại báo cáo" in text


def test_an_extended_due_date_shows_the_original() -> None:
    context = {**CONTEXT, "due": "2026-07-10", "extended": True}
    text = render_notification("reminder", 0, context, "https://x").text
    assert "Hạn hoàn thành: 10/07/2026 (đã gia hạn, hạn ban đầu 22/06/2026)" in text


def test_escalation_wording_follows_the_recipient() -> None:
    def subject(roles, level):
        return render_notification("escalation", level, {**CONTEXT, "recipient_roles": roles}, "https://x").subject

    assert subject(["chairman"], 3).startswith("[Báo cáo Chủ tịch]")
    assert subject(["vice_chairman"], 2).startswith("[Báo cáo Phó Chủ tịch]")
    assert subject(["coordinator"], 1).startswith("[Quá hạn — cơ quan thường trực theo dõi]")
    assert subject(["lead"], 3).startswith("[Đã báo cáo Chủ tịch UBND]")
    assert subject([], 2).startswith("[Báo cáo Phó Chủ tịch]")  # no roles: by level
    chairman = render_notification("escalation", 3, {**CONTEXT, "recipient_roles": ["chairman"]}, "https://x")
    assert "Kính báo cáo đồng chí Chủ tịch" in chairman.text and "do Phạm Văn Nam chủ trì" in chairman.text


def test_header_text_removes_line_breaks_and_controls() -> None:
    assert header_text("a\r\nBcc: x@y\x00\tb") == "a Bcc: x@y b"
    assert header_text("x" * 300, 50).endswith("…") and len(header_text("x" * 300, 50)) == 50
    assert header_text(None) == ""


def test_mailbox_refuses_addresses_that_could_smuggle_recipients() -> None:
    assert str(mailbox("a@b.vn", "Lê Thị\r\nMai")) == "Lê Thị Mai <a@b.vn>"
    for bad in ("a@b.vn, c@d.vn", "a", "<a@b.vn>", "a@b@c", "@b.vn", "a@b.vn\r\nBcc: c@d.vn"):
        with pytest.raises(ValueError):
            mailbox(bad)


def test_vndate() -> None:
    assert vndate("2026-09-02") == "02/09/2026"
    assert vndate("2026-09-02T08:00:00+07:00") == "02/09/2026"
    assert vndate(None) == "" and vndate("không rõ") == "không rõ"


def test_encoded_words_keep_every_space_and_fold_short() -> None:
    subject = "[Tổng hợp] " + "nhiệm vụ " * 20
    value = encoded_words(subject.strip())
    assert all(len(line) <= 78 - len("Subject: ") for line in value.split("\r\n"))
    message = build_message(Rendered(subject, "t", "<p>h</p>"), sender="d@x.vn", to_email="a@x.vn",
                            to_name="A", message_id=new_message_id("d@x.vn"))
    parsed = message_from_bytes(bytes(message), policy=default_policy)
    assert str(parsed["Subject"]) == " ".join(subject.split())


def test_message_id_is_on_the_sender_domain_and_headers_are_ascii() -> None:
    message_id = new_message_id("dondoc@ubnd.vinhlap.vn")
    assert re.fullmatch(r"<[^<>@\s]+@ubnd\.vinhlap\.vn>", message_id)
    rendered = render_notification("overdue", 0, CONTEXT, "https://x")
    message = build_message(rendered, sender="dondoc@ubnd.vinhlap.vn", to_email="tuphap@x.vn",
                            to_name="Phạm Văn Nam", message_id=message_id)
    raw = bytes(message)
    head, _, _ = raw.partition(b"\r\n\r\n")
    head.decode("ascii")  # RFC 2047: nothing but ASCII in the headers
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    raw.decode("ascii")  # 7-bit clean body as well
    parsed = message_from_bytes(raw, policy=default_policy)
    assert parsed["Message-ID"] == message_id and parsed["Auto-Submitted"] == "auto-generated"
    assert parsed.get_body(("plain",)).get_content().replace("\r\n", "\n") == rendered.text


def test_a_one_off_period_is_named_by_its_effective_due_date() -> None:
    from notifications.render import period_phrase

    # Written "Hạn 26/12/2026" (a Saturday), due Monday 28/12/2026: the mail names the day that counts.
    assert period_phrase("Hạn 26/12/2026", "2026-12-28") == "hạn 28/12/2026"
    assert period_phrase("Hạn 26/12/2026") == "hạn 26/12/2026"
    assert period_phrase("Quý I/2026", "2026-03-20") == "kỳ Quý I/2026"
