"""Serving the dashboard (the ``web`` adapter) with uvicorn, by import string.

The web package is an adapter nothing imports: the services reach it only through
uvicorn's factory string, which builds the app from the same environment settings.

``dondoc up`` runs the dashboard in a child process (:class:`DashboardProcess`): in
the worker's process, page rendering, exports and password checks held the GIL and
the event loop the Temporal worker needs, so every workflow task of an action waited
behind them (bench/bench_load.py: action p95 6-15 s, workflow tasks 0.3-0.8 s each).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import uvicorn

from runtime.processes import terminate
from settings import Settings

APP = "web.server:app_from_environment"
ROOT = Path(__file__).resolve().parent.parent
# Exit code of the child when its port is taken (it binds the socket itself to tell).
PORT_BUSY_EXIT = 3
# A dashboard that dies after running this long is restarted; one that dies sooner is reported only.
RESTART_AFTER_SECONDS = 10.0


class DashboardFailed(RuntimeError):
    """The dashboard process could not start; the message is one Vietnamese line."""


def port_busy_message(host: str, port: int) -> str:
    """The one line ``dondoc up`` prints for a taken web port (as cli.service.check_ports does)."""
    return (f"Cổng {port} (bảng điều khiển web, {host}) đang được chương trình khác dùng: "
            f"hãy đặt DONDOC_WEB_PORT sang cổng khác (vd. DONDOC_WEB_PORT={port + 1} trong tệp .env) rồi chạy lại.")


async def serve_dashboard(settings: Settings) -> None:
    """Run the dashboard on ``settings.web_host:web_port`` inside the caller's event loop, until cancelled."""
    config = uvicorn.Config(APP, factory=True, host=settings.web_host, port=settings.web_port,
                            log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    # uvicorn (>= 0.29) takes SIGINT/SIGTERM only while it serves and hands them back to the
    # caller's handlers afterwards; cancelling the task stops it.
    print(f"Bảng điều khiển: {settings.base_url}", flush=True)
    await server.serve()


def run_dashboard(host: str, port: int) -> None:
    """Run the dashboard alone (``dondoc web``), behind a reverse proxy."""
    uvicorn.run(APP, factory=True, host=host, port=port, log_config=None, access_log=False,
                proxy_headers=True, forwarded_allow_ips="*")


class DashboardProcess:
    """The dashboard of ``dondoc up`` in its own process (``python -m runtime.dashboard``).

    The child reads the same settings from the environment and the working directory
    (it joins the embedded Temporal server through the data folder's address file);
    host, port and data folder are passed explicitly so both always agree.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0

    def command(self) -> list[str]:
        return [sys.executable, "-m", "runtime.dashboard"]

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(DONDOC_WEB_HOST=self.settings.web_host, DONDOC_WEB_PORT=str(self.settings.web_port),
                   DONDOC_DATA_DIR=str(Path(self.settings.data_dir).resolve()),
                   PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])))
        if self.settings.database_url:
            env["DONDOC_DATABASE_URL"] = self.settings.database_url
        return env

    def start(self) -> None:
        """Spawn the child (returns at once; see :meth:`wait_ready`)."""
        from runtime.devserver import _die_with_parent

        self.process = subprocess.Popen(
            self.command(), env=self.environment(), stdin=subprocess.DEVNULL,
            # Own session: Ctrl-C reaches dondoc only, which stops the dashboard itself;
            # killed hard, dondoc takes it along (PR_SET_PDEATHSIG), the port is not left taken.
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        self.started_at = time.monotonic()

    def exit_problem(self, code: int) -> str:
        """Why the child stopped, one Vietnamese line."""
        if code == PORT_BUSY_EXIT:
            return port_busy_message(self.settings.web_host, self.settings.web_port)
        return f"Bảng điều khiển web dừng bất ngờ (mã {code}); xem các dòng báo lỗi phía trên."

    async def wait_ready(self, timeout: float = 120.0) -> None:
        """Wait until the child accepts connections on its port.

        Raises:
            DashboardFailed: the child exited (a taken port, a broken install) or never listened.
        """
        host = "127.0.0.1" if self.settings.web_host in ("0.0.0.0", "") else self.settings.web_host
        host = "::1" if host == "::" else host
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            code = self.process.poll() if self.process is not None else 1
            if code is not None:
                raise DashboardFailed(self.exit_problem(code))
            try:
                _, writer = await asyncio.wait_for(asyncio.open_connection(host, self.settings.web_port), 2)
            except (TimeoutError, OSError):
                await asyncio.sleep(0.1)
                continue
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            return
        self.stop()
        raise DashboardFailed(f"Bảng điều khiển web không mở được cổng {self.settings.web_port} "
                              f"sau {timeout:.0f} giây.")

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM (uvicorn finishes the requests in flight), SIGKILL after ``timeout``."""
        terminate(self.process, timeout)


async def supervise_dashboard(dashboard: DashboardProcess, say: Callable[[str], None], every: float = 1.0) -> None:
    """Watch the running dashboard until cancelled: report its exit (Vietnamese) and restart it.

    A dashboard that ran a while is started again (the worker keeps chasing meanwhile);
    one that dies at once again is reported and left stopped, not restarted in a loop.
    """
    while True:
        await asyncio.sleep(every)
        code = dashboard.process.poll() if dashboard.process is not None else None
        if code is None:
            continue
        ran = time.monotonic() - dashboard.started_at
        if ran < RESTART_AFTER_SECONDS:
            say(f"{dashboard.exit_problem(code)} Bảng điều khiển không được khởi động lại; "
                "việc đôn đốc vẫn tiếp tục, hãy dừng dondoc (Ctrl-C) rồi chạy lại.")
            return
        say(f"{dashboard.exit_problem(code)} Đang khởi động lại bảng điều khiển.")
        dashboard.start()


def _serve_here() -> int:
    """The child: bind the port first (a taken port is exit code 3), then serve until SIGTERM/SIGINT."""
    settings = Settings()
    family = socket.AF_INET6 if ":" in settings.web_host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((settings.web_host, settings.web_port))
    except OSError:
        sock.close()
        return PORT_BUSY_EXIT
    sock.listen(2048)
    sock.set_inheritable(True)
    config = uvicorn.Config(APP, factory=True, host=settings.web_host, port=settings.web_port,
                            log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    # The parent's signal handlers: SIGTERM or SIGINT finishes the requests in flight and exits.
    server.run(sockets=[sock])
    return 0


if __name__ == "__main__":  # pragma: no cover - run by DashboardProcess
    sys.exit(_serve_here())
