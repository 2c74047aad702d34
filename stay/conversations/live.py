"""New and changed messages pushed to whoever is watching, over Django Channels' layer.

Group ``conversation.<id>``: the shopper's chat widget (the agent console polls instead, see
ADR 0006). Pushed after commit, so a watcher never
sees a message that was rolled back; a push that fails is only logged: the page shows the
message on its next load."""

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

from stay.core.layers import InProcessLayer

from .models import AuthorKind, Direction, Message

log = logging.getLogger(__name__)


def conversation_group(conversation_id: int) -> str:
    return f"conversation.{conversation_id}"


def message_view(message: Message) -> dict[str, Any]:
    """What the shopper's chat widget shows of a message, in a push or in the history."""
    author = ""
    if message.direction == Direction.OUT and message.author_id and message.author is not None:
        author = message.author.first_name or message.author.get_username()
    return {
        "id": message.pk,
        "direction": message.direction,
        "author": author,
        # The shopper is told when a reply was written by the assistant, not a person.
        "bot": message.author_kind == AuthorKind.BOT,
        "text": message.text,
        # Short words for the links in the text ("Start your exchange"), and whether to offer
        # the shopper to continue by e-mail.
        "links": message.meta.get("links", []) if message.meta else [],
        # Buttons the assistant offers ("Where my refund is"): each sends its words.
        "choices": message.meta.get("choices", []) if message.meta else [],
        "offer_email": bool(message.meta and message.meta.get("offer_email")),
        "at": message.created_at.isoformat() if message.created_at else "",
    }


def message_changed(message: Message) -> None:
    conversation_id = message.conversation_id
    event = {
        "type": "message.changed",
        "message_id": message.pk,
        "conversation_id": message.conversation_id,
        "direction": message.direction,
        "delivery": message.delivery,
        # What a watcher shows, so that a push needs no read of the database.
        "message": message_view(message),
    }

    def push() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        group = conversation_group(conversation_id)
        if isinstance(layer, InProcessLayer):
            layer.push_soon(group, event)  # nobody watching in this process: nothing to do
            return
        if isinstance(layer, InMemoryChannelLayer) and not layer.groups:
            return  # nobody in this process is watching (a worker, the mail server): skip the hop
        try:
            async_to_sync(layer.group_send)(group, event)
        except Exception:
            log.exception("could not push message %s to watchers", event["message_id"])

    transaction.on_commit(push)
