"""Fixtures of the integration tests: the real Temporal dev server and worker processes.

Every process a test starts is killed in a ``finally`` (the dev server also dies with
pytest: it is started with PR_SET_PDEATHSIG). Waits are bounded so that a hang fails
the test instead of blocking CI.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from runtime.devserver import DevServer, free_port
from runtime.worker_process import WorkerProcess


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def dev_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[DevServer]:
    """One dev server shared by the tests that do not kill it (each uses its own plan and queue)."""
    root = tmp_path_factory.mktemp("temporal")
    server = DevServer(db_file=root / "temporal.db", port=free_port())
    server.start()
    try:
        await server.wait_ready(timeout=30)
        yield server
    finally:
        server.stop(timeout=5)


@pytest.fixture
def worker_processes(tmp_path: Path) -> Iterator[list[WorkerProcess]]:
    """A list the test appends its worker processes to; all are SIGKILLed at the end."""
    workers: list[WorkerProcess] = []
    try:
        yield workers
    finally:
        for worker in workers:
            worker.kill()
        for worker in workers:
            log = worker.log_file
            if log is not None and log.exists():
                text = log.read_text(errors="replace")
                if "Traceback" in text:
                    print(f"--- {log.name} ---\n{text[-4000:]}")
