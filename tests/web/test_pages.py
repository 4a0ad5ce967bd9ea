"""Pages and JSON API read the real database and show the right numbers."""

from __future__ import annotations

import re
import time
from datetime import date

from sqlmodel import Session

from domain.status import BUCKETS
from persistence.models import Event, Notification, Occurrence
from tests.web.conftest import WebEnv, csrf_of


def _tile_counts(html: str) -> dict[str, int]:
    found = re.findall(r'data-bucket="(\w+)">\s*<span class="label">[^<]*</span>\s*<span class="value">(\d+)</span>', html)
    return {k: int(v) for k, v in found}


def test_overview_counts_match_the_database(web_env: WebEnv) -> None:
    client = web_env.login("thuongtruc")
    html = client.get("/overview").text
    tiles = _tile_counts(html)
    awaiting = tiles.pop("awaiting")  # reports not yet confirmed: their own tile, apart from "hoàn thành"
    assert tiles == web_env.seeded.expected
    for label in ("Hoàn thành đúng hạn", "Hoàn thành quá hạn", "Đang thực hiện trong hạn", "Quá hạn chưa hoàn thành"):
        assert label in html
    assert "Công chức Văn phòng - Thống kê" in html  # by unit
    assert "Cải cách thủ tục hành chính" in html  # by area
    api = client.get("/api/overview").json()
    assert {b.value: api["counts"][b.value] for b in BUCKETS} == web_env.seeded.expected
    assert api["counts"]["awaiting_confirmation"] == awaiting
    assert sum(u["total"] for u in api["by_unit"]) == api["counts"]["total"]  # one lead unit per task here
    days = [r["days_overdue"] for r in api["overdue"]]
    assert days == sorted(days, reverse=True) and len(days) == web_env.seeded.expected["overdue"]
    today = date.fromisoformat(api["today"])
    assert api["upcoming"] and all(0 <= (date.fromisoformat(r["effective_due"]) - today).days <= 14 for r in api["upcoming"])


def test_overview_changes_when_an_occurrence_is_completed(web_env: WebEnv) -> None:
    client = web_env.login("thuongtruc")
    before = client.get("/api/overview").json()["counts"]
    overdue = client.get("/api/overview").json()["overdue"][0]
    with Session(web_env.engine) as session:
        from sqlmodel import select

        occ = session.exec(select(Occurrence).where(Occurrence.task_id == overdue["task_id"], Occurrence.key == overdue["occurrence"])).one()
        occ.status = "done"
        from persistence.models import utcnow

        occ.completed_at = utcnow()
        occ.updated_at = utcnow()
        session.add(occ)
        session.commit()
    # Changes written by the worker reach the overview within the cache's recheck interval.
    for _ in range(40):
        after = client.get("/api/overview").json()["counts"]
        if after != before:
            break
        time.sleep(0.1)
    assert after["overdue"] == before["overdue"] - 1
    assert after["done_late"] == before["done_late"] + 1


def test_task_page_shows_text_units_occurrences_evidence_and_timeline(web_env: WebEnv) -> None:
    task_id = web_env.seeded.tasks["1.1"]
    with Session(web_env.engine) as session:
        session.add(Event(organisation_id=web_env.seeded.organisation_id, task_id=task_id, kind="reminder", actor="system",
                          data={"period": "Đợt 1"}, idempotency_key="t-reminder-1"))
        session.add(Event(organisation_id=web_env.seeded.organisation_id, task_id=task_id, kind="escalation", actor="system",
                          data={"level": 3}, idempotency_key="t-esc-1"))
        session.commit()
    client = web_env.login("thuongtruc")
    html = client.get(f"/tasks/{task_id}").text
    assert "Rà soát, đánh giá thủ tục hành chính" in html
    assert "Công chức Văn phòng - Thống kê" in html and "Công chức Tư pháp - Hộ tịch" in html
    assert html.count('data-key="') == 4
    assert "10/BC-UBND" in html  # evidence of the done occurrence
    assert "Nhắc việc" in html and "Báo cáo lãnh đạo" in html
    api = client.get(f"/api/tasks/{task_id}").json()
    assert len(api["occurrences"]) == 4 and [e["kind"] for e in api["timeline"]] == ["reminder", "escalation"]
    assert api["lead_officers"][0]["username"] in ("vanphong", "thuongtruc")


def test_task_list_filters_and_pages(web_env: WebEnv) -> None:
    client = web_env.login("vanphong")
    all_rows = client.get("/api/tasks", params={"limit": 1000}).json()
    assert all_rows["total"] == sum(web_env.seeded.expected.values())
    overdue = client.get("/api/tasks", params={"bucket": "overdue"}).json()
    assert overdue["total"] == web_env.seeded.expected["overdue"]
    unit = client.get("/api/tasks", params={"unit": "tp-ht", "limit": 1000}).json()
    assert unit["total"] > 0 and all(i["lead_units"][0]["code"] == "tp-ht" for i in unit["items"])
    html = client.get("/tasks", params={"bucket": "overdue"}).text
    assert html.count("badge b-overdue") == web_env.seeded.expected["overdue"]
    searched = client.get("/api/tasks", params={"q": "so hoa ho so"}).json()  # folded search, no diacritics
    assert searched["total"] > 0 and all("Số hoá" in i["title"] for i in searched["items"])


def test_my_tasks_escalations_mails(web_env: WebEnv) -> None:
    seeded = web_env.seeded
    with Session(web_env.engine) as session:
        session.add(Notification(organisation_id=seeded.organisation_id, idempotency_key="n1", task_id=seeded.tasks["1.1"],
                                 recipient_email="vanphong@xa.example", recipient_name="Nguyễn Văn Phong", kind="overdue",
                                 context={"task_code": "1.1", "task_title": "Rà soát"}))
        session.add(Notification(organisation_id=seeded.other_organisation_id, idempotency_key="n2",
                                 recipient_email="khac@xa.example", kind="reminder", context={"task_code": "9.9"}))
        session.commit()
    officer = web_env.login("vanphong")
    my = officer.get("/api/my-tasks").json()["items"]
    assert my and all(i["lead_units"][0]["code"] == "vp-tk" for i in my)
    assert "Việc của tôi" in officer.get("/my").text
    coordinator = web_env.login("thuongtruc")
    mails = coordinator.get("/mails").text
    assert "vanphong@xa.example" in mails and "khac@xa.example" not in mails
    assert coordinator.get("/escalations").status_code == 200
    assert len(coordinator.get("/api/notifications").json()["items"]) == 1


def test_mails_page_shows_a_skipped_notification_and_why(web_env: WebEnv) -> None:
    from persistence.models import NotificationStatus

    seeded = web_env.seeded
    with Session(web_env.engine) as session:
        session.add(Notification(organisation_id=seeded.organisation_id, idempotency_key="skip-1",
                                 task_id=seeded.tasks["1.1"], recipient_email="vanphong@xa.example", kind="reminder",
                                 context={"task_code": "1.1", "task_title": "Rà soát"},
                                 status=NotificationStatus.SKIPPED, skip_reason="việc đã hoàn thành"))
        session.commit()
    coordinator = web_env.login("thuongtruc")
    assert "Bỏ qua – việc đã hoàn thành" in coordinator.get("/mails").text
    [item] = coordinator.get("/api/notifications").json()["items"]
    assert item["status"] == "skipped" and item["skip_reason"] == "việc đã hoàn thành"


def test_api_login_and_openapi(web_env: WebEnv) -> None:
    client = web_env.client()
    r = client.post("/api/login", json={"username": "chutich", "password": "matkhau-demo"})
    assert r.status_code == 200 and r.json()["csrf_token"]
    assert client.get("/api/me").json()["role"] == "chairman"
    spec = client.get("/api/openapi.json").json()
    assert "/api/overview" in spec["paths"] and "/api/tasks/{task_id}/occurrences/{key}/complete" in spec["paths"]
    docs = client.get("/api/docs").text
    assert "/api/overview" in docs and "cdn" not in docs.lower()
    assert client.post("/api/login", json={"username": "chutich", "password": "x"}).status_code == 401


def test_ical_feed_via_secret_url(web_env: WebEnv) -> None:
    client = web_env.login("vanphong")
    token = csrf_of(client.get("/my").text)
    client.post("/my/ical", data={"csrf_token": token})
    html = client.get("/my").text
    url = re.search(r"(http://[^<\s]+/ical/[^<\s]+\.ics)", html).group(1)
    path = url.split("127.0.0.1:8000", 1)[1]
    anonymous = web_env.client()
    feed = anonymous.get(path)
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert feed.text.count("BEGIN:VEVENT") == len(client.get("/api/my-tasks").json()["items"])
    assert anonymous.get("/ical/" + "x" * 32 + ".ics").status_code == 404


def test_excel_export_download(web_env: WebEnv) -> None:
    import io

    from openpyxl import load_workbook

    client = web_env.login("thuongtruc")
    r = client.get(f"/export/{web_env.seeded.plan_code}.xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    assert [c.value for c in ws[5]] == ["STT", "Nội dung", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành", "Tình trạng", "Minh chứng"]
    assert client.get("/export/kh-khong-co.xlsx").status_code == 404
    khac = web_env.login("khac")
    assert khac.get(f"/export/{web_env.seeded.plan_code}.xlsx").status_code == 404
