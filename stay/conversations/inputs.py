"""What a channel hands the inbox for one inbound message, already parsed."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class AttachmentInput:
    filename: str
    content_type: str
    content: bytes
    content_id: str = ""


@dataclass(frozen=True)
class InboundMessage:
    channel: str
    sender_kind: str  # an IdentityKind: email, phone, whatsapp, chat
    sender: str
    text: str
    sender_name: str = ""
    sender_verified: bool = False
    html: str = ""
    original: str = ""
    subject: str = ""
    channel_message_id: str = ""
    channel_timestamp: datetime | None = None
    attachments: tuple[AttachmentInput, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)
    locale: str = ""
