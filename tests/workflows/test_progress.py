"""Progress-update occurrences of the reporting cycle on the time-skipping test server.

Every open task reports on every period (quý I, 6 tháng, quý III, năm) by the officers'
cut-off: 13/3, 12/6, 11/9 and 11/12/2026 (five working days before the office's report,
due 20/3, 19/6 — 20/6 is a Saturday —, 18/9 and 18/12 — Sundays). The progress
occurrences are chased by the same ladder as any deadline.
"""

from __future__ import annotations

from datetime import date

from domain.models import OccurrenceStatus
from tests.workflows.harness import scenario
from workflows.task import TaskWorkflow
from workflows.task_types import ReviewCompletion, SubmitCompletion

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
