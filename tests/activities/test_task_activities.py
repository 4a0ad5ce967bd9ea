"""TaskActivities on a real SQLite file, run through Temporal's ActivityEnvironment."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.task_activities import TaskActivities
from contracts.task_activities import (
    ActionSpec,
    LoadDefinitionInput,
    OccurrenceChange,
    RecordActionsInput,
    RecordEventInput,
    SetOccurrenceStatusInput,
    SyncOccurrencesInput,
)
from persistence.models import Event, Notification, Occurrence, OccurrenceStatus
from tests.workflows.seed import Seeded, email_of, seed


@pytest.fixture
def seeded(tmp_path: Path) -> Seeded:
    s = seed(tmp_path / "dondoc.db")
    yield s
    s.engine.dispose()


def rows(engine, model) -> list:
    with Session(engine) as session:
        return list(session.exec(select(model).order_by(model.id)))


def occurrence(engine, task_id: int, key: str) -> Occurrence:
    with Session(engine) as session:
        return session.exec(select(Occurrence).where(Occurrence.task_id == task_id, Occurrence.key == key)).one()


def run(fn, arg):
    return ActivityEnvironment().run(fn, arg)


def test_load_definition_resolves_contacts_calendar_and_occurrences(seeded: Seeded) -> None:
    acts = TaskActivities(seeded.engine)
    d = run(acts.load_definition, LoadDefinitionInput(seeded.organisation_id, seeded.task_id))
    assert d.plan_year == 2026
    assert d.repeats_yearly is True and d.requires_confirmation is True
    assert d.contacts.lead == ["tuphap"]
    assert d.contacts.coordinator == ["vanphong"]
    assert d.contacts.vice_chairman == ["phochutich"]
    assert d.contacts.chairman == ["chutich"]
    assert [(o.key, o.due, o.status) for o in d.occurrences] == [
        ("2026-Q1", "2026-03-20", "open"),
        ("2026-Q2", "2026-06-22", "open"),  # 20/6 is a Saturday
        ("2026-Q3", "2026-09-21", "open"),  # 20/9 is a Sunday
        ("2026-Q4", "2026-12-21", "open"),
    ]


def test_load_definition_of_unknown_task_is_a_non_retryable_business_error(seeded: Seeded) -> None:
    acts = TaskActivities(seeded.engine)
    with pytest.raises(ApplicationError) as caught:
        run(acts.load_definition, LoadDefinitionInput(seeded.organisation_id, seeded.task_id + 99))
    assert caught.value.non_retryable and caught.value.type == "TaskNotFound"


def _action(key: str, recipients: list[str], kind: str = "overdue", level: int = 1) -> ActionSpec:
    return ActionSpec(
        key=key, kind=kind, level=level, recipients=recipients, audience=["lead", "coordinator"],
        occurrence_key="2026-Q1", period="Quý I/2026", due="2026-03-20",
        scheduled_at="2026-03-23T08:10:00+07:00",
        roles={"tuphap": ["lead"], "vanphong": ["coordinator"]},
    )


def test_record_actions_writes_event_and_one_outbox_row_per_recipient_once(seeded: Seeded) -> None:
    acts = TaskActivities(seeded.engine)
    params = RecordActionsInput(
        seeded.organisation_id, seeded.task_id, seeded.workflow_id,
        [_action("2026-Q1@2026-03-20:overdue-1", ["tuphap", "vanphong", "nobody"])],
    )
    assert run(acts.record_actions, params) == 2
    assert run(acts.record_actions, params) == 0  # a retry writes nothing more
    events = rows(seeded.engine, Event)
    notes = rows(seeded.engine, Notification)
    assert len(events) == 1 and len(notes) == 2
    event = events[0]
    assert event.kind == "overdue" and event.idempotency_key == f"task-{seeded.task_id}/2026-Q1@2026-03-20:overdue-1"
    assert event.data["unknown_recipients"] == ["nobody"]
    q1 = occurrence(seeded.engine, seeded.task_id, "2026-Q1")
    assert event.occurrence_id == q1.id and q1.last_action_key == "2026-Q1@2026-03-20:overdue-1"
    by_user = {n.context["recipient_username"]: n for n in notes}
    assert set(by_user) == {"tuphap", "vanphong"}
    lead = by_user["tuphap"]
    assert lead.recipient_email == email_of("tuphap") and lead.recipient_name == "Phạm Văn Nam"
    assert lead.idempotency_key == f"task-{seeded.task_id}/2026-Q1@2026-03-20:overdue-1:tuphap"
    assert lead.kind == "overdue" and lead.level == 1 and lead.occurrence_id == q1.id
    ctx = lead.context
    assert ctx["plan_number"] == "12/KH-UBND" and ctx["task_code"] == "3.1"
    assert ctx["period"] == "Quý I/2026" and ctx["due"] == "2026-03-20"
    assert ctx["days_overdue"] == 3 and ctx["working_days_overdue"] == 1  # Fri -> Mon
    assert ctx["recipient_roles"] == ["lead"] and by_user["vanphong"].context["recipient_roles"] == ["coordinator"]
    assert ctx["dashboard_path"] == f"/tasks/{seeded.task_id}"
    assert ctx["scheduled_at"] == "2026-03-23T08:10:00+07:00"
    # Stored in UTC (SQLite keeps no offset): 08:10 in Hà Nội is 01:10 UTC.
    assert lead.not_before.replace(tzinfo=None) == datetime(2026, 3, 23, 1, 10)
    assert event.at.replace(tzinfo=None) == datetime(2026, 3, 23, 1, 10)


def test_record_event_applies_change_and_notifies_once(seeded: Seeded) -> None:
    acts = TaskActivities(seeded.engine)
    params = RecordEventInput(
        seeded.organisation_id, seeded.task_id, idempotency_key=f"task-{seeded.task_id}/completion_submitted/x",
        kind="completion_submitted", actor="tuphap", at="2026-03-18T09:00:00+07:00", occurrence_key="2026-Q1",
        data={"late": False, "evidence": {"document_number": "15/BC-UBND"}},
        change=OccurrenceChange("2026-Q1", status="submitted", completed_at="2026-03-18T09:00:00+07:00",
                                evidence={"document_number": "15/BC-UBND"}),
        notify=["vanphong"], notify_roles={"vanphong": ["coordinator"]},
    )
    assert run(acts.record_event, params) is True
    assert run(acts.record_event, params) is False
    assert len(rows(seeded.engine, Event)) == 1
    notes = rows(seeded.engine, Notification)
    assert [(n.recipient_email, n.kind) for n in notes] == [(email_of("vanphong"), "completion_submitted")]
    assert notes[0].context["actor_name"] == "Phạm Văn Nam" and notes[0].context["late"] is False
    q1 = occurrence(seeded.engine, seeded.task_id, "2026-Q1")
    assert q1.status == OccurrenceStatus.SUBMITTED and q1.evidence == {"document_number": "15/BC-UBND"}
    assert q1.completed_at is not None


def test_set_occurrence_status_is_idempotent(seeded: Seeded) -> None:
    acts = TaskActivities(seeded.engine)
    params = SetOccurrenceStatusInput(seeded.organisation_id, seeded.task_id, [
        OccurrenceChange("2026-Q2", extended_due="2026-07-10", lead_username="ketoan"),
        OccurrenceChange("2026-Q9", status="cancelled"),  # unknown: skipped
    ])
    assert run(acts.set_occurrence_status, params) == 1
    assert run(acts.set_occurrence_status, params) == 1
    q2 = occurrence(seeded.engine, seeded.task_id, "2026-Q2")
    assert (q2.extended_due.isoformat(), q2.lead_username, q2.status) == ("2026-07-10", "ketoan", OccurrenceStatus.OPEN)


def test_sync_occurrences_inserts_next_year_once(seeded: Seeded) -> None:
    acts = TaskActivities(seeded.engine)
    params = SyncOccurrencesInput(seeded.organisation_id, seeded.task_id, 2027)
    first = run(acts.sync_occurrences, params)
    second = run(acts.sync_occurrences, params)
    assert first == second
    deadlines = [(o.key, o.due) for o in first.occurrences if not o.key.endswith(".progress")]
    assert deadlines == [
        ("2027-Q1", "2027-03-22"), ("2027-Q2", "2027-06-21"), ("2027-Q3", "2027-09-20"), ("2027-Q4", "2027-12-20"),
    ]
    # The repeating task reports progress on each of next year's four periods too.
    progress = sorted(o.key for o in first.occurrences if o.key.endswith(".progress"))
    assert progress == ["2027-H1.progress", "2027-Q1.progress", "2027-Q3.progress", "2027-Y.progress"]
    assert len([o for o in rows(seeded.engine, Occurrence) if o.kind == "deadline"]) == 8
