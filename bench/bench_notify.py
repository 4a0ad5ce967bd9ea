"""Benchmark: deliver 1,000 outbox notifications to a local SMTP server (target < 10 s).

Run: .venv/bin/python bench/bench_notify.py [--count 1000] [--recipients 1000] [--catcher]

A commune with ``--recipients`` officers (immediate delivery) and ``--count`` pending
reminder/due/overdue rows is written to a temporary SQLite file; then one dispatch run
(the same ``dispatch_once`` the scheduler calls) renders, claims, sends over one SMTP
connection and marks every row. With as many recipients as rows (the default) that is
one mail per row, the worst case. The server is aiosmtpd on 127.0.0.1, either counting
mails in memory or (``--catcher``) the embedded catcher writing one .eml file per mail.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402
from sqlmodel import Session, func, select  # noqa: E402

from notifications.catcher import free_port, start_catcher  # noqa: E402
from notifications.dispatch import dispatch_once  # noqa: E402
from persistence.db import create_schema, make_engine, session_scope  # noqa: E402
from persistence.models import (  # noqa: E402
    Notification,
    NotificationStatus,
    Occurrence,
    Officer,
    Organisation,
    Plan,
    PlanStatus,
    Task,
)
from settings import Settings  # noqa: E402

TARGET_S = 10.0
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 3, 23, 9, 0, tzinfo=TZ)  # a working Monday morning


class Counter:
    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802
        with self._lock:
            self.count += 1
        return "250 OK"


def seed(db: Path, count: int, recipients: int):
    engine = make_engine(f"sqlite:///{db}")
    create_schema(engine)
    with session_scope(engine) as session:
        org = Organisation(code="xa-bench", name="UBND xã Đo Hiệu Năng")
        session.add(org)
        session.flush()
        plan = Plan(organisation_id=org.id, code="kh-2026", number="1/KH-UBND", year=2026,
                    title="Kế hoạch cải cách hành chính năm 2026", issuer=org.name, status=PlanStatus.ACTIVE)
        session.add(plan)
        session.flush()
        officers = [Officer(organisation_id=org.id, username=f"cc{i:04d}", full_name=f"Công chức Số {i}",
                            email=f"cc{i:04d}@xa.example") for i in range(recipients)]
        session.add_all(officers)
        tasks = [Task(organisation_id=org.id, plan_id=plan.id, code=f"{i // 10 + 1}.{i % 10 + 1}", area="tthc",
                      title=f"Rà soát, đơn giản hoá thủ tục hành chính số {i}", lead_units=["tp-ht"])
                 for i in range(100)]
        session.add_all(tasks)
        session.flush()
        occs = [Occurrence(organisation_id=org.id, task_id=t.id, key="2026-Q1", period="Quý I/2026",
                           nominal=date(2026, 3, 20), due=date(2026, 3, 20)) for t in tasks]
        session.add_all(occs)
        session.flush()
        kinds = ["reminder", "due", "overdue"]
        created = datetime(2026, 3, 23, 7, 45, tzinfo=TZ).astimezone(UTC)
        for i in range(count):
            officer, task, occ = officers[i % recipients], tasks[i % len(tasks)], occs[i % len(occs)]
            session.add(Notification(
                organisation_id=org.id, idempotency_key=f"bench/{i}:{officer.username}", task_id=task.id,
                occurrence_id=occ.id, recipient_id=officer.id, recipient_email=officer.email,
                recipient_name=officer.full_name, kind=kinds[i % 3], level=0, created_at=created,
                not_before=created,
                context={"organisation": org.name, "plan_title": plan.title, "plan_number": plan.number,
                         "plan_year": 2026, "task_id": task.id, "task_code": task.code, "task_title": task.title,
                         "product": "Báo cáo", "dashboard_path": f"/tasks/{task.id}", "period": occ.period,
                         "due": "2026-03-20", "original_due": "2026-03-20", "extended": False,
                         "days_overdue": 3, "working_days_overdue": 1, "days_left": 0, "working_days_left": 0,
                         "recipient_username": officer.username, "recipient_name": officer.full_name,
                         "recipient_roles": ["lead"],
                         "recipients": [{"username": officer.username, "name": officer.full_name,
                                         "roles": ["lead"]}]},
            ))
    return engine


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--recipients", type=int, default=1000)
    parser.add_argument("--catcher", action="store_true", help="deliver to the embedded catcher (.eml files)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        engine = seed(tmp_path / "bench.db", args.count, min(args.recipients, args.count))
        settings = Settings(_env_file=None, data_dir=tmp_path / "data", smtp_sender="dondoc@xa.example",
                            catcher_port=free_port(), notify_batch_limit=max(5000, args.count))
        if args.catcher:
            server = start_catcher(settings)
            received = lambda: server.handler.count  # noqa: E731
            stop = server.stop
        else:
            counter = Counter()
            port = free_port()
            controller = Controller(counter, hostname="127.0.0.1", port=port, server_hostname="localhost")
            controller.start()
            settings = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
            received = lambda: counter.count  # noqa: E731
            stop = controller.stop
        try:
            start = time.perf_counter()
            report = asyncio.run(dispatch_once(engine, settings, NOW))
            elapsed = time.perf_counter() - start
        finally:
            stop()
        with Session(engine) as session:
            sent = session.exec(select(func.count()).select_from(Notification)
                                .where(Notification.status == NotificationStatus.SENT)).one()
        engine.dispose()
    server_name = "embedded catcher (.eml files)" if args.catcher else "aiosmtpd (in memory)"
    print(f"{args.count} notifications, {min(args.recipients, args.count)} recipients → {server_name}")
    print(f"mails sent: {report.mails_sent} (server received {received()}), rows marked sent: {sent}, "
          f"failed: {report.mails_failed}")
    print(f"elapsed: {elapsed:.2f} s, {args.count / elapsed:.0f} notifications/s, "
          f"{report.mails_sent / elapsed:.0f} mails/s")
    ok = elapsed < TARGET_S and sent == args.count
    print(f"target < {TARGET_S:.0f} s with nothing lost: {'OK' if ok else 'NOT MET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
