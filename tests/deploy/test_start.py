"""Start-up failures are one Vietnamese line and a non-zero exit, never a traceback (issues 16.8, 17.2/3/10)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from runtime.devserver import SERVICE_LOCK_FILE, FolderLock, free_port

# dondoc runs in a data folder of its own (SQLite) here: the PostgreSQL pass would repeat it.
pytestmark = pytest.mark.sqlite_pass_only

DONDOC = Path(sys.executable).parent / "dondoc"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "DONDOC_DATA_DIR": str(tmp_path / "data"), "DONDOC_WEB_PORT": str(free_port()),
           "DONDOC_CATCHER_PORT": str(free_port()), "COLUMNS": "200"}
    for name in ("TEMPORAL_ADDRESS", "DONDOC_TEMPORAL_ADDRESS", "DATABASE_URL", "DONDOC_DATABASE_URL",
                 "DONDOC_SMTP_HOST"):
        env.pop(name, None)
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([str(DONDOC), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def _one_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in (result.stderr + result.stdout).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize("setting", ["DONDOC_WEB_PORT", "DONDOC_CATCHER_PORT"])
def test_up_on_a_busy_port_names_the_port_and_the_setting(tmp_path: Path, setting: str) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        line = _one_line(_run(["up"], _env(tmp_path, **{setting: str(port)}), tmp_path))
    assert f"Cổng {port}" in line and setting in line
    assert not (tmp_path / "data" / "temporal.db").exists()  # nothing was started


def test_a_second_up_on_the_same_data_folder_refuses_naming_the_first(tmp_path: Path) -> None:
    first = FolderLock(tmp_path / "data" / SERVICE_LOCK_FILE)  # as the running `dondoc up` holds it
    assert first.try_acquire(kind="up")
    try:
        line = _one_line(_run(["up"], _env(tmp_path), tmp_path, timeout=30))
    finally:
        first.release()
    assert f"PID {os.getpid()}" in line and "dondoc đã chạy" in line


def test_up_with_an_unreachable_temporal_address(tmp_path: Path) -> None:
    address = f"127.0.0.1:{free_port()}"
    line = _one_line(_run(["up"], _env(tmp_path, TEMPORAL_ADDRESS=address), tmp_path))
    assert address in line and "TEMPORAL_ADDRESS" in line


def test_up_on_a_data_folder_that_cannot_be_written(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")  # the data folder's parent is a file: nothing can be created there
    line = _one_line(_run(["up"], _env(tmp_path, DONDOC_DATA_DIR=str(blocker / "data")), tmp_path))
    assert "thư mục dữ liệu" in line and "DONDOC_DATA_DIR" in line


def test_a_command_outside_the_data_folder_creates_no_database(tmp_path: Path) -> None:
    env = _env(tmp_path)
    env.pop("DONDOC_DATA_DIR")
    result = _run(["status"], env, tmp_path)
    line = _one_line(result)
    assert str(tmp_path / "data" / "dondoc.db") in line and "DONDOC_DATA_DIR" in line
    assert not (tmp_path / "data" / "dondoc.db").exists()
