"""The benchmark's plans (bench/task_phases.py) put each wake-up where the benchmark says.

Cheap checks without the Temporal server: the lateness figures are only as good as the
planned times they are measured against, and the activation plan must have nothing due
at activation (else its start rate would include chasing work).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from activities.task_activities import TaskActivities
from bench.task_phases import (
    ORG_FILE,
    activation_review,
    percentile,
    place_window,
    store_timer_plans,
    working_days_around,
)
from contracts.task_activities import LoadDefinitionInput
from domain.calendar import WorkCalendar
from domain.organisation import load_organisation
from domain.policy import Contacts, OccurrenceState, Policy, decide
from persistence.db import create_schema, make_engine
from runtime.activation import store


def _decide(definition, workflow_id: str, now: datetime):
    """What the workflow decides at ``now`` from what load_definition gives it."""
    policy = Policy.from_dict(definition.policy)
    calendar = WorkCalendar(extra_days_off=[date.fromisoformat(d) for d in definition.extra_days_off],
                            makeup_working_days=[date.fromisoformat(d) for d in definition.makeup_working_days])
    c = definition.contacts
    contacts = Contacts(lead=tuple(c.lead), coordinator=tuple(c.coordinator), vice_chairman=tuple(c.vice_chairman),
                        chairman=tuple(c.chairman))
    (occ,) = definition.occurrences
    state = OccurrenceState(task_key=workflow_id, occurrence_key=occ.key, period=occ.period,
                            due=date.fromisoformat(occ.due), contacts=contacts)
    return decide(state, now, calendar, policy)


def test_each_timer_task_wakes_at_its_slot_and_records_the_due_step(db_url: str) -> None:
    engine = make_engine(db_url)
    create_schema(engine)
    now = datetime.now(UTC)
    t0 = now + timedelta(minutes=3)
    zone, today, slots = place_window(now, t0, 7.5, 5)
    plans = store_timer_plans(engine, working_days_around(load_organisation(ORG_FILE), today), slots, zone, today)

    assert list(plans.planned.values()) == slots  # to the microsecond, in slot order
    activities = TaskActivities(engine)
    for item, slot in zip(plans.stored, slots, strict=True):
        definition = activities.load_definition(LoadDefinitionInput(plans.organisation_id, item.task_id))
        at_start = _decide(definition, item.workflow_id, now)
        assert at_start.actions == () and at_start.next_wakeup == slot
        at_slot = _decide(definition, item.workflow_id, slot)
        assert [a.step for a in at_slot.actions] == ["due"] and at_slot.actions[0].recipients
        assert f"task-{item.task_id}/{at_slot.actions[0].key}" in plans.planned
        assert _decide(definition, item.workflow_id, slot - timedelta(microseconds=1)).actions == ()


def test_the_activation_plan_has_nothing_due_at_activation(db_url: str) -> None:
    engine = make_engine(db_url)
    create_schema(engine)
    config = load_organisation(ORG_FILE)
    org, _, stored = store(engine, activation_review(30, date.today().year + 1), config, ORG_FILE)
    assert len(stored) == 30 and all(s.change == "new" and s.occurrences for s in stored)
    activities = TaskActivities(engine)
    now = datetime.now(UTC)
    for item in stored:
        definition = activities.load_definition(LoadDefinitionInput(org.id, item.task_id))
        policy = Policy.from_dict(definition.policy)
        for occ in definition.occurrences:
            state = OccurrenceState(task_key=item.workflow_id, occurrence_key=occ.key, period=occ.period,
                                    due=date.fromisoformat(occ.due), contacts=Contacts(lead=("x",)))
            decision = decide(state, now, config.work_calendar(), policy)
            assert decision.actions == () and decision.next_wakeup > now


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50 and percentile(values, 99) == 99 and percentile(values, 100) == 100
    assert percentile([3.0], 99) == 3.0
