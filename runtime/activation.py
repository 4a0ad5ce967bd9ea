"""``dondoc plan activate``: store a reviewed plan and start one TaskWorkflow per task.

Idempotent end to end: the DB rows are upserted by natural keys (see plan_store), the
workflow ID is derived from organisation, plan and task codes, and a start that finds
the workflow running is not a second start. A task whose reviewed content changed
(revision hash) is sent the new definition; a removed task is cancelled.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from persistence.db import create_schema, make_engine, session_scope
from persistence.models import Occurrence, OccurrenceKind, OccurrenceStatus, Task, TaskStatus, stored_id, stored_row, utcnow
from persistence.plan_store import PlanConflict, StoredTask, find_plan, plan_label, store_tasks, upsert_plan
from persistence.progress import sync_plan_progress
from runtime import workflow_bridge as bridge
from settings import Settings

# Starts in flight at once: enough to keep the server busy, few enough not to hit the
# namespace's RPC and poller limits on the dev server.
DEFAULT_CONCURRENCY = 32


class ActivationError(ValueError):
    """The plan cannot be activated; the message is for the user (Vietnamese)."""


class ConfirmationRequired(ActivationError):
    """Activation would cancel tasks: nothing was changed; ask the user, then retry confirmed.

    Attributes:
        tasks: (code, title) of every task the activation would cancel.
    """

    def __init__(self, plan_name: str, tasks: list[tuple[str, str]]) -> None:
        self.tasks = tasks
        listed = "\n".join(f"  {code} {title[:80]}" for code, title in tasks)
        super().__init__(
            f"Kích hoạt {plan_name} sẽ huỷ {len(tasks)} nhiệm vụ không còn trong tệp rà soát:\n{listed}\n"
            "Chưa thay đổi gì. Nếu đúng ý, chạy lại với --yes."
        )


@dataclass
class ActivationReport:
    """What one activation did."""

    plan_code: str
    organisation_code: str
    workflows: dict[str, str] = field(default_factory=dict)  # task code -> workflow ID
    counts: Counter = field(default_factory=Counter)  # started, unchanged, updated, restarted, cancelled
    plan_name: str | None = None  # "12/KH-UBND của UBND xã ..." (what a person reads)
    cancelled_tasks: list[tuple[str, str]] = field(default_factory=list)  # (code, title)

    def summary(self) -> str:
        c = self.counts
        text = (
            f"Kế hoạch {self.plan_name or self.plan_code}: {len(self.workflows)} nhiệm vụ; "
            f"khởi động {c['started']}, không đổi {c['unchanged']}, cập nhật {c['updated']}, "
            f"khởi động lại {c['restarted']}, huỷ {c['cancelled']}."
        )
        if self.cancelled_tasks:
            text += "\nĐã huỷ: " + "; ".join(f"{code} {title[:60]}" for code, title in self.cancelled_tasks)
        return text


def load_inputs(review_path: Path, org_path: Path | None) -> tuple[Any, Any, Path]:
    """Load and check the review file and its organisation file.

    Raises:
        ActivationError: the review has errors, or no organisation file is known.
    """
    from domain.organisation import load_organisation
    from ingest.review import ReviewError, load_review

    try:
        review = load_review(review_path)
    except ReviewError as error:
        lines = [f"  dòng {p.line}: {p.message}" if p.line else f"  {p.message}" for p in error.problems]
        raise ActivationError(
            f"Tệp rà soát {review_path} còn {len(error.problems)} lỗi, chưa thể kích hoạt:\n" + "\n".join(lines)
        ) from None
    if org_path is None:
        if not review.organisation:
            raise ActivationError(
                f"Tệp rà soát {review_path} không ghi tệp tổ chức (organisation): hãy dùng --org ORG.yaml."
            )
        org_path = (review_path.parent / review.organisation).resolve()
    return review, load_organisation(org_path), org_path


def store(
    engine: Engine, review: Any, org_config: Any, review_path: Path, *, confirm_cancel: bool = False
) -> tuple[Any, Any, list[StoredTask]]:
    """Write organisation, plan, tasks and occurrences in one transaction.

    Args:
        confirm_cancel: the user agreed to cancel the tasks no longer in the review.

    Raises:
        ActivationError: the review's plan would overwrite a different plan.
        ConfirmationRequired: tasks would be cancelled and ``confirm_cancel`` is False
            (the transaction is rolled back: nothing changed).
    """
    from persistence.organisation_store import sync_organisation

    with session_scope(engine) as session:
        org = sync_organisation(session, org_config)
        session.flush()
        try:
            _, code = find_plan(session, org, review.plan)
        except PlanConflict as conflict:
            raise ActivationError(str(conflict)) from None
        plan = upsert_plan(session, org, review, code, review.chasing.policy_dict(), str(review_path))
        plan.requires_confirmation = review.chasing.requires_confirmation
        standing = getattr(review.plan, "standing_coordinator", None)
        if standing:
            unit = org_config.resolve_unit(standing)
            if unit is not None:
                plan.standing_unit_id = bridge.unit_id(session, stored_id(org), unit.code)
        removed_before = set(session.exec(
            select(Task.id).where(Task.plan_id == plan.id, Task.status == TaskStatus.CANCELLED)
        ))
        stored = store_tasks(
            session, plan, review, org_config.resolve_unit, org_config.work_calendar(),
            bridge.workflow_id_for, org.code,
        )
        _reopen_restored(session, [s for s in stored if s.task_id in removed_before and s.change == "changed"])
        cancelled = [(s.code, stored_row(session, Task, s.task_id).title) for s in stored if s.change == "removed"]
        if cancelled and not confirm_cancel:
            raise ConfirmationRequired(plan_name(plan), cancelled)
        sync_plan_progress(session, org, plan, stored)  # the reporting cycle (persistence.progress)
        from reports.indicators import store_indicators  # the plan's chỉ tiêu, tracked per period

        store_indicators(session, plan, review, org_config.resolve_unit)
        return org, plan, stored


def plan_name(plan: Any) -> str:
    """The plan as a person names it: "12/KH-UBND của UBND xã ...", not its code."""
    return plan_label(plan.number, plan.title, plan.issuer)


def _reopen_restored(session: Session, restored: list[StoredTask]) -> None:
    """Reopen the occurrences of tasks put back into the review after being removed.

    Removing a task cancels its open occurrences; without this, the task's new run
    would load only cancelled occurrences and complete at once, chasing nobody.
    Done occurrences stay done; so do progress updates of periods whose cut-off is past.
    """
    today = date.today()
    for item in restored:
        progress = session.exec(select(Occurrence).where(
            Occurrence.task_id == item.task_id, Occurrence.kind == OccurrenceKind.PROGRESS,
            Occurrence.status == OccurrenceStatus.CANCELLED, Occurrence.due >= today))
        for occurrence in [*item.occurrences, *progress]:
            if occurrence.status == OccurrenceStatus.CANCELLED:
                occurrence.status = OccurrenceStatus.OPEN
                occurrence.updated_at = utcnow()
                session.add(occurrence)


async def _apply(client: Client, settings: Settings, engine: Engine, item: StoredTask, roll_over: bool = True) -> str:
    """Bring one task's workflow in line with the DB; return what was done."""
    handle = client.get_workflow_handle(item.workflow_id)
    if item.change == "removed":
        try:
            await bridge.cancel(handle)
            return "cancelled"
        except Exception:  # never started, or already closed: nothing to cancel
            return "unchanged"
    workflow_input = bridge.build_input(engine, item.task_id, roll_over=roll_over)
    try:
        await client.start_workflow(
            bridge.WORKFLOW_RUN, workflow_input, id=item.workflow_id, task_queue=settings.task_queue,
            # A failed or terminated run may be replaced; a completed one (all done,
            # cancelled) is not resurrected by activating the same plan again.
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        )
        return "started"
    except WorkflowAlreadyStartedError:
        pass
    if item.change == "unchanged":
        return "unchanged"
    description = await handle.describe()
    if description.status == WorkflowExecutionStatus.RUNNING:
        await bridge.send_definition(handle, workflow_input)
        return "updated"
    # Closed (e.g. completed) but the task changed: a new run with the new definition.
    await client.start_workflow(
        bridge.WORKFLOW_RUN, workflow_input, id=item.workflow_id, task_queue=settings.task_queue,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
    )
    return "restarted"


async def start_workflows(
    client: Client,
    settings: Settings,
    engine: Engine,
    plan: Any,
    org: Any,
    stored: list[StoredTask],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    console: Console | None = None,
    roll_over: bool = True,
) -> Counter:
    """Start/update the workflows of ``stored`` with at most ``concurrency`` RPCs in flight.

    ``roll_over=False`` for runs on shifted dates (simulation), where the calendar year
    of the clock is not the plan's: no loading of the next year's occurrences.
    """
    gate = asyncio.Semaphore(concurrency)
    counts: Counter = Counter()
    progress = Progress(
        TextColumn("[bold]Khởi động quy trình"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console or Console(stderr=True), transient=False, disable=console is None,
    )

    async def one(item: StoredTask, bar: Any) -> None:
        async with gate:
            counts[await _apply(client, settings, engine, item, roll_over)] += 1
        progress.advance(bar)

    with progress:
        bar = progress.add_task("start", total=len(stored))
        await asyncio.gather(*(one(item, bar) for item in stored))
    await start_indicator_chase(client, settings, engine, plan.id)
    return counts


async def start_indicator_chase(client: Client, settings: Settings, engine: Engine, plan_id: int) -> str | None:
    """Start (or wake) the chase of the plan's indicators; None when the plan has none to chase."""
    from contracts.indicator_chase import IndicatorChaseInput, indicator_chase_id
    from persistence.models import Indicator, Organisation, Plan, PlanStatus
    from workflows import client as typed_client

    with Session(engine) as session:
        plan = session.get(Plan, plan_id)
        if plan is None or plan.status != PlanStatus.ACTIVE:
            return None
        has_indicators = session.exec(select(Indicator.id).where(
            Indicator.plan_id == plan.id, Indicator.active == True)).first() is not None  # noqa: E712
        org = session.get(Organisation, plan.organisation_id)
        if not has_indicators or org is None:
            return None
        params = IndicatorChaseInput(organisation_id=stored_id(org), plan_id=stored_id(plan),
                                     workflow_id=indicator_chase_id(org.code, plan.code))
    return await typed_client.start_indicator_chase(client, params, task_queue=settings.task_queue)


async def start_indicator_chases(client: Client, settings: Settings, engine: Engine) -> int:
    """Make sure every active plan with indicators has its chase running (a service start after an upgrade)."""
    from persistence.models import Plan, PlanStatus

    with Session(engine) as session:
        plan_ids = [stored_id(p) for p in session.exec(select(Plan).where(Plan.status == PlanStatus.ACTIVE))]
    started = 0
    for plan_id in plan_ids:
        if await start_indicator_chase(client, settings, engine, plan_id) == "started":
            started += 1
    return started


async def activate_loaded(
    review: Any,
    org_config: Any,
    review_path: Path,
    settings: Settings,
    client: Client,
    engine: Engine,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    console: Console | None = None,
    catch_up: Any | None = None,
    confirm_cancel: bool = False,
) -> ActivationReport:
    """Activate an already loaded review (used by the CLI, the simulator and the benchmark).

    ``catch_up`` (a ``runtime.catch_up.CatchUp``) settles the periods already past
    before any workflow starts; None leaves them as stored.

    Raises:
        ConfirmationRequired: it would cancel tasks and ``confirm_cancel`` is False;
            the browser shows ``error.tasks`` and asks, the CLI asks for ``--yes``.
    """
    org, plan, stored = store(engine, review, org_config, review_path, confirm_cancel=confirm_cancel)
    if catch_up is not None:
        from dataclasses import replace

        from domain import clock
        from runtime import catch_up as catching_up

        if catch_up.today is None:  # "past" is judged on the organisation's calendar day, not the server's
            catch_up = replace(catch_up, today=clock.today(org_config.organisation.timezone))

        catching_up.apply(engine, [s.task_id for s in stored if s.change != "removed"], catch_up,
                          org_config.work_calendar())
    report = ActivationReport(plan_code=plan.code, organisation_code=org.code, plan_name=plan_name(plan))
    with Session(engine) as session:
        report.cancelled_tasks = [(s.code, stored_row(session, Task, s.task_id).title) for s in stored if s.change == "removed"]
    report.workflows = {s.code: s.workflow_id for s in stored if s.change != "removed"}
    report.counts = await start_workflows(
        client, settings, engine, plan, org, stored, concurrency=concurrency, console=console
    )
    return report


async def activate(
    review_path: Path,
    org_path: Path | None,
    settings: Settings,
    *,
    client: Client | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    console: Console | None = None,
    catch_up: Any | None = None,
    confirm_cancel: bool = False,
) -> ActivationReport:
    """Store the plan of ``review_path`` and start its task workflows.

    Args:
        review_path: a review file without errors (a file with errors is refused).
        org_path: the organisation file; default: the one the review file names.
        settings: database and Temporal settings.
        client: a connected client; default: TEMPORAL_ADDRESS or the embedded server
            (started for the duration of the call if none is running).
        concurrency: maximum workflow-start RPCs in flight.
        console: where the progress bar goes (stderr in the CLI); None for none.
        catch_up: choices for the periods already past (``runtime.catch_up.CatchUp``).
        confirm_cancel: cancel the tasks no longer in the review (``--yes``).

    Raises:
        ActivationError: the review file has errors or names no organisation, or its
            plan would overwrite another plan.
        ConfirmationRequired: tasks would be cancelled and ``confirm_cancel`` is False.
    """
    review_path = Path(review_path).resolve()
    review, org_config, _ = load_inputs(review_path, Path(org_path).resolve() if org_path else None)
    engine = make_engine(settings.effective_database_url)
    create_schema(engine)
    if client is not None:
        return await activate_loaded(
            review, org_config, review_path, settings, client, engine, concurrency=concurrency, console=console,
            catch_up=catch_up,
            confirm_cancel=confirm_cancel,
        )
    from runtime.devserver import temporal_client

    async with temporal_client(settings, ui=False) as own_client:
        return await activate_loaded(
            review, org_config, review_path, settings, own_client, engine, concurrency=concurrency, console=console,
            catch_up=catch_up,
            confirm_cancel=confirm_cancel,
        )
