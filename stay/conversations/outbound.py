"""Many outbound messages at once: a restock alert to a hundred thousand shoppers, a campaign.

:func:`outbound_queue` files each message as :func:`~stay.conversations.services.message_send`
would (a queued row in the customer's timeline, sent after commit and retried by the sweep),
but with a handful of statements per batch instead of several per message, and starts delivery
in jobs of up to ``DELIVERY_BATCH`` messages. Callers decide first whether each message may go
at all (the outreach gate, for marketing).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from stay.core.db import batched, update_each
from stay.core.tasks import enqueue_on_commit, task
from stay.customers.models import Identity
from stay.customers.selectors import contacts_of

from .models import AuthorKind, Channel, Conversation, ConversationEvent, Delivery, Direction, Message, Purpose, Status
from .sending import message_deliver
from .services import CHANNEL_IDENTITY

DELIVERY_BATCH = 200


@dataclass(frozen=True)
class Outbound:
    customer_id: int
    channel: str
    subject: str
    text: str
    html: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    # The conversation to file it in (a shopper's outreach thread); a new resolved one if None.
    conversation_id: int | None = None


@dataclass(frozen=True)
class Queued:
    conversation_id: int
    message_id: int


def outbound_queue(*, store_id: int, items: Sequence[Outbound], purpose: str) -> list[Queued | None]:
    """Queue ``items`` in the caller's transaction; per item what was queued, or ``None`` when
    the customer has no address for the item's channel."""
    now = timezone.now()
    addresses: dict[str, dict[int, Identity]] = {}
    for channel in {item.channel for item in items}:
        addresses[channel] = contacts_of(
            customer_ids={item.customer_id for item in items if item.channel == channel},
            kinds=[str(kind) for kind in CHANNEL_IDENTITY[Channel(channel)]],
        )
    sendable = [item for item in items if item.customer_id in addresses[item.channel]]
    new = [item for item in sendable if item.conversation_id is None]
    created = Conversation.objects.bulk_create(
        Conversation(
            store_id=store_id,
            customer_id=item.customer_id,
            channel=item.channel,
            subject=item.subject[:300],
            status=Status.RESOLVED,
            resolved_at=now,
            last_message_at=now,
            preview=item.subject[:200],
        )
        for item in new
    )
    ConversationEvent.objects.bulk_create(
        ConversationEvent(conversation=conversation, kind="created", actor="system", data={"outreach": True})
        for conversation in created
    )
    conversation_of = {id(item): conversation.pk for item, conversation in zip(new, created, strict=True)}
    messages = Message.objects.bulk_create(
        Message(
            store_id=store_id,
            conversation_id=item.conversation_id or conversation_of[id(item)],
            channel=item.channel,
            direction=Direction.OUT,
            author_kind=AuthorKind.SYSTEM,
            identity=addresses[item.channel][item.customer_id],
            text=item.text,
            html=item.html,
            delivery=Delivery.QUEUED,
            purpose=purpose,
            meta=item.meta,
        )
        for item in sendable
    )
    update_each(
        Conversation,
        {
            item.conversation_id: {"last_message_at": now, "preview": item.subject[:200], "updated_at": now}
            for item in sendable
            if item.conversation_id is not None
        },
    )
    queued = {
        id(item): Queued(message.conversation_id, message.pk) for item, message in zip(sendable, messages, strict=True)
    }
    for ids in batched([message.pk for message in messages], DELIVERY_BATCH):
        enqueue_on_commit(deliver_messages, ids)
    return [queued.get(id(item)) for item in items]


@task(retries=0)
def deliver_messages(message_ids: list[int]) -> int:
    """Send a batch of queued messages, one after another (each claims its own row, as a
    single ``deliver_message`` job would)."""
    for message_id in message_ids:
        message_deliver(message_id=message_id)
    return len(message_ids)


__all__ = ["Outbound", "Purpose", "Queued", "outbound_queue"]
