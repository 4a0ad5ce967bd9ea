"""``dondoc import`` and ``dondoc plan check`` through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app

SEEDS = Path(__file__).resolve().parents[1] / "ingest" / "seeds"
ORGS = Path(__file__).resolve().parents[2] / "samples" / "org"


def _runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)
    except TypeError:  # click >= 8.2 always separates stderr
        return CliRunner()


def test_import_json_is_exactly_plan_tasks_warnings() -> None:
    result = _runner().invoke(app, ["import", str(SEEDS / "cam-xuyen-2021.txt"), "--json", "--org", str(ORGS / "cam-xuyen.yaml")])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"plan", "tasks", "warnings"}
    assert data["plan"]["issuer"] == "UBND huyện Cẩm Xuyên" and data["plan"]["year"] == 2021
    task = data["tasks"][0]
    assert set(task) == {"code", "area", "title", "lead", "coordinators", "deadline", "product", "source"}
    assert set(task["deadline"]) == {"text", "due"} and set(task["source"]) == {"line_start", "line_end"}
    report = next(t for t in data["tasks"] if t["deadline"]["text"] == "định kỳ hàng qúy, 6 tháng, năm")
    assert report["deadline"]["due"] == ["2021-03-31", "2021-06-30", "2021-09-30", "2021-12-31"]
    assert isinstance(data["warnings"], list) and data["warnings"]


def test_import_year_rebases_and_continuous_duties_have_no_dates(tmp_path: Path) -> None:
    out = tmp_path / "vl.yaml"
    result = _runner().invoke(app, ["import", str(SEEDS / "ngoc-lien-2025.txt"), "--year", "2026", "--json", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["plan"]["year"], data["plan"]["source_year"]) == (2026, 2025)
    dues = {tuple(t["deadline"]["due"]) for t in data["tasks"] if t["deadline"]["text"] == "trước 15/10/2025"}
    assert dues == {("2026-10-15",)}
    assert out.is_file()  # -o with --json writes the review file too


def test_import_writes_review_then_check_passes_and_catches_edits(tmp_path: Path) -> None:
    runner = _runner()
    out = tmp_path / "review.yaml"
    result = runner.invoke(app, ["import", str(SEEDS / "ngoc-lien-2025.txt"), "--org", str(ORGS / "ngoc-lien.yaml"), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert "52 nhiệm vụ" in result.stdout
    checked = runner.invoke(app, ["plan", "check", str(out)])
    assert checked.exit_code == 0, checked.stderr
    assert "hợp lệ" in checked.stdout

    out.write_text(out.read_text(encoding="utf-8").replace('deadline: "trước 15/10/2025"', 'deadline: "sớm"', 1), encoding="utf-8")
    checked = runner.invoke(app, ["plan", "check", str(out)])
    assert checked.exit_code == 1
    assert "sớm" in checked.stderr and "dòng" in checked.stderr


def test_bad_inputs_exit_non_zero_and_write_nothing(tmp_path: Path) -> None:
    runner = _runner()
    cases = {
        "empty.txt": b"",
        "scan.pdf": b"%PDF-1.4\n%%EOF",
        "broken.docx": b"PK\x03\x04 broken",
        "notes.txt": "Ghi chú họp chi bộ năm 2024.\nKhông có gì thêm.\n".encode(),
        "plan.rtf": b"{\\rtf1}",
    }
    for name, content in cases.items():
        source = tmp_path / name
        source.write_bytes(content)
        out = tmp_path / f"{name}.review.yaml"
        result = runner.invoke(app, ["import", str(source), "-o", str(out)])
        assert result.exit_code == 2, (name, result.stdout)
        assert "Không nhập được kế hoạch" in result.stderr, name
        assert not out.exists(), name
        assert result.stdout == ""
