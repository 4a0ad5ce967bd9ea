"""Benchmark of the dashboard: overview and task list with 10,000 occurrences, 20 clients.

Runs the real app under uvicorn in a separate process on 127.0.0.1 (a free port), with a
SQLite database of 2,500 tasks × 4 occurrences, logs in as the coordinator and sends
requests from 20 concurrent clients for each page, and for a static file from the same
server as a baseline. Prints p50/p95/p99/max latency and throughput; exits non-zero if
the overview's or the task list's p95 is over the target.

    .venv/bin/python -m bench.bench_web [--occurrences 10000] [--clients 20] [--requests 600]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 100.0


def app_factory():
    """The app for uvicorn's ``--factory`` (settings from the environment)."""
    from persistence.db import make_engine
    from settings import Settings
    from web.app import create_app

    settings = Settings()
    return create_app(settings, make_engine(settings.effective_database_url), None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(data_dir: Path, occurrences: int) -> None:
    """Create the database with ``occurrences`` occurrences (4 per task)."""
    from persistence.db import create_schema, make_engine
    from persistence.read_model import today_in
    from settings import Settings
    from tests.sample_data import seed

    settings = Settings(data_dir=data_dir)
    engine = make_engine(settings.effective_database_url)
    create_schema(engine)
    seed(engine, today_in(settings.timezone), tasks=occurrences // 4)
    engine.dispose()


@dataclass
class Result:
    name: str
    latencies: list[float]
    seconds: float
    errors: int

    def line(self) -> str:
        ms = sorted(x * 1000 for x in self.latencies)

        def pct(p: float) -> float:
            return ms[min(len(ms) - 1, int(round(p / 100 * (len(ms) - 1))))]

        return (f"{self.name:<34} n={len(ms):>5}  p50={pct(50):7.1f} ms  p95={pct(95):7.1f} ms  "
                f"p99={pct(99):7.1f} ms  max={ms[-1]:7.1f} ms  mean={statistics.fmean(ms):6.1f} ms  "
                f"{len(ms) / self.seconds:7.1f} req/s  errors={self.errors}")

    def p95(self) -> float:
        ms = sorted(x * 1000 for x in self.latencies)
        return ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]


class RawClient:
    """A minimal HTTP/1.1 keep-alive client: the load generator must cost far less CPU
    than the server it measures (both share this machine's two cores)."""

    def __init__(self, host: str, port: int, cookie: str) -> None:
        self.host, self.port, self.cookie = host, port, cookie
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, int]:
        """(status, body length) of ``GET path``."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nCookie: {self.cookie}\r\n\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await self.reader.readexactly(length)
        return status, length

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def load(host: str, port: int, cookie: str, path: str, clients: int, requests: int, name: str,
               seconds: float = 60.0) -> Result:
    """``requests`` GETs of ``path`` from ``clients`` concurrent keep-alive connections
    (bounded in count and in time: at most ``seconds``)."""
    latencies: list[float] = []
    errors = 0
    remaining = requests

    async def worker() -> None:
        nonlocal remaining, errors
        client = RawClient(host, port, cookie)
        try:
            while remaining > 0 and time.perf_counter() < deadline:
                remaining -= 1
                start = time.perf_counter()
                status, _ = await client.get(path)
                latencies.append(time.perf_counter() - start)
                if status != 200:
                    errors += 1
        finally:
            await client.close()

    began = time.perf_counter()
    deadline = began + seconds
    await asyncio.gather(*(worker() for _ in range(clients)))
    return Result(name, latencies, time.perf_counter() - began, errors)


async def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="dondoc-bench-web-") as tmp:
        data_dir = Path(tmp)
        began = time.perf_counter()
        prepare(data_dir, args.occurrences)
        print(f"Cơ sở dữ liệu: {args.occurrences} kỳ thực hiện ({args.occurrences // 4} nhiệm vụ) tạo trong {time.perf_counter() - began:.1f} s")
        port = free_port()
        env = dict(os.environ, DONDOC_DATA_DIR=str(data_dir), DONDOC_DATABASE_URL="", PYTHONPATH=str(ROOT))
        env.pop("DATABASE_URL", None)
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "bench.bench_web:app_factory", "--factory", "--host", "127.0.0.1",
             "--port", str(port), "--log-level", "warning", "--no-access-log", "--workers", str(args.workers)],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            async with httpx.AsyncClient(base_url=base, timeout=30.0) as client:
                for _ in range(200):
                    try:
                        if (await client.get("/healthz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        await asyncio.sleep(0.1)
                else:
                    print("Máy chủ không khởi động được.")
                    return 2
                login = await client.post("/api/login", json={"username": "thuongtruc", "password": "matkhau-demo"})
                login.raise_for_status()
                cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
                start = time.perf_counter()
                first = await client.get("/overview")
                cold = (time.perf_counter() - start) * 1000
                assert first.status_code == 200, first.status_code
                counts = (await client.get("/api/overview")).json()["counts"]
            print(f"Máy chủ uvicorn {base} ({args.workers} tiến trình); tổng số kỳ trên trang tổng quan: {counts['total']}")
            print(f"Trang tổng quan lần đầu (tính lại toàn bộ {counts['total']} kỳ): {cold:.0f} ms")
            pages = [
                ("/static/style.css", "tệp tĩnh /static/style.css"),
                ("/overview", "trang tổng quan /overview"),
                ("/tasks", "danh sách nhiệm vụ /tasks"),
                ("/tasks?bucket=overdue", "danh sách quá hạn"),
                ("/api/tasks?limit=50", "API /api/tasks"),
            ]
            print("\nMột máy khách, tuần tự (thời gian xử lý một yêu cầu):")
            for path, name in pages:
                single = await load("127.0.0.1", port, cookie, path, 1, 50, name)
                print("  " + single.line())
            results = []
            for path, name in pages:
                await load("127.0.0.1", port, cookie, path, args.clients, min(100, args.requests), name)  # warm-up
                results.append(await load("127.0.0.1", port, cookie, path, args.clients, args.requests, name))
            print(f"\n{args.clients} máy khách đồng thời, {args.requests} yêu cầu mỗi trang:")
            for result in results:
                print("  " + result.line())
            # The worker writes while people look: every write makes the next snapshot check
            # (at most once a second) rebuild the classification of every occurrence.
            stop = asyncio.Event()
            writes = asyncio.create_task(touch_occurrences(data_dir, stop, args.write_interval))
            busy = await load("127.0.0.1", port, cookie, "/overview", args.clients, 1_000_000,
                              f"tổng quan, có ghi mỗi {args.write_interval:g} s", seconds=args.write_seconds)
            stop.set()
            written = await writes
            print(f"  {busy.line()}  ({written} lần ghi trong {busy.seconds:.0f} s)")
            failed = [r for r in results[1:3] if r.p95() > TARGET_P95_MS or r.errors]
            verdict = "ĐẠT" if not failed else "CHƯA ĐẠT"
            print(f"\nMục tiêu p95 < {TARGET_P95_MS:.0f} ms cho tổng quan và danh sách nhiệm vụ: {verdict}")
            return 0 if not failed else 1
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()


async def touch_occurrences(data_dir: Path, stop: asyncio.Event, interval: float) -> int:
    """Update one occurrence every ``interval`` seconds (as the worker's activities do)."""
    from sqlalchemy import text

    from persistence.db import make_engine
    from settings import Settings

    engine = make_engine(Settings(data_dir=data_dir).effective_database_url)
    count = 0

    def write(n: int) -> None:
        with engine.begin() as conn:
            conn.execute(text("UPDATE occurrence SET updated_at = CURRENT_TIMESTAMP WHERE id = :id"), {"id": n % 1000 + 1})

    while not stop.is_set():
        await asyncio.to_thread(write, count)
        count += 1
        try:
            await asyncio.wait_for(stop.wait(), interval)
        except TimeoutError:
            pass
    engine.dispose()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--occurrences", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--write-interval", type=float, default=0.5, help="seconds between simulated worker writes")
    parser.add_argument("--write-seconds", type=float, default=10.0, help="duration of the phase with writes")
    sys.exit(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
