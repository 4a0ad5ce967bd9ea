"""The demo plan's 6-month (H1) draft as a test artifact, page 1 rendered to PNG (LibreOffice + pdftoppm)."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from sqlmodel import Session

from persistence.db import create_schema, make_engine
from persistence.models import Plan
from reports.draft import SECTION_TITLES, draft_report
from reports.periods import parse_period
from tests.database import database_url
from tests.reports.demo_plan import build_demo

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_demo_draft_saved_and_page_one_rendered(tmp_path: Path) -> None:
    engine = make_engine(database_url(tmp_path / "db.sqlite"))
    create_schema(engine)
    plan = build_demo(engine, tmp_path)
    with Session(engine) as s:
        data, blob = draft_report(s, s.get(Plan, plan.id), parse_period("2026-H1"))
    engine.dispose()
    doc = Document(io.BytesIO(blob))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert all(title in text for title in SECTION_TITLES)
    assert data.counts.total > 0 and data.updates_accepted > 0
    assert "Cẩm Xuyên" in doc.tables[0].rows[0].cells[1].text
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / "bao-cao-cchc-6-thang-demo.docx"
    target.write_bytes(blob)

    soffice, pdftoppm = shutil.which("soffice"), shutil.which("pdftoppm")
    if not soffice or not pdftoppm:
        pytest.skip("LibreOffice (libreoffice-writer-nogui) or pdftoppm (poppler-utils) not installed")
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path / 'lo'}", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(target)], check=True, capture_output=True, timeout=120)
    pdf = tmp_path / (target.stem + ".pdf")
    subprocess.run([pdftoppm, "-r", "80", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(ARTIFACTS / "bao-cao-cchc-6-thang-demo-trang-1")], check=True, timeout=60)
    png = ARTIFACTS / "bao-cao-cchc-6-thang-demo-trang-1.png"
    assert png.stat().st_size > 10_000
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "Pages:" in pages
