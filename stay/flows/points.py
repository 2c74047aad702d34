"""Loyalty points about to expire (issue 21): the warning a month before and the last chance a
week before are outreach like any other, so they pass the one gate (consent, quiet hours in
the shopper's zone, how often, the Korean and US rules) and stop when the shopper orders,
which keeps the points. Loyalty says when (``loyalty.points_expiring``); the store edits the
two built-in flows' texts in the admin."""

from stay.customers.models import Customer

from .engine import Enrol, enrol, flows_of
from .models import Trigger
from .services import best_channels, outreach_prepare


def on_points_expiring(customer_id: int, points: int, expires_at: str, last_chance: bool) -> int:
    """``loyalty.points_expiring`` (durable): enrol the shopper once per expiry date and stage."""
    customer = Customer.objects.select_related("store").filter(pk=customer_id).first()
    if customer is None:
        return 0
    outreach_prepare(store=customer.store)
    trigger = Trigger.POINTS_LAST if last_chance else Trigger.POINTS
    context = {"points": points, "expires_at": expires_at}
    if channel := best_channels([customer.pk]).get(customer.pk):
        context["channel"] = channel
    key = f"{trigger}:{customer.pk}:{expires_at[:10]}"
    return sum(
        enrol(flow=flow, people=[Enrol(customer.pk, key, context)]) for flow in flows_of(customer.store, trigger)
    )
