"""Move a stretch of working-day calendar to other dates, keeping every working day.

The time-skipping test server's clock starts at the real "now" and only goes forward,
so a plan year that has already begun is simulated on later dates: everything is
shifted by a whole number of weeks, and the organisation's calendar for the shifted
dates gets extra days off and make-up working days so that day ``d + shift`` is a
working day exactly when ``d`` was one (Tết included). Results are shifted back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain.calendar import WorkCalendar


@dataclass(frozen=True)
class CalendarShift:
    """A shift by ``days`` (a multiple of 7) and the calendar that goes with it."""

    days: int
    extra_days_off: tuple[date, ...] = ()
    makeup_working_days: tuple[date, ...] = ()

    @property
    def delta(self) -> timedelta:
        return timedelta(days=self.days)

    def forward(self, day: date) -> date:
        return day + self.delta

    def back(self, moment: datetime) -> datetime:
        return moment - self.delta

    def calendar(self) -> WorkCalendar:
        return WorkCalendar(self.extra_days_off, self.makeup_working_days)


def weeks_needed(first_day: date, earliest: date) -> int:
    """Smallest multiple of 7 days that moves ``first_day`` to ``earliest`` or later."""
    if first_day >= earliest:
        return 0
    return -(-(earliest - first_day).days // 7) * 7


def shift_calendar(base: WorkCalendar, start: date, end: date, days: int) -> CalendarShift:
    """The calendar that makes ``d + days`` a working day iff ``d`` is one in ``base``.

    Args:
        base: the organisation's real calendar.
        start, end: the stretch of real dates that must be preserved (inclusive).
        days: the shift, in days.
    """
    if days == 0:
        return CalendarShift(0, tuple(sorted(base.extra_days_off)), tuple(sorted(base.makeup_working_days)))
    natural = WorkCalendar()
    off: list[date] = []
    makeup: list[date] = []
    day = start
    while day <= end:
        target = day + timedelta(days=days)
        working, natural_working = base.is_working_day(day), natural.is_working_day(target)
        if working and not natural_working:
            makeup.append(target)
        elif natural_working and not working:
            off.append(target)
        day += timedelta(days=1)
    return CalendarShift(days, tuple(off), tuple(makeup))
