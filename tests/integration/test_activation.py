"""Activation against the real dev server: idempotent, and a changed task is updated in place."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select
from temporalio.client import WorkflowExecutionStatus

from contracts.task_workflow import is_progress_key
from persistence.db import create_schema, make_engine
from persistence.models import Task
from runtime.activation import ConfirmationRequired, activate_loaded
from runtime.devserver import DevServer
from settings import Settings
from tests.integration.support import LEADS, ORG_FILE, organisation, review, review_task, today_in, wait_for
from worker import build_worker
from workflows.task import TaskWorkflow

QUEUE = "dondoc-it-activation"


def _day(today: date, offset: int) -> date:
    """``today + offset`` kept inside the plan year (the plan is for this year)."""
    return max(date(today.year, 1, 2), min(today + timedelta(days=offset), date(today.year, 12, 31)))


def _tasks(today: date) -> list:
    vp, tp, tc, vh = LEADS
    return [
        review_task("1.1", "Rà soát, công khai thủ tục hành chính", vp, _day(today, 20)),
        review_task("1.2", "Tự kiểm tra văn bản quy phạm pháp luật", tp, _day(today, -10)),
        review_task("2.1", "Công khai dự toán ngân sách xã", tc, _day(today, 40)),
        review_task("2.2", "Số hoá hồ sơ thủ tục hành chính", vp, _day(today, 5)),
        review_task("3.1", "Tuyên truyền cải cách hành chính", vh, _day(today, 55)),
    ]


async def test_activation_is_idempotent(dev_server: DevServer, tmp_path: Path, db_url: str) -> None:
    settings = Settings(data_dir=tmp_path, database_url=db_url, temporal_address=dev_server.address,
                        task_queue=QUEUE)
    engine = make_engine(db_url)
    create_schema(engine)
    client = await dev_server.wait_ready(timeout=10)
    today = today_in("Asia/Ho_Chi_Minh")
    org_config = organisation(today)
    tasks = _tasks(today)
    the_review = review("301/KH-UBND", today.year, tasks)
    try:
        async with build_worker(client, settings, engine):
            first = await asyncio.wait_for(
                activate_loaded(the_review, org_config, ORG_FILE, settings, client, engine), 30)
            assert first.counts == Counter(started=5)
            runs = {code: (await client.get_workflow_handle(wid).describe()).run_id
                    for code, wid in first.workflows.items()}

            again = await asyncio.wait_for(
                activate_loaded(the_review, org_config, ORG_FILE, settings, client, engine), 30)
            assert again.counts == Counter(unchanged=5)
            assert again.workflows == first.workflows

            # One task gets a new title and another deadline in the review.
            new_due = _day(today, 15)
            assert tasks[1].deadline != f"trước {new_due:%d/%m/%Y}"
            changed = review_task("1.2", "Tự kiểm tra, rà soát văn bản quy phạm pháp luật",
                                  "Công chức Tư pháp - Hộ tịch", new_due)
            edited = review("301/KH-UBND", today.year, [changed if t.code == "1.2" else t for t in tasks])
            third = await asyncio.wait_for(
                activate_loaded(edited, org_config, ORG_FILE, settings, client, engine), 30)
            assert third.counts == Counter(unchanged=4, updated=1)
            assert third.workflows == first.workflows

            # No workflow was started twice: same runs, still running, five executions in all.
            for code, wid in first.workflows.items():
                description = await client.get_workflow_handle(wid).describe()
                assert description.run_id == runs[code], code
                assert description.status == WorkflowExecutionStatus.RUNNING, code
            query = f'TaskQueue = "{QUEUE}"'

            async def five_executions() -> bool:
                return (await client.count_workflows(query)).count == 5

            await wait_for(five_executions, 10, "visibility to count the plan's executions")

            # The workflow follows the new definition.
            with Session(engine) as session:
                row = session.exec(select(Task).where(Task.workflow_id == first.workflows["1.2"])).one()
                assert row.title == changed.title
            state = await client.get_workflow_handle(first.workflows["1.2"]).query(TaskWorkflow.state)
            live = [o for o in state.occurrences if o.status not in ("cancelled", "done") and not is_progress_key(o.key)]
            assert [o.due for o in live] == [new_due.isoformat()], state.occurrences
            assert state.workflow_id == first.workflows["1.2"]

            # A task dropped from the review is cancelled only once confirmed; put back, it is chased again.
            without = review("301/KH-UBND", today.year, [t for t in edited.tasks if t.code != "2.2"])
            with pytest.raises(ConfirmationRequired) as asked:
                await activate_loaded(without, org_config, ORG_FILE, settings, client, engine)
            assert [code for code, _ in asked.value.tasks] == ["2.2"] and "--yes" in str(asked.value)
            assert (await client.get_workflow_handle(first.workflows["2.2"]).describe()).status == WorkflowExecutionStatus.RUNNING
            dropped = await asyncio.wait_for(activate_loaded(
                without, org_config, ORG_FILE, settings, client, engine, confirm_cancel=True), 30)
            assert dropped.counts == Counter(unchanged=4, cancelled=1)
            assert [code for code, _ in dropped.cancelled_tasks] == ["2.2"] and "Đã huỷ: 2.2" in dropped.summary()
            handle = client.get_workflow_handle(first.workflows["2.2"])
            await asyncio.wait_for(handle.result(), 15)
            restored = await asyncio.wait_for(
                activate_loaded(edited, org_config, ORG_FILE, settings, client, engine), 30)
            assert restored.counts == Counter(unchanged=4, restarted=1)
            assert (await handle.describe()).run_id != runs["2.2"]

            async def loaded() -> bool:  # the new run has read its task (or has already ended)
                description = await handle.describe()
                return (description.status != WorkflowExecutionStatus.RUNNING
                        or bool((await handle.query(TaskWorkflow.state)).occurrences))

            await wait_for(loaded, 10, "the restarted workflow to load its task")
            assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
            state = await handle.query(TaskWorkflow.state)
            assert [o.status for o in state.occurrences if not is_progress_key(o.key)] == ["open"], state.occurrences
            # Its progress updates whose cut-off is still ahead are chased again too.
            ahead = [o for o in state.occurrences if is_progress_key(o.key) and o.due >= today.isoformat()]
            assert ahead and {o.status for o in ahead} == {"open"}, state.occurrences
    finally:
        engine.dispose()
