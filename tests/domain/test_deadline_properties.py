"""Property tests: every due date is a working day and never before its nominal date."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import Shift, WorkCalendar
from domain.deadlines import Schedule, expand, parse_deadline

EXPRESSIONS = [
    "trước 15/10/2025",
    "trước ngày 31/12/2022",
    "theo Quý trước ngày 20 của tháng cuối Quý",
    "chậm nhất ngày 05 của các tháng 3, tháng 6, tháng 9, tháng 12",
    "họp định kỳ hàng tháng (chậm nhất 05 ngày sau khi kết thúc tháng)",
    "cuối năm (chậm nhất 10 ngày sau khi kết thúc năm)",
    "Quý I/2023",
    "Quý II/2023 và những năm tiếp theo",
    "mỗi quý một lần",
    "định kỳ hàng quý, 6 tháng, năm",
    "6 tháng đầu năm",
    "6 tháng cuối năm",
    "tháng 6/2024",
    "ngày 30 tháng 6 năm 2024",
    "Năm 2025",
    "hàng tháng",
    "hằng năm",
    "ngày 25 hàng tháng",
    "trước ngày 29/02/2024",  # re-based onto common years: clamped to 28/2
]

years = st.integers(min_value=2000, max_value=2060)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2061, 2, 1))
calendars = st.builds(
    WorkCalendar,
    extra_days_off=st.frozensets(days, max_size=20),
    makeup_working_days=st.frozensets(days, max_size=5),
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(EXPRESSIONS), years, years, calendars)
def test_due_is_a_working_day_on_or_after_nominal(text, plan_year, year, calendar):
    for occurrence in expand(parse_deadline(text, plan_year), year, calendar):
        assert calendar.is_working_day(occurrence.due)
        assert occurrence.due >= occurrence.nominal
        # Nothing between the nominal date and the due date was a working day.
        assert calendar.next_working_day(occurrence.nominal) == occurrence.due


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(EXPRESSIONS), years, calendars)
def test_previous_rule_never_moves_later(text, year, calendar):
    for occurrence in expand(parse_deadline(text, year), year, calendar, Shift.PREVIOUS):
        assert calendar.is_working_day(occurrence.due)
        assert occurrence.due <= occurrence.nominal


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31)), st.booleans())
def test_any_written_date_is_read_back(day, words):
    text = f"trước ngày {day:%d/%m/%Y}" if words else f"ngày {day.day} tháng {day.month} năm {day.year}"
    schedule = parse_deadline(text, day.year)
    assert Schedule.from_dict(schedule.to_dict()) == schedule
    [occurrence] = expand(schedule, day.year, WorkCalendar(), Shift.NONE)
    assert occurrence.nominal == occurrence.due == day
    assert occurrence.key == day.isoformat()
