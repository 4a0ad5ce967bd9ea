"""The indicators page and its report form (chỉ tiêu) on the real database, through the real login."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import Session, select

from persistence.models import Indicator, IndicatorValue, Organisation
from persistence.progress import reporting_calendar
from persistence.read_model import today_in
from tests.web.conftest import WebEnv, csrf_of


@pytest.fixture
def env(web_env: WebEnv) -> WebEnv:
    """The sample commune with two indicators: CT-01 (≥ 50 %, Văn phòng) and CT-02 (no number, Tư pháp)."""
    seeded = web_env.seeded
    with Session(web_env.engine) as s:
        s.add(Indicator(organisation_id=seeded.organisation_id, plan_id=seeded.plan_id, code="CT-01",
                        text="Tối thiểu 50% hồ sơ thủ tục hành chính được tiếp nhận trực tuyến", comparator=">=",
                        target_value=50, unit="%", owner_unit="vp-tk"))
        s.add(Indicator(organisation_id=seeded.organisation_id, plan_id=seeded.plan_id, code="CT-02",
                        text="Ban hành kế hoạch tuyên truyền cải cách hành chính", owner_unit="tp-ht"))
        s.commit()
    return web_env


def _current(env: WebEnv):
    with Session(env.engine) as s:
        org = s.get(Organisation, env.seeded.organisation_id)
        return reporting_calendar(org).current_period(today_in(env.settings.timezone))


def _row(html: str, code: str) -> str:
    match = re.search(rf'<tr id="ct-{code}".*?</tr>', html, re.S)
    assert match, f"no row {code}"
    return match.group(0)


def _stored(env: WebEnv, code: str) -> list[IndicatorValue]:
    with Session(env.engine) as s:
        indicator = s.exec(select(Indicator).where(Indicator.code == code)).one()
        return list(s.exec(select(IndicatorValue).where(IndicatorValue.indicator_id == indicator.id)))


def _post(client, env: WebEnv, code: str, **fields):
    page = client.get(f"/indicators/{env.seeded.plan_code}/{code}")
    data = {"csrf_token": csrf_of(page.text), "period": _current(env).key, **fields}
    return client.post(f"/indicators/{env.seeded.plan_code}/{code}", data=data, follow_redirects=False)


def test_owner_officer_reports_a_value_and_the_status_follows(env: WebEnv) -> None:
    period = _current(env)
    officer = env.login("vanphong")
    listed = officer.get("/indicators")
    assert listed.status_code == 200
    html = listed.text
    assert '<a href="/indicators" class="on">Chỉ tiêu</a>' in html  # the menu entry
    assert f"Hạn báo cáo số liệu: {period.cutoff:%d/%m/%Y}" in html  # the officers' cut-off of the period
    assert "Chưa báo cáo" in _row(html, "CT-01") and "≥ 50%" in _row(html, "CT-01")
    assert "Báo cáo kết quả" in _row(html, "CT-01")
    assert 'id="ct-CT-02"' not in html  # "Chỉ tiêu của tôi" by default: CT-02 belongs to Tư pháp
    assert re.search(r'data-status="chua_bao_cao"[^>]*><b>1</b>', html)

    answer = _post(officer, env, "CT-01", value="45,5", note="Tính đến ngày 14",
                   document_number="12/BC-UBND", document_date="10/03/2026", link="https://dichvucong.gov.vn/bc")
    assert answer.status_code == 303
    target = urlsplit(answer.headers["location"])
    assert target.path == "/indicators" and "Chưa đạt" in parse_qs(target.query)["ok"][0]
    row = _row(officer.get(answer.headers["location"]).text, "CT-01")
    assert "45,5%" in row and 'pbadge i-chua_dat">Chưa đạt' in row
    assert "Số 12/BC-UBND ngày 10/03/2026" in row and "Nguyễn Văn Phong" in row
    [stored] = _stored(env, "CT-01")
    assert (stored.value, stored.period_key, stored.reported_by) == (45.5, period.key, "vanphong")
    assert stored.evidence == {"document_number": "12/BC-UBND", "document_date": "2026-03-10",
                               "link": "https://dichvucong.gov.vn/bc", "note": "Tính đến ngày 14"}

    # A correction replaces the value (one row per period) and the status turns to Đạt.
    detail = officer.get(f"/indicators/{env.seeded.plan_code}/CT-01").text
    assert "Sửa kết quả đã báo cáo" in detail and 'value="45,5"' in detail and "Báo cáo bởi Nguyễn Văn Phong" in detail
    assert _post(officer, env, "CT-01", value="62").status_code == 303
    assert 'pbadge i-dat">Đạt' in _row(officer.get("/indicators").text, "CT-01")
    assert [v.value for v in _stored(env, "CT-01")] == [62]

    # The coordinator sees every indicator, this one as Đạt.
    coordinator = env.login("thuongtruc").get("/indicators").text
    assert 'pbadge i-dat">Đạt' in _row(coordinator, "CT-01") and "Chưa báo cáo" in _row(coordinator, "CT-02")


def test_a_target_without_a_number_is_reported_reached_or_not(env: WebEnv) -> None:
    officer = env.login("tuphap")
    detail = officer.get(f"/indicators/{env.seeded.plan_code}/CT-02").text
    assert 'name="achieved" value="1"' in detail and 'name="value"' not in detail
    refused = _post(officer, env, "CT-02")
    assert refused.status_code == 400 and "Cần chọn Đạt hoặc Chưa đạt." in refused.text
    assert _post(officer, env, "CT-02", achieved="1").status_code == 303
    assert 'pbadge i-dat">Đạt' in _row(officer.get("/indicators").text, "CT-02")


def test_an_officer_of_another_unit_sees_no_form_and_is_refused(env: WebEnv) -> None:
    other = env.login("tuphap")
    everything = other.get("/indicators", params={"scope": "all"}).text
    assert "Báo cáo kết quả" not in _row(everything, "CT-01")
    detail = other.get(f"/indicators/{env.seeded.plan_code}/CT-01").text
    assert 'name="value"' not in detail and "Chỉ cơ quan thường trực hoặc đơn vị chủ trì" in detail
    token = csrf_of(detail)
    refused = other.post(f"/indicators/{env.seeded.plan_code}/CT-01",
                         data={"csrf_token": token, "period": _current(env).key, "value": "90"}, follow_redirects=False)
    assert refused.status_code == 403
    assert _stored(env, "CT-01") == []
    # The chairman reads, without a form.
    chairman = env.login("chutich").get(f"/indicators/{env.seeded.plan_code}/CT-01").text
    assert 'name="value"' not in chairman


def test_a_bad_number_is_shown_beside_the_field_and_nothing_is_stored(env: WebEnv) -> None:
    officer = env.login("vanphong")
    answer = _post(officer, env, "CT-01", value="chín mươi", document_number="12/BC-UBND", document_date="31/02/2026")
    assert answer.status_code == 400
    html = answer.text
    value = re.search(r'<label class="has-error">Kết quả thực tế.*?</label>', html, re.S).group(0)
    assert 'value="chín mươi"' in value and "«chín mươi» không phải là một số" in value
    assert 'value="12/BC-UBND"' in html  # the other typed fields are kept
    assert re.search(r'has-error">Ngày văn bản <input name="document_date" value="31/02/2026".*?field-error', html, re.S)
    # report_value's own refusal (a rate above 100 %) is shown beside the value too.
    answer = _post(officer, env, "CT-01", value="120")
    assert answer.status_code == 400
    assert re.search(r'value="120".*?field-error">Tỷ lệ phải từ 0 đến 100', answer.text, re.S)
    # Nothing typed for a numeric target: report_value's refusal names the target.
    answer = _post(officer, env, "CT-01", value="  ", note="chưa có số liệu")
    assert answer.status_code == 400 and "có mục tiêu ≥ 50%: cần ghi số liệu thực tế" in answer.text
    assert "chưa có số liệu</textarea>" in answer.text
    assert _stored(env, "CT-01") == []
    # Without the CSRF token: refused.
    assert officer.post(f"/indicators/{env.seeded.plan_code}/CT-01", data={"period": _current(env).key, "value": "60"},
                        follow_redirects=False).status_code == 403


def test_my_page_lists_the_pending_indicator_until_it_is_reported(env: WebEnv) -> None:
    officer = env.login("vanphong")
    my = officer.get("/my").text
    assert "Chỉ tiêu cần báo cáo kỳ này" in my
    section = re.search(r'id="chi-tieu-can-bao-cao".*?</section>', my, re.S).group(0)
    assert "CT-01" in section and "CT-02" not in section
    link = re.search(r'href="(/indicators/[^"#]+)#bao-cao"', section).group(1).replace("&amp;", "&")
    form = officer.get(link).text
    assert 'name="back" value="/my"' in form
    data = {"csrf_token": csrf_of(form), "period": _current(env).key, "value": "70", "back": "/my"}
    answer = officer.post(f"/indicators/{env.seeded.plan_code}/CT-01", data=data, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/my?ok=")
    my = officer.get(answer.headers["location"]).text
    assert "Đã ghi kết quả chỉ tiêu CT-01" in my and "Chỉ tiêu cần báo cáo kỳ này" not in my


def test_unknown_plan_or_indicator_is_not_found(env: WebEnv) -> None:
    client = env.login("thuongtruc")
    assert client.get("/indicators", params={"plan": "khong-co"}).status_code == 404
    assert client.get(f"/indicators/{env.seeded.plan_code}/CT-99").status_code == 404
    # Another organisation's plan code is not found either.
    assert env.login("khac").get(f"/indicators/{env.seeded.plan_code}/CT-01").status_code == 404


def test_the_list_says_who_was_told_about_an_unreported_indicator(env: WebEnv) -> None:
    """The chase's latest action (activities.indicator_activities) shows under "Chưa báo cáo"."""
    from datetime import UTC, datetime

    from persistence.models import Event
    from persistence.progress import indicator_event_prefix

    period = _current(env)
    with Session(env.engine) as s:
        ct01 = s.exec(select(Indicator).where(Indicator.code == "CT-01")).one()
        for step, audience, day in (("remind-5", ["lead"], 2), ("escalate-5", ["chairman"], 9)):
            s.add(Event(organisation_id=env.seeded.organisation_id, kind="reminder", actor="system",
                        at=datetime(2026, 3, day, 1, 0, tzinfo=UTC),
                        idempotency_key=indicator_event_prefix(env.seeded.plan_id, ct01.id) + f"{period.key}:{step}",
                        data={"indicator_code": "CT-01", "period_key": period.key, "audience": audience, "level": 0}))
        s.commit()
    coordinator = env.login("vanphong")
    row = _row(coordinator.get("/indicators?scope=all").text, "CT-01")
    assert "Đã báo cáo Chủ tịch 09/03/2026" in row
    listed = {i["code"]: i for i in coordinator.get(
        f"/api/plans/{env.seeded.plan_code}/indicators?period={period.key}").json()}
    assert listed["CT-01"]["chased"] == "Đã báo cáo Chủ tịch" and listed["CT-01"]["chased_at"].startswith("2026-03-09")
    assert listed["CT-02"]["chased"] is None
    assert "Đã" not in _row(coordinator.get("/indicators?scope=all").text, "CT-02")  # never chased
    _post(coordinator, env, "CT-01", value="60")
    assert "Đã báo cáo Chủ tịch" not in _row(coordinator.get("/indicators?scope=all").text, "CT-01")  # reported


def test_the_overview_counts_the_periods_indicators(env: WebEnv) -> None:
    coordinator = env.login("vanphong")
    section = re.search(r'<section class="card" id="chi-tieu">.*?</section>', coordinator.get("/overview").text, re.S)
    assert section and re.search(r'data-status="chua_bao_cao"><b>2</b>', section.group(0))
    _post(coordinator, env, "CT-01", value="80")
    section = re.search(r'<section class="card" id="chi-tieu">.*?</section>', coordinator.get("/overview").text, re.S)
    assert re.search(r'data-status="dat"><b>1</b>', section.group(0))
    assert re.search(r'data-status="chua_bao_cao"><b>1</b>', section.group(0))
    assert "/indicators?scope=all&amp;status=dat" in section.group(0)
