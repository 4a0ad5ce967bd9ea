"""The organisation file of an organisation as the database holds it.

Plans imported in the browser have no organisation file of their own: the review file
needs one (the CLI checks unit names against it, activation syncs it), so the intake
writes the database's units and officers out in the organisation-file format
(docs/organisation-file.md). Syncing it back changes nothing.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from sqlmodel import Session, select

from persistence.models import Officer, OfficerUnit, Organisation, Unit


def organisation_data(session: Session, organisation_id: int) -> dict[str, Any]:
    """The organisation file's content (a dict ready for YAML) for one organisation."""
    org = session.get(Organisation, organisation_id)
    if org is None:
        raise LookupError(f"Không có tổ chức #{organisation_id}.")
    parent = session.get(Organisation, org.parent_id) if org.parent_id else None
    units = list(session.exec(select(Unit).where(Unit.organisation_id == org.id).order_by(Unit.id)))
    unit_code = {u.id: u.code for u in units}
    officers = list(session.exec(select(Officer).where(Officer.organisation_id == org.id).order_by(Officer.id)))
    links: dict[int, list[str]] = {}
    for link in session.exec(select(OfficerUnit).where(OfficerUnit.unit_id.in_(list(unit_code) or [0]))):  # type: ignore[attr-defined]
        links.setdefault(link.officer_id, []).append(unit_code[link.unit_id])
    info: dict[str, Any] = {"code": org.code, "name": org.name, "level": org.level, "timezone": org.timezone}
    if parent is not None:
        info["parent"] = parent.code
    return {
        "organisation": info,
        "calendar": {"extra_days_off": list(org.extra_days_off or []),
                     "makeup_working_days": list(org.makeup_working_days or [])},
        "units": [{"code": u.code, "name": u.name, "aliases": list(u.aliases or [])} for u in units],
        "officers": [
            {"username": o.username, "name": o.full_name, "email": o.email, "role": _value(o.role),
             "units": sorted(links.get(o.id, [])), "title": o.title, "delivery": _value(o.delivery),
             "active": o.active}
            for o in officers
        ],
    }


def _value(enum_or_str: Any) -> str:
    return getattr(enum_or_str, "value", enum_or_str)


def write_organisation_file(session: Session, organisation_id: int, path: Path) -> Path:
    """Write the organisation file of ``organisation_id`` to ``path`` (atomically)."""
    text = ("# Tệp tổ chức do dondoc ghi từ cơ sở dữ liệu (đơn vị, công chức) khi nhập kế hoạch trên trình duyệt.\n"
            + yaml.safe_dump(organisation_data(session, organisation_id), allow_unicode=True, sort_keys=False, width=120))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)
    return path
