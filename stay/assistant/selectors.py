"""What the assistant handles and where it fails, for the merchant."""

from datetime import datetime
from typing import Any

from django.db.models import Avg, Count, Q

from stay.conversations.models import Direction, Message
from stay.core.models import Store

from .models import Outcome, Turn


def report(*, store: Store, since: datetime, until: datetime) -> dict[str, Any]:
    """Per intent: messages, share answered without a person, handovers, mean confidence;
    with the reasons for handing over."""
    turns = Turn.objects.filter(store=store, created_at__gte=since, created_at__lt=until).exclude(
        outcome=Outcome.SUGGESTED
    )
    alone = Q(outcome__in=[Outcome.ANSWERED, Outcome.ACTED, Outcome.ASKED])
    rows = (
        turns.values("intent")
        .annotate(
            messages=Count("id"),
            alone=Count("id", filter=alone),
            handed_off=Count("id", filter=Q(outcome=Outcome.HANDED_OFF)),
            confidence=Avg("confidence"),
        )
        .order_by("-messages", "intent")
    )
    total = turns.count()
    handled = turns.filter(alone).count()
    return {
        "since": since,
        "until": until,
        "messages": total,
        "answered_without_a_person": round(handled / total, 4) if total else None,
        "suggestions": Turn.objects.filter(
            store=store, created_at__gte=since, created_at__lt=until, outcome=Outcome.SUGGESTED
        ).count(),
        "handoff_reasons": dict(
            turns.filter(outcome=Outcome.HANDED_OFF)
            .values_list("handoff_reason")
            .annotate(n=Count("id"))
            .order_by("-n")
        ),
        "intents": [
            {
                "intent": r["intent"],
                "messages": r["messages"],
                "answered_without_a_person": round(r["alone"] / r["messages"], 4),
                "handed_off": r["handed_off"],
                "mean_confidence": round(r["confidence"] or 0, 4),
            }
            for r in rows
        ],
    }


def suggestion_for(conversation_id: int) -> Turn | None:
    """The latest reply the assistant suggested in a conversation, if nobody answered since."""
    turn = Turn.objects.filter(conversation_id=conversation_id, outcome=Outcome.SUGGESTED).order_by("-id").first()
    if turn is None or not turn.text:
        return None
    answered = Message.objects.filter(
        conversation_id=conversation_id, direction=Direction.OUT, created_at__gt=turn.created_at
    ).exists()
    return None if answered else turn
