"""/healthz tells when nothing is being chased: Temporal lost, no worker polling, database not writable (issue 17 item 2)."""

from __future__ import annotations

import asyncio
import sqlite3
import warnings
from pathlib import Path

from persistence.db import create_schema, make_engine
from runtime.devserver import DevServer, free_port
from settings import Settings

warnings.filterwarnings("ignore", message=".*httpx2.*")
from fastapi.testclient import TestClient  # noqa: E402


def _app(tmp_path: Path, factory, url: str | None = None, queue: str = "dondoc-health"):
    from web.app import create_app

    settings = Settings(data_dir=tmp_path, task_queue=queue, database_url=url)
    engine = make_engine(settings.effective_database_url)
    if url is None:
        create_schema(engine)
    return TestClient(create_app(settings, engine, factory), base_url="http://127.0.0.1"), settings, engine


def test_healthz_is_503_when_temporal_is_unreachable(tmp_path: Path) -> None:
    from runtime.devserver import connect_address

    address = f"127.0.0.1:{free_port()}"
    client, _, _ = _app(tmp_path, lambda: connect_address(address, "default", timeout=2))
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["temporal"] == "unreachable" and "Temporal" in body["detail"] and body["database"] == "ok"


def test_healthz_needs_a_worker_polling(tmp_path: Path) -> None:
    from worker import build_worker

    server = DevServer(db_file=tmp_path / "temporal.db", port=free_port())
    server.start()
    try:
        async def scenario() -> None:
            temporal = await server.wait_ready(timeout=30)

            async def factory():
                return temporal

            client, settings, engine = _app(tmp_path, factory)
            response = await asyncio.to_thread(client.get, "/healthz")
            assert response.status_code == 503 and response.json()["worker"] == "not polling"
            async with build_worker(temporal, settings, engine):
                for _ in range(50):
                    response = await asyncio.to_thread(client.get, "/healthz")
                    if response.status_code == 200:
                        break
                    await asyncio.sleep(0.2)
                assert response.status_code == 200, response.json()
                assert response.json()["worker"] == "polling" and response.json()["temporal"] == "ok"

        asyncio.run(scenario())
    finally:
        server.stop(timeout=5)


def test_healthz_is_503_when_the_database_takes_no_write(tmp_path: Path) -> None:
    path = tmp_path / "dondoc.db"
    engine = make_engine(f"sqlite:///{path}")
    create_schema(engine)
    engine.dispose()
    # Read-only as a full or read-only data folder makes it (chmod does not stop root, mode=ro does).
    url = f"sqlite:///file:{path}?mode=ro&uri=true"
    client, _, _ = _app(tmp_path, None, url=url)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "read-only" and "không ghi được" in response.json()["detail"]
    assert sqlite3.connect(path).execute("select count(*) from alembic_version").fetchone()[0] == 1
