"""Time zones, timestamps and dates as people write them: one place for each rule.

- The default time zone of an organisation (Vietnam: ``Asia/Ho_Chi_Minh``); an
  organisation's own zone comes from its row or file, never from elsewhere.
- Timestamps are stored in UTC; SQLite hands them back naive: :func:`as_utc` makes any
  of them aware.
- People write dates ``dd/mm/yyyy``; date inputs send ISO: :func:`parse_vn_date` reads
  both and refuses anything else with a Vietnamese message quoting the text.
- Dates are shown ``dd/mm/yyyy`` (:func:`vn_date`), moments ``dd/mm/yyyy HH:MM`` local.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import overload
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


def zone(name: str | None = None) -> ZoneInfo:
    """The ZoneInfo of ``name`` (the default zone when empty).

    Raises:
        ValueError: an unknown zone name (Vietnamese message).
    """
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"Múi giờ không hợp lệ: «{name}» (ví dụ đúng: {DEFAULT_TIMEZONE}).") from None


@overload
def as_utc(moment: datetime) -> datetime: ...
@overload
def as_utc(moment: None) -> None: ...
@overload
def as_utc(moment: datetime | None) -> datetime | None: ...


def as_utc(moment: datetime | None) -> datetime | None:
    """Aware UTC from an aware or UTC-naive (as SQLite returns it) timestamp."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def local_day(moment: datetime, tz: str | ZoneInfo | None = None) -> date:
    """The calendar day of ``moment`` in ``tz`` (UTC-naive moments are taken as UTC)."""
    zone_info = tz if isinstance(tz, ZoneInfo) else zone(tz)
    return as_utc(moment).astimezone(zone_info).date()


def today(tz: str | ZoneInfo | None = None) -> date:
    """Today in ``tz``."""
    return local_day(datetime.now(UTC), tz)


def parse_vn_date(text: str | None) -> date | None:
    """``dd/mm/yyyy`` (or ISO ``yyyy-mm-dd`` from a date input) to a date; None when empty.

    Raises:
        ValueError: not a date in either form (the message quotes the text).
    """
    text = (text or "").strip()
    if not text:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"Ngày không hợp lệ: «{text}» (ghi theo dạng ngày/tháng/năm, ví dụ 20/03/2026).")


def vn_date(day: date | datetime | str | None) -> str:
    """``dd/mm/yyyy`` of a date (ISO strings accepted); empty for None."""
    if day is None or day == "":
        return ""
    if isinstance(day, str):
        day = date.fromisoformat(day[:10])
    return day.strftime("%d/%m/%Y")


def vn_moment(moment: datetime | None, tz: str | ZoneInfo | None = None) -> str:
    """``dd/mm/yyyy HH:MM`` of a timestamp in local time; empty for None."""
    if moment is None:
        return ""
    zone_info = tz if isinstance(tz, ZoneInfo) else zone(tz)
    aware = as_utc(moment)
    assert aware is not None
    return aware.astimezone(zone_info).strftime("%d/%m/%Y %H:%M")
