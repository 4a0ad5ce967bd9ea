"""Sending mail with aiosmtplib: one connection per batch, failures sorted into kinds.

The dispatcher needs to know, for each message, whether a failure is *permanent*
(the server said 5xx: retrying the same message will not help much) or *transient*
(4xx, timeout, refused or dropped connection: try again later), and whether the
connection is gone (the rest of the batch needs a new one).
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from types import TracebackType

import aiosmtplib

from settings import Settings


@dataclass(frozen=True)
class SmtpTarget:
    """Where and how to deliver: host, port, TLS mode and credentials."""

    host: str
    port: int
    starttls: bool = False
    ssl: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    # Name said in EHLO; set so that aiosmtplib does not look up this host's FQDN
    # (a slow DNS query on machines without a resolver).
    local_hostname: str = "localhost"

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpTarget:
        """The configured SMTP server, or the local catcher when no SMTP host is set."""
        helo = settings.smtp_sender.rpartition("@")[2] or "localhost"
        if settings.smtp_host:
            return cls(
                host=settings.smtp_host, port=settings.smtp_port, starttls=settings.smtp_starttls,
                ssl=settings.smtp_ssl, username=settings.smtp_username or None,
                password=settings.smtp_password or None, timeout=settings.smtp_timeout,
                local_hostname=helo,
            )
        from notifications.catcher import catcher_address

        host, port = catcher_address(settings)
        return cls(host=host, port=port, timeout=settings.smtp_timeout, local_hostname=helo)


class SendError(Exception):
    """A message was not accepted.

    Attributes:
        permanent: the server refused it with a 5xx code.
        connection_lost: the connection cannot be used for the next message.
    """

    def __init__(self, message: str, *, permanent: bool = False, connection_lost: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.connection_lost = connection_lost


def _describe(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return f"{type(error).__name__}: {text}"[:500]


def classify(error: BaseException) -> SendError:
    """Turn an aiosmtplib/OS error into a SendError with its kind."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        codes = [e.code for e in error.recipients]
        return SendError(_describe(error), permanent=bool(codes) and all(500 <= c < 600 for c in codes))
    if isinstance(error, (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPConnectError,
                          aiosmtplib.SMTPTimeoutError, aiosmtplib.SMTPConnectTimeoutError)):
        return SendError(_describe(error), connection_lost=True)
    if isinstance(error, aiosmtplib.SMTPResponseException):
        # 421 means the server is closing the connection.
        return SendError(_describe(error), permanent=500 <= error.code < 600, connection_lost=error.code == 421)
    if isinstance(error, (OSError, TimeoutError)):
        return SendError(_describe(error), connection_lost=True)
    return SendError(_describe(error), connection_lost=True)


class SmtpBatch:
    """An SMTP connection reused for a batch of messages (``async with``).

    A dropped connection is reopened once, at the next message.
    """

    def __init__(self, target: SmtpTarget) -> None:
        self.target = target
        self._client: aiosmtplib.SMTP | None = None

    def _new_client(self) -> aiosmtplib.SMTP:
        t = self.target
        return aiosmtplib.SMTP(
            hostname=t.host, port=t.port, use_tls=t.ssl, start_tls=t.starttls,
            username=t.username, password=t.password, timeout=t.timeout, local_hostname=t.local_hostname,
        )

    async def connect(self) -> None:
        """Open (or reopen) the connection.

        Raises:
            SendError: the server cannot be reached or refused the session/login.
        """
        await self.close()
        client = self._new_client()
        try:
            await client.connect()
        except Exception as error:  # noqa: BLE001 - every failure becomes a retry
            raise classify(error) from error
        self._client = client

    async def send(self, message: EmailMessage | bytes, sender: str, recipients: list[str]) -> None:
        """Send one message (or its bytes) to exactly ``recipients`` (headers never add any).

        Raises:
            SendError: the message was not accepted.
        """
        if self._client is None or not self._client.is_connected:
            await self.connect()
        assert self._client is not None
        try:
            if isinstance(message, bytes):
                await self._client.sendmail(sender, recipients, message)
            else:
                await self._client.send_message(message, sender=sender, recipients=recipients)
        except Exception as error:  # noqa: BLE001
            failure = classify(error)
            if failure.connection_lost:
                await self.close()
            raise failure from error

    async def close(self) -> None:
        """Say QUIT if possible; never raises."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            if client.is_connected:
                await client.quit()
        except Exception:  # noqa: BLE001 - the server may already be gone
            client.close()

    async def __aenter__(self) -> SmtpBatch:
        await self.connect()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()
