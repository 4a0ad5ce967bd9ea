"""The province's JSON view: status buckets of every commune below it (``Role.PROVINCE``).

Counts only: a province account opens no commune's tasks, people or evidence (those
routes stay scoped to the account's own organisation and answer 404).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from sqlmodel import Session

from persistence.models import Role
from persistence.province import province_overview
from domain.status import BUCKETS, LABELS
from web.auth import CurrentUser
from web.deps import current_user, get_db
from persistence.read_model import today_in

router = APIRouter(prefix="/api/province", tags=["province"])

VIEWER_ROLES = (Role.PROVINCE,)


@router.get("/overview", summary="Cấp tỉnh: bốn nhóm tình trạng của từng xã trực thuộc")
def overview(request: Request, user: CurrentUser = Depends(current_user), db: Session = Depends(get_db)) -> dict:
    if user.role not in VIEWER_ROLES:
        raise HTTPException(403, "Chỉ tài khoản cấp tỉnh xem được tổng hợp các xã.")
    tz = request.app.state.settings.timezone
    result = province_overview(db, user.organisation_id, today_in(tz), tz)
    return {
        "today": result.today,
        "buckets": [{"key": b.value, "label": LABELS[b]} for b in BUCKETS],
        "total": result.total.to_dict(),
        "communes": [c.to_dict() for c in result.communes],
    }
