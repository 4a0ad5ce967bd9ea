"""Downloads: uploaded evidence, a plan's Excel workbook, an officer's iCal feed."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, Response
from sqlmodel import Session, select

from actions.perform import stored_name
from persistence import read_model as queries
from persistence.models import Officer, Plan
from web.auth import CurrentUser
from web.deps import current_user, get_db

router = APIRouter()


@router.get("/uploads/{path:path}", include_in_schema=False)
def download(request: Request, path: str, user: CurrentUser = Depends(current_user)) -> Response:
    parts = Path(path).parts
    # Files live under <org id>/<task id>/: another organisation's file is "not found".
    if len(parts) != 3 or parts[0] != str(user.organisation_id) or ".." in parts:
        raise HTTPException(404, "Không tìm thấy tệp.")
    root = request.app.state.upload_dir.resolve()
    target = (root / path).resolve()
    if root not in target.parents or not target.is_file():
        raise HTTPException(404, "Không tìm thấy tệp.")
    return FileResponse(target, headers={"Content-Disposition": content_disposition(stored_name(target.name))})


def content_disposition(name: str, disposition: str = "attachment") -> str:
    """RFC 6266 header with the RFC 5987 ``filename*`` carrying the Vietnamese name, and an ASCII fallback."""
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D")).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r'[^A-Za-z0-9._ -]+', "_", ascii_name).strip() or "minh-chung"
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"



@router.get("/export/{plan_code}.xlsx", include_in_schema=False)
def export_xlsx(request: Request, plan_code: str, user: CurrentUser = Depends(current_user), db: Session = Depends(get_db)) -> Response:
    from exports.excel import plan_workbook_bytes

    plan = db.exec(select(Plan).where(Plan.organisation_id == user.organisation_id, Plan.code == plan_code)).first()
    if plan is None:
        raise HTTPException(404, "Không tìm thấy kế hoạch.")
    data = plan_workbook_bytes(db, plan, queries.today_in(request.app.state.settings.timezone), request.app.state.settings.timezone)
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(plan.code)}.xlsx"})


@router.get("/ical/{token}.ics", include_in_schema=False)
def ical_feed(request: Request, token: str, db: Session = Depends(get_db)) -> Response:
    from exports.ical import officer_calendar

    if len(token) < 16:
        raise HTTPException(404, "Không tìm thấy lịch.")
    officer = db.exec(select(Officer).where(Officer.ical_token == token, Officer.active == True)).first()  # noqa: E712
    if officer is None:
        raise HTTPException(404, "Không tìm thấy lịch.")
    body = officer_calendar(db, officer, request.app.state.settings.base_url)
    return Response(body, media_type="text/calendar; charset=utf-8")
