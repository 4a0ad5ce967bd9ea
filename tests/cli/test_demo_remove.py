"""``dondoc demo remove``: only what the demo created goes, and only with --yes (issue 16.8)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from persistence.models import Organisation, Plan
from settings import Settings
from tests.cli.test_go_live import _seed_demo

DONDOC = Path(sys.executable).parent / "dondoc"
# dondoc runs in a data folder of its own (SQLite) here: the PostgreSQL pass would repeat it.
pytestmark = pytest.mark.sqlite_pass_only
ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DONDOC_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    for name in ("TEMPORAL_ADDRESS", "DONDOC_TEMPORAL_ADDRESS", "DATABASE_URL", "DONDOC_DATABASE_URL"):
        env.pop(name, None)
    return subprocess.run([str(DONDOC), *args], env=env, cwd=data_dir.parent, capture_output=True, text=True,
                          timeout=120)


def _rows_of(engine, code: str) -> int:
    with Session(engine) as session:
        org = session.exec(select(Organisation).where(Organisation.code == code)).first()
        if org is None:
            return 0
        tables = [t for t in SQLModel.metadata.sorted_tables if "organisation_id" in t.c]
        return 1 + sum(session.exec(select(func.count()).select_from(t).where(t.c.organisation_id == org.id)).one()
                       for t in tables)


def test_demo_remove_deletes_the_demo_organisation_and_refuses_a_real_one(tmp_path: Path) -> None:
    from runtime.database import open_database

    data_dir = tmp_path / "data"
    _seed_demo(data_dir)  # Ngọc Liên, as `dondoc up --demo` stores it
    assert _run(["org", "load", str(ROOT / "samples" / "org" / "vinh-lap.yaml")], data_dir).returncode == 0
    engine = open_database(Settings(data_dir=data_dir, database_url=None))  # the folder's SQLite, as the CLI uses it
    before_demo, before_real = _rows_of(engine, "xa-ngoc-lien"), _rows_of(engine, "xa-vinh-lap")
    assert before_demo > 100 and before_real > 10

    listed = _run(["demo", "remove"], data_dir)  # no --yes: lists only
    assert listed.returncode == 1 and "xa-ngoc-lien" in listed.stdout and "--yes" in listed.stderr
    assert "Không xoá UBND xã Vĩnh Lập (xa-vinh-lap)" in listed.stderr
    assert _rows_of(engine, "xa-ngoc-lien") == before_demo

    refused = _run(["demo", "remove", "--org", "xa-vinh-lap", "--yes"], data_dir)
    assert refused.returncode == 1 and "Không xoá UBND xã Vĩnh Lập" in refused.stderr
    assert _run(["demo", "remove", "--org", "xa-khac", "--yes"], data_dir).returncode == 1

    removed = _run(["demo", "remove", "--yes"], data_dir)
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert "Đã xoá UBND xã Ngọc Liên (xa-ngoc-lien)" in removed.stdout
    assert _rows_of(engine, "xa-ngoc-lien") == 0
    assert _rows_of(engine, "xa-vinh-lap") == before_real
    with Session(engine) as session:
        assert session.exec(select(Plan)).all() == []
    again = _run(["demo", "remove", "--yes"], data_dir)
    assert again.returncode == 0 and "Không có dữ liệu demo" in again.stdout
