"""`dondoc report draft/evidence` and `dondoc indicator report` on a database with a known plan."""

from __future__ import annotations

import zipfile
from pathlib import Path

from docx import Document
from typer.testing import CliRunner

from cli.main import app
from persistence.db import create_schema, make_engine
from tests.database import database_url
from tests.reports import known_plan
from tests.reports.demo_plan import build_demo


def test_report_commands(tmp_path: Path, monkeypatch) -> None:
    url = database_url(tmp_path / "db.sqlite")
    monkeypatch.setenv("DONDOC_DATABASE_URL", url)
    monkeypatch.setenv("DONDOC_DATA_DIR", str(tmp_path / "data"))
    engine = make_engine(url)
    create_schema(engine)
    known_plan.build(engine)
    plan = build_demo(engine, tmp_path, name="cam-xuyen")
    engine.dispose()
    runner = CliRunner()
    out = tmp_path / "bao-cao.docx"
    result = runner.invoke(app, ["report", "draft", "--plan", "kh-2026-12", "--period", "2026-Q1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "DỰ THẢO" in result.output and "tỷ lệ hoàn thành 50%" in result.output
    assert "Kết quả thực hiện công tác cải cách hành chính quý I năm 2026" in [p.text for p in Document(str(out)).paragraphs]
    result = runner.invoke(app, ["report", "draft", "--plan", "kh-2026-12", "--period", "2026-Q2"])
    assert result.exit_code == 2 and "không hợp lệ" in result.output
    pack = tmp_path / "minh-chung.zip"
    result = runner.invoke(app, ["report", "evidence", "--plan", "kh-2026-12", "--year", "2026", "-o", str(pack)])
    assert result.exit_code == 0 and "4 minh chứng" in result.output
    assert "muc-luc-minh-chung.xlsx" in zipfile.ZipFile(pack).namelist()
    result = runner.invoke(app, ["indicator", "report", "CT-03a", "--plan", plan.code, "--period", "2026-H1", "--value", "30"])
    assert result.exit_code == 0, result.output
    assert "CT-03a: mục tiêu ≥ 35%, kết quả 30% — Chưa đạt." in result.output
    result = runner.invoke(app, ["indicator", "report", "CT-03a", "--plan", plan.code, "--period", "2026-H1", "--value", "36",
                                 "--document", "40/BC-UBND", "--date", "2026-06-12"])
    assert "kết quả 36% — Đạt." in result.output
    result = runner.invoke(app, ["indicator", "list", "--plan", plan.code, "--period", "2026-H1"])
    assert result.exit_code == 0 and "CT-03a" in result.output
