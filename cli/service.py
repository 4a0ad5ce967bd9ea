"""``dondoc web``: the dashboard alone, for deployments that run it apart from the workers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

import typer

# This module's commands; cli.main merges them into the root `dondoc` command.
app = typer.Typer()



class PortBusy(RuntimeError):
    """A port dondoc must listen on is taken; the message names it and its setting (Vietnamese)."""


def check_ports(settings: Any) -> None:
    """Refuse to start when the web or mail-catcher port is taken.

    Raises:
        PortBusy: one line naming the port and the setting to change.
    """
    from runtime.devserver import port_is_free

    wanted = [(settings.web_host, settings.web_port, "bảng điều khiển web", "DONDOC_WEB_PORT")]
    if not settings.smtp_host:  # the local mail catcher runs only without a real SMTP server
        wanted.append((settings.catcher_host, settings.catcher_port, "hộp thư thử nghiệm (SMTP cục bộ)", "DONDOC_CATCHER_PORT"))
    for host, port, what, setting in wanted:
        if not port_is_free(port, host):
            raise PortBusy(
                f"Cổng {port} ({what}, {host}) đang được chương trình khác dùng: "
                f"hãy đặt {setting} sang cổng khác (vd. {setting}={port + 1} trong tệp .env) rồi chạy lại."
            )


@contextlib.contextmanager
def explain_failures() -> Iterator[None]:
    """Show a start-up failure as its one Vietnamese line and exit 2, never as a traceback."""
    from persistence.db import SchemaNotCurrent
    from runtime.dashboard import DashboardFailed
    from runtime.database import DatabaseProblem
    from runtime.devserver import AlreadyRunning, TemporalUnavailable

    try:
        yield
    except (PortBusy, AlreadyRunning, DatabaseProblem, TemporalUnavailable, SchemaNotCurrent,
            DashboardFailed) as error:
        typer.secho(str(error), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None


TEMPORAL_CHECK_SECONDS = 5.0


async def watch_temporal(client: Any, server: Any, console: Any, every: float = TEMPORAL_CHECK_SECONDS) -> None:
    """Print one Vietnamese line when Temporal is lost (and one when it is back).

    Without Temporal nothing is chased; the worker retries silently, so the operator
    must be told. ``server`` is the embedded DevServer this process runs, or None.
    """
    from runtime.devserver import _describe_namespace

    target = client.service_client.config.target_host
    lost = False
    while True:
        await asyncio.sleep(every)
        reason = None
        if server is not None and server.process is not None and server.process.poll() is not None:
            reason = (f"máy chủ Temporal nhúng đã dừng (mã {server.process.returncode}); "
                      "hãy dừng dondoc (Ctrl-C) rồi chạy lại 'dondoc up', nhật ký ở temporal.log của thư mục dữ liệu")
        else:
            try:
                await asyncio.wait_for(_describe_namespace(client, client.namespace), every)
            except Exception as error:  # noqa: BLE001 - any failure means "lost"
                reason = f"không kết nối được ({str(error).splitlines()[0][:120] if str(error) else type(error).__name__})"
        if reason and not lost:
            console.print(f"[red]Mất máy chủ Temporal tại {target}: {reason}. Việc đôn đốc tạm ngừng.[/red]",
                          highlight=False)
            lost = True
        elif not reason and lost:
            console.print(f"Đã kết nối lại máy chủ Temporal tại {target}; việc đôn đốc tiếp tục.")
            lost = False


@app.command("web")
def web_command(
    host: str = typer.Option(None, "--host", help="Địa chỉ lắng nghe (mặc định DONDOC_WEB_HOST)."),
    port: int = typer.Option(None, "--port", help="Cổng (mặc định DONDOC_WEB_PORT)."),
) -> None:
    """Chỉ chạy bảng điều khiển web (kèm /healthz và /metrics); worker chạy riêng bằng 'dondoc worker'."""
    from runtime.dashboard import run_dashboard
    from runtime.database import open_database
    from runtime.observability import configure_logging
    from settings import Settings

    settings = Settings()
    configure_logging(settings)
    with explain_failures():
        web_only = settings.model_copy(update={"smtp_host": "-", "web_host": host or settings.web_host,
                                               "web_port": port or settings.web_port})
        check_ports(web_only)  # the web alone: no mail catcher
        open_database(settings, create=True).dispose()  # only an empty database is created
    run_dashboard(host or settings.web_host, port or settings.web_port)


@app.command("dispatcher")
def dispatcher_command() -> None:
    """Chỉ chạy bộ gửi thông báo (outbox → SMTP); chạy nhiều bản song song vẫn an toàn."""
    from notifications.scheduler import start_dispatcher
    from runtime.database import open_database
    from runtime.observability import configure_logging
    from settings import Settings
    from worker import stop_on_signals

    settings = Settings()
    configure_logging(settings)
    with explain_failures():
        engine = open_database(settings)  # the dispatcher never creates a database

    async def run() -> None:
        stop = asyncio.Event()
        stop_on_signals(stop)
        dispatcher = await start_dispatcher(settings, engine)
        try:
            await stop.wait()
        finally:
            dispatcher.shutdown()

    asyncio.run(run())
