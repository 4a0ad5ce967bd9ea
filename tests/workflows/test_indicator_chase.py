"""The indicator chase on the time-skipping server: unreported chỉ tiêu are chased like tasks.

Xã Vĩnh Lập's continuous task reports on every period (cut-offs 13/3, 12/6, 11/9,
11/12/2026); its two indicators are reported by the same cut-offs: CT-01 by the
accountant (tai-chinh), CT-02 by the justice officer (tu-phap). A value reported stops
the chase of that indicator for that period, and only that one.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import date, timedelta

from sqlmodel import Session, select
from temporalio.client import WorkflowExecutionStatus
from temporalio.worker import Worker

from activities.indicator_activities import IndicatorActivities
from contracts.indicator_chase import IndicatorChaseInput, indicator_chase_id
from domain.calendar import WorkCalendar
from persistence.db import session_scope
from persistence.models import Event, Indicator, Notification, Plan, PlanStatus
from reports.indicators import report_value
from simulation.calendar_shift import shift_calendar, weeks_needed
from tests.workflows.conftest import HISTORIES
from tests.workflows.harness import TZ, Run, _shift_db
from tests.workflows.seed import seed
from workflows import client
from workflows.indicators import IndicatorChaseWorkflow

D = date
CT01 = ("CT-01", "Tỷ lệ hồ sơ trực tuyến đạt tối thiểu 50%", "tai-chinh", ">=", 50.0, "%")
CT02 = ("CT-02", "100% TTHC được công khai", "tu-phap", ">=", 100.0, "%")


@asynccontextmanager
async def chase(env, tmp_path, indicators=(CT01, CT02), record: str | None = None, **seed_options) -> AsyncIterator[Run]:
    """A 2026 plan with a continuous task and ``indicators``, shifted past the server's clock; its chase running."""
    seeded = seed(tmp_path / "dondoc.db", deadline="Thường xuyên", progress=True, **seed_options)
    with session_scope(seeded.engine) as session:
        for code, text, unit, comparator, value, measure in indicators:
            session.add(Indicator(organisation_id=seeded.organisation_id, plan_id=seeded.plan_id, code=code, text=text,
                                  owner_unit=unit, comparator=comparator, target_value=value, unit=measure))
    now = await env.get_current_time()
    days = weeks_needed(date(2026, 1, 1), now.astimezone(TZ).date() + timedelta(days=1))
    shift = shift_calendar(WorkCalendar(), date(2025, 12, 1), date(2027, 12, 31), days)
    _shift_db(seeded, shift)
    task_queue = f"indicators-{uuid.uuid4().hex[:8]}"
    workflow_id = indicator_chase_id("xa-vinh-lap", f"kh-2026-12-{uuid.uuid4().hex[:6]}")
    async with Worker(env.client, task_queue=task_queue, workflows=[IndicatorChaseWorkflow],
                      activities=[IndicatorActivities(seeded.engine).chase_indicators],
                      activity_executor=ThreadPoolExecutor(2)):
        params = IndicatorChaseInput(seeded.organisation_id, seeded.plan_id, workflow_id)
        assert await client.start_indicator_chase(env.client, params, task_queue=task_queue) == "started"
        handle = env.client.get_workflow_handle(workflow_id)
        run = Run(env, seeded, shift, handle, handle.result_run_id or "")
        try:
            yield run
            if record:  # DONDOC_RECORD_HISTORIES=1: the history future changes must replay (test_replay)
                history = await env.client.get_workflow_handle(workflow_id, run_id=run.first_run_id).fetch_history()
                HISTORIES.mkdir(exist_ok=True)
                (HISTORIES / f"{record}.json").write_text(json.dumps(json.loads(history.to_json()), indent=1))
        finally:
            if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
                await handle.terminate("test over")
    seeded.engine.dispose()


def chases(run: Run, code: str | None = None) -> list[tuple]:
    """(day, kind, indicator, period, level, recipients) of every indicator chase recorded, on 2026 dates."""
    with Session(run.seeded.engine) as session:
        events = list(session.exec(select(Event).order_by(Event.at, Event.id)))
        notes = list(session.exec(select(Notification)))
    to: dict[str, list[str]] = {}
    for note in notes:
        to.setdefault(note.idempotency_key.rsplit(":", 1)[0], []).append(note.context["recipient_username"])
    out = []
    for event in events:
        if "indicator_id" not in (event.data or {}):
            continue
        if code is None or event.data["indicator_code"] == code:
            out.append((run.back(event.at).date(), event.kind, event.data["indicator_code"], event.data["period_key"],
                        event.data["level"], tuple(sorted(to.get(event.idempotency_key, [])))))
    return out


def report(run: Run, code: str, period: str, value: float) -> None:
    with session_scope(run.seeded.engine) as session:
        indicator = session.exec(select(Indicator).where(Indicator.code == code)).one()
        report_value(session, indicator, period, value=value, by="ketoan")


ACC, ACC_COORD = ("ketoan",), ("ketoan", "vanphong")
JUS, VICE, CHAIR = ("tuphap",), ("phochutich",), ("chutich",)


async def test_unreported_indicators_are_reminded_then_escalated(env, tmp_path, record_histories) -> None:
    async with chase(env, tmp_path, record="indicator_chase" if record_histories else None) as run:
        # CT-02 reported before the Q1 cut-off (13/3): reminded on 6/3 only, then left alone.
        await run.until(D(2026, 3, 9), 10)
        report(run, "CT-02", "2026-Q1", 100)
        await run.until(D(2026, 3, 27), 16)
        assert chases(run, "CT-02") == [(D(2026, 3, 6), "reminder", "CT-02", "2026-Q1", 0, JUS)]
        # CT-01 never reported for Q1: the plan's ladder, from the owner unit to the chairman.
        assert chases(run, "CT-01") == [
            (D(2026, 3, 6), "reminder", "CT-01", "2026-Q1", 0, ACC),
            (D(2026, 3, 11), "reminder", "CT-01", "2026-Q1", 0, ACC),
            (D(2026, 3, 13), "due", "CT-01", "2026-Q1", 0, ACC),
            (D(2026, 3, 16), "overdue", "CT-01", "2026-Q1", 1, ACC_COORD),
            (D(2026, 3, 18), "escalation", "CT-01", "2026-Q1", 2, VICE),
            (D(2026, 3, 20), "escalation", "CT-01", "2026-Q1", 3, CHAIR),
            (D(2026, 3, 27), "escalation", "CT-01", "2026-Q1", 3, CHAIR),  # weekly until reported
        ]
        # Reported late: the weekly escalation stops; the next period is chased on its own.
        report(run, "CT-01", "2026-Q1", 62.5)
        await run.until(D(2026, 6, 8), 16)
        later = [c for c in chases(run) if c[0] > D(2026, 3, 27)]
        assert later == [(D(2026, 6, 5), "reminder", "CT-01", "2026-H1", 0, ACC),
                         (D(2026, 6, 5), "reminder", "CT-02", "2026-H1", 0, JUS)]
        state = await client.indicator_chase_state(env.client, run.handle.id)
        assert state.unreported == 2 * 4 - 2  # both indicators for H1, Q3 and Y
        # Every recipient got one outbox row per action; the rows name the indicator, its target and period.
        with Session(run.seeded.engine) as session:
            rows = list(session.exec(select(Notification).where(Notification.task_id == None)))  # noqa: E711
        assert len(rows) == sum(len(c[5]) for c in chases(run))
        first = min(rows, key=lambda r: r.id)
        assert (first.context["indicator_code"], first.context["target"], first.context["period_key"]) == (
            "CT-01", "≥ 50%", "2026-Q1")


async def test_the_chase_ends_with_its_plan_and_wakes_on_refresh(env, tmp_path) -> None:
    async with chase(env, tmp_path, indicators=(CT01,)) as run:
        await run.until(D(2026, 3, 6), 16)
        assert len(chases(run)) == 1
        with session_scope(run.seeded.engine) as session:
            plan = session.get(Plan, run.seeded.plan_id)
            plan.status = PlanStatus.CANCELLED
            session.add(plan)
        # Activation wakes the running chase: it sees the plan is no longer followed and ends.
        params = IndicatorChaseInput(run.seeded.organisation_id, run.seeded.plan_id, run.handle.id)
        assert await client.start_indicator_chase(env.client, params, task_queue="unused") == "refreshed"
        assert "dừng đôn đốc chỉ tiêu" in await run.handle.result()
        await run.until(D(2026, 3, 20), 16)
        assert len(chases(run)) == 1
