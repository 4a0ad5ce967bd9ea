"""The report's periods follow the organisation's reporting calendar (domain.reporting), not a rule of their own."""

from __future__ import annotations

from datetime import date

import pytest

from domain.reporting import ReportingCalendar, ReportingRules
from reports.periods import PeriodError, next_period, parse_period, periods_of_year


def test_due_dates_move_off_weekends_and_windows_are_the_cycles() -> None:
    periods = {p.key: p for p in periods_of_year(2026)}
    # 20/6/2026 is a Saturday and 20/9 a Sunday: the report is due the working day before.
    assert {k: p.due for k, p in periods.items()} == {
        "2026-Q1": date(2026, 3, 20), "2026-H1": date(2026, 6, 19), "2026-Q3": date(2026, 9, 18),
        "2026-Y": date(2026, 12, 18)}
    assert (periods["2026-Q1"].window.start, periods["2026-Q1"].window.end) == (date(2025, 12, 15), date(2026, 3, 14))
    assert (periods["2026-Q3"].window.start, periods["2026-Q3"].window.end) == (date(2026, 6, 15), date(2026, 9, 14))
    assert periods["2026-H1"].title_phrase == "6 tháng đầu năm 2026"


def test_an_organisation_reporting_twice_a_year_on_the_15th() -> None:
    calendar = ReportingCalendar(ReportingRules.from_dict({"periods": ["H1", "Y"], "report_day": 15}))
    assert [p.key for p in periods_of_year(2026, calendar)] == ["2026-H1", "2026-Y"]
    assert parse_period("2026-H1", calendar).due == date(2026, 6, 15)
    assert next_period(parse_period("2026-H1", calendar), calendar).key == "2026-Y"
    assert next_period(parse_period("2026-Y", calendar), calendar).key == "2027-H1"
    assert next_period(parse_period("2026-Y")).key == "2027-Q1"


def test_a_key_that_is_no_period_is_refused_in_vietnamese() -> None:
    with pytest.raises(PeriodError, match="Kỳ báo cáo '2026-Q2' không hợp lệ"):
        parse_period("2026-Q2")
