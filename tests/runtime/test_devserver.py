"""The embedded Temporal dev server: start, persist across restarts, stop, join."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from temporalio import workflow
from temporalio.client import WorkflowExecutionStatus

from runtime.devserver import (
    DevServer,
    TemporalUnavailable,
    connect,
    find_binary,
    free_port,
    temporal_client,
)
from settings import Settings


@workflow.defn(sandboxed=False)
class _Sleeper:
    @workflow.run
    async def run(self) -> None:
        await workflow.sleep(timedelta(days=1))


def test_binary_is_found_next_to_the_interpreter() -> None:
    path = find_binary("temporal")
    assert path.name == "temporal" and path.is_file()
    with pytest.raises(TemporalUnavailable, match="Không tìm thấy"):
        find_binary("temporal-does-not-exist")


async def test_state_survives_a_restart_on_the_same_db_file(tmp_path) -> None:
    server = DevServer(db_file=tmp_path / "temporal.db", port=free_port())
    server.start()
    try:
        client = await server.wait_ready()
        workflow_id = f"sleeper-{uuid.uuid4()}"
        # No worker: the workflow stays open with its first task pending.
        await client.start_workflow("_Sleeper", id=workflow_id, task_queue="nobody")
        server.stop()
        assert server.process.returncode == 0  # SIGTERM was enough: clean stop

        server.start()
        client = await server.wait_ready()
        description = await client.get_workflow_handle(workflow_id).describe()
        assert description.status == WorkflowExecutionStatus.RUNNING
    finally:
        server.stop()


async def test_embedded_server_is_announced_joined_and_stopped(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path, temporal_address=None)
    with pytest.raises(TemporalUnavailable):
        await connect(settings)

    async with temporal_client(settings, ui=False, owner="service") as client:
        address_file = tmp_path / "temporal.address"
        assert address_file.read_text().strip() == client.service_client.config.target_host
        assert (tmp_path / "temporal.db").is_file()
        # A command on the same data dir joins the service's server instead of starting another.
        async with temporal_client(settings, ui=False) as joined:
            assert joined.service_client.config.target_host == client.service_client.config.target_host
        joined_again = await connect(settings)
        assert joined_again.service_client.config.target_host == client.service_client.config.target_host

    assert not address_file.exists()
    with pytest.raises(TemporalUnavailable):
        await connect(settings)


async def test_a_commands_temporary_server_is_never_joined_by_the_service(tmp_path) -> None:
    """`plan activate` with no service running, `dondoc up` meanwhile: up waits, then owns its own server."""
    import asyncio

    from runtime.devserver import SERVER_LOCK_FILE, FolderLock

    settings = Settings(data_dir=tmp_path, temporal_address=None)
    waits: list[dict] = []
    command_done = asyncio.Event()
    service_address: list[str] = []

    async def service() -> None:
        async with temporal_client(settings, ui=False, owner="service", on_wait=waits.append) as client:
            assert command_done.is_set()  # it did not join the command's server
            await _describe(client)
            service_address.append(client.service_client.config.target_host)
            await asyncio.sleep(1.5)  # still serving after the command ended

    async with temporal_client(settings, ui=False) as command_client:  # the command starts a temporary server
        holder = FolderLock(tmp_path / SERVER_LOCK_FILE).holder()
        assert holder["kind"] == "command" and holder["address"]
        up = asyncio.create_task(service())
        await asyncio.sleep(1.5)
        assert waits and waits[0]["pid"] and not up.done()
        await _describe(command_client)
        command_done.set()
    await asyncio.wait_for(up, 60)
    assert service_address


async def _describe(client) -> None:
    from runtime.devserver import _describe_namespace

    await _describe_namespace(client, client.namespace)
