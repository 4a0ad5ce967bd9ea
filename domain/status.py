"""The Government Office's four status buckets of a plan's occurrences (pure).

The overview, the task list, the CLI and the Excel export all classify through
:func:`classify` so that the same occurrence is counted the same way everywhere.

Rules:
- a completed occurrence (confirmed, or reported and awaiting the coordinator's
  confirmation) is *on time* when it was completed on or before its effective due
  date (the extended one if an extension was granted), otherwise *late*;
- an open occurrence is *in progress on time* up to and including its due date, and
  *overdue* from the next day on;
- a cancelled occurrence is in no bucket.
"""

from __future__ import annotations

import enum
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from domain.clock import local_day
from domain.vocabulary import OccurrenceStatus


class Bucket(str, enum.Enum):
    DONE_ON_TIME = "done_on_time"
    DONE_LATE = "done_late"
    ON_TRACK = "on_track"
    OVERDUE = "overdue"


BUCKETS: tuple[Bucket, ...] = (Bucket.DONE_ON_TIME, Bucket.DONE_LATE, Bucket.ON_TRACK, Bucket.OVERDUE)

LABELS: dict[Bucket, str] = {
    Bucket.DONE_ON_TIME: "Hoàn thành đúng hạn",
    Bucket.DONE_LATE: "Hoàn thành quá hạn",
    Bucket.ON_TRACK: "Đang thực hiện trong hạn",
    Bucket.OVERDUE: "Quá hạn chưa hoàn thành",
}

# One colour per bucket everywhere (web, Excel, terminal): green, amber, blue, red.
COLOURS: dict[Bucket, str] = {
    Bucket.DONE_ON_TIME: "#1a7f37",
    Bucket.DONE_LATE: "#b35900",
    Bucket.ON_TRACK: "#0b5cad",
    Bucket.OVERDUE: "#c62828",
}
RICH_STYLES: dict[Bucket, str] = {
    Bucket.DONE_ON_TIME: "green",
    Bucket.DONE_LATE: "dark_orange",
    Bucket.ON_TRACK: "blue",
    Bucket.OVERDUE: "bold red",
}

STATUS_LABELS: dict[OccurrenceStatus, str] = {
    OccurrenceStatus.OPEN: "Chưa hoàn thành",
    OccurrenceStatus.SUBMITTED: "Đã báo cáo, chờ xác nhận",
    OccurrenceStatus.DONE: "Đã hoàn thành",
    OccurrenceStatus.CANCELLED: "Đã huỷ",
}


# The four buckets count a task's own deadlines only. The progress updates of the
# reporting cycle (Occurrence.kind == "progress": every task, every period) are counted
# apart ("báo cáo tiến độ kỳ này", web.progress): counting them here would swamp a plan's
# few dated tasks with 4 reports a year of every continuous task.
BUCKET_KIND = "deadline"


def counts_in_buckets(kind: str | None) -> bool:
    """Whether an occurrence of ``kind`` is counted in the four buckets (rows loaded in Python)."""
    return (kind or BUCKET_KIND) == BUCKET_KIND


def local_date(moment: datetime | None, tz: str = "Asia/Ho_Chi_Minh") -> date | None:
    """The calendar day of an aware (or UTC-naive, as SQLite returns it) timestamp in ``tz``."""
    return None if moment is None else local_day(moment, tz)


def classify(status: OccurrenceStatus | str, due: date, completed_on: date | None, today: date) -> Bucket | None:
    """The bucket of one occurrence.

    Args:
        status: the occurrence's stored status.
        due: its effective due date (extended if an extension was granted).
        completed_on: the local day the completion was reported, if any.
        today: the local day the classification is made for.

    Returns:
        The bucket, or None for a cancelled occurrence.
    """
    status = OccurrenceStatus(status)
    if status == OccurrenceStatus.CANCELLED:
        return None
    if status in (OccurrenceStatus.DONE, OccurrenceStatus.SUBMITTED):
        # A completion without a recorded day is taken as made today (conservative).
        day = completed_on or today
        return Bucket.DONE_ON_TIME if day <= due else Bucket.DONE_LATE
    return Bucket.ON_TRACK if today <= due else Bucket.OVERDUE


def days_overdue(due: date, today: date) -> int:
    """Calendar days past ``due`` (0 when not past)."""
    return max(0, (today - due).days)


@dataclass
class Counts:
    """Occurrences per bucket, plus how many completions await confirmation."""

    done_on_time: int = 0
    done_late: int = 0
    on_track: int = 0
    overdue: int = 0
    awaiting_confirmation: int = 0

    def add(self, bucket: Bucket | None, *, submitted: bool = False) -> None:
        """Count one occurrence (``None``, i.e. cancelled, is not counted).

        A completion reported but not yet confirmed (``submitted``) is counted apart, as
        awaiting confirmation, not as done: "hoàn thành" only once the coordinator agrees.
        """
        if bucket is None:
            return
        if submitted:
            self.awaiting_confirmation += 1
            return
        # Plain branches: this runs once per occurrence per group on every rebuild.
        if bucket is Bucket.DONE_ON_TIME:
            self.done_on_time += 1
        elif bucket is Bucket.DONE_LATE:
            self.done_late += 1
        elif bucket is Bucket.ON_TRACK:
            self.on_track += 1
        else:
            self.overdue += 1

    def get(self, bucket: Bucket) -> int:
        return getattr(self, bucket.value)

    @property
    def total(self) -> int:
        return self.done_on_time + self.done_late + self.on_track + self.overdue + self.awaiting_confirmation

    def percent(self, bucket: Bucket) -> float:
        """Share of ``bucket`` in the total, 0-100 (0 when empty)."""
        return 100.0 * self.get(bucket) / self.total if self.total else 0.0

    def to_dict(self) -> dict[str, int]:
        return {
            **{b.value: self.get(b) for b in BUCKETS},
            "awaiting_confirmation": self.awaiting_confirmation,
            "total": self.total,
        }


@dataclass
class Aggregate:
    """Counts overall and grouped by any number of keys per occurrence (units, area)."""

    overall: Counts = field(default_factory=Counts)
    groups: dict[Hashable, Counts] = field(default_factory=dict)

    def add(self, bucket: Bucket | None, keys: Iterable[Hashable] = (), *, submitted: bool = False) -> None:
        if bucket is None:
            return
        self.overall.add(bucket, submitted=submitted)
        keys = tuple(keys)
        if len(keys) > 1:
            keys = tuple(dict.fromkeys(keys))  # a unit named twice counts once
        groups = self.groups
        for key in keys:
            counts = groups.get(key)
            if counts is None:
                counts = groups[key] = Counts()
            counts.add(bucket, submitted=submitted)


def aggregate(items: Iterable[tuple[Bucket | None, Iterable[Hashable]]]) -> Aggregate:
    """Count ``(bucket, group keys)`` pairs overall and per key."""
    result = Aggregate()
    for bucket, keys in items:
        result.add(bucket, keys)
    return result


# --- what an officer sees first ("Việc của tôi") -------------------------------------------------


def working_days_left(due: date, today: date, calendar: object) -> int:
    """Working days from ``today`` (excluded) to ``due`` (included); negative once past.

    ``calendar`` is a :class:`domain.calendar.WorkCalendar` (the organisation's days off
    and make-up working days count).
    """
    return calendar.working_days_between(today, due)  # type: ignore[attr-defined]


def countdown_text(due: date, today: date, calendar: object) -> str:
    """"còn 3 ngày làm việc", "hạn hôm nay", "quá hạn 2 ngày" (Vietnamese, for people).

    Overdue is said in calendar days, as the overview counts it; what is still ahead is
    said in working days, which is what an officer has to do the work in.
    """
    if due < today:
        return f"quá hạn {(today - due).days} ngày"
    if due == today:
        return "hạn hôm nay"
    left = working_days_left(due, today, calendar)
    if left <= 0:  # due on a day off just ahead: the last working day is today
        return "hạn hôm nay (ngày nghỉ)"
    return f"còn {left} ngày làm việc"


class MyWorkGroup(int, enum.Enum):
    """The order of the officer's open items: overdue, due this week, progress updates, later."""

    OVERDUE = 0
    THIS_WEEK = 1
    PROGRESS = 2
    LATER = 3


def my_work_group(due: date, today: date, *, progress: bool) -> MyWorkGroup:
    """The group of one open item of "Việc của tôi".

    Args:
        due: its effective due date.
        today: the local day.
        progress: True for a period's progress update (not a due date of the task).
    """
    if due < today:
        return MyWorkGroup.OVERDUE
    week_end = today.fromordinal(today.toordinal() + (6 - today.weekday()))  # this Sunday
    if due <= week_end:
        return MyWorkGroup.THIS_WEEK
    return MyWorkGroup.PROGRESS if progress else MyWorkGroup.LATER


def my_work_key(due: date, today: date, *, progress: bool) -> tuple[int, date]:
    """Sort key of "Việc của tôi": group first (see :class:`MyWorkGroup`), then due date."""
    return (int(my_work_group(due, today, progress=progress)), due)
