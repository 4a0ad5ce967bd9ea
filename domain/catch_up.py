"""Catch-up at activation: what to do with the periods already past when a plan starts.

A plan activated in the middle of the year has periods whose due date is already
behind. Nobody was ever reminded of them, so the chasing ladder must not start above
the lead: the coordinator chooses, for each such period, one of

- ``done``: already done before the plan was tracked (recorded with a note);
- ``todo``: still to do, chased from the lead with a grace due date (default five
  working days from activation);
- ``cancelled``: no longer relevant.

Progress updates of periods already past (domain.reporting) were reported by hand
before the plan was tracked: unless the coordinator says otherwise they are cancelled,
not chased (:data:`PROGRESS_DEFAULT`); they are not listed one by one.

The rule is pure: :func:`past_periods` picks the periods, :func:`outcome` says what
each choice becomes. ``runtime.catch_up`` applies it to the stored occurrences.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from domain.calendar import WorkCalendar

DEFAULT_GRACE_WORKING_DAYS = 5
PROGRESS_NOTE = "Kỳ báo cáo tiến độ đã qua trước khi theo dõi bằng dondoc."
NOTE_LIMIT = 4000


class CatchUpChoice(str, enum.Enum):
    """The coordinator's choice for one past period."""

    DONE = "done"
    TODO = "todo"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return _LABELS[self]


# A past progress period, unless chosen otherwise: reported by hand before dondoc.
PROGRESS_DEFAULT = CatchUpChoice.CANCELLED

_LABELS = {
    CatchUpChoice.DONE: "Đã làm xong (ghi nhận kèm ghi chú)",
    CatchUpChoice.TODO: "Vẫn phải làm (nhắc chủ trì, hạn bù)",
    CatchUpChoice.CANCELLED: "Huỷ kỳ này",
}


@dataclass(frozen=True)
class PeriodDue:
    """One period of a task, as the catch-up rule sees it."""

    task_code: str
    occurrence_key: str
    period: str
    due: date
    open: bool = True  # still open (not done, not cancelled)
    chased: bool = False  # some chasing action was already sent for it
    kind: str = "deadline"  # OccurrenceKind: a due date of the task, or a period's progress update


@dataclass(frozen=True)
class Outcome:
    """What a choice does to a past period."""

    status: str  # "done", "open", "cancelled" (OccurrenceStatus values)
    extended_due: date | None  # the grace due date of a period still to do
    note: str


def grace_due(today: date, calendar: WorkCalendar, days: int = DEFAULT_GRACE_WORKING_DAYS) -> date:
    """The grace due date: ``days`` working days after ``today`` (on a working day)."""
    if days < 1:
        raise ValueError("Hạn bù phải ít nhất 1 ngày làm việc.")
    return calendar.add_working_days(calendar.next_working_day(today), days)


def past_periods(periods: list[PeriodDue], today: date) -> list[PeriodDue]:
    """The periods the coordinator must decide on: open, never chased, due before ``today``.

    A period due today is not past: its ladder's latest step (``due``) already goes to the
    lead. One due yesterday would start at ``overdue`` (lead and coordinator) or higher.
    A period already chased is the workflow's business, not the catch-up's.
    """
    return sorted((p for p in periods if p.open and not p.chased and p.due < today),
                  key=lambda p: (p.due, p.task_code, p.occurrence_key))


def outcome(choice: CatchUpChoice, today: date, calendar: WorkCalendar, note: str = "",
            grace_days: int = DEFAULT_GRACE_WORKING_DAYS) -> Outcome:
    """What ``choice`` makes of a past period.

    Raises:
        ValueError: a period declared done without a note (the record needs one).
    """
    note = (note or "").strip()[:NOTE_LIMIT]
    if choice == CatchUpChoice.DONE:
        if not note:
            raise ValueError("Cần ghi chú cho kỳ đã làm xong (ví dụ: số văn bản, ngày hoàn thành).")
        return Outcome("done", None, note)
    if choice == CatchUpChoice.CANCELLED:
        return Outcome("cancelled", None, note)
    return Outcome("open", grace_due(today, calendar, grace_days), note)

