"""Phases 2 and 3 of ``bench_workflows.py``: real task workflows on the embedded dev server.

* :func:`activation_phase`: a plan of N tasks is stored in a SQLite file with the real
  activation code (``runtime.activation.store``) and its workflows are started with
  ``runtime.activation.start_workflows``, the function ``dondoc plan activate`` calls,
  while the real worker runs them. Only the start loop is timed, as the raw engine's
  figure times only its start loop. The plan is next year's (nothing is due at
  activation): one-off dates and recurring reports as real plans write them.
* :func:`timer_phase`: M open task workflows whose next policy wake-up falls, on the
  real clock, at ``t0 + k * window / M`` (k = 0 .. M-1). For each task the planned time
  of the action is computed with the pure policy (``domain.policy.planned_actions``);
  the time the ``record_actions`` activity recorded it is ``Notification.created_at``
  (set by the activity, microseconds, UTC). Lateness = recorded - planned.

The worker is ``python -m worker`` (``worker.build_worker``, what ``dondoc worker`` runs)
in its own process (runtime.worker_process), as in production, where activation is a
separate command; its RSS is then its own. By default it runs with a bytecode cache,
as the service image does (see :func:`bytecode_cache`).

How the wake-ups are put in the window: each task is alone in its plan, and the plan's
chasing policy (``Plan.policy``, what ``load_definition`` hands to the workflow) has
``spread_minutes=1`` (every task of the plan at ``day_start`` exactly) and a
``day_start`` to the microsecond at the task's slot. The zone is a fixed-offset one in
which it is about noon, and every day around today is a make-up working day, so the
hour and the weekday of the run change nothing. Each task is due today: its
``remind-*`` steps are past but were not sent at activation (before ``day_start`` is
outside working hours), so the workflow sleeps until ``day_start`` and then records
the ``due`` step: one ``record_actions`` activity, one outbox row for the lead officer.
The window starts only once every workflow has been started and has run its first
workflow tasks (its lead time comes from the rate measured in the activation phase).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from datetime import time as time_of_day
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from persistence.db import create_schema, make_engine, session_scope
from persistence.models import Notification
from domain.organisation import load_organisation
from persistence.organisation_store import sync_organisation
from domain.policy import Contacts, OccurrenceState, Policy, planned_actions
from runtime import workflow_bridge as bridge
from runtime.activation import start_workflows, store
from runtime.devserver import DevServer
from persistence.plan_store import plan_code, store_tasks, upsert_plan
from runtime.worker_process import WorkerProcess
from settings import Settings

ROOT = Path(__file__).resolve().parents[1]
ORG_FILE = ROOT / "samples" / "org" / "vinh-lap.yaml"
LEADS = (
    "Công chức Văn phòng - Thống kê",
    "Công chức Tư pháp - Hộ tịch",
    "Công chức Tài chính - Kế toán",
    "Công chức Văn hóa - Thông tin",
)
# Recurring phrases of real plans, mixed with one-off dates in the activation plan.
RECURRING = (
    "theo Quý trước ngày 20 của tháng cuối Quý",
    "chậm nhất ngày 05 của các tháng 3, tháng 6, tháng 9, tháng 12",
    "họp định kỳ hàng tháng (chậm nhất 05 ngày sau khi kết thúc tháng)",
)

TARGET_ACTIVATION_VS_RAW = 0.60
TARGET_P99_S = 2.0
TARGET_RSS_MB = 500.0

# Side figures of the last activation_phase (its return value is the start rate).
LAST_ACTIVATION: dict[str, float] = {}


# -- building plans ---------------------------------------------------------------------


def _task(code: str, lead: str, deadline: str, coordinator: str | None = None) -> SimpleNamespace:
    title = f"Nhiệm vụ đo hiệu năng {code}"
    return SimpleNamespace(code=code, area="tthc", area_label=None, title=title, text=title + ".", lead=[lead],
                           coordinators=[coordinator] if coordinator else [], deadline=deadline,
                           product="Báo cáo", source=None)


def _review(number: str, year: int, tasks: list[SimpleNamespace], policy: dict | None = None) -> SimpleNamespace:
    """An in-memory review (what ingest.review.load_review returns)."""
    policy = dict(policy or {})
    return SimpleNamespace(
        plan=SimpleNamespace(number=number, title=f"Kế hoạch cải cách hành chính năm {year} (đo {number})",
                             issuer="UBND xã Vĩnh Lập", place="Vĩnh Lập", issued_on=None, year=year,
                             source_year=None, signer="Trần Văn Hùng", signer_role="Chủ tịch",
                             standing_coordinator="Công chức Văn phòng - Thống kê"),
        organisation=None,
        chasing=SimpleNamespace(requires_confirmation=True, policy_dict=lambda: dict(policy)),
        tasks=tasks,
    )


def activation_review(n_tasks: int, year: int) -> SimpleNamespace:
    """A plan for next year (nothing due at activation): one-off dates and recurring reports."""
    tasks = []
    for i in range(n_tasks):
        if i % 5 == 4:
            deadline = RECURRING[(i // 5) % len(RECURRING)]
        else:
            deadline = f"trước {date(year, 1, 15) + timedelta(days=(i * 37) % 340):%d/%m/%Y}"
        tasks.append(_task(f"{i // 100 + 1}.{i % 100 + 1}", LEADS[i % len(LEADS)], deadline,
                           LEADS[(i + 1) % len(LEADS)] if i % 2 else None))
    return _review(f"{n_tasks}/KH-UBND", year, tasks)


def noon_zone(now: datetime) -> ZoneInfo:
    """A fixed-offset zone where it is between 12:00 and 12:59 at ``now``."""
    offset = 12 - now.astimezone(timezone.utc).hour  # -11 .. +12, all valid Etc/GMT zones
    return ZoneInfo("Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}")  # POSIX sign: Etc/GMT-7 is UTC+7


def working_days_around(config: Any, today: date) -> Any:
    """The organisation with every day from 30 days before to 30 after ``today`` a working day."""
    days = [today + timedelta(days=d) for d in range(-30, 31)]
    calendar = config.calendar.model_copy(update={"extra_days_off": [], "makeup_working_days": days})
    return config.model_copy(update={"calendar": calendar})


def place_window(now: datetime, t0: datetime, window_s: float, count: int) -> tuple[ZoneInfo, date, list[datetime]]:
    """(zone, local today, slots): ``count`` instants ``t0 + k * window_s / count`` in a zone where it is noon."""
    zone = noon_zone(now)
    today = now.astimezone(zone).date()
    if (t0 + timedelta(seconds=window_s)).astimezone(zone).date() != today:
        raise ValueError("window too long: it must end on the same local day (keep lead + window under 11 hours)")
    return zone, today, [t0 + timedelta(seconds=window_s * k / count) for k in range(count)]


def slot_policy(at: datetime, zone: ZoneInfo) -> dict:
    """A plan policy (stored form) whose tasks all act at ``at``, to the microsecond, on working days."""
    start = at.astimezone(zone).time().replace(tzinfo=None)
    policy = Policy(day_start=start, day_end=time_of_day(23, 59), timezone=zone.key, spread_minutes=1)
    # to_dict() writes HH:MM; the workflow reads any ISO time back (Policy.from_dict).
    return policy.to_dict() | {"day_start": start.isoformat(timespec="microseconds")}


@dataclass
class TimerPlans:
    organisation_id: int
    stored: list[Any]  # StoredTask, in slot order
    planned: dict[str, datetime]  # "task-{id}/{action key}" -> planned time (UTC)


def store_timer_plans(engine: Engine, config: Any, slots: list[datetime], zone: ZoneInfo, today: date) -> TimerPlans:
    """One plan of one task per slot, due ``today``, stored with the real plan_store code.

    The planned action of each task is computed with the pure policy, from what was
    stored (policy, occurrence due date, calendar, officers of the lead unit).
    """
    calendar = config.work_calendar()
    deadline = f"trước {today:%d/%m/%Y}"
    stored_all, planned = [], {}
    with session_scope(engine) as session:
        org = sync_organisation(session, config)
        session.flush()
        standing = config.resolve_unit(LEADS[0])
        standing_id = bridge.unit_id(session, org.id, standing.code)
        for k, at in enumerate(slots):
            lead = LEADS[k % len(LEADS)]
            review = _review(f"{k + 1}/KH-DO", today.year, [_task("1", lead, deadline)])
            policy = slot_policy(at, zone)
            code = plan_code(review.plan.year, review.plan.number, review.plan.title)
            plan = upsert_plan(session, org, review, code, policy, "bench")
            plan.standing_unit_id = standing_id
            stored = store_tasks(session, plan, review, config.resolve_unit, calendar, bridge.workflow_id_for,
                                 org.code)
            stored_all.extend(stored)
            unit = config.resolve_unit(lead)
            contacts = Contacts(lead=tuple(o.username for o in config.officers_for_unit(unit.code)))
            pure = Policy.from_dict(policy)
            for item in stored:
                for occ in item.occurrences:
                    state = OccurrenceState(task_key=item.workflow_id, occurrence_key=occ.key, period=occ.period,
                                            due=occ.due, contacts=contacts)
                    for action in planned_actions(state, calendar, pure, at - timedelta(hours=1), at):
                        planned[f"task-{item.task_id}/{action.key}"] = action.scheduled_at.astimezone(timezone.utc)
        return TimerPlans(org.id, stored_all, planned)


# -- helpers ------------------------------------------------------------------------------


async def _pollers(client: Client, queue: str) -> int:
    response = await client.workflow_service.describe_task_queue(DescribeTaskQueueRequest(
        namespace=client.namespace, task_queue=TaskQueue(name=queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    ))
    return len(response.pollers)


@contextlib.contextmanager
def bytecode_cache(pycache: Path | None) -> Iterator[None]:
    """Let the processes started inside (and imports here) use a bytecode cache in ``pycache``.

    The workflow sandbox imports ``workflows.task`` afresh for every workflow it builds
    (a new run, or a wake-up of a workflow no longer in the worker's cache). Without a
    ``.pyc`` it compiles the source each time: ~13 ms of CPU per build. The service image
    (``pip install .``) ships ``.pyc`` files; this machine's environment sets
    ``PYTHONDONTWRITEBYTECODE=1`` over an editable install, so none exist unless the
    worker writes them (``worker.precompile_workflows``, which it now does at start).
    ``None``: the environment as it is — the worker's own precompilation is then what
    keeps the lateness down (p99 1.5 s at 5,000 open, against 12–16 s without it).
    """
    if pycache is None:
        yield
        return
    saved_env, saved = os.environ.copy(), (sys.dont_write_bytecode, sys.pycache_prefix)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(pycache)
    sys.dont_write_bytecode, sys.pycache_prefix = False, str(pycache)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        sys.dont_write_bytecode, sys.pycache_prefix = saved


def start_worker(server: DevServer, url: str, work: Path, queue: str, pycache: Path | None) -> WorkerProcess:
    """``python -m worker`` (the real worker: ``worker.build_worker``) in its own process."""
    worker = WorkerProcess(address=server.address, database_url=url, data_dir=work, task_queue=queue,
                           log_file=work / "worker.log")
    with bytecode_cache(pycache):
        worker.start()
    return worker


async def wait_polling(client: Client, worker: WorkerProcess, queue: str, timeout: float = 60) -> None:
    """Wait until the worker process polls ``queue``."""
    deadline = time.monotonic() + timeout
    while await _pollers(client, queue) == 0:
        if worker.process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the worker process did not start; see {worker.log_file}")
        await asyncio.sleep(0.2)


async def _idle(client: Client, workflow_ids: list[str]) -> bool:
    """No pending workflow task or activity in any of ``workflow_ids``."""
    for workflow_id in workflow_ids:
        raw = (await client.get_workflow_handle(workflow_id).describe()).raw_description
        if raw.pending_activities or raw.HasField("pending_workflow_task"):
            return False
    return True


async def wait_settled(client: Client, workflow_ids: list[str], timeout: float) -> float:
    """Wait until the workflows have nothing to do (no pending workflow task or activity); return seconds waited.

    Looks at the last started (the worker takes new workflows roughly in start order)
    and at a sample of the others. (The task queue's backlog statistics would be
    cheaper but the server caches them for seconds.)
    """
    started = time.monotonic()
    tail = workflow_ids[-20:]
    sample = workflow_ids[:: max(1, len(workflow_ids) // 50)]
    while time.monotonic() - started < timeout:
        if await _idle(client, tail) and await _idle(client, sample):
            return time.monotonic() - started
        await asyncio.sleep(0.5)
    raise TimeoutError(f"{len(workflow_ids)} workflows did not settle within {timeout:.0f} s")


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def recorded_times(engine: Engine, organisation_id: int) -> tuple[dict[str, datetime], dict[str, datetime]]:
    """(recorded at, scheduled at) by action key, from the outbox rows of the organisation.

    Recorded at: ``Notification.created_at`` of the action's first row, set by the
    ``record_actions`` activity when it writes the row (UTC, microseconds; the commit
    follows within milliseconds). Scheduled at: ``not_before``, the ``scheduled_at`` the
    workflow's own decision gave the activity (compared with the planned time).
    """
    recorded: dict[str, datetime] = {}
    scheduled: dict[str, datetime] = {}
    with Session(engine) as session:
        rows = session.exec(select(Notification.idempotency_key, Notification.created_at, Notification.not_before)
                            .where(Notification.organisation_id == organisation_id))
        for key, created_at, not_before in rows:
            action = key.rsplit(":", 1)[0]
            at = _utc(created_at)
            if action not in recorded or at < recorded[action]:
                recorded[action] = at
            if not_before is not None:
                scheduled[action] = _utc(not_before)
    return recorded, scheduled


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ProcessSampler:
    """Samples the worker's RSS (and the CPU time of the worker and the server) every ``interval`` s.

    The RSS peak between samples is still seen through VmHWM at the end.
    """

    def __init__(self, worker: WorkerProcess, server: DevServer, interval: float = 0.5) -> None:
        self.worker = worker
        self.server = server
        self.interval = interval
        self.samples: list[tuple[float, float, float, float]] = []  # (monotonic, RSS MB, worker CPU s, server CPU s)
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(FileNotFoundError, ProcessLookupError, AssertionError, AttributeError):
                self.samples.append((time.monotonic(), self.worker.rss_mb()[0], cpu_seconds(self.worker.process.pid),
                                     cpu_seconds(self.server.process.pid)))
            await asyncio.sleep(self.interval)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def between(self, start: float, end: float) -> tuple[float, float, float]:
        """(max RSS MB, worker CPU share, server CPU share) between two monotonic times (1.0 = one core)."""
        inside = [s for s in self.samples if start <= s[0] <= end]
        if len(inside) < 2:
            return float("nan"), float("nan"), float("nan")
        span = inside[-1][0] - inside[0][0]
        return (max(s[1] for s in inside), (inside[-1][2] - inside[0][2]) / span,
                (inside[-1][3] - inside[0][3]) / span)


# -- phase 2: activation ------------------------------------------------------------------


async def activation_phase(client: Client, server: DevServer, tmp: Path, n_tasks: int, concurrency: int, *,
                           worker_in_process: bool = False, bytecode: bool = True) -> float:
    """Start ``n_tasks`` task workflows with the activation code; return workflow starts/s.

    By default the worker (``python -m worker``: ``worker.build_worker`` on the task
    queue) runs in its own process, as in production where ``dondoc plan activate`` is
    one process and ``dondoc worker`` / ``dondoc up`` another. With
    ``worker_in_process`` it runs in this process, sharing the event loop with the
    client (as the raw engine's worker does). Also measured, into
    :data:`LAST_ACTIVATION`: how long the worker then needs until every new workflow has
    run its first workflow task, its ``load_definition`` activity and set its timer.
    """
    from worker import build_worker

    work = tmp / "activation"
    work.mkdir(exist_ok=True)
    url = f"sqlite:///{work / 'dondoc.db'}"
    engine = make_engine(url)
    create_schema(engine)
    settings = Settings(data_dir=work, database_url=url, temporal_address=server.address,
                        task_queue=f"bench-activation-{uuid.uuid4().hex[:6]}")
    config = load_organisation(ORG_FILE)
    review = activation_review(n_tasks, date.today().year + 1)
    began = time.perf_counter()
    org, plan, stored = store(engine, review, config, ORG_FILE)
    stored_s = time.perf_counter() - began
    pycache = tmp / "pycache" if bytecode else None
    worker = None
    try:
        async with contextlib.AsyncExitStack() as stack:
            if worker_in_process:
                stack.enter_context(bytecode_cache(pycache))
                await stack.enter_async_context(build_worker(client, settings, engine))
            else:
                worker = start_worker(server, url, work, settings.task_queue, pycache)
                await wait_polling(client, worker, settings.task_queue)
            began = time.perf_counter()
            counts = await start_workflows(client, settings, engine, plan, org, stored, concurrency=concurrency)
            elapsed = time.perf_counter() - began
            settle = await wait_settled(client, [s.workflow_id for s in stored], timeout=1800)
    finally:
        if worker is not None:
            worker.stop()
        engine.dispose()
    rate = counts["started"] / elapsed
    init_rate = counts["started"] / (elapsed + settle)
    LAST_ACTIVATION.clear()
    LAST_ACTIVATION.update(activation_worker="in-process" if worker_in_process else "own process",
                           activation_store_s=round(stored_s, 2), activation_start_s=round(elapsed, 1),
                           activation_settle_s=round(settle, 1), workflow_init_per_s=round(init_rate, 1))
    print(f"Activation: stored {n_tasks} tasks in {stored_s:.1f} s; started {counts['started']} task workflows "
          f"in {elapsed:.1f} s ({dict(counts)}; worker {LAST_ACTIVATION['activation_worker']}); every one had run its "
          f"first workflow task, load_definition and set its timer {settle:.1f} s later: {init_rate:.1f} workflows "
          f"initialised/s")
    if counts["started"] != n_tasks:
        raise RuntimeError(f"activation started {counts['started']} of {n_tasks} workflows: {dict(counts)}")
    return rate


# -- phase 3: timers ----------------------------------------------------------------------


async def timer_phase(client: Client, server: DevServer, tmp: Path, n_open: int, window_s: float, concurrency: int,
                      *, init_rate: float | None = None, bytecode: bool = True) -> dict:
    """M open task workflows whose wake-ups are spread over ``window_s`` seconds; lateness and worker RSS.

    Args:
        init_rate: workflows the worker initialises per second (measured by
            :func:`activation_phase`), used to place the window after the starts and
            the workflows' first workflow tasks (default: a cautious 10/s).
        bytecode: run the worker with a bytecode cache (see :func:`bytecode_cache`).
    """
    work = tmp / "timers"
    work.mkdir(exist_ok=True)
    url = f"sqlite:///{work / 'dondoc.db'}"
    engine = make_engine(url)
    create_schema(engine)
    queue = f"bench-timers-{uuid.uuid4().hex[:6]}"
    settings = Settings(data_dir=work, database_url=url, temporal_address=server.address, task_queue=queue)

    # The worker first: its start-up (imports, schema check, connection) is not in the lead time.
    worker = start_worker(server, url, work, queue, tmp / "pycache" if bytecode else None)
    sampler = ProcessSampler(worker, server)
    sampler.start()
    try:
        await wait_polling(client, worker, queue)
        rss_idle = worker.rss_mb()[0]

        # Place the window after the starts and their first workflow tasks.
        # Store (~5 ms a plan) + starts and first workflow tasks at 90% of the measured rate + 10 s.
        lead = 10 + 0.006 * n_open + n_open / (0.9 * (init_rate or 10.0))
        now = datetime.now(timezone.utc)
        t0 = now + timedelta(seconds=lead)
        zone, today, slots = place_window(now, t0, window_s, n_open)
        config = working_days_around(load_organisation(ORG_FILE), today)

        began = time.perf_counter()
        plans = store_timer_plans(engine, config, slots, zone, today)
        stored_s = time.perf_counter() - began
        if len(plans.planned) != n_open:
            raise RuntimeError(f"the pure policy plans {len(plans.planned)} actions in the window, not {n_open}")

        began = time.perf_counter()
        counts: Counter = await start_workflows(client, settings, engine, None, None, plans.stored,
                                                concurrency=concurrency)
        start_s = time.perf_counter() - began
        settle_s = await wait_settled(client, [s.workflow_id for s in plans.stored], timeout=1800)
        margin = (t0 - datetime.now(timezone.utc)).total_seconds()
        early = len(recorded_times(engine, plans.organisation_id)[0])
        print(f"Timers: {n_open} plans of one task stored in {stored_s:.1f} s; {counts['started']} workflows started "
              f"in {start_s:.1f} s ({counts['started'] / start_s:.1f}/s), settled {settle_s:.1f} s later; "
              f"window of {window_s:.0f} s starts in {margin:.0f} s ({zone.key}, wake-ups every "
              f"{window_s / n_open * 1000:.0f} ms; worker {'with' if bytecode else 'without'} bytecode cache)")
        if margin < 0 or early:
            print(f"  WARNING: the window began before the workflows had settled "
                  f"({early} actions already recorded); the first lateness figures include start-up load")
        rss_open = worker.rss_mb()[0]

        # Wait for the window, then for the stragglers (bounded).
        window_start = time.monotonic() + max(0.0, margin)
        end = t0 + timedelta(seconds=window_s)
        await asyncio.sleep(max(0.0, (end - datetime.now(timezone.utc)).total_seconds()))
        drain_deadline = time.monotonic() + 120
        while True:
            recorded, scheduled = recorded_times(engine, plans.organisation_id)
            if set(plans.planned) <= set(recorded) or time.monotonic() > drain_deadline:
                break
            await asyncio.sleep(1)
        window_end = time.monotonic()
        rss_now, rss_peak = worker.rss_mb()
        worker_alive = worker.process.poll() is None
    finally:
        await sampler.stop()
        worker.stop()

    late_by_key = {key: (recorded[key] - at).total_seconds() for key, at in plans.planned.items() if key in recorded}
    lateness = list(late_by_key.values())
    window_rss, worker_cpu, server_cpu = sampler.between(window_start, window_end)
    missing = len(plans.planned) - len(lateness)
    unexpected = len(set(recorded) - set(plans.planned))
    mismatched = sum(1 for key, at in plans.planned.items() if key in scheduled and scheduled[key] != at)
    result: dict[str, Any] = {
        "timer_workflows": n_open,
        "timer_window_s": window_s,
        "timer_start_rate_per_s": round(counts["started"] / start_s, 1),
        "timer_settle_s": round(settle_s, 1),
        "timer_window_margin_s": round(margin, 1),
        "worker_bytecode_cache": bytecode,
        "timer_actions_planned": len(plans.planned),
        "timer_actions_recorded": len(lateness),
        "timer_actions_missing": missing,
        "timer_actions_unexpected": unexpected,
        "timer_planned_time_mismatches": mismatched,
    }
    if lateness:
        result.update({
            "lateness_p50_s": round(percentile(lateness, 50), 3),
            "lateness_p95_s": round(percentile(lateness, 95), 3),
            "lateness_p99_s": round(percentile(lateness, 99), 3),
            "lateness_max_s": round(max(lateness), 3),
            "lateness_min_s": round(min(lateness), 3),
        })
    result.update({
        "worker_rss_idle_mb": round(rss_idle, 1),
        "worker_rss_all_open_mb": round(rss_open, 1),
        "worker_rss_window_max_mb": round(window_rss, 1),
        "worker_rss_end_mb": round(rss_now, 1),
        "worker_rss_peak_mb": round(rss_peak, 1),  # VmHWM: the process's high-water mark
        "worker_alive_at_end": worker_alive,
        "worker_cpu_window": round(worker_cpu, 2),
        "server_cpu_window": round(server_cpu, 2),
    })
    engine.dispose()
    print(f"Timer-driven activities ({len(lateness)} of {len(plans.planned)} recorded, {missing} missing): lateness "
          + (f"p50 {result['lateness_p50_s']:.3f} s, p95 {result['lateness_p95_s']:.3f} s, "
             f"p99 {result['lateness_p99_s']:.3f} s, max {result['lateness_max_s']:.3f} s" if lateness else "n/a"))
    # Lateness along the window (in slot order): a backlog that grows shows as a rising curve.
    ordered = [late_by_key.get(key) for key in plans.planned]
    tenth = max(1, len(ordered) // 10)
    curve = [[x for x in ordered[i:i + tenth] if x is not None] for i in range(0, len(ordered), tenth)]
    result["lateness_p50_by_tenth_of_window_s"] = [round(percentile(c, 50), 2) if c else None for c in curve]
    print("  p50 lateness by tenth of the window: " + " ".join(
        f"{x:.2f}" if x is not None else "-" for x in result["lateness_p50_by_tenth_of_window_s"]))
    print(f"  CPU during the window: worker {worker_cpu:.0%}, Temporal dev server {server_cpu:.0%} of one core "
          f"({os.cpu_count()} cores)")
    print(f"Worker RSS: {rss_idle:.0f} MB idle, {rss_open:.0f} MB with {n_open} open workflows, "
          f"{result['worker_rss_window_max_mb']:.0f} MB max during the window, peak (VmHWM) {rss_peak:.0f} MB")
    return result
