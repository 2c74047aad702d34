"""How a lower app sends a shopper a message without importing the inbox.

``giftcards`` and ``returns`` sit below ``conversations`` but must message a shopper (a gift
card on Christmas morning, a return label). They call :func:`notify`; the inbox registers the
one notifier in its ``AppConfig.ready()`` and files the notice as an outbound message, so it
is retried, shows in the customer's timeline, and a reply lands in the same conversation.

A notice may carry a secret (a gift card's code) that must not be stored in clear. Its text
then holds a masked stand-in, and ``fill`` names a *filler* (registered by the app that owns
the secret) that puts the real value back at the moment the message is handed to the channel.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import StayError


@dataclass(frozen=True)
class Notice:
    store_id: int
    customer_id: int
    channel: str  # email | whatsapp | sms
    subject: str
    text: str
    html: str = ""
    kind: str = ""  # what it is, e.g. "gift_card.delivery"; kept on the message
    fill: tuple[str, str] | None = None  # (filler name, reference) for a secret put back at send time
    # For WhatsApp outside the 24-hour window: the approved template and its parameters.
    template: dict[str, Any] | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    # A follow-up (a return's next step) goes into the conversation its first notice opened.
    conversation_id: int | None = None
    # "transactional" (an order, a return, a gift card: no consent needed) or "marketing":
    # marketing goes out only when the outreach gate allows it, checked again at send time.
    purpose: str = "transactional"
    # The address to use, one of the customer's identities (the number a shopper typed to be
    # sent a sign-in code); None: the channel's usual one.
    identity_id: int | None = None


class NotifyError(StayError):
    """The notice cannot go out on that channel (no address, no approved template)."""


Notifier = Callable[[Notice], int]
Filler = Callable[[str], dict[str, str]]
log = logging.getLogger(__name__)
_notifier: list[Notifier] = []
_fillers: dict[str, Filler] = {}


def register_notifier(notifier: Notifier) -> None:
    _notifier[:] = [notifier]


def notify(notice: Notice) -> int:
    """Queue ``notice`` in the caller's transaction; returns the message's id. Raises
    :class:`NotifyError` when it cannot be sent."""
    if not _notifier:
        raise NotifyError("no notifier is installed (the inbox app is missing)")
    return _notifier[0](notice)


def notify_if_possible(notice: Notice) -> int | None:
    """:func:`notify`, for a notice that may go unsent (the shopper has no address on that
    channel): the reason is logged and None returned, and the caller's work goes on."""
    try:
        return notify(notice)
    except NotifyError as exc:
        log.info("notice %s to customer %s not sent: %s", notice.kind, notice.customer_id, exc)
        return None


def register_filler(name: str, filler: Filler) -> None:
    """``filler(reference)`` returns ``{masked: real}`` replacements for that reference."""
    _fillers[name] = filler


def fill_secrets(fill: list[str] | tuple[str, str] | None, *texts: str) -> list[str]:
    """Put a notice's secrets back into ``texts`` (at send time, never stored)."""
    if not fill:
        return list(texts)
    name, reference = fill
    replacements = _fillers[name](reference) if name in _fillers else {}
    out = []
    for text in texts:
        for masked, real in replacements.items():
            text = text.replace(masked, real)
        out.append(text)
    return out
