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
                                 "--document", "40/BC-UBND", "--date", "12/06/2026"])
    assert "kết quả 36% — Đạt." in result.output
    result = runner.invoke(app, ["indicator", "report", "CT-03a", "--plan", plan.code, "--period", "2026-H1", "--value", "36",
                                 "--date", "12-6-2026"])
    assert result.exit_code == 2 and "Ngày không hợp lệ: «12-6-2026»" in result.output
    # --by: an officer outside the owner unit is refused; an officer of it is recorded as the reporter.
    owner, outsider, insider = _people_around(url, plan.id, "CT-03a")
    result = runner.invoke(app, ["indicator", "report", "CT-03a", "--plan", plan.code, "--period", "2026-Q3", "--value", "40",
                                 "--by", outsider])
    assert result.exit_code == 2 and "Chỉ cơ quan thường trực hoặc đơn vị chủ trì" in result.output, result.output
    result = runner.invoke(app, ["indicator", "report", "CT-03a", "--plan", plan.code, "--period", "2026-Q3", "--value", "40",
                                 "--by", insider])
    assert result.exit_code == 0, result.output
    assert _reporter(url, plan.id, "CT-03a", "2026-Q3") == insider
    result = runner.invoke(app, ["indicator", "list", "--plan", plan.code, "--period", "2026-H1"])
    assert result.exit_code == 0 and "CT-03a" in result.output


def _people_around(url: str, plan_id: int, code: str) -> tuple[str, str, str]:
    """(owner unit, an officer outside it who is no coordinator, an officer of it) for an indicator."""
    from sqlmodel import Session, select

    from persistence.models import Indicator, Officer, Role
    from persistence.read_model import unit_codes_of

    with Session(make_engine(url)) as session:
        indicator = session.exec(select(Indicator).where(Indicator.plan_id == plan_id, Indicator.code == code)).one()
        officers = list(session.exec(select(Officer).where(Officer.organisation_id == indicator.organisation_id,
                                                           Officer.role == Role.OFFICER)))
        units = {o.username: unit_codes_of(session, o.id) for o in officers}
    outsider = next(u for u, codes in units.items() if indicator.owner_unit not in codes)
    insider = next(u for u, codes in units.items() if indicator.owner_unit in codes)
    return indicator.owner_unit, outsider, insider


def _reporter(url: str, plan_id: int, code: str, period: str) -> str:
    from sqlmodel import Session, select

    from persistence.models import Indicator, IndicatorValue

    with Session(make_engine(url)) as session:
        indicator = session.exec(select(Indicator).where(Indicator.plan_id == plan_id, Indicator.code == code)).one()
        return session.exec(select(IndicatorValue).where(IndicatorValue.indicator_id == indicator.id,
                                                         IndicatorValue.period_key == period)).one().reported_by
