"""``runtime.dashboard.serve_dashboard``: what ``dondoc up`` runs, on a real port, stopped by cancellation."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from pathlib import Path

import httpx
import pytest

from persistence.db import create_schema, make_engine
from runtime.dashboard import serve_dashboard
from settings import Settings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_serve_answers_and_stops_on_cancel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    port = _free_port()
    # The dashboard is built from the environment (uvicorn's factory), as in `dondoc up`.
    monkeypatch.setenv("DONDOC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DONDOC_WEB_PORT", str(port))
    monkeypatch.setenv("DONDOC_BASE_URL", f"http://127.0.0.1:{port}")
    settings = Settings()
    assert settings.web_port == port and settings.data_dir == tmp_path
    engine = make_engine(settings.effective_database_url)
    create_schema(engine)
    task = asyncio.create_task(serve_dashboard(settings))
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
