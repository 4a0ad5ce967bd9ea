"""The organisation file's content written to the database (``dondoc org load``, activation).

Idempotent: only what changed in the file is updated; officers no longer in the file
are deactivated, never deleted (their history stays).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from domain.organisation import OrganisationConfig
from persistence.models import Officer, OfficerUnit, Organisation, Unit


@dataclass
class SyncReport:
    """What ``sync_organisation`` changed (all zero on a second run)."""

    created: list[str] = field(default_factory=list)  # "unit:vp-tk", "officer:nguyenvana"
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deactivated)


def _assign(row: Any, values: dict[str, Any]) -> bool:
    """Set only the attributes that differ, so an unchanged row stays clean."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def sync_organisation(session: Session, config: OrganisationConfig) -> Organisation:
    """Upsert the organisation, its units and officers; see ``sync_organisation_report``."""
    organisation, _ = sync_organisation_report(session, config)
    return organisation


def sync_organisation_report(session: Session, config: OrganisationConfig) -> tuple[Organisation, SyncReport]:
    """Upsert the file into the database, idempotently.

    Rows are matched by code (organisation, unit) and username (officer). Changed
    fields are updated; officers missing from the file are marked ``active=False``
    (never deleted: events and notifications point at them); units missing from the
    file are kept (tasks may still name them). Unit memberships of the officers in the
    file are made equal to the file. The session is flushed, not committed.

    Returns:
        The Organisation row and what changed.
    """
    report = SyncReport()
    info = config.organisation
    parent_id = None
    if info.parent:
        parent = session.exec(select(Organisation).where(Organisation.code == info.parent)).first()
        parent_id = parent.id if parent else None
    values = {
        "name": info.name,
        "level": info.level,
        "parent_id": parent_id,
        "timezone": info.timezone,
        "extra_days_off": [d.isoformat() for d in config.calendar.extra_days_off],
        "makeup_working_days": [d.isoformat() for d in config.calendar.makeup_working_days],
        "reporting": config.reporting.rules().to_dict(),
    }
    org = session.exec(select(Organisation).where(Organisation.code == info.code)).first()
    if org is None:
        org = Organisation(code=info.code, **values)
        session.add(org)
        report.created.append(f"organisation:{info.code}")
    elif _assign(org, values):
        report.updated.append(f"organisation:{info.code}")
    session.flush()
    assert org.id is not None

    units = {u.code: u for u in session.exec(select(Unit).where(Unit.organisation_id == org.id))}
    for unit_cfg in config.units:
        values = {"name": unit_cfg.name, "aliases": list(unit_cfg.aliases)}
        row = units.get(unit_cfg.code)
        if row is None:
            row = Unit(organisation_id=org.id, code=unit_cfg.code, **values)
            session.add(row)
            units[unit_cfg.code] = row
            report.created.append(f"unit:{unit_cfg.code}")
        elif _assign(row, values):
            report.updated.append(f"unit:{unit_cfg.code}")

    officers = {o.username: o for o in session.exec(select(Officer).where(Officer.organisation_id == org.id))}
    new_officers: set[str] = set()
    for officer_cfg in config.officers:
        values = {
            "full_name": officer_cfg.name,
            "email": officer_cfg.email,
            "title": officer_cfg.title,
            "role": officer_cfg.role,
            "delivery": officer_cfg.delivery,
            "active": officer_cfg.active,
        }
        row = officers.get(officer_cfg.username)
        if row is None:
            new_officers.add(officer_cfg.username)
            row = Officer(organisation_id=org.id, username=officer_cfg.username, **values)
            session.add(row)
            officers[officer_cfg.username] = row
            report.created.append(f"officer:{officer_cfg.username}")
        elif _assign(row, values):
            report.updated.append(f"officer:{officer_cfg.username}")
    in_file = {o.username for o in config.officers}
    for username, row in officers.items():
        if username not in in_file and row.active:
            row.active = False
            report.deactivated.append(f"officer:{username}")
    session.flush()

    unit_ids = {code: row.id for code, row in units.items()}
    for officer_cfg in config.officers:
        row = officers[officer_cfg.username]
        wanted = {unit_ids[code] for code in officer_cfg.units}
        links = {link.unit_id: link for link in session.exec(select(OfficerUnit).where(OfficerUnit.officer_id == row.id))}
        for unit_id in wanted - links.keys():
            session.add(OfficerUnit(officer_id=row.id, unit_id=unit_id))
        for unit_id in links.keys() - wanted:
            session.delete(links[unit_id])
        if wanted != set(links) and officer_cfg.username not in new_officers:
            report.updated.append(f"officer-units:{officer_cfg.username}")
    session.flush()
    return org, report
