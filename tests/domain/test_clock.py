"""domain.clock: time zones, UTC timestamps and Vietnamese dates, one rule each."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.clock import DEFAULT_TIMEZONE, as_utc, local_day, parse_vn_date, vn_date, vn_moment, zone


def test_naive_timestamps_are_utc_and_aware_ones_are_converted() -> None:
    naive = datetime(2026, 3, 19, 17, 30)
    assert as_utc(naive) == datetime(2026, 3, 19, 17, 30, tzinfo=UTC)
    aware = datetime(2026, 3, 20, 0, 30, tzinfo=zone())
    assert as_utc(aware) == datetime(2026, 3, 19, 17, 30, tzinfo=UTC)
    assert as_utc(None) is None


def test_local_day_crosses_midnight_in_vietnam() -> None:
    assert local_day(datetime(2026, 3, 19, 17, 30)) == date(2026, 3, 20)  # 00:30 in Hà Nội
    assert local_day(datetime(2026, 3, 19, 16, 59), DEFAULT_TIMEZONE) == date(2026, 3, 19)


def test_vietnamese_dates_are_read_in_both_forms_and_refused_with_the_text() -> None:
    assert parse_vn_date("05/03/2026") == date(2026, 3, 5)
    assert parse_vn_date("2026-03-05") == date(2026, 3, 5)
    assert parse_vn_date("  ") is None
    with pytest.raises(ValueError, match="«31/02/2026»"):
        parse_vn_date("31/02/2026")
    with pytest.raises(ValueError, match="múi giờ|Múi giờ"):
        zone("Asia/Hà_Nội")


def test_dates_and_moments_are_shown_the_vietnamese_way() -> None:
    assert vn_date(date(2026, 3, 5)) == "05/03/2026" and vn_date("2026-03-05") == "05/03/2026"
    assert vn_moment(datetime(2026, 12, 2, 0, 30, tzinfo=UTC)) == "02/12/2026 07:30"
