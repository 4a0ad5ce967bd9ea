"""``dondoc org check`` and ``dondoc org load`` through Typer's CliRunner."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select
from typer.testing import CliRunner

from cli.main import app
from persistence.db import make_engine
from persistence.models import Officer, Organisation, Unit
from tests.database import database_url

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "org"
runner = CliRunner()


def test_check_prints_a_vietnamese_summary():
    result = runner.invoke(app, ["org", "check", str(SAMPLES / "ngoc-lien.yaml")], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "hợp lệ" in out
    assert "UBND xã Ngọc Liên" in out and "xa-ngoc-lien" in out
    assert "Chủ tịch: Lê Thanh Sơn (lethanhson)" in out
    assert "Phó Chủ tịch: Phạm Văn Thắng (phamvanthang), Hà Thị Mỹ Duyên (hathimyduyen)" in out
    assert "Quách Thị Hương" in out
    assert "7 đơn vị" in out
    assert "9 người đang hoạt động" in out


def test_check_reports_errors_with_lines(tmp_path):
    path = tmp_path / "org.yaml"
    path.write_text(
        'organisation: {code: xa-thu, name: "UBND xã Thử"}\n'
        "units: [{code: vp, name: Văn phòng}]\n"
        "officers:\n"
        "  - {username: ct, name: Chủ Tịch, email: ct@thu.example, role: chairman, units: [vp]}\n"
        "  - {username: a, name: A, email: not-an-email}\n"
        "  - {username: b, name: B, email: b@thu.example, units: [kt]}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["org", "check", str(path)])
    assert result.exit_code == 2
    assert "có 2 lỗi" in result.stderr
    assert "dòng 5: officers[2].email: địa chỉ thư 'not-an-email' không hợp lệ" in result.stderr
    # Errors inside an entry and errors across entries are reported together.
    assert "dòng 6: officers[3].units[1]: đơn vị 'kt' không có trong danh sách units" in result.stderr
    missing = runner.invoke(app, ["org", "check", str(tmp_path / "none.yaml")])
    assert missing.exit_code == 2 and "không tìm thấy tệp" in missing.stderr


def test_check_warns_about_units_without_officers(tmp_path):
    path = tmp_path / "org.yaml"
    path.write_text(
        'organisation: {code: xa-thu, name: "UBND xã Thử"}\n'
        "units: [{code: vp, name: Văn phòng}, {code: kt, name: Kế toán}]\n"
        "officers: [{username: ct, name: Chủ Tịch, email: ct@thu.example, role: chairman, units: [vp]}]\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["org", "check", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "đơn vị chưa có người nhận nhắc việc: kt" in result.stdout


def test_load_syncs_into_the_database_from_settings(tmp_path):
    url = database_url(tmp_path / 'data' / 'dondoc.db')
    env = {"DONDOC_DATABASE_URL": url}
    sample = str(SAMPLES / "cam-xuyen.yaml")

    first = runner.invoke(app, ["org", "load", sample], env=env)
    assert first.exit_code == 0, first.output
    assert "Đã nạp UBND huyện Cẩm Xuyên" in first.stdout
    assert "thêm mới (28)" in first.stdout  # 1 organisation + 12 units + 15 officers

    second = runner.invoke(app, ["org", "load", sample], env=env)
    assert second.exit_code == 0, second.output
    assert "không có thay đổi" in second.stdout

    engine = make_engine(url)
    with Session(engine) as session:
        assert session.exec(select(Organisation.code)).all() == ["huyen-cam-xuyen"]
        assert len(session.exec(select(Unit)).all()) == 12
        assert len(session.exec(select(Officer)).all()) == 15
    engine.dispose()


def test_load_refuses_a_broken_file(tmp_path):
    path = tmp_path / "org.yaml"
    path.write_text("organisation: {code: x}\n", encoding="utf-8")
    url = database_url(tmp_path / 'dondoc.db')
    result = runner.invoke(app, ["org", "load", str(path)], env={"DONDOC_DATABASE_URL": url})
    assert result.exit_code == 2
    assert "dòng 1: organisation.name: thiếu trường bắt buộc" in result.stderr
    assert not (tmp_path / "dondoc.db").exists()
