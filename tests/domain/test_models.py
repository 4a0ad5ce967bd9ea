from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from persistence.db import create_schema, make_engine, session_scope
from persistence.models import Event, Notification, Occurrence, Organisation, Plan, Task
from tests.database import database_url


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(database_url(tmp_path / 'db' / 'dondoc.db'))
    create_schema(engine)
    return engine


def _task(session) -> Task:
    org = Organisation(code="xa-a", name="UBND xã A")
    session.add(org)
    session.flush()
    plan = Plan(organisation_id=org.id, code="kh-1", title="KH CCHC", issuer="UBND xã A", year=2026)
    session.add(plan)
    session.flush()
    task = Task(organisation_id=org.id, plan_id=plan.id, code="1.1", area="tthc", title="Rà soát TTHC",
                lead_units=["vp-tk"], deadline_schedule={"kind": "once"})
    session.add(task)
    session.flush()
    return task


def test_round_trip_with_json_columns(engine):
    with session_scope(engine) as s:
        task = _task(s)
        s.add(Occurrence(organisation_id=task.organisation_id, task_id=task.id, key="2026-Q1",
                         period="Quý I/2026", nominal=date(2026, 3, 20), due=date(2026, 3, 20),
                         evidence={"doc_number": "12/BC-UBND"}))
    with session_scope(engine) as s:
        occ = s.exec(select(Occurrence)).one()
        assert occ.evidence == {"doc_number": "12/BC-UBND"}
        assert occ.effective_due == date(2026, 3, 20)
        assert s.exec(select(Task)).one().lead_units == ["vp-tk"]


@pytest.mark.parametrize("model", [Event, Notification])
def test_idempotency_key_is_unique(engine, model):
    with session_scope(engine) as s:
        task = _task(s)
        org_id = task.organisation_id
    extra = {"kind": "reminder"}
    if model is Notification:
        extra["recipient_email"] = "a@example.vn"
    with pytest.raises(IntegrityError):
        with session_scope(engine) as s:
            s.add(model(organisation_id=org_id, idempotency_key="k1", **extra))
            s.add(model(organisation_id=org_id, idempotency_key="k1", **extra))
