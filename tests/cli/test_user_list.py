"""``dondoc user list``: people in Vietnamese alphabetical order of their given names."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from domain.text import vietnamese_sort_key

ORG = Path(__file__).resolve().parents[2] / "samples" / "org" / "vinh-lap.yaml"


def test_user_list_orders_names_as_vietnamese_dictionaries_do(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DONDOC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DONDOC_DATABASE_URL", raising=False)
    runner = CliRunner(env={"COLUMNS": "200", "TERMINAL_WIDTH": "200"})
    loaded = runner.invoke(app, ["org", "load", str(ORG)])
    assert loaded.exit_code == 0, loaded.output
    result = runner.invoke(app, ["user", "list"])
    assert result.exit_code == 0, result.output
    rows = [line.split("│")[1].strip() for line in result.output.splitlines()
            if line.startswith("│") and line.split("│")[1].strip()]
    names = [r for r in rows if r != "Họ tên"]
    assert len(names) >= 5
    assert names == sorted(names, key=lambda n: vietnamese_sort_key(n, given_name_first=True))
    assert "Tài khoản của UBND xã Vĩnh Lập" in result.output
