"""The province's view: statistics of every commune below it, aggregated by commune.

A province-level account (``Role.PROVINCE``) belongs to the province's organisation;
communes (and districts) are organisations whose ``parent_id`` chain leads to it. The
province sees counts only — never another organisation's tasks, people or evidence.
Classification is :func:`domain.status.classify`, the same as every commune's dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from persistence.models import Occurrence, OccurrenceStatus, Organisation, Plan, PlanStatus, Task, TaskStatus
from persistence.models import bucketed
from domain.status import Counts, classify, local_date


@dataclass
class CommuneStats:
    """One organisation's counts (live occurrences of its active plans and tasks)."""

    organisation_id: int
    code: str
    name: str
    level: str
    counts: Counts = field(default_factory=Counts)

    def to_dict(self) -> dict:
        return {"organisation_id": self.organisation_id, "code": self.code, "name": self.name,
                "level": self.level, **self.counts.to_dict()}


@dataclass
class ProvinceOverview:
    """Per-commune counts, in name order, and their total."""

    province_id: int
    today: date
    communes: list[CommuneStats]
    total: Counts

    def to_dict(self) -> dict:
        return {"province_id": self.province_id, "today": self.today.isoformat(),
                "communes": [c.to_dict() for c in self.communes], "total": self.total.to_dict()}


def descendants(session: Session, province_id: int) -> list[Organisation]:
    """Every organisation below ``province_id`` (children, grandchildren...), without it."""
    rows = session.exec(select(Organisation.id, Organisation.parent_id)).all()
    children: dict[int, list[int]] = {}
    for oid, parent in rows:
        if parent is not None:
            children.setdefault(parent, []).append(oid)
    found: list[int] = []
    stack = list(children.get(province_id, ()))
    seen = {province_id}
    while stack:  # iterative, and a cycle in bad data cannot loop forever
        oid = stack.pop()
        if oid in seen:
            continue
        seen.add(oid)
        found.append(oid)
        stack.extend(children.get(oid, ()))
    if not found:
        return []
    return list(session.exec(select(Organisation).where(Organisation.id.in_(found))).all())


def province_overview(session: Session, province_id: int, today: date, tz: str = "Asia/Ho_Chi_Minh") -> ProvinceOverview:
    """Status buckets per organisation below the province (one query for all occurrences).

    Args:
        session: an open session.
        province_id: the province's organisation id.
        today: the local day to classify for (a commune's overdue is counted from the day after).
        tz: the zone completion timestamps are read in.
    """
    organisations = descendants(session, province_id)
    stats = {o.id: CommuneStats(o.id, o.code, o.name, o.level) for o in organisations}
    total = Counts()
    if stats:
        query = (
            select(Occurrence.organisation_id, Occurrence.status, Occurrence.due, Occurrence.extended_due,
                   Occurrence.completed_at)
            .join(Task, Task.id == Occurrence.task_id)
            .join(Plan, Plan.id == Task.plan_id)
            .where(
                Occurrence.organisation_id.in_(list(stats)),
                # The joins stay inside the organisation: a row can never be counted for another one.
                Task.organisation_id == Occurrence.organisation_id,
                Plan.organisation_id == Occurrence.organisation_id,
                Task.status == TaskStatus.ACTIVE,
                Plan.status == PlanStatus.ACTIVE,
                Occurrence.status != OccurrenceStatus.CANCELLED,
                bucketed(),  # deadlines only: progress updates are counted apart
            )
        )
        for organisation_id, status, due, extended_due, completed_at in session.exec(query).all():
            status = OccurrenceStatus(status)
            bucket = classify(status, extended_due or due, local_date(completed_at, tz), today)
            submitted = status == OccurrenceStatus.SUBMITTED
            stats[organisation_id].counts.add(bucket, submitted=submitted)
            total.add(bucket, submitted=submitted)
    communes = sorted(stats.values(), key=lambda c: (c.name, c.code))
    return ProvinceOverview(province_id, today, communes, total)
