"""End to end in headless Chromium against the real service.

Real parts: uvicorn on 127.0.0.1 (free port) serving the app, a SQLite file, the
Temporal time-skipping test server with the real TaskWorkflow and worker, the plan
activated through ``runtime.activation`` from the sample organisation file. A
coordinator checks the overview, an officer reports completion with an uploaded file,
the coordinator confirms, another officer asks for an extension and the chairman
grants it. Screenshots of the main pages go to ``test-artifacts/``.
"""

from __future__ import annotations

import asyncio
import re
import socket
from contextlib import asynccontextmanager
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import pytest_asyncio
from sqlmodel import Session, select

from ingest.review import ReviewChasing
from persistence.db import create_schema, make_engine
from persistence.models import Occurrence, OccurrenceStatus, Officer, Task
from persistence.read_model import today_in
from settings import Settings
from web.auth import hash_password

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
ORG_FILE = ROOT / "samples" / "org" / "vinh-lap.yaml"
PASSWORD = "mat-khau-e2e"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed (scripts/test installs it)"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _day(today: date, offset: int) -> date:
    """``today + offset`` kept inside the plan year (the plan is for this year)."""
    day = today + timedelta(days=offset)
    return max(date(today.year, 1, 2), min(day, date(today.year, 12, 31)))


def _review(today: date) -> SimpleNamespace:
    def task(code, area, title, lead, coordinators, deadline):
        return SimpleNamespace(code=code, area=area, area_label=None, title=title, text=title + ".", lead=lead,
                               coordinators=coordinators, deadline=deadline, product="Báo cáo", source=None)

    later, past = _day(today, 25), _day(today, -25)
    return SimpleNamespace(
        plan=SimpleNamespace(number="15/KH-UBND", title=f"Kế hoạch cải cách hành chính năm {today.year}",
                             issuer="UBND xã Vĩnh Lập", place="Vĩnh Lập", issued_on=None, year=today.year,
                             source_year=None, signer="Trần Văn Hùng", signer_role="Chủ tịch",
                             standing_coordinator="Công chức Văn phòng - Thống kê"),
        organisation=None,
        chasing=ReviewChasing(),
        tasks=[
            task("1.1", "tthc", "Rà soát, công khai thủ tục hành chính tại Bộ phận một cửa",
                 ["Công chức Văn phòng - Thống kê"], ["Công chức Tư pháp - Hộ tịch"], f"trước {later:%d/%m/%Y}"),
            task("1.2", "the_che", "Tự kiểm tra văn bản quy phạm pháp luật của xã",
                 ["Công chức Tư pháp - Hộ tịch"], [], f"trước {past:%d/%m/%Y}"),
            task("2.1", "tai_chinh", "Công khai dự toán, quyết toán ngân sách xã",
                 ["Công chức Tài chính - Kế toán"], [], f"trước {past:%d/%m/%Y}"),
            task("2.2", "so_hoa", "Số hoá hồ sơ, kết quả giải quyết thủ tục hành chính",
                 ["Công chức Văn phòng - Thống kê"], [], f"trước {later:%d/%m/%Y}"),
        ],
    )


@pytest_asyncio.fixture(loop_scope="session")
async def service(tmp_path: Path):
    """The running service: Temporal test server + worker + activated plan + uvicorn."""
    async with running_service(tmp_path) as value:
        yield value


@asynccontextmanager
async def running_service(tmp_path: Path, review_of=None):
    """The service with the plan ``review_of(today)`` (default: the four tasks of ``_review``)."""
    import uvicorn
    from temporalio.testing import WorkflowEnvironment

    from domain.organisation import load_organisation
    from runtime.activation import activate_loaded
    from runtime.devserver import find_binary
    from web.app import create_app
    from worker import build_worker

    port = _free_port()
    settings = Settings(data_dir=tmp_path, base_url=f"http://127.0.0.1:{port}", task_queue="dondoc-e2e")
    engine = make_engine(settings.effective_database_url)
    create_schema(engine)
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=str(find_binary("temporal-test-server")))
    worker = build_worker(env.client, settings, engine)
    server = None
    serve_task = None
    try:
        async with worker:
            today = today_in(settings.timezone)
            review = (review_of or _review)(today)
            report = await activate_loaded(review, load_organisation(ORG_FILE), ORG_FILE, settings, env.client, engine)
            assert report.counts["started"] == len(review.tasks), report.counts
            with Session(engine) as session:
                for officer in session.exec(select(Officer)):
                    officer.password_hash = hash_password(PASSWORD)
                    session.add(officer)
                session.commit()

            async def client_factory():
                return env.client

            app = create_app(settings, engine, client_factory)
            server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                                   access_log=False, lifespan="off"))
            server.install_signal_handlers = lambda: None
            serve_task = asyncio.create_task(server.serve())
            for _ in range(100):
                if server.started:
                    break
                await asyncio.sleep(0.05)
            assert server.started
            yield SimpleNamespace(base=settings.base_url, engine=engine, today=today, tmp=tmp_path, app=app)
    finally:
        if server is not None:
            server.should_exit = True
            if serve_task is not None:
                await serve_task
        await env.shutdown()
        engine.dispose()


LANDED = re.compile(r".*/(overview|my|decisions)$")  # each role lands on its own page


async def login(browser, base: str, username: str, width: int = 1366, *, password: str = PASSWORD,
                downloads: bool = False):
    """A new browser context at ``width`` px, logged in as ``username``: its landing page."""
    context = await browser.new_context(viewport={"width": width, "height": 900}, locale="vi-VN",
                                        accept_downloads=downloads)
    page = await context.new_page()
    await page.goto(f"{base}/login")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")
    await page.wait_for_url(LANDED)
    return page


_login = login


async def _tiles(page, awaiting: bool = False) -> dict[str, int]:
    values = {}
    for bucket in ("done_on_time", "done_late", "on_track", "overdue") + (("awaiting",) if awaiting else ()):
        values[bucket] = int(await page.text_content(f'a.tile[data-bucket="{bucket}"] .value'))
    return values


def _occurrence(engine, code: str) -> Occurrence:
    with Session(engine) as session:
        task = session.exec(select(Task).where(Task.code == code)).one()
        return session.exec(select(Occurrence).where(Occurrence.task_id == task.id, Occurrence.kind == "deadline")).one()


def _task_id(engine, code: str) -> int:
    with Session(engine) as session:
        return session.exec(select(Task).where(Task.code == code)).one().id


async def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


async def test_coordinator_officer_chairman_in_the_browser(service) -> None:
    from playwright.async_api import async_playwright

    base, engine = service.base, service.engine
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            # The login page.
            context = await browser.new_context(viewport={"width": 1360, "height": 900})
            login_page = await context.new_page()
            await login_page.goto(f"{base}/login")
            await _shot(login_page, "01-dang-nhap")
            await context.close()

            # 1. The coordinator sees the overview with the right counts.
            coordinator = await _login(browser, base, "phamthulan")
            assert await _tiles(coordinator) == {"done_on_time": 0, "done_late": 0, "on_track": 2, "overdue": 2}
            assert await coordinator.locator("#qua-han tbody tr").count() == 2
            await _shot(coordinator, "02-tong-quan-dieu-phoi")
            await coordinator.goto(f"{base}/tasks")
            await coordinator.click("#task-list >> text=Rà soát, công khai thủ tục hành chính")
            await coordinator.wait_for_url(re.compile(r".*/tasks/\d+"))
            assert "Công chức Văn phòng - Thống kê" in await coordinator.text_content("#lead")
            await _shot(coordinator, "03-nhiem-vu")

            # 2. The officer of Văn phòng - Thống kê reports completion with an uploaded file.
            officer = await _login(browser, base, "nguyenvanbinh")
            await officer.goto(f"{base}/my")
            await _shot(officer, "04-viec-cua-toi")
            task_11 = _task_id(engine, "1.1")
            await officer.goto(f"{base}/tasks/{task_11}")
            await officer.click("summary:has-text('Báo cáo hoàn thành')")
            await officer.fill("input[name=document_number]", "45/BC-UBND")
            await officer.fill("input[name=document_date]", f"{service.today:%d/%m/%Y}")
            evidence = service.tmp / "bao-cao-ket-qua.pdf"
            evidence.write_bytes(b"%PDF-1.4\n% dondoc e2e\n")
            await officer.set_input_files("input[name=file]", str(evidence))
            await officer.click("button:has-text('Gửi báo cáo hoàn thành')")
            await officer.wait_for_selector(".flash.ok")
            assert "Đã gửi báo cáo hoàn thành" in await officer.text_content(".flash.ok")
            await _shot(officer, "05-da-bao-cao")
            occ = _occurrence(engine, "1.1")
            assert occ.status in (OccurrenceStatus.SUBMITTED, OccurrenceStatus.DONE)
            assert occ.evidence["document_number"] == "45/BC-UBND" and occ.evidence.get("file")
            assert (service.tmp / "uploads" / occ.evidence["file"]).read_bytes().startswith(b"%PDF")
            # The officer has no form on another unit's task.
            await officer.goto(f"{base}/tasks/{_task_id(engine, '1.2')}")
            assert await officer.locator("text=Gửi báo cáo hoàn thành").count() == 0

            # 3. The overview changed: one report awaits confirmation, counted apart from
            # "hoàn thành" until the coordinator confirms it.
            await coordinator.goto(f"{base}/overview")
            if occ.status == OccurrenceStatus.SUBMITTED:  # the coordinator confirms
                assert await _tiles(coordinator, awaiting=True) == {
                    "done_on_time": 0, "done_late": 0, "on_track": 1, "overdue": 2, "awaiting": 1}
                await coordinator.goto(f"{base}/tasks/{task_11}")
                await coordinator.click("button:has-text('Xác nhận hoàn thành')")
                await coordinator.wait_for_selector(".flash.ok")
                assert _occurrence(engine, "1.1").status == OccurrenceStatus.DONE
                row = await coordinator.text_content(f"#occ-{occ.key}")
                assert row.count("Hoàn thành đúng hạn") == 1 and "Đã hoàn thành" not in row  # said once
            await coordinator.goto(f"{base}/overview")
            assert await _tiles(coordinator) == {"done_on_time": 1, "done_late": 0, "on_track": 1, "overdue": 2}
            await _shot(coordinator, "06-nhiem-vu-da-xac-nhan")

            # 4. The Tư pháp officer asks for an extension of the overdue task 1.2.
            task_12 = _task_id(engine, "1.2")
            before = _occurrence(engine, "1.2")
            new_due = service.today + timedelta(days=10)
            justice = await _login(browser, base, "hoangminhduc")
            await justice.goto(f"{base}/tasks/{task_12}")
            await justice.click("summary:has-text('Đề nghị gia hạn')")
            await justice.fill("form[action$='/extension'] input[name=new_due]", f"{new_due:%d/%m/%Y}")
            await justice.fill("form[action$='/extension'] [name=reason]", "Chờ hướng dẫn của Phòng Tư pháp huyện")
            await justice.click("button:has-text('Gửi đề nghị')")
            await justice.wait_for_selector(".flash.ok")

            # 5. The chairman sees the request and grants it: the due date changes.
            chairman = await _login(browser, base, "tranvanhung")
            await chairman.goto(f"{base}/escalations")
            assert await chairman.locator("#gia-han tbody tr", has_text="Tự kiểm tra văn bản").count() == 1
            await _shot(chairman, "07-lanh-dao-gia-han")
            await chairman.goto(f"{base}/tasks/{task_12}")
            await chairman.click("button:has-text('Đồng ý gia hạn')")
            await chairman.wait_for_selector(".flash.ok")
            after = _occurrence(engine, "1.2")
            assert after.due == before.due and after.extended_due == new_due
            assert f"{new_due:%d/%m/%Y}" in await chairman.text_content(f"#occ-{after.key} .ext")
            await _shot(chairman, "08-nhiem-vu-da-gia-han")
            assert "Đồng ý gia hạn" in await chairman.text_content("ol.timeline")
            await chairman.goto(f"{base}/overview")
            assert await _tiles(chairman) == {"done_on_time": 1, "done_late": 0, "on_track": 2, "overdue": 1}
            await _shot(chairman, "09-tong-quan-sau-gia-han")

            await coordinator.goto(f"{base}/tasks")
            await _shot(coordinator, "10-danh-sach-nhiem-vu")
            await coordinator.goto(f"{base}/mails")
            await _shot(coordinator, "11-thu-thong-bao")
        finally:
            await browser.close()
