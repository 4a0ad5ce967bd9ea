"""docker-compose.yml: valid for Debian's docker-compose, and shaped for a production rollout.

The images cannot be pulled here, so the file is checked, not run: `docker-compose config`
validates it against the Compose schema, and the assertions below pin what the
deployment needs (health checks, 127.0.0.1-only ports, a scalable worker, PostgreSQL for
both dondoc and Temporal, settings that exist).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
LONG_RUNNING = {"postgres", "temporal", "temporal-ui", "mailpit", "worker", "dispatcher", "web"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def test_docker_compose_validates_the_file() -> None:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip("docker-compose is not installed (Debian: apt-get install docker-compose)")
    result = subprocess.run([binary, "-f", str(COMPOSE), "config", "-q"], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    # Resolved form: the YAML anchors and merges expand as intended.
    resolved = subprocess.run([binary, "-f", str(COMPOSE), "config"], capture_output=True, text=True,
                              cwd=ROOT, timeout=60, check=True).stdout
    services = yaml.safe_load(resolved)["services"]
    assert services["worker"]["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert services["worker"]["environment"]["DONDOC_TEMPORAL_METRICS_ADDRESS"] == "0.0.0.0:9464"


def test_services_and_health_checks(compose: dict) -> None:
    services = compose["services"]
    assert LONG_RUNNING | {"migrate"} <= set(services)
    for name in LONG_RUNNING:
        assert "healthcheck" in services[name], name
    assert services["migrate"]["command"] == ["dondoc", "db", "upgrade"]
    for name in ("worker", "dispatcher", "web"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_every_published_port_is_bound_to_localhost(compose: dict) -> None:
    published = [(name, port) for name, svc in compose["services"].items() for port in svc.get("ports", [])]
    assert published
    for name, port in published:
        assert str(port).startswith("127.0.0.1:"), (name, port)


def test_worker_can_be_scaled(compose: dict) -> None:
    worker = compose["services"]["worker"]
    assert "container_name" not in worker and "ports" not in worker
    assert worker["command"] == ["dondoc", "worker"]


def test_temporal_runs_on_the_same_postgresql(compose: dict) -> None:
    temporal = compose["services"]["temporal"]
    assert temporal["image"].startswith("temporalio/auto-setup:")
    assert temporal["environment"]["DB"] == "postgres12"
    assert temporal["environment"]["POSTGRES_SEEDS"] == "postgres"
    assert compose["services"]["temporal-ui"]["image"].startswith("temporalio/ui:")
    assert compose["services"]["mailpit"]["image"].startswith("axllent/mailpit")


def test_dondoc_settings_in_the_file_exist(compose: dict) -> None:
    """A typo in an environment variable would be silently ignored by pydantic-settings."""
    fields = set(Settings.model_fields)
    text = COMPOSE.read_text(encoding="utf-8")
    for name in set(re.findall(r"^\s+(DONDOC_[A-Z_]+):", text, flags=re.M)):
        assert name.removeprefix("DONDOC_").lower() in fields, name


def test_readme_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "Triển khai / Deployment" in readme
    for field in Settings.model_fields:
        assert f"DONDOC_{field.upper()}" in readme, f"README: setting DONDOC_{field.upper()} is not documented"
    for command in ("docker-compose up -d", "--scale worker=3", "dondoc db upgrade"):
        assert command in readme


def test_dockerfile_installs_dondoc() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    assert "FROM python:3.11" in dockerfile and "pip install -c requirements.lock ." in dockerfile and "USER dondoc" in dockerfile
