"""Helpers of the integration tests on the real Temporal dev server.

The dev server runs on the real clock, so the test plans are built to be independent
of it:

* **Time zone.** The plan's policy is the default ladder and working hours
  (07:30–17:00), but in a fixed-offset zone (``Etc/GMT±N``) chosen so that it is about
  noon there when the test starts. Every task's morning slot (07:30 + up to 59 minutes)
  has passed and the next one (tomorrow's, or the end of the day) is hours away, so the
  set of due actions cannot change while a test runs, whatever the hour of the CI run.
* **Working days.** The organisation (the sample Vĩnh Lập file) gets every day from 60
  days before to 60 days after today as a make-up working day, so weekends and
  holidays (Tết included) change nothing either.
* **Deadlines.** All in the past (1 to 12 days): each task is overdue and the policy
  sends only the latest due rung of its ladder, at once.

The expected outbox is computed with the same pure policy (``planned_actions`` at the
test's "now"), fed with what the ``load_definition`` activity reads from the database.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecutionStatus

from activities.task_activities import TaskActivities
from contracts.task_activities import LoadDefinitionInput
from domain.calendar import WorkCalendar
from domain.organisation import load_organisation
from domain.policy import Contacts, OccurrenceState, OccurrenceStatus, Policy, planned_actions
from ingest.review import ReviewChasing
from persistence.models import Event, Notification, Officer
from runtime.activation import start_workflows, store
from runtime.devserver import find_binary
from runtime.worker_process import WorkerProcess
from settings import Settings
from workflows.task import TaskWorkflow

ROOT = Path(__file__).resolve().parents[2]
ORG_FILE = ROOT / "samples" / "org" / "vinh-lap.yaml"
LEADS = (
    "Công chức Văn phòng - Thống kê",
    "Công chức Tư pháp - Hộ tịch",
    "Công chức Tài chính - Kế toán",
    "Công chức Văn hóa - Thông tin",
)


def noon_zone(now: datetime | None = None) -> str:
    """A fixed-offset zone name where it is between 12:00 and 12:59 at ``now``."""
    now = now or datetime.now(UTC)
    offset = 12 - now.astimezone(UTC).hour  # -11 .. +12, all valid Etc/GMT zones
    # POSIX sign convention: Etc/GMT-7 is UTC+7.
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


def today_in(zone: str) -> date:
    return datetime.now(ZoneInfo(zone)).date()


def organisation(today: date, *, progress: bool = True) -> Any:
    """The sample organisation, with every day around ``today`` a working day.

    ``progress=False``: no reporting periods, so only the dated deadlines are chased.
    """
    config = load_organisation(ORG_FILE)
    days = [today + timedelta(days=d) for d in range(-60, 61)]
    calendar = config.calendar.model_copy(update={"extra_days_off": [], "makeup_working_days": days})
    reporting = config.reporting.model_copy(update={"periods": [] if not progress else config.reporting.periods})
    return config.model_copy(update={"calendar": calendar, "reporting": reporting})


def review_task(code: str, title: str, lead: str, deadline: date,
                coordinators: tuple[str, ...] = ()) -> SimpleNamespace:
    return SimpleNamespace(code=code, area="tthc", area_label=None, title=title, text=title + ".", lead=[lead],
                           coordinators=list(coordinators), deadline=f"trước {deadline:%d/%m/%Y}",
                           product="Báo cáo", source=None)


def review(number: str, year: int, tasks: list[SimpleNamespace]) -> SimpleNamespace:
    """An in-memory review (what ingest.review.load_review returns) for plan ``number``."""
    return SimpleNamespace(
        plan=SimpleNamespace(number=number, title=f"Kế hoạch cải cách hành chính năm {year} (thử {number})",
                             issuer="UBND xã Vĩnh Lập", place="Vĩnh Lập", issued_on=None, year=year,
                             source_year=None, signer="Trần Văn Hùng", signer_role="Chủ tịch",
                             standing_coordinator="Công chức Văn phòng - Thống kê"),
        organisation=None,
        chasing=ReviewChasing(),
        tasks=tasks,
    )


def overdue_review(number: str, today: date, count: int) -> SimpleNamespace:
    """``count`` tasks, 1 to 12 days overdue (kept inside one plan year)."""
    year = (today - timedelta(days=1)).year
    first = date(year, 1, 1)
    tasks = [
        review_task(f"{i // 10 + 1}.{i % 10 + 1}", f"Nhiệm vụ thử số {i + 1}", LEADS[i % len(LEADS)],
                    max(first, today - timedelta(days=1 + i % 12)),
                    coordinators=(LEADS[(i + 1) % len(LEADS)],) if i % 2 else ())
        for i in range(count)
    ]
    return review(number, year, tasks)


@dataclass
class Activated:
    plan_id: int
    organisation_id: int
    workflows: dict[int, str]  # task id -> workflow ID
    counts: Any


async def activate_in_zone(client: Client, settings: Settings, engine: Engine, the_review: Any, org_config: Any,
                           zone: str) -> Activated:
    """Activation as ``activate_loaded`` does it, with the plan's chasing moved to ``zone``."""
    the_review.chasing = ReviewChasing(timezone=zone)
    org, plan, stored = store(engine, the_review, org_config, ORG_FILE)
    counts = await start_workflows(client, settings, engine, plan, org, stored)
    return Activated(plan.id, org.id, {s.task_id: s.workflow_id for s in stored}, counts)


@dataclass(frozen=True)
class Expected:
    events: frozenset[str]  # Event.idempotency_key of every chasing action
    notifications: frozenset[str]  # Notification.idempotency_key of every outbox row


def expected_outbox(engine: Engine, activated: Activated, now: datetime | None = None) -> Expected:
    """Every action the policy says is due now, as the activities key them."""
    now = now or datetime.now(UTC)
    activities = TaskActivities(engine)
    with Session(engine) as session:
        reachable = {o.username for o in session.exec(
            select(Officer).where(Officer.organisation_id == activated.organisation_id)
        ) if o.active and o.email}
    events, notifications = set(), set()
    for task_id, workflow_id in activated.workflows.items():
        definition = activities.load_definition(LoadDefinitionInput(activated.organisation_id, task_id))
        policy = Policy.from_dict(definition.policy)
        calendar = WorkCalendar(
            extra_days_off=[date.fromisoformat(d) for d in definition.extra_days_off],
            makeup_working_days=[date.fromisoformat(d) for d in definition.makeup_working_days],
        )
        c = definition.contacts
        contacts = Contacts(lead=tuple(c.lead), coordinator=tuple(c.coordinator),
                            vice_chairman=tuple(c.vice_chairman), chairman=tuple(c.chairman))
        for occ in definition.occurrences:
            state = OccurrenceState(task_key=workflow_id, occurrence_key=occ.key, period=occ.period,
                                    due=date.fromisoformat(occ.due), contacts=contacts,
                                    status=OccurrenceStatus(occ.status))
            for action in planned_actions(state, calendar, policy, now, now):
                prefix = f"task-{task_id}/{action.key}"
                events.add(prefix)
                notifications.update(f"{prefix}:{u}" for u in action.recipients if u in reachable)
    return Expected(frozenset(events), frozenset(notifications))


def outbox_keys(engine: Engine, organisation_id: int) -> tuple[list[str], list[str]]:
    """(event keys, notification keys) as stored, duplicates kept (lists, not sets)."""
    with Session(engine) as session:
        events = list(session.exec(select(Event.idempotency_key).where(Event.organisation_id == organisation_id)))
        notes = list(session.exec(
            select(Notification.idempotency_key).where(Notification.organisation_id == organisation_id)
        ))
    return events, notes


def notification_count(engine: Engine, organisation_id: int) -> int:
    return len(outbox_keys(engine, organisation_id)[1])


async def wait_for(predicate: Callable[[], Awaitable[bool] | bool], timeout: float, what: str,
                   interval: float = 0.05) -> None:
    """Poll ``predicate`` until true; fail (not hang) after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        await asyncio.sleep(interval)


async def wait_for_outbox(engine: Engine, activated: Activated, expected: Expected, timeout: float) -> None:
    def complete() -> bool:
        events, notes = outbox_keys(engine, activated.organisation_id)
        return expected.events <= set(events) and expected.notifications <= set(notes)

    try:
        await wait_for(complete, timeout, "every expected notification in the outbox", interval=0.2)
    except AssertionError:
        events, notes = outbox_keys(engine, activated.organisation_id)
        missing = sorted(expected.notifications - set(notes))
        raise AssertionError(f"{len(missing)} of {len(expected.notifications)} expected notifications missing "
                             f"after {timeout:.0f}s, e.g. {missing[:3]}") from None


async def assert_outbox_exactly(client: Client, engine: Engine, activated: Activated, expected: Expected,
                                settle: float = 1.0) -> None:
    """The outbox holds every expected row exactly once and nothing else; the workflows are healthy.

    Waits for the workflows to be idle first (no pending activity, no pending workflow
    task), then ``settle`` seconds more, so that a late duplicate would have shown up.
    """
    handles = [client.get_workflow_handle(w) for w in activated.workflows.values()]

    async def idle() -> bool:
        for handle in handles:
            raw = (await handle.describe()).raw_description
            if raw.pending_activities or raw.HasField("pending_workflow_task"):
                return False
        return True

    await wait_for(idle, 45, "the workflows to be idle", interval=0.3)
    await asyncio.sleep(settle)
    events, notes = outbox_keys(engine, activated.organisation_id)
    assert len(notes) == len(set(notes)) and len(events) == len(set(events))
    missing, extra = sorted(expected.notifications - set(notes)), sorted(set(notes) - expected.notifications)
    assert not missing and not extra, f"missing {missing[:5]}, extra {extra[:5]}"
    assert set(events) == expected.events
    assert len(events) == len(expected.events)
    for handle in handles:
        description = await handle.describe()
        assert description.status == WorkflowExecutionStatus.RUNNING, (handle.id, description.status)
        async for event in handle.fetch_history_events():
            assert event.event_type not in (
                EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED,
                EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
                EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
            ), (handle.id, event)
    # The workflows remember each action once (needs a live worker to answer the query).
    by_task: dict[int, int] = {}
    for key in expected.events:
        task_id = int(key.split("/", 1)[0].removeprefix("task-"))
        by_task[task_id] = by_task.get(task_id, 0) + 1
    for task_id, workflow_id in activated.workflows.items():
        state = await client.get_workflow_handle(workflow_id).query(
            TaskWorkflow.state, rpc_timeout=timedelta(seconds=10))
        assert sum(o.actions_done for o in state.occurrences) == by_task.get(task_id, 0), workflow_id


async def worker_identities(client: Client, workflow_ids: list[str]) -> set[str]:
    """Identities of the workers that completed workflow tasks or ran activities."""
    found: set[str] = set()
    for workflow_id in workflow_ids:
        async for event in client.get_workflow_handle(workflow_id).fetch_history_events():
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
                found.add(event.workflow_task_completed_event_attributes.identity)
            elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
                found.add(event.activity_task_started_event_attributes.identity)
            elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
                found.add(event.activity_task_completed_event_attributes.identity)
    found.discard("")
    return found


async def recovery_summary(client: Client, workflow_ids: list[str]) -> dict[str, int]:
    """What the histories show of the recovery: retried activities, timed-out/failed workflow tasks."""
    summary = {"activity_retries": 0, "workflow_task_timeouts": 0, "workflow_task_failures": 0}
    for workflow_id in workflow_ids:
        async for event in client.get_workflow_handle(workflow_id).fetch_history_events():
            if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
                summary["activity_retries"] += event.activity_task_started_event_attributes.attempt > 1
            elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
                summary["workflow_task_timeouts"] += 1
            elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
                summary["workflow_task_failures"] += 1
    return summary


class CliWorker(WorkerProcess):
    """``dondoc worker`` (the command docker-compose runs), configured like WorkerProcess."""

    def start(self) -> None:
        env = dict(os.environ)
        env.update(
            DONDOC_TEMPORAL_ADDRESS=self.address,
            DONDOC_DATABASE_URL=self.database_url,
            DONDOC_DATA_DIR=str(self.data_dir),
            DONDOC_TASK_QUEUE=self.task_queue,
        )
        with open(self.log_file or self.data_dir / "worker.log", "ab") as log:
            self.process = subprocess.Popen(
                [str(find_binary("dondoc")), "worker"], cwd=self.data_dir, env=env,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )
