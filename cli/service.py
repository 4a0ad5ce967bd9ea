"""``dondoc web``: the dashboard alone, for deployments that run it apart from the workers."""

from __future__ import annotations

import typer

from cli.main import app


@app.command("web")
def web_command(
    host: str = typer.Option(None, "--host", help="Địa chỉ lắng nghe (mặc định DONDOC_WEB_HOST)."),
    port: int = typer.Option(None, "--port", help="Cổng (mặc định DONDOC_WEB_PORT)."),
) -> None:
    """Chỉ chạy bảng điều khiển web (kèm /healthz và /metrics); worker chạy riêng bằng 'dondoc worker'."""
    import uvicorn

    from domain.db import create_schema, ensure_schema_current, make_engine
    from runtime.observability import configure_logging
    from settings import Settings
    from web.app import create_app
    from web.server import temporal_factory

    settings = Settings()
    configure_logging(settings)
    engine = make_engine(settings.effective_database_url)
    create_schema(engine)  # only an empty database is created; an existing one is never changed here
    ensure_schema_current(engine)
    application = create_app(settings, engine, temporal_factory(settings))
    uvicorn.run(application, host=host or settings.web_host, port=port or settings.web_port,
                log_config=None, access_log=False, proxy_headers=True, forwarded_allow_ips="*")


@app.command("dispatcher")
def dispatcher_command() -> None:
    """Chỉ chạy bộ gửi thông báo (outbox → SMTP); chạy nhiều bản song song vẫn an toàn."""
    import asyncio

    from domain.db import create_schema, ensure_schema_current, make_engine
    from notifications.scheduler import start_dispatcher
    from runtime.observability import configure_logging
    from settings import Settings
    from worker import stop_on_signals

    settings = Settings()
    configure_logging(settings)
    engine = make_engine(settings.effective_database_url)
    create_schema(engine)
    ensure_schema_current(engine)

    async def run() -> None:
        stop = asyncio.Event()
        stop_on_signals(stop)
        dispatcher = await start_dispatcher(settings, engine)
        try:
            await stop.wait()
        finally:
            dispatcher.shutdown()

    asyncio.run(run())
