"""The reporting cycle in headless Chromium against the real service (Temporal test server, uvicorn).

An officer submits a progress update with a Vietnamese-named file for a continuous
task; an .exe is refused with the typed fields kept; the coordinator returns the update
from the "chờ xác nhận" inbox; the officer sees "bị trả lại" with the reason and
resubmits with the evidence kept; the overview's progress counts change; the file
downloads under its Vietnamese name (RFC 5987). Every page at 390 px: no sideways scroll.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest
import pytest_asyncio
from sqlmodel import Session, select

from persistence.models import Occurrence, OccurrenceStatus, ProgressUpdate, Task
from tests.web import test_e2e_browser as base_e2e
from tests.web.test_e2e_browser import CHROMIUM, CHROMIUM_ARGS, _shot
from tests.web.test_e2e_browser import login as _login

pytestmark = [pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed")]


def _review_with_continuous(today):
    review = base_e2e._review(today)
    review.tasks.append(SimpleNamespace(
        code="3.1", area="chi_dao", area_label=None, title="Tuyên truyền cải cách hành chính trên loa truyền thanh",
        text="Tuyên truyền cải cách hành chính trên loa truyền thanh.", lead=["Công chức Văn phòng - Thống kê"],
        coordinators=[], deadline=f"thường xuyên (trong năm {today.year})", product="Báo cáo", source=None))
    return review


@pytest_asyncio.fixture(loop_scope="session")
async def service(tmp_path: Path):
    async with base_e2e.running_service(tmp_path, _review_with_continuous) as value:  # one more, continuous task
        yield value


async def _state_count(page, state: str) -> int:
    return int(await page.text_content(f'#tien-do a.ptile[data-state="{state}"] b'))


async def test_progress_update_returned_and_resubmitted(service) -> None:
    from playwright.async_api import async_playwright

    base, engine = service.base, service.engine
    with Session(engine) as session:
        task = session.exec(select(Task).where(Task.code == "3.1")).one()
        task_id = task.id
        progress = session.exec(select(Occurrence).where(Occurrence.task_id == task_id, Occurrence.kind == "progress",
                                                         Occurrence.status == OccurrenceStatus.OPEN)
                                .order_by(Occurrence.due)).all()
    assert progress, "the continuous task has progress occurrences"
    from persistence.models import Organisation
    from persistence.progress import reporting_calendar

    with Session(engine) as session:
        org = session.get(Organisation, task.organisation_id)
        current = reporting_calendar(org).current_period(service.today)
    key = current.progress_key
    assert key in [o.key for o in progress]
    form_of = f"form.progress-form:has(input[name=occurrence][value='{key}'])"
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            coordinator = await _login(browser, base, "phamthulan")
            before = {s: await _state_count(coordinator, s) for s in ("submitted", "missing", "overdue")}
            # Every reform area is listed, with zeros where nothing is due.
            assert await coordinator.locator("#tien-do-linh-vuc tbody tr").count() >= 7

            officer = await _login(browser, base, "nguyenvanbinh")
            await officer.goto(f"{base}/tasks/{task_id}")
            form = officer.locator(form_of)
            await officer.locator(f"details:has({form_of}) > summary").click()
            # An .exe is refused; what was typed stays, the error is beside the file field.
            bad = service.tmp / "chuong-trinh.exe"
            bad.write_bytes(b"MZ")
            await form.locator("select[name=status]").select_option("in_progress")
            await form.locator("textarea[name=result]").fill("Đã phát 12 bản tin trên loa truyền thanh xã.")
            await form.locator("input[name=document_number]").fill("12/BC-VP")
            await form.locator("input[type=file]").set_input_files(str(bad))
            await form.locator("button[type=submit]").click()
            await officer.wait_for_selector(".field-error")
            assert "chỉ nhận tài liệu" in await officer.text_content(".has-error .field-error")
            form = officer.locator(form_of)
            assert await form.locator("textarea[name=result]").input_value() == "Đã phát 12 bản tin trên loa truyền thanh xã."
            assert await form.locator("input[name=document_number]").input_value() == "12/BC-VP"
            await _shot(officer, "30-tien-do-loi-tep")
            # Now with a real document with a Vietnamese name.
            good = service.tmp / "Báo cáo tuyên truyền quý.pdf"
            good.write_bytes(b"%PDF-1.4\n% tien do\n")
            await form.locator("input[type=file]").set_input_files(str(good))
            await form.locator("button[type=submit]").click()
            await officer.wait_for_selector(".flash.ok")
            await _shot(officer, "31-tien-do-da-gui")

            # The coordinator returns it from the inbox on the overview; the badge counts it.
            await coordinator.goto(f"{base}/overview")
            assert int(await coordinator.text_content("#inbox-count")) >= 1
            row = coordinator.locator("#cho-xac-nhan tr", has_text="Tuyên truyền cải cách")
            assert "Báo cáo tuyên truyền quý.pdf" in await row.text_content()
            await _shot(coordinator, "32-cho-xac-nhan")
            await row.locator("input[name=reason]").fill("Thiếu số liệu số buổi phát thanh")
            await row.locator("button[value=return]").click()
            await coordinator.wait_for_selector(".flash.ok")
            after_return = {s: await _state_count(coordinator, s) for s in ("submitted", "returned")}
            assert after_return["returned"] >= 1

            # The officer sees "bị trả lại" with the reason on the list and the task row.
            await officer.goto(f"{base}/my")
            returned = officer.locator("#bi-tra-lai")
            assert "Thiếu số liệu số buổi phát thanh" in await returned.text_content()
            await _shot(officer, "33-bi-tra-lai")
            await officer.goto(f"{base}/tasks/{task_id}")
            assert "Bị trả lại" in await officer.text_content("#tien-do")
            assert "Thiếu số liệu số buổi phát thanh" in await officer.text_content("#tien-do")
            form = officer.locator(form_of)
            # The evidence is kept in the form: document number, the file.
            assert await form.locator("input[name=document_number]").input_value() == "12/BC-VP"
            assert "Báo cáo tuyên truyền quý.pdf" in await form.locator(".kept-file").text_content()
            await form.locator("textarea[name=result]").fill("Đã phát 12 bản tin, 24 buổi phát thanh.")
            await form.locator("textarea[name=figures]").fill("Buổi phát thanh: 24")
            await form.locator("button[type=submit]").click()
            await officer.wait_for_selector(".flash.ok")
            await _shot(officer, "34-gui-lai")
            with Session(engine) as session:
                updates = session.exec(select(ProgressUpdate).where(ProgressUpdate.task_id == task_id)
                                       .order_by(ProgressUpdate.id)).all()
            assert [u.review_status for u in updates] == ["returned", "pending"]
            assert updates[-1].evidence["file_name"] == "Báo cáo tuyên truyền quý.pdf"
            assert updates[-1].evidence["document_number"] == "12/BC-VP" and updates[-1].figures == {"Buổi phát thanh": 24}

            # The overview's progress counts changed.
            await coordinator.goto(f"{base}/overview")
            now = {s: await _state_count(coordinator, s) for s in ("submitted", "missing", "overdue")}
            assert now["submitted"] == before["submitted"] + 1
            assert now["missing"] + now["overdue"] == before["missing"] + before["overdue"] - 1

            # The file downloads under its Vietnamese name (RFC 5987).
            link = await coordinator.get_attribute("#cho-xac-nhan a.file", "href")
            response = await coordinator.request.get(f"{base}{link}")
            assert response.status == 200
            header = response.headers["content-disposition"]
            assert f"filename*=UTF-8''{quote('Báo cáo tuyên truyền quý.pdf', safe='')}" in header
            assert "/uploads" not in await coordinator.text_content("#cho-xac-nhan")

            # Phone width: no page scrolls sideways.
            for username, paths in (("phamthulan", ["/overview", "/tasks", f"/tasks/{task_id}", "/my"]),
                                    ("nguyenvanbinh", ["/overview", "/tasks", f"/tasks/{task_id}", "/my"])):
                phone = await _login(browser, base, username, width=390)
                for path in paths:
                    await phone.goto(f"{base}{path}")
                    width = await phone.evaluate("document.documentElement.scrollWidth")
                    name = f"35-{username}-{path.strip('/').replace('/', '-') or 'root'}-390"
                    await _shot(phone, name)
                    assert width <= 390, (username, path, width)
            for path in ["/overview", "/tasks", f"/tasks/{task_id}", "/my"]:
                await coordinator.goto(f"{base}{path}")
                await _shot(coordinator, f"36-{path.strip('/').replace('/', '-')}-1366")
        finally:
            await browser.close()
