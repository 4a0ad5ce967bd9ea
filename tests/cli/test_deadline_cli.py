"""``dondoc deadline``: CliRunner for the details, one real subprocess end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()
QUARTERLY = "theo Quý trước ngày 20 của tháng cuối Quý"
DONDOC = Path(sys.executable).with_name("dondoc")


def test_json_quarterly_2026():
    result = runner.invoke(app, ["deadline", QUARTERLY, "--year", "2026", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [row["due"] for row in data] == ["2026-03-20", "2026-06-22", "2026-09-21", "2026-12-21"]
    assert [row["nominal"] for row in data] == ["2026-03-20", "2026-06-20", "2026-09-20", "2026-12-20"]
    assert data[1]["period"] == "Quý II/2026"
    assert all(set(row) == {"period", "nominal", "due"} for row in data)


def test_json_continuous():
    result = runner.invoke(app, ["deadline", "thường xuyên (trong năm 2023)", "--year", "2023", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"kind": "continuous"}


def test_json_spills_into_next_year():
    result = runner.invoke(app, ["deadline", "cuối năm (chậm nhất 10 ngày sau khi kết thúc năm)", "-y", "2026", "--json"])
    assert json.loads(result.stdout) == [{"period": "Năm 2026", "nominal": "2027-01-10", "due": "2027-01-11"}]


def test_shift_option():
    result = runner.invoke(app, ["deadline", "trước ngày 17/02/2026", "--year", "2026", "--json", "--shift", "previous"])
    assert json.loads(result.stdout)[0]["due"] == "2026-02-13"


def test_table_in_vietnamese():
    result = runner.invoke(app, ["deadline", QUARTERLY, "--year", "2026"])
    assert result.exit_code == 0
    for text in ("Kỳ", "Ngày ghi", "Hạn", "Quý II/2026", "20/06/2026", "22/06/2026", "21/12/2026"):
        assert text in result.stdout
    assert "2026-06-22" not in result.stdout


def test_table_continuous():
    result = runner.invoke(app, ["deadline", "thường xuyên", "--year", "2026"])
    assert result.exit_code == 0
    assert "thường xuyên" in result.stdout


def test_not_understood_exits_2_naming_the_text():
    result = runner.invoke(app, ["deadline", "khi nào xong thì báo", "--year", "2026", "--json"])
    assert result.exit_code == 2
    assert 'Không hiểu thời hạn: "khi nào xong thì báo"' in result.stderr
    assert result.stdout == ""


def test_real_subprocess():
    done = subprocess.run(
        [str(DONDOC), "deadline", QUARTERLY, "--year", "2026", "--json"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert [row["due"] for row in json.loads(done.stdout)] == [
        "2026-03-20", "2026-06-22", "2026-09-21", "2026-12-21",
    ]
    bad = subprocess.run(
        [str(DONDOC), "deadline", "sớm nhất có thể", "--year", "2026"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert bad.returncode == 2
    assert '"sớm nhất có thể"' in bad.stderr
