from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum

from stay.catalog.models import Product, Variant
from stay.core.models import Store
from stay.customers.models import Customer
from stay.demo.builder import DemoBuilder, DemoSize, day_weights
from stay.loyalty.models import Member, PointsDue
from stay.orders.models import Checkout, Fulfilment, Order, OrderLine

# A fixed day, so the figures below hold whenever the suite runs.
SPRING = date(2026, 3, 1)
SMALL = DemoSize(products=40, customers=150, orders=600, carts=40, today=SPRING)


def fingerprint():
    return (
        list(Order.objects.order_by("platform_id").values_list("platform_id", "name", "total", "placed_at", "is_gift")),
        list(Customer.objects.order_by("name", "id").values_list("name", "locale", "orders_count", "total_spent")),
        list(Variant.objects.order_by("platform_id").values_list("sku", "price", "inventory_quantity")),
    )


@pytest.mark.django_db
def test_the_same_seed_builds_the_same_store():
    # The first build is rolled back: a store's ledgers (gift cards, points) are never deleted.
    with transaction.atomic():
        _, report = DemoBuilder(seed=7, size=SMALL).build()
        first = fingerprint()
        assert report.orders == 600 and Order.objects.count() == 600
        transaction.set_rollback(True)
    assert not Store.objects.exists()
    store, _ = DemoBuilder(seed=7, size=SMALL).build()
    assert fingerprint() == first
    # Its points programme is on, with the season's orders earned and released by now.
    members = Member.objects.filter(store=store)
    assert members.filter(available__gt=0).exists() and members.filter(tier__isnull=False).exists()
    assert not PointsDue.objects.exists()


@pytest.mark.django_db
def test_the_demo_store_looks_like_a_real_season():
    size = DemoSize(products=60, customers=400, orders=2000, carts=100, today=SPRING)
    _, report = DemoBuilder(seed=42, size=size).build()
    assert Product.objects.filter(is_gift_card=True).count() == 1
    assert (
        Variant.objects.filter(options__has_key="Size").exists()
        and Variant.objects.filter(options__has_key="Colour").exists()
    )
    locales = Counter(Customer.objects.values_list("locale", flat=True))
    assert locales["ko"] > 100 and locales["en"] > 100
    assert Customer.objects.filter(name__regex=r"^[가-힣]+$").exists()

    per_month = Counter(d.month for d in Order.objects.values_list("placed_at", flat=True))
    assert per_month[12] > per_month[10] and per_month[11] > per_month[10] and per_month[1] > 0
    black_friday = Order.objects.filter(placed_at__date=date(2025, 11, 28)).count()
    an_october_day = Order.objects.filter(placed_at__date=date(2025, 10, 15)).count()
    assert black_friday > 4 * max(an_october_day, 1)

    gifts = Order.objects.filter(is_gift=True)
    assert gifts.count() > 50 and not gifts.filter(gift_message="").exists()
    assert OrderLine.objects.filter(is_gift_card=True).count() == report.gift_card_orders > 0
    problems = sum(report.problems.values())
    assert 0.03 < problems / report.orders < 0.08
    assert Fulfilment.objects.filter(shipment_status="failure").count() == report.problems["lost"]
    assert Checkout.objects.filter(completed_at__isnull=True).count() == 100
    # the figures on customers are the ones the orders service keeps
    spent = Order.objects.filter(cancelled_at__isnull=True).aggregate(s=Sum("total"))["s"]
    refunded = Order.objects.filter(cancelled_at__isnull=True).aggregate(s=Sum("total_refunded"))["s"]
    # SQLite sums DECIMAL columns as floating point: compare to the cent
    cent = Decimal("0.01")
    assert Customer.objects.aggregate(s=Sum("total_spent"))["s"].quantize(cent) == (spent - refunded).quantize(cent)


def test_black_friday_is_the_peak():
    weights = dict(day_weights(date(2025, 10, 1), date(2026, 1, 31)))
    assert max(weights, key=weights.get) in (date(2025, 11, 28), date(2025, 12, 1))


@pytest.mark.django_db
def test_the_demo_is_built_relative_to_its_day_and_its_newest_orders_can_be_returned():
    """Issue 18 #17: the demo's season was fixed to October 2025 - January 2026, so by December
    2026 every demo order was past every return window."""
    from datetime import timedelta

    from stay.demo.builder import history_span
    from stay.returns.services import Pick, return_preview

    today = date(2026, 12, 4)
    assert history_span(today) == (date(2025, 10, 1), date(2026, 12, 2))
    assert history_span(date(2027, 1, 20)) == (date(2025, 10, 1), date(2027, 1, 18))
    assert history_span(date(2027, 2, 3)) == (date(2026, 10, 1), date(2027, 2, 1))
    DemoBuilder(seed=3, size=DemoSize(products=40, customers=150, orders=800, carts=10, today=today)).build()
    newest = Order.objects.order_by("-placed_at").first().placed_at.date()
    assert today - timedelta(days=6) <= newest <= today - timedelta(days=2)
    assert not Fulfilment.objects.filter(delivered_at__date__gte=today).exists()  # nothing in the future
    assert Order.objects.filter(
        placed_at__date__gte=date(2025, 11, 28), placed_at__date__lte=date(2025, 12, 1)
    ).exists()
    recent = Order.objects.filter(
        placed_at__date__gte=today - timedelta(days=25),
        cancelled_at__isnull=True,
        fulfilments__delivered_at__isnull=False,
    ).distinct()

    def returnable(order):
        line = order.lines.filter(is_gift_card=False).first()
        pick = Pick(line_id=line.pk, quantity=1, reason="too_small")
        return return_preview(order=order, picks=[pick], gift=False, today=today)[0].decision.allowed

    assert recent.exists() and any(returnable(order) for order in recent[:20])


@pytest.mark.django_db
def test_demo_command(capsys):
    call_command("demo", "--products", "20", "--customers", "50", "--orders", "120", "--carts", "10")
    out = capsys.readouterr().out
    assert "120 orders" in out and "/webhooks/shopify/summit" in out
    call_command("demo", "--if-empty")
    assert "exists: keeping it" in capsys.readouterr().out
    assert Order.objects.count() == 120


@pytest.mark.django_db
def test_the_demo_inbox_has_conversations_on_every_channel_about_real_orders():
    from stay.conversations.models import Conversation, Message

    size = DemoSize(products=30, customers=200, orders=800, carts=10, conversations=60)
    _, report = DemoBuilder(seed=3, size=size).build()
    assert report.conversations >= 50
    channels = set(Conversation.objects.values_list("channel", flat=True))
    assert channels == {"email", "whatsapp", "sms", "webchat"}
    # Each conversation is with a customer who has orders: the agent sees them beside it.
    assert not Conversation.objects.filter(customer__orders__isnull=True).exists()
    assert Message.objects.filter(direction="out").exists()
    assert Message.objects.filter(text__contains="주문").exists()


def test_the_readme_states_the_demo_that_stay_demo_builds():
    from pathlib import Path

    from stay.demo.articles import ARTICLES

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    line = next(row for row in readme.splitlines() if row.startswith("| `stay demo` |"))
    size = DemoSize()
    for figure in (size.products, size.customers, size.orders, size.carts, size.conversations):
        assert f"{figure:,} " in line, (figure, line)
    assert f"{len(ARTICLES)} articles" in readme
