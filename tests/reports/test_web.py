"""The coordinator's report page: the draft and the evidence pack downloaded; indicators over the API."""

from __future__ import annotations

import io
import zipfile

from docx import Document
from sqlmodel import Session

from persistence.models import Indicator
from tests.web.conftest import csrf_of, web_env  # noqa: F401  (fixture)


def test_coordinator_downloads_draft_and_pack(web_env) -> None:  # noqa: F811
    seeded = web_env.seeded
    with Session(web_env.engine) as s:
        s.add(Indicator(organisation_id=seeded.organisation_id, plan_id=seeded.plan_id, code="CT-01",
                        text="Tối thiểu 50% hồ sơ trực tuyến", comparator=">=", target_value=50, unit="%", owner_unit="vp-tk"))
        s.commit()
    client = web_env.login("thuongtruc")
    page = client.get("/reports")
    assert page.status_code == 200 and "Tải dự thảo báo cáo" in page.text
    year = page.text.split("evidence.zip?year=")[1][:4]
    draft = client.get(f"/reports/{seeded.plan_code}/draft.docx?period={year}-Q1")
    assert draft.status_code == 200 and "attachment" in draft.headers["content-disposition"]
    texts = [p.text for p in Document(io.BytesIO(draft.content)).paragraphs]
    assert f"Kết quả thực hiện công tác cải cách hành chính quý I năm {year}" in texts
    pack = client.get(f"/reports/{seeded.plan_code}/evidence.zip?year={year}")
    assert pack.status_code == 200 and "muc-luc-minh-chung.xlsx" in zipfile.ZipFile(io.BytesIO(pack.content)).namelist()
    assert client.get(f"/reports/{seeded.plan_code}/draft.docx?period={year}-Q2").status_code == 400

    # Indicators: listed, reported by the owner unit's officer, refused to others.
    officer = web_env.login("vanphong")
    token = csrf_of(officer.get("/my").text)
    listed = officer.get(f"/api/plans/{seeded.plan_code}/indicators?period={year}-Q1").json()
    assert listed[0]["status"] == "chua_bao_cao" and listed[0]["target"] == "≥ 50%"
    answer = officer.post(f"/api/plans/{seeded.plan_code}/indicators/CT-01/values", headers={"x-csrf-token": token},
                          json={"period": f"{year}-Q1", "value": 45})
    assert answer.status_code == 200 and answer.json()["status"] == "chua_dat"
    other = web_env.login("tuphap")
    token = csrf_of(other.get("/my").text)
    assert other.post(f"/api/plans/{seeded.plan_code}/indicators/CT-01/values", headers={"x-csrf-token": token},
                      json={"period": f"{year}-Q1", "value": 60}).status_code == 403
    assert web_env.login("tuphap").get("/reports").status_code == 403
