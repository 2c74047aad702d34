"""The connector's part of a person's data (core.privacy): the raw webhook bodies kept for
dedupe and audit (30 days) that mention them. Erased, a delivery keeps its id and outcome
(a redelivery is still recognised) and loses its body."""

from typing import Any

from django.db.models import Q

from stay.customers.models import Identity, IdentityKind
from stay.orders.models import Order

from .models import DeliveryStatus, WebhookDelivery

# Deliveries still to be applied keep their body: erasing it would lose the order itself (its
# personal data is erased from the order once applied, when the erasure is run again).
_DONE = [DeliveryStatus.PROCESSED, DeliveryStatus.STALE, DeliveryStatus.IGNORED, DeliveryStatus.FAILED]


def _mentions(customer_id: int) -> Q:
    """Deliveries whose body names the customer: an email, a phone, their platform id or the
    platform id of one of their orders (long numbers that do not occur by chance)."""
    values = list(
        Identity.objects.filter(
            customer_id=customer_id, kind__in=[IdentityKind.EMAIL, IdentityKind.PHONE, IdentityKind.PLATFORM]
        ).values_list("value", flat=True)
    )
    values += list(Order.objects.filter(customer_id=customer_id).values_list("platform_id", flat=True))
    query = Q(pk__in=[])
    for value in values:
        if len(value) >= 6:
            query |= Q(body__icontains=value)
    return query


def _deliveries(customer_id: int) -> Any:
    customer_store = Identity.objects.filter(customer_id=customer_id).values("store_id")[:1]
    return WebhookDelivery.objects.filter(_mentions(customer_id), store_id__in=customer_store, status__in=_DONE)


def export(customer_id: int) -> list[dict[str, Any]]:
    return [
        {"topic": topic, "received_at": received.isoformat()}
        for topic, received in _deliveries(customer_id).values_list("topic", "received_at").order_by("id")
    ]


def erase(customer_id: int) -> int:
    return _deliveries(customer_id).update(body="{}")
