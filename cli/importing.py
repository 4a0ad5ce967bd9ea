"""``dondoc import FILE``: read a plan document and write its review file (or JSON)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

# This module's commands; cli.main merges them into the root `dondoc` command.
app = typer.Typer()


# Documents above this size take long enough to deserve a spinner (on stderr).
_LONG_WORK_BYTES = 300_000


@app.command("import")
def import_command(
    file: Path = typer.Argument(..., help="Văn bản kế hoạch: .txt, .docx, .pdf hoặc phụ lục .xlsx."),
    year: Optional[int] = typer.Option(None, "--year", help="Năm thực hiện (áp kế hoạch năm trước cho năm này)."),
    org: Optional[Path] = typer.Option(None, "--org", help="Tệp tổ chức (YAML) để đối chiếu tên đơn vị."),
    as_json: bool = typer.Option(False, "--json", help="In kết quả dạng JSON ra stdout."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Tệp rà soát (YAML) sẽ ghi."),
) -> None:
    """Đọc văn bản kế hoạch, trích xuất nhiệm vụ và ghi tệp rà soát."""
    from domain.organisation import OrganisationError, load_organisation
    from ingest.errors import IngestError
    from ingest.importer import import_plan
    from ingest.review import write_review

    # soft_wrap: a path or a message is never cut by the terminal width.
    err = Console(stderr=True, soft_wrap=True)
    out = Console(soft_wrap=True)
    org_config = None
    if org is not None:
        try:
            org_config = load_organisation(org)
        except OrganisationError as error:
            err.print(f"[red]Lỗi tệp tổ chức:[/red] {error}", markup=True, highlight=False)
            raise typer.Exit(2) from None
    try:
        big = file.is_file() and file.stat().st_size > _LONG_WORK_BYTES
        if big:
            with err.status(f"Đang đọc {file.name}..."):
                result = import_plan(file, year=year, org=org_config, org_path=org)
        else:
            result = import_plan(file, year=year, org=org_config, org_path=org)
    except IngestError as error:
        err.print(f"[red]Không nhập được kế hoạch:[/red] {error}", highlight=False)
        raise typer.Exit(2) from None

    target = output
    if target is None and not as_json:
        target = Path.cwd() / f"{file.stem}.review.yaml"
    if target is not None:
        try:
            write_review(result, target)
        except OSError as error:
            err.print(f"[red]Không ghi được tệp rà soát {target}:[/red] {error}", highlight=False)
            raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return
    counts: dict[str, int] = {}
    for item in result.tasks:
        counts[item.task.area if item.task.kind == "task" else "báo cáo"] = counts.get(
            item.task.area if item.task.kind == "task" else "báo cáo", 0) + 1
    out.print(
        f"{result.meta.title or file.name} ({result.meta.issuer or '?'}), năm {result.year}: "
        f"{len(result.tasks)} nhiệm vụ, {len(result.indicators)} chỉ tiêu, {len(result.warnings)} cảnh báo.",
        highlight=False,
    )
    out.print("  " + ", ".join(f"{k}: {v}" for k, v in counts.items()), highlight=False)
    out.print(f"Đã ghi tệp rà soát: {target}\nRà soát rồi kiểm tra: dondoc plan check {target}", highlight=False)
