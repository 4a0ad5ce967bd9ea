"""The dondoc Temporal worker: task workflows, indicator chases and their activities on one task queue.

Run it with ``dondoc worker`` (or ``python -m worker``); ``dondoc up`` runs it together
with the embedded dev server and the notification services.
"""

from __future__ import annotations

import asyncio
import inspect
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.worker import Worker

from activities.indicator_activities import IndicatorActivities
from activities.task_activities import TaskActivities
from persistence.db import create_schema, make_engine
from settings import Settings
from workflows.indicators import IndicatorChaseWorkflow
from workflows.task import TaskWorkflow

# Activities write small rows to SQLite; a few threads are plenty and keep SQLite's
# single-writer lock from becoming a queue of blocked threads.
ACTIVITY_THREADS = 8


def task_activities(engine: Engine) -> list[Callable[..., Any]]:
    """The activities of TaskWorkflow and IndicatorChaseWorkflow, listed one by one (bound to their dependencies)."""
    impl = TaskActivities(engine)
    indicators = IndicatorActivities(engine)
    return [
        indicators.chase_indicators,
        impl.load_definition,
        impl.record_actions,
        impl.record_event,
        impl.set_occurrence_status,
        impl.sync_occurrences,
        impl.record_progress,
    ]


def precompile_workflows() -> None:
    """Write the bytecode of ``workflows/``, which the sandbox imports afresh for every workflow.

    Under ``PYTHONDONTWRITEBYTECODE`` over a source checkout there is none, and every
    workflow the worker builds (each wake-up of one not in its cache) compiles
    workflows/task.py again: ~13 ms apiece, enough to make timers seconds late with
    thousands of open workflows (bench/bench_workflows.py --worker-no-bytecode).
    A read-only install (which has its .pyc already) is left as it is.
    """
    import compileall
    from pathlib import Path

    import workflows

    compileall.compile_dir(Path(workflows.__file__).parent, maxlevels=0, quiet=2)


def build_worker(
    client: Client,
    settings: Settings,
    engine: Engine,
    *,
    extra_workflows: Sequence[type] = (),
    extra_activities: Sequence[Callable[..., Any]] = (),
    **worker_options: Any,
) -> Worker:
    """The worker for ``settings.task_queue`` with the task and indicator workflows and their activities.

    Args:
        client: connected Temporal client.
        settings: read for the task queue.
        engine: SQLAlchemy engine the activities write to.
        extra_workflows: more workflow classes (simulation driver, benchmarks).
        extra_activities: more activity callables.
        **worker_options: passed to :class:`temporalio.worker.Worker`.
    """
    precompile_workflows()
    activities = task_activities(engine) + list(extra_activities)
    if any(not inspect.iscoroutinefunction(a) for a in activities):
        worker_options.setdefault("activity_executor", ThreadPoolExecutor(ACTIVITY_THREADS))
        worker_options.setdefault("max_concurrent_activities", ACTIVITY_THREADS)
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[TaskWorkflow, IndicatorChaseWorkflow, *extra_workflows],
        activities=activities,
        **worker_options,
    )


async def serve(worker: Worker, stop: asyncio.Event) -> None:
    """Run ``worker`` until ``stop`` is set, then shut it down gracefully."""
    async with worker:
        await stop.wait()


def stop_on_signals(stop: asyncio.Event) -> None:
    """Set ``stop`` on SIGINT/SIGTERM (a second signal is not needed to exit)."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - non-POSIX
            pass


async def run_worker(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """Run the worker until SIGINT/SIGTERM (or ``stop``).

    Joins ``TEMPORAL_ADDRESS`` or the embedded server of the data directory, and starts
    the embedded dev server itself if neither is running.
    """
    from persistence.db import ensure_schema_current
    from runtime.devserver import temporal_client
    from runtime.observability import configure_logging, install_temporal_metrics

    configure_logging(settings)
    install_temporal_metrics(settings)  # before the client connects: the SDK's runtime serves /metrics
    engine = make_engine(settings.effective_database_url)
    create_schema(engine)
    ensure_schema_current(engine)  # refuse to run on an older schema: `dondoc db upgrade` first
    if stop is None:
        stop = asyncio.Event()
        stop_on_signals(stop)
    async with temporal_client(settings, owner="service") as client:  # a service: commands may join it
        from runtime.activation import start_indicator_chases

        await start_indicator_chases(client, settings, engine)  # plans activated before the chase existed
        await serve(build_worker(client, settings, engine), stop)


if __name__ == "__main__":  # pragma: no cover - `python -m worker`
    asyncio.run(run_worker(Settings()))
