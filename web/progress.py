"""The period picker and the inbox badge of the pages (the request side of the reporting cycle).

The read model itself is persistence.progress_report.
"""

from __future__ import annotations

from persistence.models import Organisation
from persistence.progress_report import (  # noqa: F401  (re-exported for the pages)
    PERIOD_COOKIE,
    STATE_LABELS,
    STATES,
    Chosen,
    InboxItem,
    ProgressReport,
    ProgressRow,
    Returned,
    TaskPeriod,
    choose_period,
    chosen_period,
    inbox,
    inbox_count,
    plan_years,
    progress_report,
    returned_reports,
    task_periods,
)


def chosen_for(request, organisation_id: int) -> Chosen:
    """The period chosen by the request (``?period=`` or the picker's cookie), cached a minute per org."""
    import time

    from sqlmodel import Session as _Session

    from persistence.read_model import today_in

    key = request.query_params.get("period") or request.cookies.get(PERIOD_COOKIE) or ""
    cache = request.app.state.__dict__.setdefault("_period_cache", {})
    today = today_in(request.app.state.settings.timezone)
    hit = cache.get((organisation_id, key, today))
    if hit and hit[0] > time.monotonic():
        return hit[1]
    with _Session(request.app.state.engine) as session:
        org = session.get(Organisation, organisation_id)
        chosen = chosen_period(session, org, today, key or None)
    if len(cache) > 1000:
        cache.clear()
    cache[(organisation_id, key, today)] = (time.monotonic() + 60, chosen)
    return chosen


def picker(request, user) -> Chosen | None:
    """For the page header (a Jinja global): the chosen period of the logged-in user's organisation."""
    if user is None:
        return None
    try:
        return chosen_for(request, user.organisation_id)
    except Exception:  # the header must never break a page
        return None


def inbox_badge(request, user) -> int:
    """The menu's count of reports awaiting review (coordinators only; cached two seconds)."""
    import time

    from sqlmodel import Session as _Session

    if user is None or not getattr(user, "is_coordinator", False):
        return 0
    cache = request.app.state.__dict__.setdefault("_inbox_cache", {})
    hit = cache.get(user.organisation_id)
    if hit and hit[0] > time.monotonic():
        return hit[1]
    try:
        with _Session(request.app.state.engine) as session:
            count = inbox_count(session, user.organisation_id)
    except Exception:  # the header must never break a page
        return 0
    cache[user.organisation_id] = (time.monotonic() + 2.0, count)
    return count
