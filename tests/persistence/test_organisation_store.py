"""sync_organisation against a real SQLite file: upsert, idempotence, deactivation."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select

from persistence.db import create_schema, make_engine, session_scope
from tests.database import database_url
from persistence.models import Delivery, Officer, OfficerUnit, Organisation, Role, Unit
from domain.organisation import load_organisation
from persistence.organisation_store import sync_organisation, sync_organisation_report

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "org"


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(database_url(tmp_path / 'db' / 'dondoc.db'))
    create_schema(engine)
    yield engine
    engine.dispose()


def snapshot(engine) -> dict[str, list[dict]]:
    with Session(engine) as session:
        return {
            model.__name__: sorted(
                (row.model_dump() for row in session.exec(select(model))), key=lambda r: sorted(r.items()).__repr__()
            )
            for model in (Organisation, Unit, Officer, OfficerUnit)
        }


def memberships(session: Session, username: str) -> set[str]:
    rows = session.exec(
        select(Unit.code).join(OfficerUnit, OfficerUnit.unit_id == Unit.id).join(Officer, Officer.id == OfficerUnit.officer_id)
        .where(Officer.username == username)
    )
    return set(rows)


def test_first_sync_creates_everything(engine):
    config = load_organisation(SAMPLES / "vinh-lap.yaml")
    with session_scope(engine) as session:
        org = sync_organisation(session, config)
        org_id = org.id
    with Session(engine) as session:
        org = session.get(Organisation, org_id)
        assert (org.code, org.name, org.level) == ("xa-vinh-lap", "UBND xã Vĩnh Lập", "xã")
        assert org.extra_days_off == ["2026-01-02"]
        assert org.parent_id is None  # the district is not in this database
        units = session.exec(select(Unit).where(Unit.organisation_id == org_id)).all()
        assert {u.code for u in units} == {u.code for u in config.units}
        vp = next(u for u in units if u.code == "vp-tk")
        assert "CC VP-TK" in vp.aliases
        officers = {o.username: o for o in session.exec(select(Officer).where(Officer.organisation_id == org_id))}
        assert set(officers) == {o.username for o in config.officers}
        assert officers["tranvanhung"].role == Role.CHAIRMAN
        assert officers["tranvanhung"].delivery == Delivery.DAILY
        assert officers["lethimai"].title == "Phó Chủ tịch UBND xã (phụ trách CCHC)"
        assert memberships(session, "nguyenvanbinh") == {"vp-tk", "mot-cua"}
        assert memberships(session, "quantri") == set()


def test_second_sync_changes_nothing(engine):
    config = load_organisation(SAMPLES / "vinh-lap.yaml")
    with session_scope(engine) as session:
        sync_organisation(session, config)
    before = snapshot(engine)
    with session_scope(engine) as session:
        _, report = sync_organisation_report(session, config)
        assert not report.changed, report
        assert not session.dirty and not session.new and not session.deleted
    assert snapshot(engine) == before


def test_changes_are_applied(engine, tmp_path):
    sample = (SAMPLES / "vinh-lap.yaml").read_text(encoding="utf-8")
    with session_scope(engine) as session:
        sync_organisation(session, load_organisation(SAMPLES / "vinh-lap.yaml"))

    # A new email, a moved officer, a removed officer, a new unit, a new day off.
    edited = (
        sample.replace("duc.hm@vinhlap.example", "duc.hoang@vinhlap.example")
        .replace("units: [vp-tk, mot-cua]", "units: [mot-cua, tp-ht]")
        .replace("extra_days_off: [2026-01-02]", "extra_days_off: [2026-01-02, 2026-09-03]")
    )
    start = edited.index("  - username: buithithu")
    end = edited.index("  - username: dovanquang")
    edited = edited[:start] + edited[end:]
    edited = edited.replace(
        "officers:\n",
        "  - code: dc-xd\n    name: \"Công chức Địa chính - Xây dựng\"\n    aliases: [\"CC ĐC-XD\"]\n\nofficers:\n",
        1,
    )
    path = tmp_path / "vinh-lap.yaml"
    path.write_text(edited, encoding="utf-8")
    config = load_organisation(path)

    with session_scope(engine) as session:
        _, report = sync_organisation_report(session, config)
    assert report.created == ["unit:dc-xd"]
    assert sorted(report.updated) == [
        "officer-units:nguyenvanbinh",
        "officer:hoangminhduc",
        "organisation:xa-vinh-lap",
    ]
    assert report.deactivated == ["officer:buithithu"]

    with Session(engine) as session:
        officers = {o.username: o for o in session.exec(select(Officer))}
        assert officers["hoangminhduc"].email == "duc.hoang@vinhlap.example"
        assert officers["buithithu"].active is False  # kept, not deleted
        assert memberships(session, "buithithu") == {"vpdu-nv"}
        assert memberships(session, "nguyenvanbinh") == {"mot-cua", "tp-ht"}
        assert session.exec(select(Organisation)).one().extra_days_off == ["2026-01-02", "2026-09-03"]

    # And once more: nothing left to do.
    with session_scope(engine) as session:
        _, report = sync_organisation_report(session, config)
    assert not report.changed

    # Putting the officer back in the file reactivates the same row.
    with session_scope(engine) as session:
        _, report = sync_organisation_report(session, load_organisation(SAMPLES / "vinh-lap.yaml"))
    assert "officer:buithithu" in report.updated
    with Session(engine) as session:
        assert session.exec(select(Officer).where(Officer.username == "buithithu")).one().active is True


def test_two_organisations_share_a_database(engine):
    with session_scope(engine) as session:
        vinh_lap = sync_organisation(session, load_organisation(SAMPLES / "vinh-lap.yaml"))
        ngoc_lien = sync_organisation(session, load_organisation(SAMPLES / "ngoc-lien.yaml"))
        assert vinh_lap.id != ngoc_lien.id
    with Session(engine) as session:
        codes = session.exec(select(Unit.organisation_id, Unit.code).where(Unit.code == "vp-tk")).all()
        assert sorted(codes) == sorted([(vinh_lap.id, "vp-tk"), (ngoc_lien.id, "vp-tk")])


def test_parent_is_linked_when_present(engine, tmp_path):
    parent = tmp_path / "huyen.yaml"
    parent.write_text(
        'organisation: {code: huyen-thanh-ha, name: "UBND huyện Thanh Hà", level: huyện}\n'
        'units: [{code: noi-vu, name: "Phòng Nội vụ"}]\n'
        "officers: [{username: ct, name: Chủ Tịch, email: ct@thanhha.example, role: chairman}]\n",
        encoding="utf-8",
    )
    with session_scope(engine) as session:
        district = sync_organisation(session, load_organisation(parent))
        commune = sync_organisation(session, load_organisation(SAMPLES / "vinh-lap.yaml"))
        assert commune.parent_id == district.id
