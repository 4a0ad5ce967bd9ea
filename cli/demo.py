"""``dondoc demo remove``: delete what ``dondoc up --demo`` loaded, before a commune goes live.

The demo's organisations are the ones in ``samples/org`` whose every plan was activated
from a review file the demo wrote into ``<data folder>/demo/``. An organisation with
any other plan (or none) was loaded by a person and is never touched.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import typer
import yaml
from rich.console import Console
from sqlalchemy import Table, delete, or_, select as sa_select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from persistence.models import Organisation, Plan, Task
from settings import Settings

# This module's commands; cli.main merges them into the root `dondoc` command.
app = typer.Typer()

SAMPLE_ORGS = Path(__file__).resolve().parents[1] / "samples" / "org"

demo_app = typer.Typer(help="Dữ liệu demo (ba đơn vị mẫu do 'dondoc up --demo' nạp).", no_args_is_help=True)
app.add_typer(demo_app, name="demo")
console = Console()
err = Console(stderr=True)


@dataclass
class DemoOrganisation:
    """One organisation of ``samples/org`` found in the database, and whether the demo created it."""

    id: int
    code: str
    name: str
    plans: int
    workflow_ids: list[str] = field(default_factory=list)
    foreign_plans: list[str] = field(default_factory=list)  # plans not activated by the demo
    review_files: list[Path] = field(default_factory=list)  # the demo's review files of its plans

    @property
    def from_demo(self) -> bool:
        return self.plans > 0 and not self.foreign_plans


def sample_codes(folder: Path = SAMPLE_ORGS) -> set[str]:
    """The organisation codes of the sample organisation files (what the demo loads)."""
    codes = set()
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        code = (data.get("organisation") or {}).get("code")
        if code:
            codes.add(str(code))
    return codes


def _is_demo_review(source_file: str | None, demo_folder: Path) -> bool:
    if not source_file:
        return False
    return Path(source_file).resolve().parent == demo_folder


def find_demo_organisations(engine: Engine, settings: Settings, codes: set[str]) -> list[DemoOrganisation]:
    """The sample organisations in the database, each with what the demo did and did not create."""
    demo_folder = (Path(settings.data_dir) / "demo").resolve()
    found = []
    with Session(engine) as session:
        for org in session.exec(select(Organisation).where(Organisation.code.in_(sorted(codes))).order_by(Organisation.name)):
            plans = list(session.exec(select(Plan).where(Plan.organisation_id == org.id)))
            entry = DemoOrganisation(org.id, org.code, org.name, len(plans))
            entry.foreign_plans = [p.number or p.title for p in plans if not _is_demo_review(p.source_file, demo_folder)]
            entry.review_files = [Path(p.source_file) for p in plans if _is_demo_review(p.source_file, demo_folder)]
            entry.workflow_ids = [w for w in session.exec(
                select(Task.workflow_id).where(Task.organisation_id == org.id, Task.workflow_id.is_not(None)))]
            found.append(entry)
    return found


def _owned(table: Table, org_id: int, depth: int = 0):
    """A WHERE clause selecting the rows of ``table`` that belong to organisation ``org_id``.

    Tables with ``organisation_id`` say so themselves; link tables without it (officer ↔
    unit, web sessions) belong through a foreign key to a table that has it.
    """
    if table.name == "organisation":
        return table.c.id == org_id
    if "organisation_id" in table.c:
        return table.c.organisation_id == org_id
    clauses = []
    for fk in table.foreign_keys:
        parent = fk.column.table
        if depth < 3 and parent is not table:
            inner = _owned(parent, org_id, depth + 1)
            if inner is not None:
                clauses.append(fk.parent.in_(sa_select(fk.column).where(inner)))
    return or_(*clauses) if clauses else None


def delete_organisation(engine: Engine, org_id: int) -> dict[str, int]:
    """Delete every row of organisation ``org_id`` (children before parents); counts per table."""
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        organisation = SQLModel.metadata.tables["organisation"]
        # A province's communes would point at a removed organisation: they lose the link only.
        conn.execute(update(organisation).where(organisation.c.parent_id == org_id).values(parent_id=None))
        for table in reversed(SQLModel.metadata.sorted_tables):
            clause = _owned(table, org_id)
            if clause is None:
                continue
            result = conn.execute(delete(table).where(clause))
            if result.rowcount:
                counts[table.name] = result.rowcount
    return counts


async def _terminate(settings: Settings, workflow_ids: list[str]) -> int:
    """Terminate the demo's task workflows (those already closed are skipped); how many were running."""
    from temporalio.service import RPCError

    from runtime.devserver import temporal_client

    stopped = 0
    async with temporal_client(settings, ui=False, announce=False) as client:
        for workflow_id in workflow_ids:
            try:
                await client.get_workflow_handle(workflow_id).terminate(reason="Xoá dữ liệu demo")
                stopped += 1
            except RPCError:  # not found or already closed
                pass
    return stopped


TABLE_LABELS = {"plan": "kế hoạch", "task": "nhiệm vụ", "occurrence": "kỳ", "event": "sự kiện",
                "notification": "thông báo", "officer": "tài khoản", "progressupdate": "báo cáo tiến độ",
                "unit": "đơn vị"}


@demo_app.command("remove")
def remove_command(
    org: list[str] = typer.Option(None, "--org", help="Chỉ xoá đơn vị mẫu này (mã, vd. xa-vinh-lap); có thể lặp lại."),
    yes: bool = typer.Option(False, "--yes", help="Đồng ý xoá (không có thì chỉ liệt kê những gì sẽ xoá)."),
) -> None:
    """Xoá dữ liệu demo: kế hoạch, nhiệm vụ, kỳ, sự kiện, thông báo, tài khoản của các đơn vị mẫu."""
    from cli.status import _engine
    from runtime.devserver import TemporalUnavailable

    settings = Settings()
    engine = _engine(settings)
    codes = sample_codes()
    unknown = [code for code in org or [] if code not in codes]
    if unknown:
        err.print(f"[red]Đơn vị {', '.join(unknown)} không phải đơn vị mẫu của bản demo "
                  f"({', '.join(sorted(codes))}): không xoá.[/red]", highlight=False)
        raise typer.Exit(1)
    found = find_demo_organisations(engine, settings, set(org) if org else codes)
    refused = [o for o in found if not o.from_demo]
    for entry in refused:
        why = (f"có kế hoạch không do bản demo nạp ({', '.join(entry.foreign_plans[:3])})" if entry.foreign_plans
               else "chưa có kế hoạch nào do bản demo nạp")
        err.print(f"[yellow]Không xoá {entry.name} ({entry.code}): đơn vị này {why}.[/yellow]", highlight=False)
    if org and refused:
        raise typer.Exit(1)
    targets = [o for o in found if o.from_demo]
    if not targets:
        console.print(f"Không có dữ liệu demo nào trong {settings.effective_database_url}.", highlight=False)
        return
    for entry in targets:
        console.print(f"Dữ liệu demo: {entry.name} ({entry.code}) — {entry.plans} kế hoạch, "
                      f"{len(entry.workflow_ids)} quy trình đôn đốc.", highlight=False)
    if not yes:
        err.print("Chưa xoá gì: chạy lại với --yes để xoá những đơn vị trên.")
        raise typer.Exit(1)
    try:
        stopped = asyncio.run(_terminate(settings, [w for o in targets for w in o.workflow_ids]))
    except TemporalUnavailable as error:
        err.print(f"[red]{error}[/red]", highlight=False)
        raise typer.Exit(2) from None
    for entry in targets:
        counts = delete_organisation(engine, entry.id)
        detail = ", ".join(f"{n} {TABLE_LABELS.get(t, t)}" for t, n in counts.items() if t in TABLE_LABELS)
        console.print(f"Đã xoá {entry.name} ({entry.code}): {detail}.", highlight=False)
        for review in entry.review_files:
            review.unlink(missing_ok=True)
    console.print(f"Đã dừng {stopped} quy trình đôn đốc của bản demo.")
