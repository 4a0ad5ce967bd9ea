"""Benchmark: drafting the year report of a 100-task plan with 400 progress updates (target: under 2 s).

    .venv/bin/python bench/bench_report.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import Session  # noqa: E402

from domain.vocabulary import REFORM_AREAS  # noqa: E402
from persistence.db import create_schema, make_engine  # noqa: E402
from persistence.models import Occurrence, OccurrenceStatus, Organisation, Plan, PlanStatus, ProgressUpdate, Task, Unit  # noqa: E402
from reports.draft import draft_report  # noqa: E402
from reports.periods import parse_period  # noqa: E402

UNITS = ("vp-tk", "tp-ht", "tc-kt", "dc-xd", "vh-xh")


def build(engine, tasks: int = 100, updates: int = 400) -> int:
    with Session(engine) as s:
        org = Organisation(code="xa-bench", name="UBND xã Bench")
        s.add(org)
        s.flush()
        for code in UNITS:
            s.add(Unit(organisation_id=org.id, code=code, name=f"Công chức {code}"))
        plan = Plan(organisation_id=org.id, code="kh-bench", year=2026, title="Kế hoạch CCHC năm 2026",
                    issuer="UBND xã Bench", status=PlanStatus.ACTIVE)
        s.add(plan)
        s.flush()
        rows = []
        for i in range(tasks):
            area = REFORM_AREAS[i % len(REFORM_AREAS)].value
            task = Task(organisation_id=org.id, plan_id=plan.id, code=f"T-{i:03d}", area=area,
                        title=f"Nhiệm vụ cải cách hành chính số {i}", lead_units=[UNITS[i % len(UNITS)]])
            s.add(task)
            rows.append(task)
        s.flush()
        for i, task in enumerate(rows):
            for q, month in enumerate((3, 6, 9, 12)):
                due = date(2026, month, 10)
                status = OccurrenceStatus.DONE if (i + q) % 3 else OccurrenceStatus.OPEN
                done = datetime(2026, month, 5 + (i % 10), 3, tzinfo=UTC) if status == OccurrenceStatus.DONE else None
                s.add(Occurrence(organisation_id=org.id, task_id=task.id, key=f"2026-{month}", period=f"Quý {q + 1}/2026",
                                 nominal=due, due=due, status=status, completed_at=done,
                                 evidence={"document_number": f"{i}/BC-UBND", "document_date": f"2026-{month:02d}-05"} if done else None))
        for n in range(updates):
            task = rows[n % tasks]
            s.add(ProgressUpdate(organisation_id=org.id, task_id=task.id, period_key="2026-Y", status="in_progress",
                                 result=f"Kết quả thực hiện lần {n}", figures={"hồ sơ": n}, submitted_by="u",
                                 submitted_at=datetime(2026, 12, 1, tzinfo=UTC) + timedelta(minutes=n),
                                 review_status=("accepted", "pending", "returned")[n % 3],
                                 evidence={"document_number": f"{n}/BC", "document_date": "2026-12-01"},
                                 idempotency_key=f"b-{n}"))
        s.commit()
        return plan.id


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.db")
        create_schema(engine)
        plan_id = build(engine)
        timings = []
        for _ in range(3):
            start = time.perf_counter()
            with Session(engine) as s:
                data, blob = draft_report(s, s.get(Plan, plan_id), parse_period("2026-Y"))
            timings.append(time.perf_counter() - start)
        engine.dispose()
    best, worst = min(timings), max(timings)
    print(f"year report of 100 tasks, 400 updates: {len(blob) / 1024:.0f} KB, {len(data.appendix)} appendix rows, "
          f"{data.counts.total} due in window; best {best:.2f} s, worst {worst:.2f} s (target < 2 s)")
    if worst >= 2.0:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
