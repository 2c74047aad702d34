"""A small fixed store for the insights tests (its orders are in test_retention's docstring)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from stay.customers.inputs import CustomerInput
from stay.giftcards.models import GiftCard, Kind
from stay.insights.models import Buyer
from stay.orders.inputs import LineInput, OrderInput
from stay.orders.models import Order
from stay.orders.services import order_upsert

TODAY = date(2026, 6, 15)


def buyer(who):
    return Buyer.objects.get(customer__in=Order.objects.filter(email=f"{who}@example.com").values("customer"))


def order(store, who, day, total, *, number, cancelled=False, hour=12):
    placed = datetime(*day, hour, 0, tzinfo=UTC)
    data = OrderInput(
        platform_id=str(number),
        name=f"#{number}",
        placed_at=placed,
        currency="USD",
        total=Decimal(total),
        lines=(LineInput(platform_id=f"{number}-1", title="Tent", quantity=1, unit_price=Decimal(total)),),
        customer=CustomerInput(email=f"{who}@example.com"),
        email=f"{who}@example.com",
        cancelled_at=placed if cancelled else None,
    )
    return order_upsert(store=store, data=data, actor="test")[0]


@pytest.fixture
def shop(store, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the events' deliveries keep the summaries
        ann = order(store, "ann", (2026, 1, 10), "100", number=1).customer
        order(store, "ann", (2026, 2, 5), "50", number=2)
        order(store, "ann", (2026, 3, 20), "30", number=3)
        order(store, "bo", (2026, 1, 20), "80", number=4)
        order(store, "cy", (2026, 2, 10), "60", number=5)
        order(store, "cy", (2026, 5, 1), "40", number=6)
        order(store, "dee", (2025, 4, 1), "20", number=7)
        order(store, "fay", (2026, 3, 1), "10", number=8)
        order(store, "fay", (2026, 4, 1), "70", number=9, cancelled=True)
        eve = order(store, "eve", (2026, 6, 1), "0", number=10).customer  # a first contact, undone below
    card = GiftCard.objects.create(store=store, kind=Kind.GIFT_CARD, currency="USD", customer=eve, buyer=ann)
    GiftCard.objects.filter(pk=card.pk).update(created_at=datetime(2026, 5, 20, tzinfo=UTC))
    with django_capture_on_commit_callbacks(execute=True):
        order(store, "eve", (2026, 6, 1), "200", number=10)  # the same order again, now its real total
    return store


@pytest.fixture(autouse=True)
def no_cached_forecast():
    """The forecast is kept a day per store (selectors.orders_ahead): each test starts afresh."""
    from django.core.cache import caches

    caches["insights"].clear()


def weeks_of_orders(store, today, weeks=21):
    """``weeks`` weeks of orders up to ``today``: 4 on Mondays, none on Saturdays, 2 on the
    other days (14 a week), spread over seven shoppers."""
    first = today - timedelta(weeks=weeks)
    number = 0
    for n in range((today - first).days):
        day = first + timedelta(n)
        for _ in range({0: 4, 5: 0}.get(day.weekday(), 2)):
            number += 1
            order(store, f"s{number % 7}", (day.year, day.month, day.day), "10", number=number)
