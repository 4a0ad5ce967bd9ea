"""Replay every committed history against today's TaskWorkflow code.

The histories in ``histories/`` were recorded from the scenario tests
(``DONDOC_RECORD_HISTORIES=1 scripts/test tests/workflows``). A change to the workflow
that would make running workflows nondeterministic fails here, before it reaches a
commune whose workflows were started by the previous version.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import holidays
import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

import domain.calendar
from tests.workflows.conftest import HISTORIES
from workflows.indicators import IndicatorChaseWorkflow
from workflows.task import TaskWorkflow

FILES = sorted(HISTORIES.glob("*.json"))


def test_histories_are_committed() -> None:
    names = {f.stem for f in FILES}
    assert {"quarterly_year", "extension", "reassign", "reject", "cancel", "holiday_table", "indicator_chase"} <= names


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
async def test_history_replays_deterministically(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(workflows=[TaskWorkflow, IndicatorChaseWorkflow])
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"


def _every_monday_a_holiday(year: int) -> holidays.HolidayBase:
    """A 'newer holidays release' that differs wildly from the one the histories saw."""
    table = holidays.country_holidays("VN", years=year)
    day = date(year, 1, 1)
    while day.year == year:
        if day.weekday() == 0:
            table[day] = "Ngày nghỉ giả định"
        day += timedelta(days=1)
    return table


async def _replay_under_changed_table(path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(domain.calendar, "_national_holidays", _every_monday_a_holiday)
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    return await Replayer(workflows=[TaskWorkflow]).replay_workflow(history, raise_on_replay_failure=False)


async def test_history_with_resolved_days_replays_after_the_holiday_table_changed(monkeypatch) -> None:
    # Recorded since the workflow counts on days resolved by its activity: the package's
    # table is never read by workflow code, so a new release cannot break the replay.
    result = await _replay_under_changed_table(HISTORIES / "holiday_table.json", monkeypatch)
    assert result.replay_failure is None, result.replay_failure


async def test_history_recorded_before_resolved_days_depends_on_the_table(monkeypatch) -> None:
    # The reason for the change: a history from before it reads the package in the
    # workflow, and the same table change makes its replay nondeterministic.
    result = await _replay_under_changed_table(HISTORIES / "quarterly_year.json", monkeypatch)
    assert result.replay_failure is not None
