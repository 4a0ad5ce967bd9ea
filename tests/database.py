"""The database a test runs on: a SQLite file by default, PostgreSQL with DONDOC_TEST_POSTGRES=1.

In PostgreSQL mode the session starts Debian's PostgreSQL server (initdb + pg_ctl) in a
temporary directory, listening on a unix socket only, as the ``postgres`` user when the
tests run as root (the server refuses to run as root). Every test that uses a database
(it asks for ``tmp_path`` or ``db_url``) gets a fresh, empty database of its own, and
``DONDOC_DATABASE_URL`` points at it, so code that reads :class:`settings.Settings` —
including ``dondoc`` CLI subprocesses — uses it too. :func:`database_url` gives tests
that build their own engine the same database.
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

POSTGRES_MODE = os.environ.get("DONDOC_TEST_POSTGRES", "").strip().lower() not in ("", "0", "false", "no")

_current_url: str | None = None


def database_url(sqlite_file: Path | str) -> str:
    """The URL this test should use: its PostgreSQL database, or else the SQLite file given."""
    if _current_url is not None:
        return _current_url
    return f"sqlite:///{Path(sqlite_file).resolve()}"


def set_current_url(url: str | None) -> None:
    global _current_url
    _current_url = url


def find_pg_bin() -> Path | None:
    """Debian's newest PostgreSQL server binaries (or DONDOC_PG_BIN)."""
    explicit = os.environ.get("DONDOC_PG_BIN")
    if explicit:
        return Path(explicit)
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    return candidates[-1].parent if candidates else None


class PostgresServer:
    """A throw-away PostgreSQL cluster on a unix socket, tuned for tests (no fsync)."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        # Not under pytest's tmp dir: that one is private to root, and the server runs as postgres.
        self.root = Path(tempfile.mkdtemp(prefix="dondoc-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root
        self.log = self.root / "server.log"
        self.user = "postgres" if os.geteuid() == 0 else None
        self._names = itertools.count(1)
        self._admin = None
        self.started = False

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        command = [str(a) for a in args]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)

    def start(self) -> PostgresServer:
        os.chmod(self.root, 0o755)
        if self.user:
            shutil.chown(self.root, self.user)
        self._run(self.bin_dir / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        options = (f"-k {self.socket_dir} -c listen_addresses='' -c fsync=off -c full_page_writes=off "
                   "-c synchronous_commit=off -c max_connections=300 -c timezone=UTC")
        try:
            self._run(self.bin_dir / "pg_ctl", "-D", self.data, "-o", options, "-l", self.log, "-w", "-t", "60", "start")
        except subprocess.CalledProcessError as error:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"PostgreSQL did not start: {error.stderr}\n{log}") from error
        self.started = True
        atexit.register(self.stop)
        self._watch_parent()
        import psycopg

        self._admin = psycopg.connect(host=str(self.socket_dir), user="postgres", dbname="postgres", autocommit=True)
        return self

    def _watch_parent(self) -> None:
        """Stop the server even if pytest is killed (atexit does not run on SIGKILL/SIGTERM)."""
        pg_ctl = f"{self.bin_dir / 'pg_ctl'} -D {self.data} -m immediate stop"
        if self.user:
            pg_ctl = f"runuser -u {self.user} -- {pg_ctl}"
        script = (f"while kill -0 {os.getpid()} 2>/dev/null; do sleep 1; done; "
                  f"if [ -d {self.data} ]; then {pg_ctl} >/dev/null 2>&1; rm -rf {self.root}; fi")
        subprocess.Popen(["sh", "-c", script], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)

    def stop(self) -> None:
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        if self.started:
            self.started = False
            try:
                self._run(self.bin_dir / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
            except subprocess.CalledProcessError:
                pass
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://postgres@/{dbname}?host={self.socket_dir}"

    def create_database(self) -> str:
        """A new empty database; returns its name."""
        name = f"t{os.getpid()}_{next(self._names)}_{int(time.time() * 1000) % 100000}"
        # FILE_COPY of the tiny template0 is much faster than WAL_LOG for one-off test databases.
        self._admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 STRATEGY FILE_COPY')
        return name

    def drop_database(self, name: str) -> None:
        # FORCE ends the connections a test's engine or server thread may still hold.
        self._admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
