"""Replay every committed history against today's TaskWorkflow code.

The histories in ``histories/`` were recorded from the scenario tests
(``DONDOC_RECORD_HISTORIES=1 scripts/test tests/workflows``). A change to the workflow
that would make running workflows nondeterministic fails here, before it reaches a
commune whose workflows were started by the previous version.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.workflows.conftest import HISTORIES
from workflows.task import TaskWorkflow

FILES = sorted(HISTORIES.glob("*.json"))


def test_histories_are_committed() -> None:
    names = {f.stem for f in FILES}
    assert {"quarterly_year", "extension", "reassign", "reject", "cancel"} <= names


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
async def test_history_replays_deterministically(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    result = await Replayer(workflows=[TaskWorkflow]).replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"
