"""The one settings object of dondoc, read from the environment (prefix ``DONDOC_``).

``DATABASE_URL`` and ``TEMPORAL_ADDRESS`` are also accepted without the prefix because
that is how operators and docker-compose files usually spell them.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration; entry points build it once and pass it down."""

    model_config = SettingsConfigDict(env_prefix="DONDOC_", env_file=".env", extra="ignore")

    data_dir: Path = Path("data")
    # Signs the dashboard's session cookies. Unset: a random key kept in data_dir/secret_key
    # (fine on one machine; several web replicas must share one DONDOC_SECRET_KEY).
    secret_key: SecretStr | None = None
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DONDOC_DATABASE_URL", "DATABASE_URL")
    )
    temporal_address: str | None = Field(
        default=None, validation_alias=AliasChoices("DONDOC_TEMPORAL_ADDRESS", "TEMPORAL_ADDRESS")
    )
    temporal_namespace: str = "default"
    task_queue: str = "dondoc-tasks"
    timezone: str = "Asia/Ho_Chi_Minh"

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_sender: str = "dondoc@localhost"
    smtp_timeout: float = 30.0  # seconds per SMTP command

    # Outbox dispatcher (notifications/): when and how mail goes out.
    notify_interval_seconds: int = 60  # how often the dispatcher looks at the outbox
    notify_work_start: str = "07:30"  # local working hours in the organisation's timezone
    notify_work_end: str = "17:00"
    notify_digest_time: str = "08:30"  # daily digests (and the leaders' digest) go out after this
    notify_leader_digest: bool = True  # escalations to the (vice-)chairman: one daily digest
    notify_retry_base_seconds: int = 60  # first backoff after an SMTP failure, doubled each time
    notify_retry_max_seconds: int = 3600
    notify_max_attempts: int = 8  # only for permanent (5xx) refusals; transient ones retry forever
    notify_batch_limit: int = 5000  # outbox rows looked at per dispatch run

    # Local SMTP catcher (used when smtp_host is not set): mails land in data_dir/mail.
    catcher_host: str = "127.0.0.1"
    catcher_port: int = 8025

    # Operations (runtime/observability.py, web/ops.py).
    log_format: str = "text"  # "json": one JSON object per line
    log_level: str = "INFO"
    temporal_metrics_address: str | None = None  # "0.0.0.0:9464": the Temporal SDK's Prometheus endpoint

    web_host: str = "127.0.0.1"
    web_port: int = 8000
    base_url: str = "http://127.0.0.1:8000"

    # Dashboard sessions and login (web/auth.py).
    session_hours: float = 8.0  # absolute lifetime of a login
    session_idle_minutes: int = 120  # a login unused this long ends
    login_max_failures: int = 5  # failed logins of one account before it is locked a while
    login_max_failures_per_address: int = 20  # failed logins from one client address before it is locked
    login_lock_seconds: int = 60  # first lock; doubled at each further failure, up to 15 minutes

    @property
    def effective_database_url(self) -> str:
        """The SQLAlchemy URL: DATABASE_URL if set, else a SQLite file in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'dondoc.db').resolve()}"
