"""The two load benchmarks still run end to end on a tiny configuration (so they cannot rot).

Real parts: the benchmark scripts as subprocesses, each serving the real app under
uvicorn (the load benchmark: ``dondoc up --demo`` with the embedded Temporal server and
the worker). The figures are not checked (the machine is shared); the run must finish,
print a line per kind and see no error.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

# dondoc runs in a data folder of its own (SQLite) here: the PostgreSQL pass would repeat it.
pytestmark = pytest.mark.sqlite_pass_only

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, timeout: float) -> str:
    done = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert done.returncode in (0, 1), done.stdout + done.stderr  # 1: a target missed on this busy machine
    return done.stdout


def _errors(output: str) -> list[str]:
    return [line for line in output.splitlines() if re.search(r"(errors|lỗi)=[1-9]", line)]


def test_province_benchmark_runs_on_a_few_communes():
    out = _run("bench.bench_province", "--sqlite", "--communes", "3", "--tasks", "6", "--clients", "3",
               "--requests", "20", timeout=300)
    assert "Tỉnh: 3 xã × 6 nhiệm vụ; 72 kỳ báo cáo tiến độ" in out, out
    for name in ("tệp tĩnh", "trang tổng quan", "danh sách nhiệm vụ", "API /api/tasks?period=", "API tỉnh"):
        assert re.search(rf"{re.escape(name)}.* n=\s+20 ", out), (name, out)
    assert not _errors(out), out
    assert "Mục tiêu p95 < 100 ms" in out


def test_load_benchmark_runs_against_the_real_service():
    out = _run("bench.bench_load", "--clients", "4", "--seconds", "6", timeout=600)
    assert "3 xã" in out, out
    for kind in ("page", "api", "action"):
        assert re.search(rf"^\s+{kind}\s+n=\s*[1-9]", out, re.M), (kind, out)
    assert not _errors(out), out
    assert "Mục tiêu p95 < 1 s" in out
