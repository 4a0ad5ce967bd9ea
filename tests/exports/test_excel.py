"""The Excel export: appendix layout, every task once, statuses and evidence."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

from openpyxl import load_workbook
from sqlmodel import Session

from exports.excel import HEADERS, evidence_text, plan_workbook_bytes
from persistence.db import create_schema, make_engine
from persistence.models import Plan
from tests.database import database_url
from tests.sample_data import seed


def test_workbook_lists_every_task_with_status_and_evidence(tmp_path: Path) -> None:
    engine = make_engine(database_url(tmp_path / 'db.sqlite'))
    create_schema(engine)
    today = date(2026, 6, 15)
    seeded = seed(engine, today, tasks=8)
    with Session(engine) as session:
        data = plan_workbook_bytes(session, session.get(Plan, seeded.plan_id), today)
    ws = load_workbook(io.BytesIO(data)).active
    assert tuple(c.value for c in ws[5]) == HEADERS
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=6)]
    task_rows = [r for r in rows if isinstance(r[0], int)]
    assert len(task_rows) == 8
    assert sum(1 for r in rows if r[0] in ("I", "II", "III", "IV")) == 4  # one heading per reform area
    statuses = "\n".join(r[5] for r in task_rows)
    for label in ("Hoàn thành đúng hạn", "Hoàn thành quá hạn", "Đang thực hiện trong hạn", "Quá hạn chưa hoàn thành"):
        assert label in statuses
    assert any("Số 10/BC-UBND ngày" in (r[6] or "") for r in task_rows)
    assert task_rows[0][2] == "Công chức Văn phòng - Thống kê"
    totals = {r[1]: r[2] for r in rows if r[1] and r[2] is not None and isinstance(r[2], int)}
    assert totals["Tổng số"] == 32 and totals["Quá hạn chưa hoàn thành"] == 8
    engine.dispose()


def test_evidence_text() -> None:
    assert evidence_text({"document_number": "45/BC-UBND", "document_date": "2026-03-10", "link": "http://x"}) == \
        "Số 45/BC-UBND ngày 10/03/2026; http://x"
    assert evidence_text(None) == ""


def test_workbook_prints_on_a4_landscape_with_the_plan_number(tmp_path: Path) -> None:
    from exports.excel import workbook_filename

    engine = make_engine(database_url(tmp_path / 'db.sqlite'))
    create_schema(engine)
    today = date(2026, 6, 15)
    seeded = seed(engine, today, tasks=8)
    with Session(engine) as session:
        plan = session.get(Plan, seeded.plan_id)
        data = plan_workbook_bytes(session, plan, today)
        number, name = plan.number, workbook_filename(plan)
    assert number
    ws = load_workbook(io.BytesIO(data)).active
    # A4 landscape, fit to one page wide (any number of pages down), header row on every page.
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.orientation == "landscape"  # 9: A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == "$5:$5"
    assert number in ws["A1"].value and ws["A1"].value.startswith("PHỤ LỤC: TÌNH HÌNH THỰC HIỆN KẾ HOẠCH SỐ")
    assert f"Kế hoạch số {number}" in ws["A2"].value
    # STT: numbers, counted within each reform area (I, II, ...).
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=6)]
    task_rows = [r for r in rows if isinstance(r[0], int)]
    assert task_rows and all(isinstance(r[0], int) and r[0] >= 1 for r in task_rows)
    assert ws.cell(row=6, column=1).value == "I" and ws.cell(row=7, column=1).value == 1
    assert ws.cell(row=7, column=1).data_type == "n"
    # Evidence as officials write it.
    evidence = [r[6] for r in task_rows if r[6]]
    assert evidence and all(re.search(r"Số \S+/BC-UBND ngày \d{2}/\d{2}/\d{4}", e) for e in evidence
                            if "BC-UBND" in e)
    assert name == f"ke-hoach-{number.replace('/', '-')}-2026.xlsx"
    engine.dispose()


def test_file_name_and_evidence_without_a_repeated_so() -> None:
    from exports.excel import workbook_filename

    plan = Plan(organisation_id=1, code="kh-x", number="45/KH-UBND", title="Kế hoạch CCHC", issuer="UBND xã Đông",
                year=2026)
    assert workbook_filename(plan) == "ke-hoach-45-KH-UBND-2026.xlsx"
    plan.number = None
    plan.title = "Kế hoạch cải cách hành chính năm 2026 của xã Đồng Tâm"
    assert workbook_filename(plan) == "ke-hoach-ke-hoach-cai-cach-hanh-chinh-nam-2026-cua-xa-dong-tam-2026.xlsx"
    assert evidence_text({"document_number": "Số 12/BC-UBND", "document_date": "2026-03-10"}) == \
        "Số 12/BC-UBND ngày 10/03/2026"
