"""The README's go-live checklist, run as written on the repository's samples (issue 16.8).

Every fenced block after a ``<!-- go-live -->`` marker is run, in order, by bash in a
fresh folder whose data folder already holds the demo's Ngọc Liên (as after
``bash scripts/run``); a ``<!-- go-live: service -->`` block is started in the background
and must answer ``/healthz``. The README cannot drift from what the commands do.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from persistence.models import Officer, Organisation, Plan, PlanStatus
from runtime.devserver import free_port
from settings import Settings

# dondoc runs in a data folder of its own (SQLite) here: the PostgreSQL pass would repeat it.
pytestmark = pytest.mark.sqlite_pass_only

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
BLOCK = re.compile(r"<!-- go-live(?:: (?P<kind>[\w-]+))? -->\s*```sh\n(?P<body>.*?)```", re.S)
DATA_PLACEHOLDER = "/srv/dondoc/data"  # the checklist's example data folder, replaced by the test's
PASSWORD = "Mat-khau-quan-tri-1"


def go_live_blocks(text: str) -> list[tuple[str, str]]:
    """(kind, commands) of every marked block of the README, in order; kind "" or "service"."""
    return [(m.group("kind") or "", m.group("body")) for m in BLOCK.finditer(text)]


def test_the_checklist_covers_every_go_live_step() -> None:
    commands = "\n".join(body for _, body in go_live_blocks(README.read_text(encoding="utf-8")))
    for needed in ("DONDOC_DATA_DIR=", "DONDOC_BASE_URL=", "DONDOC_SMTP_HOST=", "DONDOC_SECRET_KEY=",
                   "dondoc demo remove", "dondoc org check", "dondoc org load", "dondoc user set-password",
                   "dondoc import", "dondoc plan check", "dondoc simulate", "dondoc plan activate", "dondoc up"):
        assert needed in commands, needed


def _seed_demo(data_dir: Path) -> None:
    """What ``dondoc up --demo`` stores for Ngọc Liên (database only: no workflow runs yet)."""
    from demo.plans import SAMPLES, prepare_review, record_history
    from runtime.activation import load_inputs, store
    from runtime.database import open_database

    # The data folder's own SQLite file, as the README's commands use it (in PostgreSQL mode too).
    settings = Settings(data_dir=data_dir, database_url=None)
    engine = open_database(settings, create=True)
    org_file = SAMPLES / "org" / "ngoc-lien.yaml"
    folder = data_dir / "demo"
    folder.mkdir(parents=True)
    plan = prepare_review(SAMPLES / "plans" / "ngoc-lien-2025.txt", org_file, date.today().year,
                          folder / "ngoc-lien-2025.review.yaml")
    review, org_config, _ = load_inputs(plan.review.resolve(), org_file)
    _, stored_plan, _ = store(engine, review, org_config, plan.review.resolve())
    record_history(engine, stored_plan.id, date.today(), settings.timezone)
    engine.dispose()


def _wait_healthy(port: int, pid: int, log: Path, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
                return json.loads(answer.read())
        except urllib.error.HTTPError as error:
            last = error.read().decode()
        except OSError as error:
            last = str(error)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.5)
    raise AssertionError(f"dondoc up did not become healthy: {last}\n{log.read_text(encoding='utf-8')}")


def _stop(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(60):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.5)
    os.kill(pid, signal.SIGKILL)


def test_the_go_live_checklist_runs_on_the_samples(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    _seed_demo(data_dir)
    (tmp_path / "samples").symlink_to(ROOT / "samples")  # the checklist runs from the repository folder

    script = ["set -euxo pipefail"]
    text = README.read_text(encoding="utf-8")
    assert DATA_PLACEHOLDER in text
    for kind, body in go_live_blocks(text):
        body = body.replace(DATA_PLACEHOLDER, str(data_dir))
        if kind == "service":  # long-running: started in the background, stopped by the test
            body = "\n".join(f"{line} > up.log 2>&1 & echo $! > up.pid" for line in body.splitlines() if line.strip())
        script.append(body)
    web_port = free_port()
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "DONDOC_WEB_PORT": str(web_port), "DONDOC_CATCHER_PORT": str(free_port()), "COLUMNS": "160"}
    for name in ("TEMPORAL_ADDRESS", "DONDOC_TEMPORAL_ADDRESS", "DATABASE_URL", "DONDOC_DATABASE_URL",
                 "DONDOC_DATA_DIR", "DONDOC_SMTP_HOST", "DONDOC_SECRET_KEY"):
        env.pop(name, None)

    pid = None
    try:
        result = subprocess.run(["bash", "-c", "\n".join(script)], cwd=tmp_path, env=env, text=True,
                                input=f"{PASSWORD}\n{PASSWORD}\n", capture_output=True, timeout=240)
        output = result.stdout + result.stderr
        assert result.returncode == 0, output
        if (tmp_path / "up.pid").exists():
            pid = int((tmp_path / "up.pid").read_text())
        assert pid is not None, "the checklist starts dondoc up"
        health = _wait_healthy(web_port, pid, tmp_path / "up.log")
    finally:
        if pid is not None:
            _stop(pid)

    assert "Traceback" not in output
    assert "Đã xoá UBND xã Ngọc Liên (xa-ngoc-lien)" in output  # the demo's copy, before the real one
    assert "Tệp rà soát hợp lệ: 52 nhiệm vụ" in output
    assert "khởi động 52" in output
    assert "Người nhận" in (tmp_path / "mo-phong-2026.txt").read_text(encoding="utf-8")
    assert health["ok"] is True and health["worker"] == "polling"
    assert not list((data_dir / "demo").glob("*.review.yaml"))

    from runtime.database import open_database

    engine = open_database(Settings(data_dir=data_dir, database_url=None))
    with Session(engine) as session:
        org = session.exec(select(Organisation).where(Organisation.code == "xa-ngoc-lien")).one()
        plans = session.exec(select(Plan).where(Plan.organisation_id == org.id)).all()
        admin = session.exec(select(Officer).where(Officer.username == "quachthihuong",
                                                   Officer.organisation_id == org.id)).one()
    assert [(p.status, Path(p.source_file).name) for p in plans] == [(PlanStatus.ACTIVE, "ke-hoach-2026.yaml")]
    assert admin.password_hash
    from web.auth import verify_password

    assert verify_password(admin.password_hash, PASSWORD)
