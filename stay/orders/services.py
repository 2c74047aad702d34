"""Writes for orders: everything the platform tells us about an order, applied once, in order.

Each upsert runs in one transaction, locks the row it changes, and ignores a copy older (by
the platform's ``updated_at``) than what is stored, so late or repeated deliveries never
overwrite newer data.
"""

from dataclasses import replace
from decimal import Decimal

from django.db import connection
from django.db.models import Count, F, Max, Min, Sum

from stay.catalog.selectors import variants_by_platform_id
from stay.core.db import atomic_with_retry, insert, is_stale, joins_transaction, select
from stay.core.errors import Conflict, InvalidInput
from stay.core.events import publish
from stay.core.models import Store
from stay.customers.inputs import CustomerInput
from stay.customers.models import Customer
from stay.customers.services import (
    customer_count_new_order,
    customer_lock,
    customer_resolve,
    customer_set_order_stats,
)

from .inputs import CheckoutInput, FulfilmentInput, OrderInput, RefundInput
from .models import (
    Checkout,
    CheckoutLine,
    Fulfilment,
    FulfilmentEvent,
    FulfilmentLine,
    Order,
    OrderEvent,
    OrderLine,
    Refund,
    RefundLine,
)

_ORDER_FIELDS = (
    "name",
    "number",
    "email",
    "phone",
    "locale",
    "placed_at",
    "cancelled_at",
    "cancel_reason",
    "closed_at",
    "currency",
    "subtotal",
    "total_discounts",
    "total_shipping",
    "total_tax",
    "total",
    "financial_status",
    "fulfillment_status",
    "shipping_address",
    "billing_address",
    "is_gift",
    "gift_message",
    "note",
    "source",
)
# Changes worth a line in the order's (and so the customer's) timeline.
_WATCHED = ("financial_status", "fulfillment_status", "cancelled_at", "closed_at")
# What the figures of a customer's orders read: a change to one is published (order.updated).
_COUNTED = ("customer_id", "placed_at", "total", "cancelled_at")


def _validate(data: OrderInput) -> None:
    if not data.platform_id:
        raise InvalidInput("order: id is required")
    if len(data.currency) != 3:
        raise InvalidInput(f"order {data.platform_id}: currency must be a 3-letter code")
    if data.total < 0:
        raise InvalidInput(f"order {data.platform_id}: total must not be negative")
    for line in data.lines:
        if line.quantity < 0:
            raise InvalidInput(f"order {data.platform_id}: line {line.platform_id} has a negative quantity")


def _resolve_customer(
    store: Store, customer: CustomerInput | None, email: str, phone: str, actor: str
) -> Customer | None:
    if customer is None and not email and not phone:
        return None  # a guest order with no contact (e.g. a POS sale)
    data = customer or CustomerInput()
    if not (data.platform_id or data.email or data.phone):
        data = replace(data, email=email, phone=phone)
    try:
        return customer_resolve(store=store, data=data, actor=actor)
    except InvalidInput:
        return None  # no contact detail that can be read: the order is kept without a customer


def order_upsert(*, store: Store, data: OrderInput, actor: str) -> tuple[Order, bool]:
    """Create or update an order with its lines, fulfilments and refunds.

    Returns ``(order, applied)``; ``applied`` is False when a newer copy was already stored.
    """
    _validate(data)
    return atomic_with_retry(lambda: _order_upsert(store, data, actor))


def _order_upsert(store: Store, data: OrderInput, actor: str) -> tuple[Order, bool]:
    # Each statement of a new order is a lean one (core.db): a burst applies hundreds a second.
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    found = select(Order, "store_id = %s AND platform_id = %s", [store.pk, data.platform_id], tail=f"LIMIT 1{lock}")
    order = found[0] if found else None
    if order and is_stale(data.updated_at, order.platform_updated_at):
        return order, False

    customer = _resolve_customer(store, data.customer, data.email, data.phone, actor)
    values = {name: getattr(data, name) for name in _ORDER_FIELDS}
    values.update(
        customer=customer,
        platform_updated_at=data.updated_at,
        discount_codes=list(data.discount_codes),
        tags=list(data.tags),
        email=data.email.lower()[:254],
        currency=data.currency.upper(),
    )
    created = order is None
    before = {} if order is None else {name: getattr(order, name) for name in {*_WATCHED, *_COUNTED}}
    previous_customer_id = None if order is None else order.customer_id
    if order is None:
        order = insert(Order(store=store, platform_id=data.platform_id, **values))
    else:
        for name, value in values.items():
            setattr(order, name, value)
        order.save()

    lines = _upsert_lines(store, order, data, created)
    for fulfilment in data.fulfilments:
        _fulfilment_apply(order, fulfilment, actor, lines=lines, new_order=created)
    for refund in data.refunds:
        _refund_apply(order, refund, actor, lines=lines, new_order=created)

    if created:
        insert(
            OrderEvent(
                order=order, kind="placed", actor=actor, data={"total": str(order.total), "currency": order.currency}
            )
        )
        publish("order.created", order_id=order.pk)
    else:
        changes = {
            n: [str(before[n] or ""), str(getattr(order, n) or "")] for n in _WATCHED if before[n] != getattr(order, n)
        }
        if changes:
            OrderEvent.objects.create(order=order, kind="updated", actor=actor, data=changes)
        if "cancelled_at" in changes and order.cancelled_at:
            publish("order.cancelled", order_id=order.pk)
        if any(before[n] != getattr(order, n) for n in _COUNTED):
            publish("order.updated", order_id=order.pk, previous_customer_id=previous_customer_id)
    if data.financial_status == "paid" and before.get("financial_status") != "paid":
        publish("order.paid", order_id=order.pk, gift_cards=any(line.is_gift_card for line in data.lines))

    if created and order.customer_id and not order.cancelled_at:
        customer_count_new_order(
            customer_id=order.customer_id, placed_at=order.placed_at, spent=order.total - order.total_refunded
        )
    else:
        for customer_id in {previous_customer_id, order.customer_id}:
            if customer_id is not None:
                customer_refresh_stats(customer_id=customer_id)
    return order, True


def _upsert_lines(store: Store, order: Order, data: OrderInput, created: bool) -> dict[str, OrderLine]:
    """Create or update the order's lines; returns every line by platform id."""
    variants = variants_by_platform_id(store=store, platform_ids={ln.variant_platform_id for ln in data.lines} - {""})
    existing = {} if created else {line.platform_id: line for line in order.lines.all()}
    new, changed = [], []
    for item in data.lines:
        values = {
            "variant": variants.get(item.variant_platform_id),
            "product_platform_id": item.product_platform_id,
            "variant_platform_id": item.variant_platform_id,
            "sku": item.sku,
            "title": item.title,
            "variant_title": item.variant_title,
            "quantity": item.quantity,
            "unit_price": item.unit_price,
            "total_discount": item.total_discount,
            "is_gift_card": item.is_gift_card,
            "requires_shipping": item.requires_shipping,
            "properties": dict(item.properties),
        }
        line = existing.get(item.platform_id)
        if line is None:
            new.append(OrderLine(order=order, platform_id=item.platform_id, **values))
        elif any(getattr(line, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(line, k, v)
            changed.append(line)
    if new:
        OrderLine.objects.bulk_create(new)
    if changed:
        OrderLine.objects.bulk_update(changed, list(values))
    return {**existing, **{line.platform_id: line for line in new}}


def _fulfilment_apply(
    order: Order,
    data: FulfilmentInput,
    actor: str,
    *,
    lines: dict[str, OrderLine] | None = None,
    new_order: bool = False,
) -> Fulfilment:
    fulfilment = (
        None
        if new_order
        else (Fulfilment.objects.select_for_update().filter(order=order, platform_id=data.platform_id).first())
    )
    if fulfilment and is_stale(data.updated_at, fulfilment.platform_updated_at):
        return fulfilment
    delivered_at = data.delivered_at
    if data.shipment_status == "delivered" and delivered_at is None:
        delivered_at = (fulfilment and fulfilment.delivered_at) or data.updated_at
    values = {
        "status": data.status,
        "shipment_status": data.shipment_status,
        "carrier": data.carrier,
        "tracking_number": data.tracking_number,
        "tracking_url": data.tracking_url,
        "shipped_at": data.created_at,
        "delivered_at": delivered_at,
        "platform_updated_at": data.updated_at,
    }
    previous_status = fulfilment.shipment_status if fulfilment else None
    if fulfilment is None:
        fulfilment = Fulfilment.objects.create(order=order, platform_id=data.platform_id, **values)
        lines = lines if lines is not None else {ln.platform_id: ln for ln in order.lines.all()}
        FulfilmentLine.objects.bulk_create(
            FulfilmentLine(fulfilment=fulfilment, line=lines[pid], quantity=qty)
            for pid, qty in data.lines
            if pid in lines
        )
        OrderEvent.objects.create(
            order=order,
            kind="fulfilment_created",
            actor=actor,
            data={"carrier": data.carrier, "tracking_number": data.tracking_number},
        )
    else:
        for name, value in values.items():
            setattr(fulfilment, name, value)
        fulfilment.save()
    known = set(fulfilment.events.values_list("status", "happened_at")) if previous_status is not None else set()
    events = [
        FulfilmentEvent(fulfilment=fulfilment, status=e.status, happened_at=e.happened_at, message=e.message)
        for e in data.events
        if (e.status, e.happened_at) not in known
    ]
    if not data.events and data.shipment_status and data.shipment_status != previous_status:
        events.append(
            FulfilmentEvent(
                fulfilment=fulfilment, status=data.shipment_status, happened_at=data.updated_at or order.placed_at
            )
        )
    FulfilmentEvent.objects.bulk_create(events)
    if data.shipment_status and data.shipment_status != previous_status:
        # Shipping news (a delivery problem, delivered) and the flows after delivery hang off this.
        publish("shipment.changed", fulfilment_id=fulfilment.pk, status=data.shipment_status)
    if data.shipment_status and data.shipment_status != previous_status and previous_status is not None:
        OrderEvent.objects.create(
            order=order,
            kind="shipment_status",
            actor=actor,
            data={"status": data.shipment_status, "fulfilment": fulfilment.platform_id},
        )
    return fulfilment


def _refund_apply(
    order: Order, data: RefundInput, actor: str, *, lines: dict[str, OrderLine] | None = None, new_order: bool = False
) -> Refund:
    refund = None if new_order else Refund.objects.filter(order=order, platform_id=data.platform_id).first()
    if refund is not None:
        return refund  # refunds never change on the platform once created
    if data.amount < 0:
        raise InvalidInput(f"refund {data.platform_id}: amount must not be negative")
    refund = Refund.objects.create(
        order=order, platform_id=data.platform_id, amount=data.amount, reason=data.reason, refunded_at=data.created_at
    )
    lines = lines if lines is not None else {ln.platform_id: ln for ln in order.lines.all()}
    RefundLine.objects.bulk_create(
        RefundLine(
            refund=refund,
            line=lines[item.line_platform_id],
            quantity=item.quantity,
            subtotal=item.subtotal,
            restock_type=item.restock_type,
        )
        for item in data.lines
        if item.line_platform_id in lines
    )
    Order.objects.filter(pk=order.pk).update(total_refunded=F("total_refunded") + data.amount)
    order.refresh_from_db(fields=["total_refunded"])
    OrderEvent.objects.create(
        order=order, kind="refunded", actor=actor, data={"amount": str(data.amount), "reason": data.reason}
    )
    publish("refund.created", refund_id=refund.pk, order_id=order.pk)
    return refund


def order_lock(*, order_id: int) -> Order:
    """The order, its row held until the transaction ends: what may still be refunded or
    returned on it is decided under this lock."""
    return Order.objects.select_for_update(of=("self",)).select_related("store").get(pk=order_id)


def _order_for(store: Store, order_platform_id: str) -> Order:
    order = Order.objects.select_for_update().filter(store=store, platform_id=order_platform_id).first()
    if order is None:
        # Not ours to invent: the platform redelivers, and by then the order will be here.
        raise Conflict(f"order {order_platform_id} is not known yet; deliver orders/create first")
    return order


@joins_transaction
def fulfilment_upsert(*, store: Store, data: FulfilmentInput, actor: str) -> Fulfilment:
    order = _order_for(store, data.order_platform_id)
    return _fulfilment_apply(order, data, actor)


@joins_transaction
def refund_create(*, store: Store, data: RefundInput, actor: str) -> Refund:
    order = _order_for(store, data.order_platform_id)
    refund = _refund_apply(order, data, actor)
    if order.customer_id:
        customer_refresh_stats(customer_id=order.customer_id)
    return refund


def customer_refresh_stats(*, customer_id: int) -> None:
    """Recompute a customer's order figures from their orders (cancelled ones don't count).
    Must run inside the transaction that changed the orders."""
    customer_lock(customer_id=customer_id)  # then the count below sees every committed order
    stats = Order.objects.filter(customer_id=customer_id, cancelled_at__isnull=True).aggregate(
        count=Count("id"),
        spent=Sum(F("total") - F("total_refunded")),
        first=Min("placed_at"),
        last=Max("placed_at"),
    )
    customer_set_order_stats(
        customer=Customer(pk=customer_id),
        first_order_at=stats["first"],
        last_order_at=stats["last"],
        orders_count=stats["count"],
        total_spent=Decimal(stats["spent"] or 0),
    )


def checkout_upsert(*, store: Store, data: CheckoutInput, actor: str) -> tuple[Checkout, bool]:
    if not data.token:
        raise InvalidInput("checkout: token is required")
    return atomic_with_retry(lambda: _checkout_upsert(store, data, actor))


def _checkout_upsert(store: Store, data: CheckoutInput, actor: str) -> tuple[Checkout, bool]:
    checkout = Checkout.objects.select_for_update().filter(store=store, token=data.token).first()
    if checkout and is_stale(data.updated_at, checkout.platform_updated_at):
        return checkout, False
    customer = _resolve_customer(store, data.customer, data.email, data.phone, actor)
    values = {
        "platform_id": data.platform_id,
        "customer": customer,
        "email": data.email.lower()[:254],
        "phone": data.phone,
        "currency": data.currency.upper(),
        "total": data.total,
        "recovery_url": data.recovery_url,
        "started_at": data.created_at,
        "platform_updated_at": data.updated_at,
        "completed_at": data.completed_at,
    }
    if checkout is None:
        checkout = Checkout.objects.create(store=store, token=data.token, **values)
    else:
        for name, value in values.items():
            setattr(checkout, name, value)
        checkout.save()
        checkout.lines.all().delete()  # a cart is replaced whole: lines carry no history
    variants = variants_by_platform_id(store=store, platform_ids={ln.variant_platform_id for ln in data.lines} - {""})
    CheckoutLine.objects.bulk_create(
        CheckoutLine(
            checkout=checkout,
            variant=variants.get(ln.variant_platform_id),
            variant_platform_id=ln.variant_platform_id,
            title=ln.title,
            quantity=ln.quantity,
            unit_price=ln.unit_price,
        )
        for ln in data.lines
    )
    publish("checkout.updated", checkout_id=checkout.pk)
    return checkout, True
