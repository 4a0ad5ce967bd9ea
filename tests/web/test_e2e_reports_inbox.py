"""In headless Debian chromium against the real service (Temporal test server, worker, uvicorn):

the officer reports two tasks done; the coordinator confirms both at once from the
"chờ xác nhận" inbox; the overview's on-time chart changes; the task list sorts by a
header link; the coordinator opens "Báo cáo định kỳ" from the menu and downloads the
period's draft (.docx) and the evidence pack (.zip), which the test opens and reads;
the mail page ("Thư thông báo") says when each mail goes out and opens the rendered
mail. Screenshots at 1366 and 390 px (test-artifacts/50-*); at 390 px nothing scrolls sideways.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
import pytest_asyncio
from sqlmodel import Session, select

from persistence.models import Notification, Occurrence, OccurrenceStatus, Task
from tests.web import test_e2e_browser as base_e2e
from tests.web.test_e2e_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, login


async def _login(browser, base: str, username: str, width: int = 1366):
    return await login(browser, base, username, width, downloads=True)  # the draft and the pack are downloads


pytestmark = [pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed")]


@pytest_asyncio.fixture(loop_scope="session")
async def service(tmp_path: Path):
    async with base_e2e.running_service(tmp_path) as value:
        yield value


async def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


async def _no_sideways_scroll(page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    widest = await page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > 390).slice(-3).map(e => e.tagName + '#' + e.id + '.' + e.className)""")
    assert width <= 390, f"{page.url} scrolls sideways at 390 px ({width} px): {widest}"


def _deadline(engine, code: str) -> Occurrence:
    with Session(engine) as session:
        task = session.exec(select(Task).where(Task.code == code)).one()
        return session.exec(select(Occurrence).where(Occurrence.task_id == task.id, Occurrence.kind == "deadline")).one()


async def _report_done(page, base: str, engine, code: str, number: str, evidence: Path | None) -> None:
    task_id = _deadline(engine, code).task_id
    await page.goto(f"{base}/tasks/{task_id}")
    await page.click("summary:has-text('Báo cáo hoàn thành')")
    await page.fill("input[name=document_number]", number)
    if evidence is not None:
        await page.set_input_files("input[name=file]", str(evidence))
    await page.click("button:has-text('Gửi báo cáo hoàn thành')")
    await page.wait_for_selector(".flash.ok")


async def test_bulk_confirm_trend_sort_reports_and_mails(service) -> None:
    from docx import Document
    from openpyxl import load_workbook
    from playwright.async_api import async_playwright

    base, engine, year = service.base, service.engine, service.today.year
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            officer = await _login(browser, base, "nguyenvanbinh")
            evidence = service.tmp / "Báo cáo rà soát TTHC.pdf"
            evidence.write_bytes(b"%PDF-1.4\n% ra soat\n")
            await _report_done(officer, base, engine, "1.1", "45/BC-UBND", evidence)
            await _report_done(officer, base, engine, "2.2", "46/BC-UBND", None)
            assert {_deadline(engine, c).status for c in ("1.1", "2.2")} == {OccurrenceStatus.SUBMITTED}

            # The inbox: a checkbox per report, one button confirms the ticked ones.
            coordinator = await _login(browser, base, "phamthulan")
            chart_before = await coordinator.text_content("#xu-huong-bang")
            inbox = coordinator.locator("#cho-xac-nhan")
            assert await inbox.locator("input[type=checkbox][name=pick]").count() == 2
            for box in await inbox.locator("input[type=checkbox][name=pick]").all():
                await box.check()
            await _shot(coordinator, "50-cho-xac-nhan-chon-nhieu-1366")
            phone = await _login(browser, base, "phamthulan", width=390)
            for box in await phone.locator("#cho-xac-nhan input[type=checkbox][name=pick]").all():
                await box.check()
            await _shot(phone, "50-cho-xac-nhan-chon-nhieu-390")
            await _no_sideways_scroll(phone)
            await coordinator.click("button:has-text('Xác nhận các mục đã chọn')")
            await coordinator.wait_for_selector(".flash.ok")
            assert "Đã xác nhận 2 báo cáo." in await coordinator.text_content(".flash.ok")
            assert await coordinator.locator(".flash.err").count() == 0
            assert {_deadline(engine, c).status for c in ("1.1", "2.2")} == {OccurrenceStatus.DONE}
            assert "Không có báo cáo nào đang chờ xác nhận" in await coordinator.text_content("#cho-xac-nhan")

            # The trend: the chart has a title, the figures are text too, and they moved.
            chart = coordinator.locator("#xu-huong svg.trend")
            assert "Tỷ lệ hoàn thành đúng hạn" in await chart.locator("title").first.text_content()
            table = await coordinator.text_content("#xu-huong-bang")
            assert table != chart_before and "100%" in table.replace(" ", "") or "(2/" in table
            await coordinator.locator("#xu-huong").scroll_into_view_if_needed()
            await _shot(coordinator, "50-tong-quan-bieu-do-1366")

            # Sorting by a header link; the arrow shows it, a second click reverses.
            await coordinator.goto(f"{base}/tasks?unit=")
            await coordinator.click("#task-list th[data-col=title] a")
            await coordinator.wait_for_url(re.compile(r".*sort=title&dir=asc"))
            titles = await coordinator.locator("#task-list td[data-label='Nội dung']").all_text_contents()
            assert titles[0].startswith("Công khai dự toán") and titles[-1].startswith("Tự kiểm tra")
            await coordinator.click("#task-list th[data-col=title] a")
            await coordinator.wait_for_url(re.compile(r".*sort=title&dir=desc"))
            assert "▼" in await coordinator.text_content("#task-list th[data-col=title]")
            assert (await coordinator.locator("#task-list td[data-label='Nội dung']").all_text_contents()) == titles[::-1]
            await _shot(coordinator, "50-nhiem-vu-sap-xep-1366")

            # Báo cáo định kỳ from the menu: the draft and the evidence pack, opened and read.
            await coordinator.click("header nav a:has-text('Báo cáo định kỳ')")
            await coordinator.wait_for_url(re.compile(r".*/reports$"))
            await _shot(coordinator, "50-bao-cao-dinh-ky-1366")
            async with coordinator.expect_download() as info:
                await coordinator.click(f"a[id$='-{year}-Y']")
            draft = await (await info.value).path()
            document = Document(str(draft))
            text = "\n".join(p.text for p in document.paragraphs)
            assert "DỰ THẢO" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in "\n".join(
                c.text for t in document.tables for row in t.rows for c in row.cells) + text
            assert f"cải cách hành chính năm {year}" in text.lower()
            cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
            (ARTIFACTS / "50-du-thao.txt").write_text(text + "\n=====\n" + cells)
            # The appendix lists the plan's tasks by reform area, with their lead unit.
            for title in ("Rà soát, công khai thủ tục hành chính", "Công khai dự toán, quyết toán ngân sách xã",
                          "Số hoá hồ sơ, kết quả giải quyết thủ tục hành chính"):
                assert title in cells
            assert "CẢI CÁCH THỦ TỤC HÀNH CHÍNH" in cells and "Công chức Văn phòng - Thống kê" in cells
            async with coordinator.expect_download() as info:
                await coordinator.click("a[id^='evidence-']")
            pack = await (await info.value).path()
            with zipfile.ZipFile(pack) as archive:
                names = archive.namelist()
                assert any(n.endswith("Báo cáo rà soát TTHC.pdf") for n in names), names
                assert any(n.endswith(".pdf") and archive.read(n).startswith(b"%PDF") for n in names)
                index = next(n for n in names if n.endswith(".xlsx"))
                sheet = load_workbook(io.BytesIO(archive.read(index))).active
                values = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)
                assert "45/BC-UBND" in values and "46/BC-UBND" in values

            # Thư thông báo: when, to whom (full names), and the mail as its recipient sees it.
            await coordinator.click("header nav a:has-text('Thư thông báo')")
            await coordinator.wait_for_url(re.compile(r".*/mails$"))
            assert await coordinator.text_content("h1") == "Thư thông báo"
            with Session(engine) as session:
                count = len(session.exec(select(Notification)).all())
            assert count >= 1 and await coordinator.locator("#mail-list tbody tr").count() >= 1
            listing = await coordinator.text_content("#mail-list")
            assert re.search(r"(sẽ gửi|đã gửi) lúc \d\d:\d\d ngày \d\d/\d\d/\d{4}|Bỏ qua|sẽ không gửi – ", listing)
            assert "phamthulan" not in listing and "nguyenvanbinh" not in listing
            await _shot(coordinator, "50-thu-thong-bao-1366")
            await coordinator.click("#mail-list tbody tr a")
            await coordinator.wait_for_selector("#mail-html")
            frame = coordinator.frame_locator("#mail-html")
            assert (await frame.locator("body").text_content()).strip()
            await _shot(coordinator, "50-thu-noi-dung-1366")
            mail_url = coordinator.url

            # The same pages at 390 px: nothing scrolls sideways.
            for path, name in (("/overview", "50-tong-quan-bieu-do-390"), ("/tasks?sort=title&dir=desc", "50-nhiem-vu-sap-xep-390"),
                               ("/reports", "50-bao-cao-dinh-ky-390"), ("/mails", "50-thu-thong-bao-390"),
                               (mail_url.removeprefix(base), "50-thu-noi-dung-390")):
                await phone.goto(f"{base}{path}")
                await _shot(phone, name)
                await _no_sideways_scroll(phone)
        finally:
            await browser.close()
