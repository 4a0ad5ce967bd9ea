"""The Excel export: appendix layout, every task once, statuses and evidence."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook
from sqlmodel import Session

from domain.db import create_schema, make_engine
from tests.database import database_url
from domain.models import Plan
from exports.excel import HEADERS, evidence_text, plan_workbook_bytes
from web.sample_data import seed
from datetime import date


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
