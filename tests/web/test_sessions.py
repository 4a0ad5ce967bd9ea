"""Sessions end server-side, logins are throttled (issue 17 items 4 and 5; real app, real SQLite)."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from sqlmodel import Session, select

from persistence.models import Officer, Organisation, Role, WebSession, utcnow
from tests.web.conftest import WebEnv, csrf_of
from web.auth import SESSION_COOKIE, hash_password
from web.deps import USER_CACHE_SECONDS


def _copy(env: WebEnv, client) -> object:
    """Another client holding a copy of ``client``'s session cookie (a stolen cookie)."""
    thief = env.client()
    thief.cookies.set(SESSION_COOKIE, client.cookies.get(SESSION_COOKIE))
    return thief


def _expire_cache(env: WebEnv) -> None:
    # Changes made by another process (the CLI) are seen within USER_CACHE_SECONDS; skip the wait.
    env.app.state.user_cache.clear()


def _officer(env: WebEnv, username: str) -> Officer:
    with Session(env.engine) as db:
        return db.exec(select(Officer).where(Officer.username == username)).one()


def _update(env: WebEnv, username: str, **changes) -> None:
    with Session(env.engine) as db:
        officer = db.exec(select(Officer).where(Officer.username == username)).one()
        for name, value in changes.items():
            setattr(officer, name, value)
        db.add(officer)
        db.commit()
    _expire_cache(env)


def test_logout_ends_a_copied_cookie(web_env: WebEnv) -> None:
    client = web_env.login("thuongtruc")
    thief = _copy(web_env, client)
    assert thief.get("/api/me").status_code == 200
    token = csrf_of(client.get("/overview").text)
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert thief.get("/api/me").status_code == 401
    assert thief.get("/overview", follow_redirects=False).headers["location"].startswith("/login")


def test_api_logout_ends_the_session_too(web_env: WebEnv) -> None:
    client = web_env.client()
    body = client.post("/api/login", json={"username": "thuongtruc", "password": "matkhau-demo"}).json()
    thief = _copy(web_env, client)
    assert thief.get("/api/me").status_code == 200
    assert client.post("/api/logout", headers={"X-CSRF-Token": body["csrf_token"]}).status_code == 200
    assert thief.get("/api/me").status_code == 401


def test_password_change_deactivation_and_role_change_end_sessions(web_env: WebEnv) -> None:
    for change in ({"password_hash": hash_password("mat-khau-moi")}, {"active": False}, {"role": Role.OFFICER}):
        _update(web_env, "thuongtruc", password_hash=hash_password("matkhau-demo"), active=True, role=Role.COORDINATOR)
        client = web_env.login("thuongtruc")
        assert client.get("/api/me").status_code == 200
        _update(web_env, "thuongtruc", **change)
        assert client.get("/api/me").status_code == 401, change


def test_idle_sessions_end(web_env: WebEnv) -> None:
    assert web_env.settings.session_idle_minutes == 120  # the default
    client = web_env.login("thuongtruc")
    assert client.get("/api/me").status_code == 200
    with Session(web_env.engine) as db:
        for row in db.exec(select(WebSession)):
            row.last_seen_at = utcnow() - timedelta(minutes=121)
            db.add(row)
        db.commit()
    _expire_cache(web_env)
    assert client.get("/api/me").status_code == 401


def test_sessions_are_seen_again_within_the_cache_time() -> None:
    assert USER_CACHE_SECONDS <= 5


def _post_login(client, username: str, password: str, organisation: str = ""):
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token,
                                       "organisation": organisation}, follow_redirects=False)


def test_brute_force_is_throttled_per_account(web_env: WebEnv, caplog) -> None:
    client = web_env.client()
    with caplog.at_level(logging.WARNING, logger="dondoc.web.auth"):
        statuses = [_post_login(client, "thuongtruc", f"sai-{i}").status_code for i in range(8)]
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}
    assert any("login failed" in r.getMessage() and "thuongtruc" in r.getMessage() for r in caplog.records)
    # The right password does not open a locked account ...
    locked = _post_login(client, "thuongtruc", "matkhau-demo")
    assert locked.status_code == 429 and "thử lại sau" in locked.text and int(locked.headers["retry-after"]) > 0
    # ... from another address either (the lock is the account's).
    other = web_env.client()
    other_api = other.post("/api/login", json={"username": "thuongtruc", "password": "matkhau-demo"})
    assert other_api.status_code == 429 and "thử lại sau" in other_api.json()["detail"]
    # Another account is not locked by it.
    assert _post_login(web_env.client(), "vanphong", "matkhau-demo").status_code == 303


def test_brute_force_is_throttled_per_address(web_env: WebEnv) -> None:
    client = web_env.client()
    statuses = [_post_login(client, f"khong-co-{i}", "sai").status_code for i in range(22)]
    assert statuses[:20] == [401] * 20 and set(statuses[20:]) == {429}
    assert _post_login(client, "vanphong", "matkhau-demo").status_code == 429


def test_csrf_token_rotates_at_login(web_env: WebEnv) -> None:
    client = web_env.client()
    before = csrf_of(client.get("/login").text)
    client.post("/login", data={"username": "thuongtruc", "password": "matkhau-demo", "csrf_token": before},
                follow_redirects=False)
    after = client.get("/api/me").json()["csrf_token"]
    assert after and after != before
    assert client.post("/logout", data={"csrf_token": before}, follow_redirects=False).status_code == 403


def test_login_message_does_not_tell_a_username_exists_in_several_organisations(web_env: WebEnv) -> None:
    with Session(web_env.engine) as db:  # "vanphong" also exists in the other commune
        other = db.exec(select(Organisation).where(Organisation.code != "xa-mau")).first()
        db.add(Officer(organisation_id=other.id, username="vanphong", full_name="Người khác", email="x@y.z",
                       password_hash=hash_password("matkhau-khac")))
        db.commit()
    shared = _post_login(web_env.client(), "vanphong", "sai-mat-khau")
    unknown = _post_login(web_env.client(), "khong-ai-ca", "sai-mat-khau")
    assert shared.status_code == unknown.status_code == 401
    error = re.compile(r'<p class="flash err">(.*?)</p>')
    assert error.findall(shared.text) == error.findall(unknown.text) == ["Tên đăng nhập hoặc mật khẩu không đúng."]
    # With the right password, each account logs in to its own organisation.
    assert _post_login(web_env.client(), "vanphong", "matkhau-demo").status_code == 303
    assert _post_login(web_env.client(), "vanphong", "matkhau-khac").status_code == 303


def test_passwords_use_the_tuned_argon2_parameters_and_old_hashes_are_upgraded(web_env: WebEnv) -> None:
    from argon2 import PasswordHasher

    assert "m=19456,t=2,p=1" in hash_password("x")
    _update(web_env, "tuphap", password_hash=PasswordHasher().hash("matkhau-demo"))  # the old, slow default
    web_env.login("tuphap")
    assert "m=19456,t=2,p=1" in _officer(web_env, "tuphap").password_hash
