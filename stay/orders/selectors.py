"""Reads for orders, and for customers as seen with their orders."""

from collections.abc import Iterable
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import override

from stay.core.db import batched
from stay.core.errors import NotFound
from stay.core.models import Store
from stay.customers.models import Customer
from stay.customers.selectors import customer_list, customer_match

from .models import Fulfilment, Order, OrderLine


def _order_number(q: str) -> str:
    return q.strip().lstrip("#")


def numbered(orders: QuerySet[Order], number: str) -> QuerySet[Order]:
    """The orders among ``orders`` that a shopper means by ``number``: "1001", "#1001"."""
    number = _order_number(number)
    return orders.filter(Q(name=f"#{number}") | Q(name=number) | Q(number=number))


def orders_named(*, store: Store, q: str) -> QuerySet[Order]:
    """The store's orders that ``q`` names by their number ("#1001", "1001")."""
    return numbered(Order.objects.filter(store=store), q)


def order_list(*, store: Store, customer_id: int | None = None, q: str = "") -> QuerySet[Order]:
    orders = Order.objects.filter(store=store).select_related("customer")
    if customer_id is not None:
        orders = orders.filter(customer_id=customer_id)
    if q:
        number = _order_number(q)
        orders = orders.filter(Q(number=number) | Q(name=q.strip()) | Q(name=f"#{number}") | Q(email=q.strip().lower()))
    return orders.order_by("-placed_at", "-id")


def order_get(*, store: Store, order_id: int) -> Order:
    try:
        return (
            Order.objects.select_related("customer")
            .prefetch_related(
                "lines", Prefetch("fulfilments", queryset=Fulfilment.objects.prefetch_related("events")), "refunds"
            )
            .get(store=store, pk=order_id)
        )
    except Order.DoesNotExist:
        raise NotFound(f"no order {order_id}") from None


def customer_search(*, store: Store, q: str = "") -> QuerySet[Customer]:
    """Customers by email, phone, name or one of their order numbers."""
    customers = customer_list(store=store)
    if not q.strip():
        return customers
    by_order = orders_named(store=store, q=q).values("customer_id")
    return customers.filter(customer_match(store=store, q=q) | Q(pk__in=by_order)).distinct()


def orders_of_customer(*, customer: Customer, limit: int = 20) -> list[Order]:
    return list(
        Order.objects.filter(customer=customer).prefetch_related("lines", "fulfilments").order_by("-placed_at")[:limit]
    )


def line_paid(line: OrderLine, quantity: int) -> Decimal:
    """What the shopper paid for ``quantity`` units of ``line``: its price less their share of
    the line's discount (all units together: the whole line comes to exactly what was paid)."""
    if not line.quantity:
        return Decimal("0.00")
    paid = line.unit_price * quantity - line.total_discount * quantity / line.quantity
    return paid.quantize(Decimal("0.01"), ROUND_HALF_UP)


UNFULFILLED = ("", "unfulfilled", "null")


def cancellable(order: Order) -> bool:
    """Not cancelled and nothing shipped yet."""
    return not order.cancelled_at and (order.fulfillment_status or "") in UNFULFILLED


def status_text(order: Order, language: str) -> str:
    """The order's status in ``language``, with each shipment's carrier and tracking link."""
    with override(language):
        if order.cancelled_at:
            state = _("was cancelled")
        elif order.fulfillment_status == "fulfilled":
            state = _("has shipped")
        elif order.fulfillment_status == "partial":
            state = _("has partly shipped")
        else:
            state = _("is being prepared")
        lines = [_("Your order %(name)s %(state)s.") % {"name": order.name, "state": state}]
        for fulfilment in order.fulfilments.all():
            if fulfilment.delivered_at:
                lines.append(
                    _("Delivered on %(date)s by %(carrier)s.")
                    % {
                        "date": fulfilment.delivered_at.date().isoformat(),
                        "carrier": fulfilment.carrier or _("the carrier"),
                    }
                )
            if fulfilment.tracking_url:
                lines.append(
                    _("Track it with %(carrier)s: %(url)s")
                    % {"carrier": fulfilment.carrier or _("the carrier"), "url": fulfilment.tracking_url}
                )
            elif fulfilment.tracking_number:
                lines.append(
                    _("%(carrier)s tracking number: %(number)s")
                    % {"carrier": fulfilment.carrier or _("Carrier"), "number": fulfilment.tracking_number}
                )
        return "\n".join(lines)


def refund_platform_ids(*, order: Order) -> set[str]:
    """The platform ids of the refunds the platform reported on ``order``."""
    return set(order.refunds.values_list("platform_id", flat=True))


def ordered_since(
    *, customer_ids: Iterable[int], since: datetime, variant_id: int | None = None
) -> dict[int, datetime]:
    """When each of these customers last placed an order since ``since`` (only orders with
    ``variant_id`` among their lines, if given). Cancelled orders count: the shopper acted."""
    last: dict[int, datetime] = {}
    for ids in batched(customer_ids, 900):
        orders = Order.objects.filter(customer_id__in=ids, placed_at__gte=since)
        if variant_id is not None:
            orders = orders.filter(lines__variant_id=variant_id)
        for customer_id, placed_at in orders.values_list("customer_id", "placed_at"):
            if customer_id not in last or placed_at > last[customer_id]:
                last[customer_id] = placed_at
    return last
