"""The embedded mail catcher: a local SMTP server (aiosmtpd) that keeps every mail as a file.

With no SMTP host configured, ``dondoc up`` runs it so a new user sees what dondoc
would send; ``dondoc mail list`` / ``dondoc mail show ID`` read the files back.
Mails are stored as ``data_dir/mail/<id>.eml``, written atomically (temporary file,
then rename), so a reader never sees half a mail.
"""

from __future__ import annotations

import contextlib
import os
import socket
import tempfile
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from settings import Settings

PORT_FILE = ".catcher-port"  # the port the running catcher listens on (it may differ from settings)


def mail_dir(settings: Settings) -> Path:
    """Where the catcher keeps its mails."""
    return Path(settings.data_dir) / "mail"


def catcher_address(settings: Settings) -> tuple[str, int]:
    """Host and port of the catcher: the running one's recorded port, else the configured one."""
    port = settings.catcher_port
    with contextlib.suppress(OSError, ValueError):
        port = int((mail_dir(settings) / PORT_FILE).read_text().strip())
    return settings.catcher_host, port


def store_mail(directory: Path, content: bytes, *, mail_from: str = "", rcpt_tos: list[str] | None = None,
               received: datetime | None = None) -> Path:
    """Write one mail as ``<id>.eml`` atomically; returns its path.

    The envelope goes into ``Return-Path`` / ``X-Original-To`` headers in front of the
    message, as a delivering mail server would add them.
    """
    directory.mkdir(parents=True, exist_ok=True)
    received = received or datetime.now(UTC)
    mail_id = f"{received:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
    envelope = f"Return-Path: <{mail_from}>\r\nX-Original-To: {', '.join(rcpt_tos or [])}\r\n".encode()
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".incoming-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            # No fsync: this is a demo mailbox; the rename still makes each file whole.
            handle.write(envelope + content)
        final = directory / f"{mail_id}.eml"
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return final


class MailboxHandler:
    """aiosmtpd handler: accept every mail and store it in ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.count = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd API)
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        try:
            store_mail(self.directory, content, mail_from=envelope.mail_from or "", rcpt_tos=list(envelope.rcpt_tos))
        except OSError as error:
            return f"451 4.3.0 Không lưu được thư: {error.strerror or error}"
        with self._lock:
            self.count += 1
        return "250 2.0.0 OK: đã lưu thư"


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


@dataclass
class Catcher:
    """A running catcher; ``stop()`` shuts it down."""

    controller: Controller
    handler: MailboxHandler
    host: str
    port: int
    directory: Path

    def stop(self) -> None:
        """Stop listening and forget the recorded port."""
        with contextlib.suppress(Exception):
            self.controller.stop()
        port_file = self.directory / PORT_FILE
        with contextlib.suppress(OSError, ValueError):
            if int(port_file.read_text().strip()) == self.port:
                port_file.unlink()


def start_catcher(settings: Settings) -> Catcher:
    """Start the local SMTP catcher on ``catcher_host:catcher_port`` (or a free port if taken).

    The port in use is recorded in the mail folder so that the dispatcher delivers there.
    """
    directory = mail_dir(settings)
    directory.mkdir(parents=True, exist_ok=True)
    host = settings.catcher_host
    port = settings.catcher_port if settings.catcher_port and _port_free(host, settings.catcher_port) else free_port(host)
    handler = MailboxHandler(directory)
    controller = Controller(handler, hostname=host, port=port, server_hostname="localhost",
                            data_size_limit=20 * 1024 * 1024)
    controller.start()
    (directory / PORT_FILE).write_text(str(port))
    return Catcher(controller=controller, handler=handler, host=host, port=port, directory=directory)


# -- reading the stored mails (dondoc mail list/show) -------------------------------------


@dataclass
class StoredMail:
    """One mail file, parsed."""

    id: str
    path: Path
    message: EmailMessage

    @property
    def received(self) -> datetime:
        return datetime.strptime(self.id[:15], "%Y%m%d-%H%M%S").replace(tzinfo=UTC)

    def header(self, name: str) -> str:
        value = self.message.get(name)
        return "" if value is None else str(value)

    def text(self) -> str:
        """The plain-text part (else the HTML part as it is)."""
        part = self.message.get_body(preferencelist=("plain", "html"))
        return part.get_content() if part is not None else ""


def read_mail(path: Path) -> StoredMail:
    message = message_from_bytes(path.read_bytes(), policy=default_policy)
    return StoredMail(id=path.stem, path=path, message=message)  # type: ignore[arg-type]


def list_mails(directory: Path) -> list[StoredMail]:
    """Every stored mail, oldest first."""
    if not directory.is_dir():
        return []
    return [read_mail(p) for p in sorted(directory.glob("*.eml")) if not p.name.startswith(".")]


def find_mail(directory: Path, mail_id: str) -> StoredMail | None:
    """The mail with this id, or the only one whose id starts (or ends) with it."""
    mail_id = mail_id.strip().removesuffix(".eml")
    exact = directory / f"{mail_id}.eml"
    if mail_id and exact.is_file():
        return read_mail(exact)
    matches = [p for p in sorted(directory.glob("*.eml"))
               if mail_id and (p.stem.startswith(mail_id) or p.stem.endswith(mail_id))]
    return read_mail(matches[0]) if len(matches) == 1 else None
