from datetime import date

import pytest

from domain.calendar import Shift, WorkCalendar

cal = WorkCalendar()


@pytest.mark.parametrize(
    "day, working",
    [
        (date(2026, 2, 17), False),  # Tết (mùng 1)
        (date(2026, 2, 20), False),  # Tết
        (date(2026, 2, 23), True),
        (date(2026, 4, 27), False),  # Giỗ Tổ observed (26/4 is a Sunday)
        (date(2026, 4, 30), False),
        (date(2026, 5, 1), False),
        (date(2026, 9, 2), False),
        (date(2026, 6, 20), False),  # Saturday
        (date(2025, 4, 26), True),  # make-up Saturday for 2/5/2025
        (date(2025, 5, 2), False),  # swapped day off
        (date(2026, 6, 22), True),
    ],
)
def test_is_working_day(day, working):
    assert cal.is_working_day(day) is working


def test_shift_rules():
    assert cal.shift(date(2026, 6, 20)) == date(2026, 6, 22)
    assert cal.shift(date(2026, 6, 20), Shift.PREVIOUS) == date(2026, 6, 19)
    assert cal.shift(date(2026, 6, 20), Shift.NONE) == date(2026, 6, 20)
    # Tết 2026 runs 16–20/2: a deadline on 16/2 moves to Monday 23/2.
    assert cal.shift(date(2026, 2, 16)) == date(2026, 2, 23)


def test_organisation_days():
    org = WorkCalendar(extra_days_off={date(2026, 6, 22)}, makeup_working_days={date(2026, 6, 20)})
    assert org.is_working_day(date(2026, 6, 20))
    assert not org.is_working_day(date(2026, 6, 22))
    assert org.next_working_day(date(2026, 6, 21)) == date(2026, 6, 23)


def test_add_working_days_across_tet():
    assert cal.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 23)
    assert cal.add_working_days(date(2026, 2, 23), -1) == date(2026, 2, 13)
    assert cal.add_working_days(date(2026, 6, 20), 0) == date(2026, 6, 22)
    assert cal.working_days_between(date(2026, 2, 13), date(2026, 2, 23)) == 1
    assert cal.working_days_between(date(2026, 2, 23), date(2026, 2, 13)) == -1
