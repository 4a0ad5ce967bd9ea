"""API of a plan's indicators (chỉ tiêu): list with a period's values, report an actual value."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel
from sqlmodel import Session, select

from persistence.models import Plan
from web.api_models import IndicatorPublic
from web.auth import INDICATOR_REFUSAL, CurrentUser, can_report_indicator
from web.deps import check_csrf, current_user, get_db

router = APIRouter(prefix="/api/plans", tags=["Chỉ tiêu"])


class IndicatorValueIn(BaseModel):
    """An actual value: a number for a numeric target, achieved for one without."""

    period: str
    value: float | None = None
    achieved: bool | None = None
    note: str = ""
    evidence: dict[str, Any] = {}


def _plan(db: Session, user: CurrentUser, code: str) -> Plan:
    plan = db.exec(select(Plan).where(Plan.organisation_id == user.organisation_id, Plan.code == code)).first()
    if plan is None:
        raise HTTPException(status_code=404, detail="Không tìm thấy kế hoạch.")
    return plan


@router.get("/{plan_code}/indicators", response_model=list[IndicatorPublic])
def list_indicators(plan_code: str, period: str, user: CurrentUser = Depends(current_user),
                    db: Session = Depends(get_db)) -> list[dict]:
    """Chỉ tiêu của kế hoạch với kết quả của kỳ ``period`` (đạt / chưa đạt / chưa báo cáo)."""
    from reports.indicators import indicator_lines
    from web.pages_indicators import chase_notes

    plan = _plan(db, user, plan_code)
    notes = chase_notes(db, plan, period)
    out = []
    for line in indicator_lines(db, plan, period):
        told = notes.get(line.code) if line.status == "chua_bao_cao" else None
        out.append({**line.to_dict(), "chased": told[0] if told else None, "chased_at": told[1] if told else None})
    return out


@router.post("/{plan_code}/indicators/{code}/values", response_model=IndicatorPublic, dependencies=[Depends(check_csrf)])
def report_indicator(plan_code: str, code: str, body: IndicatorValueIn, user: CurrentUser = Depends(current_user),
                     db: Session = Depends(get_db)) -> dict:
    """Báo cáo kết quả thực tế của một chỉ tiêu (thường trực, hoặc công chức của đơn vị chủ trì)."""
    from reports.indicators import IndicatorError, find_indicator, indicator_lines, report_value
    from reports.periods import PeriodError, parse_period

    plan = _plan(db, user, plan_code)
    indicator = find_indicator(db, plan, code)
    if indicator is None:
        raise HTTPException(status_code=404, detail="Không tìm thấy chỉ tiêu.")
    if not can_report_indicator(user, indicator.owner_unit):
        raise HTTPException(status_code=403, detail=INDICATOR_REFUSAL)
    try:
        parse_period(body.period)
        report_value(db, indicator, body.period, value=body.value, achieved=body.achieved, evidence=body.evidence,
                     note=body.note, by=user.username)
    except (PeriodError, IndicatorError) as error:
        raise HTTPException(status_code=400, detail=str(error)) from None
    db.commit()
    return next(line.to_dict() for line in indicator_lines(db, plan, body.period) if line.code == indicator.code)
