"""Suite-wide fixtures: which database the tests use (see tests/database.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import database
from tests.database import POSTGRES_MODE, PostgresServer, find_pg_bin


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_pass_only: the test runs dondoc in a data folder of its own (SQLite file), whatever the "
        "pass: the PostgreSQL pass would only repeat it",
    )


def pytest_collection_modifyitems(config, items) -> None:
    if not POSTGRES_MODE:
        return
    skip = pytest.mark.skip(reason="runs its own data folder (SQLite): covered by the SQLite pass")
    for item in items:
        if "sqlite_pass_only" in item.keywords:
            item.add_marker(skip)


def pytest_report_header(config) -> str:
    if POSTGRES_MODE:
        return f"dondoc database: PostgreSQL ({find_pg_bin()}), one fresh database per test"
    return "dondoc database: SQLite files (set DONDOC_TEST_POSTGRES=1 for PostgreSQL)"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer | None]:
    """The session's PostgreSQL server in PostgreSQL mode, else None."""
    if not POSTGRES_MODE:
        yield None
        return
    bin_dir = find_pg_bin()
    if bin_dir is None:
        pytest.exit("DONDOC_TEST_POSTGRES=1 but PostgreSQL is not installed (apt-get install postgresql)", 3)
    server = PostgresServer(bin_dir).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _database_of_the_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """In PostgreSQL mode, give each test that may touch a database a fresh one."""
    if not POSTGRES_MODE or not ({"tmp_path", "db_url"} & set(request.fixturenames)):
        yield
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = server.create_database()
    url = server.url(name)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DONDOC_DATABASE_URL", url)
        patch.delenv("DATABASE_URL", raising=False)
        database.set_current_url(url)
        try:
            yield
        finally:
            database.set_current_url(None)
    server.drop_database(name)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """This test's database URL: a fresh PostgreSQL database, or a SQLite file in tmp_path."""
    return database.database_url(tmp_path / "dondoc.db")
