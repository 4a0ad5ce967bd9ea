"""``web.server.serve``: what ``dondoc up`` runs, on a real port, stopped by cancellation."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from pathlib import Path

import httpx

from domain.db import create_schema, make_engine
from settings import Settings
from web.server import serve


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_serve_answers_and_stops_on_cancel(tmp_path: Path) -> None:
    port = _free_port()
    settings = Settings(data_dir=tmp_path, web_port=port, base_url=f"http://127.0.0.1:{port}")
    engine = make_engine(settings.effective_database_url)
    create_schema(engine)
    task = asyncio.create_task(serve(settings, engine))
    try:
        async with httpx.AsyncClient(base_url=settings.base_url) as client:
            for _ in range(100):
                try:
                    response = await client.get("/login")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
            assert response.status_code == 200 and "Đăng nhập" in response.text
            assert (await client.get("/static/style.css")).status_code == 200
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    engine.dispose()
    assert task.done()
