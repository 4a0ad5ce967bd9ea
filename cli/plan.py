"""``dondoc plan``: check, activate and list plans (the last two live beside what they run)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

plan_app = typer.Typer(help="Kế hoạch: nhập, rà soát, kích hoạt.", no_args_is_help=True)


@plan_app.command("check")
def check_command(
    file: Path = typer.Argument(..., help="Tệp rà soát (YAML) do `dondoc import` tạo."),
    org: Optional[Path] = typer.Option(None, "--org", help="Tệp tổ chức (mặc định: tệp ghi trong tệp rà soát)."),
) -> None:
    """Kiểm tra tệp rà soát; báo mọi lỗi kèm số dòng."""
    from rich.console import Console

    from ingest.review import check_review
    from ingest.review_edit import unresolved_warnings

    console = Console(stderr=True, soft_wrap=True)
    review, problems = check_review(file, org)
    errors = [p for p in problems if p.severity == "error"]
    for problem in problems:
        label = "[red]Lỗi[/red]" if problem.severity == "error" else "[yellow]Lưu ý[/yellow]"
        console.print(f"{file}:{problem.line or ''} {label} {problem}", highlight=False)
    if errors or review is None:
        console.print(f"[red]{len(errors) or len(problems)} lỗi: chưa thể kích hoạt kế hoạch.[/red]")
        raise typer.Exit(1)
    typer.echo(f"Tệp rà soát hợp lệ: {len(review.tasks)} nhiệm vụ, năm {review.plan.year}.")
    # The importer's warnings stay listed until the reviewer removes them (browser: "Đã xem").
    typer.echo(f"Cảnh báo chưa xử lý: {unresolved_warnings(file)}.")


def _add_commands_of_other_modules() -> None:
    """``plan activate`` (cli.runtime: it starts workflows) and ``plan list`` (cli.accounts)."""
    from cli.accounts import plan_list
    from cli.runtime import activate_command

    plan_app.command("activate")(activate_command)
    plan_app.command("list")(plan_list)


_add_commands_of_other_modules()
