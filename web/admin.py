"""The administrator's pages: accounts (list, create, deactivate, reset), units and people.

They write the tables ``dondoc org load`` fills (``unit``, ``officer``,
``officerunit``). Only ``Role.ADMIN`` of the organisation may open them. A new account
or a reset gives a one-time link (:func:`web.accounts.password_link`) shown once to the
administrator, who passes it on; the password itself is never seen by anyone else.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, select

from domain.text import fold
from persistence.models import Delivery, Officer, OfficerUnit, Role, Unit
from web.accounts import forget_cached, password_link
from web.app import page
from web.auth import ROLE_LABELS, CurrentUser, end_officer_sessions
from web.deps import check_csrf, current_user, get_db

router = APIRouter(prefix="/admin")

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
UNIT_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
# The roles an administrator hands out in the browser (province accounts are set up by file).
ROLES = [Role.OFFICER, Role.COORDINATOR, Role.VICE_CHAIRMAN, Role.CHAIRMAN, Role.ADMIN]


def require_admin(user: CurrentUser = Depends(current_user)) -> CurrentUser:
    if user.role != Role.ADMIN:
        raise HTTPException(403, "Chỉ quản trị viên được mở trang này.")
    return user


def _units(db: Session, organisation_id: int) -> list[Unit]:
    rows = db.exec(select(Unit).where(Unit.organisation_id == organisation_id)).all()
    return sorted(rows, key=lambda u: fold(u.name))


def _members(db: Session, organisation_id: int) -> dict[int, list[int]]:
    """officer ID -> unit IDs."""
    rows = db.exec(select(OfficerUnit).join(Officer, Officer.id == OfficerUnit.officer_id)
                   .where(Officer.organisation_id == organisation_id)).all()
    out: dict[int, list[int]] = {}
    for row in rows:
        out.setdefault(row.officer_id, []).append(row.unit_id)
    return out


def _officer(db: Session, user: CurrentUser, officer_id: int) -> Officer:
    officer = db.get(Officer, officer_id)
    if officer is None or officer.organisation_id != user.organisation_id:
        raise HTTPException(404, "Không tìm thấy tài khoản.")
    return officer


def account_state(officer: Officer) -> str:
    if not officer.active:
        return "Đã khoá"
    return "Đang dùng" if officer.password_hash else "Chưa đặt mật khẩu"


def _accounts_context(db: Session, user: CurrentUser, **extra: Any) -> dict[str, Any]:
    officers = sorted(db.exec(select(Officer).where(Officer.organisation_id == user.organisation_id)).all(),
                      key=lambda o: (not o.active, fold(o.full_name)))
    units = _units(db, user.organisation_id)
    names = {u.id: u.name for u in units}
    members = _members(db, user.organisation_id)
    context = {
        "user": user, "nav": "admin", "officers": officers, "units": units, "roles": ROLES, "role_labels": ROLE_LABELS,
        "unit_names": {o.id: [names[i] for i in members.get(o.id, []) if i in names] for o in officers},
        "state": account_state, "form": {}, "errors": {}, "link": None, "link_for": None, "ok": None,
    }
    context.update(extra)
    return context


@router.get("/accounts", include_in_schema=False)
def accounts(request: Request, ok: str | None = None, user: CurrentUser = Depends(require_admin),
             db: Session = Depends(get_db)) -> Response:
    return page(request, "admin_accounts.html", _accounts_context(db, user, ok=ok))


def _person_fields(form: Any, db: Session, user: CurrentUser, errors: dict[str, str]) -> dict[str, Any]:
    """The checked person fields of a create/edit form."""
    values = {k: str(form.get(k, "")).strip() for k in ("full_name", "email", "title", "role")}
    if not values["full_name"]:
        errors["full_name"] = "Hãy ghi họ và tên."
    if not EMAIL.match(values["email"]):
        errors["email"] = "Địa chỉ thư không hợp lệ."
    try:
        values["role"] = Role(values["role"])
    except ValueError:
        errors["role"] = "Hãy chọn vai trò."
    valid_units = {u.id for u in _units(db, user.organisation_id)}
    values["unit_ids"] = [int(v) for v in form.getlist("units") if str(v).isdigit() and int(v) in valid_units]
    return values


def _set_units(db: Session, officer: Officer, unit_ids: list[int]) -> None:
    for row in db.exec(select(OfficerUnit).where(OfficerUnit.officer_id == officer.id)).all():
        db.delete(row)
    db.flush()
    for unit_id in dict.fromkeys(unit_ids):
        db.add(OfficerUnit(officer_id=officer.id, unit_id=unit_id))


@router.post("/accounts", include_in_schema=False, dependencies=[Depends(check_csrf)])
async def create_account(request: Request, user: CurrentUser = Depends(require_admin),
                         db: Session = Depends(get_db)) -> Response:
    form = await request.form()
    errors: dict[str, str] = {}
    username = str(form.get("username", "")).strip().lower()
    if not USERNAME.match(username):
        errors["username"] = "Tên đăng nhập: 2–40 ký tự chữ thường không dấu, số, dấu chấm, gạch."
    elif db.exec(select(Officer).where(Officer.organisation_id == user.organisation_id,
                                       Officer.username == username)).first():
        errors["username"] = f"Đã có tài khoản «{username}»."
    values = _person_fields(form, db, user, errors)
    if errors:
        kept = {**{k: str(v) for k, v in form.items()}, "units": values["unit_ids"]}
        return page(request, "admin_accounts.html", _accounts_context(db, user, form=kept, errors=errors), status_code=400)
    officer = Officer(organisation_id=user.organisation_id, username=username, full_name=values["full_name"],
                      email=values["email"], title=values["title"] or None, role=values["role"], delivery=Delivery.DAILY)
    db.add(officer)
    db.flush()
    _set_units(db, officer, values["unit_ids"])
    db.commit()
    request.app.state.snapshots.invalidate(user.organisation_id)
    # Shown once, in the answer itself (never in a URL that would land in a log).
    return page(request, "admin_accounts.html", _accounts_context(
        db, user, link=password_link(request, officer), link_for=officer,
        ok=f"Đã tạo tài khoản {officer.full_name} ({officer.username})."))


@router.get("/accounts/{officer_id}", include_in_schema=False)
def person(request: Request, officer_id: int, ok: str | None = None, user: CurrentUser = Depends(require_admin),
           db: Session = Depends(get_db)) -> Response:
    officer = _officer(db, user, officer_id)
    return page(request, "admin_person.html", _person_context(db, user, officer, ok=ok))


def _person_context(db: Session, user: CurrentUser, officer: Officer, **extra: Any) -> dict[str, Any]:
    members = _members(db, user.organisation_id).get(officer.id, [])
    form = {"full_name": officer.full_name, "email": officer.email, "title": officer.title or "",
            "role": Role(officer.role).value, "units": members}
    context = {"user": user, "nav": "admin", "officer": officer, "units": _units(db, user.organisation_id),
               "roles": ROLES, "role_labels": ROLE_LABELS, "form": form, "errors": {}, "link": None, "ok": None,
               "state": account_state(officer), "is_self": officer.id == user.id}
    context.update(extra)
    return context


@router.post("/accounts/{officer_id}", include_in_schema=False, dependencies=[Depends(check_csrf)])
async def edit_person(request: Request, officer_id: int, user: CurrentUser = Depends(require_admin),
                      db: Session = Depends(get_db)) -> Response:
    officer = _officer(db, user, officer_id)
    form = await request.form()
    errors: dict[str, str] = {}
    values = _person_fields(form, db, user, errors)
    if officer.id == user.id and values.get("role") not in (None, Role.ADMIN) and not errors:
        errors["role"] = "Không thể tự bỏ quyền quản trị của chính mình."
    if errors:
        kept = {**{k: str(v) for k, v in form.items()}, "units": values["unit_ids"]}
        return page(request, "admin_person.html", _person_context(db, user, officer, form=kept, errors=errors),
                    status_code=400)
    role_changed = Role(officer.role) != values["role"]
    officer.full_name, officer.email, officer.title = values["full_name"], values["email"], values["title"] or None
    officer.role = values["role"]
    db.add(officer)
    _set_units(db, officer, values["unit_ids"])
    db.commit()
    if role_changed:
        end_officer_sessions(db, officer.id)  # the session fingerprint changed too; this says it plainly
    forget_cached(request, officer.id)  # units and name show at once
    request.app.state.snapshots.invalidate(user.organisation_id)
    note = " Các phiên đăng nhập của người này đã kết thúc (đổi vai trò)." if role_changed else ""
    return RedirectResponse(f"/admin/accounts/{officer.id}?ok=" + _q("Đã lưu." + note), status_code=303)


def _q(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


@router.post("/accounts/{officer_id}/active", include_in_schema=False, dependencies=[Depends(check_csrf)])
async def set_active(request: Request, officer_id: int, user: CurrentUser = Depends(require_admin),
                     db: Session = Depends(get_db)) -> Response:
    officer = _officer(db, user, officer_id)
    active = str((await request.form()).get("active", "")) == "1"
    if officer.id == user.id and not active:
        raise HTTPException(409, "Không thể tự khoá tài khoản của chính mình.")
    officer.active = active
    db.add(officer)
    db.commit()
    if not active:
        end_officer_sessions(db, officer.id)
    forget_cached(request, officer.id)
    msg = "Đã mở lại tài khoản." if active else "Đã khoá tài khoản; mọi phiên đăng nhập của người này đã kết thúc."
    return RedirectResponse(f"/admin/accounts/{officer.id}?ok=" + _q(msg), status_code=303)


@router.post("/accounts/{officer_id}/reset", include_in_schema=False, dependencies=[Depends(check_csrf)])
def reset(request: Request, officer_id: int, user: CurrentUser = Depends(require_admin),
          db: Session = Depends(get_db)) -> Response:
    officer = _officer(db, user, officer_id)
    if not officer.active:
        raise HTTPException(409, "Tài khoản đang bị khoá: hãy mở lại trước khi cấp liên kết.")
    # The old password stops working now; the link sets the new one.
    officer.password_hash = None
    db.add(officer)
    db.commit()
    end_officer_sessions(db, officer.id)
    forget_cached(request, officer.id)
    db.refresh(officer)
    return page(request, "admin_person.html", _person_context(
        db, user, officer, link=password_link(request, officer),
        ok="Mật khẩu cũ đã hết hiệu lực. Gửi liên kết dưới đây cho người dùng để đặt mật khẩu mới."))


# --- units ------------------------------------------------------------------------------------------


def _units_context(db: Session, user: CurrentUser, **extra: Any) -> dict[str, Any]:
    units = _units(db, user.organisation_id)
    members = _members(db, user.organisation_id)
    officers = {o.id: o for o in db.exec(select(Officer).where(Officer.organisation_id == user.organisation_id))}
    people: dict[int, list[Officer]] = {u.id: [] for u in units}
    for officer_id, unit_ids in members.items():
        for unit_id in unit_ids:
            if unit_id in people and officer_id in officers:
                people[unit_id].append(officers[officer_id])
    context = {"user": user, "nav": "admin", "units": units, "people": people, "form": {}, "errors": {}, "ok": None}
    context.update(extra)
    return context


def _aliases(text: str) -> list[str]:
    return [a.strip() for a in re.split(r"[;\n]", text) if a.strip()]


@router.get("/units", include_in_schema=False)
def units(request: Request, ok: str | None = None, user: CurrentUser = Depends(require_admin),
          db: Session = Depends(get_db)) -> Response:
    return page(request, "admin_units.html", _units_context(db, user, ok=ok))


@router.post("/units", include_in_schema=False, dependencies=[Depends(check_csrf)])
async def add_unit(request: Request, user: CurrentUser = Depends(require_admin), db: Session = Depends(get_db)) -> Response:
    form = await request.form()
    code, name = str(form.get("code", "")).strip().lower(), str(form.get("name", "")).strip()
    errors: dict[str, str] = {}
    if not UNIT_CODE.match(code):
        errors["code"] = "Mã: chữ thường không dấu, số, gạch (vd. van-phong)."
    elif db.exec(select(Unit).where(Unit.organisation_id == user.organisation_id, Unit.code == code)).first():
        errors["code"] = f"Đã có đơn vị mã «{code}»."
    if not name:
        errors["name"] = "Hãy ghi tên đơn vị."
    if errors:
        return page(request, "admin_units.html", _units_context(db, user, form=dict(form.items()), errors=errors),
                    status_code=400)
    db.add(Unit(organisation_id=user.organisation_id, code=code, name=name,
                aliases=_aliases(str(form.get("aliases", "")))))
    db.commit()
    request.app.state.snapshots.invalidate(user.organisation_id)
    return RedirectResponse("/admin/units?ok=" + _q(f"Đã thêm {name}."), status_code=303)


@router.post("/units/{unit_id}", include_in_schema=False, dependencies=[Depends(check_csrf)])
async def edit_unit(request: Request, unit_id: int, user: CurrentUser = Depends(require_admin),
                    db: Session = Depends(get_db)) -> Response:
    unit = db.get(Unit, unit_id)
    if unit is None or unit.organisation_id != user.organisation_id:
        raise HTTPException(404, "Không tìm thấy đơn vị.")
    form = await request.form()
    name = str(form.get("name", "")).strip()
    if not name:
        return page(request, "admin_units.html", _units_context(db, user, errors={f"name-{unit.id}": "Hãy ghi tên đơn vị."}),
                    status_code=400)
    unit.name, unit.aliases = name, _aliases(str(form.get("aliases", "")))
    db.add(unit)
    db.commit()
    request.app.state.snapshots.invalidate(user.organisation_id)
    return RedirectResponse("/admin/units?ok=" + _q(f"Đã lưu {name}.") + f"#unit-{unit.id}", status_code=303)
