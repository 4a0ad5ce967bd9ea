"""Issue 17 acceptance: `plan activate` while no service runs, then `dondoc up`, then a reminder
falls due: it is sent (the mail catcher receives it).

Before the embedded server was owned by one process, the command's temporary Temporal
vanished under the service that had joined it: the worker retried a dead port for ever
and nothing was chased. Both commands run here as real processes on one data folder.
The dev server keeps real time, so the plan's chasing runs in a fixed-offset zone where
it is about noon now (tests/integration/support.noon_zone) and its working day starts a
minute after the activation: the reminder falls due once the service is running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from runtime.devserver import free_port
from tests.integration.support import ORG_FILE, noon_zone

# dondoc runs in a data folder of its own (SQLite) here: the PostgreSQL pass would repeat it.
pytestmark = pytest.mark.sqlite_pass_only

DONDOC = Path(sys.executable).parent / "dondoc"
TITLE = "Niêm yết công khai thủ tục hành chính (thử nhắc việc)"


def _env(data: Path) -> dict[str, str]:
    env = {**os.environ, "DONDOC_DATA_DIR": str(data), "DONDOC_WEB_PORT": str(free_port()),
           "DONDOC_CATCHER_PORT": str(free_port()), "DONDOC_NOTIFY_INTERVAL_SECONDS": "3", "COLUMNS": "200"}
    for name in ("TEMPORAL_ADDRESS", "DONDOC_TEMPORAL_ADDRESS", "DATABASE_URL", "DONDOC_DATABASE_URL",
                 "DONDOC_SMTP_HOST"):
        env.pop(name, None)
    return env


def _files(tmp_path: Path, zone: str, now_local: datetime) -> Path:
    today = now_local.date()
    org = yaml.safe_load(ORG_FILE.read_text(encoding="utf-8"))
    org["organisation"]["timezone"] = zone  # the mail goes out in the organisation's working hours
    org["calendar"] = {"extra_days_off": [],  # today and around it are working days, whatever the date
                       "makeup_working_days": [(today + timedelta(days=d)).isoformat() for d in range(-3, 4)]}
    org["reporting"] = {"periods": ["Y"]}  # one progress period (year end), not due today
    for officer in org["officers"]:
        officer["delivery"] = "immediate"
    (tmp_path / "org.yaml").write_text(yaml.safe_dump(org, allow_unicode=True, sort_keys=False), encoding="utf-8")
    start = (now_local + timedelta(minutes=1)).strftime("%H:%M")
    review = {
        "plan": {"number": "99/KH-UBND", "title": "Kế hoạch thử nhắc việc", "issuer": "UBND xã Vĩnh Lập",
                 "year": today.year},
        "organisation": "org.yaml",
        "chasing": {"requires_confirmation": True,
                    "steps": [{"name": "due", "offset": 0, "kind": "due", "level": 0, "audience": ["lead"]}],
                    "repeat_every_days": 0, "day_start": start, "day_end": "23:00", "timezone": zone,
                    "spread_minutes": 1},
        "tasks": [{"code": "1.1", "area": "tthc", "title": TITLE, "lead": ["Công chức Tư pháp - Hộ tịch"],
                   "deadline": f"trước {today:%d/%m/%Y}"}],
    }
    path = tmp_path / "review.yaml"
    path.write_text(yaml.safe_dump(review, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _mails(data: Path) -> list:
    folder = data / "mail"
    return [message_from_bytes(p.read_bytes(), policy=default_policy) for p in sorted(folder.glob("*.eml"))] \
        if folder.exists() else []


def _body(mail) -> str:
    part = mail.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part is not None else ""


def test_activate_without_the_service_then_up_sends_the_reminder(tmp_path: Path) -> None:
    zone = noon_zone()
    now_local = datetime.now(UTC).astimezone(ZoneInfo(zone))
    assert 12 <= now_local.hour < 13  # the working day set below (start +1 min, until 23:00) fits
    review = _files(tmp_path, zone, now_local)
    data = tmp_path / "data"
    env = _env(data)

    check = subprocess.run([str(DONDOC), "plan", "check", str(review)], env=env, cwd=tmp_path,
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    activated = subprocess.run([str(DONDOC), "plan", "activate", str(review), "--yes"], env=env, cwd=tmp_path,
                               capture_output=True, text=True, timeout=180)
    assert activated.returncode == 0, activated.stdout + activated.stderr
    assert "Traceback" not in activated.stderr
    assert _mails(data) == []  # nothing is due yet, and nothing sends mail without the service

    log = (tmp_path / "up.log").open("w")
    up = subprocess.Popen([str(DONDOC), "up"], env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
                          start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        found = []
        while time.monotonic() < deadline and not found:
            assert up.poll() is None, (tmp_path / "up.log").read_text()
            found = [m for m in _mails(data) if TITLE in _body(m) or TITLE in str(m["Subject"])]
            time.sleep(2)
        output = (tmp_path / "up.log").read_text()
        assert found, "no reminder reached the catcher:\n" + output
        sent_at = datetime.now(ZoneInfo(zone))
        slot = now_local.replace(second=0, microsecond=0) + timedelta(minutes=1)
        assert sent_at >= slot  # it was due after the activation ended, with the service running
        assert "Traceback" not in output
    finally:
        os.killpg(up.pid, signal.SIGTERM)
        try:
            up.wait(timeout=60)
        except subprocess.TimeoutExpired:  # pragma: no cover - a hung shutdown
            os.killpg(up.pid, signal.SIGKILL)
            up.wait()
        log.close()
