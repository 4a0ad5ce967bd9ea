"""Accounts, landing pages, print and logout in headless Chromium against the real service.

The service (uvicorn, SQLite, the Temporal test server, an activated plan) is the one of
``test_e2e_browser``. Each role lands on its page; the task page prints on at most two
A4 pages and the overview on one; Back after logout shows the login page; the
administrator creates an account, the newcomer sets a password through the one-time
link and logs in; changing the password ends the other session. Screenshots of every
page added or changed, at 1366 and 390 px, go to ``test-artifacts/``; at 390 px no page
scrolls sideways.
"""

from __future__ import annotations

import re

import pytest

from tests.web.test_e2e_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, LANDED, PASSWORD, _task_id, login, service  # noqa: F401


async def _login(browser, base: str, username: str, password: str = PASSWORD, width: int = 1366):
    return await login(browser, base, username, width, password=password)


pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed (scripts/test installs it)"),
]



def _pages(pdf: bytes) -> int:
    """Pages of a PDF written by Chromium (its page objects are not compressed)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


async def _shots(page, name: str) -> None:
    """Screenshots at 1366 and 390 px; at 390 px the page must not scroll sideways."""
    ARTIFACTS.mkdir(exist_ok=True)
    await page.set_viewport_size({"width": 1366, "height": 900})
    await page.screenshot(path=str(ARTIFACTS / f"{name}-1366.png"), full_page=True)
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.screenshot(path=str(ARTIFACTS / f"{name}-390.png"), full_page=True)
    width = await page.evaluate("document.documentElement.scrollWidth")
    await page.set_viewport_size({"width": 1366, "height": 900})
    assert width <= 390, f"{name}: {width} px wide at 390 px"


async def test_accounts_landing_print_and_logout_in_the_browser(service) -> None:  # noqa: F811
    from playwright.async_api import async_playwright

    base, engine = service.base, service.engine
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            # 1. Each role lands on its page; the menu shows what the role can use.
            officer = await _login(browser, base, "nguyenvanbinh")
            assert officer.url.endswith("/my")
            assert await officer.locator("header nav a[href='/api/docs']").count() == 0
            assert await officer.locator("header nav a[href='/escalations']").count() == 0
            assert re.search(r"còn \d+ ngày làm việc", await officer.text_content("main"))
            await _shots(officer, "30-viec-cua-toi-dem-nguoc")
            chairman = await _login(browser, base, "tranvanhung")
            assert chairman.url.endswith("/decisions")
            assert await chairman.locator("header nav a[href='/api/docs']").count() == 0
            coordinator = await _login(browser, base, "phamthulan")
            assert coordinator.url.endswith("/overview")
            assert await coordinator.locator("header nav a[href='/api/docs']").count() == 1
            await _shots(coordinator, "31-tong-quan-dem-nguoc")

            # 2. Print: the task page on at most two A4 pages, the overview on one.
            await coordinator.goto(f"{base}/tasks/{_task_id(engine, '1.1')}")
            task_pdf = await coordinator.pdf(format="A4", print_background=True)
            (ARTIFACTS / "32-in-nhiem-vu.pdf").write_bytes(task_pdf)
            assert 1 <= _pages(task_pdf) <= 2, _pages(task_pdf)
            await coordinator.emulate_media(media="print")
            assert not await coordinator.locator("header nav").is_visible()
            assert await coordinator.locator("form").first.is_visible() is False
            await coordinator.screenshot(path=str(ARTIFACTS / "32-in-nhiem-vu.png"), full_page=True)
            await coordinator.goto(f"{base}/overview")
            overview_pdf = await coordinator.pdf(format="A4", print_background=True)
            (ARTIFACTS / "33-in-tong-quan.pdf").write_bytes(overview_pdf)
            assert _pages(overview_pdf) == 1, _pages(overview_pdf)
            await coordinator.screenshot(path=str(ARTIFACTS / "33-in-tong-quan.png"), full_page=True)
            await coordinator.emulate_media(media="screen")

            # 3. Back after logout shows the login page, not the data.
            await officer.goto(f"{base}/my")
            await officer.click("header button:has-text('Đăng xuất')")
            await officer.wait_for_url(re.compile(r".*/login"))
            await officer.go_back()
            await officer.wait_for_load_state()
            assert "/login" in officer.url, officer.url
            assert await officer.locator("input[name=password]").count() == 1
            assert "Cần thực hiện" not in await officer.text_content("body")
            await _shots(officer, "34-dang-nhap")

            # 4. The administrator creates an account; the newcomer sets a password through the link.
            admin = await _login(browser, base, "quantri")
            await admin.click("header nav >> text=Quản trị")
            await admin.wait_for_url(re.compile(r".*/admin/accounts$"))
            await _shots(admin, "35-quan-tri-tai-khoan")
            await admin.fill("#tao-tai-khoan input[name=username]", "lythimoi")
            await admin.fill("#tao-tai-khoan input[name=full_name]", "Lý Thị Mới")
            await admin.fill("#tao-tai-khoan input[name=email]", "lythimoi@vinhlap.example")
            await admin.check("#tao-tai-khoan label.check:has-text('Văn phòng - Thống kê') input")
            await admin.click("#tao-tai-khoan button[type=submit]")
            link = (await admin.text_content("#one-time-link")).strip()
            assert link.startswith(base + "/account/set/")
            await _shots(admin, "36-quan-tri-lien-ket")
            await admin.click("#accounts >> text=Lý Thị Mới")
            await admin.wait_for_url(re.compile(r".*/admin/accounts/\d+$"))
            await _shots(admin, "37-quan-tri-nguoi-dung")
            await admin.goto(f"{base}/admin/units")
            await _shots(admin, "38-quan-tri-don-vi")

            context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
            newcomer = await context.new_page()
            await newcomer.goto(link)
            assert "Lý Thị Mới" in await newcomer.text_content("main")
            await _shots(newcomer, "39-dat-mat-khau")
            await newcomer.fill("input[name=password]", "mat-khau-cua-moi")
            await newcomer.fill("input[name=confirm]", "mat-khau-cua-moi")
            await newcomer.click("button[type=submit]")
            await newcomer.wait_for_url(re.compile(r".*/login\?.*"))
            assert await newcomer.input_value("input[name=username]") == "lythimoi"  # kept for the newcomer
            await newcomer.fill("input[name=password]", "mat-khau-cua-moi")
            await newcomer.click("button[type=submit]")
            await newcomer.wait_for_url(LANDED)
            assert newcomer.url.endswith("/my")
            await context.close()

            # 5. Changing one's password ends the other sessions (this one goes on).
            laptop = await _login(browser, base, "lythimoi", "mat-khau-cua-moi")
            phone = await _login(browser, base, "lythimoi", "mat-khau-cua-moi", width=390)
            await laptop.click("header a.me")
            await laptop.wait_for_url(re.compile(r".*/account$"))
            await _shots(laptop, "40-tai-khoan")
            await laptop.fill("input[name=current]", "mat-khau-cua-moi")
            await laptop.fill("input[name=password]", "mat-khau-moi-hon")
            await laptop.fill("input[name=confirm]", "mat-khau-moi-hon")
            await laptop.click("#doi-mat-khau button[type=submit]")
            await laptop.wait_for_selector(".flash.ok")
            await laptop.goto(f"{base}/my")
            assert laptop.url.endswith("/my")
            await phone.goto(f"{base}/my")
            assert "/login" in phone.url, phone.url
        finally:
            await browser.close()
