"""Fixtures of the web tests: a real SQLite database with the sample commune and the app."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from persistence.db import create_schema, make_engine
from persistence.read_model import today_in
from settings import Settings
from tests.sample_data import PASSWORD, Seeded, seed

warnings.filterwarnings("ignore", message=".*httpx2.*")

from fastapi.testclient import TestClient  # noqa: E402


@dataclass
class WebEnv:
    settings: Settings
    engine: object
    seeded: Seeded
    app: object
    data_dir: Path

    def client(self) -> TestClient:
        return TestClient(self.app, base_url="http://127.0.0.1")

    def login(self, username: str, password: str = PASSWORD) -> TestClient:
        """A client logged in through the real login form."""
        client = self.client()
        form = client.get("/login")
        token = csrf_of(form.text)
        response = client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                               follow_redirects=False)
        assert response.status_code == 303, response.text
        return client


def csrf_of(html: str) -> str:
    """The first CSRF token of a page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def web_env(tmp_path: Path) -> Iterator[WebEnv]:
    from web.app import create_app

    settings = Settings(data_dir=tmp_path, base_url="http://127.0.0.1:8000")
    engine = make_engine(settings.effective_database_url)
    create_schema(engine)
    seeded = seed(engine, today_in(settings.timezone))
    app = create_app(settings, engine, None)
    yield WebEnv(settings, engine, seeded, app, tmp_path)
    engine.dispose()
