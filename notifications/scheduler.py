"""APScheduler (3.x) in the service process: runs the outbox dispatch every minute.

The job lives in a persistent SQLAlchemy job store in the application database
(table ``apscheduler_jobs``) under a stable id, added with ``replace_existing`` so a
restart updates it instead of adding a second one. The stored job holds only a
reference to :func:`dispatch_job`; the engine and settings (with the SMTP password)
stay in this process's memory and are never pickled into the database.

Two service processes on one database would both run the job; that is safe, because
the dispatcher claims rows with a conditional update before sending.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.engine import Engine

from notifications.digest import enqueue_weekly_summaries
from notifications.dispatch import DispatchReport, dispatch_once
from runtime.observability import record_dispatch
from settings import Settings

log = logging.getLogger(__name__)

JOB_ID = "dondoc-outbox-dispatch"
JOBS_TABLE = "apscheduler_jobs"


@dataclass
class _Running:
    engine: Engine
    settings: Settings


_running: _Running | None = None  # what dispatch_job works with, set by start_dispatcher


async def run_cycle(engine: Engine, settings: Settings, now: datetime | None = None) -> DispatchReport:
    """One scheduled cycle: queue the weekly summaries that are due, then dispatch."""
    now = now or datetime.now(UTC)
    added = await asyncio.to_thread(enqueue_weekly_summaries, engine, settings, now)
    if added:
        log.info("Queued %d weekly summaries", added)
    return await dispatch_once(engine, settings, now)


async def dispatch_job() -> None:
    """The scheduled job (referenced by name from the job store)."""
    running = _running
    if running is None:
        return
    try:
        report = await run_cycle(running.engine, running.settings)
    except Exception:  # noqa: BLE001 - the next run tries again; rows are never lost
        log.exception("Outbox dispatch failed")
        return
    record_dispatch(report)
    if report.mails_sent or report.mails_failed or report.rows_skipped:
        log.info("Outbox: %s", report)


class Dispatcher:
    """Handle returned by :func:`start_dispatcher`; ``shutdown()`` stops the scheduler."""

    def __init__(self, scheduler: AsyncIOScheduler) -> None:
        self.scheduler = scheduler

    def shutdown(self) -> None:
        global _running
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        _running = None


def build_scheduler(settings: Settings, engine: Engine) -> AsyncIOScheduler:
    """An AsyncIOScheduler with the persistent job store and the dispatch job added."""
    scheduler = AsyncIOScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)},
        timezone=settings.timezone,
    )
    interval = max(5, settings.notify_interval_seconds)
    scheduler.add_job(
        "notifications.scheduler:dispatch_job",
        trigger="interval", seconds=interval, id=JOB_ID, name="Gửi thông báo (outbox)",
        replace_existing=True, coalesce=True, max_instances=1, misfire_grace_time=interval,
        next_run_time=datetime.now(UTC) + timedelta(seconds=2),
    )
    return scheduler


async def start_dispatcher(settings: Settings, engine: Engine) -> Dispatcher:
    """Start dispatching the outbox in this event loop; returns a handle with ``shutdown()``."""
    global _running
    _running = _Running(engine=engine, settings=settings)
    scheduler = build_scheduler(settings, engine)
    scheduler.start()
    return Dispatcher(scheduler)
