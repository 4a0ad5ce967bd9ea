"""Reporting periods as the report needs them: key, title, data window, report due date, next period.

The rules (quý I, 6 tháng, quý III, năm; data windows 15/12→14/3, →14/6, 15/6→14/9, →14/12;
the report due on the organisation's report day) live in ``domain.reporting``; this
module only shapes its periods for the report. Pass the organisation's calendar
(``persistence.progress.reporting_calendar``) so that its own rules and working days
apply; without one the Bộ Nội vụ defaults do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from domain.completion import Window
from domain.reporting import ReportingCalendar, ReportingPeriod, period_label

_KEY = re.compile(r"^(\d{4})-(Q1|H1|Q3|Y)$")


class PeriodError(ValueError):
    """A period key that is not one of YYYY-Q1, YYYY-H1, YYYY-Q3, YYYY-Y (message in Vietnamese)."""


@dataclass(frozen=True)
class ReportPeriod:
    key: str
    year: int
    kind: str
    window: Window
    due: date  # the report's due date: the organisation's report day, moved to a working day

    @property
    def title_phrase(self) -> str:
        """"quý I năm 2026" / "6 tháng đầu năm 2026" / "năm 2026" as the report's title says it."""
        return period_label(self.key)


def _shaped(period: ReportingPeriod) -> ReportPeriod:
    return ReportPeriod(period.key, period.year, period.code, Window(period.window_start, period.window_end),
                        period.report_due)


def parse_period(key: str, calendar: ReportingCalendar | None = None) -> ReportPeriod:
    """The period of ``key`` ("2026-Q1") in ``calendar`` (default rules without one).

    Raises:
        PeriodError: the key is not a reporting period.
    """
    if not _KEY.match(key.strip()):
        raise PeriodError(f"Kỳ báo cáo '{key}' không hợp lệ: dùng NĂM-Q1, NĂM-H1, NĂM-Q3 hoặc NĂM-Y (ví dụ 2026-Q1).")
    return _shaped((calendar or ReportingCalendar()).period(key.strip()))


def periods_of_year(year: int, calendar: ReportingCalendar | None = None) -> list[ReportPeriod]:
    """The year's periods the organisation reports (all four by default), in order."""
    return [_shaped(p) for p in (calendar or ReportingCalendar()).periods(year)]


def next_period(period: ReportPeriod, calendar: ReportingCalendar | None = None) -> ReportPeriod:
    """The period reported after ``period`` (quý I → 6 tháng → quý III → năm → quý I of the next year)."""
    for later in [*periods_of_year(period.year, calendar), *periods_of_year(period.year + 1, calendar)]:
        if later.window.end > period.window.end:
            return later
    raise AssertionError("unreachable: every year has a period")  # pragma: no cover
