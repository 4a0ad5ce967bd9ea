"""Vietnamese working-day calendar.

Public holidays come from the ``holidays`` package (country VN: lunar Tết, Hùng Kings'
day, the yearly swapped days off and their make-up working Saturdays); an organisation
adds its own extra days off and make-up working days on top.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

import holidays


class Shift(str, enum.Enum):
    """What to do with a deadline that falls on a day off."""

    NEXT = "next"  # Civil Code 2015 Art. 148: the next working day
    PREVIOUS = "previous"
    NONE = "none"


@lru_cache(maxsize=64)
def _national_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=year)


class WorkCalendar:
    """Working days of one organisation: Mon–Fri minus holidays, plus make-up days."""

    def __init__(
        self,
        extra_days_off: Iterable[date] = (),
        makeup_working_days: Iterable[date] = (),
    ) -> None:
        self.extra_days_off = frozenset(extra_days_off)
        self.makeup_working_days = frozenset(makeup_working_days)
        # Set by ``resolved``: every exception to Mon–Fri is listed; no package is read.
        self._fixed = False

    @classmethod
    def resolved(cls, days_off: Iterable[date], weekend_working_days: Iterable[date]) -> WorkCalendar:
        """A calendar that never reads the ``holidays`` package: Mon–Fri, minus ``days_off``
        (weekdays off: holidays, the organisation's extra days), plus ``weekend_working_days``.

        Workflow code uses this form, built from days an activity resolved (see
        :meth:`exceptions`): a newer ``holidays`` release then cannot change the working
        days of dates already in a workflow's history. Outside the resolved window it
        knows only weekends.
        """
        calendar = cls(extra_days_off=days_off, makeup_working_days=weekend_working_days)
        calendar._fixed = True
        return calendar

    def exceptions(self, start: date, end: date) -> tuple[list[date], list[date]]:
        """The weekdays off and the working weekend days in [start, end], as resolved now.

        ``WorkCalendar.resolved(*calendar.exceptions(a, b))`` answers like ``calendar``
        for every day from ``a`` to ``b``.
        """
        days_off: list[date] = []
        weekend_working: list[date] = []
        day = start
        while day <= end:
            working = self.is_working_day(day)
            if day.weekday() < 5 and not working:
                days_off.append(day)
            elif day.weekday() >= 5 and working:
                weekend_working.append(day)
            day += timedelta(days=1)
        return days_off, weekend_working

    def holiday_name(self, day: date) -> str | None:
        """The national holiday's name on ``day``, if any."""
        if self._fixed:
            return None
        return _national_holidays(day.year).get(day)

    def is_working_day(self, day: date) -> bool:
        """True when officers work on ``day``."""
        if day in self.makeup_working_days:
            return True
        if day in self.extra_days_off:
            return False
        if self._fixed:
            return day.weekday() < 5
        national = _national_holidays(day.year)
        if day in national.weekend_workdays:
            return True
        return day.weekday() < 5 and day not in national

    def next_working_day(self, day: date) -> date:
        """``day`` itself if it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def previous_working_day(self, day: date) -> date:
        """``day`` itself if it is a working day, else the last working day before it."""
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def shift(self, day: date, rule: Shift = Shift.NEXT) -> date:
        """Apply a day-off rule to a deadline."""
        if rule is Shift.NEXT:
            return self.next_working_day(day)
        if rule is Shift.PREVIOUS:
            return self.previous_working_day(day)
        return day

    def add_working_days(self, day: date, count: int) -> date:
        """The working day ``count`` working days after (or before, if negative) ``day``.

        ``day`` itself need not be a working day; ``count == 0`` rolls forward to one.
        """
        if count == 0:
            return self.next_working_day(day)
        step = timedelta(days=1 if count > 0 else -1)
        remaining = abs(count)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            return -self.working_days_between(end, start)
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count
