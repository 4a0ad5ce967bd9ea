"""Crashes on the real dev server: SIGKILL the worker, the dev server, one of two workers.

Each test activates a plan of overdue tasks (see ``support``: the due actions cannot
change while the test runs), lets worker processes (``python -m worker``, the real
entry point) work on it, kills something with SIGKILL once some but not all
notifications are in the outbox, recovers, and checks that every notification the
policy asks for is in the outbox exactly once, nothing else is, each action has one
Event, and no workflow or activity failed.

An activity that was running in a killed worker is retried only when its
start-to-close timeout (30 s, workflows/task.py DB_TIMEOUT) expires: the server cannot
know sooner that the worker died. That wait dominates the run time of these tests.
"""

from __future__ import annotations

import socket
from pathlib import Path

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from persistence.db import create_schema, make_engine
from runtime.devserver import DevServer, free_port
from runtime.worker_process import WorkerProcess
from settings import Settings
from tests.integration.support import (
    CliWorker,
    activate_in_zone,
    assert_outbox_exactly,
    expected_outbox,
    noon_zone,
    notification_count,
    organisation,
    overdue_review,
    recovery_summary,
    today_in,
    wait_for,
    wait_for_outbox,
    worker_identities,
)

RECOVERY_TIMEOUT = 75  # > the 30 s activity timeout + the sticky queue and workflow task timeouts


def _identity(worker: WorkerProcess) -> str:
    """The SDK's default worker identity: ``pid@hostname``."""
    return f"{worker.process.pid}@{socket.gethostname()}"


async def _pollers(client: Client, queue: str) -> set[str]:
    response = await client.workflow_service.describe_task_queue(DescribeTaskQueueRequest(
        namespace=client.namespace, task_queue=TaskQueue(name=queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    ))
    return {p.identity for p in response.pollers}


async def _kill_mid_run(engine, organisation_id: int, total: int, kill, at_least: int = 3) -> int:
    """Call ``kill()`` as soon as ``at_least`` notifications exist; return how many existed then."""
    await wait_for(lambda: notification_count(engine, organisation_id) >= at_least, 30,
                   f"{at_least} notifications before the kill", interval=0.005)
    kill()
    seen = notification_count(engine, organisation_id)
    print(f"killed with {seen} of {total} notifications in the outbox")
    assert seen < total, f"the kill came too late to be mid-run ({seen} of {total} notifications already there)"
    return seen


def _worker(server: DevServer, db_url: str, tmp_path: Path, queue: str, name: str,
            kind: type[WorkerProcess] = WorkerProcess) -> WorkerProcess:
    return kind(address=server.address, database_url=db_url, data_dir=tmp_path, task_queue=queue,
                log_file=tmp_path / f"{name}.log")


async def test_worker_killed_mid_run(dev_server: DevServer, tmp_path: Path, db_url: str,
                                     worker_processes: list[WorkerProcess]) -> None:
    queue = "dondoc-it-worker-killed"
    settings = Settings(data_dir=tmp_path, database_url=db_url, temporal_address=dev_server.address, task_queue=queue)
    engine = make_engine(db_url)
    create_schema(engine)
    try:
        client = await dev_server.wait_ready(timeout=10)
        zone = noon_zone()
        today = today_in(zone)
        # Workflows first, worker second: the work is queued when the worker starts.
        activated = await activate_in_zone(client, settings, engine, overdue_review("401/KH-UBND", today, 24),
                                           organisation(today, progress=False), zone)
        assert activated.counts["started"] == 24
        expected = expected_outbox(engine, activated)
        assert len(expected.events) == 24 and len(expected.notifications) > 24

        first = _worker(dev_server, db_url, tmp_path, queue, "worker-1")
        worker_processes.append(first)
        first.start()
        await _kill_mid_run(engine, activated.organisation_id, len(expected.notifications), first.kill)
        assert first.process.returncode == -9

        second = _worker(dev_server, db_url, tmp_path, queue, "worker-2")
        worker_processes.append(second)
        second.start()
        await wait_for_outbox(engine, activated, expected, RECOVERY_TIMEOUT)
        await assert_outbox_exactly(client, engine, activated, expected)
        recovery = await recovery_summary(client, list(activated.workflows.values()))
        print("recovery:", recovery)
        # The kill mattered: work the dead worker held had to time out and be redone.
        assert recovery["workflow_task_timeouts"] + recovery["activity_retries"] > 0, recovery
        identities = await worker_identities(client, list(activated.workflows.values()))
        assert identities <= {_identity(first), _identity(second)}
        assert _identity(first) in identities and _identity(second) in identities
    finally:
        engine.dispose()


async def test_dev_server_killed_mid_run(tmp_path: Path, db_url: str, worker_processes: list[WorkerProcess]) -> None:
    queue = "dondoc-it-server-killed"
    server = DevServer(db_file=tmp_path / "temporal.db", port=free_port())
    settings = Settings(data_dir=tmp_path, database_url=db_url, temporal_address=server.address, task_queue=queue)
    engine = make_engine(db_url)
    create_schema(engine)
    server.start()
    try:
        client = await server.wait_ready(timeout=30)
        zone = noon_zone()
        today = today_in(zone)
        activated = await activate_in_zone(client, settings, engine, overdue_review("402/KH-UBND", today, 24),
                                           organisation(today, progress=False), zone)
        expected = expected_outbox(engine, activated)

        worker = _worker(server, db_url, tmp_path, queue, "worker")
        worker_processes.append(worker)
        worker.start()
        await _kill_mid_run(engine, activated.organisation_id, len(expected.notifications), server.kill)
        assert server.process.returncode == -9

        # Same port, same state file; the worker process stays up and reconnects.
        server.start()
        client = await server.wait_ready(timeout=30)
        await wait_for_outbox(engine, activated, expected, RECOVERY_TIMEOUT)
        await assert_outbox_exactly(client, engine, activated, expected)
        print("recovery:", await recovery_summary(client, list(activated.workflows.values())))
        assert worker.process.poll() is None, "the worker died with the server"
        assert await worker_identities(client, list(activated.workflows.values())) == {_identity(worker)}
    finally:
        server.kill()
        engine.dispose()


async def test_two_workers_share_load_and_survive_one_killed(
    dev_server: DevServer, tmp_path: Path, db_url: str, worker_processes: list[WorkerProcess]
) -> None:
    queue = "dondoc-it-two-workers"
    settings = Settings(data_dir=tmp_path, database_url=db_url, temporal_address=dev_server.address, task_queue=queue)
    engine = make_engine(db_url)
    create_schema(engine)
    try:
        client = await dev_server.wait_ready(timeout=10)
        # As docker-compose runs them (`dondoc worker`, scaled to two).
        a = _worker(dev_server, db_url, tmp_path, queue, "worker-a", CliWorker)
        b = _worker(dev_server, db_url, tmp_path, queue, "worker-b", CliWorker)
        worker_processes += [a, b]
        a.start()
        b.start()

        async def both_polling() -> bool:
            return {_identity(a), _identity(b)} <= await _pollers(client, queue)

        await wait_for(both_polling, 30, "both workers to poll the task queue", interval=0.2)

        zone = noon_zone()
        today = today_in(zone)
        activated = await activate_in_zone(client, settings, engine, overdue_review("403/KH-UBND", today, 30),
                                           organisation(today, progress=False), zone)
        expected = expected_outbox(engine, activated)
        await _kill_mid_run(engine, activated.organisation_id, len(expected.notifications), a.kill, at_least=6)

        await wait_for_outbox(engine, activated, expected, RECOVERY_TIMEOUT)
        await assert_outbox_exactly(client, engine, activated, expected)
        print("recovery:", await recovery_summary(client, list(activated.workflows.values())))
        assert b.process.poll() is None
        identities = await worker_identities(client, list(activated.workflows.values()))
        assert identities == {_identity(a), _identity(b)}, "both workers took work before the kill"
    finally:
        engine.dispose()
