"""The gift cards' part of a person's data (core.privacy): who a card was for and what its
message said. The ledger stays whole: it is the store's accounts."""

from typing import Any

from django.db.models import Q

from .models import GiftCard, GiftCardEvent


def _cards(customer_id: int) -> Any:
    return GiftCard.objects.filter(Q(customer_id=customer_id) | Q(buyer_id=customer_id))


def export(customer_id: int) -> list[dict[str, Any]]:
    return [
        {
            "kind": c.kind,
            "last4": c.last4,
            "currency": c.currency,
            "balance": str(c.balance),
            "status": c.status,
            "recipient_name": c.recipient_name,
            "recipient_email": c.recipient_email,
            "recipient_phone": c.recipient_phone,
            "message": c.message,
            "bought_by_this_customer": c.buyer_id == customer_id,
        }
        for c in _cards(customer_id).order_by("id")
    ]


def erase(customer_id: int) -> int:
    cards = _cards(customer_id)
    changed = GiftCardEvent.objects.filter(card__in=cards).exclude(client="").update(client="")
    changed += cards.update(recipient_name="", recipient_email="", recipient_phone="", message="")
    return changed
