"""Accounts and administration in the web app (real SQLite, the real login form).

Landing page per role, no-store, changing one's password (other sessions end), the
administrator's accounts (create with a one-time link, reset, deactivate), units,
the login form keeping the username and asking for the organisation, the menu per role.
"""

from __future__ import annotations

import re

from sqlmodel import Session, select

from persistence.models import Officer, OfficerUnit, Organisation, Role, Unit
from tests.sample_data import PASSWORD
from tests.web.conftest import WebEnv, csrf_of
from web.auth import hash_password, verify_password


def _admin(web_env: WebEnv) -> None:
    with Session(web_env.engine) as db:
        org = db.exec(select(Organisation).where(Organisation.code == "xa-mau")).one()
        db.add(Officer(organisation_id=org.id, username="quantri", full_name="Ngô Quản Trị", email="qt@xa.example",
                       role=Role.ADMIN, password_hash=hash_password(PASSWORD)))
        db.commit()


def _landing(client) -> str:
    return client.get("/", follow_redirects=False).headers["location"]


def test_each_role_lands_on_its_page(web_env: WebEnv) -> None:
    assert _landing(web_env.login("vanphong")) == "/my"
    assert _landing(web_env.login("chutich")) == "/decisions"
    assert _landing(web_env.login("phochutich")) == "/decisions"
    assert _landing(web_env.login("thuongtruc")) == "/overview"
    assert _landing(web_env.client()) == "/login"


def test_login_goes_to_the_landing_page(web_env: WebEnv) -> None:
    client = web_env.client()
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"username": "vanphong", "password": PASSWORD, "csrf_token": token},
                           follow_redirects=True)
    assert response.url.path == "/my"


def test_pages_are_not_stored_by_the_browser(web_env: WebEnv) -> None:
    client = web_env.login("thuongtruc")
    for path in ("/overview", "/my", "/tasks", "/account", "/login", "/api/tasks"):
        assert client.get(path).headers["cache-control"] == "no-store", path
    assert "no-store" not in client.get("/static/style.css").headers.get("cache-control", "")


def test_menu_hides_what_the_role_cannot_use(web_env: WebEnv) -> None:
    officer = web_env.login("vanphong").get("/my").text
    assert 'href="/api/docs"' not in officer and 'href="/escalations"' not in officer
    assert 'href="/admin/accounts"' not in officer and 'href="/account"' in officer
    coordinator = web_env.login("thuongtruc").get("/overview").text
    assert 'href="/api/docs"' in coordinator and 'href="/escalations"' in coordinator
    chairman = web_env.login("chutich").get("/decisions").text
    assert 'href="/api/docs"' not in chairman and 'href="/escalations"' in chairman


def test_my_work_shows_a_working_day_countdown(web_env: WebEnv) -> None:
    html = web_env.login("vanphong").get("/my").text
    assert re.search(r"còn \d+ ngày làm việc|hạn hôm nay", html)


def test_changing_ones_password_ends_the_other_sessions(web_env: WebEnv) -> None:
    laptop, phone = web_env.login("vanphong"), web_env.login("vanphong")
    assert phone.get("/my").status_code == 200
    page = laptop.get("/account").text
    wrong = laptop.post("/account/password", data={"csrf_token": csrf_of(page), "current": "sai-mat-khau",
                                                  "password": "mat-khau-moi-1", "confirm": "mat-khau-moi-1"})
    assert wrong.status_code == 400 and "Mật khẩu hiện tại không đúng" in wrong.text
    short = laptop.post("/account/password", data={"csrf_token": csrf_of(page), "current": PASSWORD,
                                                  "password": "ngan", "confirm": "ngan"})
    assert short.status_code == 400 and "ít nhất 8 ký tự" in short.text
    done = laptop.post("/account/password", data={"csrf_token": csrf_of(page), "current": PASSWORD,
                                                 "password": "mat-khau-moi-1", "confirm": "mat-khau-moi-1"})
    assert done.status_code == 200 and "Đã đổi mật khẩu" in done.text
    # This browser goes on; the other one is logged out at once.
    assert laptop.get("/my").status_code == 200
    assert phone.get("/my", follow_redirects=False).headers["location"].startswith("/login")
    with Session(web_env.engine) as db:
        officer = db.exec(select(Officer).where(Officer.username == "vanphong")).one()
        assert verify_password(officer.password_hash, "mat-khau-moi-1")
    web_env.login("vanphong", "mat-khau-moi-1")


def test_only_the_administrator_opens_the_admin_pages(web_env: WebEnv) -> None:
    for username in ("vanphong", "thuongtruc", "chutich"):
        client = web_env.login(username)
        assert client.get("/admin/accounts").status_code == 403
        assert client.get("/admin/units").status_code == 403


def test_admin_creates_an_account_and_the_link_sets_the_password_once(web_env: WebEnv) -> None:
    _admin(web_env)
    admin = web_env.login("quantri")
    page = admin.get("/admin/accounts").text
    assert "Nguyễn Văn Phong" in page
    with Session(web_env.engine) as db:
        unit_id = db.exec(select(Unit).where(Unit.code == "vp")).first() or db.exec(select(Unit)).first()
        unit_id = unit_id.id
    bad = admin.post("/admin/accounts", data={"csrf_token": csrf_of(page), "username": "Người Mới", "full_name": "",
                                             "email": "x", "role": "officer", "units": [str(unit_id)]})
    assert bad.status_code == 400 and "Tên đăng nhập" in bad.text and "Hãy ghi họ và tên" in bad.text
    assert 'value="Người Mới"' in bad.text  # what was typed is kept
    created = admin.post("/admin/accounts", data={
        "csrf_token": csrf_of(page), "username": "nguoimoi", "full_name": "Lý Thị Mới", "email": "moi@xa.example",
        "role": "officer", "title": "Công chức Văn hoá - Xã hội", "units": [str(unit_id)]})
    assert created.status_code == 200, created.text
    link = re.search(r'id="one-time-link">([^<]+)<', created.text).group(1)
    path = link.replace(web_env.settings.base_url, "")
    with Session(web_env.engine) as db:
        officer = db.exec(select(Officer).where(Officer.username == "nguoimoi")).one()
        assert officer.password_hash is None and officer.full_name == "Lý Thị Mới"
        assert db.exec(select(OfficerUnit).where(OfficerUnit.officer_id == officer.id)).one().unit_id == unit_id

    newcomer = web_env.client()
    form = newcomer.get(path)
    assert form.status_code == 200 and "Lý Thị Mới" in form.text
    mismatch = newcomer.post(path, data={"csrf_token": csrf_of(form.text), "password": "mat-khau-cua-moi",
                                         "confirm": "khac-nhau-roi"})
    assert mismatch.status_code == 400 and "không giống nhau" in mismatch.text
    done = newcomer.post(path, data={"csrf_token": csrf_of(form.text), "password": "mat-khau-cua-moi",
                                     "confirm": "mat-khau-cua-moi"}, follow_redirects=False)
    assert done.status_code == 303 and "username=nguoimoi" in done.headers["location"]
    login_page = newcomer.get(done.headers["location"]).text
    assert 'value="nguoimoi"' in login_page and "Đã đặt mật khẩu" in login_page
    client = web_env.login("nguoimoi", "mat-khau-cua-moi")
    assert client.get("/", follow_redirects=False).headers["location"] == "/my"
    # The link worked once.
    assert web_env.client().get(path).status_code == 404


def test_admin_reset_and_deactivate_end_the_sessions(web_env: WebEnv) -> None:
    _admin(web_env)
    admin = web_env.login("quantri")
    victim = web_env.login("tuphap")
    with Session(web_env.engine) as db:
        officer_id = db.exec(select(Officer).where(Officer.username == "tuphap")).one().id
    page = admin.get(f"/admin/accounts/{officer_id}").text
    reset = admin.post(f"/admin/accounts/{officer_id}/reset", data={"csrf_token": csrf_of(page)})
    assert reset.status_code == 200 and 'id="one-time-link"' in reset.text
    assert victim.get("/my", follow_redirects=False).status_code == 303  # logged out
    client = web_env.client()
    token = csrf_of(client.get("/login").text)
    refused = client.post("/login", data={"username": "tuphap", "password": PASSWORD, "csrf_token": token})
    assert refused.status_code == 401  # the old password no longer works

    other = web_env.login("taichinh")
    off = admin.post(f"/admin/accounts/{officer_id}/active", data={"csrf_token": csrf_of(page), "active": "0"})
    assert off.status_code == 200 and "Đã khoá tài khoản" in off.text
    with Session(web_env.engine) as db:
        assert db.get(Officer, officer_id).active is False
    assert other.get("/my").status_code == 200  # nobody else is touched
    # The administrator cannot lock themself out.
    with Session(web_env.engine) as db:
        own_id = db.exec(select(Officer).where(Officer.username == "quantri")).one().id
    assert admin.post(f"/admin/accounts/{own_id}/active", data={"csrf_token": csrf_of(page), "active": "0"}).status_code == 409


def test_role_change_by_the_admin_ends_the_sessions(web_env: WebEnv) -> None:
    _admin(web_env)
    admin = web_env.login("quantri")
    officer = web_env.login("taichinh")
    with Session(web_env.engine) as db:
        row = db.exec(select(Officer).where(Officer.username == "taichinh")).one()
        units = [str(u.unit_id) for u in db.exec(select(OfficerUnit).where(OfficerUnit.officer_id == row.id))]
    page = admin.get(f"/admin/accounts/{row.id}").text
    saved = admin.post(f"/admin/accounts/{row.id}", data={"csrf_token": csrf_of(page), "full_name": "Lê Văn Chính",
                                                         "email": "taichinh@xa.example", "role": "coordinator",
                                                         "units": units})
    assert saved.status_code == 200 and "phiên đăng nhập của người này đã kết thúc" in saved.text
    assert officer.get("/my", follow_redirects=False).status_code == 303
    assert _landing(web_env.login("taichinh")) == "/overview"


def test_admin_edits_units(web_env: WebEnv) -> None:
    _admin(web_env)
    admin = web_env.login("quantri")
    page = admin.get("/admin/units").text
    with Session(web_env.engine) as db:
        unit = db.exec(select(Unit).join(Organisation).where(Organisation.code == "xa-mau")).first()
    saved = admin.post(f"/admin/units/{unit.id}", data={"csrf_token": csrf_of(page), "name": unit.name + " (sửa)",
                                                        "aliases": "Tên khác một\nTên khác hai"})
    assert saved.status_code == 200 and "(sửa)" in saved.text
    added = admin.post("/admin/units", data={"csrf_token": csrf_of(page), "code": "van-hoa",
                                             "name": "Công chức Văn hoá - Xã hội", "aliases": ""})
    assert added.status_code == 200
    duplicate = admin.post("/admin/units", data={"csrf_token": csrf_of(page), "code": "van-hoa", "name": "X"})
    assert duplicate.status_code == 400 and "Đã có đơn vị" in duplicate.text
    with Session(web_env.engine) as db:
        edited = db.get(Unit, unit.id)
        assert edited.name.endswith("(sửa)") and edited.aliases == ["Tên khác một", "Tên khác hai"]
        assert db.exec(select(Unit).where(Unit.code == "van-hoa")).one().name == "Công chức Văn hoá - Xã hội"


def test_login_keeps_the_username_and_asks_for_the_organisation(web_env: WebEnv) -> None:
    client = web_env.client()
    token = csrf_of(client.get("/login").text)
    wrong = client.post("/login", data={"username": "vanphong", "password": "sai", "csrf_token": token})
    assert wrong.status_code == 401 and 'value="vanphong"' in wrong.text
    # The same username and password in a second organisation: asked with a list, once the password is right.
    with Session(web_env.engine) as db:
        other = db.exec(select(Organisation).where(Organisation.code == "xa-mau-khac")).one()
        db.add(Officer(organisation_id=other.id, username="vanphong", full_name="Người Trùng Tên", email="t@x.example",
                       password_hash=hash_password(PASSWORD)))
        db.commit()
    wrong = client.post("/login", data={"username": "vanphong", "password": "sai", "csrf_token": csrf_of(wrong.text)})
    assert wrong.status_code == 401 and "<select" not in wrong.text and "UBND xã Khác" not in wrong.text
    ask = client.post("/login", data={"username": "vanphong", "password": PASSWORD, "csrf_token": csrf_of(wrong.text)})
    assert ask.status_code == 409 and '<select name="organisation"' in ask.text
    assert "UBND xã Mẫu" in ask.text and "UBND xã Khác" in ask.text and 'value="vanphong"' in ask.text
    chosen = client.post("/login", data={"username": "vanphong", "password": PASSWORD, "organisation": "xa-mau-khac",
                                         "csrf_token": csrf_of(ask.text)}, follow_redirects=False)
    assert chosen.status_code == 303
