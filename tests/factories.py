"""Builders of test data, written with the persistence models (no workflow runs).

One place for the pieces every seeder needs: a fresh database, an organisation with its
units and officers, a plan, its tasks and their occurrences. The seeders
(``tests.sample_data``, ``tests.workflows.seed``, the notification tests' commune) choose
the names and figures; these functions only write rows, each flushed so its id is known.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.calendar import WorkCalendar
from domain.deadlines import expand, parse_deadline
from domain.reporting import ReportingCalendar, progress_due_dates
from persistence.db import create_schema, make_engine
from persistence.models import Occurrence, Officer, OfficerUnit, Organisation, Plan, PlanStatus, Role, Task, Unit
from tests.database import database_url

# username -> (full name, role, unit code or None)
People = Mapping[str, tuple[str, Role, str | None]]


def _id(row: Any) -> int:
    assert row.id is not None, "flushed rows have their id"
    return int(row.id)


def database(path: Path | str, url: str | None = None) -> Engine:
    """A database with the schema: a SQLite file at ``path`` (the test's PostgreSQL database in PG mode)."""
    engine = make_engine(url or database_url(path))
    create_schema(engine)
    return engine


def organisation(session: Session, code: str, name: str) -> Organisation:
    """An organisation (a commune)."""
    org = Organisation(code=code, name=name)
    session.add(org)
    session.flush()
    return org


def units(session: Session, org_id: int, names: Mapping[str, str]) -> dict[str, Unit]:
    """The units ``code -> name`` of an organisation, by code."""
    made = {code: Unit(organisation_id=org_id, code=code, name=name) for code, name in names.items()}
    session.add_all(made.values())
    session.flush()
    return made


def officer(session: Session, org_id: int, username: str, full_name: str, role: Role,
            units: Iterable[Unit] = (), *, email: str | None = None, **fields: Any) -> Officer:
    """An officer (``email`` defaults to ``username@xa.example``) and their unit memberships."""
    person = Officer(organisation_id=org_id, username=username, full_name=full_name,
                     email=email or f"{username}@xa.example", role=role, **fields)
    session.add(person)
    session.flush()
    for unit in units:
        session.add(OfficerUnit(officer_id=_id(person), unit_id=_id(unit)))
    return person


def officers(session: Session, org_id: int, people: People, by_code: Mapping[str, Unit], *,
             email: Any = None, **fields: Any) -> dict[str, Officer]:
    """The officers of ``people`` (``email(username)`` names their address), by username."""
    return {
        username: officer(session, org_id, username, name, role, [by_code[unit]] if unit else [],
                          email=email(username) if email else None, **fields)
        for username, (name, role, unit) in people.items()
    }


def plan(session: Session, org_id: int, code: str, title: str, year: int, *,
         status: PlanStatus = PlanStatus.ACTIVE, **fields: Any) -> Plan:
    """A plan (active unless told), with any other Plan field."""
    made = Plan(organisation_id=org_id, code=code, title=title, year=year, status=status, **fields)
    session.add(made)
    session.flush()
    return made


def task(session: Session, plan: Plan, code: str, title: str, **fields: Any) -> Task:
    """A task of ``plan`` (area ``chi_dao`` unless told), with any other Task field."""
    fields.setdefault("area", "chi_dao")
    made = Task(organisation_id=plan.organisation_id, plan_id=_id(plan), code=code, title=title, **fields)
    session.add(made)
    session.flush()
    return made


def occurrence(session: Session, task: Task, key: str, period: str, due: date, *,
               nominal: date | None = None, flush: bool = True, **fields: Any) -> Occurrence:
    """One occurrence of ``task`` (``nominal`` defaults to ``due``)."""
    made = Occurrence(organisation_id=task.organisation_id, task_id=_id(task), key=key, period=period,
                      nominal=nominal or due, due=due, **fields)
    session.add(made)
    if flush:
        session.flush()
    return made


def scheduled_task(session: Session, plan: Plan, code: str, title: str, deadline: str | None, *,
                   calendar: WorkCalendar | None = None, progress: bool = False, **fields: Any) -> Task:
    """A task with its deadline parsed and one occurrence per due date of the plan's year.

    ``progress`` adds the progress update of every reporting period (domain.reporting).
    """
    calendar = calendar or WorkCalendar()
    schedule = parse_deadline(deadline, plan.year) if deadline else None
    made = task(session, plan, code, title, deadline_text=deadline,
                deadline_schedule=schedule.to_dict() if schedule else None, **fields)
    for due in expand(schedule, plan.year, calendar) if schedule else []:
        occurrence(session, made, due.key, due.period, due.due, nominal=due.nominal, flush=False)
    if progress:
        for due in progress_due_dates(ReportingCalendar(calendar=calendar), plan.year):
            occurrence(session, made, due.key, due.period, due.due, nominal=due.nominal, flush=False, kind="progress")
    return made
