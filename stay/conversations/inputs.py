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

    def __post_init__(self) -> None:
        # A NUL character from a shopper's SMS or chat is dropped: PostgreSQL's text cannot
        # hold one, and it carries nothing a person reads.
        for name in ("sender", "text", "sender_name", "subject", "channel_message_id"):
            value = getattr(self, name)
            if "\x00" in value:
                object.__setattr__(self, name, value.replace("\x00", ""))
