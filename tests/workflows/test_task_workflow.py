"""TaskWorkflow on the time-skipping test server, with the real activities and database.

The quarterly reporting task 3.1 of a 2026 plan: due 20/03, 22/06 (20/06 is a
Saturday), 21/09 (20/09 is a Sunday) and 21/12. Every expected date below is read off
the 2026 calendar by hand: 5 and 2 working days before, the due day, then 1, 3 and 5
working days after, then weekly to the chairman.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError

from contracts.task_workflow import (
    Cancel,
    DecideExtension,
    Reassign,
    RequestExtension,
    ReviewCompletion,
    SubmitCompletion,
)
from domain.calendar import WorkCalendar
from domain.policy import DEFAULT_POLICY, spread_minutes
from persistence.models import OccurrenceStatus
from tests.workflows.harness import Chase, scenario
from workflows import client as task_client
from workflows.task import TaskWorkflow

D = date
LEAD, COORD, VICE, CHAIR = ("tuphap",), ("tuphap", "vanphong"), ("phochutich",), ("chutich",)


def ladder(occ: str, remind5, remind2, due, over1, esc3, esc5) -> list[tuple]:
    return [
        (remind5, "reminder", occ, 0, LEAD), (remind2, "reminder", occ, 0, LEAD), (due, "due", occ, 0, LEAD),
        (over1, "overdue", occ, 1, COORD), (esc3, "escalation", occ, 2, VICE), (esc5, "escalation", occ, 3, CHAIR),
    ]


def weekly(occ: str, first: date, last: date) -> list[tuple]:
    out, day = [], first
    while day <= last:
        out.append((day, "escalation", occ, 3, CHAIR))
        day += timedelta(days=7)
    return out


def brief(chases: list[Chase], occurrence: str | None = None) -> list[tuple]:
    return [(c.day, c.kind, c.occurrence, c.level, c.to) for c in chases
            if occurrence is None or c.occurrence == occurrence]


def submit(key: str, who: str = "tuphap", **kw) -> SubmitCompletion:
    return SubmitCompletion(occurrence_key=key, actor=who, document_number=kw.pop("number", "15/BC-UBND"), **kw)


async def test_a_year_of_quarterly_reports_on_time_late_and_never(env, tmp_path, record_histories) -> None:
    async with scenario(env, tmp_path, "quarterly_year", record=record_histories) as run:
        # Q1 reported two days early and confirmed the same day.
        await run.until(D(2026, 3, 18), 10)
        view = await run.update(TaskWorkflow.submit_completion, submit("2026-Q1"))
        assert view.status == "submitted" and view.late is False
        await run.until(D(2026, 3, 18), 14)
        view = await run.update(TaskWorkflow.review_completion, ReviewCompletion("2026-Q1", "vanphong", True))
        assert view.status == "done"
        # Q2 reported after the chairman was told, confirmed the next day.
        await run.until(D(2026, 7, 1), 10)
        await run.update(TaskWorkflow.submit_completion, submit("2026-Q2", number="40/BC-UBND"))
        await run.until(D(2026, 7, 2), 9)
        view = await run.update(TaskWorkflow.review_completion, ReviewCompletion("2026-Q2", "vanphong", True))
        assert view.status == "done" and view.late is True
        # Q3 never reported; Q4 neither, watched to the end of the year.
        await run.until(D(2026, 12, 31), 16)
        chases = run.chases()

        assert brief(chases, "2026-Q1") == ladder("2026-Q1", D(2026, 3, 13), D(2026, 3, 18), *[None] * 4)[:2]
        assert brief(chases, "2026-Q2") == ladder(
            "2026-Q2", D(2026, 6, 15), D(2026, 6, 18), D(2026, 6, 22), D(2026, 6, 23), D(2026, 6, 25), D(2026, 6, 29),
        )
        assert brief(chases, "2026-Q3") == ladder(
            "2026-Q3", D(2026, 9, 14), D(2026, 9, 17), D(2026, 9, 21), D(2026, 9, 22), D(2026, 9, 24), D(2026, 9, 28),
        ) + weekly("2026-Q3", D(2026, 10, 5), D(2026, 12, 28))
        assert brief(chases, "2026-Q4") == ladder(
            "2026-Q4", D(2026, 12, 14), D(2026, 12, 17), D(2026, 12, 21), D(2026, 12, 22), D(2026, 12, 24),
            D(2026, 12, 28),
        )
        # Every action at the task's slot of a working morning on the real 2026 calendar.
        minute = spread_minutes(run.seeded.workflow_id, DEFAULT_POLICY)
        slot = (datetime.combine(D(2026, 1, 1), time(7, 30)) + timedelta(minutes=minute)).time()
        calendar = WorkCalendar()
        assert all(calendar.is_working_day(c.day) and c.at.time() == slot for c in chases)
        # Database agrees with the workflow.
        assert run.occurrence("2026-Q1").status == OccurrenceStatus.DONE
        assert run.occurrence("2026-Q2").status == OccurrenceStatus.DONE
        assert run.occurrence("2026-Q3").status == OccurrenceStatus.OPEN
        state = await run.handle.query(TaskWorkflow.state)
        assert [(o.key, o.status, o.late) for o in state.occurrences] == [
            ("2026-Q1", "done", False), ("2026-Q2", "done", True), ("2026-Q3", "open", None), ("2026-Q4", "open", None),
        ]
        # One outbox row per recipient and action, nothing twice.
        events, notes = run.count_rows()
        assert notes == sum(len(c.to) for c in chases) + 4  # + submissions to, confirmations from vanphong


async def test_tet_moves_a_deadline_and_its_reminders(env, tmp_path) -> None:
    async with scenario(env, tmp_path, "tet", deadline="Hoàn thành trước ngày 20/02/2026") as run:
        await run.until(D(2026, 3, 4), 12)
        # 20/02 is in the Tết break (16–20/02): due Monday 23/02; reminders counted over it.
        expected = ladder("-", D(2026, 2, 9), D(2026, 2, 12), D(2026, 2, 23), D(2026, 2, 24), D(2026, 2, 26),
                          D(2026, 3, 2))
        assert [(c.day, c.kind, c.level, c.to) for c in run.chases()] == [(d, k, lv, to) for d, k, _, lv, to in expected]


async def test_extension_moves_later_actions(env, tmp_path, record_histories) -> None:
    async with scenario(env, tmp_path, "extension", record=record_histories) as run:
        await run.until(D(2026, 3, 19), 9)
        with pytest.raises(WorkflowUpdateFailedError):  # a reason is required
            await run.update(TaskWorkflow.request_extension, RequestExtension("2026-Q1", "tuphap", run.iso(D(2026, 4, 3))))
        view = await run.update(TaskWorkflow.request_extension,
                                RequestExtension("2026-Q1", "tuphap", run.iso(D(2026, 4, 3)), "Chờ số liệu của huyện"))
        assert view.pending_extension["new_due"] == run.iso(D(2026, 4, 3))
        await run.until(D(2026, 3, 19), 15)
        view = await run.update(TaskWorkflow.decide_extension, DecideExtension("2026-Q1", "phochutich", True))
        assert view.extended_due == view.effective_due == run.iso(D(2026, 4, 3))
        await run.until(D(2026, 4, 10), 12)
        q1 = brief(run.chases(), "2026-Q1")
        assert q1[:2] == ladder("2026-Q1", D(2026, 3, 13), D(2026, 3, 18), *[None] * 4)[:2]
        assert q1[2:] == ladder(
            "2026-Q1", D(2026, 3, 27), D(2026, 4, 1), D(2026, 4, 3), D(2026, 4, 6), D(2026, 4, 8), D(2026, 4, 10),
        )
        assert run.occurrence("2026-Q1").extended_due.isoformat() == run.iso(D(2026, 4, 3))
        granted = run.events("extension_granted")
        assert len(granted) == 1 and granted[0].actor == "phochutich"


async def test_denied_extension_keeps_the_due_date(env, tmp_path) -> None:
    async with scenario(env, tmp_path, "deny") as run:
        await run.until(D(2026, 3, 19), 9)
        await run.update(TaskWorkflow.request_extension,
                         RequestExtension("2026-Q1", "tuphap", run.iso(D(2026, 4, 3)), "Chờ số liệu"))
        view = await run.update(TaskWorkflow.decide_extension,
                                DecideExtension("2026-Q1", "phochutich", False, reason="Đã đủ thời gian"))
        assert view.extended_due is None and view.pending_extension is None
        await run.until(D(2026, 3, 23), 12)
        assert [c.day for c in run.chases()][-2:] == [D(2026, 3, 20), D(2026, 3, 23)]


async def test_reassignment_changes_who_is_chased(env, tmp_path, record_histories) -> None:
    async with scenario(env, tmp_path, "reassign", record=record_histories) as run:
        await run.until(D(2026, 3, 16), 10)
        await run.handle.signal(TaskWorkflow.reassign, Reassign(actor="vanphong", to_username="ketoan",
                                                                reason="Đổi người phụ trách"))
        await run.until(D(2026, 3, 23), 12)
        assert [(c.day, c.to) for c in run.chases()] == [
            (D(2026, 3, 13), ("tuphap",)), (D(2026, 3, 18), ("ketoan",)), (D(2026, 3, 20), ("ketoan",)),
            (D(2026, 3, 23), ("ketoan", "vanphong")),
        ]
        assert run.occurrence("2026-Q2").lead_username == "ketoan"
        state = await run.handle.query(TaskWorkflow.state)
        assert state.contacts.lead == ["ketoan"]


async def test_rejected_completion_reopens_chasing(env, tmp_path, record_histories) -> None:
    async with scenario(env, tmp_path, "reject", record=record_histories) as run:
        await run.until(D(2026, 3, 18), 10)
        await run.update(TaskWorkflow.submit_completion, submit("2026-Q1"))
        await run.until(D(2026, 3, 19), 10)
        with pytest.raises(WorkflowUpdateFailedError):  # a rejection needs a reason
            await run.update(TaskWorkflow.review_completion, ReviewCompletion("2026-Q1", "vanphong", False))
        view = await run.update(TaskWorkflow.review_completion,
                                ReviewCompletion("2026-Q1", "vanphong", False, "Thiếu phụ lục số liệu"))
        assert view.status == "open" and view.evidence is None
        await run.until(D(2026, 3, 23), 12)
        assert [(c.day, c.kind) for c in run.chases()] == [
            (D(2026, 3, 13), "reminder"), (D(2026, 3, 18), "reminder"), (D(2026, 3, 20), "due"),
            (D(2026, 3, 23), "overdue"),
        ]
        q1 = run.occurrence("2026-Q1")
        assert q1.status == OccurrenceStatus.OPEN and q1.completed_at is None
        assert [e.data["reason"] for e in run.events("completion_rejected")] == ["Thiếu phụ lục số liệu"]


async def test_cancellation_stops_everything(env, tmp_path, record_histories) -> None:
    async with scenario(env, tmp_path, "cancel", record=record_histories) as run:
        await run.until(D(2026, 3, 16), 10)
        await run.handle.signal(TaskWorkflow.cancel, Cancel(actor="vanphong", reason="Nhiệm vụ không còn phù hợp"))
        result = await run.handle.result()
        assert "cancelled 4" in result  # the workflow completed: no timer is left to chase anyone
        assert [c.day for c in run.chases()] == [D(2026, 3, 13)]
        assert {run.occurrence(k).status for k in ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4")} == \
            {OccurrenceStatus.CANCELLED}


async def test_messages_about_missing_or_closed_occurrences_are_refused(env, tmp_path) -> None:
    async with scenario(env, tmp_path, "refusals", requires_confirmation=False) as run:
        await run.until(D(2026, 3, 10), 10)
        with pytest.raises(WorkflowUpdateFailedError) as caught:
            await run.update(TaskWorkflow.submit_completion, submit("2026-Q9"))
        assert "2026-Q9" in str(caught.value.cause)
        with pytest.raises(WorkflowUpdateFailedError):  # no evidence at all
            await run.update(TaskWorkflow.submit_completion,
                             SubmitCompletion(occurrence_key="2026-Q1", actor="tuphap", document_number=""))
        view = await run.update(TaskWorkflow.submit_completion, submit("2026-Q1"))
        assert view.status == "done"  # this plan needs no confirmation
        with pytest.raises(WorkflowUpdateFailedError):
            await run.update(TaskWorkflow.submit_completion, submit("2026-Q1"))
        assert len(run.events("completion_submitted")) == 1


async def test_reassignment_by_update_is_answered_once_recorded(env, tmp_path, record_histories) -> None:
    async with scenario(env, tmp_path, "reassign_update", record=record_histories) as run:
        await run.until(D(2026, 3, 16), 10)
        handle = task_client.task_handle(env.client, run.handle.id)
        with pytest.raises(WorkflowUpdateFailedError) as caught:  # the validator refuses before history
            await task_client.reassign(handle, Reassign(actor="vanphong", occurrence_key="2026-Q9",
                                                        to_username="ketoan"))
        assert "2026-Q9" in task_client.refusal_message(caught.value)
        state = await task_client.reassign(handle, Reassign(actor="vanphong", to_username="ketoan",
                                                            reason="Đổi người phụ trách"))
        # Answered after the database has it: no polling needed.
        assert state.contacts.lead == ["ketoan"]
        assert run.occurrence("2026-Q1").lead_username == "ketoan"
        assert [e.data["lead"] for e in run.events("reassigned")] == [["ketoan"]]
        await run.until(D(2026, 3, 23), 12)
        assert [c.to for c in run.chases()][1:] == [("ketoan",), ("ketoan",), ("ketoan", "vanphong")]


async def test_cancellation_through_the_client_completes_the_workflow(env, tmp_path, record_histories) -> None:
    async with scenario(env, tmp_path, "cancel_bounded", record=record_histories) as run:
        await run.until(D(2026, 3, 16), 10)
        handle = task_client.task_handle(env.client, run.handle.id)
        await task_client.cancel(handle, Cancel(actor="vanphong", reason="Nhiệm vụ không còn phù hợp"))
        assert "cancelled 4" in await handle.result()
        assert [e.kind for e in run.events("task_cancelled")] == ["task_cancelled"]


async def test_half_a_year_recorded_with_resolved_working_days(env, tmp_path, record_histories) -> None:
    """Records ``histories/holiday_table.json`` (see test_replay: a changed holidays table)."""
    async with scenario(env, tmp_path, "holiday_table", record=record_histories) as run:
        await run.until(D(2026, 6, 23), 12)
        assert [(c.day, c.kind) for c in run.chases()][:3] == [
            (D(2026, 3, 13), "reminder"), (D(2026, 3, 18), "reminder"), (D(2026, 3, 20), "due"),
        ]
