"""Reads for outreach."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from stay.core.db import batched
from stay.customers.models import Customer

from .models import Outreach, Verdict


def recent_marketing(*, customer_ids: Iterable[int], since: datetime) -> dict[int, list[tuple[str, datetime]]]:
    """The marketing messages queued for each customer since ``since``: (channel, when), newest
    first (smart sending and the weekly cap count them)."""
    out: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    for ids in batched(customer_ids, 900):
        rows = (
            Outreach.objects.filter(customer_id__in=ids, verdict=Verdict.SENT, decided_at__gte=since)
            .order_by("customer_id", "-decided_at")
            .values_list("customer_id", "channel", "decided_at")
        )
        for customer_id, channel, when in rows:
            out[customer_id].append((channel, when))
    return out


def outreach_of(customer: Customer, *, limit: int = 8) -> list[Outreach]:
    """The latest decisions about marketing to this shopper, for the agent's side panel."""
    return list(
        Outreach.objects.filter(customer=customer)
        .select_related("flow", "message")
        .order_by("-decided_at", "-id")[:limit]
    )
