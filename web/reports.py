"""The coordinator's report page: download the period's report draft (Word) and the year's evidence pack."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlmodel import Session, select

from persistence.models import Plan, PlanStatus
from web.auth import CurrentUser, can_review
from web.deps import current_user, get_db

router = APIRouter()
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _allowed(user: CurrentUser) -> None:
    # The standing office drafts the report; the chairman and vice-chairmen read it too.
    if not (can_review(user) or user.decides_extensions):
        raise HTTPException(status_code=403, detail="Chỉ cơ quan thường trực và lãnh đạo UBND được tải báo cáo, minh chứng.")


def _plan(db: Session, user: CurrentUser, code: str) -> Plan:
    plan = db.exec(select(Plan).where(Plan.organisation_id == user.organisation_id, Plan.code == code)).first()
    if plan is None:
        raise HTTPException(status_code=404, detail="Không tìm thấy kế hoạch.")
    return plan


def _attachment(data: bytes, filename: str, media_type: str) -> Response:
    return Response(data, media_type=media_type,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})


@router.get("/reports", include_in_schema=False)
def reports_page(request: Request, user: CurrentUser = Depends(current_user), db: Session = Depends(get_db)) -> Response:
    from persistence.models import Organisation
    from persistence.progress import reporting_calendar
    from reports.periods import periods_of_year
    from web.app import page

    _allowed(user)
    plans = list(db.exec(select(Plan).where(Plan.organisation_id == user.organisation_id,
                                            Plan.status == PlanStatus.ACTIVE).order_by(Plan.year.desc(), Plan.code)))
    today = date.today()
    calendar = reporting_calendar(db.get(Organisation, user.organisation_id))
    rows = [(plan, periods_of_year(plan.year, calendar)) for plan in plans]
    return page(request, "reports.html", {"user": user, "rows": rows, "today": today, "nav": "reports"})


@router.get("/reports/{plan_code}/draft.docx", include_in_schema=False)
def report_draft(plan_code: str, period: str, request: Request, user: CurrentUser = Depends(current_user),
                 db: Session = Depends(get_db)) -> Response:
    """The report of ``period``, drafted now (regenerated on every download: late updates are in)."""
    from persistence.models import Organisation
    from persistence.progress import reporting_calendar
    from reports.draft import default_filename, draft_report
    from reports.periods import PeriodError, parse_period

    _allowed(user)
    plan = _plan(db, user, plan_code)
    try:
        the_period = parse_period(period, reporting_calendar(db.get(Organisation, plan.organisation_id)))
    except PeriodError as error:
        raise HTTPException(status_code=400, detail=str(error)) from None
    _, blob = draft_report(db, plan, the_period, request.app.state.settings.timezone)
    return _attachment(blob, default_filename(plan, the_period), DOCX)


@router.get("/reports/{plan_code}/evidence.zip", include_in_schema=False)
def evidence_pack(plan_code: str, year: int, request: Request, user: CurrentUser = Depends(current_user),
                  db: Session = Depends(get_db)) -> Response:
    from reports.evidence import build_pack, default_filename

    _allowed(user)
    plan = _plan(db, user, plan_code)
    blob, _ = build_pack(db, plan, year, request.app.state.upload_dir)
    return _attachment(blob, default_filename(plan, year), "application/zip")
