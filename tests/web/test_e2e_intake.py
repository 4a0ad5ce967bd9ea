"""Plan intake end to end in headless Chromium against the real service.

The same real service as test_e2e_browser (uvicorn, SQLite, the Temporal time-skipping
server with the real worker). The coordinator uploads a plan under a Vietnamese file
name, a form error keeps the typed fields, edits a task in the review page (units from
the organisation's list, a deadline re-read as typed), activates with a choice for each
period already past; then every officer and coordinator page is measured at 390 px.
Screenshots (1366 px and 390 px) go to ``test-artifacts/``.
"""

from __future__ import annotations

import re
from datetime import date

from sqlmodel import Session, select

from persistence.models import Event, Notification, Occurrence, OccurrenceStatus, Plan, Task
from tests.web.test_e2e_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, PASSWORD, pytestmark, service  # noqa: F401
from tests.web.test_e2e_browser import login as _login

PLAN_NAME = "Kế hoạch CCHC xã năm nay.txt"


def _plan_text(year: int) -> str:
    return f"""ỦY BAN NHÂN DÂN
XÃ VĨNH LẬP
Số: 21/KH-UBND
Vĩnh Lập, ngày 05 tháng 01 năm {year}
KẾ HOẠCH
Cải cách hành chính năm {year} của UBND xã Vĩnh Lập
I. MỤC ĐÍCH, YÊU CẦU
1. Mục đích
Nâng cao hiệu quả công tác cải cách hành chính.
II. NHIỆM VỤ TRỌNG TÂM
1. Công tác chỉ đạo, điều hành
- Xây dựng và ban hành kế hoạch tuyên truyền cải cách hành chính năm {year}. Cơ quan chủ trì: Công chức Văn phòng - Thống kê. Thời gian thực hiện: trước 28/02/{year}.
- Kiểm tra công tác cải cách hành chính tại các bộ phận. Cơ quan chủ trì: Công chức Văn phòng - Thống kê. Thời gian thực hiện: Quý IV/{year}.
2. Cải cách thể chế
- Rà soát văn bản quy phạm pháp luật do UBND xã ban hành. Cơ quan chủ trì: Công chức Tư pháp - Hộ tịch. Thời gian thực hiện: theo Quý trước ngày 20 của tháng cuối Quý.
3. Cải cách tài chính công
- Công khai dự toán ngân sách xã. Cơ quan chủ trì: Công chức Tài chính - Kế toán. Thời gian thực hiện: trước 31/03/{year}.
III. TỔ CHỨC THỰC HIỆN
Công chức Văn phòng - Thống kê là cơ quan thường trực, theo dõi, tổng hợp.
"""


async def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


async def test_upload_review_activate_with_catch_up_and_phone_widths(service) -> None:  # noqa: F811
    from playwright.async_api import async_playwright

    base, engine, today = service.base, service.engine, service.today
    document = service.tmp / PLAN_NAME
    document.write_text(_plan_text(today.year), encoding="utf-8")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            coordinator = await _login(browser, base, "phamthulan")
            await coordinator.click("header nav >> text=Nhập kế hoạch")
            await coordinator.wait_for_url(re.compile(r".*/intake$"))

            # A validation error keeps the typed year and names the chosen file.
            await coordinator.set_input_files("input[name=file]", str(document))
            await coordinator.fill("input[name=year]", "năm nay")
            await coordinator.click("button:has-text('Đọc kế hoạch')")
            await coordinator.wait_for_selector("#err-year")
            assert await coordinator.input_value("input[name=year]") == "năm nay"
            assert PLAN_NAME in await coordinator.text_content(".kept-file")
            await _shot(coordinator, "20-nhap-ke-hoach-loi")

            # Upload for real.
            await coordinator.set_input_files("input[name=file]", str(document))
            await coordinator.fill("input[name=year]", str(today.year))
            await coordinator.click("button:has-text('Đọc kế hoạch')")
            await coordinator.wait_for_url(re.compile(r".*/intake/[0-9-a-f]+$"))
            assert PLAN_NAME in await coordinator.text_content(".head")
            review_path = _review_url(coordinator, "")
            assert review_path
            cards = coordinator.locator("article.review-task")
            assert await cards.count() == 4
            await _shot(coordinator, "21-ra-soat")

            # Edit the 4th task: a deadline re-read as typed, a coordinating unit from the list.
            card = coordinator.locator("article.review-task", has_text="Công khai dự toán")
            await card.locator("input[name=deadline]").fill("trước 15/04")
            await card.locator(".dates").filter(has_text="15/04").wait_for()
            await card.locator("input[name=deadline]").fill("khi nào xong")
            await card.locator(".dates.field-error").wait_for()
            await card.locator("input[name=deadline]").fill(f"trước 31/03/{today.year}")
            await card.locator(".dates").filter(has_text=f"31/03/{today.year}").wait_for()
            await card.locator("select[name=coordinators]").select_option(label="Công chức Văn phòng - Thống kê")
            await card.locator("button:has-text('Lưu')").click()
            await coordinator.wait_for_load_state()
            card = coordinator.locator("article.review-task", has_text="Công khai dự toán")
            assert await card.locator("select[name=coordinators]").evaluate(
                "s => Array.from(s.selectedOptions).map(o => o.text)") == ["Công chức Văn phòng - Thống kê"]

            # Activate: the periods already past are listed with a choice each.
            await coordinator.click("#activate-link")
            await coordinator.wait_for_url(re.compile(r".*/activate$"))
            rows = coordinator.locator("#past-periods tbody tr")
            expected_past = _expected_past(today)
            assert await rows.count() == len(expected_past)
            await _shot(coordinator, "22-kich-hoat-ky-da-qua")
            done_row, cancel_row = rows.nth(0), rows.nth(1) if len(expected_past) > 1 else None
            await done_row.locator("select").select_option("done")
            # "Done" without a note is refused, the other choices are kept.
            if cancel_row is not None:
                await cancel_row.locator("select").select_option("cancelled")
            await coordinator.click("#activate-form button[type=submit]")
            await coordinator.wait_for_selector("#activate-form .field-error")
            assert await rows.nth(0).locator("select").input_value() == "done"
            if cancel_row is not None:
                assert await rows.nth(1).locator("select").input_value() == "cancelled"
            await rows.nth(0).locator("textarea").fill("Đã ban hành Kế hoạch số 30/KH-UBND")
            await coordinator.click("#activate-form button[type=submit]")
            await coordinator.wait_for_selector("#activated", timeout=60_000)
            await _shot(coordinator, "23-da-kich-hoat")

            with Session(engine) as db:
                plan = db.exec(select(Plan).where(Plan.number == "21/KH-UBND")).one()
                occurrences = db.exec(select(Task.code, Occurrence).join(Occurrence, Occurrence.task_id == Task.id)
                                      .where(Task.plan_id == plan.id).order_by(Occurrence.due, Task.code)).all()
                past = [(code, o) for code, o in occurrences if o.due < today and o.kind == "deadline"]
                assert len(past) == len(expected_past)
                # Past progress periods were reported by hand before dondoc: cancelled, not chased.
                assert {o.status for _, o in occurrences if o.due < today and o.kind == "progress"} <= {
                    OccurrenceStatus.CANCELLED}
                statuses = [o.status for _, o in past]
                assert statuses[0] == OccurrenceStatus.DONE and past[0][1].evidence["note"].startswith("Đã ban hành")
                if cancel_row is not None:
                    assert statuses[1] == OccurrenceStatus.CANCELLED
                for _, o in past[2:]:
                    assert o.status == OccurrenceStatus.OPEN and o.extended_due and o.extended_due > today
                events = db.exec(select(Event).join(Occurrence, Occurrence.id == Event.occurrence_id)
                                 .where(Event.kind == "catch_up", Occurrence.kind == "deadline")).all()
                assert len(events) == len(expected_past)
                # Nobody above the lead is told of a period its lead was never reminded of.
                task_ids = [t.id for t in db.exec(select(Task).where(Task.plan_id == plan.id))]
                told = db.exec(select(Notification).where(Notification.task_id.in_(task_ids))).all()  # type: ignore[attr-defined]
                assert all("escalation" not in (n.idempotency_key or "") for n in told)

            # The review file's plan is now on the task list.
            await coordinator.goto(f"{base}/tasks?q=C%C3%B4ng+khai+d%E1%BB%B1+to%C3%A1n")
            await _shot(coordinator, "24-danh-sach-sau-kich-hoat")

            # The chairman decides an extension from the list, seeing its date, reason and requester.
            from datetime import timedelta

            task_12 = _task_id(engine, "1.2")
            new_due = today + timedelta(days=10)
            justice = await _login(browser, base, "hoangminhduc")
            await justice.goto(f"{base}/tasks/{task_12}")
            await justice.click("summary:has-text('Đề nghị gia hạn')")
            await justice.fill("form[action$='/extension'] input[name=new_due]", f"{new_due:%d/%m/%Y}")
            await justice.fill("form[action$='/extension'] [name=reason]", "Chờ hướng dẫn của Sở Tư pháp")
            await justice.click("button:has-text('Gửi đề nghị')")
            await justice.wait_for_selector(".flash.ok")
            chairman = await _login(browser, base, "tranvanhung")
            await chairman.click("header nav >> text=Gia hạn chờ quyết định")
            row = chairman.locator("#decisions tbody tr", has_text="Tự kiểm tra văn bản")
            assert f"{new_due:%d/%m/%Y}" in await row.locator(".requested").text_content()
            assert "Chờ hướng dẫn của Sở Tư pháp" in await row.locator(".reason").text_content()
            with Session(engine) as db:
                from persistence.models import Officer

                full_name = db.exec(select(Officer).where(Officer.username == "hoangminhduc")).one().full_name
            assert full_name in await row.locator(".by").text_content()
            await _shot(chairman, "25-lanh-dao-quyet-dinh-gia-han")
            await row.locator("button[value=grant]").click()
            await chairman.wait_for_selector(".flash.ok")
            with Session(engine) as db:
                occ = db.exec(select(Occurrence).where(Occurrence.task_id == task_12, Occurrence.kind == "deadline")).one()
                assert occ.extended_due == new_due
            assert await chairman.locator("#decisions tbody tr", has_text="Tự kiểm tra văn bản").count() == 0

            # Phone screens: no page scrolls sideways at 390 px.
            widths = {}
            for username, pages in (("phamthulan", ["/overview", "/tasks", "/my", "/escalations", "/mails", "/intake",
                                                    review_path, f"{review_path}/activate"]),
                                    ("nguyenvanbinh", ["/overview", "/tasks", "/my", "/escalations", "/mails"]),
                                    ("tranvanhung", ["/decisions"])):
                phone = await _login(browser, base, username, width=390)
                with Session(engine) as db:
                    some_task = db.exec(select(Task).where(Task.plan_id == plan.id)).first()
                for path in [*pages, f"/tasks/{some_task.id}"]:
                    if not path:
                        continue
                    await phone.goto(f"{base}{path}")
                    width = await phone.evaluate("document.documentElement.scrollWidth")
                    widths[(username, path)] = width
                    name = re.sub(r"[^a-z0-9]+", "-", path.strip("/"))[:30] or "root"
                    await _shot(phone, f"3x-390-{username}-{name}")
                await phone.context.close()
            too_wide = {k: v for k, v in widths.items() if v > 390}
            assert not too_wide, too_wide
        finally:
            await browser.close()


def _task_id(engine, code: str) -> int:
    with Session(engine) as db:
        return db.exec(select(Task).where(Task.code == code)).one().id


def _review_url(page, _url: str) -> str:
    match = re.search(r"/intake/[0-9]{8}-[0-9]{6}-[0-9a-f]{6}", page.url)
    return match.group(0) if match else ""


def _expected_past(today: date) -> list[date]:
    """Due dates of the sample plan's periods before ``today`` (approximate: nominal dates)."""
    y = today.year
    nominal = [date(y, 2, 28), date(y, 3, 20), date(y, 6, 20), date(y, 9, 20), date(y, 12, 20), date(y, 3, 31),
               date(y, 12, 31)]
    return [d for d in nominal if d < today]


async def test_review_page_indicators_section_edit_and_phone_width(service) -> None:  # noqa: F811
    """The coordinator corrects the unit that reports a chỉ tiêu; the section fits a 390 px screen."""
    from playwright.async_api import async_playwright

    from ingest.review import check_review
    from tests.web.plan_with_targets import plan_with_targets

    base, today = service.base, service.today
    document = service.tmp / "Kế hoạch có chỉ tiêu.txt"
    document.write_text(plan_with_targets(today.year), encoding="utf-8")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            coordinator = await _login(browser, base, "phamthulan")
            await coordinator.goto(f"{base}/intake")
            await coordinator.set_input_files("input[name=file]", str(document))
            await coordinator.fill("input[name=year]", str(today.year))
            await coordinator.click("button:has-text('Đọc kế hoạch')")
            await coordinator.wait_for_url(re.compile(r".*/intake/[0-9-a-f]+$"))
            review_path = _review_url(coordinator, "")
            cards = coordinator.locator("#chi-tieu article.review-indicator")
            assert await cards.count() == 3
            first = cards.nth(0)
            assert "≥ 50%" in await first.locator(".targets").text_content()
            assert await first.locator("select[name=owner]").input_value() == ""  # no task of its area: not guessed
            assert "Chưa rõ đơn vị chủ trì" in await first.text_content()
            budget = cards.nth(2)
            assert "> 5 tỷ đồng" in await budget.locator(".targets").text_content()
            assert await budget.locator("select[name=owner]").input_value() == "Công chức Tài chính - Kế toán"

            # The coordinator chooses the owner and the area, and saves.
            await first.locator("select[name=owner]").select_option(label="Công chức Văn phòng - Thống kê")
            await first.locator("select[name=area]").select_option("so_hoa")
            await first.locator("button:has-text('Lưu')").click()
            await coordinator.wait_for_url(re.compile(r".*#ct0$"))
            first = coordinator.locator("#ct0")
            assert await first.locator("select[name=owner]").input_value() == "Công chức Văn phòng - Thống kê"
            assert await first.locator("select[name=area]").input_value() == "so_hoa"
            assert "Chưa rõ đơn vị chủ trì" not in await first.text_content()
            review_file = next(service.tmp.glob(f"intake/*/{review_path.rsplit('/', 1)[1]}/review.yaml"))
            parsed, _ = check_review(review_file)
            assert (parsed.indicators[0].owner, parsed.indicators[0].area) == ("Công chức Văn phòng - Thống kê", "so_hoa")
            await coordinator.locator("#chi-tieu").screenshot(path=str(_artifact("26-ra-soat-chi-tieu-1366")))

            # At 390 px the page, indicators included, does not scroll sideways.
            phone = await _login(browser, base, "phamthulan", width=390)
            await phone.goto(f"{base}{review_path}#chi-tieu")
            assert await phone.locator("#chi-tieu article.review-indicator").count() == 3
            assert await phone.evaluate("document.documentElement.scrollWidth") <= 390
            box = await phone.locator("#ct0 select[name=owner]").bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390
            await phone.locator("#chi-tieu").screenshot(path=str(_artifact("26-ra-soat-chi-tieu-390")))
            await phone.context.close()
        finally:
            await browser.close()


def _artifact(name: str):
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"
