"""``dondoc status``, ``task show``, ``user set-password``, ``export excel`` on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from cli.main import app
from persistence.db import create_schema, make_engine
from tests.database import database_url
from persistence.models import Officer
from web.auth import verify_password
from persistence.read_model import today_in
from tests.sample_data import seed

runner = CliRunner()


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DONDOC_DATA_DIR", str(tmp_path))
    url = database_url(tmp_path / "dondoc.db")  # the data dir's SQLite file, or the test's PostgreSQL
    monkeypatch.setenv("DONDOC_DATABASE_URL", url)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    engine = make_engine(url)
    create_schema(engine)
    seeded = seed(engine, today_in("Asia/Ho_Chi_Minh"))
    yield engine, seeded
    engine.dispose()


def test_status_summary_and_overdue(cli_env) -> None:
    _, seeded = cli_env
    result = runner.invoke(app, ["status", "--org", "xa-mau"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert f"Quá hạn chưa hoàn thành {seeded.expected['overdue']}" in result.output
    assert "Công chức Văn phòng - Thống kê" in result.output
    overdue = runner.invoke(app, ["status", "--org", "xa-mau", "--overdue"], env={"COLUMNS": "200"})
    assert overdue.exit_code == 0
    assert overdue.output.count("ngày)") == seeded.expected["overdue"]
    unit = runner.invoke(app, ["status", "--org", "xa-mau", "--unit", "tu phap"], env={"COLUMNS": "200"})
    assert unit.exit_code == 0 and "Văn phòng" not in unit.output.split("\n", 3)[-1]
    ambiguous = runner.invoke(app, ["status"])
    assert ambiguous.exit_code == 2 and "--org" in ambiguous.output


def test_task_show(cli_env) -> None:
    result = runner.invoke(app, ["task", "show", "1.1", "--org", "xa-mau"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Rà soát, đánh giá thủ tục hành chính" in result.output and "10/BC-UBND" in result.output
    missing = runner.invoke(app, ["task", "show", "99.9", "--org", "xa-mau"])
    assert missing.exit_code == 2


def test_task_done_needs_a_reachable_workflow_engine(cli_env, tmp_path: Path) -> None:
    result = runner.invoke(app, ["task", "done", "1.1", "--org", "xa-mau", "--evidence", "45/BC-UBND"])
    assert result.exit_code == 2 and "Temporal" in result.output
    bad = runner.invoke(app, ["task", "extend", "1.1", "--org", "xa-mau", "--to", "31-12-2026", "--reason", "x"])
    assert bad.exit_code == 2 and "«31-12-2026»" in bad.output and "ngày/tháng/năm" in bad.output


def test_set_password(cli_env) -> None:
    engine, _ = cli_env
    result = runner.invoke(app, ["user", "set-password", "tuphap", "--org", "xa-mau"], input="mat-khau-moi\nmat-khau-moi\n")
    assert result.exit_code == 0, result.output
    with Session(engine) as session:
        officer = session.exec(select(Officer).where(Officer.username == "tuphap")).one()
        assert verify_password(officer.password_hash, "mat-khau-moi")
    short = runner.invoke(app, ["user", "set-password", "tuphap", "--org", "xa-mau"], input="ngan\nngan\n")
    assert short.exit_code == 2


def test_export_excel(cli_env, tmp_path: Path) -> None:
    _, seeded = cli_env
    out = tmp_path / "kh.xlsx"
    result = runner.invoke(app, ["export", "excel", seeded.plan_code, "--org", "xa-mau", "-o", str(out)])
    assert result.exit_code == 0 and out.stat().st_size > 1000


def test_demo_accounts_only_touch_accounts_without_password(cli_env) -> None:
    engine, _ = cli_env
    with Session(engine) as session:
        officer = session.exec(select(Officer).where(Officer.username == "tuphap")).one()
        officer.password_hash = None
        session.add(officer)
        session.commit()
    result = runner.invoke(app, ["user", "demo", "--password", "thu-nghiem-1"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "tuphap" in result.output and "vanphong" not in result.output
    with Session(engine) as session:
        assert verify_password(session.exec(select(Officer).where(Officer.username == "tuphap")).one().password_hash, "thu-nghiem-1")
        assert verify_password(session.exec(select(Officer).where(Officer.username == "vanphong")).one().password_hash, "matkhau-demo")
