"""The chat widget's part of a person's data (core.privacy): the browsers they chatted from."""

from typing import Any

from .models import Visitor


def export(customer_id: int) -> list[dict[str, Any]]:
    return [
        {"since": v.created_at.isoformat(), "last_seen": v.last_seen_at.isoformat() if v.last_seen_at else None}
        for v in Visitor.objects.filter(customer_id=customer_id).order_by("id")
    ]


def erase(customer_id: int) -> int:
    return Visitor.objects.filter(customer_id=customer_id).delete()[0]
