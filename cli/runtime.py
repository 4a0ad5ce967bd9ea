"""``dondoc up``, ``dondoc worker``, ``dondoc simulate``: running the durable side of dondoc."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from persistence.models import Occurrence, OccurrenceStatus, Plan, PlanStatus, Task
from settings import Settings

# This module's commands; cli.main merges them into the root `dondoc` command.
app = typer.Typer()

err_console = Console(stderr=True)


@contextlib.asynccontextmanager
async def _services(settings: Settings, engine: Engine, console: Console) -> AsyncIterator[None]:
    """Start the services next to the worker (mail catcher, outbox dispatcher, dashboard); stop them on exit.

    The dashboard runs in its own process: in this one, rendering pages held the GIL and
    the event loop the worker's workflow tasks need (bench/bench_load.py).
    """
    from notifications.catcher import start_catcher
    from notifications.scheduler import start_dispatcher
    from runtime.dashboard import DashboardProcess, supervise_dashboard

    stoppers: list[Any] = []
    dashboard = DashboardProcess(settings)
    watcher: asyncio.Task | None = None
    try:
        if not settings.smtp_host:
            stoppers.append(await _maybe_await(start_catcher(settings)))
            console.print("Hộp thư thử nghiệm (SMTP cục bộ) đang chạy.")
        stoppers.append(await _maybe_await(start_dispatcher(settings, engine)))
        console.print("Bộ gửi thông báo (outbox) đang chạy.")
        dashboard.start()
        await dashboard.wait_ready()  # a taken port or a broken start: DashboardFailed, one Vietnamese line
        console.print(f"Bảng điều khiển: {settings.base_url}", highlight=False)
        watcher = asyncio.create_task(supervise_dashboard(
            dashboard, lambda line: console.print(f"[red]{line}[/red]", highlight=False)))
        yield
    finally:
        if watcher is not None:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await watcher
        await asyncio.to_thread(dashboard.stop)
        for stopper in reversed(stoppers):
            await _stop(stopper)


async def _maybe_await(value: Any) -> Any:
    return await value if asyncio.iscoroutine(value) else value


async def _stop(handle: Any) -> None:
    """Stop whatever a service's start function returned (callable, .stop(), .shutdown())."""
    if handle is None:
        return
    for name in ("stop", "shutdown", "close"):
        method = getattr(handle, name, None)
        if method is not None:
            await _maybe_await(method())
            return
    if callable(handle):
        await _maybe_await(handle())


def print_status(engine: Engine, console: Console, today: date | None = None) -> None:
    """A short Vietnamese status: active plans, tasks, open and overdue occurrences."""
    today = today or date.today()
    with Session(engine) as session:
        plans = session.exec(select(func.count()).select_from(Plan).where(Plan.status == PlanStatus.ACTIVE)).one()
        tasks = session.exec(select(func.count()).select_from(Task)).one()
        open_rows = session.exec(
            select(Occurrence, Task)
            .join(Task, Task.id == Occurrence.task_id)
            .where(Occurrence.status == OccurrenceStatus.OPEN)
            .order_by(Occurrence.due)
        ).all()
    overdue = sum(1 for occ, _ in open_rows if occ.effective_due < today)
    console.print(
        f"Đang theo dõi {plans} kế hoạch, {tasks} nhiệm vụ; "
        f"{len(open_rows)} kỳ chưa hoàn thành, trong đó {overdue} kỳ đã quá hạn."
    )
    upcoming = [(o, t) for o, t in open_rows if o.effective_due >= today][:8]
    if not upcoming:
        if not plans:
            console.print("Chưa có kế hoạch nào: chạy 'dondoc plan activate REVIEW.yaml' để bắt đầu.")
            _deadline_demo(console, today.year)
        return
    table = Table(title="Hạn sắp tới")
    table.add_column("Hạn")
    table.add_column("Nhiệm vụ")
    table.add_column("Kỳ")
    for occ, task in upcoming:
        table.add_row(f"{occ.effective_due:%d/%m/%Y}", f"{task.code} {task.title[:60]}", occ.period)
    console.print(table)


def _deadline_demo(console: Console, year: int) -> None:
    """Show how a few real deadline phrases expand, so a new user sees what dondoc reads."""
    from domain.calendar import WorkCalendar
    from domain.deadlines import expand, parse_deadline

    table = Table(title=f"Ví dụ cách đọc thời hạn (năm {year})")
    table.add_column("Thời hạn ghi trong kế hoạch")
    table.add_column("Các hạn")
    calendar = WorkCalendar()
    for text in (
        "theo Quý trước ngày 20 của tháng cuối Quý",
        f"trước 15/10/{year}",
        "cuối năm (chậm nhất 10 ngày sau khi kết thúc năm)",
    ):
        dues = expand(parse_deadline(text, year), year, calendar)
        table.add_row(text, ", ".join(f"{d.due:%d/%m/%Y}" for d in dues))
    console.print(table)


async def _up(settings: Settings, console: Console, demo: bool = False) -> None:
    from cli.service import check_ports, watch_temporal
    from runtime.activation import start_indicator_chases
    from runtime.database import open_database
    from runtime.devserver import DevServer, claim_service, temporal_client, waiting_message
    from runtime.observability import configure_logging, install_temporal_metrics
    from worker import build_worker, serve, stop_on_signals

    configure_logging(settings)
    check_ports(settings)  # a busy port: one line naming it and its setting, before anything starts
    service_lock = claim_service(settings)  # a second `dondoc up` on this data folder refuses at once
    try:
        install_temporal_metrics(settings)  # before the client connects: the SDK's runtime serves /metrics
        # Only an empty database is created; an older schema is refused, naming `dondoc db upgrade`.
        engine = open_database(settings, create=True)
        stop = asyncio.Event()
        stop_on_signals(stop)
        started: list[DevServer] = []
        async with temporal_client(settings, ui=True, on_start=started.append, owner="service",
                                   on_wait=lambda holder: console.print(waiting_message(holder))) as client:
            target = client.service_client.config.target_host
            where = f"máy chủ Temporal nhúng {target}" if started else f"Temporal tại {target}"
            console.print(f"dondoc đang chạy với {where}, cơ sở dữ liệu {settings.effective_database_url}.")
            if started and started[0].ui_port:
                console.print(f"Giao diện Temporal: http://{started[0].host}:{started[0].ui_port}")
            if demo:
                from demo.plans import load_demo

                await load_demo(settings, client, engine, console, date.today().year)
            watcher = asyncio.create_task(watch_temporal(client, started[0] if started else None, console))
            try:
                async with _services(settings, engine, console):
                    print_status(engine, console)
                    if demo:
                        from demo.plans import print_accounts

                        print_accounts(engine, settings, console)
                    await start_indicator_chases(client, settings, engine)  # plans activated before the chase existed
                    console.print("Nhấn Ctrl-C để dừng.")
                    await serve(build_worker(client, settings, engine), stop)
            finally:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
    finally:
        service_lock.release()
    console.print("Đã dừng dondoc.")


@app.command("up")
def up(
    demo: bool = typer.Option(False, "--demo", help="Nạp ba xã mẫu với kế hoạch thật, áp cho năm nay (nếu CSDL còn trống)."),
) -> None:
    """Chạy dondoc: máy chủ Temporal nhúng (nếu chưa đặt TEMPORAL_ADDRESS), worker và các dịch vụ."""
    from cli.service import explain_failures

    with explain_failures():
        asyncio.run(_up(Settings(), err_console, demo))


@app.command("worker")
def worker_command() -> None:
    """Chỉ chạy worker (tham gia TEMPORAL_ADDRESS hoặc máy chủ nhúng đang chạy)."""
    from worker import run_worker

    asyncio.run(run_worker(Settings()))


def activate_command(
    review: Path = typer.Argument(..., exists=True, dir_okay=False, help="Tệp rà soát (REVIEW.yaml) đã hết lỗi."),
    org: Path = typer.Option(None, "--org", exists=True, dir_okay=False, help="Tệp tổ chức (mặc định: tệp ghi trong tệp rà soát)."),
    concurrency: int = typer.Option(32, "--concurrency", min=1, max=500, help="Số lệnh khởi động gửi đồng thời."),
    grace: int = typer.Option(5, "--grace", min=0, max=60, help="Kỳ đã qua hạn khi kích hoạt: nhắc chủ trì với hạn bù chừng ấy ngày làm việc (0: giữ hạn cũ)."),
    yes: bool = typer.Option(False, "--yes", help="Đồng ý huỷ các nhiệm vụ không còn trong tệp rà soát."),
) -> None:
    """Lưu kế hoạch vào cơ sở dữ liệu và khởi động quy trình đôn đốc cho từng nhiệm vụ."""
    from runtime.activation import ActivationError, activate
    from runtime.catch_up import CatchUp
    from runtime.devserver import TemporalUnavailable

    settings = Settings()
    # Past periods are chased from the lead with a grace date; the browser offers per-period choices.
    catch_up = CatchUp(today=None, grace_days=grace, actor="cli") if grace else None
    try:
        report = asyncio.run(activate(review, org, settings, concurrency=concurrency, console=err_console,
                                      catch_up=catch_up, confirm_cancel=yes))
    except (ActivationError, TemporalUnavailable) as error:
        err_console.print(f"[red]{error}[/red]", highlight=False)
        raise typer.Exit(2) from None
    typer.echo(report.summary())


@app.command("simulate")
def simulate_command(
    review: Path = typer.Argument(..., exists=True, dir_okay=False, help="Tệp rà soát (REVIEW.yaml)."),
    year: int = typer.Option(..., "--year", "-y", help="Năm cần mô phỏng."),
    as_json: bool = typer.Option(False, "--json", help="In JSON thay cho bảng."),
    complete_on_time: float = typer.Option(
        0.7, "--complete-on-time", min=0.0, max=1.0,
        help="Tỉ lệ kỳ hoàn thành đúng hạn; phần còn lại chia đều trễ hạn / không hoàn thành."),
    seed: int = typer.Option(0, "--seed", help="Hạt giống ngẫu nhiên (cùng hạt giống → cùng kết quả)."),
    org: Path = typer.Option(None, "--org", exists=True, dir_okay=False, help="Tệp tổ chức (mặc định: tệp ghi trong tệp rà soát)."),
) -> None:
    """Chạy thử cả năm của kế hoạch trên máy chủ thử nghiệm tua nhanh thời gian và in lịch đôn đốc."""
    from runtime.activation import ActivationError
    from simulation.simulate import simulate
    from simulation.timeline import render

    try:
        result = asyncio.run(simulate(review, year, complete_on_time=complete_on_time, seed=seed, org_path=org))
    except ActivationError as error:
        err_console.print(f"[red]{error}[/red]", highlight=False)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
        return
    render(result.summary, Console(), result.names)



