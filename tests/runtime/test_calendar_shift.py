"""Shifting a plan year to later dates keeps every working day and day off."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from domain.calendar import WorkCalendar
from simulation.calendar_shift import shift_calendar, weeks_needed


def test_weeks_needed_is_a_whole_number_of_weeks_reaching_the_target() -> None:
    assert weeks_needed(date(2027, 1, 1), date(2026, 11, 23)) == 0
    days = weeks_needed(date(2026, 1, 1), date(2026, 11, 23))
    assert days % 7 == 0
    assert date(2026, 1, 1) + timedelta(days=days) >= date(2026, 11, 23)
    assert date(2026, 1, 1) + timedelta(days=days - 7) < date(2026, 11, 23)


def test_shifted_calendar_is_isomorphic_including_tet_and_org_days() -> None:
    base = WorkCalendar(extra_days_off=[date(2026, 5, 4)], makeup_working_days=[date(2026, 5, 9)])
    start, end = date(2026, 1, 1), date(2027, 2, 28)
    shift = shift_calendar(base, start, end, 329)
    shifted = shift.calendar()
    day = start
    while day <= end:
        assert base.is_working_day(day) == shifted.is_working_day(shift.forward(day)), day
        day += timedelta(days=1)
    # Tết 2026 (17/02) is a day off and lands on a day that is naturally a working day.
    assert not shifted.is_working_day(shift.forward(date(2026, 2, 17)))
    assert shift.back(datetime(2027, 1, 12, 8, 0)) == datetime(2026, 2, 17, 8, 0)


def test_no_shift_keeps_the_organisation_calendar() -> None:
    base = WorkCalendar(extra_days_off=[date(2027, 5, 4)])
    shift = shift_calendar(base, date(2027, 1, 1), date(2027, 12, 31), 0)
    assert shift.extra_days_off == (date(2027, 5, 4),) and shift.makeup_working_days == ()
