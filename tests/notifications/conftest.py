"""A real SMTP server (aiosmtpd) on a free port, and a small commune in a SQLite file."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from itertools import count
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from notifications.catcher import free_port
from persistence.db import session_scope
from persistence.models import Delivery, Notification, Occurrence, Officer, Plan, Role, Task
from settings import Settings
from tests import factories

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
BASE_URL = "https://dondoc.xa.example"


def local(text: str) -> datetime:
    """A local (Asia/Ho_Chi_Minh) time, e.g. local("2026-03-23 09:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=default_policy)  # type: ignore[return-value]

    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()

    def html(self) -> str:
        return self.message.get_body(preferencelist=("html",)).get_content()


class SinkHandler:
    """Keeps every accepted mail; can refuse the first ``refuse`` DATA commands with 451."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.refuse = 0
        self.refused = 0
        self.refuse_code = "451 4.3.0 Tạm thời không nhận thư"
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self._lock:
            if self.refused < self.refuse:
                self.refused += 1
                return self.refuse_code
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


@dataclass
class Sink:
    handler: SinkHandler
    port: int

    @property
    def received(self) -> list[Received]:
        return self.handler.received


@pytest.fixture
def sink() -> Sink:
    handler = SinkHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, server_hostname="localhost")
    controller.start()
    try:
        yield Sink(handler, port)
    finally:
        controller.stop()


@pytest.fixture
def settings(tmp_path: Path, sink: Sink) -> Settings:
    return Settings(
        _env_file=None, data_dir=tmp_path / "data", smtp_host="127.0.0.1", smtp_port=sink.port,
        smtp_sender="dondoc@xa.example", base_url=BASE_URL, smtp_timeout=5,
    )


# username -> (full name, role, unit)
PEOPLE = {
    "chutich": ("Trần Văn Hùng", Role.CHAIRMAN, "lanh-dao"),
    "phochutich": ("Lê Thị Mai", Role.VICE_CHAIRMAN, "lanh-dao"),
    "vanphong": ("Nguyễn Thị Lan", Role.COORDINATOR, "vp-tk"),
    "tuphap": ("Phạm Văn Nam", Role.OFFICER, "tp-ht"),
    "ketoan": ("Đỗ Thị Hoa", Role.OFFICER, "tc-kt"),
}
UNITS = {
    "lanh-dao": "Lãnh đạo UBND xã",
    "vp-tk": "Công chức Văn phòng - Thống kê",
    "tp-ht": "Công chức Tư pháp - Hộ tịch",
    "tc-kt": "Công chức Tài chính - Kế toán",
}


@dataclass
class Commune:
    engine: Engine
    org_id: int
    plan_id: int
    officers: dict[str, int]
    tasks: dict[str, int] = field(default_factory=dict)  # code -> id
    occurrences: dict[str, int] = field(default_factory=dict)  # task code -> occurrence id
    _keys: Any = field(default_factory=count)

    def officer_id(self, username: str) -> int:
        return self.officers[username]

    def set_delivery(self, username: str, delivery: Delivery) -> None:
        with session_scope(self.engine) as session:
            officer = session.get(Officer, self.officers[username])
            officer.delivery = delivery
            session.add(officer)

    def add_task(self, code: str, title: str, unit: str = "tp-ht", due: str = "2026-03-20",
                 text: str = "") -> int:
        with session_scope(self.engine) as session:
            plan = session.get(Plan, self.plan_id)
            task = factories.task(session, plan, code, title, text=text, lead_units=[unit],
                                  product="Báo cáo bằng văn bản")
            occ = factories.occurrence(session, task, "2026-Q1", "Quý I/2026", date.fromisoformat(due))
            self.tasks[code], self.occurrences[code] = task.id, occ.id
            return task.id

    def context(self, code: str, username: str, **extra: Any) -> dict[str, Any]:
        with Session(self.engine) as session:
            task = session.get(Task, self.tasks[code])
            occ = session.get(Occurrence, self.occurrences[code])
            officer = session.get(Officer, self.officers[username])
        role = {Role.CHAIRMAN: "chairman", Role.VICE_CHAIRMAN: "vice_chairman",
                Role.COORDINATOR: "coordinator"}.get(Role(officer.role), "lead")
        return {
            "organisation": "UBND xã Thử Nghiệm", "plan_title": "Kế hoạch cải cách hành chính năm 2026",
            "plan_number": "12/KH-UBND", "plan_year": 2026, "task_id": task.id, "task_code": task.code,
            "task_title": task.title, "product": task.product, "dashboard_path": f"/tasks/{task.id}",
            "period": occ.period, "due": occ.due.isoformat(), "original_due": occ.due.isoformat(),
            "extended": False, "days_overdue": 0, "working_days_overdue": 0, "days_left": 0,
            "working_days_left": 0, "recipient_username": username, "recipient_name": officer.full_name,
            "recipient_roles": [role],
            "recipients": [{"username": "tuphap", "name": "Phạm Văn Nam", "roles": ["lead"]},
                           {"username": username, "name": officer.full_name, "roles": [role]}],
            **extra,
        }

    def notify(self, code: str, username: str, kind: str, *, level: int = 0,
               not_before: datetime | None = None, created_at: datetime | None = None, **extra: Any) -> int:
        """Insert one outbox row as the task activities would."""
        with session_scope(self.engine) as session:
            officer = session.get(Officer, self.officers[username])
            row = Notification(
                organisation_id=self.org_id, idempotency_key=f"test/{next(self._keys)}:{username}",
                task_id=self.tasks[code], occurrence_id=self.occurrences[code], recipient_id=officer.id,
                recipient_email=officer.email, recipient_name=officer.full_name, kind=kind, level=level,
                context=self.context(code, username, kind=kind, level=level, **extra),
                not_before=not_before.astimezone(UTC) if not_before else None,
            )
            # Rows are written when their action runs: at (or just before) not_before.
            row.created_at = (created_at or not_before or local("2026-01-05 08:00")).astimezone(UTC)
            session.add(row)
            session.flush()
            return row.id

    def rows(self) -> list[Notification]:
        with Session(self.engine) as session:
            return list(session.exec(select(Notification).order_by(Notification.id)))


def seed_commune(db_file: Path, *, extra_people: int = 0) -> Commune:
    engine = factories.database(db_file)
    with session_scope(engine) as session:
        org = factories.organisation(session, "xa-thu-nghiem", "UBND xã Thử Nghiệm")
        units = factories.units(session, org.id, UNITS)
        people = dict(PEOPLE)
        for i in range(extra_people):
            people[f"cc{i:03d}"] = (f"Công chức Số {i}", Role.OFFICER, "tc-kt")
        officers = factories.officers(session, org.id, people, units)
        plan = factories.plan(session, org.id, "kh-2026-12", "Kế hoạch cải cách hành chính năm 2026", 2026,
                              number="12/KH-UBND", issuer="UBND xã Thử Nghiệm", standing_unit_id=units["vp-tk"].id)
        return Commune(engine, org.id, plan.id, {username: o.id for username, o in officers.items()})


@pytest.fixture
def commune(tmp_path: Path) -> Commune:
    c = seed_commune(tmp_path / "dondoc.db")
    c.add_task("3.1", "Báo cáo công tác cải cách hành chính quý I")
    yield c
    c.engine.dispose()
