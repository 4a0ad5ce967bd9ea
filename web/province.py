"""The province's JSON view: status buckets of every commune below it (``Role.PROVINCE``).

Counts only: a province account opens no commune's tasks, people or evidence (those
routes stay scoped to the account's own organisation and answer 404).
"""

from __future__ import annotations

import threading
import time
from datetime import date

from fastapi import APIRouter, Depends, HTTPException, Request
from sqlmodel import Session

from domain.status import BUCKETS, LABELS
from persistence.models import Role
from persistence.province import province_overview
from persistence.read_model import today_in
from web.api_models import ProvinceOverviewPublic
from web.auth import CurrentUser
from web.deps import current_user, get_db

router = APIRouter(prefix="/api/province", tags=["province"])

VIEWER_ROLES = (Role.PROVINCE,)

# Counting every commune's occurrences takes a while at a province's size (100 communes:
# about a hundred ms alone, seconds with 20 clients at once): the counts are kept this
# many seconds, as long as a commune's dashboard takes to see the worker's writes.
REFRESH_SECONDS = 1.0
_lock = threading.Lock()


def _cached_overview(request: Request, db: Session, province_id: int, today: date, tz: str):
    """The province's counts, recomputed at most once per REFRESH_SECONDS (one builder at a time:
    the others get the previous counts meanwhile)."""
    cache: dict = request.app.state.__dict__.setdefault("_province_cache", {})
    key = (province_id, today)
    hit = cache.get(key)
    if hit and time.monotonic() - hit[0] < REFRESH_SECONDS:
        return hit[1]
    if hit and not _lock.acquire(blocking=False):
        return hit[1]
    if not hit:
        _lock.acquire()
    try:
        hit = cache.get(key)
        if hit and time.monotonic() - hit[0] < REFRESH_SECONDS:
            return hit[1]
        result = province_overview(db, province_id, today, tz)
        if len(cache) > 100:
            cache.clear()
        cache[key] = (time.monotonic(), result)
        return result
    finally:
        _lock.release()


@router.get("/overview", response_model=ProvinceOverviewPublic, summary="Cấp tỉnh: bốn nhóm tình trạng của từng xã trực thuộc")
def overview(request: Request, user: CurrentUser = Depends(current_user), db: Session = Depends(get_db)) -> dict:
    if user.role not in VIEWER_ROLES:
        raise HTTPException(403, "Chỉ tài khoản cấp tỉnh xem được tổng hợp các xã.")
    tz = request.app.state.settings.timezone
    result = _cached_overview(request, db, user.organisation_id, today_in(tz), tz)
    return {
        "today": result.today,
        "buckets": [{"key": b.value, "label": LABELS[b]} for b in BUCKETS],
        "total": result.total.to_dict(),
        "communes": [c.to_dict() for c in result.communes],
    }
