"""The one typed client of the workflows (TaskWorkflow, IndicatorChaseWorkflow): one function per message.

The web pages, the JSON API, the CLI, activation and the simulation all talk to a task
workflow through these functions, never by message name: a renamed handler or field is
then a type error here, not a silent failure in production. Each function takes a
handle (``task_handle(client, workflow_id)``) and the message dataclass of
``contracts.task_workflow``.

Updates are answered once the database holds their result; a refusal raises
``temporalio.client.WorkflowUpdateFailedError`` whose cause carries the Vietnamese
reason (see :func:`refusal_message`).
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from contracts.indicator_chase import IndicatorChaseInput, IndicatorChaseView
from contracts.task_workflow import (
    Cancel,
    DecideExtension,
    OccurrenceView,
    Reassign,
    RequestExtension,
    ReviewCompletion,
    ReviewProgress,
    SubmitCompletion,
    SubmitProgress,
    TaskStateView,
    TaskWorkflowInput,
)
from workflows.indicators import IndicatorChaseWorkflow
from workflows.task import TaskWorkflow

TaskHandle = WorkflowHandle[TaskWorkflow, str]


def task_handle(client: Client, workflow_id: str) -> TaskHandle:
    """The typed handle of the task workflow ``workflow_id`` (its latest run)."""
    return client.get_workflow_handle_for(TaskWorkflow.run, workflow_id)


async def start_task(client: Client, params: TaskWorkflowInput, *, task_queue: str,
                     execution_timeout: timedelta | None = None) -> TaskHandle:
    """Start the workflow of one task (its ID is ``params.workflow_id``)."""
    return await client.start_workflow(TaskWorkflow.run, params, id=params.workflow_id, task_queue=task_queue,
                                       execution_timeout=execution_timeout)


async def submit_completion(handle: TaskHandle, message: SubmitCompletion) -> OccurrenceView:
    """The owner reports an occurrence done, with evidence."""
    return await handle.execute_update(TaskWorkflow.submit_completion, message)


async def review_completion(handle: TaskHandle, message: ReviewCompletion) -> OccurrenceView:
    """The coordinator confirms or returns a submitted completion."""
    return await handle.execute_update(TaskWorkflow.review_completion, message)


async def request_extension(handle: TaskHandle, message: RequestExtension) -> OccurrenceView:
    """The owner asks for a later due date."""
    return await handle.execute_update(TaskWorkflow.request_extension, message)


async def decide_extension(handle: TaskHandle, message: DecideExtension) -> OccurrenceView:
    """The chairman or vice-chairman grants or denies an extension."""
    return await handle.execute_update(TaskWorkflow.decide_extension, message)


async def reassign(handle: TaskHandle, message: Reassign) -> TaskStateView:
    """Give the task (or one occurrence) to other lead officers; answered once recorded."""
    return await handle.execute_update(TaskWorkflow.reassign_lead, message)


async def update_definition(handle: TaskHandle, params: TaskWorkflowInput) -> TaskStateView:
    """Tell a running task workflow that its task changed (it reloads it)."""
    return await handle.execute_update(TaskWorkflow.update_definition, params)


async def cancel(handle: TaskHandle, message: Cancel) -> None:
    """Stop chasing the task for good (a signal: the workflow finishes on its own)."""
    await handle.signal(TaskWorkflow.cancel, message)


async def state(handle: TaskHandle) -> TaskStateView:
    """The task as the workflow sees it now."""
    return await handle.query(TaskWorkflow.state)


def refusal_message(error: BaseException) -> str:
    """The innermost message of a failed update (the workflow's Vietnamese reason)."""
    cause: BaseException = error
    while getattr(cause, "cause", None) is not None:
        cause = cause.cause  # type: ignore[attr-defined]  # temporalio's failures chain through .cause
    return getattr(cause, "message", None) or str(cause)


async def submit_progress(handle: TaskHandle, message: SubmitProgress) -> OccurrenceView:
    """The lead's progress update of one reporting period (status, result, evidence)."""
    return await handle.execute_update(TaskWorkflow.submit_progress, message)


async def review_progress(handle: TaskHandle, message: ReviewProgress) -> OccurrenceView:
    """The coordinator accepts a progress update or returns it with a reason."""
    return await handle.execute_update(TaskWorkflow.review_progress, message)


# -- the indicator chase (one workflow per plan) ------------------------------------------


async def start_indicator_chase(client: Client, params: IndicatorChaseInput, *, task_queue: str) -> str:
    """Start the plan's indicator chase, or tell the running one to look again; returns what was done."""
    try:
        await client.start_workflow(IndicatorChaseWorkflow.run, params, id=params.workflow_id, task_queue=task_queue,
                                    id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE)
        return "started"
    except WorkflowAlreadyStartedError:
        await client.get_workflow_handle_for(IndicatorChaseWorkflow.run, params.workflow_id).signal(
            IndicatorChaseWorkflow.refresh)
        return "refreshed"


async def indicator_chase_state(client: Client, workflow_id: str) -> IndicatorChaseView:
    """What the plan's indicator chase last found (unreported values, next step)."""
    return await client.get_workflow_handle_for(IndicatorChaseWorkflow.run, workflow_id).query(
        IndicatorChaseWorkflow.state)
