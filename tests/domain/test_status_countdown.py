"""The countdown beside upcoming due dates and the order of "Việc của tôi" (domain.status)."""

from __future__ import annotations

from datetime import date

from domain.calendar import organisation_calendar
from domain.status import MyWorkGroup, countdown_text, my_work_group, my_work_key, working_days_left

CAL = organisation_calendar()


def test_countdown_counts_working_days_only() -> None:
    # Thursday 03/12/2026 -> Tuesday 08/12/2026: Fri, Mon, Tue (the weekend does not count).
    assert working_days_left(date(2026, 12, 8), date(2026, 12, 3), CAL) == 3
    assert countdown_text(date(2026, 12, 8), date(2026, 12, 3), CAL) == "còn 3 ngày làm việc"


def test_countdown_skips_holidays_and_counts_makeup_days() -> None:
    # 30/4 and 1/5/2026 (Thu, Fri) are national holidays: from Wed 29/4 to Mon 4/5 is one working day.
    assert countdown_text(date(2026, 5, 4), date(2026, 4, 29), CAL) == "còn 1 ngày làm việc"
    # A make-up working Saturday counts; an extra day off does not.
    cal = organisation_calendar(extra_days_off=["2026-12-07"], makeup_working_days=["2026-12-05"])
    assert working_days_left(date(2026, 12, 8), date(2026, 12, 3), cal) == 3  # Fri, Sat (make-up), Tue


def test_countdown_today_and_overdue() -> None:
    assert countdown_text(date(2026, 12, 3), date(2026, 12, 3), CAL) == "hạn hôm nay"
    assert countdown_text(date(2026, 12, 1), date(2026, 12, 3), CAL) == "quá hạn 2 ngày"


def test_my_work_order_overdue_week_progress_later() -> None:
    today = date(2026, 12, 2)  # a Wednesday; the week ends Sunday 06/12
    items = [
        ("later", date(2026, 12, 20), False),
        ("progress", date(2026, 12, 14), True),
        ("this week", date(2026, 12, 6), False),
        ("overdue", date(2026, 11, 30), False),
        ("progress this week", date(2026, 12, 4), True),
    ]
    ordered = [name for name, due, progress in sorted(items, key=lambda i: my_work_key(i[1], today, progress=i[2]))]
    assert ordered == ["overdue", "progress this week", "this week", "progress", "later"]
    assert my_work_group(date(2026, 12, 7), today, progress=False) == MyWorkGroup.LATER
