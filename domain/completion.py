"""How the Government Office counts completion over a reporting window (pure).

Báo cáo 1270/BC-TCTTTg: the completion rate is completed ÷ (completed + overdue
unfinished); tasks still within their deadline are left out. A periodic CCHC report
states the situation at the end of its data window, so every occurrence is classified
*as of* that day: a completion reported after the window closed is not a completion
yet, and the four buckets of :mod:`domain.status` are counted on that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.status import Bucket, Counts, classify
from domain.vocabulary import OccurrenceStatus


@dataclass(frozen=True)
class Window:
    """A report's data window, both days included (15/12/2025 – 14/03/2026)."""

    start: date
    end: date

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end

    def text(self) -> str:
        return f"{self.start:%d/%m/%Y} – {self.end:%d/%m/%Y}"


def status_as_of(status: OccurrenceStatus | str, completed_on: date | None, cutoff: date) -> OccurrenceStatus:
    """The occurrence's status on ``cutoff``: a completion made later was still open then."""
    status = OccurrenceStatus(status)
    if status in (OccurrenceStatus.DONE, OccurrenceStatus.SUBMITTED) and completed_on is not None and completed_on > cutoff:
        return OccurrenceStatus.OPEN
    return status


def classify_as_of(status: OccurrenceStatus | str, due: date, completed_on: date | None, cutoff: date) -> Bucket | None:
    """The bucket of an occurrence on ``cutoff`` (the end of a data window)."""
    return classify(status_as_of(status, completed_on, cutoff), due, completed_on, cutoff)


def completed(counts: Counts) -> int:
    """Completions, on time or late."""
    return counts.done_on_time + counts.done_late


def completion_rate(counts: Counts) -> float | None:
    """completed ÷ (completed + overdue unfinished) in percent; None when nothing counts.

    Occurrences still within their deadline (``on_track``) are left out on purpose.
    """
    done = completed(counts)
    base = done + counts.overdue
    return 100.0 * done / base if base else None


def rate_text(rate: float | None) -> str:
    """"87,5%" (Vietnamese decimal comma), or "—" when there is nothing to count."""
    if rate is None:
        return "—"
    text = f"{rate:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") + "%"
