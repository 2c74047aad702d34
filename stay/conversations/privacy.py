"""The inbox's part of a person's data (core.privacy): their conversations and messages,
with attachments. Erased, a message keeps its place in the store's figures (when, which
channel, who answered) and loses what it said."""

from typing import Any

from stay.core.privacy import ERASED

from .models import Attachment, Conversation, Direction, Message


def export(customer_id: int) -> list[dict[str, Any]]:
    conversations = Conversation.objects.filter(customer_id=customer_id).order_by("created_at")
    return [
        {
            "channel": c.channel,
            "subject": c.subject,
            "status": c.status,
            "created_at": c.created_at.isoformat(),
            "messages": [
                {
                    "direction": m.direction,
                    "at": m.created_at.isoformat(),
                    "text": m.text,
                    "attachments": [a.filename for a in m.attachments.all()],
                }
                for m in c.messages.exclude(direction=Direction.NOTE).prefetch_related("attachments").order_by("id")
            ],
        }
        for c in conversations
    ]


def erase(customer_id: int) -> int:
    messages = Message.objects.filter(conversation__customer_id=customer_id)
    changed = 0
    for attachment in Attachment.objects.filter(message__in=messages):
        attachment.file.delete(save=False)
        attachment.delete()
        changed += 1
    changed += messages.update(text=ERASED, html="", original="")
    changed += Conversation.objects.filter(customer_id=customer_id).update(subject="", preview="")
    return changed
