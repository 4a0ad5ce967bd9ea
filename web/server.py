"""Serving the dashboard with uvicorn inside dondoc's event loop (``dondoc up``)."""

from __future__ import annotations

import uvicorn
from sqlalchemy.engine import Engine

from settings import Settings
from web.app import create_app


def temporal_factory(settings: Settings):
    """A factory joining the Temporal server that ``dondoc up`` runs or ``TEMPORAL_ADDRESS`` names."""

    async def factory():
        from runtime.devserver import connect

        return await connect(settings)

    return factory


async def serve(settings: Settings, engine: Engine) -> None:
    """Run the dashboard on ``settings.web_host:web_port`` until cancelled."""
    app = create_app(settings, engine, temporal_factory(settings))
    config = uvicorn.Config(app, host=settings.web_host, port=settings.web_port, log_level="warning",
                            access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # the caller owns SIGINT/SIGTERM
    print(f"Bảng điều khiển: {settings.base_url}", flush=True)
    await server.serve()
