"""Errors a user sees: out-of-range numbers are 422, an action on a finished workflow is 409 (issue 17 item 10)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlmodel import Session, select

from actions.perform import ActionError, ActionRequest, perform
from persistence.models import Occurrence, OccurrenceStatus, Task
from runtime.devserver import DevServer, free_port
from tests.web.conftest import WebEnv


def test_numbers_out_of_range_are_422_not_500(web_env: WebEnv) -> None:
    client = web_env.login("thuongtruc")
    huge = "9" * 30
    for path in (f"/api/overview?days={huge}", "/api/overview?days=100000000000", f"/mails?page_no={huge}",
                 f"/api/notifications?offset={huge}", f"/tasks/{huge}", f"/api/tasks/{huge}"):
        response = client.get(path)
        assert response.status_code in (404, 422), (path, response.status_code)
        assert response.status_code != 500


@pytest.fixture
def dev_server(tmp_path) -> DevServer:
    server = DevServer(db_file=tmp_path / "temporal.db", port=free_port())
    server.start()
    yield server
    server.stop(timeout=5)


def test_an_action_on_a_finished_workflow_is_409_with_the_reason(web_env: WebEnv, dev_server: DevServer) -> None:
    async def scenario() -> None:
        client = await dev_server.wait_ready(timeout=30)
        workflow_id = f"finished-{uuid.uuid4().hex[:8]}"
        handle = await client.start_workflow("TaskWorkflow", id=workflow_id, task_queue="nobody-polls")
        await handle.terminate("the task was finished meanwhile")
        with Session(web_env.engine) as session:  # a task whose workflow has just ended
            # JSON columns are compared in Python (PostgreSQL has no json = json operator).
            task = next(t for t in session.exec(select(Task).where(Task.organisation_id == web_env.seeded.organisation_id))
                        if t.lead_units == ["vp-tk"])
            task.workflow_id = workflow_id
            session.add(task)
            session.commit()
            occ = session.exec(select(Occurrence).where(Occurrence.task_id == task.id,
                                                        Occurrence.status == OccurrenceStatus.OPEN)).first()
            task_id, key = task.id, occ.key

        async def provider():
            return client

        with pytest.raises(ActionError) as refused:
            await perform(provider, web_env.engine, None, task_id,
                          ActionRequest("submit", key, evidence={"document_number": "1/BC"}), actor="admin")
        assert refused.value.status == 409 and "vừa kết thúc" in refused.value.message

    asyncio.run(scenario())
