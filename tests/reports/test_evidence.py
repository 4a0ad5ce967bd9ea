"""The evidence pack: folders by area and task, the uploaded files, the index workbook."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from openpyxl import load_workbook
from sqlmodel import Session, select

from actions.perform import store_upload
from persistence.db import create_schema, make_engine
from persistence.models import Occurrence, Plan, ProgressUpdate
from reports.evidence import INDEX_HEADERS, INDEX_NAME, build_pack
from tests.database import database_url
from tests.reports import known_plan


def test_pack_has_folders_files_and_index(tmp_path: Path) -> None:
    engine = make_engine(database_url(tmp_path / "db.sqlite"))
    create_schema(engine)
    known = known_plan.build(engine)
    uploads = tmp_path / "uploads"
    with Session(engine) as s:
        task_id = known.tasks["CDDH-01"]
        occ = s.exec(select(Occurrence).where(Occurrence.task_id == task_id)).one()
        path = store_upload(uploads, known.organisation_id, task_id, "ke-hoach-kiem-tra.pdf", b"%PDF-1.4 ke hoach")
        occ.evidence = {**occ.evidence, "file": path, "file_name": "ke-hoach-kiem-tra.pdf"}
        s.add(occ)
        update = s.exec(select(ProgressUpdate).where(ProgressUpdate.task_id == known.tasks["CVU-01"])).one()
        path2 = store_upload(uploads, known.organisation_id, update.task_id, "quyet-dinh-cu-di-hoc.pdf", b"%PDF qd")
        update.evidence = {**update.evidence, "file": path2, "file_name": "quyet-dinh-cu-di-hoc.pdf"}
        s.add(update)
        s.commit()
        blob, entries = build_pack(s, s.get(Plan, known.plan_id), 2026, uploads)
    engine.dispose()
    archive = zipfile.ZipFile(io.BytesIO(blob))
    names = set(archive.namelist())
    pdf = "01-cong-tac-chi-dao-dieu-hanh/cddh-01-ban-hanh-ke-hoach-kiem-tra-cong-tac-cai-cach-hanh/31-01-2026-ke-hoach-kiem-tra.pdf"
    assert pdf in names and archive.read(pdf) == b"%PDF-1.4 ke hoach"
    assert "05-cai-cach-che-do-cong-vu/cvu-01-cu-cong-chuc-tham-gia-boi-duong-ky-nang/2026-q1-quyet-dinh-cu-di-hoc.pdf" in names
    note = archive.read("02-cai-cach-the-che/tche-01-ra-soat-van-ban-quy-pham-phap-luat-cua-hdnd-ubnd/van-ban.txt").decode()
    assert "Văn bản số 09/BC-UBND ngày 05/03/2026" in note
    # Evidence of the returned and pending updates is not in the pack; done ones of 2026 are.
    assert len(entries) == 4  # CDDH-01, TCHE-01, CQS-01 (link), CVU-01 (accepted update)
    ws = load_workbook(io.BytesIO(archive.read(INDEX_NAME))).active
    assert tuple(c.value for c in ws[2]) == INDEX_HEADERS
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=3)]
    assert [r[0] for r in rows] == [1, 2, 3, 4]
    assert rows[0][1].startswith("CDDH-01 — Ban hành Kế hoạch") and rows[0][3] == "Văn bản số 05/KH-UBND ngày 20/01/2026"
    assert rows[0][4] == pdf
    assert any(r[2] == "2026-Q1" and "15/QĐ-UBND" in r[3] for r in rows)
