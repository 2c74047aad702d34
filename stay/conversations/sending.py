"""Sending is one interface: ``conversations`` declares it, each channel implements it.

A reply is a :class:`~stay.conversations.models.Message` row that stays ``queued`` until a
channel has taken it, so a worker killed mid-send loses nothing: the sweep finds the row and
sends it again. Each send carries the message's own key (``stay-<store>-<message id>``) so that
a channel that can recognise a repeat drops it: email puts it in the Message-ID header (the
receiving mail client shows one message per Message-ID) and web chat delivers it with the
message's id. WhatsApp and Twilio take no idempotency key, so a worker killed after the send
but before recording it means the shopper may get that message twice: at least once beats
never (docs/adr/0005-outbound-messages.md).
"""

import copy
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from stay.core.notify import fill_secrets
from stay.core.tasks import task
from stay.customers.services import customer_lock

from . import live
from .models import Conversation, Delivery, Message, Purpose

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


class SendError(Exception):
    """The channel did not take the message. ``retryable``: trying later may work."""

    def __init__(self, message: str, *, retryable: bool = True):
        super().__init__(message)
        self.retryable = retryable


@dataclass
class Sent:
    channel_message_id: str
    meta: dict[str, Any] = field(default_factory=dict)
    channel: str = ""  # set when it went out on another channel (a chat reply sent by email)


class Sender(Protocol):
    def refusal(self, conversation: Conversation, message: Message) -> str | None:
        """Why this message may not be sent now (a channel rule), or ``None``. Checked when the
        agent replies, so the agent is told at once."""

    def send(self, message: Message) -> Sent:
        """Hand the message to the channel. Raise :class:`SendError` when it is not taken."""


_senders: dict[str, Sender] = {}


def register_sender(channel: str, sender: Sender) -> None:
    _senders[channel] = sender


def sender_for(channel: str) -> Sender:
    try:
        return _senders[channel]
    except KeyError:
        raise SendError(f"no sender is installed for {channel}", retryable=False) from None


@dataclass(frozen=True)
class Hold:
    """Why a marketing message may not go now: ``until`` when to try again, or ``None`` when it
    must not go at all (the shopper opted out since it was queued)."""

    reason: str
    until: datetime | None = None


# The outreach gate (registered by flows, which sits above the inbox) decides every marketing
# message again at the moment it is sent: an opt-out or a quiet hour that began after it was
# queued holds it. Without a gate, marketing is never sent.
MarketingGate = Callable[[Message], Hold | None]
_gate: list[MarketingGate] = []


def register_marketing_gate(gate: MarketingGate) -> None:
    _gate[:] = [gate]


def _held(message: Message) -> Hold | None:
    if not _gate:
        return Hold("no outreach gate is installed")
    return _gate[0](message)


def idempotency_key(message: Message) -> str:
    return f"stay-{message.store_id}-{message.pk}"


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(5 * 3 ** (attempts - 1), 3600))


def message_deliver(*, message_id: int) -> Message:
    """Send a queued outbound message. Safe to run twice at once: only the worker that moves
    the row from ``queued`` to ``sending`` sends it."""
    now = timezone.now()
    claimed = Message.objects.filter(pk=message_id, delivery=Delivery.QUEUED).update(
        delivery=Delivery.SENDING, attempts=F("attempts") + 1, updated_at=now
    )
    message = Message.objects.select_related("conversation", "identity", "store").get(pk=message_id)
    if not claimed:
        return message
    if message.purpose != Purpose.MARKETING:
        return _send(message, now)
    # Marketing is decided again and sent under the customer's row lock, which an order's
    # arrival takes too: a reminder either leaves before the order is in, or sees it and stays.
    with transaction.atomic():
        customer_lock(customer_id=message.conversation.customer_id)
        if (hold := _held(message)) is not None:
            return _hold(message, hold)
        return _send(message, now)


def _send(message: Message, now: datetime) -> Message:
    try:
        sent = sender_for(message.channel).send(_with_secrets(message))
    except Exception as exc:  # a bug in a channel must not leave the row in 'sending'
        retryable = exc.retryable if isinstance(exc, SendError) else True
        message.last_error = str(exc) or exc.__class__.__name__
        if retryable and message.attempts < MAX_ATTEMPTS:
            message.delivery = Delivery.QUEUED
            message.next_attempt_at = now + _backoff(message.attempts)
        else:
            message.delivery = Delivery.FAILED
        log.warning("message %s via %s, attempt %s: %s", message.pk, message.channel, message.attempts, exc)
    else:
        message.delivery, message.last_error = Delivery.SENT, ""
        message.channel_message_id = sent.channel_message_id
        message.channel_timestamp = message.channel_timestamp or timezone.now()
        message.meta = {**message.meta, **sent.meta}
        message.channel = sent.channel or message.channel
    message.save(
        update_fields=[
            "delivery",
            "last_error",
            "next_attempt_at",
            "channel_message_id",
            "channel_timestamp",
            "meta",
            "channel",
            "identity",
            "updated_at",
        ]
    )
    if message.delivery == Delivery.QUEUED:
        deliver_message.schedule((message.pk,), delay=_backoff(message.attempts).total_seconds())
    live.message_changed(message)
    return message


def _hold(message: Message, hold: Hold) -> Message:
    """Not now (``hold.until``: queued again for then, the attempt not counted) or never."""
    message.attempts -= 1
    message.last_error = hold.reason
    if hold.until is None:
        message.delivery, message.next_attempt_at = Delivery.WITHHELD, None
    else:
        message.delivery, message.next_attempt_at = Delivery.QUEUED, hold.until
    message.save(update_fields=["delivery", "attempts", "last_error", "next_attempt_at", "updated_at"])
    if hold.until is not None:
        deliver_message.schedule((message.pk,), eta=hold.until)
    live.message_changed(message)
    return message


def _with_secrets(message: Message) -> Message:
    """The message as the channel must send it: a notice's masked secret (a gift card's code)
    put back in a copy, so the row itself never holds it."""
    fill = message.meta.get("fill")
    if not fill:
        return message
    outgoing = copy.copy(message)
    outgoing.text, outgoing.html, meta = fill_secrets(
        fill, message.text, message.html, json.dumps(message.meta, ensure_ascii=False)
    )
    outgoing.meta = json.loads(meta)
    return outgoing


def sweep_outbound(stale_before: datetime) -> int:
    """Send again what a dead worker dropped: rows left ``sending`` (the worker died in the
    middle) and rows left ``queued`` past their retry time (the job was lost)."""
    stuck = list(
        Message.objects.filter(delivery=Delivery.SENDING, updated_at__lt=stale_before).values_list("pk", flat=True)
    )
    if stuck:
        log.warning("messages %s were being sent when their worker stopped: sending them again", stuck)
        Message.objects.filter(pk__in=stuck, delivery=Delivery.SENDING).update(delivery=Delivery.QUEUED)
    waiting = list(
        Message.objects.filter(delivery=Delivery.QUEUED)
        .annotate(due=Coalesce("next_attempt_at", "updated_at"))
        .filter(due__lt=stale_before)
        .values_list("pk", flat=True)[:500]
    )
    for pk in dict.fromkeys([*stuck, *waiting]):
        deliver_message(pk)
    return len(stuck) + len(waiting)


@task(retries=0)
def deliver_message(message_id: int) -> str:
    return message_deliver(message_id=message_id).delivery


def oldest_unsent() -> datetime | None:
    """Since when the longest-waiting reply that is due has waited (None: none waits). A reply
    waiting out a backoff after a failed attempt is not late yet."""
    now = timezone.now()
    return (
        Message.objects.filter(delivery=Delivery.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("updated_at")
        .values_list("updated_at", flat=True)
        .first()
    )
