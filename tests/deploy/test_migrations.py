"""Alembic migrations on the test's database (SQLite, or PostgreSQL with DONDOC_TEST_POSTGRES=1)."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel
from typer.testing import CliRunner

from cli.main import app
from persistence.db import (
    INITIAL_REVISION,
    SchemaNotCurrent,
    create_schema,
    current_revision,
    downgrade_schema,
    ensure_schema_current,
    head_revision,
    make_engine,
    upgrade_schema,
)

TABLES = {"organisation", "unit", "officer", "officerunit", "plan", "task", "occurrence", "event", "notification"}


@pytest.fixture
def engine(db_url: str):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def _diff(engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, SQLModel.metadata)


def test_migrations_build_exactly_the_models_schema(engine) -> None:
    before, after = upgrade_schema(engine)
    assert before is None and after == head_revision()
    assert TABLES <= set(inspect(engine).get_table_names())
    # A model change without a migration fails here: run `dondoc db revision -m "..."`.
    assert _diff(engine) == []
    ensure_schema_current(engine)


def test_upgrade_is_idempotent_and_downgrade_removes_everything(engine) -> None:
    upgrade_schema(engine)
    assert upgrade_schema(engine) == (head_revision(), head_revision())
    assert downgrade_schema(engine, "base") == (head_revision(), None)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade_schema(engine)  # and back up again (on PostgreSQL: the enum types were dropped too)
    assert current_revision(engine) == head_revision()


def test_create_schema_makes_a_fresh_database_current(engine) -> None:
    create_schema(engine)
    assert current_revision(engine) == head_revision()
    assert ensure_schema_current(engine).is_current
    assert _diff(engine) == []
    create_schema(engine)  # a second call (every entry point makes one) changes nothing
    assert current_revision(engine) == head_revision()


def test_empty_database_is_refused_with_the_command_to_run(engine) -> None:
    with pytest.raises(SchemaNotCurrent) as caught:
        ensure_schema_current(engine)
    assert "chưa có bảng nào" in str(caught.value)
    assert "dondoc db upgrade" in str(caught.value)


def test_database_made_before_migrations_is_refused_then_adopted_by_upgrade(engine) -> None:
    # What dondoc made before migrations existed: the initial schema, no version table.
    upgrade_schema(engine, INITIAL_REVISION)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
    with engine.begin() as connection:  # the columns of that time only
        connection.execute(text("INSERT INTO organisation (code, name, level, timezone) "
                                "VALUES ('xa-a', 'UBND xã A', 'xã', 'Asia/Ho_Chi_Minh')"))
    with pytest.raises(SchemaNotCurrent, match="dondoc db upgrade"):
        ensure_schema_current(engine)
    assert upgrade_schema(engine) == (None, head_revision())
    ensure_schema_current(engine)
    with engine.connect() as connection:  # the data survived
        assert connection.execute(text("SELECT code FROM organisation")).scalar_one() == "xa-a"


def test_database_behind_is_refused_naming_both_versions(engine) -> None:
    upgrade_schema(engine)
    with engine.begin() as connection:  # as if this code shipped a newer revision than the database has
        connection.execute(text("UPDATE alembic_version SET version_num = 'ffffffff'"))
    with pytest.raises(SchemaNotCurrent) as caught:
        ensure_schema_current(engine)
    assert "ffffffff" in str(caught.value) and "cập nhật dondoc" in str(caught.value)


def test_dondoc_db_upgrade_and_status(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DONDOC_DATABASE_URL", db_url)
    runner = CliRunner()
    result = runner.invoke(app, ["db", "status"])
    assert result.exit_code == 1 and "dondoc db upgrade" in result.output
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"→ {head_revision()}" in result.output
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0 and "không cần nâng cấp" in result.output
    result = runner.invoke(app, ["db", "status"])
    assert result.exit_code == 0 and "mới nhất" in result.output


@pytest.mark.parametrize("command", [["worker"], ["web"], ["dispatcher"], ["up"]])
def test_services_refuse_to_start_on_an_older_schema(command: list[str], engine, db_url: str, tmp_path) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    SQLModel.metadata.create_all(engine)  # tables, but not the version this code needs
    dondoc = Path(sys.executable).parent / "dondoc"
    env = {**os.environ, "DONDOC_DATABASE_URL": db_url, "DONDOC_DATA_DIR": str(tmp_path),
           "TEMPORAL_ADDRESS": "127.0.0.1:1"}  # never reached: the check comes first
    result = subprocess.run([str(dondoc), *command], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Hãy chạy lệnh: dondoc db upgrade" in result.stderr
    assert "Traceback" not in result.stderr
