"""The customers app's part of a person's data (core.privacy): the customer record, their
identities (emails, phones, chat and platform ids), consent evidence and timeline."""

from typing import Any

from django.utils import timezone

from .models import ConsentRecord, Customer, CustomerEvent, CustomerMerge, Identity


def export(customer_id: int) -> dict[str, Any]:
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        return {}
    return {
        "name": customer.name,
        "locale": customer.locale,
        "timezone": customer.timezone,
        "tags": customer.tags,
        "note": customer.note,
        "created_at": customer.created_at.isoformat(),
        "orders_count": customer.orders_count,
        "total_spent": str(customer.total_spent),
        "identities": [
            {"kind": i.kind, "value": i.value, "verified": i.verified}
            for i in Identity.objects.filter(customer_id=customer_id).order_by("id")
        ],
        "consent": [
            {
                "channel": c.channel,
                "state": c.state,
                "occurred_at": c.occurred_at.isoformat(),
                "source": c.source,
                "evidence": c.evidence,
            }
            for c in ConsentRecord.objects.filter(customer_id=customer_id).order_by("occurred_at", "id")
        ],
        "timeline": [
            {"kind": e.kind, "by": e.actor, "data": e.data, "at": e.created_at.isoformat()}
            for e in CustomerEvent.objects.filter(customer_id=customer_id).order_by("created_at", "id")
        ],
    }


def erase(customer_id: int) -> int:
    """Identities go (no address or id leads back to the person); the consent history keeps
    what was decided and when, without the evidence's addresses; the record keeps its figures."""
    changed = Identity.objects.filter(customer_id=customer_id).delete()[0]
    changed += ConsentRecord.objects.filter(customer_id=customer_id).update(evidence={}, source="erased")
    changed += CustomerEvent.objects.filter(customer_id=customer_id).update(data={})
    changed += CustomerMerge.objects.filter(merged_id=customer_id).update(snapshot={})
    changed += Customer.objects.filter(pk=customer_id).update(
        name="", note="", tags=[], timezone="", erased_at=timezone.now()
    )
    return changed
