"""What a delivery channel is: the small protocol the dispatcher drives.

The outbox (notifications/outbox.py) decides which rows go, when, grouped how, and keeps
their state; a channel only turns one :class:`~notifications.outbox.Bundle` into its
own payload (:meth:`Channel.prepare`) and delivers a batch of them
(:meth:`Channel.deliver`). E-mail is :class:`notifications.email_channel.EmailChannel`;
an SMS or Zalo channel is another class with the same five members, beside it.
Modelled on Netflix dispatch's plugin bases (``dispatch/plugins/bases/email.py``:
a ``type`` and ``send(items)``).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from sqlmodel import Session

if TYPE_CHECKING:
    from notifications.outbox import Bundle, OrgClock


@dataclass
class Outgoing:
    """One message of a run, ready for its channel: the rows it delivers and the payload.

    ``message_id`` is the channel's id of the message and the claim token stored on the
    rows: a resend after a crash reuses it, so receivers can de-duplicate.
    """

    row_ids: list[int]
    message_id: str
    recipient: str
    payload: Any = None  # what the channel delivers (for e-mail: the message bytes)
    prepare_error: str | None = None  # the channel could not build it: the rows fail permanently


@dataclass(frozen=True)
class Result:
    """What became of one message handed to :meth:`Channel.deliver`.

    Attributes:
        error: None when delivered; else why not (kept on the rows).
        permanent: the receiver refused it for good; retrying will not help much.
        channel_down: the channel cannot deliver anything more in this run (the message
            was not delivered; neither will the rest be).
    """

    error: str | None = None
    permanent: bool = False
    channel_down: bool = False

    @property
    def delivered(self) -> bool:
        return self.error is None


DELIVERED = Result()


class ChannelUnavailable(Exception):
    """The channel cannot be opened (server down, login refused): the run retries later."""


@runtime_checkable
class Channel(Protocol):
    """A way to deliver outbox rows to people (e-mail, SMS, Zalo ...)."""

    name: str  # "email", "sms": for logs

    def new_message_id(self) -> str:
        """A fresh id for a message never claimed before (unique, stored on its rows)."""
        ...

    def prepare(self, session: Session, bundle: Bundle, org: OrgClock, message_id: str,
                now: datetime) -> Any:
        """Render one bundle into this channel's payload (may read the database).

        Raises:
            Exception: the bundle cannot be rendered; its rows fail permanently.
        """
        ...

    async def open(self) -> None:
        """Get ready to deliver (connect, log in).

        Raises:
            ChannelUnavailable: nothing can be delivered now.
        """
        ...

    def deliver(self, batch: Sequence[Outgoing]) -> AsyncGenerator[Result, None]:
        """Deliver ``batch`` in order, yielding one :class:`Result` per message as it goes.

        The dispatcher marks rows between results and may stop consuming (its lease is
        running out): a message not yet reached must then not be delivered. Only
        failures of a message become a Result; anything else (a crash) propagates.
        """
        ...

    async def close(self) -> None:
        """Release what :meth:`open` took; never raises."""
        ...
