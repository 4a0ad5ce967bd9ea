"""Side effects of the task workflow: DB writes (events, occurrence states, outbox rows).

Work in progress: signatures are final, bodies land next.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine
from temporalio import activity

from activities.task_inputs import (
    LoadDefinitionInput,
    RecordActionsInput,
    RecordEventInput,
    SetOccurrenceStatusInput,
    SyncOccurrencesInput,
    YearOccurrences,
)
from workflows.task_types import TaskDefinition


class TaskActivities:
    """Activities of TaskWorkflow, bound to one database engine (built in worker.py)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @activity.defn
    def load_definition(self, params: LoadDefinitionInput) -> TaskDefinition:
        raise NotImplementedError

    @activity.defn
    def record_actions(self, params: RecordActionsInput) -> int:
        raise NotImplementedError

    @activity.defn
    def record_event(self, params: RecordEventInput) -> bool:
        raise NotImplementedError

    @activity.defn
    def set_occurrence_status(self, params: SetOccurrenceStatusInput) -> int:
        raise NotImplementedError

    @activity.defn
    def sync_occurrences(self, params: SyncOccurrencesInput) -> YearOccurrences:
        raise NotImplementedError
