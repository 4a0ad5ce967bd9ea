"""Demo accounts: a known password for every account that has none yet (local demo only)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from domain.passwords import hash_password
from domain.vocabulary import Role
from persistence.models import Officer, Organisation

DEMO_PASSWORD = "dondoc-demo"


@dataclass(frozen=True)
class DemoAccount:
    organisation: str
    username: str
    full_name: str
    role: str


def ensure_demo_accounts(engine: Engine, password: str = DEMO_PASSWORD) -> list[DemoAccount]:
    """Give every active account without a password ``password``; list those accounts.

    Accounts that already have a password keep it (a real deployment sets them with
    ``dondoc user set-password``).
    """
    accounts: list[DemoAccount] = []
    hashed = hash_password(password)
    with Session(engine) as session:
        orgs = {o.id: o.name for o in session.exec(select(Organisation))}
        for officer in session.exec(select(Officer).where(Officer.active == True).order_by(Officer.organisation_id, Officer.role)):  # noqa: E712
            if officer.password_hash:
                continue
            officer.password_hash = hashed
            session.add(officer)
            accounts.append(DemoAccount(orgs.get(officer.organisation_id, ""), officer.username, officer.full_name,
                                        Role.label_of(officer.role)))
        session.commit()
    return accounts
