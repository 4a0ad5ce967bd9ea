"""``dondoc plan list`` and ``dondoc user list`` on a real SQLite file."""

from __future__ import annotations

from cli.main import app
from tests.web.test_cli import cli_env, runner  # noqa: F401


def test_plan_list_names_plans_by_number(cli_env) -> None:  # noqa: F811
    result = runner.invoke(app, ["plan", "list", "--org", "xa-mau"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "01/KH-UBND" in result.output and "2026" in result.output and "đang theo dõi" in result.output
    assert "12" in result.output  # the task count


def test_user_list_shows_names_roles_units(cli_env) -> None:  # noqa: F811
    result = runner.invoke(app, ["user", "list", "--org", "xa-mau"], env={"COLUMNS": "220"})
    assert result.exit_code == 0, result.output
    assert "Nguyễn Văn Phong" in result.output and "vanphong" in result.output
    assert "Công chức Văn phòng - Thống kê" in result.output and "Chủ tịch" in result.output
