"""The catch-up rule, and the ladder it gives to a period already past at activation."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from domain.calendar import WorkCalendar
from domain.catch_up import CatchUpChoice, PeriodDue, grace_due, outcome, past_periods
from domain.policy import Contacts, OccurrenceState, decide

CAL = WorkCalendar()
TODAY = date(2026, 7, 15)  # a Wednesday
CONTACTS = Contacts(lead=("binh",), coordinator=("lan",), vice_chairman=("mai",), chairman=("hung",))


def test_only_open_never_chased_periods_before_today_are_past() -> None:
    periods = [
        PeriodDue("1.1", "q1", "Quý I", date(2026, 3, 20)),
        PeriodDue("1.1", "q3", "Quý III", date(2026, 9, 21)),
        PeriodDue("1.2", "once", "Một lần", TODAY),  # due today: the lead is told first anyway
        PeriodDue("1.3", "q1", "Quý I", date(2026, 3, 20), open=False),
        PeriodDue("1.4", "q1", "Quý I", date(2026, 3, 20), chased=True),
        PeriodDue("0.9", "h1", "6 tháng", date(2026, 6, 20)),
    ]
    assert [(p.task_code, p.occurrence_key) for p in past_periods(periods, TODAY)] == [("1.1", "q1"), ("0.9", "h1")]


def test_grace_is_five_working_days_by_default() -> None:
    assert grace_due(TODAY, CAL) == date(2026, 7, 22)
    assert grace_due(date(2026, 7, 18), CAL) == date(2026, 7, 27)  # from a Saturday: Monday + 5
    with pytest.raises(ValueError):
        grace_due(TODAY, CAL, 0)


def test_outcomes() -> None:
    assert outcome(CatchUpChoice.TODO, TODAY, CAL).extended_due == date(2026, 7, 22)
    assert outcome(CatchUpChoice.TODO, TODAY, CAL, grace_days=10).extended_due == date(2026, 7, 29)
    done = outcome(CatchUpChoice.DONE, TODAY, CAL, note="  Báo cáo số 12/BC-UBND  ")
    assert (done.status, done.extended_due, done.note) == ("done", None, "Báo cáo số 12/BC-UBND")
    assert outcome(CatchUpChoice.CANCELLED, TODAY, CAL).status == "cancelled"
    with pytest.raises(ValueError, match="ghi chú"):
        outcome(CatchUpChoice.DONE, TODAY, CAL, note=" ")


def test_a_past_period_left_alone_escalates_at_once_but_with_its_grace_due_the_lead_is_told_first() -> None:
    now = datetime(2026, 7, 15, 10, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    past = OccurrenceState("wf-1", "q1", "Quý I", date(2026, 3, 20), CONTACTS)
    # The problem: activated months late, the first action goes to the chairman.
    (first,) = decide(past, now, CAL).actions
    assert first.kind == "escalation" and "hung" in first.recipients
    # With the catch-up's grace due date, the first action is the lead's reminder.
    caught = OccurrenceState("wf-1", "q1", "Quý I", date(2026, 3, 20), CONTACTS,
                             extended_due=outcome(CatchUpChoice.TODO, TODAY, CAL).extended_due)
    (first,) = decide(caught, now, CAL).actions
    assert first.kind == "reminder" and first.recipients == ("binh",)
