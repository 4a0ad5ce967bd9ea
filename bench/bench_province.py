"""Benchmark of a province: 100 communes × 60 tasks × 4 reporting periods, 20 clients (issue 14).

Starts a throw-away PostgreSQL server (Debian's binaries, as tests/database.py does; SQLite
with a printed note when PostgreSQL is absent), writes the rows directly with the models
(no workflow): a province organisation, ``--communes`` communes below it, each with five
units, a coordinator, an active plan of ``--tasks`` tasks, the four progress occurrences of
the plan year per task (past periods mostly reported, some returned or overdue) and, for a
task in three, four quarterly deadlines. The real app is served by uvicorn on 127.0.0.1;
``--clients`` concurrent httpx clients, each logged in as the coordinator of another
commune, load the overview, the task list and the API task list of the current period,
and the province account loads ``/api/province/overview``; a static file from the same
server in the same run is the baseline. Prints p50/p95/p99; exits 1 if the overview's or
the task list's p95 is over 100 ms.

    .venv/bin/python -m bench.bench_province [--communes 100] [--tasks 60] [--clients 20] [--requests 600]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

from bench.bench_web import ROOT, Result, free_port

TARGET_P95_MS = 100.0
PASSWORD = "matkhau-demo"
PROGRESS_STATES = ("not_started", "in_progress", "done", "blocked")


def start_database(sqlite_dir: Path, force_sqlite: bool) -> tuple[str, object | None]:
    """(database URL, the PostgreSQL server to stop or None)."""
    from tests.database import PostgresServer, find_pg_bin

    bin_dir = None if force_sqlite else find_pg_bin()
    if bin_dir is None:
        if not force_sqlite:
            print("GHI CHÚ: không thấy PostgreSQL (/usr/lib/postgresql/*/bin): chạy trên SQLite, số liệu không đại diện cho cấp tỉnh.")
        return f"sqlite:///{(sqlite_dir / 'dondoc.db').resolve()}", None
    server = PostgresServer(bin_dir).start()
    name = server.create_database()
    print(f"PostgreSQL {bin_dir.parent.name} tạm thời ({server.root})")
    return server.url(name), server


def _utc(day: date, hour: int = 3) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def seed_province(engine, today: date, communes: int, tasks: int) -> dict:
    """Write the province and its communes; returns counts and the usernames to log in with."""
    from sqlmodel import Session

    from domain.reporting import ReportingCalendar, progress_due_dates
    from persistence.models import (
        Occurrence,
        OccurrenceStatus,
        Officer,
        OfficerUnit,
        Organisation,
        Plan,
        PlanStatus,
        ProgressUpdate,
        Role,
        Task,
        Unit,
    )
    from tests.sample_data import AREAS, TITLES, UNITS
    from web.auth import hash_password

    digest = hash_password(PASSWORD)  # argon2 once: every account shares the password
    year = today.year
    dues = progress_due_dates(ReportingCalendar(), year)
    counts = {"progress": 0, "deadline": 0, "updates": 0}
    coordinators: list[str] = []
    with Session(engine, expire_on_commit=False) as session:
        province = Organisation(code="tinh-mau", name="UBND tỉnh Mẫu", level="tỉnh")
        session.add(province)
        session.flush()
        session.add(Officer(organisation_id=province.id, username="tinh", full_name="Sở Nội vụ tỉnh Mẫu",
                            email="tinh@tinh.example", role=Role.PROVINCE, password_hash=digest))
        for n in range(1, communes + 1):
            org = Organisation(code=f"xa-{n:03d}", name=f"UBND xã Mẫu {n:03d}", parent_id=province.id)
            session.add(org)
            session.flush()
            units = [Unit(organisation_id=org.id, code=code, name=name) for code, name in UNITS]
            session.add_all(units)
            plan = Plan(organisation_id=org.id, code=f"kh-{year}-{n}", number=f"{n}/KH-UBND",
                        title=f"Kế hoạch cải cách hành chính năm {year}", issuer=org.name, year=year,
                        status=PlanStatus.ACTIVE)
            session.add(plan)
            session.flush()
            username = f"tt{n:03d}"
            coordinator = Officer(organisation_id=org.id, username=username, full_name=f"Thường trực xã {n:03d}",
                                  email=f"{username}@xa.example", role=Role.COORDINATOR, password_hash=digest)
            session.add(coordinator)
            session.add(Officer(organisation_id=org.id, username=f"cc{n:03d}", full_name=f"Công chức xã {n:03d}",
                                email=f"cc{n:03d}@xa.example", role=Role.OFFICER, password_hash=digest))
            session.flush()
            session.add(OfficerUnit(officer_id=coordinator.id, unit_id=units[0].id))
            coordinators.append(username)
            rows = []
            for i in range(tasks):
                area, label = AREAS[i % len(AREAS)]
                title = TITLES[i % len(TITLES)] + (f" (nội dung {i // len(TITLES) + 1})" if i >= len(TITLES) else "")
                rows.append(Task(organisation_id=org.id, plan_id=plan.id, code=f"{i // 10 + 1}.{i % 10 + 1}", area=area,
                                 area_label=label, title=title, text=f"{title}.",
                                 lead_units=[UNITS[i % len(UNITS)][0]], coordinating_units=[UNITS[(i + 1) % len(UNITS)][0]],
                                 deadline_text="Thường xuyên" if i % 3 else "Hằng quý, trước ngày 15 tháng cuối quý",
                                 workflow_id=f"bench-{org.code}-{i}"))
            session.add_all(rows)
            session.flush()
            occurrences, updates = [], []
            for i, task in enumerate(rows):
                for j, due in enumerate(dues):
                    kind = (i + j + n) % 6
                    past = due.due < today
                    occ = Occurrence(organisation_id=org.id, task_id=task.id, key=due.key, period=due.period,
                                     nominal=due.nominal, due=due.due, kind="progress")
                    review = None
                    if past and kind in (0, 1, 2):  # reported and accepted
                        occ.status, occ.completed_at, review = OccurrenceStatus.DONE, _utc(due.due - timedelta(days=kind)), "accepted"
                    elif kind == 3:  # reported, awaiting the coordinator
                        occ.status, occ.completed_at, review = OccurrenceStatus.SUBMITTED, _utc(min(today, due.due) - timedelta(days=1)), "pending"
                    elif past and kind == 4:  # returned with a reason
                        review = "returned"
                    occurrences.append(occ)
                    if review:
                        updates.append((occ, review, due))
                if i % 3 == 0:  # a task with quarterly deadlines of its own
                    for q in range(4):
                        due = date(year, 3 * q + 3, 15)
                        done = due < today and (i + q) % 4 != 0
                        occurrences.append(Occurrence(
                            organisation_id=org.id, task_id=task.id, key=f"{year}-Q{q + 1}", period=f"Quý {q + 1}/{year}",
                            nominal=due, due=due, status=OccurrenceStatus.DONE if done else OccurrenceStatus.OPEN,
                            completed_at=_utc(due - timedelta(days=(i + q) % 5 - 1)) if done else None,
                            evidence={"document_number": f"{i + 1}/BC-UBND"} if done else None))
                        counts["deadline"] += 1
            session.add_all(occurrences)
            session.flush()
            for occ, review, due in updates:
                updates_at = occ.completed_at or _utc(due.due - timedelta(days=2))
                session.add(ProgressUpdate(
                    organisation_id=org.id, task_id=occ.task_id, occurrence_id=occ.id, period_key=due.key.removesuffix(".progress"),
                    status=PROGRESS_STATES[occ.id % 4], result="Đã triển khai theo kế hoạch, kết quả đạt yêu cầu.",
                    evidence={"document_number": f"{occ.id}/BC-UBND", "document_date": due.due.isoformat()},
                    submitted_by=f"cc{n:03d}", submitted_at=updates_at, review_status=review,
                    reviewed_by=username if review != "pending" else None,
                    reviewed_at=updates_at + timedelta(days=1) if review != "pending" else None,
                    review_reason="Thiếu số liệu minh chứng" if review == "returned" else None,
                    idempotency_key=f"bench:{occ.id}"))
            counts["progress"] += len(rows) * len(dues)
            counts["updates"] += len(updates)
            session.commit()
    return {**counts, "coordinators": coordinators, "province": "tinh"}


def app_env(database_url: str, data_dir: Path) -> dict[str, str]:
    env = dict(os.environ, DONDOC_DATA_DIR=str(data_dir), DONDOC_DATABASE_URL=database_url, PYTHONPATH=str(ROOT))
    env.pop("DATABASE_URL", None)
    return env


async def login(base: str, username: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base, timeout=60.0)
    response = await client.post("/api/login", json={"username": username, "password": PASSWORD})
    response.raise_for_status()
    return client


async def load(clients: list[httpx.AsyncClient], path: str, requests: int, name: str, seconds: float = 60.0) -> Result:
    """``requests`` GETs of ``path`` spread over ``clients`` concurrent sessions (at most ``seconds``)."""
    latencies: list[float] = []
    errors = 0
    remaining = requests

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal remaining, errors
        while remaining > 0 and time.perf_counter() < deadline:
            remaining -= 1
            start = time.perf_counter()
            response = await client.get(path)
            latencies.append(time.perf_counter() - start)
            if response.status_code != 200:
                errors += 1

    began = time.perf_counter()
    deadline = began + seconds
    await asyncio.gather(*(worker(c) for c in clients))
    return Result(name, latencies, time.perf_counter() - began, errors)


async def run(args: argparse.Namespace) -> int:
    from domain.reporting import ReportingCalendar
    from persistence.db import create_schema, make_engine
    from persistence.read_model import today_in

    with tempfile.TemporaryDirectory(prefix="dondoc-bench-province-") as tmp:
        data_dir = Path(tmp)
        url, pg = start_database(data_dir, args.sqlite)
        server = None
        try:
            engine = make_engine(url)
            create_schema(engine)
            today = today_in("Asia/Ho_Chi_Minh")
            began = time.perf_counter()
            seeded = seed_province(engine, today, args.communes, args.tasks)
            engine.dispose()
            print(f"Tỉnh: {args.communes} xã × {args.tasks} nhiệm vụ; {seeded['progress']} kỳ báo cáo tiến độ, "
                  f"{seeded['deadline']} kỳ có hạn, {seeded['updates']} báo cáo tiến độ; tạo trong {time.perf_counter() - began:.1f} s")
            period = ReportingCalendar().current_period(today).key
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            server = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "bench.bench_web:app_factory", "--factory", "--host", "127.0.0.1",
                 "--port", str(port), "--log-level", "warning", "--no-access-log", "--workers", str(args.workers)],
                cwd=ROOT, env=app_env(url, data_dir), stdin=subprocess.DEVNULL,
            )
            async with httpx.AsyncClient(base_url=base) as probe:
                for _ in range(300):
                    try:
                        if (await probe.get("/healthz")).status_code in (200, 503):
                            break
                    except httpx.TransportError:
                        await asyncio.sleep(0.1)
                else:
                    print("Máy chủ không khởi động được.")
                    return 2
            names = seeded["coordinators"][: args.clients]
            coordinators = [await login(base, name) for name in names]
            # Each session in turn when there are fewer communes than clients.
            sessions = [coordinators[i % len(coordinators)] for i in range(args.clients)]
            province = await login(base, seeded["province"])
            first = await coordinators[0].get("/overview")
            assert first.status_code == 200, first.status_code
            summary = (await province.get("/api/province/overview")).json()
            print(f"Máy chủ uvicorn {base} ({args.workers} tiến trình), {args.clients} máy khách httpx, "
                  f"đăng nhập {len(names)} xã khác nhau; kỳ hiện tại {period}; "
                  f"tổng hợp cấp tỉnh: {len(summary['communes'])} xã, {summary['total']['total']} kỳ có hạn")
            pages = [
                ("/static/style.css", "tệp tĩnh /static/style.css", sessions),
                ("/overview", "trang tổng quan /overview", sessions),
                ("/tasks", "danh sách nhiệm vụ /tasks", sessions),
                (f"/api/tasks?period={period}", f"API /api/tasks?period={period}", sessions),
                ("/api/province/overview", "API tỉnh /api/province/overview", [province] * args.clients),
            ]
            results = []
            print(f"\n{args.clients} máy khách đồng thời, {args.requests} yêu cầu mỗi trang (tối đa {args.seconds:g} s):")
            for path, name, clients in pages:
                await load(clients, path, min(100, args.requests), name)  # warm-up
                results.append(await load(clients, path, args.requests, name, args.seconds))
                print("  " + results[-1].line(), flush=True)
            for client in [*coordinators, province]:
                await client.aclose()
            failed = [r for r in results[1:3] if r.p95() > TARGET_P95_MS or r.errors]
            errors = sum(r.errors for r in results)
            verdict = "ĐẠT" if not failed else "CHƯA ĐẠT"
            print(f"\nMục tiêu p95 < {TARGET_P95_MS:.0f} ms cho tổng quan và danh sách nhiệm vụ: {verdict}"
                  + (f"; {errors} lỗi" if errors else ""))
            return 0 if not failed else 1
        finally:
            if server is not None:
                server.send_signal(signal.SIGTERM)
                try:
                    server.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    server.kill()
            if pg is not None:
                pg.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--tasks", type=int, default=60, help="tasks per commune")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=600, help="requests per page")
    parser.add_argument("--seconds", type=float, default=60.0, help="at most this long per page")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    return asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
