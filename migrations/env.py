"""Alembic environment: dondoc's SQLModel metadata, SQLite (batch mode) and PostgreSQL.

Run through ``dondoc db upgrade`` (persistence.db.upgrade_schema), or the plain ``alembic``
command from the repository root (alembic.ini), which reads DATABASE_URL like dondoc does.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import persistence.models  # noqa: F401  (registers the tables)

config = context.config
target_metadata = SQLModel.metadata
# Tables in the same database that are not dondoc's models: never generate drops for them.
FOREIGN_TABLES = {"apscheduler_jobs"}  # APScheduler's job store (notifications/scheduler.py)


def include_name(name, type_, parent_names) -> bool:
    """Do not even reflect the foreign tables (nor, with them, their indexes)."""
    if type_ == "table":
        return name not in FOREIGN_TABLES
    return parent_names.get("table_name") not in FOREIGN_TABLES


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Second guard, per object: anything that belongs to a foreign table is not dondoc's."""
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table not in FOREIGN_TABLES


def _configure(**kwargs) -> None:
    context.configure(
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: batch mode copies the table instead.
        render_as_batch=True,
        compare_type=True,
        include_name=include_name,
        include_object=include_object,
        **kwargs,
    )


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from settings import Settings

    return Settings().effective_database_url


def run_migrations_offline() -> None:
    """Print the SQL instead of running it (``alembic upgrade head --sql``)."""
    _configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:  # persistence.db passes its own connection (inside its schema lock)
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    from persistence.db import make_engine

    engine = make_engine(_url())
    try:
        with engine.connect() as connection:
            _configure(connection=connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
