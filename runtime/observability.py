"""Operations: structured logs, Prometheus metrics (dondoc's and the Temporal SDK's), health.

- :func:`configure_logging` — plain text by default, one JSON object per line with
  ``DONDOC_LOG_FORMAT=json`` (what log collectors in a cluster want).
- :func:`install_temporal_metrics` — with ``DONDOC_TEMPORAL_METRICS_ADDRESS`` set
  (``0.0.0.0:9464``), the Temporal SDK of this process serves its Prometheus metrics
  there; it must run before the first Temporal client connects.
- :func:`render_metrics` — the text ``/metrics`` serves (web/ops.py): the outbox read
  from the database (pending / sent / failed notifications per organisation, the age of
  the oldest pending one, so every web replica reports the same numbers whatever worker
  sent the mail), this process's dispatch counters, and, when this process also runs a
  worker (``dondoc up``), the SDK's metrics.
"""

from __future__ import annotations

import json
import logging
import sys
import urllib.request
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from domain.clock import as_utc
from persistence.models import Notification, NotificationStatus, Organisation

# -- logs ----------------------------------------------------------------------------------

_STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():  # `log.info("...", extra={"organisation": "xa-a"})`
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


CHATTY_LOGGERS = ("alembic", "apscheduler", "mail.log")


def configure_logging(settings, stream=None) -> logging.Handler:
    """Send dondoc's logs to stderr as text or JSON lines (settings.log_format, log_level)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_dondoc", False)]:
        root.removeHandler(old)  # calling twice does not double every line
    handler._dondoc = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    # uvicorn's loggers propagate to ours instead of printing in their own format.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    # Libraries that narrate every routine step at INFO (each SMTP connection, each
    # scheduler run, each migration plugin): their warnings still come through.
    chatty = logging.INFO if root.level <= logging.DEBUG else logging.WARNING
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(chatty)
    return handler


# -- Temporal SDK metrics --------------------------------------------------------------------


def install_temporal_metrics(settings) -> str | None:
    """Make this process's Temporal runtime serve Prometheus metrics; returns the address."""
    address = settings.temporal_metrics_address
    if not address:
        return None
    from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

    runtime = Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=address)))
    Runtime.set_default(runtime, error_if_already_set=False)
    return address


def _sdk_metrics(address: str) -> str:
    host, _, port = address.rpartition(":")
    if host in ("", "0.0.0.0", "::", "[::]"):
        host = "127.0.0.1"
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/metrics", timeout=2) as response:  # noqa: S310
            return response.read().decode("utf-8", "replace")
    except OSError:  # no worker in this process yet, or it stopped: dondoc's own metrics still count
        return ""


# -- dondoc's metrics ----------------------------------------------------------------------

DISPATCH_MAILS = Counter("dondoc_dispatch_mails", "Mails this process's dispatcher handled.", ["result"],
                         registry=None)
DISPATCH_NOTIFICATIONS = Counter("dondoc_dispatch_notifications", "Notifications this process's dispatcher handled.",
                                 ["result"], registry=None)


def record_dispatch(report) -> None:
    """Count one dispatch run (notifications.dispatch.DispatchReport) in this process's counters."""
    DISPATCH_MAILS.labels("sent").inc(report.mails_sent)
    DISPATCH_MAILS.labels("failed").inc(report.mails_failed)
    DISPATCH_NOTIFICATIONS.labels("sent").inc(report.rows_sent)
    DISPATCH_NOTIFICATIONS.labels("failed").inc(report.rows_failed)
    DISPATCH_NOTIFICATIONS.labels("given_up").inc(report.rows_given_up)
    DISPATCH_NOTIFICATIONS.labels("skipped").inc(report.rows_skipped)


class OutboxCollector:
    """Reads the outbox table at scrape time (one grouped query plus one for the oldest pending)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self):
        by_status = GaugeMetricFamily("dondoc_notifications", "Outbox rows by status and organisation.",
                                      labels=["organisation", "status"])
        oldest = GaugeMetricFamily("dondoc_outbox_oldest_pending_seconds",
                                   "Age of the oldest pending notification per organisation.", labels=["organisation"])
        up = GaugeMetricFamily("dondoc_database_up", "1 when the database answered the metrics query.")
        try:
            with Session(self.engine) as session:
                codes = dict(session.exec(select(Organisation.id, Organisation.code)).all())
                rows = session.exec(
                    select(Notification.organisation_id, Notification.status, func.count(col(Notification.id)))
                    .group_by(col(Notification.organisation_id), col(Notification.status))
                ).all()
                first = session.exec(
                    select(Notification.organisation_id, func.min(Notification.created_at))
                    .where(Notification.status == NotificationStatus.PENDING)
                    .group_by(col(Notification.organisation_id))
                ).all()
        except Exception:  # noqa: BLE001 - a scrape must not fail because the database is down
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        seen = set()
        for org_id, status, count in rows:
            code = codes.get(org_id, str(org_id))
            status = NotificationStatus(status).value
            seen.add((code, status))
            by_status.add_metric([code, status], count)
        for code in codes.values():  # explicit zeros: alerts on "pending > 0" need the series
            for status in NotificationStatus:
                if (code, status.value) not in seen:
                    by_status.add_metric([code, status.value], 0)
        now = datetime.now(UTC)
        for org_id, created in first:
            if (created := as_utc(created)) is not None:
                oldest.add_metric([codes.get(org_id, str(org_id))], max(0.0, (now - created).total_seconds()))
        yield up
        yield by_status
        yield oldest


def render_metrics(engine: Engine, settings) -> bytes:
    """The Prometheus text exposition of dondoc's metrics (and the SDK's, if served here)."""
    registry = CollectorRegistry()
    registry.register(OutboxCollector(engine))
    registry.register(DISPATCH_MAILS)
    registry.register(DISPATCH_NOTIFICATIONS)
    body = generate_latest(registry)
    if settings.temporal_metrics_address:
        sdk = _sdk_metrics(settings.temporal_metrics_address)
        if sdk:
            body += b"# Temporal SDK metrics of this process\n" + sdk.encode("utf-8")
    return body
