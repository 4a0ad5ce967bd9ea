"""Two organisations in one database with the same task codes and usernames do not see or
touch each other's data: queries, the province overview, pages, the JSON API and the CLI.

Runs on the test's database (SQLite, or PostgreSQL with DONDOC_TEST_POSTGRES=1).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from cli.main import app as cli
from contracts.task_workflow import workflow_id_for
from persistence.db import create_schema, make_engine, session_scope
from persistence.models import Event, Notification, Occurrence, Officer, Organisation, Role, Task
from persistence.province import descendants, province_overview
from persistence.read_model import build_snapshot, find_tasks_by_code, today_in
from settings import Settings
from tests.sample_data import PASSWORD, Seeded, seed
from web.auth import hash_password

warnings.filterwarnings("ignore", message=".*httpx2.*")
from fastapi.testclient import TestClient  # noqa: E402

TZ = "Asia/Ho_Chi_Minh"


@dataclass
class TwoCommunes:
    engine: object
    settings: Settings
    a: Seeded
    b: Seeded
    province_id: int


@pytest.fixture
def two(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DONDOC_DATABASE_URL", db_url)
    settings = Settings(data_dir=tmp_path)
    engine = make_engine(db_url)
    create_schema(engine)
    today = today_in(TZ)
    a = seed(engine, today, tasks=12, org_code="xa-a")
    b = seed(engine, today, tasks=5, org_code="xa-b")  # task codes 1.1, 1.2, ... exist in both
    with session_scope(engine) as session:
        province = Organisation(code="tinh-mau", name="UBND tỉnh Mẫu", level="tỉnh")
        session.add(province)
        session.flush()
        for org_id in (a.organisation_id, b.organisation_id):
            session.get(Organisation, org_id).parent_id = province.id
        session.add(Officer(organisation_id=province.id, username="sonoivu", full_name="Sở Nội vụ",
                            email="snv@tinh.example", role=Role.PROVINCE, password_hash=hash_password(PASSWORD)))
        # One outbox row and one event per commune, same idempotency scheme, different keys.
        for s, tag in ((a, "a"), (b, "b")):
            task_id = s.tasks["1.1"]
            session.add(Notification(organisation_id=s.organisation_id, idempotency_key=f"n-{tag}", task_id=task_id,
                                     recipient_email=f"thuongtruc@{tag}.example", kind="reminder"))
            session.add(Event(organisation_id=s.organisation_id, task_id=task_id, kind="reminder",
                              idempotency_key=f"e-{tag}", actor="system"))
        session.get(Task, b.tasks["1.1"]).title = "Nhiệm vụ riêng của xã B"
        province_id = province.id
    yield TwoCommunes(engine, settings, a, b, province_id)
    engine.dispose()


def _occurrences(engine, org_id: int) -> list[tuple]:
    with Session(engine) as session:
        rows = session.exec(select(Occurrence).where(Occurrence.organisation_id == org_id).order_by(Occurrence.id)).all()
        return [(o.id, o.status, o.due, o.extended_due, o.completed_at, o.evidence, o.lead_username) for o in rows]


def test_queries_are_scoped_by_organisation(two: TwoCommunes) -> None:
    today = today_in(TZ)
    with Session(two.engine) as session:
        snap_a = build_snapshot(session, two.a.organisation_id, today, TZ)
        snap_b = build_snapshot(session, two.b.organisation_id, today, TZ)
        assert {r.task_id for r in snap_a.rows} == set(two.a.tasks.values())
        assert {r.task_id for r in snap_b.rows} == set(two.b.tasks.values())
        assert snap_a.by_unit.overall.to_dict() == {**two.a.expected, "awaiting_confirmation": 0,
                                                    "total": sum(two.a.expected.values())}
        assert snap_b.by_unit.overall.total == sum(two.b.expected.values())
        [task_a] = find_tasks_by_code(session, two.a.organisation_id, "1.1")
        [task_b] = find_tasks_by_code(session, two.b.organisation_id, "1.1")
        assert task_a.id == two.a.tasks["1.1"] and task_b.id == two.b.tasks["1.1"]
    # Workflow IDs carry the organisation's code, so the same plan and task codes never collide.
    assert workflow_id_for("xa-a", two.a.plan_code, "1.1") != workflow_id_for("xa-b", two.b.plan_code, "1.1")


def test_province_overview_aggregates_each_commune(two: TwoCommunes) -> None:
    today = today_in(TZ)
    with Session(two.engine) as session:
        assert {o.code for o in descendants(session, two.province_id)} == {"xa-a", "xa-b"}
        overview = province_overview(session, two.province_id, today, TZ)
    by_code = {c.code: c for c in overview.communes}
    assert set(by_code) == {"xa-a", "xa-b"}  # the "-khac" communes have no parent: not in this province
    for code, seeded in (("xa-a", two.a), ("xa-b", two.b)):
        counts = by_code[code].counts
        assert {bucket: getattr(counts, bucket) for bucket in seeded.expected} == seeded.expected
    assert overview.total.total == sum(two.a.expected.values()) + sum(two.b.expected.values())
    assert overview.to_dict()["communes"][0]["code"] in {"xa-a", "xa-b"}


def _login(client: TestClient, username: str, organisation: str = "") -> TestClient:
    form = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    return client.post("/login", data={"username": username, "password": PASSWORD, "organisation": organisation,
                                       "csrf_token": token}, follow_redirects=False)


@pytest.fixture
def web(two: TwoCommunes):
    from web.app import create_app

    return create_app(two.settings, two.engine, None)


def test_same_username_in_two_communes_must_name_the_commune(two: TwoCommunes, web) -> None:
    client = TestClient(web, base_url="http://127.0.0.1")
    refused = _login(client, "thuongtruc")  # the password is right in both: asked which, with the list
    assert refused.status_code == 409 and "nhiều đơn vị" in refused.text
    assert "xa-a" in refused.text and "xa-b" in refused.text
    assert _login(client, "thuongtruc", "xa-a").status_code == 303


def test_pages_and_api_show_only_the_own_commune(two: TwoCommunes, web) -> None:
    client = TestClient(web, base_url="http://127.0.0.1")
    assert _login(client, "thuongtruc", "xa-a").status_code == 303
    ids_a, ids_b = set(two.a.tasks.values()), set(two.b.tasks.values())

    listing = client.get("/api/tasks", params={"limit": 1000}).json()
    assert {item["task_id"] for item in listing["items"]} == ids_a
    assert client.get("/api/overview").json()["counts"]["total"] == sum(two.a.expected.values())
    notes = client.get("/api/notifications").json()["items"]
    assert [n["recipient"] for n in notes] == ["thuongtruc@a.example"]
    for task_id in ids_b:
        assert client.get(f"/api/tasks/{task_id}").status_code == 404
        assert client.get(f"/tasks/{task_id}").status_code == 404

    assert "Nhiệm vụ riêng của xã B" not in client.get(f"/tasks/{two.a.tasks['1.1']}").text
    page = client.get("/tasks", params={"limit": 1000}).text
    assert "Nhiệm vụ riêng của xã B" not in page
    linked = {int(i) for i in re.findall(r'href="/tasks/(\d+)"', page)}
    assert linked and linked <= ids_a
    mails = client.get("/mails").text
    assert "thuongtruc@b.example" not in mails


def test_actions_on_another_communes_task_touch_nothing(two: TwoCommunes, web) -> None:
    client = TestClient(web, base_url="http://127.0.0.1")
    assert _login(client, "thuongtruc", "xa-a").status_code == 303
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/overview").text).group(1)
    before = _occurrences(two.engine, two.b.organisation_id)
    task_b = two.b.tasks["1.1"]
    key = f"{today_in(TZ).year}-P1"
    headers = {"X-CSRF-Token": token}
    for path, body in (("complete", {"note": "x"}), ("review", {"approve": True}),
                       ("extension", {"new_due": "2099-01-01", "reason": "x"}), ("reassign", {"to_username": "tuphap"})):
        response = client.post(f"/api/tasks/{task_b}/occurrences/{key}/{path}", json=body, headers=headers)
        assert response.status_code in (404, 422), (path, response.status_code, response.text)
        assert response.status_code != 200
    assert _occurrences(two.engine, two.b.organisation_id) == before


def test_cli_status_and_task_show_are_scoped(two: TwoCommunes) -> None:
    runner = CliRunner()
    env = {"COLUMNS": "220", "DONDOC_DATA_DIR": str(two.settings.data_dir)}
    ambiguous = runner.invoke(cli, ["status"], env=env)
    assert ambiguous.exit_code == 2 and "--org" in ambiguous.output
    for code, seeded in (("xa-a", two.a), ("xa-b", two.b)):
        result = runner.invoke(cli, ["status", "--org", code], env=env)
        assert result.exit_code == 0, result.output
        assert f"Quá hạn chưa hoàn thành {seeded.expected['overdue']}" in result.output
        assert f"(tổng {sum(seeded.expected.values())})" in result.output
    # Task 1.1 exists in both: each commune sees its own and never the other's.
    a = runner.invoke(cli, ["task", "show", "1.1", "--org", "xa-a"], env=env)
    b = runner.invoke(cli, ["task", "show", "1.1", "--org", "xa-b"], env=env)
    assert a.exit_code == 0 and b.exit_code == 0, a.output + b.output
    assert "Nhiệm vụ riêng của xã B" in b.output and "Nhiệm vụ riêng của xã B" not in a.output
    missing = runner.invoke(cli, ["task", "show", "3.1", "--org", "xa-b"], env=env)  # only A has 12 tasks
    assert missing.exit_code == 2 and "Không có nhiệm vụ" in missing.output


def test_province_account_sees_each_communes_counts_and_nothing_else(two: TwoCommunes, web) -> None:
    client = TestClient(web, base_url="http://127.0.0.1")
    assert _login(client, "sonoivu").status_code == 303
    body = client.get("/api/province/overview").json()
    rows = {c["code"]: c for c in body["communes"]}
    assert set(rows) == {"xa-a", "xa-b"}
    assert rows["xa-b"]["overdue"] == two.b.expected["overdue"] and rows["xa-a"]["total"] == sum(two.a.expected.values())
    assert body["total"]["total"] == rows["xa-a"]["total"] + rows["xa-b"]["total"]
    # Counts only: the communes' tasks stay closed to the province account.
    assert client.get(f"/api/tasks/{two.a.tasks['1.1']}").status_code == 404
    assert client.get("/api/tasks", params={"limit": 1000}).json()["items"] == []
    # And a commune coordinator cannot read the province view.
    commune = TestClient(web, base_url="http://127.0.0.1")
    assert _login(commune, "thuongtruc", "xa-a").status_code == 303
    assert commune.get("/api/province/overview").status_code == 403
