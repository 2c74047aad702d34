"""The assistant's part of a person's data (core.privacy): what it answered them and what it
remembers of their conversations (an order they proved is theirs)."""

from typing import Any

from .models import Session, Turn


def export(customer_id: int) -> list[dict[str, Any]]:
    return [
        {"at": t.created_at.isoformat(), "intent": t.intent, "outcome": t.outcome, "answer": t.text}
        for t in Turn.objects.filter(conversation__customer_id=customer_id).order_by("id")
    ]


def erase(customer_id: int) -> int:
    changed = Turn.objects.filter(conversation__customer_id=customer_id).exclude(text="").update(text="")
    changed += Session.objects.filter(conversation__customer_id=customer_id).update(state={})
    return changed
