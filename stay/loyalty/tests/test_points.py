"""Points follow the money (issue 21), from Shopify's webhooks: an order earns pending points
(net of discounts, not gift cards), released when its return window closes; a refund takes
back its share, a redelivered or out-of-order webhook earns once; points spent before a
refund are owed and paid from the next ones; KRW has no minor units."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from stay.conftest import payload
from stay.customers.models import Customer
from stay.loyalty import services
from stay.loyalty.models import Bucket, LotState, Member, OrderPoints, PointsEntry
from stay.loyalty.services import balances_sum, order_points_sync, points_release_due
from stay.orders.models import Order
from stay.returns.selectors import return_window_closes

pytestmark = pytest.mark.django_db

ORDER = "820982911946154508"


def member(email="jon@example.com") -> Member:
    return Member.objects.get(customer__identities__value=email)


def balances(m: Member) -> tuple[int, int, int]:
    m.refresh_from_db()
    assert balances_sum(m) == {"available": m.available, "pending": m.pending, "owed": m.owed}
    return m.available, m.pending, m.owed


def test_an_order_earns_pending_points_net_of_discounts_and_gift_cards(post_webhook, programme):
    post_webhook("orders/create", payload("orders_create"))
    # subtotal 388.00 after discounts, less the 100.00 gift card bought: 288 points at 1 per dollar
    assert balances(member()) == (0, 288, 0)
    lot = OrderPoints.objects.get()
    assert (lot.eligible, lot.full, lot.state) == (Decimal("288.00"), 288, LotState.PENDING)
    # Shopify redelivers, under another webhook id too, and sends orders/updated: earned once.
    post_webhook("orders/create", payload("orders_create"))
    body = payload("orders_create") | {"updated_at": "2026-11-27T10:00:00-05:00"}
    post_webhook("orders/updated", body)
    assert balances(member()) == (0, 288, 0)
    assert PointsEntry.objects.count() == 1


def test_points_wait_for_the_return_window_then_become_spendable(post_webhook, programme):
    post_webhook("orders/create", payload("orders_create"))
    order = Order.objects.get(platform_id=ORDER)
    lot = OrderPoints.objects.get()
    # Not shipped yet: the window is unknown, so the longest wait (assumed transit + 30 days).
    assert return_window_closes(order) is None
    assert lot.release_at == order.placed_at + timedelta(days=7 + 30)

    post_webhook("fulfillments/create", payload("fulfillments_update_delivered"))
    closes = return_window_closes(order)
    # Bought in the holiday season: the store's holiday window runs to the end of January.
    assert closes.isoformat() == "2027-02-01T00:00:00-05:00" and closes > lot.release_at
    # Due on the old date, the window is looked at again: it moved, so the points wait.
    assert points_release_due(now=lot.release_at) == 0
    lot.refresh_from_db()
    assert lot.state == LotState.PENDING and lot.release_at == closes
    assert points_release_due(now=lot.release_at - timedelta(seconds=1)) == 0
    assert points_release_due(now=lot.release_at) == 1
    assert balances(member()) == (288, 0, 0)
    assert points_release_due(now=lot.release_at + timedelta(days=1)) == 0  # once


def test_a_refund_takes_back_its_share_once(post_webhook, programme):
    post_webhook("orders/create", payload("orders_create"))
    post_webhook("refunds/create", payload("refunds_create"))  # 49.00 of 403.00 back
    kept = int(288 * (Decimal("403") - Decimal("49")) / Decimal("403"))
    assert balances(member()) == (0, kept, 0)
    post_webhook("refunds/create", payload("refunds_create"), webhook_id="again")
    order_points_sync(order_id=Order.objects.get().pk)
    assert balances(member()) == (0, kept, 0)


def test_points_spent_before_a_refund_are_owed_and_paid_from_the_next(post_webhook, programme, store):
    post_webhook("orders/create", payload("orders_create"))
    lot = OrderPoints.objects.get()
    points_release_due(now=lot.release_at)
    jon = member()
    services.points_adjust(customer=jon.customer, points=-280, reason="spent", limit=None, actor="t", key="spend")
    assert balances(jon) == (8, 0, 0)
    post_webhook("refunds/create", payload("refunds_create"))
    cut = 288 - int(288 * Decimal("354") / Decimal("403"))
    assert balances(jon) == (0, 0, cut - 8)  # never below zero: the rest is owed
    services.points_bonus(customer=jon.customer, rule="review", key="r1", actor="t", points=100)
    assert balances(jon) == (100 - (cut - 8), 0, 0)


def test_a_cancelled_order_earns_nothing_and_a_refunded_one_arriving_late_earns_once(post_webhook, programme):
    post_webhook("orders/create", payload("orders_create"))
    cancelled = payload("orders_create") | {
        "cancelled_at": "2026-11-27T12:00:00-05:00",
        "updated_at": "2026-11-27T12:00:00-05:00",
    }
    post_webhook("orders/cancelled", cancelled)
    assert balances(member()) == (0, 0, 0)

    # Out of order: the platform's first word of an order is that it was partly refunded.
    late = payload("orders_create") | {
        "id": 1111,
        "name": "#1111",
        "financial_status": "partially_refunded",
        "refunds": [payload("refunds_create") | {"order_id": 1111}],
    }
    post_webhook("orders/create", late)
    post_webhook("refunds/create", payload("refunds_create") | {"order_id": 1111})
    assert balances(member()) == (0, int(288 * Decimal("354") / Decimal("403")), 0)


def test_nothing_is_earned_while_the_programme_is_off(post_webhook, store):
    post_webhook("orders/create", payload("orders_create"))
    assert not Member.objects.exists() and not OrderPoints.objects.exists()


def test_korean_won_have_no_minor_units(kr_store, client):
    from stay.conftest import WebhookPoster

    settings = services.settings_for(kr_store)
    settings.enabled, settings.earn_per = True, Decimal("100")  # 1 point per 100 KRW
    settings.save()
    WebhookPoster(client, kr_store)("orders/create", payload("orders_create_kr_gift"))
    [lot] = OrderPoints.objects.all()
    # Prices include VAT (total = subtotal + shipping): 17,182 KRW of tax, of which goods carry
    # 189,000/192,000; what earns is the rest, 172,086.46 KRW: 1,720 points.
    assert (lot.eligible, lot.full) == (Decimal("172086.46"), 1720)


def test_a_guest_keeps_their_points_when_they_sign_in(post_webhook, programme, store):
    guest = payload("orders_create") | {"customer": None, "email": "guest@example.com"}
    post_webhook("orders/create", guest)
    guest_member = member("guest@example.com")
    assert guest_member.pending == 288
    account = Customer.objects.create(store=store, name="Signed in")
    from django.test import TestCase

    from stay.customers.services import customer_merge

    with TestCase.captureOnCommitCallbacks(execute=True):
        customer_merge(survivor=account, merged=guest_member.customer, actor="test")
    survivor = Member.objects.get(customer=account)
    assert balances(survivor) == (0, 288, 0)
    assert balances(Member.objects.get(pk=guest_member.pk)) == (0, 0, 0)
    assert OrderPoints.objects.get().member == survivor
    lot = OrderPoints.objects.get()
    points_release_due(now=lot.release_at + timedelta(days=60))
    assert balances(survivor) == (288, 0, 0)


def test_points_release_is_frozen_clock_exact(post_webhook, programme):
    """Pending until the exact second, then available (the clock passed in, as the job does)."""
    post_webhook("orders/create", payload("orders_create"))
    lot = OrderPoints.objects.get()
    assert lot.release_at > timezone.now()
    assert points_release_due(now=lot.release_at - timedelta(microseconds=1)) == 0
    assert balances(member()) == (0, 288, 0)
    assert points_release_due(now=lot.release_at) == 1
    assert balances(member()) == (288, 0, 0)
    released = PointsEntry.objects.filter(movement__key=f"order:{lot.order_id}:release")
    assert sorted(released.values_list("bucket", "points")) == [(Bucket.AVAILABLE, 288), (Bucket.PENDING, -288)]


def test_points_due_survive_a_process_dying_right_after_the_commit(store, programme):
    """The order commits with its row of points due; the job that was to work it off never
    runs (the process died): the minute's drain does it, once."""
    from django.db import transaction

    from stay.connectors.shopify.services import webhook_apply
    from stay.loyalty.models import PointsDue
    from stay.loyalty.tasks import apply_every_minute

    with transaction.atomic():  # committed (for the test's purposes), no commit callbacks run
        webhook_apply(store=store, topic="orders/create", payload=payload("orders_create"), actor="test")
    assert PointsDue.objects.count() == 1 and not OrderPoints.objects.exists()
    apply_every_minute.call_local()
    assert not PointsDue.objects.exists() and balances(member()) == (0, 288, 0)
    apply_every_minute.call_local()
    assert PointsEntry.objects.count() == 1


def test_a_guests_points_are_theirs_once_they_make_an_account_with_that_email(
    post_webhook, programme, api, chat_widget
):
    """A guest checkout earns for the person behind the address; when they sign up on the shop
    with it (Shopify's customers/create), the account is that person, and the storefront's
    signed-in shopper sees the points."""
    import hashlib
    import hmac

    from django.test import Client

    guest = payload("orders_create") | {"customer": None, "email": "bob@biller.com"}
    post_webhook("orders/create", guest)
    post_webhook("customers/create", payload("customers_create"))
    shopper = Client(
        headers={
            "X-Stay-Key": chat_widget.public_key,
            "X-Stay-Customer": "706405506930370084",
            "X-Stay-Signature": hmac.new(b"widget-secret", b"706405506930370084", hashlib.sha256).hexdigest(),
        }
    )
    me = shopper.get("/api/v1/loyalty/me")
    assert me.status_code == 200 and (me.json()["pending"], me.json()["available"]) == (288, 0)
