"""Read side shared by the web pages, the JSON API, the CLI and the exports.

Every function takes an ``organisation_id`` and never returns rows of another
organisation. The overview needs every occurrence of the organisation classified for
today; :class:`SnapshotCache` keeps that classification per organisation and day and
rebuilds it only when the data changed (a cheap version query), so pages stay fast
with tens of thousands of occurrences.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from domain.status import Aggregate, Bucket, classify, counts_in_buckets, days_overdue, local_date
from domain.vocabulary import REFORM_AREAS, Area
from persistence.models import (
    Event,
    Occurrence,
    OccurrenceStatus,
    Officer,
    OfficerUnit,
    Organisation,
    Plan,
    PlanStatus,
    Task,
    TaskStatus,
    Unit,
    bucketed,
)

AREA_LABELS: dict[str, str] = {area.value: area.label for area in (*REFORM_AREAS, Area.KHAC)}


def today_in(tz: str) -> date:
    """Today's date in ``tz``."""
    return datetime.now(ZoneInfo(tz)).date()


@dataclass(frozen=True)
class OccRow:
    """One occurrence with what the pages need of its task, classified for a day."""

    id: int
    key: str
    period: str
    nominal: date
    due: date
    extended_due: date | None
    status: OccurrenceStatus
    completed_on: date | None
    lead_username: str | None
    task_id: int
    task_code: str
    title: str
    area: str
    area_label: str
    lead_units: tuple[str, ...]
    coordinating_units: tuple[str, ...]
    plan_id: int
    plan_code: str
    bucket: Bucket | None
    days_overdue: int

    @property
    def effective_due(self) -> date:
        return self.extended_due or self.due

    @property
    def year(self) -> int:
        """The plan year the occurrence belongs to (its key starts with it: "2026-Q1", "2026-10-15")."""
        return occurrence_year(self.key, self.nominal)

    @property
    def awaiting(self) -> bool:
        """Reported, not yet confirmed: shown and counted apart from "hoàn thành"."""
        return self.status == OccurrenceStatus.SUBMITTED


def occurrence_year(key: str, nominal: date) -> int:
    """The year of an occurrence key; the nominal date's year when the key has none."""
    head = key[:4]
    return int(head) if head.isdigit() else nominal.year


@dataclass
class Snapshot:
    """Every live occurrence of one organisation, classified for ``today``."""

    organisation_id: int
    today: date
    rows: list[OccRow]
    units: dict[str, str]  # code -> name
    by_unit: Aggregate = field(default_factory=Aggregate)
    by_area: Aggregate = field(default_factory=Aggregate)
    plans: dict[str, str] = field(default_factory=dict)  # code -> title
    plan_names: dict[str, str] = field(default_factory=dict)  # code -> the plan's number ("12/KH-UBND") as people name it
    # Derived values (sorted lists, rendered page fragments) computed once per snapshot.
    memo: dict = field(default_factory=dict)

    MEMO_LIMIT = 512

    def remember(self, key: object, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per snapshot and key (bounded: the oldest entries go first)."""
        try:
            return self.memo[key]
        except KeyError:
            pass
        value = compute()
        if len(self.memo) >= self.MEMO_LIMIT:
            self.memo.pop(next(iter(self.memo)))
        self.memo[key] = value
        return value

    def upcoming(self, days: int = 14) -> list[OccRow]:
        """Open occurrences due from today to ``today + days``, soonest first."""

        def compute() -> list[OccRow]:
            end = self.today + timedelta(days=days)
            rows = [r for r in self.rows if r.status == OccurrenceStatus.OPEN and self.today <= r.effective_due <= end]
            return sorted(rows, key=lambda r: (r.effective_due, r.task_code))

        return self.remember(("upcoming", days), compute)

    def overdue(self) -> list[OccRow]:
        """Overdue occurrences, most days overdue first."""

        def compute() -> list[OccRow]:
            rows = [r for r in self.rows if r.bucket == Bucket.OVERDUE]
            return sorted(rows, key=lambda r: (-r.days_overdue, r.task_code))

        return self.remember("overdue", compute)

    def area_names(self) -> dict[str, str]:
        """Reform-area key -> label, in order of first appearance."""

        def compute() -> dict[str, str]:
            names: dict[str, str] = {}
            for row in self.rows:
                names.setdefault(row.area, row.area_label)
            return names

        return self.remember("area_names", compute)

    def unit_name(self, code: str) -> str:
        return self.units.get(code, code)

    def of_year(self, year: int) -> list[OccRow]:
        """The rows of plan year ``year``: next year's occurrences loaded early never count."""
        return self.remember(("year", year), lambda: [r for r in self.rows if r.year == year])

    def figures(self, year: int) -> tuple[Aggregate, Aggregate]:
        """(by unit, by area) counts of the year's occurrences."""

        def compute() -> tuple[Aggregate, Aggregate]:
            by_unit, by_area = Aggregate(), Aggregate()
            for row in self.of_year(year):
                by_unit.add(row.bucket, row.lead_units, submitted=row.awaiting)
                by_area.add(row.bucket, (row.area,), submitted=row.awaiting)
            return by_unit, by_area

        return self.remember(("figures", year), compute)


def _version(session: Session, organisation_id: int) -> tuple:
    """A cheap fingerprint that changes whenever anything the snapshot shows changes."""
    occ = session.exec(
        select(func.count(Occurrence.id), func.max(Occurrence.updated_at), func.max(Occurrence.id))
        .where(Occurrence.organisation_id == organisation_id)
    ).one()
    event = session.exec(select(func.max(Event.id)).where(Event.organisation_id == organisation_id)).one()
    # CASE, not SUM(boolean): PostgreSQL has no sum over booleans.
    tasks = session.exec(
        select(func.count(Task.id), func.max(Task.id), func.sum(case((Task.status == TaskStatus.ACTIVE, 1), else_=0)))
        .where(Task.organisation_id == organisation_id)
    ).one()
    plans = session.exec(
        select(func.count(Plan.id), func.sum(case((Plan.status == PlanStatus.ACTIVE, 1), else_=0))).where(Plan.organisation_id == organisation_id)
    ).one()
    units = session.exec(select(func.count(Unit.id)).where(Unit.organisation_id == organisation_id)).one()
    return (tuple(occ), event, tuple(tasks), tuple(plans), units)


def build_snapshot(session: Session, organisation_id: int, today: date, tz: str) -> Snapshot:
    """Load and classify every live occurrence of the organisation (one query)."""
    units = dict(session.exec(select(Unit.code, Unit.name).where(Unit.organisation_id == organisation_id)).all())
    plan_rows = session.exec(
        select(Plan.code, Plan.title, Plan.number).where(Plan.organisation_id == organisation_id, Plan.status == PlanStatus.ACTIVE)
    ).all()
    plans = {code: title for code, title, _ in plan_rows}
    plan_names = {code: number or title for code, title, number in plan_rows}
    query = (
        select(
            Occurrence.id, Occurrence.key, Occurrence.period, Occurrence.nominal, Occurrence.due,
            Occurrence.extended_due, Occurrence.status, Occurrence.completed_at, Occurrence.lead_username,
            Task.id, Task.code, Task.title, Task.area, Task.area_label, Task.lead_units, Task.coordinating_units,
            Plan.id, Plan.code,
        )
        .join(Task, Task.id == Occurrence.task_id)
        .join(Plan, Plan.id == Task.plan_id)
        .where(
            Occurrence.organisation_id == organisation_id,
            Task.organisation_id == organisation_id,
            Task.status == TaskStatus.ACTIVE,
            Plan.status == PlanStatus.ACTIVE,
            Occurrence.status != OccurrenceStatus.CANCELLED,
            bucketed(),  # deadlines only: progress updates are counted apart (web.progress)
        )
        .order_by(Plan.id, Task.id, Occurrence.due)
    )
    snapshot = Snapshot(organisation_id, today, [], units, plans=plans, plan_names=plan_names)
    for (oid, key, period, nominal, due, ext, status, completed_at, lead_user,
         tid, tcode, title, area, area_label, leads, coords, pid, pcode) in session.exec(query).all():
        status = OccurrenceStatus(status)
        completed_on = local_date(completed_at, tz)
        effective = ext or due
        bucket = classify(status, effective, completed_on, today)
        row = OccRow(
            oid, key, period, nominal, due, ext, status, completed_on, lead_user,
            tid, tcode, title, area or "khac", area_label or AREA_LABELS.get(area, area or "Khác"),
            tuple(leads or ()), tuple(coords or ()), pid, pcode,
            bucket, days_overdue(effective, today) if bucket == Bucket.OVERDUE else 0,
        )
        snapshot.rows.append(row)
        submitted = status == OccurrenceStatus.SUBMITTED
        snapshot.by_unit.add(bucket, row.lead_units, submitted=submitted)
        snapshot.by_area.add(bucket, (row.area,), submitted=submitted)
    return snapshot


class _held:
    """Context manager releasing ``lock`` on exit, acquiring it first unless ``already`` held."""

    def __init__(self, lock: threading.Lock, already: bool) -> None:
        self.lock, self.already = lock, already

    def __enter__(self) -> None:
        if not self.already:
            self.lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self.lock.release()


class SnapshotCache:
    """Snapshots per (organisation, day), rebuilt when the data's fingerprint changes.

    ``max_age`` bounds how long a snapshot is trusted even if the fingerprint did not
    move (a writer that changes a row without touching anything the fingerprint sees).
    """

    def __init__(self, engine: Engine, tz: str, max_age: float = 30.0, recheck: float = 1.0) -> None:
        self.engine = engine
        self.tz = tz
        self.max_age = max_age
        # The fingerprint query scans the occurrences: run it at most once per ``recheck``
        # seconds. Actions taken through this app invalidate at once; changes written by
        # the worker show up within ``recheck`` seconds.
        self.recheck = recheck
        self._checked: dict[int, tuple[date, float]] = {}
        self._entries: dict[int, tuple[tuple, float, Snapshot]] = {}
        self._locks: dict[int, threading.Lock] = defaultdict(threading.Lock)

    def peek(self, organisation_id: int) -> Snapshot | None:
        """The snapshot if it was checked less than ``recheck`` seconds ago (no DB access)."""
        checked = self._checked.get(organisation_id)
        entry = self._entries.get(organisation_id)
        if entry and checked and time.monotonic() - checked[1] < self.recheck and entry[2].today == today_in(self.tz):
            return entry[2]
        return None

    def get(self, organisation_id: int, session: Session | None = None, today: date | None = None) -> Snapshot:
        """The current snapshot of the organisation.

        Pass the request's ``session`` so that a request never holds two pooled
        connections at once (that deadlocks the pool under load).
        """
        if session is None:
            with Session(self.engine) as own:
                return self.get(organisation_id, own, today)
        today = today or today_in(self.tz)
        now = time.monotonic()
        checked = self._checked.get(organisation_id)
        entry = self._entries.get(organisation_id)
        if entry and checked and checked[0] == today and now - checked[1] < self.recheck and entry[2].today == today:
            return entry[2]
        version = (today, _version(session, organisation_id))
        self._checked[organisation_id] = (today, now)
        entry = self._entries.get(organisation_id)
        if entry and entry[0] == version and time.monotonic() - entry[1] < self.max_age:
            return entry[2]
        # One builder per organisation. While it builds, the others are served the
        # previous snapshot (seconds old) rather than queueing behind the rebuild.
        lock = self._locks[organisation_id]
        if entry is not None and entry[2].today == today and not lock.acquire(blocking=False):
            return entry[2]
        with _held(lock, already=entry is not None and entry[2].today == today):
            entry = self._entries.get(organisation_id)
            if entry and entry[0] == version and time.monotonic() - entry[1] < self.max_age:
                return entry[2]
            snapshot = build_snapshot(session, organisation_id, today, self.tz)
            self._entries[organisation_id] = (version, time.monotonic(), snapshot)
            return snapshot

    def invalidate(self, organisation_id: int | None = None) -> None:
        """Forget snapshots (after an action, so the next page shows its effect)."""
        if organisation_id is None:
            self._entries.clear()
            self._checked.clear()
        else:
            self._entries.pop(organisation_id, None)
            self._checked.pop(organisation_id, None)


# --- single task -----------------------------------------------------------------------------


@dataclass
class TaskDetail:
    """A task page's content."""

    task: Task
    plan: Plan
    occurrences: list[Occurrence]  # the task's own deadlines
    events: list[Event]
    units: dict[str, str]
    lead_officers: list[Officer]
    progress: list[Occurrence] = field(default_factory=list)  # progress updates, period by period


def get_task(session: Session, organisation_id: int, task_id: int) -> Task | None:
    """The task if it belongs to the organisation, else None (callers answer 404)."""
    task = session.get(Task, task_id)
    if task is None or task.organisation_id != organisation_id:
        return None
    return task


def find_tasks_by_code(session: Session, organisation_id: int, code: str, plan_code: str | None = None) -> list[Task]:
    """Tasks of the organisation with ``code`` (several plans may reuse a code)."""
    query = select(Task).join(Plan, Plan.id == Task.plan_id).where(Task.organisation_id == organisation_id, Task.code == code)
    if plan_code:
        query = query.where(Plan.code == plan_code)
    return list(session.exec(query.order_by(Plan.year.desc(), Task.id)).all())


def task_detail(session: Session, organisation_id: int, task_id: int) -> TaskDetail | None:
    """Everything the task page shows, or None if not in the organisation."""
    task = get_task(session, organisation_id, task_id)
    if task is None:
        return None
    plan = session.get(Plan, task.plan_id)
    occurrences = list(session.exec(
        select(Occurrence).where(Occurrence.task_id == task.id).order_by(Occurrence.due, Occurrence.key)
    ).all())
    events = list(session.exec(
        select(Event).where(Event.task_id == task.id, Event.organisation_id == organisation_id).order_by(Event.at, Event.id)
    ).all())
    units = dict(session.exec(select(Unit.code, Unit.name).where(Unit.organisation_id == organisation_id)).all())
    leads = officers_of_units(session, organisation_id, task.lead_units)
    deadlines = [o for o in occurrences if counts_in_buckets(o.kind)]
    progress = sorted((o for o in occurrences if not counts_in_buckets(o.kind)), key=lambda o: (o.due, o.key))
    return TaskDetail(task, plan, deadlines, events, units, leads, progress)


def officers_of_units(session: Session, organisation_id: int, unit_codes: list[str]) -> list[Officer]:
    """Active officers attached to any of the units."""
    if not unit_codes:
        return []
    return list(session.exec(
        select(Officer).join(OfficerUnit, OfficerUnit.officer_id == Officer.id).join(Unit, Unit.id == OfficerUnit.unit_id)
        .where(Officer.organisation_id == organisation_id, Unit.code.in_(unit_codes), Officer.active == True)  # noqa: E712
        .distinct().order_by(Officer.full_name)
    ).all())


def unit_codes_of(session: Session, officer_id: int) -> frozenset[str]:
    """Codes of the units an officer belongs to."""
    return frozenset(session.exec(
        select(Unit.code).join(OfficerUnit, OfficerUnit.unit_id == Unit.id).where(OfficerUnit.officer_id == officer_id)
    ).all())


def organisation(session: Session, organisation_id: int) -> Organisation | None:
    return session.get(Organisation, organisation_id)


def possible_owners(session: Session, organisation_id: int) -> list[Officer]:
    """Active officers who can own a task: those attached to a unit of the organisation."""
    return list(session.exec(
        select(Officer).join(OfficerUnit, OfficerUnit.officer_id == Officer.id).join(Unit, Unit.id == OfficerUnit.unit_id)
        .where(Officer.organisation_id == organisation_id, Unit.organisation_id == organisation_id,
               Officer.active == True)  # noqa: E712
        .distinct().order_by(Officer.full_name)
    ).all())


def full_names(session: Session, organisation_id: int) -> dict[str, str]:
    """username -> full name of the organisation's officers (pages show names, not usernames)."""
    return dict(session.exec(select(Officer.username, Officer.full_name).where(Officer.organisation_id == organisation_id)).all())


def officers(session: Session, organisation_id: int) -> list[Officer]:
    """Active officers of the organisation, by name."""
    return list(session.exec(
        select(Officer).where(Officer.organisation_id == organisation_id, Officer.active == True)  # noqa: E712
        .order_by(Officer.full_name)
    ).all())


# --- the overview's trend: share done on time per plan and reporting period -----------------

# Short names of the four periodic reports, for a chart's axis.
PERIOD_SHORT = {"Q1": "Quý I", "H1": "6 tháng", "Q3": "Quý III", "Y": "Cả năm"}


@dataclass(frozen=True)
class TrendPoint:
    """One plan's deadlines of one reporting period, classified today.

    ``counted`` leaves out what is still within its deadline and what awaits
    confirmation (as the Government Office counts: completed ÷ (completed + overdue)).
    """

    period_key: str
    label: str
    counted: int
    on_time: int
    late: int
    overdue: int

    @property
    def share(self) -> float | None:
        """Done on time, in percent of ``counted``; None when nothing counts yet."""
        return 100.0 * self.on_time / self.counted if self.counted else None


@dataclass(frozen=True)
class TrendLine:
    """A plan's share done on time, period by period."""

    plan_code: str
    plan_title: str
    points: tuple[TrendPoint, ...]


def period_of_due(due: date, periods: list) -> Any:
    """The reporting period whose own slice holds ``due``: the first that ends on or after it (else the last)."""
    for period in periods:
        if due <= period.window_end:
            return period
    return periods[-1]


def on_time_trend(snapshot: Snapshot, year: int, periods: list) -> list[TrendLine]:
    """Per active plan of the snapshot and per reporting period of ``year``, the share done on time.

    Args:
        snapshot: the organisation's classified deadlines.
        year: the plan year.
        periods: the year's reporting periods in order (``ReportingCalendar.periods(year)``).
    """
    if not periods:
        return []
    tallies: dict[str, dict[str, list[int]]] = {}
    for row in snapshot.of_year(year):
        if row.awaiting or row.bucket is None or row.bucket == Bucket.ON_TRACK:
            continue
        period = period_of_due(row.due, periods)
        tally = tallies.setdefault(row.plan_code, {}).setdefault(period.key, [0, 0, 0])
        tally[[Bucket.DONE_ON_TIME, Bucket.DONE_LATE, Bucket.OVERDUE].index(row.bucket)] += 1
    lines = []
    plan_codes = sorted({r.plan_code for r in snapshot.of_year(year)} | set(tallies))
    for code in plan_codes:
        points = []
        for period in periods:
            on_time, late, overdue = tallies.get(code, {}).get(period.key, [0, 0, 0])
            points.append(TrendPoint(period.key, PERIOD_SHORT.get(period.code, period.title), on_time + late + overdue,
                                     on_time, late, overdue))
        lines.append(TrendLine(code, snapshot.plans.get(code, code), tuple(points)))
    return lines


# --- the task list's sort ------------------------------------------------------------------

SORT_COLUMNS = ("code", "title", "lead", "due", "progress")


def code_sort_key(code: str) -> tuple:
    """"1.2" before "1.10" before "2.1": numbers compared as numbers, the rest as text."""
    import re

    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", code or "") if part)


# --- the mail page ------------------------------------------------------------------------------


def expected_send_at(row: Any, *, delivery: str, calendar: Any, tz: str, work_start: str, work_end: str,
                     digest_time: str, now: datetime) -> datetime:
    """When the dispatcher will send a pending outbox row (local time), as its rules go.

    The row is ready at ``max(created_at, not_before, next_attempt_at)``; mail goes out
    only in working hours on working days; an hourly digest after the row's hour ends, a
    daily one at the digest time. Reasoned from the rules, not a promise: the dispatcher
    runs every few minutes, so the mail leaves at most that much later.
    """
    from datetime import time as clock

    zone = ZoneInfo(tz)

    def aware(moment: datetime | None) -> datetime | None:
        if moment is None:
            return None
        return (moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("UTC"))).astimezone(zone)

    ready = max(m for m in (aware(row.created_at), aware(row.not_before), aware(row.next_attempt_at), now.astimezone(zone)) if m)
    start = clock.fromisoformat(work_start)
    end = clock.fromisoformat(work_end)
    digest = clock.fromisoformat(digest_time)
    if delivery == "daily":
        start = max(start, digest)  # a daily digest moved to the next working day goes at its time
    if delivery == "hourly":
        ready = ready.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    elif delivery == "daily":
        at = datetime.combine(ready.date(), digest, zone)
        ready = at if ready <= at else datetime.combine(ready.date() + timedelta(days=1), digest, zone)
    for _ in range(60):  # the next working moment (two months is more than any holiday)
        day = ready.date()
        if calendar.is_working_day(day) and ready.time() < end:
            return max(ready, datetime.combine(day, start, zone))
        ready = datetime.combine(day + timedelta(days=1), start, zone)
    return ready
