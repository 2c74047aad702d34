"""Writes of the insights summaries. ``buyer_recount`` rebuilds one customer's rows from their
orders as they are now: idempotent, so the events that call it may come twice or out of order,
and the whole-store rebuild is the same function over every customer."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stay.conversations.selectors import is_lead
from stay.core.errors import NotAllowed
from stay.core.models import Store
from stay.customers.models import Customer
from stay.flows.models import Conversion, Trigger
from stay.giftcards.models import Kind
from stay.orders.models import Order

from . import roster
from .models import Buyer, BuyerMonth, Roster, Source

ZERO = Decimal("0.00")


def on_order(order_id: int, previous_customer_id: int | None = None, **_more: Any) -> None:
    """``order.created``, ``.updated``, ``.cancelled``, ``.attributed``, ``refund.created``
    (durable): recount the order's customer, and the one it was moved from."""
    customer_id = Order.objects.filter(pk=order_id).values_list("customer_id", flat=True).first()
    for customer in {customer_id, previous_customer_id}:
        if customer is not None:
            buyer_recount(customer_id=customer)


def on_merge(survivor_id: int, merged_id: int, **_more: Any) -> None:
    """``customer.merged`` (durable): the merged customer's orders now count for the survivor."""
    for customer_id in (merged_id, survivor_id):
        buyer_recount(customer_id=customer_id)


@dataclass(frozen=True)
class _Orders:
    placed: list[Any]  # datetimes, oldest first
    values: list[Decimal]  # each order's total
    net: list[Decimal]  # each order's total less its refunds
    first_order_id: int


def _orders_of(customer_id: int) -> _Orders | None:
    rows = list(
        Order.objects.filter(customer_id=customer_id, cancelled_at__isnull=True)
        .order_by("placed_at", "id")
        .values_list("id", "placed_at", "total", "total_refunded")
    )
    if not rows:
        return None
    return _Orders(
        placed=[r[1] for r in rows],
        values=[r[2] for r in rows],
        net=[r[2] - r[3] for r in rows],
        first_order_id=rows[0][0],
    )


def _source(customer: Customer, orders: _Orders) -> str:
    """How the customer came, as far as Stay saw it before (or with) their first order."""
    first = orders.placed[0]
    if customer.referred_by.exclude(state="refused").filter(created_at__lte=first).exists():
        return Source.REFERRAL
    gifts = customer.gift_cards.filter(kind=Kind.GIFT_CARD, buyer__isnull=False, created_at__lte=first)
    if gifts.exclude(buyer_id=customer.pk).exists():
        return Source.GIFT
    # The flows credit an order to the last message that touched its shopper.
    conversion = Conversion.objects.select_related("flow").filter(order_id=orders.first_order_id).first()
    if conversion is not None and conversion.flow is not None:
        if conversion.flow.trigger == Trigger.SIGNUP:
            return Source.WELCOME
        if hasattr(conversion.flow, "campaign"):
            return Source.CAMPAIGN
    return Source.OTHER


def buyer_recount(*, customer_id: int) -> Buyer | None:
    """The customer's summary rows, rebuilt from their orders (none if they have none left)."""
    with transaction.atomic():
        # The customer's row serialises two recounts of the same customer (two orders at once).
        customer = Customer.objects.select_for_update().select_related("store").filter(pk=customer_id).first()
        if customer is None:
            return None
        orders = _orders_of(customer_id)
        BuyerMonth.objects.filter(customer_id=customer_id).delete()
        if orders is None:
            Buyer.objects.filter(customer_id=customer_id).delete()
            return None
        store, zone = customer.store, customer.store.zone
        buyer, _created = Buyer.objects.update_or_create(
            customer=customer,
            defaults={
                "store": store,
                "source": _source(customer, orders),
                "first_order_at": orders.placed[0],
                "first_value": orders.values[0],
                "second_order_at": orders.placed[1] if len(orders.placed) > 1 else None,
                "last_order_at": orders.placed[-1],
                "orders": len(orders.placed),
                "spent": sum(orders.net, ZERO),
            },
        )
        months: dict[date, tuple[int, Decimal]] = {}
        for placed, net in zip(orders.placed, orders.net, strict=True):
            month = timezone.localdate(placed, zone).replace(day=1)
            count, spent = months.get(month, (0, ZERO))
            months[month] = (count + 1, spent + net)
        cohort = min(months)
        BuyerMonth.objects.bulk_create(
            BuyerMonth(store=store, customer=customer, month=month, cohort=cohort, orders=count, spent=spent)
            for month, (count, spent) in months.items()
        )
        return buyer


@dataclass(frozen=True)
class Rebuilt:
    customers: int
    corrected: int  # rows the events had not kept right


def buyers_rebuild(*, store_id: int) -> Rebuilt:
    """Recount every customer of the store who has or had orders, one transaction each; says
    how many kept rows differed from the recount (0 when the events kept up)."""
    ids = set(Order.objects.filter(store_id=store_id, customer__isnull=False).values_list("customer_id", flat=True))
    ids |= set(Buyer.objects.filter(store_id=store_id).values_list("customer_id", flat=True))
    corrected = 0
    for customer_id in sorted(ids):
        before = _snapshot(customer_id)
        buyer_recount(customer_id=customer_id)
        corrected += before != _snapshot(customer_id)
    return Rebuilt(customers=len(ids), corrected=corrected)


def _snapshot(customer_id: int) -> tuple[Any, ...]:
    fields = ("source", "first_order_at", "first_value", "second_order_at", "last_order_at", "orders", "spent")
    buyer = Buyer.objects.filter(customer_id=customer_id).values_list(*fields).first()
    months = sorted(
        BuyerMonth.objects.filter(customer_id=customer_id).values_list("month", "cohort", "orders", "spent")
    )
    return (buyer, tuple(months))


def roster_set(*, store: Store, text: str, user: AbstractBaseUser) -> Roster:
    """Replace the store's roster with the shifts in ``text`` (leads and admins); a line that
    is not a shift is refused by its number and nothing changes."""
    if not is_lead(user):
        raise NotAllowed(_("Only a lead or an admin may change the roster."))
    shifts = roster.parse(text)
    with transaction.atomic():
        found, _new = Roster.objects.select_for_update().get_or_create(store=store)
        found.shifts = roster.text_of(shifts)
        found.updated_by = user.get_username()
        found.save()
    return found


def roster_of(store: Store) -> list[roster.Shift]:
    """The store's shifts; none until a lead enters them."""
    text = Roster.objects.filter(store=store).values_list("shifts", flat=True).first()
    return roster.parse(text or "")
