"""The mail channel's part of a person's data (core.privacy): the mails as they arrived."""

from typing import Any

from .models import InboundEmail


def export(customer_id: int) -> list[dict[str, Any]]:
    mails = InboundEmail.objects.filter(message__conversation__customer_id=customer_id).order_by("id")
    return [{"from": m.sender, "subject": m.subject, "received_at": m.received_at.isoformat()} for m in mails]


def erase(customer_id: int) -> int:
    return InboundEmail.objects.filter(message__conversation__customer_id=customer_id).update(
        raw=b"", sender="", subject=""
    )
