"""What the runtime (activation, simulation, benchmarks) needs around TaskWorkflow.

Messages go through the one typed client, workflows.client; this module adds the
inputs built from the database and the simulation's conveniences.

Everything crossing the boundary is a dataclass of ``contracts.task_workflow`` carrying IDs;
the workflow reads the task's occurrences, contacts and calendar through its activities.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.client import WorkflowHandle

from contracts.task_workflow import Cancel, ReviewCompletion, SubmitCompletion, TaskWorkflowInput, workflow_id_for
from persistence.models import Organisation, Plan, Task, Unit, stored_id, stored_row
from workflows import client as task_client
from workflows.task import TaskWorkflow

WORKFLOW_RUN = TaskWorkflow.run

__all__ = ["WORKFLOW_RUN", "build_input", "cancel", "confirm_completion", "send_definition", "submit_completion",
           "unit_id", "workflow_id_for"]


def unit_id(session: Session, organisation_id: int, code: str) -> int | None:
    """ID of a unit by code."""
    unit = session.exec(select(Unit).where(Unit.organisation_id == organisation_id, Unit.code == code)).first()
    return unit.id if unit is not None else None


def build_input(engine: Engine, task_id: int, *, roll_over: bool = True) -> TaskWorkflowInput:
    """The TaskWorkflowInput of a stored task: IDs only, the workflow loads the rest."""
    with Session(engine) as session:
        task = stored_row(session, Task, task_id)
        plan = stored_row(session, Plan, task.plan_id)
        org = stored_row(session, Organisation, task.organisation_id)
        if task.workflow_id is None:
            raise ValueError(f"Nhiệm vụ {task.code} chưa có mã workflow (workflow_id) trong cơ sở dữ liệu.")
        return TaskWorkflowInput(
            organisation_id=stored_id(org), task_id=stored_id(task), workflow_id=task.workflow_id, plan_id=stored_id(plan),
            organisation_code=org.code, plan_code=plan.code, task_code=task.code, revision=task.revision,
            plan_year=plan.year, roll_over=roll_over,
        )


async def send_definition(handle: WorkflowHandle, workflow_input: TaskWorkflowInput) -> None:
    """Tell a running task workflow that its task changed (it reloads it from the DB)."""
    await task_client.update_definition(handle, workflow_input)


async def cancel(handle: WorkflowHandle, reason: str = "Nhiệm vụ đã bị bỏ khỏi kế hoạch.") -> None:
    """Cancel a task whose row was removed from the plan."""
    await task_client.cancel(handle, Cancel(actor="system", reason=reason))


async def submit_completion(handle: WorkflowHandle, occurrence_key: str, actor: str = "simulated-owner") -> None:
    """The owner reports an occurrence done (simulation: the evidence is a note)."""
    await task_client.submit_completion(handle, SubmitCompletion(occurrence_key=occurrence_key, actor=actor,
                                                                 note="Mô phỏng"))


async def confirm_completion(handle: WorkflowHandle, occurrence_key: str, actor: str = "simulated-coordinator") -> None:
    """The coordinator confirms a submitted completion (nothing to do if the plan needs no confirmation)."""
    state = await task_client.state(handle)
    if not any(o.key == occurrence_key and o.status == "submitted" for o in state.occurrences):
        return
    await task_client.review_completion(handle, ReviewCompletion(occurrence_key=occurrence_key, actor=actor,
                                                                 approved=True))
