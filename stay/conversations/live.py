"""New and changed messages pushed to whoever is watching, over Django Channels' layer.

Group ``conversation.<id>``: the shopper's chat widget (the agent console polls instead, see
ADR 0006). Pushed after commit, so a watcher never
sees a message that was rolled back; a push that fails is only logged: the page shows the
message on its next load."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

from .models import Message

log = logging.getLogger(__name__)


def conversation_group(conversation_id: int) -> str:
    return f"conversation.{conversation_id}"


def message_changed(message: Message) -> None:
    conversation_id = message.conversation_id
    author = message.author if message.author_id else None
    event = {
        "type": "message.changed",
        "message_id": message.pk,
        "conversation_id": message.conversation_id,
        "direction": message.direction,
        "delivery": message.delivery,
        # What a watcher shows, so that a push needs no read of the database.
        "message": {
            "id": message.pk,
            "direction": message.direction,
            "author": (author.first_name or author.get_username()) if author is not None else "",
            "text": message.text,
            "at": message.created_at.isoformat() if message.created_at else "",
        },
    }

    def push() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        if isinstance(layer, InMemoryChannelLayer) and not layer.groups:
            return  # nobody in this process is watching (a worker, the mail server): skip the hop
        try:
            async_to_sync(layer.group_send)(conversation_group(conversation_id), event)
        except Exception:
            log.exception("could not push message %s to watchers", event["message_id"])

    transaction.on_commit(push)
