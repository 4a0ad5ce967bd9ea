"""``dondoc simulate``: a plan's whole year on the time-skipping test server.

The real TaskWorkflow and activities run against a temporary SQLite DB; simulated
owners (runtime.owners) report completions at chosen moments, driven from the client
with ``env.sleep`` (which skips time); the outbox then holds every reminder, overdue
notice and escalation the year caused. A plan year that has already begun is run on
later dates with an isomorphic calendar (simulation.calendar_shift) and shifted back.
"""

from __future__ import annotations

import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select
from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter
from temporalio.testing import WorkflowEnvironment

from contracts.task_workflow import is_progress_key
from persistence.db import create_schema, make_engine, session_scope
from persistence.models import Notification, Occurrence, Organisation, Plan, Task, stored_row
from runtime import workflow_bridge as bridge
from runtime.activation import load_inputs, start_workflows, store
from runtime.devserver import find_binary
from runtime.owners import OwnerAction, plan_owner_action
from settings import Settings
from simulation.calendar_shift import CalendarShift, shift_calendar, weeks_needed
from simulation.timeline import KINDS, TimelineEntry, summarise


@dataclass
class SimulationResult:
    """The timeline (shifted back to the plan's real dates) and its summary."""

    entries: list[TimelineEntry]
    summary: dict
    names: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"timeline": [e.to_json() for e in self.entries], "summary": self.summary}


def _apply_shift(engine, org_id: int, shift: CalendarShift) -> None:
    """Move every occurrence and the organisation calendar ``shift.days`` later."""
    if shift.days == 0:
        return
    with session_scope(engine) as session:
        org = stored_row(session, Organisation, org_id)
        org.extra_days_off = [d.isoformat() for d in shift.extra_days_off]
        org.makeup_working_days = [d.isoformat() for d in shift.makeup_working_days]
        session.add(org)
        for occ in session.exec(select(Occurrence).where(Occurrence.organisation_id == org_id)):
            occ.nominal, occ.due = shift.forward(occ.nominal), shift.forward(occ.due)
            session.add(occ)


def _timeline(engine, shift: CalendarShift, tz: ZoneInfo, horizon: datetime) -> tuple[list[TimelineEntry], dict[str, str]]:
    """One entry per chasing action, from the outbox (one row per recipient)."""
    grouped: dict[str, list[Notification]] = defaultdict(list)
    # An indicator's chase has no task: it is named by the indicator's code and period.
    with Session(engine) as session:
        tasks = {t.id: t.code for t in session.exec(select(Task))}
        periods = {o.id: o.period for o in session.exec(select(Occurrence))}
        for row in session.exec(select(Notification).where(col(Notification.kind).in_(KINDS))):
            grouped[row.idempotency_key.rsplit(":", 1)[0]].append(row)
    entries, names = [], {}
    for rows in grouped.values():
        first = rows[0]
        scheduled = first.context.get("scheduled_at") or first.not_before or first.created_at
        at = datetime.fromisoformat(scheduled) if isinstance(scheduled, str) else scheduled
        at = shift.back(at.astimezone(tz))
        if at > horizon:
            continue
        recipients = []
        for row in rows:
            person = row.context.get("recipient_username") or row.recipient_email
            names[person] = row.recipient_name or person
            recipients.append(person)
        indicator = first.context.get("indicator_code")
        entries.append(TimelineEntry(
            at=at, task=indicator or tasks.get(first.task_id, "?"),
            occurrence=first.context.get("period", "?") if indicator else periods.get(first.occurrence_id, "?"),
            kind=first.kind, level=first.level, to=tuple(sorted(recipients)),
        ))
    entries.sort(key=lambda e: (e.at, e.task, e.level))
    return entries, names


# Skip time in steps: one long skip over a busy plan makes the test server's RPC time out.
SKIP_STEP = timedelta(days=2)


async def _skip_to(env: WorkflowEnvironment, moment: datetime) -> None:
    while True:
        wait = moment - await env.get_current_time()
        if wait <= timedelta(0):
            return
        await env.sleep(min(wait, SKIP_STEP))


async def _progress_action(handle, what: str, occurrence_key: str) -> None:
    """A simulated officer's progress update of a period, or the office accepting it.

    Refused when no longer due (a one-off task done earlier cancels its later periods).
    """
    from temporalio.client import WorkflowUpdateFailedError
    from temporalio.service import RPCError

    from contracts.task_workflow import ReviewProgress, SubmitProgress
    from workflows import client as task_client

    period_key = occurrence_key.removesuffix(".progress")
    try:
        if what == "submit":
            await task_client.submit_progress(handle, SubmitProgress(
                period_key=period_key, actor="simulated-owner", status="in_progress",
                result="Đã triển khai theo kế hoạch (mô phỏng)."))
        else:
            await task_client.review_progress(handle, ReviewProgress(period_key, "simulated-coordinator", True))
    except (WorkflowUpdateFailedError, RPCError):
        pass  # refused, or the workflow already finished (every period closed): nothing to report


def _plan_indicator_reports(engine, plan_id: int, seed: int, complete_on_time: float, calendar, tz: ZoneInfo,
                            shift: CalendarShift, actions: list) -> Counter:
    """When the simulated owner units report each indicator for each period (on time, late or never).

    The same draw as the tasks' (runtime.owners), by the period's cut-off; the reports
    are added to ``actions`` as ("indicator", indicator id) entries. Returns the outcomes.
    """
    from persistence.models import Indicator
    from persistence.progress import chased_periods

    outcomes: Counter = Counter()
    with Session(engine) as session:
        plan = stored_row(session, Plan, plan_id)
        indicators = list(session.exec(select(Indicator).where(Indicator.plan_id == plan_id,
                                                               Indicator.active == True)))  # noqa: E712
        periods = chased_periods(session, plan)
    for indicator in indicators:
        for period_key, _label, cut_off in periods:
            act = plan_owner_action(seed, f"indicator/{indicator.code}", f"{period_key}.indicator",
                                    cut_off - shift.delta, complete_on_time, calendar, str(tz))
            outcomes[act.outcome] += 1
            if act.at is not None:
                actions.append((act.at + shift.delta, "indicator", str(indicator.id), act))
    return outcomes


def _report_indicator(engine, indicator_id: int, act: OwnerAction) -> None:
    """A simulated owner unit reports an indicator's value: the target itself (or "đạt")."""
    from persistence.models import Indicator
    from reports.indicators import report_value

    with session_scope(engine) as session:
        indicator = stored_row(session, Indicator, indicator_id)
        numeric = indicator.target_value is not None and bool(indicator.comparator)
        report_value(session, indicator, act.occurrence_key.removesuffix(".indicator"),
                     value=indicator.target_value if numeric else None, achieved=None if numeric else True,
                     note="Mô phỏng", by="simulated-owner")


def _quiet_runtime() -> Runtime:
    """A Temporal runtime that logs only errors (the JSON output must stay clean)."""
    return Runtime(telemetry=TelemetryConfig(logging=LoggingConfig(
        filter=TelemetryFilter(core_level="ERROR", other_level="ERROR"))))


async def simulate(
    review_path: Path,
    year: int,
    *,
    complete_on_time: float = 0.7,
    seed: int = 0,
    org_path: Path | None = None,
) -> SimulationResult:
    """Run ``year`` of the plan in ``review_path`` and return its chasing timeline.

    Args:
        review_path: review file (refused if it has errors).
        year: plan year to simulate (the review's tasks re-based onto it).
        complete_on_time: share of occurrences finished on time; the rest is split
            evenly between late and never.
        seed: makes the simulated owners deterministic.
        org_path: organisation file (default: the review's).
    """
    review, org_config, _ = load_inputs(Path(review_path).resolve(), Path(org_path) if org_path else None)
    review.plan.year = year
    tz = ZoneInfo(getattr(org_config.organisation, "timezone", None) or "Asia/Ho_Chi_Minh")
    real_calendar = org_config.work_calendar()
    with tempfile.TemporaryDirectory(prefix="dondoc-sim-") as tmp:
        settings = Settings(
            data_dir=Path(tmp), database_url=f"sqlite:///{tmp}/simulation.db",
            temporal_address=None, task_queue="dondoc-simulation",
        )
        engine = make_engine(settings.effective_database_url)
        create_schema(engine)
        env = await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=str(find_binary("temporal-test-server")), runtime=_quiet_runtime(),
        )
        async with env:
            now = (await env.get_current_time()).astimezone(tz)
            days = weeks_needed(date(year, 1, 1), now.date() + timedelta(days=1))
            shift = shift_calendar(real_calendar, date(year, 1, 1), date(year + 1, 6, 30), days)
            org, plan, stored = store(engine, review, org_config, Path(review_path))
            _apply_shift(engine, org.id, shift)
            with Session(engine) as session:
                occurrences = list(session.exec(select(Occurrence).where(Occurrence.organisation_id == org.id)))
            codes = {s.task_id: (s.code, s.workflow_id) for s in stored}
            actions: list[tuple[datetime, str, str, OwnerAction]] = []
            outcomes: Counter = Counter()
            for occ in occurrences:
                code, workflow_id = codes[occ.task_id]
                act = plan_owner_action(seed, code, occ.key, occ.due - shift.delta, complete_on_time, real_calendar, str(tz))
                outcomes[act.outcome] += 1
                if act.at is not None:
                    actions.append((act.at + shift.delta, "submit", workflow_id, act))
                if act.confirm_at is not None:  # set with ``at``: the coordinator confirms what was submitted
                    actions.append((act.confirm_at + shift.delta, "confirm", workflow_id, act))
            indicator_outcomes = _plan_indicator_reports(engine, plan.id, seed, complete_on_time, real_calendar, tz,
                                                         shift, actions)
            actions.sort(key=lambda a: a[0])

            from worker import build_worker

            horizon = datetime(year, 12, 31, 23, 59, tzinfo=tz)
            async with build_worker(env.client, settings, engine):
                await start_workflows(env.client, settings, engine, plan, org, stored, roll_over=False)
                for at, what, workflow_id, act in actions:
                    if at - shift.delta > horizon:
                        continue
                    await _skip_to(env, at)
                    if what == "indicator":
                        _report_indicator(engine, int(workflow_id), act)
                        continue
                    handle = env.client.get_workflow_handle(workflow_id)
                    if is_progress_key(act.occurrence_key):
                        await _progress_action(handle, what, act.occurrence_key)
                    elif what == "submit":
                        await bridge.submit_completion(handle, act.occurrence_key)
                    else:
                        await bridge.confirm_completion(handle, act.occurrence_key)
                await _skip_to(env, horizon + shift.delta)
            entries, names = _timeline(engine, shift, tz, horizon)
        engine.dispose()
    summary = summarise(entries, outcomes, year, len(stored))
    summary["indicators"] = dict(indicator_outcomes)
    summary["shifted_days"] = shift.days
    return SimulationResult(entries, summary, names)
