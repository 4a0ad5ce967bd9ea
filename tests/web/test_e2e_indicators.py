"""Indicators (chỉ tiêu) in headless Chromium against the real service (Temporal test server, uvicorn).

The plan is activated with two targets; the officer of the owner unit, on a 390 px
phone, finds the indicator on "Việc của tôi", types a wrong number (refused beside the
field, the typed evidence kept), reports the value, and sees "Đạt"; the coordinator at
1366 px sees the status. No page scrolls sideways at 390 px.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import pytest_asyncio
from sqlmodel import Session, select

from persistence.models import Indicator, IndicatorValue
from tests.web import test_e2e_browser as base_e2e
from tests.web.test_e2e_browser import CHROMIUM, CHROMIUM_ARGS, _shot
from tests.web.test_e2e_browser import login as _login

pytestmark = [pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed")]


def _review_with_indicators(today):
    review = base_e2e._review(today)
    review.indicators = [
        SimpleNamespace(text="Tối thiểu 50% hồ sơ thủ tục hành chính được tiếp nhận, giải quyết trực tuyến toàn trình",
                        owner="Công chức Văn phòng - Thống kê", area="so_hoa", source=None),
        SimpleNamespace(text="Ban hành và tổ chức thực hiện kế hoạch tuyên truyền cải cách hành chính",
                        owner="Công chức Tư pháp - Hộ tịch", area="tuyen_truyen", source=None),
    ]
    return review


@pytest_asyncio.fixture(loop_scope="session")
async def service(tmp_path: Path):
    async with base_e2e.running_service(tmp_path, _review_with_indicators) as value:
        yield value


async def _no_sideways_scroll(page, where: str) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, (where, width)


async def test_officer_reports_an_indicator_on_a_phone_and_the_coordinator_sees_it(service) -> None:
    from playwright.async_api import async_playwright

    base, engine = service.base, service.engine
    with Session(engine) as session:
        codes = {i.code: i.owner_unit for i in session.exec(select(Indicator))}
    assert codes == {"CT-01": "vp-tk", "CT-02": "tp-ht"}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            officer = await _login(browser, base, "nguyenvanbinh", 390)  # Văn phòng - Thống kê
            await officer.goto(f"{base}/my")
            pending = officer.locator("#chi-tieu-can-bao-cao")
            assert "CT-01" in await pending.text_content() and "CT-02" not in await pending.text_content()
            await _no_sideways_scroll(officer, "/my")
            await _shot(officer, "40-chi-tieu-viec-cua-toi-390")

            await officer.goto(f"{base}/indicators")
            row = officer.locator("#ct-CT-01")
            assert "Chưa báo cáo" in await row.locator(".pbadge").text_content()
            assert await officer.locator("#ct-CT-02").count() == 0  # "Chỉ tiêu của tôi"
            assert "Hạn báo cáo số liệu:" in await officer.text_content(".cutoff")
            await _no_sideways_scroll(officer, "/indicators")
            await _shot(officer, "41-chi-tieu-390")

            await row.locator("a.report-link").click()
            form = officer.locator("form.indicator-form")
            await form.locator("input[name=value]").fill("bảy mươi")
            await form.locator("input[name=document_number]").fill("25/BC-VP")
            await form.locator("input[name=document_date]").fill("10/03/2026")
            await form.locator("button[type=submit]").click()
            await officer.wait_for_selector(".has-error .field-error")
            assert "không phải là một số" in await officer.text_content(".has-error .field-error")
            assert await form.locator("input[name=document_number]").input_value() == "25/BC-VP"
            await _no_sideways_scroll(officer, "form refused")
            await _shot(officer, "42-chi-tieu-loi-so-390")
            with Session(engine) as session:
                assert session.exec(select(IndicatorValue)).first() is None

            await form.locator("input[name=value]").fill("72,5")
            await form.locator("input[name=link]").fill("https://dichvucong.gov.vn/bao-cao")
            await form.locator("button[type=submit]").click()
            await officer.wait_for_selector(".flash.ok")
            assert "Đạt" in await officer.locator("#ct-CT-01 .pbadge").text_content()
            await _no_sideways_scroll(officer, "/indicators after reporting")
            await _shot(officer, "43-chi-tieu-da-bao-cao-390")
            await officer.goto(f"{base}/my")
            assert await officer.locator("#chi-tieu-can-bao-cao").count() == 0

            coordinator = await _login(browser, base, "phamthulan", 1366)
            await coordinator.goto(f"{base}/indicators")
            assert (await coordinator.locator("#ct-CT-01 .pbadge").text_content()).strip() == "Đạt"
            assert (await coordinator.locator("#ct-CT-02 .pbadge").text_content()).strip() == "Chưa báo cáo"
            assert "72,5%" in await coordinator.locator("#ct-CT-01").text_content()
            await _shot(coordinator, "44-chi-tieu-1366")
            await coordinator.locator("#ct-CT-01 a").first.click()
            await coordinator.wait_for_selector("form.indicator-form")  # the coordinator may correct it
            await _shot(coordinator, "45-chi-tieu-chi-tiet-1366")
            await officer.goto(f"{base}/indicators/{_plan_code(engine)}/CT-01")
            await _no_sideways_scroll(officer, "indicator page")
            await _shot(officer, "46-chi-tieu-chi-tiet-390")
            phone = await _login(browser, base, "phamthulan", 390)  # the coordinator's longer menu, every row
            await phone.goto(f"{base}/indicators")
            await _no_sideways_scroll(phone, "/indicators (coordinator)")
            await _shot(phone, "47-chi-tieu-thuong-truc-390")
        finally:
            await browser.close()
    with Session(engine) as session:
        [stored] = session.exec(select(IndicatorValue)).all()
    assert stored.value == 72.5 and stored.reported_by == "nguyenvanbinh"
    assert stored.evidence == {"document_number": "25/BC-VP", "document_date": "2026-03-10",
                               "link": "https://dichvucong.gov.vn/bao-cao"}


def _plan_code(engine) -> str:
    from persistence.models import Plan

    with Session(engine) as session:
        return session.exec(select(Plan.code)).one()
