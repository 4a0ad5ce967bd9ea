"""The overview's trend: per plan and reporting period, the share done on time (SVG + table)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from sqlmodel import Session, select

from domain.reporting import ReportingCalendar
from domain.status import classify, local_date
from persistence.models import Occurrence, OccurrenceStatus, Plan, Task
from persistence.read_model import OccRow, Snapshot, on_time_trend, period_of_due
from tests.web.conftest import WebEnv

TODAY = date(2026, 10, 1)
PERIODS = ReportingCalendar().periods(2026)


def _row(i: int, plan: str, due: date, status: OccurrenceStatus, completed: date | None = None) -> OccRow:
    bucket = classify(status, due, completed, TODAY)
    return OccRow(i, f"2026-{i}", "", due, due, None, status, completed, None, i, str(i), f"Việc {i}", "tthc", "TTHC",
                  ("vp",), (), 1, plan, bucket, 0)


def test_trend_counts_each_plan_and_period_as_the_government_office_does() -> None:
    rows = [
        _row(1, "kh-a", date(2026, 2, 10), OccurrenceStatus.DONE, date(2026, 2, 1)),  # Q1 on time
        _row(2, "kh-a", date(2026, 3, 1), OccurrenceStatus.DONE, date(2026, 3, 9)),  # Q1 late
        _row(3, "kh-a", date(2026, 3, 14), OccurrenceStatus.OPEN),  # Q1 overdue (14/3 still in quý I)
        _row(4, "kh-a", date(2026, 3, 15), OccurrenceStatus.DONE, date(2026, 3, 15)),  # 6 tháng, on time
        _row(5, "kh-a", date(2026, 11, 1), OccurrenceStatus.OPEN),  # năm: not due yet, left out
        _row(6, "kh-a", date(2026, 8, 1), OccurrenceStatus.SUBMITTED, date(2026, 7, 1)),  # awaiting: left out
        _row(7, "kh-b", date(2026, 7, 1), OccurrenceStatus.OPEN),  # quý III overdue
        _row(8, "kh-b", date(2026, 12, 20), OccurrenceStatus.DONE, date(2026, 9, 30)),  # after 14/12: năm
    ]
    snap = Snapshot(1, TODAY, rows, {"vp": "Văn phòng"}, plans={"kh-a": "Kế hoạch A", "kh-b": "Kế hoạch B"})
    assert period_of_due(date(2026, 12, 20), PERIODS).code == "Y"
    trend = on_time_trend(snap, 2026, PERIODS)
    assert [line.plan_code for line in trend] == ["kh-a", "kh-b"]
    a = {p.period_key: p for p in trend[0].points}
    assert (a["2026-Q1"].on_time, a["2026-Q1"].late, a["2026-Q1"].overdue) == (1, 1, 1)
    assert round(a["2026-Q1"].share, 1) == 33.3
    assert a["2026-H1"].share == 100.0
    assert a["2026-Q3"].share is None and a["2026-Y"].share is None  # nothing counts yet
    b = {p.period_key: p for p in trend[1].points}
    assert b["2026-Q3"].share == 0.0 and b["2026-Y"].share == 100.0
    assert [p.label for p in trend[0].points] == ["Quý I", "6 tháng", "Quý III", "Cả năm"]


def test_overview_draws_the_chart_with_a_title_and_the_figures_as_text(web_env: WebEnv) -> None:
    seeded = web_env.seeded
    with Session(web_env.engine) as session:
        # The chart's rows: the deadlines of this year's plans (next year's periods loaded early are not counted).
        occs = session.exec(select(Occurrence).join(Task, Task.id == Occurrence.task_id).join(Plan, Plan.id == Task.plan_id)
                            .where(Occurrence.organisation_id == seeded.organisation_id, Occurrence.kind == "deadline",
                                   Plan.year == date.today().year)).all()
        # Classified by the local day of completion, as the dashboard does (domain.status.local_date).
        on_time = sum(1 for o in occs if o.status == OccurrenceStatus.DONE and local_date(o.completed_at) <= o.effective_due)
        today = local_date(datetime.now(UTC))
        # Counted: done, or open past its (extended) due date; awaiting confirmation and not-yet-due are left out.
        counted = sum(1 for o in occs if o.status == OccurrenceStatus.DONE
                      or (o.status == OccurrenceStatus.OPEN and o.effective_due < today))
    html = web_env.login("thuongtruc").get("/overview").text
    chart = html[html.index('<section class="card" id="xu-huong">'):]
    chart = chart[:chart.index("</section>")]
    assert re.search(r"<svg[^>]*role=\"img\"", chart) and "<title id=\"xu-huong-title\">Tỷ lệ hoàn thành đúng hạn" in chart
    assert "<polyline" in chart or "<circle" in chart
    # The figures as text: the table and the SVG's description agree with the database.
    cells = re.findall(r'data-period="(\d{4}-\w+)"><b>(\d+)%</b> <small class="muted">\((\d+)/(\d+)\)', chart)
    assert sum(int(c[2]) for c in cells) == on_time
    assert sum(int(c[3]) for c in cells) == counted
    assert "Kế hoạch cải cách hành chính năm" in chart and "<script" not in chart and "http" not in chart.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
