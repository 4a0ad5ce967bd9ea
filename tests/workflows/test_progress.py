"""Progress-update occurrences of the reporting cycle on the time-skipping test server.

Every open task reports on every period (quý I, 6 tháng, quý III, năm) by the officers'
cut-off: 13/3, 12/6, 11/9 and 11/12/2026 (five working days before the office's report,
due 20/3, 19/6 — 20/6 is a Saturday —, 18/9 and 18/12 — Sundays). The progress
occurrences are chased by the same ladder as any deadline.
"""

from __future__ import annotations

from datetime import date

from contracts.task_workflow import ReviewCompletion, SubmitCompletion
from persistence.models import OccurrenceStatus
from tests.workflows.harness import scenario
from workflows.task import TaskWorkflow

D = date
ONE_OFF = "Hoàn thành trước ngày 30/4/2026"


async def test_one_off_task_done_in_q2_with_progress_rows(env, tmp_path, record_histories) -> None:
    """Recorded from the code before progress occurrences closed (histories/oneoff_progress_before.json)."""
    async with scenario(env, tmp_path, "oneoff_progress_before", record=record_histories, deadline=ONE_OFF,
                        progress=True) as run:
        await run.until(D(2026, 4, 20), 10)
        await run.update(TaskWorkflow.submit_completion,
                         SubmitCompletion(occurrence_key="2026-04-30", actor="tuphap", document_number="30/QĐ-UBND"))
        await run.until(D(2026, 4, 21), 10)
        view = await run.update(TaskWorkflow.review_completion, ReviewCompletion("2026-04-30", "vanphong", True))
        assert view.status == "done"
        await run.until(D(2026, 7, 1), 10)
        assert run.occurrence("2026-04-30").status == OccurrenceStatus.DONE


# ------------------------------------------------------------------------- after the change

import pytest  # noqa: E402
from sqlmodel import Session, select  # noqa: E402
from temporalio.client import WorkflowUpdateFailedError  # noqa: E402
from temporalio.service import RPCError  # noqa: E402

from contracts.task_workflow import ReviewProgress, SubmitProgress  # noqa: E402
from persistence.models import ProgressUpdate  # noqa: E402
from tests.workflows.test_task_workflow import brief, ladder, weekly  # noqa: E402
from workflows import client  # noqa: E402


def report(period: str, status: str = "in_progress", result: str = "Đã niêm yết 100% TTHC", **kw) -> SubmitProgress:
    return SubmitProgress(period_key=period, actor="tuphap", status=status, result=result, **kw)


def updates(run) -> list[tuple]:
    with Session(run.seeded.engine) as session:
        rows = session.exec(select(ProgressUpdate).order_by(ProgressUpdate.id)).all()
        return [(r.period_key, r.status, r.review_status, r.review_reason, r.figures) for r in rows]


async def test_continuous_task_reports_four_periods(env, tmp_path, record_histories) -> None:
    async with scenario(env, tmp_path, "continuous_year", record=record_histories, deadline="Thường xuyên",
                        progress=True) as run:
        h = client.task_handle(env.client, run.seeded.workflow_id)
        # Quý I on time (cut-off Friday 13/3), accepted.
        await run.until(D(2026, 3, 12), 10)
        view = await client.submit_progress(h, report("2026-Q1", figures={"hồ sơ": 120}, document_number="12/BC-UBND"))
        assert view.status == "submitted" and view.late is False
        await client.review_progress(h, ReviewProgress("2026-Q1", "vanphong", True))
        # 6 tháng late (cut-off Friday 12/6; overdue on Monday 15/6), accepted.
        await run.until(D(2026, 6, 16), 17)
        view = await client.submit_progress(h, report("2026-H1", status="blocked", result="Thiếu kinh phí"))
        assert view.late is True
        await client.review_progress(h, ReviewProgress("2026-H1", "vanphong", True))
        # Năm: reported before the cut-off, returned with a reason, resubmitted late.
        await run.until(D(2026, 12, 10), 10)
        await client.submit_progress(h, report("2026-Y"))
        with pytest.raises(WorkflowUpdateFailedError):  # already waiting for review
            await client.submit_progress(h, report("2026-Y"))
        await run.until(D(2026, 12, 11), 10)
        with pytest.raises(WorkflowUpdateFailedError):  # a return needs a reason
            await client.review_progress(h, ReviewProgress("2026-Y", "vanphong", False))
        view = await client.review_progress(h, ReviewProgress("2026-Y", "vanphong", False, "Thiếu số liệu cả năm"))
        assert view.status == "open"
        await run.until(D(2026, 12, 14), 15)
        view = await client.submit_progress(h, report("2026-Y", status="done", result="Đủ số liệu"))
        assert view.late is True
        await client.review_progress(h, ReviewProgress("2026-Y", "vanphong", True))
        # Quý III never reported: chased, then escalated to the vice-chairman and the chairman.
        await run.until(D(2026, 12, 31), 16)
        chases = run.chases()
        assert brief(chases, "2026-Q1.progress") == ladder("2026-Q1.progress", D(2026, 3, 6), D(2026, 3, 11),
                                                           *[None] * 4)[:2]
        assert brief(chases, "2026-H1.progress") == ladder("2026-H1.progress", D(2026, 6, 5), D(2026, 6, 10),
                                                           D(2026, 6, 12), D(2026, 6, 15), None, None)[:4]
        # 4/9: five working days before 11/9 skip Quốc khánh (1–2/9), the swapped 31/8 and the weekend.
        assert brief(chases, "2026-Q3.progress") == ladder(
            "2026-Q3.progress", D(2026, 9, 4), D(2026, 9, 9), D(2026, 9, 11), D(2026, 9, 14), D(2026, 9, 16),
            D(2026, 9, 18),
        ) + weekly("2026-Q3.progress", D(2026, 9, 25), D(2026, 12, 31))
        assert [c.kind for c in chases if c.occurrence == "2026-Y.progress"][:2] == ["reminder", "reminder"]
        assert "overdue" in [c.kind for c in chases if c.occurrence == "2026-Y.progress"]
        assert updates(run) == [
            ("2026-Q1", "in_progress", "accepted", None, {"hồ sơ": 120}),
            ("2026-H1", "blocked", "accepted", None, {}),
            ("2026-Y", "in_progress", "returned", "Thiếu số liệu cả năm", {}),
            ("2026-Y", "done", "accepted", None, {}),
        ]
        state = await client.state(h)
        assert [(o.key, o.status) for o in state.occurrences] == [
            ("2026-Q1.progress", "done"), ("2026-H1.progress", "done"), ("2026-Q3.progress", "open"),
            ("2026-Y.progress", "done"),
        ]
        assert [e.data["reason"] for e in run.events("progress_returned")] == ["Thiếu số liệu cả năm"]


async def test_one_off_task_done_in_q2_stops_later_progress(env, tmp_path) -> None:
    async with scenario(env, tmp_path, "oneoff_progress", deadline=ONE_OFF, progress=True) as run:
        h = client.task_handle(env.client, run.seeded.workflow_id)
        await run.until(D(2026, 3, 10), 10)
        await client.submit_progress(h, report("2026-Q1"))
        await client.review_progress(h, ReviewProgress("2026-Q1", "vanphong", True))
        await run.until(D(2026, 4, 20), 10)
        await client.submit_completion(h, SubmitCompletion(occurrence_key="2026-04-30", actor="tuphap",
                                                           document_number="30/QĐ-UBND"))
        await client.review_completion(h, ReviewCompletion("2026-04-30", "vanphong", True))
        await run.until(D(2026, 4, 21), 10)
        assert run.occurrence("2026-Q3.progress").status == OccurrenceStatus.CANCELLED
        assert run.occurrence("2026-Y.progress").status == OccurrenceStatus.CANCELLED
        # 6 tháng still reports: its window holds the completion.
        assert run.occurrence("2026-H1.progress").status == OccurrenceStatus.OPEN
        await run.until(D(2026, 6, 10), 10)
        await client.submit_progress(h, report("2026-H1", status="done", result="Đã ban hành quyết định"))
        await client.review_progress(h, ReviewProgress("2026-H1", "vanphong", True))
        assert await h.result() == "cancelled 2, done 3"
        await run.until(D(2026, 12, 31), 10)
        assert not [c for c in run.chases() if c.occurrence in ("2026-Q3.progress", "2026-Y.progress")]
        with pytest.raises((WorkflowUpdateFailedError, RPCError)):  # refused, or the workflow has finished
            await client.submit_progress(h, report("2026-Q3"))
