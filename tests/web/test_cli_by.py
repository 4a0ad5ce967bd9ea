"""``dondoc task done/extend/report --by``: the CLI refuses an unknown or inactive user and a
second pending extension request, in Vietnamese, before it reaches the workflow (issue 16 item 8)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from cli.main import app
from persistence.db import create_schema, make_engine
from persistence.models import Event, Occurrence, OccurrenceStatus, Officer, Task
from persistence.read_model import today_in
from tests.database import database_url
from tests.sample_data import seed

runner = CliRunner()


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DONDOC_DATA_DIR", str(tmp_path))
    url = database_url(tmp_path / "dondoc.db")
    monkeypatch.setenv("DONDOC_DATABASE_URL", url)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    # Nothing listens here: a command that got past its checks says Temporal is unreachable.
    monkeypatch.setenv("DONDOC_TEMPORAL_ADDRESS", "127.0.0.1:9")
    engine = make_engine(url)
    create_schema(engine)
    seed(engine, today_in("Asia/Ho_Chi_Minh"))
    yield engine
    engine.dispose()


def _open_occurrence(engine) -> tuple[Task, Occurrence]:
    with Session(engine) as session:
        task = session.exec(select(Task).where(Task.code == "1.1")).first()
        occ = session.exec(select(Occurrence).where(Occurrence.task_id == task.id,
                                                    Occurrence.status == OccurrenceStatus.OPEN)
                           .order_by(Occurrence.due)).first()
        return task, occ


def test_an_unknown_by_user_is_refused(cli_env) -> None:
    for command in (["task", "done", "1.1", "--evidence", "45/BC-UBND"],
                    ["task", "extend", "1.1", "--to", "31/12/2030", "--reason", "Chờ kinh phí"],
                    ["task", "report", "1.1", "--period", "2026-Q1", "--status", "in_progress", "--result", "Đã làm"]):
        result = runner.invoke(app, [*command, "--org", "xa-mau", "--by", "khongai"], env={"COLUMNS": "200"})
        assert result.exit_code == 2, result.output
        assert "Không có cán bộ nào tên đăng nhập «khongai»" in result.output and "dondoc user list" in result.output
        assert "Temporal" not in result.output  # refused before the workflow is asked
    # An officer of another organisation is unknown here.
    other = runner.invoke(app, ["task", "done", "1.1", "--org", "xa-mau", "--by", "khac", "--evidence", "x"])
    assert other.exit_code == 2 and "«khac»" in other.output


def test_an_inactive_by_user_is_refused_and_a_known_one_goes_through(cli_env) -> None:
    with Session(cli_env) as session:
        officer = session.exec(select(Officer).where(Officer.username == "tuphap")).one()
        officer.active = False
        session.add(officer)
        session.commit()
    result = runner.invoke(app, ["task", "done", "1.1", "--org", "xa-mau", "--by", "tuphap", "--evidence", "x"])
    assert result.exit_code == 2 and "đã ngừng hoạt động" in result.output
    known = runner.invoke(app, ["task", "done", "1.1", "--org", "xa-mau", "--by", "taichinh", "--evidence", "x"])
    assert known.exit_code == 2 and "Temporal" in known.output  # past the check, on to the workflow


def test_a_second_pending_extension_request_is_refused(cli_env) -> None:
    task, occ = _open_occurrence(cli_env)
    command = ["task", "extend", "1.1", "--org", "xa-mau", "--occurrence", occ.key, "--to", "31/12/2030",
               "--reason", "Chờ kinh phí"]
    first = runner.invoke(app, command)
    assert first.exit_code == 2 and "Temporal" in first.output  # nothing pending: on to the workflow
    with Session(cli_env) as session:  # the first request, as the workflow records it
        session.add(Event(organisation_id=task.organisation_id, task_id=task.id, occurrence_id=occ.id,
                          kind="extension_requested", actor="tuphap", at=datetime.now(UTC),
                          idempotency_key="test/extension_requested/1",
                          data={"period": occ.period, "new_due": "2030-11-30", "reason": "Chờ hướng dẫn"}))
        session.commit()
    second = runner.invoke(app, command, env={"COLUMNS": "200"})
    assert second.exit_code == 2, second.output
    assert f"Kỳ {occ.period} của nhiệm vụ 1.1 đã có đề nghị gia hạn đến 30/11/2030 (của «tuphap») đang chờ quyết định" \
        in second.output
    with Session(cli_env) as session:  # decided: a new request may go
        session.add(Event(organisation_id=task.organisation_id, task_id=task.id, occurrence_id=occ.id,
                          kind="extension_denied", actor="chutich", at=datetime.now(UTC),
                          idempotency_key="test/extension_denied/1", data={"period": occ.period}))
        session.commit()
    third = runner.invoke(app, command)
    assert third.exit_code == 2 and "Temporal" in third.output
