"""domain.status: the four buckets and their aggregation."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from domain.status import Bucket, Counts, aggregate, classify, days_overdue, local_date
from persistence.models import OccurrenceStatus

TODAY = date(2026, 6, 15)


def test_open_occurrences_are_on_track_until_the_due_day_then_overdue() -> None:
    assert classify("open", date(2026, 6, 15), None, TODAY) == Bucket.ON_TRACK
    assert classify("open", date(2026, 6, 14), None, TODAY) == Bucket.OVERDUE
    assert days_overdue(date(2026, 6, 10), TODAY) == 5
    assert days_overdue(date(2026, 6, 20), TODAY) == 0


def test_completed_on_or_before_due_is_on_time_else_late() -> None:
    assert classify(OccurrenceStatus.DONE, date(2026, 6, 10), date(2026, 6, 10), TODAY) == Bucket.DONE_ON_TIME
    assert classify(OccurrenceStatus.DONE, date(2026, 6, 10), date(2026, 6, 11), TODAY) == Bucket.DONE_LATE
    # Reported and awaiting confirmation counts as completed, by the day it was reported.
    assert classify(OccurrenceStatus.SUBMITTED, date(2026, 6, 10), date(2026, 6, 9), TODAY) == Bucket.DONE_ON_TIME
    assert classify(OccurrenceStatus.CANCELLED, date(2026, 6, 10), None, TODAY) is None


def test_local_date_uses_vietnam_time() -> None:
    # 18:30 UTC on the 10th is 01:30 on the 11th in Hà Nội: reported late for a due date of the 10th.
    moment = datetime(2026, 6, 10, 18, 30, tzinfo=UTC)
    assert local_date(moment) == date(2026, 6, 11)
    assert local_date(moment.replace(tzinfo=None)) == date(2026, 6, 11)  # SQLite gives naive UTC
    assert classify("done", date(2026, 6, 10), local_date(moment), TODAY) == Bucket.DONE_LATE


def test_aggregate_counts_each_key_once() -> None:
    result = aggregate([(Bucket.OVERDUE, ["a", "b", "a"]), (Bucket.ON_TRACK, ["a"]), (None, ["a"])])
    assert result.overall.total == 2
    assert result.groups["a"].to_dict()["overdue"] == 1 and result.groups["a"].total == 2
    assert result.groups["b"].total == 1
    assert Counts().percent(Bucket.OVERDUE) == 0.0


statuses = st.sampled_from(list(OccurrenceStatus))
days = st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31))


@given(statuses, days, st.one_of(st.none(), days), days)
def test_every_live_occurrence_is_in_exactly_one_bucket(status, due, completed, today) -> None:
    bucket = classify(status, due, completed, today)
    if status == OccurrenceStatus.CANCELLED:
        assert bucket is None
        return
    assert bucket in set(Bucket)
    done = status in (OccurrenceStatus.DONE, OccurrenceStatus.SUBMITTED)
    assert (bucket in (Bucket.DONE_ON_TIME, Bucket.DONE_LATE)) == done
    if not done:
        assert (bucket == Bucket.OVERDUE) == (today > due) == (days_overdue(due, today) > 0)
