"""Working hours come from the chasing policy of the notification's plan (one source)."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from domain.calendar import WorkCalendar
from domain.policy import DEFAULT_POLICY, Policy
from notifications.dispatch import dispatch_once
from notifications.outbox import in_working_hours
from persistence.db import session_scope
from persistence.models import NotificationStatus, Plan, PlanStatus
from tests.notifications.conftest import Commune, Sink, local


def _add_plan(commune: Commune, code: str, policy: dict) -> int:
    with session_scope(commune.engine) as session:
        plan = Plan(organisation_id=commune.org_id, code=code, title=f"Kế hoạch {code}",
                    issuer="UBND xã Thử Nghiệm", year=2026, status=PlanStatus.ACTIVE, policy=policy)
        session.add(plan)
        session.flush()
        return plan.id


def _add_task_in(commune: Commune, plan_id: int, code: str, title: str) -> None:
    default_plan, commune.plan_id = commune.plan_id, plan_id
    try:
        commune.add_task(code, title)
    finally:
        commune.plan_id = default_plan


async def test_a_plan_with_afternoon_hours_gets_its_mail_only_in_the_afternoon(commune: Commune, sink: Sink,
                                                                               settings) -> None:
    afternoon = _add_plan(commune, "kh-chieu", Policy(day_start=time(13, 0), day_end=time(17, 0)).to_dict())
    _add_task_in(commune, afternoon, "9.1", "Niêm yết thủ tục hành chính")
    late = commune.notify("9.1", "tuphap", "due", not_before=local("2026-03-23 08:00"))
    early = commune.notify("3.1", "ketoan", "due", not_before=local("2026-03-23 08:00"))  # default policy
    report = await dispatch_once(commune.engine, settings, local("2026-03-23 09:00"))
    assert report.mails_sent == 1 and [m.rcpt_tos for m in sink.received] == [["ketoan@xa.example"]]
    assert report.closed_organisations == [commune.org_id]  # a row held back for its plan's hours
    for moment in ("2026-03-23 12:59", "2026-03-24 07:30", "2026-03-24 12:00"):
        assert (await dispatch_once(commune.engine, settings, local(moment))).mails_sent == 0, moment
    rows = {r.id: r for r in commune.rows()}
    assert rows[late].status == NotificationStatus.PENDING and rows[early].status == NotificationStatus.SENT
    report = await dispatch_once(commune.engine, settings, local("2026-03-24 13:00"))
    assert report.mails_sent == 1 and sink.received[-1].rcpt_tos == ["tuphap@xa.example"]
    assert commune.rows()[0].status == NotificationStatus.SENT


async def test_after_the_plans_hours_its_mail_waits_for_the_next_working_afternoon(commune: Commune, sink: Sink,
                                                                                   settings) -> None:
    afternoon = _add_plan(commune, "kh-chieu", {"day_start": "13:00", "day_end": "17:00"})
    _add_task_in(commune, afternoon, "9.1", "Niêm yết thủ tục hành chính")
    commune.notify("9.1", "tuphap", "due", not_before=local("2026-03-20 16:30"))  # a Friday
    for moment in ("2026-03-20 17:00", "2026-03-21 14:00", "2026-03-23 08:00", "2026-03-23 12:59"):
        assert (await dispatch_once(commune.engine, settings, local(moment))).mails_sent == 0, moment
    assert (await dispatch_once(commune.engine, settings, local("2026-03-23 13:00"))).mails_sent == 1


async def test_the_plans_time_zone_places_its_hours(commune: Commune, sink: Sink, settings) -> None:
    tokyo = _add_plan(commune, "kh-tokyo", {"day_start": "13:00", "day_end": "17:00", "timezone": "Asia/Tokyo"})
    _add_task_in(commune, tokyo, "9.2", "Họp trực tuyến với đối tác")
    commune.notify("9.2", "tuphap", "due", not_before=local("2026-03-23 08:00"))
    # 13:00 in Tokyo is 11:00 in Hà Nội.
    assert (await dispatch_once(commune.engine, settings, local("2026-03-23 10:59"))).mails_sent == 0
    assert (await dispatch_once(commune.engine, settings, local("2026-03-23 11:00"))).mails_sent == 1


@pytest.mark.parametrize(("moment", "expected"), [("2026-03-23 07:29", False), ("2026-03-23 07:30", True),
                                                  ("2026-03-23 16:59", True), ("2026-03-23 17:00", False),
                                                  ("2026-03-21 10:00", False)])
def test_default_hours(moment: str, expected: bool) -> None:
    at = datetime.fromisoformat(moment).replace(tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    assert in_working_hours(at, WorkCalendar(), DEFAULT_POLICY) is expected
