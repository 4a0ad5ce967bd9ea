"""The reminder/escalation policy: exact ladders on real 2026 dates, and properties."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import WorkCalendar
from domain.policy import (
    DEFAULT_POLICY,
    Contacts,
    OccurrenceState,
    OccurrenceStatus,
    Policy,
    Step,
    decide,
    planned_actions,
    spread_minutes,
)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = WorkCalendar()
PEOPLE = Contacts(lead=("tuphap",), coordinator=("vanphong",), vice_chairman=("phochutich",), chairman=("chutich",))


def state(due: date, **kw) -> OccurrenceState:
    return OccurrenceState(task_key=kw.pop("task_key", "dondoc-task/xa/kh/1.1"), occurrence_key="2026-Q1",
                           period="Quý I/2026", due=due, contacts=kw.pop("contacts", PEOPLE), **kw)


def at(day: date, hh: int = 0, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), TZ)


def ladder(s: OccurrenceState, start: date, end: date, policy: Policy = DEFAULT_POLICY):
    return [(a.scheduled_at.date(), a.step, a.kind, a.level, a.recipients)
            for a in planned_actions(s, CAL, policy, at(start), at(end))]


def test_default_ladder_of_a_friday_deadline() -> None:
    assert ladder(state(date(2026, 3, 20)), date(2026, 3, 1), date(2026, 4, 12)) == [
        (date(2026, 3, 13), "remind-5", "reminder", 0, ("tuphap",)),
        (date(2026, 3, 18), "remind-2", "reminder", 0, ("tuphap",)),
        (date(2026, 3, 20), "due", "due", 0, ("tuphap",)),
        (date(2026, 3, 23), "overdue-1", "overdue", 1, ("tuphap", "vanphong")),
        (date(2026, 3, 25), "escalate-3", "escalation", 2, ("phochutich",)),
        (date(2026, 3, 27), "escalate-5", "escalation", 3, ("chutich",)),
        (date(2026, 4, 3), "repeat-1", "escalation", 3, ("chutich",)),
        (date(2026, 4, 10), "repeat-2", "escalation", 3, ("chutich",)),
    ]


def test_tet_pushes_the_due_date_and_counts_only_working_days() -> None:
    # 20/02/2026 falls in the Tết break (16–20/02): due on Monday 23/02; 5 working days
    # before it reach back over the break to 09/02.
    got = ladder(state(date(2026, 2, 20)), date(2026, 2, 1), date(2026, 3, 3))
    assert [(d, step) for d, step, *_ in got] == [
        (date(2026, 2, 9), "remind-5"), (date(2026, 2, 12), "remind-2"), (date(2026, 2, 23), "due"),
        (date(2026, 2, 24), "overdue-1"), (date(2026, 2, 26), "escalate-3"), (date(2026, 3, 2), "escalate-5"),
    ]
    assert all(CAL.is_working_day(d) for d, *_ in got)


def test_without_a_vice_chairman_the_coordinator_is_told() -> None:
    s = state(date(2026, 3, 20), contacts=replace(PEOPLE, vice_chairman=()))
    got = {step: who for _, step, _, _, who in ladder(s, date(2026, 3, 1), date(2026, 3, 28))}
    assert got["escalate-3"] == ("vanphong",)
    (action,) = decide(s, at(date(2026, 3, 25), 9), CAL).actions
    assert action.audience == ("coordinator",)


def test_actions_are_in_the_task_slot_of_working_hours() -> None:
    s = state(date(2026, 3, 20))
    minute = spread_minutes(s.task_key, DEFAULT_POLICY)
    assert 0 <= minute < 60
    for action in planned_actions(s, CAL, DEFAULT_POLICY, at(date(2026, 3, 1)), at(date(2026, 4, 30))):
        assert action.scheduled_at == at(action.scheduled_at.date(), 7, 30) + timedelta(minutes=minute)


def test_spread_differs_between_tasks() -> None:
    minutes = {spread_minutes(f"dondoc-task/xa/kh/{i}", DEFAULT_POLICY) for i in range(50)}
    assert len(minutes) > 20


def test_nothing_at_night_or_on_a_holiday_then_at_the_next_slot() -> None:
    s = state(date(2026, 8, 28))  # Friday; overdue-1 is Monday 31/08
    night = at(date(2026, 8, 31), 22)
    assert decide(s, night, CAL).actions == ()
    holiday = at(date(2026, 9, 2), 10)  # Quốc khánh
    d = decide(s, holiday, CAL)
    assert d.actions == ()
    assert d.next_wakeup.date() == date(2026, 9, 3) and d.next_wakeup.time() < time(8, 30)


def test_done_key_is_not_returned_twice() -> None:
    s = state(date(2026, 3, 20))
    now = at(date(2026, 3, 20), 10)
    (action,) = decide(s, now, CAL).actions
    assert action.key == "2026-Q1@2026-03-20:due"
    again = decide(replace(s, done_keys=frozenset({action.key})), now, CAL)
    assert again.actions == ()
    assert again.next_wakeup.date() == date(2026, 3, 23)


def test_late_start_sends_only_the_latest_step() -> None:
    s = state(date(2026, 3, 20))
    (action,) = decide(s, at(date(2026, 3, 26), 10), CAL).actions
    assert action.step == "escalate-3"
    assert action.scheduled_at == at(date(2026, 3, 26), 10)  # caught up now, not back-dated


@pytest.mark.parametrize("status", [OccurrenceStatus.DONE, OccurrenceStatus.CANCELLED, OccurrenceStatus.SUBMITTED])
def test_closed_or_submitted_occurrence_is_not_chased(status: OccurrenceStatus) -> None:
    d = decide(state(date(2026, 3, 20), status=status), at(date(2026, 3, 30), 10), CAL)
    assert d.actions == () and d.next_wakeup is None


def test_extension_restarts_the_ladder_from_the_new_date() -> None:
    s = state(date(2026, 3, 20), extended_due=date(2026, 4, 10))
    got = ladder(s, date(2026, 3, 1), date(2026, 4, 20))
    assert got[0][:2] == (date(2026, 4, 3), "remind-5")
    assert all(a.key.startswith("2026-Q1@2026-04-10:") for a in
               planned_actions(s, CAL, DEFAULT_POLICY, at(date(2026, 3, 1)), at(date(2026, 4, 20))))


def test_policy_round_trip_and_custom_ladder() -> None:
    custom = Policy(steps=(Step("remind-3", -3, "reminder", 0, ("lead",)),
                           Step("late", 2, "escalation", 3, ("chairman",))), repeat_every_days=0)
    assert Policy.from_dict(custom.to_dict()) == custom
    assert Policy.from_dict({}) == DEFAULT_POLICY
    assert Policy.from_dict(DEFAULT_POLICY.to_dict()) == DEFAULT_POLICY
    got = ladder(state(date(2026, 3, 20)), date(2026, 3, 1), date(2026, 6, 1), custom)
    assert [(d, step) for d, step, *_ in got] == [(date(2026, 3, 17), "remind-3"), (date(2026, 3, 24), "late")]


@pytest.mark.parametrize("bad", [
    {"steps": []},
    {"steps": [{"name": "a", "offset": 0, "kind": "shout", "audience": ["lead"]}]},
    {"steps": [{"name": "a", "offset": 0, "kind": "due", "audience": ["mayor"]}]},
    {"steps": [{"name": "a", "offset": 2, "kind": "due", "audience": ["lead"]},
               {"name": "b", "offset": 0, "kind": "due", "audience": ["lead"]}]},
    {"day_start": "18:00"},
    # Ranges (issue 17): values the date arithmetic of the workflow cannot take.
    {"steps": [{"name": "a", "offset": -100_000_000, "kind": "reminder", "audience": ["lead"]}]},
    {"steps": [{"name": "a", "offset": 0, "kind": "due", "level": 99, "audience": ["lead"]}]},
    {"steps": [{"name": f"s{i}", "offset": i, "kind": "due", "audience": ["lead"]} for i in range(21)]},
    {"repeat_every_days": 100_000_000},
    {"repeat_every_days": -1},
    {"repeat_audience": ["mayor"]},
    {"spread_minutes": 100_000},
    {"spread_minutes": 0},
    {"timezone": "Mars/Olympus"},
    {"steps": [{"name": "a", "offset": "nhiều", "kind": "due", "audience": ["lead"]}]},
])
def test_invalid_policy_is_refused(bad: dict) -> None:
    with pytest.raises(ValueError):
        Policy.from_dict(bad)


def test_policy_problems_name_each_field_in_vietnamese() -> None:
    from domain.policy import PolicyError, policy_problems

    data = {"steps": [{"name": "a", "offset": -100_000_000, "kind": "reminder", "audience": ["lead"]},
                      {"name": "b", "offset": 0, "kind": "due", "level": 9, "audience": ["lead"]}],
            "repeat_every_days": 0}  # 0: no repeat, allowed
    problems = policy_problems(data)
    assert problems == [
        (("steps", 0, "offset"), "steps[1].offset: -100000000 ngày làm việc ngoài phạm vi (từ -260 đến 260)."),
        (("steps", 1, "level"), "steps[2].level: 9 ngoài phạm vi (từ 0 đến 5)."),
    ]
    with pytest.raises(PolicyError) as caught:
        Policy.from_dict(data)
    assert caught.value.problems == problems
    assert policy_problems(DEFAULT_POLICY.to_dict()) == [] and policy_problems({}) == []
    # Replaying a history from before the rule still builds what it ran.
    lenient = Policy.from_dict({"steps": [{"name": "a", "offset": -300, "kind": "reminder", "audience": ["lead"]}]},
                               checked=False)
    assert lenient.steps[0].offset == -300


# --- properties --------------------------------------------------------------------

days = st.dates(min_value=date(2026, 1, 5), max_value=date(2027, 11, 30))
moments = st.builds(lambda d, m: at(d) + timedelta(minutes=m), days, st.integers(0, 24 * 60 - 1))


@settings(max_examples=150, deadline=None)
@given(due=days, now=moments, task=st.text(min_size=1, max_size=20))
def test_every_action_is_in_working_hours_and_the_wakeup_is_later(due: date, now: datetime, task: str) -> None:
    d = decide(state(due, task_key=task), now, CAL)
    for action in d.actions:
        assert CAL.is_working_day(now.date()) and time(7, 30) <= now.time() < time(17, 0)
        assert action.scheduled_at <= now
    if d.next_wakeup is not None:
        assert d.next_wakeup > now
        assert CAL.is_working_day(d.next_wakeup.astimezone(TZ).date())


@settings(max_examples=60, deadline=None)
@given(due=days, task=st.text(min_size=1, max_size=20))
def test_following_the_wakeups_gives_each_step_once_in_order(due: date, task: str) -> None:
    s = state(due, task_key=task)
    actions = planned_actions(s, CAL, DEFAULT_POLICY, at(due - timedelta(days=30)), at(due + timedelta(days=30)))
    keys = [a.key for a in actions]
    assert len(keys) == len(set(keys))
    assert [a.step for a in actions][:6] == [s.name for s in DEFAULT_POLICY.steps]
    assert all(a.scheduled_at < b.scheduled_at for a, b in zip(actions, actions[1:]))
    assert min(a.level for a in actions if a.kind == "overdue") == 1
    assert all(a.scheduled_at.date() > CAL.next_working_day(due) for a in actions if a.kind in ("overdue", "escalation"))
