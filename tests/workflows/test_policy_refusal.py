"""A chasing policy the workflow cannot run is refused, visibly (issue 17, item 7).

Before, a plan whose ladder had an offset of -100000000 working days made every task
workflow fail its workflow task on each wake-up with ``OverflowError``, for ever (and
a cancellation was never handled). Now the policy is checked against the one rule
(domain.policy.policy_problems): a new workflow fails at once with the Vietnamese
reason, and a definition update carrying such a policy is refused, keeping the old one.
Both behind ``workflow.patched``: ``histories/policy_out_of_range_before.json`` was
recorded by the code before the rule, with a ladder the rule now refuses (a reminder
300 working days ahead), and must replay as it ran.
"""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlmodel import select
from temporalio.client import WorkflowFailureError, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from contracts.task_workflow import Cancel, TaskWorkflowInput
from persistence.db import session_scope
from persistence.models import Plan
from tests.workflows.harness import scenario
from workflows.task import TaskWorkflow

D = date


def ladder(first_offset: int) -> dict:
    return {"steps": [
        {"name": "remind-early", "offset": first_offset, "kind": "reminder", "level": 0, "audience": ["lead"]},
        {"name": "due", "offset": 0, "kind": "due", "level": 0, "audience": ["lead"]},
    ], "repeat_every_days": 0}


async def test_history_with_a_ladder_out_of_range_recorded_before_the_rule(env, tmp_path, record_histories) -> None:
    """Records ``histories/policy_out_of_range_before.json`` (only with the code before the rule)."""
    if not record_histories:
        pytest.skip("recorded once from the code before the policy rule; replayed by test_replay")
    async with scenario(env, tmp_path, "policy_out_of_range_before", record=True, policy=ladder(-300)) as run:
        await run.until(D(2026, 3, 25), 10)
        assert [c.kind for c in run.chases()][-1] == "due"


async def test_a_workflow_refuses_a_policy_it_cannot_run(env, tmp_path) -> None:
    async with scenario(env, tmp_path, "policy_absurd", policy=ladder(-100_000_000)) as run:
        with pytest.raises(WorkflowFailureError) as caught:
            # Before the rule the workflow task failed for ever: the result never came.
            await asyncio.wait_for(run.handle.result(), timeout=60)
        cause = caught.value.cause
        assert isinstance(cause, ApplicationError) and cause.type == "InvalidPolicy" and cause.non_retryable
        assert "steps[1].offset: -100000000 ngày làm việc ngoài phạm vi (từ -260 đến 260)" in cause.message
        assert cause.message.startswith("Không thể đôn đốc nhiệm vụ: cách đôn đốc của kế hoạch không hợp lệ")
        assert run.chases() == []


async def test_a_definition_update_with_such_a_policy_is_refused(env, tmp_path) -> None:
    async with scenario(env, tmp_path, "policy_update", policy=ladder(-5)) as run:
        await run.until(D(2026, 3, 16), 10)
        with session_scope(run.seeded.engine) as session:
            plan = session.exec(select(Plan)).one()
            plan.policy = {**ladder(-5), "repeat_every_days": 100_000_000}
            session.add(plan)
        params = TaskWorkflowInput(organisation_id=run.seeded.organisation_id, task_id=run.seeded.task_id,
                                   workflow_id=run.seeded.workflow_id, revision="2")
        with pytest.raises(WorkflowUpdateFailedError) as caught:
            await run.update(TaskWorkflow.update_definition, params)
        cause = caught.value.cause
        assert isinstance(cause, ApplicationError) and "repeat_every_days: 100000000 ngày ngoài phạm vi" in cause.message
        assert run.events("definition_updated") == []
        # The old ladder keeps running, and a cancellation is handled.
        await run.until(D(2026, 3, 20), 12)
        assert [c.kind for c in run.chases()] == ["reminder", "due"]
        await run.handle.signal(TaskWorkflow.cancel, Cancel(actor="vanphong", reason="Kế hoạch thay đổi"))
        assert "cancelled 4" in await asyncio.wait_for(run.handle.result(), timeout=60)


def test_the_recorded_ladder_is_one_the_rule_refuses() -> None:
    # Else the replay of policy_out_of_range_before.json would prove nothing about the patch.
    from domain.policy import policy_problems

    assert [loc for loc, _ in policy_problems(ladder(-300))] == [("steps", 0, "offset")]
