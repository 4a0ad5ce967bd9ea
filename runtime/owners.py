"""Simulated task owners: who finishes which occurrence on time, late, or never.

Deterministic from the seed, and per occurrence (a hash of seed, task and occurrence),
so adding a task to a plan does not change what happens to the others.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from domain.calendar import WorkCalendar

Outcome = Literal["on_time", "late", "never"]


@dataclass(frozen=True)
class OwnerAction:
    """One simulated completion: submitted at ``at`` (aware), confirmed at ``confirm_at``."""

    task_code: str
    occurrence_key: str
    outcome: Outcome
    at: datetime | None
    confirm_at: datetime | None


def _rng(seed: int, task_code: str, occurrence_key: str) -> random.Random:
    digest = hashlib.sha256(f"{seed}|{task_code}|{occurrence_key}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def outcome_for(seed: int, task_code: str, occurrence_key: str, on_time_share: float) -> Outcome:
    """On time with probability ``on_time_share``; the rest is split evenly late/never."""
    u = _rng(seed, task_code, occurrence_key).random()
    if u < on_time_share:
        return "on_time"
    return "late" if u < on_time_share + (1 - on_time_share) / 2 else "never"


def plan_owner_action(
    seed: int,
    task_code: str,
    occurrence_key: str,
    due: date,
    on_time_share: float,
    calendar: WorkCalendar,
    timezone: str,
) -> OwnerAction:
    """When the owner of one occurrence reports completion, if ever.

    On time: 0-6 working days before the due date (some reminders go out first).
    Late: 1-15 working days after it (overdue notices and escalations go out first).
    The coordinator confirms two hours later. All during office hours.
    """
    outcome = outcome_for(seed, task_code, occurrence_key, on_time_share)
    if outcome == "never":
        return OwnerAction(task_code, occurrence_key, outcome, None, None)
    rng = _rng(seed + 1, task_code, occurrence_key)
    if outcome == "on_time":
        day = calendar.add_working_days(calendar.previous_working_day(due), -rng.randint(0, 6))
        day = min(day, due)
    else:
        day = calendar.add_working_days(due, rng.randint(1, 15))
    clock = time(8 + rng.randint(0, 5), rng.choice((0, 15, 30, 45)))
    at = datetime.combine(day, clock, ZoneInfo(timezone))
    return OwnerAction(task_code, occurrence_key, outcome, at, at + timedelta(hours=2))
