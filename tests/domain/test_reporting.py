"""The reporting calendar: periods, data windows, report due dates, officers' cut-offs."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest

from domain.calendar import WorkCalendar
from domain.organisation import OrganisationError, load_organisation
from domain.reporting import (
    CutoffRule,
    ReportingCalendar,
    ReportingRuleError,
    ReportingRules,
    parse_period_key,
    period_key_of,
    period_label,
    progress_key,
)


def test_default_periods_of_2026():
    periods = ReportingCalendar().periods(2026)
    assert [p.key for p in periods] == ["2026-Q1", "2026-H1", "2026-Q3", "2026-Y"]
    assert [p.label for p in periods] == ["quý I năm 2026", "6 tháng đầu năm 2026", "quý III năm 2026", "năm 2026"]
    assert [(p.window_start, p.window_end) for p in periods] == [
        (date(2025, 12, 15), date(2026, 3, 14)),
        (date(2025, 12, 15), date(2026, 6, 14)),
        (date(2026, 6, 15), date(2026, 9, 14)),
        (date(2025, 12, 15), date(2026, 12, 14)),
    ]
    # Day 20 of the last month; 20/6/2026 is a Saturday, 20/9 and 20/12 Sundays: moved back.
    assert [p.report_due for p in periods] == [date(2026, 3, 20), date(2026, 6, 19), date(2026, 9, 18), date(2026, 12, 18)]
    # Five working days before.
    assert [p.cutoff for p in periods] == [date(2026, 3, 13), date(2026, 6, 12), date(2026, 9, 11), date(2026, 12, 11)]
    assert periods[0].title == "Quý I năm 2026"


def test_cutoff_moved_by_national_day_and_weekend():
    # A province asking for the 5th: 5/9/2026 is a Saturday → Friday 4/9; five working days
    # before skip 2/9, 1/9 (Quốc khánh), 31/8 (day swapped) and the weekend.
    cal = ReportingCalendar(ReportingRules(report_day=5))
    q3 = cal.period("2026-Q3")
    assert q3.report_due == date(2026, 9, 4)
    assert q3.cutoff == date(2026, 8, 25)


def test_cutoff_moved_by_organisation_days_off():
    work = WorkCalendar(extra_days_off=[date(2026, 3, 12), date(2026, 3, 13)])
    assert ReportingCalendar(calendar=work).period("2026-Q1").cutoff == date(2026, 3, 11)


def test_written_cutoff_rule():
    rules = ReportingRules(report_day=20, cutoff=CutoffRule.parse("ngày 10 tháng cuối quý"))
    cal = ReportingCalendar(rules)
    assert cal.period("2026-Q1").cutoff == date(2026, 3, 10)
    # 10/5... 10/6/2026 is a Wednesday; 10/10 would be... 10/9/2026 Thursday; 10/12 Thursday.
    assert cal.period("2026-H1").cutoff == date(2026, 6, 10)
    # 10/1/2027 is a Sunday → Friday 8/1 (only matters to a hypothetical rule; Q1 is March).
    assert ReportingCalendar(ReportingRules(cutoff=CutoffRule.parse("ngày 10 tháng cuối kỳ báo cáo"))).period("2027-Q1").cutoff == date(2027, 3, 10)
    assert CutoffRule.parse("3 ngày làm việc trước hạn báo cáo").working_days_before == 3
    assert CutoffRule.parse(7).working_days_before == 7
    for bad in ("sớm nhất có thể", "ngày 31 tháng cuối quý", 45):
        with pytest.raises(ReportingRuleError):
            CutoffRule.parse(bad)


def test_cutoff_never_after_report():
    rules = ReportingRules(report_day=5, cutoff=CutoffRule.parse("ngày 10 tháng cuối quý"))
    q1 = ReportingCalendar(rules).period("2026-Q1")
    assert q1.cutoff == q1.report_due == date(2026, 3, 5)


def test_period_of_and_current_period():
    cal = ReportingCalendar()
    assert cal.period_of(date(2025, 12, 15)).key == "2026-Q1"
    assert cal.period_of(date(2025, 12, 14)).key == "2025-Y"
    assert cal.period_of(date(2026, 3, 14)).key == "2026-Q1"
    assert cal.period_of(date(2026, 3, 15)).key == "2026-H1"
    assert cal.period_of(date(2026, 7, 1)).key == "2026-Q3"
    assert cal.period_of(date(2026, 10, 1)).key == "2026-Y"
    # The office still compiles quý I until its report is due on 20/3.
    assert cal.current_period(date(2026, 3, 16)).key == "2026-Q1"
    assert cal.current_period(date(2026, 3, 21)).key == "2026-H1"
    assert cal.current_period(date(2026, 12, 19)).key == "2027-Q1"
    assert cal.current_period(date(2026, 1, 5)).key == "2026-Q1"


def test_only_some_periods_configured():
    cal = ReportingCalendar(ReportingRules(periods=("H1", "Y")))
    assert [p.key for p in cal.periods(2026)] == ["2026-H1", "2026-Y"]
    assert cal.period_of(date(2026, 2, 1)).key == "2026-H1"
    assert cal.period_of(date(2026, 8, 1)).key == "2026-Y"


def test_periods_between():
    cal = ReportingCalendar()
    keys = [p.key for p in cal.periods_between(date(2026, 1, 1), date(2026, 12, 31))]
    assert keys == ["2026-Q1", "2026-H1", "2026-Q3", "2026-Y", "2027-Q1"]
    assert [p.key for p in cal.periods_between(date(2026, 4, 1), date(2026, 7, 1))] == ["2026-H1", "2026-Q3"]


def test_keys():
    assert progress_key("2026-Q1") == "2026-Q1.progress"
    assert period_key_of("2026-Q1.progress") == "2026-Q1"
    assert period_key_of("2026-Q1") is None
    assert parse_period_key("2026-H1") == (2026, "H1")
    assert period_label("2026-Y") == "năm 2026"
    with pytest.raises(ValueError, match="không hợp lệ"):
        parse_period_key("2026-Q2")


def test_rules_round_trip():
    rules = ReportingRules(report_day=10, cutoff=CutoffRule.parse("ngày 5 tháng cuối quý"), periods=("Q1", "Y"))
    assert ReportingRules.from_dict(rules.to_dict()) == rules
    assert ReportingRules.from_dict({}) == ReportingRules()
    assert ReportingRules.from_dict(None) == ReportingRules()


ORG = """\
organisation: {code: xa-thu, name: "UBND xã Thử"}
reporting:
  report_day: 10
  officer_cutoff: "ngày 5 tháng cuối quý"
units:
  - {code: vp-tk, name: "Công chức Văn phòng - Thống kê"}
officers:
  - {username: chutich, name: "Nguyễn Văn Chủ", email: chu@thu.example, role: chairman}
"""


def test_organisation_file_reporting_section(tmp_path: Path):
    path = tmp_path / "org.yaml"
    path.write_text(ORG, encoding="utf-8")
    config = load_organisation(path)
    q1 = config.reporting_calendar().period("2026-Q1")
    assert q1.report_due == date(2026, 3, 10)
    assert q1.cutoff == date(2026, 3, 5)
    # Without the section: the defaults.
    path.write_text(ORG.replace('reporting:\n  report_day: 10\n  officer_cutoff: "ngày 5 tháng cuối quý"\n', ""), encoding="utf-8")
    assert load_organisation(path).reporting_calendar().period("2026-Q1").cutoff == date(2026, 3, 13)


def test_organisation_file_reporting_errors_with_lines(tmp_path: Path):
    bad = ORG.replace("report_day: 10", "report_day: 31").replace('"ngày 5 tháng cuối quý"', '"sớm"') + ""
    bad = bad.replace("reporting:\n", "reporting:\n  periods: [Q1, Q2]\n")
    path = tmp_path / "org.yaml"
    path.write_text(textwrap.dedent(bad), encoding="utf-8")
    with pytest.raises(OrganisationError) as info:
        load_organisation(path)
    problems = [str(p) for p in info.value.problems]
    assert any(p.startswith("dòng 3: reporting.periods") and "Q2" in p for p in problems), problems
    assert any(p.startswith("dòng 4: reporting.report_day") and "từ 1 đến 28" in p for p in problems), problems
    assert any(p.startswith("dòng 5: reporting.officer_cutoff") and "không hiểu quy tắc" in p for p in problems), problems
