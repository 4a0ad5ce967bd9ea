"""TaskWorkflow: one durable workflow per plan task that chases its owners.

Work in progress: method names and message types are final, bodies land next.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.task_types import (
        Cancel,
        DecideExtension,
        OccurrenceView,
        Reassign,
        RequestExtension,
        ReviewCompletion,
        SubmitCompletion,
        TaskStateView,
        TaskWorkflowInput,
    )


@workflow.defn
class TaskWorkflow:
    @workflow.run
    async def run(self, params: TaskWorkflowInput) -> str:
        raise NotImplementedError

    @workflow.update
    async def submit_completion(self, message: SubmitCompletion) -> OccurrenceView:
        raise NotImplementedError

    @workflow.update
    async def review_completion(self, message: ReviewCompletion) -> OccurrenceView:
        raise NotImplementedError

    @workflow.update
    async def request_extension(self, message: RequestExtension) -> OccurrenceView:
        raise NotImplementedError

    @workflow.update
    async def decide_extension(self, message: DecideExtension) -> OccurrenceView:
        raise NotImplementedError

    @workflow.update
    async def update_definition(self, params: TaskWorkflowInput) -> TaskStateView:
        raise NotImplementedError

    @workflow.signal
    async def reassign(self, message: Reassign) -> None:
        raise NotImplementedError

    @workflow.signal
    async def cancel(self, message: Cancel | None = None) -> None:
        raise NotImplementedError

    @workflow.query
    def state(self) -> TaskStateView:
        raise NotImplementedError
