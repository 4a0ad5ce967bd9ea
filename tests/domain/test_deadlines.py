"""Deadline engine: every phrase of DESIGN.md and issue 2, with exact dates.

Expected dates were worked out by hand from the weekday and the Vietnamese holiday
list (Tết 2026: 16–20/2; 30/4–1/5; 2/9 with its neighbours; 31/8/2026 is the day off
swapped from Saturday 22/8/2026; 2/5/2025 swapped from 26/4/2025).
"""

from __future__ import annotations

import json
import unicodedata
from datetime import date

import pytest

from domain.calendar import Shift, WorkCalendar
from domain.deadlines import DeadlineError, DueDate, Schedule, expand, parse_deadline

CAL = WorkCalendar()
D = date


def rows(text: str, plan_year: int, year: int | None = None) -> list[tuple[str, date, date]]:
    schedule = parse_deadline(text, plan_year)
    return [(o.key, o.nominal, o.due) for o in expand(schedule, year or plan_year, CAL)]


QUARTERS_2026 = [
    ("2026-Q1", D(2026, 3, 31), D(2026, 3, 31)),
    ("2026-Q2", D(2026, 6, 30), D(2026, 6, 30)),
    ("2026-Q3", D(2026, 9, 30), D(2026, 9, 30)),
    ("2026-Q4", D(2026, 12, 31), D(2026, 12, 31)),
]
QUARTERS_2025 = [
    ("2025-Q1", D(2025, 3, 31), D(2025, 3, 31)),
    ("2025-Q2", D(2025, 6, 30), D(2025, 6, 30)),
    ("2025-Q3", D(2025, 9, 30), D(2025, 9, 30)),
    ("2025-Q4", D(2025, 12, 31), D(2025, 12, 31)),
]

CASES = [
    # --- one date ---------------------------------------------------------------
    ("trước 15/10/2025", 2025, 2025, [("2025-10-15", D(2025, 10, 15), D(2025, 10, 15))]),
    # re-based onto the next plan year: 15/10/2026 is a Thursday
    ("trước 15/10/2025", 2025, 2026, [("2026-10-15", D(2026, 10, 15), D(2026, 10, 15))]),
    # Saturday 31/12/2022; Sunday 1/1/2023 and its observed Monday 2/1 are off
    ("trước ngày 31/12/2022", 2022, 2022, [("2022-12-31", D(2022, 12, 31), D(2023, 1, 3))]),
    # Tết 2026 (16–20/2) then a weekend: Monday 23/2
    ("trước ngày 17/02/2026", 2026, 2026, [("2026-02-17", D(2026, 2, 17), D(2026, 2, 23))]),
    ("chậm nhất ngày 20 tháng 2 năm 2026", 2026, 2026, [("2026-02-20", D(2026, 2, 20), D(2026, 2, 23))]),
    # 30/4 Thu and 1/5 Fri off, then a weekend: Monday 4/5
    ("trước 30/4/2026", 2026, 2026, [("2026-04-30", D(2026, 4, 30), D(2026, 5, 4))]),
    # 1/5/2025 Thu, 2/5 swapped day off, weekend: Monday 5/5
    ("ngày 1/5/2025", 2025, 2025, [("2025-05-01", D(2025, 5, 1), D(2025, 5, 5))]),
    # 2/9/2025 Tuesday is National Day: Wednesday 3/9
    ("trước ngày 02/09/2025", 2025, 2025, [("2025-09-02", D(2025, 9, 2), D(2025, 9, 3))]),
    # 2/9/2026 Wednesday (31/8–2/9 off): Thursday 3/9
    ("trước ngày 2-9-2026", 2026, 2026, [("2026-09-02", D(2026, 9, 2), D(2026, 9, 3))]),
    ("ngày 30 tháng 6 năm 2024", 2024, 2024, [("2024-06-30", D(2024, 6, 30), D(2024, 7, 1))]),
    ("trước ngày 15/12", 2026, 2026, [("2026-12-15", D(2026, 12, 15), D(2026, 12, 15))]),
    # --- quarters ------------------------------------------------------------------
    (
        "theo Quý trước ngày 20 của tháng cuối Quý",
        2026,
        2026,
        [
            ("2026-Q1", D(2026, 3, 20), D(2026, 3, 20)),
            ("2026-Q2", D(2026, 6, 20), D(2026, 6, 22)),  # Saturday
            ("2026-Q3", D(2026, 9, 20), D(2026, 9, 21)),  # Sunday
            ("2026-Q4", D(2026, 12, 20), D(2026, 12, 21)),  # Sunday
        ],
    ),
    ("Quý I/2023", 2023, 2023, [("2023-Q1", D(2023, 3, 31), D(2023, 3, 31))]),
    ("Quý 1/2023", 2023, 2023, [("2023-Q1", D(2023, 3, 31), D(2023, 3, 31))]),
    ("Quý II/2023 và những năm tiếp theo", 2023, 2023, [("2023-Q2", D(2023, 6, 30), D(2023, 6, 30))]),
    # ... and again every year: 30/6/2024 is a Sunday
    ("Quý II/2023 và những năm tiếp theo", 2023, 2024, [("2024-Q2", D(2024, 6, 30), D(2024, 7, 1))]),
    ("Quý III năm 2025", 2025, 2025, [("2025-Q3", D(2025, 9, 30), D(2025, 9, 30))]),
    ("Quý 4/2025", 2025, 2025, [("2025-Q4", D(2025, 12, 31), D(2025, 12, 31))]),
    ("Quý IV/2025", 2025, 2025, [("2025-Q4", D(2025, 12, 31), D(2025, 12, 31))]),
    ("mỗi quý một lần", 2026, 2026, QUARTERS_2026),
    ("hằng quý", 2025, 2025, QUARTERS_2025),
    ("hàng quý", 2025, 2025, QUARTERS_2025),
    ("báo cáo định kỳ hàng quý", 2026, 2026, QUARTERS_2026),
    # chosen set: one report per date, the widest period wins (H1 over Q2, Y over Q4/H2)
    (
        "định kỳ hàng quý, 6 tháng, năm",
        2026,
        2026,
        [
            ("2026-Q1", D(2026, 3, 31), D(2026, 3, 31)),
            ("2026-H1", D(2026, 6, 30), D(2026, 6, 30)),
            ("2026-Q3", D(2026, 9, 30), D(2026, 9, 30)),
            ("2026-Y", D(2026, 12, 31), D(2026, 12, 31)),
        ],
    ),
    # 5 days after each quarter; 5/4/2025 Saturday → Tuesday 8/4 (7/4 Hùng Kings)
    (
        "chậm nhất 05 ngày sau khi kết thúc quý",
        2025,
        2025,
        [
            ("2025-Q1", D(2025, 4, 5), D(2025, 4, 8)),
            ("2025-Q2", D(2025, 7, 5), D(2025, 7, 7)),
            ("2025-Q3", D(2025, 10, 5), D(2025, 10, 6)),
            ("2025-Q4", D(2026, 1, 5), D(2026, 1, 5)),
        ],
    ),
    # --- months ----------------------------------------------------------------------
    (
        "chậm nhất ngày 05 của các tháng 3, tháng 6, tháng 9, tháng 12",
        2026,
        2026,
        [
            ("2026-M03", D(2026, 3, 5), D(2026, 3, 5)),
            ("2026-M06", D(2026, 6, 5), D(2026, 6, 5)),
            ("2026-M09", D(2026, 9, 5), D(2026, 9, 7)),  # Saturday
            ("2026-M12", D(2026, 12, 5), D(2026, 12, 7)),  # Saturday
        ],
    ),
    (
        "họp định kỳ hàng tháng (chậm nhất 05 ngày sau khi kết thúc tháng)",
        2026,
        2026,
        [
            ("2026-M01", D(2026, 2, 5), D(2026, 2, 5)),
            ("2026-M02", D(2026, 3, 5), D(2026, 3, 5)),
            ("2026-M03", D(2026, 4, 5), D(2026, 4, 6)),  # Sunday
            ("2026-M04", D(2026, 5, 5), D(2026, 5, 5)),
            ("2026-M05", D(2026, 6, 5), D(2026, 6, 5)),
            ("2026-M06", D(2026, 7, 5), D(2026, 7, 6)),  # Sunday
            ("2026-M07", D(2026, 8, 5), D(2026, 8, 5)),
            ("2026-M08", D(2026, 9, 5), D(2026, 9, 7)),  # Saturday
            ("2026-M09", D(2026, 10, 5), D(2026, 10, 5)),
            ("2026-M10", D(2026, 11, 5), D(2026, 11, 5)),
            ("2026-M11", D(2026, 12, 5), D(2026, 12, 7)),  # Saturday
            ("2026-M12", D(2027, 1, 5), D(2027, 1, 5)),  # belongs to 2026
        ],
    ),
    (
        "hàng tháng",
        2026,
        2026,
        [
            ("2026-M01", D(2026, 1, 31), D(2026, 2, 2)),
            ("2026-M02", D(2026, 2, 28), D(2026, 3, 2)),
            ("2026-M03", D(2026, 3, 31), D(2026, 3, 31)),
            ("2026-M04", D(2026, 4, 30), D(2026, 5, 4)),  # 30/4, 1/5, weekend
            ("2026-M05", D(2026, 5, 31), D(2026, 6, 1)),
            ("2026-M06", D(2026, 6, 30), D(2026, 6, 30)),
            ("2026-M07", D(2026, 7, 31), D(2026, 7, 31)),
            ("2026-M08", D(2026, 8, 31), D(2026, 9, 3)),  # 31/8 swapped, 1–2/9
            ("2026-M09", D(2026, 9, 30), D(2026, 9, 30)),
            ("2026-M10", D(2026, 10, 31), D(2026, 11, 2)),
            ("2026-M11", D(2026, 11, 30), D(2026, 11, 30)),
            ("2026-M12", D(2026, 12, 31), D(2026, 12, 31)),
        ],
    ),
    ("tháng 6/2024", 2024, 2024, [("2024-M06", D(2024, 6, 30), D(2024, 7, 1))]),
    ("Tháng 12/2025", 2025, 2025, [("2025-M12", D(2025, 12, 31), D(2025, 12, 31))]),
    # --- halves and years ------------------------------------------------------------
    ("6 tháng đầu năm", 2025, 2025, [("2025-H1", D(2025, 6, 30), D(2025, 6, 30))]),
    ("6 tháng cuối năm", 2027, 2027, [("2027-H2", D(2027, 12, 31), D(2027, 12, 31))]),
    ("6 tháng đầu năm 2026", 2026, 2026, [("2026-H1", D(2026, 6, 30), D(2026, 6, 30))]),
    # Sunday 10/1/2027 → Monday 11/1
    ("cuối năm (chậm nhất 10 ngày sau khi kết thúc năm)", 2026, 2026, [("2026-Y", D(2027, 1, 10), D(2027, 1, 11))]),
    ("Năm 2025", 2025, 2025, [("2025-Y", D(2025, 12, 31), D(2025, 12, 31))]),
    ("trong năm 2025", 2025, 2025, [("2025-Y", D(2025, 12, 31), D(2025, 12, 31))]),
    ("hàng năm", 2026, 2026, [("2026-Y", D(2026, 12, 31), D(2026, 12, 31))]),
    # Sunday 31/12/2028, New Year's Day 1/1/2029 → Tuesday 2/1
    ("hằng năm", 2028, 2028, [("2028-Y", D(2028, 12, 31), D(2029, 1, 2))]),
    ("trước ngày 15/12 hằng năm", 2026, 2026, [("2026-12-15", D(2026, 12, 15), D(2026, 12, 15))]),
    # --- noise: no diacritics, upper case, NFD, dashes, spaces, trailing period --------
    ("Quy I/2023", 2023, 2023, [("2023-Q1", D(2023, 3, 31), D(2023, 3, 31))]),
    ("QUÝ   I / 2023.", 2023, 2023, [("2023-Q1", D(2023, 3, 31), D(2023, 3, 31))]),
    ("Quý I – 2023", 2023, 2023, [("2023-Q1", D(2023, 3, 31), D(2023, 3, 31))]),
    ("truoc ngay 31/12/2022", 2022, 2022, [("2022-12-31", D(2022, 12, 31), D(2023, 1, 3))]),
    (
        unicodedata.normalize("NFD", "Quý II/2023 — và những năm tiếp theo"),
        2023,
        2023,
        [("2023-Q2", D(2023, 6, 30), D(2023, 6, 30))],
    ),
    ("  Trước  ngày\u00a015/10/2025 .", 2025, 2025, [("2025-10-15", D(2025, 10, 15), D(2025, 10, 15))]),
    ("hang quy", 2025, 2025, QUARTERS_2025),
]


@pytest.mark.parametrize("text, plan_year, year, expected", CASES)
def test_expand_exact_dates(text, plan_year, year, expected):
    assert rows(text, plan_year, year) == expected


@pytest.mark.parametrize(
    "text, kind, repeats",
    [
        ("trước 15/10/2025", "once", False),
        ("Quý I/2023", "once", False),
        ("Quý II/2023 và những năm tiếp theo", "recurring", True),
        ("theo Quý trước ngày 20 của tháng cuối Quý", "recurring", True),
        ("chậm nhất ngày 05 của các tháng 3, tháng 6, tháng 9, tháng 12", "recurring", True),
        ("hàng năm", "recurring", True),
        ("trước ngày 15/12 hằng năm", "recurring", True),
        ("cuối năm (chậm nhất 10 ngày sau khi kết thúc năm)", "once", False),
        ("hàng quý năm 2025", "recurring", False),  # bounded to 2025
        ("thường xuyên (trong năm 2023)", "continuous", False),
        ("thuong xuyen", "continuous", False),
        ("Thường xuyên.", "continuous", False),
    ],
)
def test_kind_and_repeats(text, kind, repeats):
    schedule = parse_deadline(text, 2025)
    assert (schedule.kind, schedule.repeats_yearly) == (kind, repeats)
    assert schedule.text == text


def test_continuous_expands_to_nothing():
    assert expand(parse_deadline("thường xuyên (trong năm 2023)", 2023), 2023, CAL) == []


def test_period_labels():
    labels = [o.period for o in expand(parse_deadline("định kỳ hàng quý, 6 tháng, năm", 2026), 2026, CAL)]
    assert labels == ["Quý I/2026", "6 tháng đầu năm 2026", "Quý III/2026", "Năm 2026"]
    assert expand(parse_deadline("trước 15/10/2025", 2025), 2025, CAL)[0].period == "Hạn 15/10/2025"
    assert expand(parse_deadline("tháng 3/2026", 2026), 2026, CAL)[0].period == "Tháng 3/2026"
    assert expand(parse_deadline("6 tháng cuối năm", 2026), 2026, CAL)[0].period == "6 tháng cuối năm 2026"


def test_explicit_year_is_relative_to_plan_year():
    # A 2024 deadline written in a 2025 plan stays one year before the plan year.
    assert rows("tháng 6/2024", 2025, 2026) == [("2025-M06", D(2025, 6, 30), D(2025, 6, 30))]


def test_shift_rules_follow_the_argument():
    schedule = parse_deadline("trước ngày 17/02/2026", 2026)
    [prev] = expand(schedule, 2026, CAL, Shift.PREVIOUS)
    [none] = expand(schedule, 2026, CAL, Shift.NONE)
    assert prev.due == D(2026, 2, 13)  # Friday before Tết (16/2 is Tết's eve)
    assert none.due == D(2026, 2, 17)


def test_organisation_days_off_and_makeup_days():
    org = WorkCalendar(extra_days_off={D(2026, 3, 20)}, makeup_working_days={D(2026, 6, 20)})
    schedule = parse_deadline("theo Quý trước ngày 20 của tháng cuối Quý", 2026)
    assert [o.due for o in expand(schedule, 2026, org)] == [
        D(2026, 3, 23),  # the organisation's own day off, then a weekend
        D(2026, 6, 20),  # a make-up working Saturday
        D(2026, 9, 21),
        D(2026, 12, 21),
    ]


def test_expand_sorted_and_keys_unique():
    out = expand(parse_deadline("họp định kỳ hàng tháng (chậm nhất 05 ngày sau khi kết thúc tháng)", 2026), 2026, CAL)
    assert [o.due for o in out] == sorted(o.due for o in out)
    assert len({o.key for o in out}) == len(out) == 12
    assert all(isinstance(o, DueDate) for o in out)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "hello",
        "sớm",
        "quý",
        "hàng tuần",
        "31/6/2025",
        "15/10/25",
        "tháng 13/2025",
        "ngày 15",
        "trước ngày 20 của tháng cuối quý 6 tháng đầu năm",
        "05 ngày làm việc sau khi kết thúc quý",
        "đầu tháng 6/2024",
        "Quý V/2025",
        "theo kế hoạch",
    ],
)
def test_not_understood_raises_and_quotes_the_text(text):
    with pytest.raises(DeadlineError) as info:
        parse_deadline(text, 2025)
    assert info.value.text == text
    assert str(info.value).startswith(f'Không hiểu thời hạn: "{text}"')


@pytest.mark.parametrize("text, plan_year, year, expected", CASES)
def test_round_trip_to_dict_from_dict(text, plan_year, year, expected):
    schedule = parse_deadline(text, plan_year)
    data = json.loads(json.dumps(schedule.to_dict()))
    again = Schedule.from_dict(data)
    assert again == schedule
    assert expand(again, year, CAL) == expand(schedule, year, CAL)


def test_round_trip_continuous():
    schedule = parse_deadline("thường xuyên (trong năm 2023)", 2023)
    assert Schedule.from_dict(json.loads(json.dumps(schedule.to_dict()))) == schedule


# --- wordings of issue 13 (item 9) and issue 18 ---------------------------------


def _nominal(text: str, plan_year: int = 2026) -> list[date]:
    return [o.nominal for o in expand(parse_deadline(text, plan_year), plan_year, CAL)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("trước ngày 20 của tháng cuối cùng mỗi quý", [D(2026, 3, 20), D(2026, 6, 20), D(2026, 9, 20), D(2026, 12, 20)]),
        ("9 tháng đầu năm", [D(2026, 9, 30)]),
        ("3 tháng cuối năm", [D(2026, 12, 31)]),
        ("6 tháng đầu năm và cả năm", [D(2026, 6, 30), D(2026, 12, 31)]),
        ("từ tháng 3 đến tháng 6/2026", [D(2026, 6, 30)]),
        ("Tháng 11 - 12/2025", [D(2025, 12, 31)]),
        ("Quý I năm sau", [D(2027, 3, 31)]),
        ("trước 31/01 năm tiếp theo", [D(2027, 1, 31)]),
        ("15/7 và 15/01 năm sau", [D(2026, 7, 15), D(2027, 1, 15)]),
        ("Quí II-2026", [D(2026, 6, 30)]),
        ("Quí 3/2026", [D(2026, 9, 30)]),
        ("năm 2026 - 2027", [D(2027, 12, 31)]),
        ("ngày 15/6 và 15/12 hằng năm", [D(2026, 6, 15), D(2026, 12, 15)]),
        ("2026", [D(2026, 12, 31)]),
    ],
)
def test_wordings_real_plans_use(text: str, expected: list[date]) -> None:
    assert _nominal(text) == expected


def test_two_dates_every_year_recur() -> None:
    schedule = parse_deadline("ngày 15/6 và 15/12 hằng năm", 2026)
    assert schedule.kind == "recurring" and schedule.repeats_yearly


@pytest.mark.parametrize("text", ["Từ 01/7/2025", "từ tháng 4/2026"])
def test_a_start_date_only_is_a_continuous_duty(text: str) -> None:
    assert parse_deadline(text, 2026).kind == "continuous"


def test_theo_quy_dinh_is_not_theo_quy() -> None:
    with pytest.raises(DeadlineError):
        parse_deadline("theo quy định", 2026)


def test_errors_quote_the_words_as_written() -> None:
    with pytest.raises(DeadlineError) as info:
        parse_deadline("theo kế hoạch hằng năm", 2026)
    assert '"theo kế hoạch hằng năm"' in str(info.value)
    assert "kế hoạch" in str(info.value) and "ke hoach" not in str(info.value)
