"""/healthz, /metrics (outbox gauges and the Temporal SDK's Prometheus metrics), JSON logs."""

from __future__ import annotations

import io
import json
import logging
import socket
import uuid
import warnings
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from temporalio import workflow

from persistence.db import create_schema, make_engine, session_scope
from persistence.models import Notification, NotificationStatus, Organisation, utcnow
from runtime.observability import CHATTY_LOGGERS, JsonFormatter, configure_logging, record_dispatch, render_metrics
from settings import Settings

warnings.filterwarnings("ignore", message=".*httpx2.*")
from fastapi.testclient import TestClient  # noqa: E402


@workflow.defn(name="OpsProbe", sandboxed=False)
class OpsProbe:
    """The smallest workflow: enough for the SDK to record metrics."""

    @workflow.run
    async def run(self) -> str:
        return "ok"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def ops(tmp_path: Path, db_url: str):
    from web.app import create_app

    settings = Settings(data_dir=tmp_path, database_url=db_url)
    engine = make_engine(db_url)
    create_schema(engine)
    with session_scope(engine) as session:
        a, b = Organisation(code="xa-a", name="UBND xã A"), Organisation(code="xa-b", name="UBND xã B")
        session.add_all([a, b])
        session.flush()
        old = utcnow() - timedelta(hours=2)
        for i, (org, status) in enumerate([(a, NotificationStatus.PENDING), (a, NotificationStatus.PENDING),
                                           (a, NotificationStatus.SENT), (b, NotificationStatus.FAILED)]):
            session.add(Notification(organisation_id=org.id, idempotency_key=f"k{i}", recipient_email="x@a.example",
                                     kind="reminder", status=status, created_at=old))
    client = TestClient(create_app(settings, engine, None), base_url="http://127.0.0.1")
    yield settings, engine, client
    engine.dispose()


def _samples(body: str) -> dict[str, float]:
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
            for line in body.splitlines() if line and not line.startswith("#")}


def test_healthz_reports_database_and_schema(ops) -> None:
    _, engine, client = ops
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["ok"] is True and response.json()["schema"]
    with engine.begin() as connection:  # the schema falls behind (e.g. a new version was deployed)
        connection.execute(text("DELETE FROM alembic_version"))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "dondoc db upgrade" in response.json()["detail"]


def test_healthz_when_the_database_is_unreachable(tmp_path: Path) -> None:
    from web.app import create_app

    # A PostgreSQL URL nobody listens on: the check fails fast with 503, never hangs or 500s.
    url = f"postgresql+psycopg://nobody@127.0.0.1:{_free_port()}/none?connect_timeout=2"
    client = TestClient(create_app(Settings(data_dir=tmp_path), make_engine(url), None), base_url="http://127.0.0.1")
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["database"] == "unreachable"


def test_metrics_expose_the_outbox_per_organisation(ops) -> None:
    _, _, client = ops
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    samples = _samples(response.text)
    assert samples['dondoc_notifications{organisation="xa-a",status="pending"}'] == 2
    assert samples['dondoc_notifications{organisation="xa-a",status="sent"}'] == 1
    assert samples['dondoc_notifications{organisation="xa-a",status="failed"}'] == 0
    assert samples['dondoc_notifications{organisation="xa-b",status="failed"}'] == 1
    assert samples["dondoc_database_up"] == 1
    assert 7000 < samples['dondoc_outbox_oldest_pending_seconds{organisation="xa-a"}'] < 7400


def test_dispatch_counters(ops) -> None:
    settings, engine, _ = ops
    from types import SimpleNamespace

    skipped = 'dondoc_dispatch_notifications_total{result="skipped"}'
    before = _samples(render_metrics(engine, settings).decode())
    record_dispatch(SimpleNamespace(mails_sent=3, mails_failed=1, rows_sent=5, rows_failed=2, rows_given_up=0,
                                    rows_skipped=4))
    after = _samples(render_metrics(engine, settings).decode())
    assert after['dondoc_dispatch_mails_total{result="sent"}'] == before.get('dondoc_dispatch_mails_total{result="sent"}', 0) + 3
    assert after[skipped] == before.get(skipped, 0) + 4


async def test_metrics_include_the_temporal_sdk_metrics(ops) -> None:
    """A worker whose runtime serves Prometheus: its SDK metrics appear on the app's /metrics."""
    from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
    from temporalio.testing import WorkflowEnvironment
    from temporalio.worker import Worker

    from runtime.devserver import find_binary

    settings, engine, _ = ops
    address = f"127.0.0.1:{_free_port()}"
    runtime = Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=address)))

    async with await WorkflowEnvironment.start_time_skipping(
        runtime=runtime, test_server_existing_path=str(find_binary("temporal-test-server"))
    ) as env:
        queue = f"ops-{uuid.uuid4()}"
        async with Worker(env.client, task_queue=queue, workflows=[OpsProbe]):
            assert await env.client.execute_workflow("OpsProbe", id=queue, task_queue=queue) == "ok"
        body = render_metrics(engine, settings.model_copy(update={"temporal_metrics_address": address})).decode()
    assert "dondoc_notifications" in body
    assert "temporal_workflow_completed" in body or "temporal_request" in body, body[-2000:]


def test_json_log_lines(tmp_path: Path) -> None:
    stream = io.StringIO()
    handler = configure_logging(Settings(data_dir=tmp_path, log_format="json"), stream)
    try:
        logging.getLogger("dondoc.test").warning("Đã gửi %d thư", 3, extra={"organisation": "xa-a"})
        line = json.loads(stream.getvalue().splitlines()[-1])
    finally:
        logging.getLogger().removeHandler(handler)
    assert line["message"] == "Đã gửi 3 thư" and line["level"] == "warning"
    assert line["organisation"] == "xa-a" and line["logger"] == "dondoc.test" and line["time"].endswith("+00:00")
    assert isinstance(JsonFormatter(), logging.Formatter)


def test_chatty_libraries_log_warnings_only_unless_debugging(tmp_path: Path) -> None:
    stream = io.StringIO()
    configure_logging(Settings(data_dir=tmp_path, log_level="INFO"), stream)
    try:
        logging.getLogger("apscheduler.executors.default").info("Running job")
        logging.getLogger("mail.log").warning("client refused")
        logging.getLogger("dondoc.test").info("Đã nạp kế hoạch")
        assert "Running job" not in stream.getvalue()
        assert "client refused" in stream.getvalue() and "Đã nạp kế hoạch" in stream.getvalue()
        configure_logging(Settings(data_dir=tmp_path, log_level="DEBUG"), stream)
        logging.getLogger("apscheduler.executors.default").info("Running job")
        assert "Running job" in stream.getvalue()
    finally:
        for h in [h for h in logging.getLogger().handlers if getattr(h, "_dondoc", False)]:
            logging.getLogger().removeHandler(h)
        logging.getLogger().setLevel(logging.WARNING)
        for name in CHATTY_LOGGERS:
            logging.getLogger(name).setLevel(logging.NOTSET)
