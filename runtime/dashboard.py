"""Serving the dashboard (the ``web`` adapter) with uvicorn, by import string.

The web package is an adapter nothing imports: the services reach it only through
uvicorn's factory string, which builds the app from the same environment settings.
"""

from __future__ import annotations

import uvicorn

from settings import Settings

APP = "web.server:app_from_environment"


async def serve_dashboard(settings: Settings) -> None:
    """Run the dashboard on ``settings.web_host:web_port`` inside the caller's event loop, until cancelled."""
    config = uvicorn.Config(APP, factory=True, host=settings.web_host, port=settings.web_port,
                            log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # the caller owns SIGINT/SIGTERM
    print(f"Bảng điều khiển: {settings.base_url}", flush=True)
    await server.serve()


def run_dashboard(host: str, port: int) -> None:
    """Run the dashboard alone (``dondoc web``), behind a reverse proxy."""
    uvicorn.run(APP, factory=True, host=host, port=port, log_config=None, access_log=False,
                proxy_headers=True, forwarded_allow_ips="*")
