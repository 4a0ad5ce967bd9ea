"""Opening dondoc's database from an entry point, with a Vietnamese line instead of a traceback.

A command run in the wrong folder (the default data folder is ``./data``) must not
silently create an empty database and report an empty organisation; a full or
read-only data folder must say so in one line and leave no 0-byte database behind.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError, OperationalError

from settings import Settings


class DatabaseProblem(RuntimeError):
    """The database cannot be opened or written; the message is for the user (Vietnamese)."""


def sqlite_path(settings: Settings) -> Path | None:
    """The SQLite file of ``settings``, or None for another database."""
    url = settings.effective_database_url
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[-1]
    return None if not path or path == ":memory:" else Path(path)


def describe(settings: Settings) -> str:
    """Which database a command uses, as a person reads it."""
    path = sqlite_path(settings)
    if path is not None:
        return f"{path} (thư mục dữ liệu {Path(settings.data_dir).resolve()})"
    url = settings.effective_database_url
    return url.split("@", 1)[-1] if "@" in url else url  # never print a password


def open_database(settings: Settings, *, create: bool = False) -> Engine:
    """An engine on ``settings``' database, its schema created (if empty) and current.

    Args:
        create: a missing SQLite file may be created (``dondoc up``, ``plan activate``,
            ``org load``); commands that only read refuse instead.

    Raises:
        DatabaseProblem: no database where one is expected, or it cannot be written.
        persistence.db.SchemaNotCurrent: the schema is older or newer than this code.
    """
    from persistence.db import create_schema, ensure_schema_current, make_engine

    path = sqlite_path(settings)
    existed = path is None or path.exists()
    if not existed and not create:
        raise DatabaseProblem(
            f"Không có cơ sở dữ liệu {describe(settings)}; đang ở thư mục {Path.cwd()}. "
            "Hãy chạy lệnh trong thư mục chứa thư mục dữ liệu, hoặc đặt DONDOC_DATA_DIR / DATABASE_URL "
            "(chưa có dữ liệu thì chạy 'dondoc up' trước)."
        )
    try:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.effective_database_url)
        create_schema(engine)
        ensure_schema_current(engine)
        return engine
    except (OperationalError, DatabaseError, OSError) as error:
        if not existed and path is not None:
            _remove_new_file(path)
        raise DatabaseProblem(_reason(settings, error)) from None


def _remove_new_file(path: Path) -> None:
    # A database file this call created and could not fill: do not leave it behind.
    for suffix in ("", "-wal", "-shm", "-journal"):
        candidate = Path(str(path) + suffix)
        try:
            candidate.unlink(missing_ok=True)
        except OSError:
            pass


def _reason(settings: Settings, error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).lower()
    where = describe(settings)
    if "readonly" in text or "read-only" in text or "permission" in text or isinstance(error, PermissionError):
        return (f"Không ghi được cơ sở dữ liệu {where}: thư mục dữ liệu chỉ cho đọc. "
                "Hãy cấp quyền ghi cho thư mục dữ liệu (hoặc đặt DONDOC_DATA_DIR sang thư mục ghi được).")
    if "full" in text or "no space" in text or getattr(error, "errno", None) == 28:
        return (f"Không ghi được cơ sở dữ liệu {where}: ổ đĩa đã đầy. "
                "Hãy giải phóng chỗ trống (hoặc đặt DONDOC_DATA_DIR sang ổ khác).")
    if "unable to open" in text:
        return (f"Không mở được cơ sở dữ liệu {where}. "
                "Hãy kiểm tra thư mục dữ liệu có tồn tại và ghi được (DONDOC_DATA_DIR).")
    first = str(getattr(error, "orig", None) or error).splitlines()[0][:200]
    return f"Không mở được cơ sở dữ liệu {where}: {first}. Hãy kiểm tra DATABASE_URL và máy chủ cơ sở dữ liệu."


def writable_probe(engine: Engine) -> str | None:
    """None if the database takes a write now, else the reason (for /healthz)."""
    from sqlalchemy import text

    try:
        with engine.begin() as connection:
            # A write that changes nothing: needs the write lock and a writable file.
            connection.execute(text("UPDATE alembic_version SET version_num = version_num"))
        return None
    except Exception as error:  # noqa: BLE001 - any failure means "not writable"
        return str(getattr(error, "orig", None) or error).splitlines()[0][:200]

