"""``dondoc deadline``: show how a deadline phrase expands for a plan year."""

from __future__ import annotations

import json
from datetime import date

import typer
from rich.console import Console
from rich.table import Table

from domain.calendar import Shift, WorkCalendar
from domain.deadlines import DeadlineError, DueDate, expand, parse_deadline

# This module's commands; cli.main merges them into the root `dondoc` command.
app = typer.Typer()

_SHIFT_HELP = "Hạn rơi vào ngày nghỉ: next = ngày làm việc kế tiếp (Điều 148 BLDS), previous, none."


def _as_json(occurrences: list[DueDate]) -> list[dict[str, str]]:
    return [
        {"period": o.period, "nominal": o.nominal.isoformat(), "due": o.due.isoformat()}
        for o in occurrences
    ]


@app.command("deadline")
def deadline(
    expression: str = typer.Argument(..., help="Thời hạn như ghi trong kế hoạch."),
    year: int = typer.Option(None, "--year", "-y", help="Năm kế hoạch (mặc định: năm nay)."),
    as_json: bool = typer.Option(False, "--json", help="In JSON thay cho bảng."),
    shift: Shift = typer.Option(Shift.NEXT, "--shift", help=_SHIFT_HELP),
) -> None:
    """Tính các kỳ và hạn của một thời hạn ghi trong kế hoạch."""
    year = year or date.today().year
    try:
        schedule = parse_deadline(expression, year)
    except DeadlineError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None
    occurrences = expand(schedule, year, WorkCalendar(), shift)

    if as_json:
        payload: object = {"kind": "continuous"} if schedule.kind == "continuous" else _as_json(occurrences)
        typer.echo(json.dumps(payload, ensure_ascii=False))
        return

    console = Console()
    if schedule.kind == "continuous":
        console.print(f"“{expression}”: nhiệm vụ thường xuyên, không có hạn cụ thể.")
        return
    console.print(f"Thời hạn “{expression}”, năm kế hoạch {year}:")
    table = Table()
    table.add_column("Kỳ")
    table.add_column("Ngày ghi")
    table.add_column("Hạn")
    for o in occurrences:
        due = f"{o.due:%d/%m/%Y}" if o.due == o.nominal else f"[bold]{o.due:%d/%m/%Y}[/bold]"
        table.add_row(o.period, f"{o.nominal:%d/%m/%Y}", due)
    console.print(table)
    if schedule.repeats_yearly:
        console.print("Lặp lại hằng năm.")
