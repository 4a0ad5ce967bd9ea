"""Run one task workflow over a 2026 plan on the time-skipping server, and read what it did.

The test server's clock starts at the real "now" and only moves forward, so the 2026
plan is run on later dates shifted by whole weeks, with an organisation calendar that
keeps every 2026 working day and day off (Tết included) — simulation.calendar_shift —
and every recorded time is shifted back before it is compared.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.task_activities import TaskActivities
from contracts.task_workflow import TaskWorkflowInput
from domain.calendar import WorkCalendar
from persistence.db import session_scope
from persistence.models import Event, Notification, Occurrence, Organisation
from simulation.calendar_shift import CalendarShift, shift_calendar, weeks_needed
from tests.workflows.conftest import HISTORIES
from tests.workflows.seed import Seeded, seed
from workflows.task import TaskWorkflow

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CHASING = ("reminder", "due", "overdue", "escalation")


@dataclass(frozen=True)
class Chase:
    """One chasing action as recorded, on 2026 dates."""

    day: date
    kind: str
    occurrence: str
    level: int
    to: tuple[str, ...]
    at: datetime  # local, shifted back


@dataclass
class Run:
    env: WorkflowEnvironment
    seeded: Seeded
    shift: CalendarShift
    handle: WorkflowHandle
    first_run_id: str

    def moment(self, day: date, hour: int = 9, minute: int = 0) -> datetime:
        """The shifted instant of ``day hour:minute`` Hà Nội time in 2026."""
        return datetime.combine(self.shift.forward(day), time(hour, minute), TZ)

    def iso(self, day: date) -> str:
        """A 2026 date as the workflow sees it (shifted), for messages and views."""
        return self.shift.forward(day).isoformat()

    def back(self, value: datetime) -> datetime:
        if value.tzinfo is None:  # SQLite gives UTC back without an offset
            value = value.replace(tzinfo=UTC)
        return self.shift.back(value.astimezone(TZ))

    async def until(self, day: date, hour: int = 9, minute: int = 0) -> None:
        """Skip time to ``day hour:minute`` (2026 dates), letting every timer fire on the way."""
        wait = self.moment(day, hour, minute) - await self.env.get_current_time()
        assert wait > timedelta(0), f"{day} {hour}:{minute} is already past"
        await self.env.sleep(wait)

    async def update(self, method: Any, message: Any) -> Any:
        return await self.handle.execute_update(method, message)

    def chases(self) -> list[Chase]:
        """Every reminder/due/overdue/escalation event with the recipients of its outbox rows."""
        with Session(self.seeded.engine) as session:
            keys = {o.id: o.key for o in session.exec(select(Occurrence))}
            events = list(session.exec(select(Event).where(Event.kind.in_(CHASING)).order_by(Event.at, Event.id)))
            notes = list(session.exec(select(Notification).where(Notification.kind.in_(CHASING))))
        to: dict[str, list[str]] = {}
        for note in notes:
            to.setdefault(note.idempotency_key.rsplit(":", 1)[0], []).append(note.context["recipient_username"])
        out = []
        for event in events:
            at = self.back(event.at)
            out.append(Chase(at.date(), event.kind, keys[event.occurrence_id], event.data["level"],
                             tuple(sorted(to.get(event.idempotency_key, []))), at))
        return out

    def events(self, kind: str) -> list[Event]:
        with Session(self.seeded.engine) as session:
            return list(session.exec(select(Event).where(Event.kind == kind).order_by(Event.id)))

    def occurrence(self, key: str) -> Occurrence:
        with Session(self.seeded.engine) as session:
            return session.exec(
                select(Occurrence).where(Occurrence.task_id == self.seeded.task_id, Occurrence.key == key)
            ).one()

    def count_rows(self) -> tuple[int, int]:
        with Session(self.seeded.engine) as session:
            return len(list(session.exec(select(Event.id)))), len(list(session.exec(select(Notification.id))))


def _shift_db(seeded: Seeded, shift: CalendarShift) -> None:
    with session_scope(seeded.engine) as session:
        org = session.get(Organisation, seeded.organisation_id)
        org.extra_days_off = [d.isoformat() for d in shift.extra_days_off]
        org.makeup_working_days = [d.isoformat() for d in shift.makeup_working_days]
        session.add(org)
        for occ in session.exec(select(Occurrence).where(Occurrence.task_id == seeded.task_id)):
            occ.nominal, occ.due = shift.forward(occ.nominal), shift.forward(occ.due)
            session.add(occ)


@asynccontextmanager
async def scenario(
    env: WorkflowEnvironment,
    tmp_path: Path,
    name: str,
    *,
    record: bool = False,
    history_limit: int = 2000,
    **seed_options: Any,
) -> AsyncIterator[Run]:
    """Seed a 2026 plan in a fresh SQLite file, shift it past the server's clock, start its workflow.

    On exit the first run's history is written to ``histories/{name}.json`` if ``record``,
    and a workflow still running is terminated (its worker is going away).
    """
    seeded = seed(tmp_path / "dondoc.db", **seed_options)
    now = await env.get_current_time()
    days = weeks_needed(date(2026, 1, 1), now.astimezone(TZ).date() + timedelta(days=1))
    shift = shift_calendar(WorkCalendar(), date(2025, 12, 1), date(2027, 12, 31), days)
    _shift_db(seeded, shift)
    task_queue = f"tasks-{name}-{uuid.uuid4().hex[:8]}"
    activities = TaskActivities(seeded.engine)
    worker = Worker(
        env.client, task_queue=task_queue, workflows=[TaskWorkflow],
        activities=[activities.load_definition, activities.record_actions, activities.record_event,
                    activities.set_occurrence_status, activities.sync_occurrences,
                    activities.record_progress],
        activity_executor=ThreadPoolExecutor(4),
    )
    async with worker:
        handle = await env.client.start_workflow(
            TaskWorkflow.run,
            # Calendar years mean nothing on shifted dates: no roll-over into "2027".
            TaskWorkflowInput(organisation_id=seeded.organisation_id, task_id=seeded.task_id,
                              workflow_id=seeded.workflow_id, history_limit=history_limit, roll_over=False),
            id=seeded.workflow_id, task_queue=task_queue,
        )
        run = Run(env, seeded, shift, handle, handle.result_run_id)
        try:
            yield run
            if record:
                first = env.client.get_workflow_handle(seeded.workflow_id, run_id=run.first_run_id)
                history = await first.fetch_history()
                HISTORIES.mkdir(exist_ok=True)
                (HISTORIES / f"{name}.json").write_text(json.dumps(json.loads(history.to_json()), indent=1))
        finally:
            latest = env.client.get_workflow_handle(seeded.workflow_id)
            if (await latest.describe()).status == WorkflowExecutionStatus.RUNNING:
                await latest.terminate("test over")
    seeded.engine.dispose()
