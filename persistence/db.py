"""Engine, session and schema helpers. SQLite by default, PostgreSQL (psycopg 3) for production.

The schema is versioned by Alembic (``migrations/``). A fresh database made by
:func:`create_schema` is created from the models and stamped at the newest revision, so
the embedded one-machine default needs no migration step; an existing database is only
ever changed by ``dondoc db upgrade`` (:func:`upgrade_schema`). Services call
:func:`ensure_schema_current` before they start and refuse to run on an older schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event, func, inspect, select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, SQLModel, create_engine

from persistence import models  # noqa: F401  (registers the tables on SQLModel.metadata)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
VERSION_TABLE = "alembic_version"
UPGRADE_COMMAND = "dondoc db upgrade"
# Serialises schema changes of several processes starting at once (workers, migrate job).
_PG_SCHEMA_LOCK = 0x646F6E646F63  # "dondoc"


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine; for SQLite, make the file's folder and turn on WAL and FKs."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            # WAL lets the web pages read while the worker writes.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    connect_args = {}
    if url.startswith("postgresql"):
        # Timestamps are stored as UTC wall time (as on SQLite), whatever the server's zone.
        connect_args["options"] = "-c timezone=UTC"
    return create_engine(url, echo=echo, pool_pre_ping=True, connect_args=connect_args)


# -- Alembic -----------------------------------------------------------------------------


def alembic_config(engine_or_url: Engine | str | None = None, connection: Connection | None = None):
    """An Alembic ``Config`` for dondoc's migrations, bound to a URL or an open connection."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if isinstance(engine_or_url, Engine):
        url = engine_or_url.url.render_as_string(hide_password=False)
    else:
        url = engine_or_url
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration revision shipped with this version of dondoc."""
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:  # pragma: no cover - guarded by tests/deploy/test_migrations.py
        raise RuntimeError(f"migrations have {len(heads)} heads: {heads}")
    return heads[0]


def current_revision(engine: Engine) -> str | None:
    """The revision the database is stamped with (None: not versioned)."""
    with engine.connect() as connection:
        return _current_revision(connection)


def _current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _app_tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {VERSION_TABLE}


@contextmanager
def _schema_lock(engine: Engine) -> Iterator[Connection]:
    """A transaction that holds dondoc's schema lock on PostgreSQL (SQLite locks the file)."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(select(func.pg_advisory_xact_lock(_PG_SCHEMA_LOCK)))
        yield connection


def create_schema(engine: Engine) -> None:
    """Create every table that does not exist yet.

    A database without tables is created from the models and stamped at the newest
    migration. A versioned database is left to :func:`upgrade_schema`; an old
    unversioned one (made before migrations existed) only gets its missing tables.
    """
    from alembic import command

    with _schema_lock(engine) as connection:
        tables = _app_tables(connection)
        versioned = inspect(connection).has_table(VERSION_TABLE)
        if versioned and _current_revision(connection) is not None:
            return
        SQLModel.metadata.create_all(connection)
        if not tables:
            command.stamp(alembic_config(engine, connection), "head")


def upgrade_schema(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Bring the database to ``revision`` (``dondoc db upgrade``); returns (before, after).

    A database made before migrations existed (tables, no version) is first stamped at
    the initial revision, whose schema it has.
    """
    from alembic import command

    with _schema_lock(engine) as connection:
        before = _current_revision(connection)
        config = alembic_config(engine, connection)
        if before is None and "organisation" in _app_tables(connection):
            command.stamp(config, INITIAL_REVISION)
        command.upgrade(config, revision)
        after = _current_revision(connection)
    return before, after


def downgrade_schema(engine: Engine, revision: str) -> tuple[str | None, str | None]:
    """Take the database back to ``revision`` ("base": no tables); returns (before, after)."""
    from alembic import command

    with _schema_lock(engine) as connection:
        before = _current_revision(connection)
        command.downgrade(alembic_config(engine, connection), revision)
        after = _current_revision(connection)
    return before, after


INITIAL_REVISION = "0001"


@dataclass(frozen=True)
class SchemaStatus:
    """Where the database stands against the migrations this code ships with."""

    current: str | None
    head: str
    has_tables: bool

    @property
    def is_current(self) -> bool:
        return self.current == self.head


class SchemaNotCurrent(RuntimeError):
    """The database schema is not the one this version of dondoc needs."""


def schema_status(engine: Engine) -> SchemaStatus:
    """Compare the database's revision with the newest migration."""
    with engine.connect() as connection:
        return SchemaStatus(_current_revision(connection), head_revision(), bool(_app_tables(connection)))


def ensure_schema_current(engine: Engine) -> SchemaStatus:
    """Raise :class:`SchemaNotCurrent` (a Vietnamese message naming the command) unless at head.

    Services call this before they start, so that no worker writes to a schema it does
    not know.
    """
    from alembic.script import ScriptDirectory

    status = schema_status(engine)
    if status.is_current:
        return status
    where = engine.url.render_as_string(hide_password=True)
    if status.current is None:
        what = "chưa có bảng nào" if not status.has_tables else "chưa được đánh số phiên bản (tạo trước khi có migration)"
        raise SchemaNotCurrent(
            f"Cơ sở dữ liệu {where} {what}. Hãy chạy lệnh: {UPGRADE_COMMAND}"
        )
    script = ScriptDirectory.from_config(alembic_config())
    try:
        script.get_revision(status.current)
        known = True
    except Exception:  # noqa: BLE001 - alembic raises several kinds for an unknown id
        known = False
    if not known:
        raise SchemaNotCurrent(
            f"Cơ sở dữ liệu {where} ở phiên bản {status.current}, mới hơn phiên bản {status.head} mà bản dondoc "
            "này hiểu. Hãy cập nhật dondoc lên bản mới nhất rồi chạy lại."
        )
    raise SchemaNotCurrent(
        f"Cấu trúc cơ sở dữ liệu {where} đang ở phiên bản {status.current}, cũ hơn phiên bản {status.head} mà "
        f"dondoc cần. Hãy chạy lệnh: {UPGRADE_COMMAND}"
    )


def ping(engine: Engine) -> None:
    """Raise if the database cannot be reached."""
    with engine.connect() as connection:
        connection.execute(select(1))


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
