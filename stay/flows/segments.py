"""Who a campaign is for, built from orders (issue 20). A segment is a small JSON rule, so the
API and the admin can state one and the database answers it:

- ``{"kind": "bought", "product_id": "<platform id>"}``: ordered that product (not cancelled);
- ``{"kind": "one_order", "min_days": 30, "max_days": 90}``: exactly one order, placed that long ago;
- ``{"kind": "spent_over", "amount": "200"}``: spent more than that in all (net of refunds);
- ``{"kind": "gift_recipients"}``: hold a gift card someone bought them and never ordered;
- ``{"kind": "tier", "tiers": ["Gold"]}``: loyalty members of those tiers (no ``tiers``: of a
  tier with early access), for early access to a launch or a sale;
- ``{"kind": "all"}``: every customer;
- kinds the apps above register (``register_kind``), e.g. the insights' RFM segments:
  ``{"kind": "rfm", "segment": "at_risk"}``.
"""

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import F, QuerySet
from django.utils import timezone

from stay.core.errors import InvalidInput
from stay.core.models import Store
from stay.customers.models import Customer
from stay.giftcards.models import GiftCard, Source
from stay.loyalty.selectors import members_of_tiers
from stay.orders.models import Order

KINDS = ("all", "bought", "one_order", "spent_over", "gift_recipients", "tier")
# A kind an app above flows defines: the customers' ids (a query) for a store and the rule.
Members = Callable[[Store, dict[str, Any]], QuerySet[Any]]
_registered: dict[str, Members] = {}


def register_kind(kind: str, members: Members) -> None:
    _registered[kind] = members


def kinds() -> tuple[str, ...]:
    return KINDS + tuple(_registered)


def _number(segment: dict[str, Any], name: str, default: Any = None) -> Decimal:
    try:
        value = Decimal(str(segment.get(name, default)))
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"segment.{name}: a number is needed", code="invalid_segment") from None
    if not value.is_finite() or value < 0 or value > Decimal("1e9"):
        raise InvalidInput(f"segment.{name}: a number from 0 is needed", code="invalid_segment")
    return value


def segment_customers(*, store: Store, segment: dict[str, Any]) -> QuerySet[Customer]:
    """The segment's customers (not merged away). Raises InvalidInput naming what to fix."""
    kind = segment.get("kind") if isinstance(segment, dict) else None
    if kind not in kinds():
        raise InvalidInput(f"segment.kind must be one of {', '.join(kinds())}", code="invalid_segment")
    customers = Customer.objects.filter(store=store, merged_into__isnull=True, erased_at__isnull=True)
    if kind in _registered:
        return customers.filter(pk__in=_registered[kind](store, segment))
    if kind == "bought":
        product = str(segment.get("product_id") or "").strip()
        if not product:
            raise InvalidInput("segment.product_id: the platform's product id is needed", code="invalid_segment")
        buyers = Order.objects.filter(
            store=store, cancelled_at__isnull=True, lines__product_platform_id=product
        ).values("customer_id")
        return customers.filter(pk__in=buyers)
    if kind == "one_order":
        low, high = _number(segment, "min_days", 30), _number(segment, "max_days", 90)
        if low > high:
            raise InvalidInput("segment.min_days must not be more than max_days", code="invalid_segment")
        now = timezone.now()
        return customers.filter(
            orders_count=1,
            last_order_at__lte=now - timedelta(days=float(low)),
            last_order_at__gte=now - timedelta(days=float(high)),
        )
    if kind == "spent_over":
        return customers.filter(total_spent__gt=_number(segment, "amount"))
    if kind == "gift_recipients":
        held = GiftCard.objects.filter(
            store=store, source=Source.ORDER, customer__isnull=False, buyer__isnull=False
        ).exclude(customer=F("buyer"))
        return customers.filter(pk__in=held.values("customer_id"), orders_count=0)
    if kind == "tier":
        names = segment.get("tiers")
        if names is not None and (not isinstance(names, list) or not all(isinstance(n, str) for n in names)):
            raise InvalidInput("segment.tiers: a list of tier names is needed", code="invalid_segment")
        return customers.filter(pk__in=members_of_tiers(store=store, names=names))
    return customers
