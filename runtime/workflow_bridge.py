"""The one place where the runtime touches the task workflow's boundary types.

Activation, simulation and the benchmark go through these functions so that a change
in ``workflows/task_types.py`` is absorbed here. Expected from the workflow side
(see the final report of the runtime work for the exact requests):

- ``workflows.task_types.workflow_id_for(org_code, plan_code, task_code) -> str``
- ``workflows.task_types.TaskWorkflowInput`` built from IDs (organisation, plan, task);
  the workflow reads occurrences/contacts through its activities or the input.
- ``TaskWorkflow.run(input)``; an update (or signal) that replaces the task definition
  after a re-activation (``update_definition``) and a cancellation signal (``cancel``).
"""

from __future__ import annotations

import importlib
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.client import WorkflowHandle

from domain.models import Organisation, Plan, Task, Unit


def _types() -> Any:
    return importlib.import_module("workflows.task_types")


def _workflow() -> Any:
    return importlib.import_module("workflows.task").TaskWorkflow


def workflow_id_for(org_code: str, plan_code: str, task_code: str) -> str:
    """The workflow ID of a task (defined by the workflow side)."""
    return _types().workflow_id_for(org_code, plan_code, task_code)


def __getattr__(name: str) -> Any:  # WORKFLOW_RUN resolved lazily: workflows may land later
    if name == "WORKFLOW_RUN":
        return _workflow().run
    raise AttributeError(name)


def unit_id(session: Session, organisation_id: int, code: str) -> int | None:
    """ID of a unit by code."""
    unit = session.exec(select(Unit).where(Unit.organisation_id == organisation_id, Unit.code == code)).first()
    return unit.id if unit is not None else None


def build_input(engine: Engine, task_id: int) -> Any:
    """The TaskWorkflowInput of a stored task (IDs across the boundary, never ORM rows)."""
    with Session(engine) as session:
        task = session.get(Task, task_id)
        plan = session.get(Plan, task.plan_id)
        org = session.get(Organisation, task.organisation_id)
    cls = _types().TaskWorkflowInput
    values = {
        "organisation_id": org.id,
        "organisation_code": org.code,
        "plan_id": plan.id,
        "plan_code": plan.code,
        "task_id": task.id,
        "task_code": task.code,
        "workflow_id": task.workflow_id,
        "revision": task.revision,
        "year": plan.year,
    }
    fields = getattr(cls, "__dataclass_fields__", None) or getattr(cls, "model_fields", {})
    return cls(**{k: v for k, v in values.items() if k in fields})


async def send_definition(handle: WorkflowHandle, workflow_input: Any) -> None:
    """Tell a running task workflow that its task changed."""
    workflow = _workflow()
    update = getattr(workflow, "update_definition", None)
    if update is not None:
        await handle.execute_update(update, workflow_input)
        return
    await handle.signal("update_definition", workflow_input)


async def cancel(handle: WorkflowHandle) -> None:
    """Cancel a task whose row was removed from the plan."""
    workflow = _workflow()
    signal = getattr(workflow, "cancel", None)
    if signal is not None:
        await handle.signal(signal)
        return
    await handle.signal("cancel")


async def submit_completion(handle: WorkflowHandle, occurrence_key: str, actor: str = "simulated-owner") -> None:
    """The owner reports an occurrence done (simulation: evidence is a note)."""
    types, workflow = _types(), _workflow()
    message = types.SubmitCompletion(occurrence_key=occurrence_key, actor=actor, note="Mô phỏng")
    await handle.execute_update(workflow.submit_completion, message)


async def confirm_completion(handle: WorkflowHandle, occurrence_key: str, actor: str = "simulated-coordinator") -> None:
    """The coordinator confirms a submitted completion (no-op if the plan needs none)."""
    types, workflow = _types(), _workflow()
    confirm = getattr(workflow, "confirm_completion", None)
    if confirm is None:
        return
    await handle.execute_update(confirm, types.ConfirmCompletion(occurrence_key=occurrence_key, actor=actor, accepted=True))
