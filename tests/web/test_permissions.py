"""Permissions: ownership, CSRF, organisation scoping, session expiry (real app, real SQLite)."""

from __future__ import annotations

import time

from sqlmodel import Session, select

from persistence.models import Occurrence, OccurrenceStatus
from tests.web.conftest import WebEnv, csrf_of
from web.auth import SESSION_COOKIE


def _open_key(env: WebEnv, task_id: int) -> str:
    with Session(env.engine) as session:
        occ = session.exec(select(Occurrence).where(Occurrence.task_id == task_id, Occurrence.status == OccurrenceStatus.OPEN)).first()
        return occ.key


def _task_led_by(env: WebEnv, unit: str) -> int:
    from persistence.models import Task

    with Session(env.engine) as session:
        for task in session.exec(select(Task).where(Task.organisation_id == env.seeded.organisation_id)):
            if task.lead_units == [unit]:
                return task.id
    raise AssertionError(unit)


def test_officer_cannot_report_on_another_units_task(web_env: WebEnv) -> None:
    client = web_env.login("vanphong")  # Văn phòng - Thống kê
    foreign = _task_led_by(web_env, "tp-ht")
    page = client.get(f"/tasks/{foreign}")
    assert page.status_code == 200  # officers may read every task of their commune
    assert "Gửi báo cáo hoàn thành" not in page.text  # ... but get no form for another's task
    token = csrf_of(page.text)
    response = client.post(f"/tasks/{foreign}/complete", data={
        "csrf_token": token, "occurrence": _open_key(web_env, foreign), "document_number": "1/BC"}, follow_redirects=False)
    assert response.status_code == 403
    api = client.post(f"/api/tasks/{foreign}/occurrences/{_open_key(web_env, foreign)}/complete",
                      json={"document_number": "1/BC"}, headers={"X-CSRF-Token": token})
    assert api.status_code == 403


def test_own_task_passes_the_permission_check(web_env: WebEnv) -> None:
    # Without a Temporal client the action fails *after* the checks: proves the 403 above is ownership.
    client = web_env.login("vanphong")
    own = _task_led_by(web_env, "vp-tk")
    token = csrf_of(client.get(f"/tasks/{own}").text)
    api = client.post(f"/api/tasks/{own}/occurrences/{_open_key(web_env, own)}/complete",
                      json={"document_number": "1/BC"}, headers={"X-CSRF-Token": token})
    assert api.status_code == 503


def test_only_chairman_decides_extensions_and_only_coordinator_reviews(web_env: WebEnv) -> None:
    task = _task_led_by(web_env, "vp-tk")
    key = _open_key(web_env, task)
    for username in ("vanphong", "thuongtruc"):
        client = web_env.login(username)
        token = csrf_of(client.get("/overview").text)
        r = client.post(f"/api/tasks/{task}/occurrences/{key}/extension/decision", json={"granted": True},
                        headers={"X-CSRF-Token": token})
        assert r.status_code == 403, username
    officer = web_env.login("vanphong")
    token = csrf_of(officer.get("/overview").text)
    r = officer.post(f"/api/tasks/{task}/occurrences/{key}/reassign", json={"to_username": "tuphap"}, headers={"X-CSRF-Token": token})
    assert r.status_code == 403
    chairman = web_env.login("chutich")
    token = csrf_of(chairman.get("/overview").text)
    r = chairman.post(f"/api/tasks/{task}/occurrences/{key}/extension/decision", json={"granted": True},
                      headers={"X-CSRF-Token": token})
    assert r.status_code == 503  # allowed; no Temporal in this test


def test_form_without_csrf_token_is_refused(web_env: WebEnv) -> None:
    client = web_env.login("thuongtruc")
    task = _task_led_by(web_env, "vp-tk")
    key = _open_key(web_env, task)
    no_token = client.post(f"/tasks/{task}/complete", data={"occurrence": key, "document_number": "1/BC"}, follow_redirects=False)
    assert no_token.status_code == 403
    wrong = client.post(f"/tasks/{task}/complete", data={"occurrence": key, "csrf_token": "x" * 32}, follow_redirects=False)
    assert wrong.status_code == 403
    api = client.post(f"/api/tasks/{task}/occurrences/{key}/complete", json={"document_number": "1/BC"})
    assert api.status_code == 403
    logout = client.post("/logout", follow_redirects=False)
    assert logout.status_code == 403
    # A login form posted without the token issued with the form is refused too.
    fresh = web_env.client()
    assert fresh.post("/login", data={"username": "thuongtruc", "password": "matkhau-demo"}).status_code == 403


def test_csrf_token_of_another_session_is_refused(web_env: WebEnv) -> None:
    a = web_env.login("thuongtruc")
    b = web_env.login("thuongtruc")
    token_a = csrf_of(a.get("/overview").text)
    task = _task_led_by(web_env, "vp-tk")
    r = b.post(f"/tasks/{task}/review", data={"csrf_token": token_a, "occurrence": "x", "decision": "accept"}, follow_redirects=False)
    assert r.status_code == 403


def test_other_organisations_task_is_404(web_env: WebEnv) -> None:
    client = web_env.login("thuongtruc")
    other = web_env.seeded.other_task_id
    assert client.get(f"/tasks/{other}").status_code == 404
    assert client.get(f"/api/tasks/{other}").status_code == 404
    token = csrf_of(client.get("/overview").text)
    r = client.post(f"/api/tasks/{other}/occurrences/x/complete", json={"note": "x"}, headers={"X-CSRF-Token": token})
    assert r.status_code == 404
    listing = client.get("/api/tasks", params={"limit": 1000}).json()
    assert all(item["task_id"] != other for item in listing["items"])
    # And the other organisation's coordinator does not see ours.
    khac = web_env.login("khac")
    ours = next(iter(web_env.seeded.tasks.values()))
    assert khac.get(f"/tasks/{ours}").status_code == 404
    assert khac.get("/api/overview").json()["counts"]["total"] == 1


def test_pages_require_login_and_bad_password_fails(web_env: WebEnv) -> None:
    client = web_env.client()
    r = client.get("/overview", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert client.get("/api/overview").status_code == 401
    token = csrf_of(client.get("/login").text)
    bad = client.post("/login", data={"username": "thuongtruc", "password": "sai", "csrf_token": token}, follow_redirects=False)
    assert bad.status_code == 401
    assert "không đúng" in bad.text


def test_tampered_and_expired_sessions_are_rejected(web_env: WebEnv) -> None:
    client = web_env.login("thuongtruc")
    cookie = client.cookies.get(SESSION_COOKIE)
    body, mac = cookie.rsplit(".", 1)
    forged = web_env.client()
    forged.cookies.set(SESSION_COOKIE, body + "." + mac[:-2] + ("AA" if not mac.endswith("AA") else "BB"))
    assert forged.get("/api/me").status_code == 401
    signer = web_env.app.state.signer
    expired = web_env.client()
    expired.cookies.set(SESSION_COOKIE, signer.dumps({"u": 1, "o": web_env.seeded.organisation_id, "c": "t"}, now=time.time() - signer.max_age - 5))
    assert expired.get("/api/me").status_code == 401
    # A validly signed cookie is not enough: its session must exist server-side.
    fresh = web_env.client()
    fresh.cookies.set(SESSION_COOKIE, signer.dumps({"u": 1, "o": web_env.seeded.organisation_id, "c": "t"}))
    assert fresh.get("/api/me").status_code == 401
    from persistence.models import Officer
    from web.auth import start_session

    with Session(web_env.engine) as db:
        sid = start_session(db, db.get(Officer, 1))
    fresh.cookies.set(SESSION_COOKIE, signer.dumps({"u": 1, "o": web_env.seeded.organisation_id, "c": "t", "s": sid}))
    assert fresh.get("/api/me").status_code == 200


def test_login_redirect_stays_on_this_site(web_env: WebEnv) -> None:
    client = web_env.client()
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"username": "thuongtruc", "password": "matkhau-demo", "csrf_token": token,
                                    "next": "//evil.example/x"}, follow_redirects=False)
    assert r.headers["location"] == "/"  # the landing page of the role
