"""Plan intake in the browser (TestClient): upload, review edits on the review file, re-import diff."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ingest.review import check_review
from tests.web.conftest import csrf_of

ROOT = Path(__file__).resolve().parents[2]
PLAN = ROOT / "samples" / "plans" / "vinh-lap-2021.txt"


def _upload(client, path: Path = PLAN, name: str | None = None, year: str = "2026"):
    token = csrf_of(client.get("/intake").text)
    return client.post("/intake", data={"csrf_token": token, "year": year},
                       files={"file": (name or path.name, path.read_bytes(), "text/plain")}, follow_redirects=False)


def _review_file(web_env, intake_id: str) -> Path:
    return next((web_env.data_dir / "intake").glob(f"*/{intake_id}/review.yaml"))


def test_upload_review_edit_and_cli_check(web_env, tmp_path) -> None:
    client = web_env.login("thuongtruc")
    response = _upload(client, name="Kế hoạch CCHC 2026.txt")
    assert response.status_code == 303, response.text
    intake_id = response.headers["location"].rsplit("/", 1)[1]
    page = client.get(f"/intake/{intake_id}")
    assert page.status_code == 200
    assert "Kế hoạch CCHC 2026.txt" in page.text and "Văn bản gốc, dòng" in page.text
    review = _review_file(web_env, intake_id)
    # A person writes a comment into the file with a text editor before editing in the browser.
    note = "    # ghi chú của người rà soát: hỏi lại Văn phòng về hạn\n"
    text = review.read_text(encoding="utf-8")
    at = text.index("    title: ")
    review.write_text(text[:at] + note + text[at:], encoding="utf-8")
    before = yaml.safe_load(review.read_text(encoding="utf-8"))
    count = len(before["tasks"])
    token = csrf_of(page.text)

    # Edit the first task: units chosen from the organisation's list, a new deadline.
    response = client.post(f"/intake/{intake_id}/tasks/0", data={
        "csrf_token": token, "code": before["tasks"][0]["code"], "area": "tthc", "kind": "task",
        "title": "Rà soát thủ tục hành chính; Công khai thủ tục hành chính", "lead": ["Công chức Tư pháp - Hộ tịch"],
        "coordinators": ["Công chức Văn phòng - Thống kê", "Công chức Tài chính - Kế toán"],
        "deadline": "trước 15/10/2026", "product": "Báo cáo"}, follow_redirects=False)
    assert response.status_code == 303
    after = yaml.safe_load(review.read_text(encoding="utf-8"))
    first = after["tasks"][0]
    assert first["lead"] == ["Công chức Tư pháp - Hộ tịch"] and first["deadline"] == "trước 15/10/2026"
    assert first["coordinators"] == ["Công chức Văn phòng - Thống kê", "Công chức Tài chính - Kế toán"]

    # Split it at the ";" and merge it back; add and remove one.
    client.post(f"/intake/{intake_id}/tasks/0/split", data={"csrf_token": token})
    tasks = yaml.safe_load(review.read_text(encoding="utf-8"))["tasks"]
    assert len(tasks) == count + 1
    assert (tasks[0]["title"], tasks[1]["title"]) == ("Rà soát thủ tục hành chính", "Công khai thủ tục hành chính")
    assert tasks[1]["code"] == f"{first['code']}b" and tasks[1]["lead"] == first["lead"]
    client.post(f"/intake/{intake_id}/tasks/0/merge", data={"csrf_token": token})
    tasks = yaml.safe_load(review.read_text(encoding="utf-8"))["tasks"]
    assert len(tasks) == count and tasks[0]["title"] == "Rà soát thủ tục hành chính; Công khai thủ tục hành chính"
    client.post(f"/intake/{intake_id}/tasks/0/add", data={"csrf_token": token})
    tasks = yaml.safe_load(review.read_text(encoding="utf-8"))["tasks"]
    assert len(tasks) == count + 1 and tasks[1]["title"] == ""
    client.post(f"/intake/{intake_id}/tasks/1/remove", data={"csrf_token": token})
    assert len(yaml.safe_load(review.read_text(encoding="utf-8"))["tasks"]) == count

    # The comments survive every browser edit (the person's and the importer's).
    text = review.read_text(encoding="utf-8")
    assert note in text and "# TỆP RÀ SOÁT KẾ HOẠCH — do `dondoc import`" in text and "# Cách đôn đốc" in text

    # The CLI reads the very same file.
    parsed, problems = check_review(review)
    assert parsed is not None and parsed.tasks[0].lead == ["Công chức Tư pháp - Hộ tịch"]
    assert not [p for p in problems if "Tư pháp" in p.message]


def test_deadline_preview_endpoint(web_env) -> None:
    client = web_env.login("thuongtruc")
    ok = client.get("/api/deadline-preview", params={"text": "theo Quý trước ngày 20 của tháng cuối Quý", "year": 2026}).json()
    assert ok["error"] is None and ok["dates"][0].startswith("20/03/2026")
    assert len(ok["dates"]) == 4
    bad = client.get("/api/deadline-preview", params={"text": "khi nào rảnh", "year": 2026}).json()
    assert bad["error"] and "khi nào rảnh" in bad["error"]


def test_upload_errors_keep_the_fields(web_env, tmp_path) -> None:
    client = web_env.login("thuongtruc")
    bad = tmp_path / "ghi-chú.odt"
    bad.write_bytes(b"x")
    response = _upload(client, bad, year="20x6")
    assert response.status_code == 400
    assert 'value="20x6"' in response.text and "Năm «20x6» không hợp lệ" in response.text
    assert "ghi-chú.odt" in response.text  # the chosen file's name is shown again
    assert re.search(r'class="field-error" id="err-file"', response.text)


def test_officers_cannot_import(web_env) -> None:
    assert web_env.login("vanphong").get("/intake").status_code == 403


def test_reimport_shows_what_changed(web_env, tmp_path) -> None:
    client = web_env.login("thuongtruc")
    intake_id = _upload(client).headers["location"].rsplit("/", 1)[1]
    amended = tmp_path / "ke-hoach-sua-doi.txt"
    text = PLAN.read_text(encoding="utf-8")
    first = yaml.safe_load(_review_file(web_env, intake_id).read_text(encoding="utf-8"))["tasks"][0]
    title_words = first["title"].split()[:4]
    needle = " ".join(title_words)
    assert needle in text
    amended.write_text(text.replace(needle, needle + " (sửa đổi)", 1), encoding="utf-8")
    token = csrf_of(client.get(f"/intake/{intake_id}").text)
    response = client.post(f"/intake/{intake_id}/reimport", data={"csrf_token": token},
                           files={"file": (amended.name, amended.read_bytes(), "text/plain")})
    assert response.status_code == 200
    assert "Thay đổi so với bản nhập trước" in response.text and "(sửa đổi)" in response.text


def test_review_page_edits_an_indicators_owner_and_area(web_env, tmp_path) -> None:
    from tests.web.plan_with_targets import plan_with_targets

    client = web_env.login("thuongtruc")
    document = tmp_path / "ke-hoach-co-chi-tieu.txt"
    document.write_text(plan_with_targets(2026), encoding="utf-8")
    intake_id = _upload(client, document).headers["location"].rsplit("/", 1)[1]
    review = _review_file(web_env, intake_id)
    page = client.get(f"/intake/{intake_id}")
    assert page.status_code == 200 and 'id="chi-tieu"' in page.text
    assert page.text.count('class="card review-indicator') == 3
    first = page.text[page.text.index('id="ct0"'):page.text.index('id="ct1"')]
    assert "≥ 50%" in first and "Chưa rõ đơn vị chủ trì báo cáo chỉ tiêu" in first  # no task of its area leads
    third = page.text[page.text.index('id="ct2"'):]
    assert "&gt; 5 tỷ đồng" in third and "<option selected>Công chức Tài chính - Kế toán</option>" in third
    token = csrf_of(page.text)

    # An owner from the organisation's list: written to the review file, the warning settled.
    response = client.post(f"/intake/{intake_id}/indicators/0", data={
        "csrf_token": token, "text": "Tối thiểu 60% hồ sơ thủ tục hành chính được tiếp nhận trực tuyến.",
        "area": "so_hoa", "owner": "Công chức Văn phòng - Thống kê"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].endswith("#ct0")
    text = review.read_text(encoding="utf-8")
    assert "# owner: đơn vị chủ trì báo cáo số liệu" in text  # the importer's comments survive
    data = yaml.safe_load(text)
    assert data["indicators"][0]["owner"] == "Công chức Văn phòng - Thống kê"
    assert (data["indicators"][0]["area"], data["indicators"][0]["text"][:13]) == ("so_hoa", "Tối thiểu 60%")
    assert not [w for w in data["warnings"] if "[CT-01]" in w]
    parsed, problems = check_review(review)
    assert parsed.indicators[0].owner == "Công chức Văn phòng - Thống kê"
    assert not [p for p in problems if "Chỉ tiêu" in p.message]
    page = client.get(f"/intake/{intake_id}")
    first = page.text[page.text.index('id="ct0"'):page.text.index('id="ct1"')]
    assert "≥ 60%" in first and "<option selected>Công chức Văn phòng - Thống kê</option>" in first

    # A unit the organisation does not have, an unknown area: refused beside the field, the file unchanged.
    response = client.post(f"/intake/{intake_id}/indicators/1", data={
        "csrf_token": token, "text": "", "area": "ngan_sach", "owner": "Phòng Không Có"})
    assert response.status_code == 400
    card = response.text[response.text.index('id="ct1"'):response.text.index('id="ct2"')]
    assert "Cần ghi nội dung chỉ tiêu." in card and "Lĩnh vực «ngan_sach» không hợp lệ" in card
    assert "Đơn vị «Phòng Không Có» không có trong tệp tổ chức" in card
    assert "<option selected>Phòng Không Có</option>" in card  # the typed value is kept
    assert review.read_text(encoding="utf-8") == text
    assert client.post(f"/intake/{intake_id}/indicators/7", data={"csrf_token": token, "text": "x"}).status_code == 404

    # A hand-written unknown owner in the file shows beside the field (and `plan check` reports it).
    review.write_text(text.replace('owner: "Công chức Tư pháp - Hộ tịch"', 'owner: "Ban Không Rõ"', 1), encoding="utf-8")
    page = client.get(f"/intake/{intake_id}")
    card = page.text[page.text.index('id="ct1"'):page.text.index('id="ct2"')]
    assert "Đơn vị «Ban Không Rõ» không có trong danh sách đơn vị" in card
    assert "Chỉ tiêu CT-02: đơn vị &#39;Ban Không Rõ&#39; không có trong tệp tổ chức." in page.text


def test_reimport_lists_indicator_changes(web_env, tmp_path) -> None:
    from tests.web.plan_with_targets import plan_with_targets

    client = web_env.login("thuongtruc")
    document = tmp_path / "ke-hoach-co-chi-tieu.txt"
    document.write_text(plan_with_targets(2026), encoding="utf-8")
    intake_id = _upload(client, document).headers["location"].rsplit("/", 1)[1]
    amended = tmp_path / "ke-hoach-sua-doi.txt"
    amended.write_text(plan_with_targets(2026).replace("đạt trên 5 tỷ đồng", "đạt trên 6 tỷ đồng"), encoding="utf-8")
    token = csrf_of(client.get(f"/intake/{intake_id}").text)
    response = client.post(f"/intake/{intake_id}/reimport", data={"csrf_token": token},
                           files={"file": (amended.name, amended.read_bytes(), "text/plain")})
    changes = response.text[response.text.index('id="thay-doi"'):response.text.index("</section>", response.text.index('id="thay-doi"'))]
    assert "<b>Thêm</b> Chỉ tiêu CT-03. Phấn đấu thu ngân sách xã đạt trên 6 tỷ đồng" in changes
    assert "<b>Bỏ</b> Chỉ tiêu CT-03. Phấn đấu thu ngân sách xã đạt trên 5 tỷ đồng" in changes
