"""The raw engine's figure the benchmark compares against: empty workflows started per second."""

from __future__ import annotations

import asyncio
import time
import uuid

from temporalio import workflow
from temporalio.client import Client
from temporalio.worker import Worker


@workflow.defn(name="BenchEmpty", sandboxed=False)
class EmptyWorkflow:
    @workflow.run
    async def run(self) -> None:
        return None


async def start_many(client: Client, count: int, concurrency: int, task_queue: str) -> float:
    """Start ``count`` empty workflows with at most ``concurrency`` in flight; return starts/s."""
    gate = asyncio.Semaphore(concurrency)
    prefix = uuid.uuid4().hex[:8]

    async def one(i: int) -> None:
        async with gate:
            await client.start_workflow(EmptyWorkflow.run, id=f"bench-empty-{prefix}-{i}", task_queue=task_queue)

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(count)))
    return count / (time.perf_counter() - started)


async def raw_start_rate(client: Client, count: int, concurrency: int) -> float:
    """Empty-workflow start rate with a worker running them, as the task workflows have."""
    task_queue = f"bench-empty-{uuid.uuid4().hex[:6]}"
    async with Worker(client, task_queue=task_queue, workflows=[EmptyWorkflow]):
        return await start_many(client, count, concurrency, task_queue)
