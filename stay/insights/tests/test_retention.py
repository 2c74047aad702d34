"""The retention figures (issue 23) on a small fixed store, each against values worked out by
hand in the docstrings; and the summaries they read kept by the orders' events.

The store keeps New York time. Today is 2026-06-15. Orders (noon UTC):
- ann: 2026-01-10 $100, 02-05 $50, 03-20 $30 (3 orders; the second 26 days after the first)
- bo: 2026-01-20 $80
- cy: 2026-02-10 $60, 05-01 $40 (the second 80 days after)
- dee: 2025-04-01 $20
- eve: 2026-06-01 $200, a gift card from ann in hand since May
- fay: 2026-03-01 $10, and 04-01 $70 cancelled
"""

from datetime import UTC, date, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from stay.customers.services import customer_merge
from stay.insights import selectors
from stay.insights.models import Buyer, BuyerMonth, Source
from stay.insights.selectors import Segment
from stay.insights.services import buyers_rebuild
from stay.insights.tests.conftest import TODAY, buyer, order
from stay.orders.inputs import RefundInput
from stay.orders.models import Order
from stay.orders.services import refund_create

pytestmark = pytest.mark.django_db


def test_the_events_keep_one_row_per_buyer(shop):
    ann = buyer("ann")
    assert (ann.orders, ann.spent, ann.first_value) == (3, Decimal("180.00"), Decimal("100.00"))
    assert ann.second_order_at == datetime(2026, 2, 5, 12, tzinfo=UTC)
    fay = buyer("fay")
    assert fay.orders == 1 and fay.second_order_at is None  # the cancelled order does not count
    assert Buyer.objects.filter(store=shop).count() == 6
    months = BuyerMonth.objects.filter(customer=ann.customer).order_by("month")
    assert [(m.month, m.cohort, m.orders) for m in months] == [
        (date(2026, 1, 1), date(2026, 1, 1), 1),
        (date(2026, 2, 1), date(2026, 1, 1), 1),
        (date(2026, 3, 1), date(2026, 1, 1), 1),
    ]
    assert buyers_rebuild(store_id=shop.pk).corrected == 0  # a full recount agrees with the kept rows


def test_where_buyers_came_from(shop):
    """eve held ann's gift card before her first order: a recipient. The others: unknown."""
    assert {who: buyer(who).source for who in ("ann", "bo", "cy", "dee", "eve", "fay")} == {
        "ann": Source.OTHER,
        "bo": Source.OTHER,
        "cy": Source.OTHER,
        "dee": Source.OTHER,
        "eve": Source.GIFT,
        "fay": Source.OTHER,
    }


def test_repeat_rate_month_by_month(shop):
    """Buyers by each month's end / of whom with two orders: Jan 3 (dee, ann, bo) / 0; Feb 4
    (+cy) / 1 (ann); Mar 5 (+fay) / 1; Apr 5 / 1 (fay's second was cancelled); May 5 / 2
    (+cy); Jun 6 (+eve) / 2."""
    points = selectors.repeat_rate(store=shop, months=6, today=TODAY)
    assert [(p.month, p.buyers, p.repeat) for p in points] == [
        (date(2026, 1, 1), 3, 0),
        (date(2026, 2, 1), 4, 1),
        (date(2026, 3, 1), 5, 1),
        (date(2026, 4, 1), 5, 1),
        (date(2026, 5, 1), 5, 2),
        (date(2026, 6, 1), 6, 2),
    ]
    assert points[-1].rate == pytest.approx(1 / 3)


def test_time_to_the_second_order_by_kaplan_meier(shop):
    """Ordered again after 26 days (ann) and 80 (cy); eve (14.7 days), fay (106.7), bo (146.7)
    and dee (441) have not yet, and are censored at the end of today. At 26 days, 1 of the 5
    still waiting ordered: 1 - 4/5 = 0.2; at 80, 1 of 4: 1 - 4/5 * 3/4 = 0.4. Half never
    have, so there is no median yet."""
    found = selectors.second_order(store=shop, today=TODAY)
    assert (found.buyers, found.again, found.median_days) == (6, 2, None)
    assert found.within == pytest.approx({30: 0.2, 60: 0.2, 90: 0.4, 180: 0.4, 365: 0.4})
    assert [(days, pytest.approx(share)) for days, share in found.curve] == [(26, 0.2), (80, 0.4)]


def test_cohorts_by_month_of_the_first_order(shop):
    """Jan: ann and bo, ann again in Feb and Mar (1/2 each). Feb: cy, again in May. Mar: fay,
    not again (her April order was cancelled). Jun: eve. dee's 2025 cohort is older."""
    rows = selectors.cohorts(store=shop, months=6, today=TODAY)
    assert [(r.month, r.size, r.shares) for r in rows] == [
        (date(2026, 1, 1), 2, [0.5, 0.5, 0.0, 0.0, 0.0]),
        (date(2026, 2, 1), 1, [0.0, 0.0, 1.0, 0.0]),
        (date(2026, 3, 1), 1, [0.0, 0.0, 0.0]),
        (date(2026, 4, 1), 0, [0.0, 0.0]),
        (date(2026, 5, 1), 0, [0.0]),
        (date(2026, 6, 1), 1, []),
    ]
    gifts = selectors.cohorts(store=shop, months=6, source=Source.GIFT, today=TODAY)
    assert [r.size for r in gifts] == [0, 0, 0, 0, 0, 1]


def test_segments_and_who_moved(shop):
    """In June: eve new; bo (5 months) and fay (3) one-time; cy returning; ann (3 orders, the
    last 3 months ago) a regular; dee (14 months) lost. Since May's end eve arrived and fay
    stopped being new. In May, cy's second order made her a returning buyer."""
    june = selectors.segments(store=shop, today=TODAY)
    sizes = {s.segment: (s.customers, s.spent) for s in june.sizes}
    assert sizes == {
        Segment.NEW: (1, Decimal("200.00")),
        Segment.ONE_TIME: (2, Decimal("90.00")),
        Segment.RETURNING: (1, Decimal("100.00")),
        Segment.REGULAR: (1, Decimal("180.00")),
        Segment.AT_RISK: (0, Decimal("0.00")),
        Segment.LOST: (1, Decimal("20.00")),
    }
    assert june.moves == {("", Segment.NEW): 1, (Segment.NEW, Segment.ONE_TIME): 1}
    may = selectors.segments(store=shop, today=date(2026, 5, 15))
    assert may.moves[(Segment.NEW, Segment.RETURNING)] == 1
    for name, (size, _spent) in sizes.items():  # the list and the count agree, segment by segment
        assert len(selectors.segment_members(store=shop, segment=name, today=TODAY)) == size, name
    members = selectors.segment_members(store=shop, segment=Segment.ONE_TIME, today=TODAY)
    assert members == [buyer("bo").customer_id, buyer("fay").customer_id]


def test_gift_card_recipients_first_order_against_everyones(shop):
    """First orders 100, 80, 60, 20, 200, 10: 470 / 6 = 78.33; the recipient's 200."""
    found = selectors.first_orders(store=shop)
    assert (found.buyers, found.average, found.recipients, found.recipients_average) == (
        6,
        Decimal("78.33"),
        1,
        Decimal("200.00"),
    )
    assert found.ratio == pytest.approx(200 / (470 / 6), rel=1e-3)


def test_a_refund_an_edit_a_move_and_a_merge_are_counted(shop, django_capture_on_commit_callbacks):
    """Each path that changes a customer's orders recounts them: a refund lowers what they
    spent; a new total and a cancellation change the order; an order moved to another
    customer counts for them; a merge joins two buyers into one."""
    with django_capture_on_commit_callbacks(execute=True):
        refund_create(
            store=shop,
            data=RefundInput(platform_id="r1", order_platform_id="4", amount=Decimal("30"), created_at=timezone.now()),
            actor="test",
        )
    assert buyer("bo").spent == Decimal("50.00") and buyer("bo").first_value == Decimal("80.00")
    with django_capture_on_commit_callbacks(execute=True):
        order(shop, "cy", (2026, 5, 1), "45", number=6)  # edited on the platform
    assert buyer("cy").spent == Decimal("105.00")
    with django_capture_on_commit_callbacks(execute=True):
        order(shop, "cy", (2026, 5, 1), "45", number=6, cancelled=True)
    assert (buyer("cy").orders, buyer("cy").second_order_at) == (1, None)
    with django_capture_on_commit_callbacks(execute=True):
        order(shop, "bo", (2026, 2, 10), "60", number=5)  # cy's first order was bo's after all
    cy = Order.objects.get(store=shop, platform_id="6").customer_id
    assert not Buyer.objects.filter(customer_id=cy).exists()  # her one order left was cancelled
    assert (buyer("bo").orders, buyer("bo").spent) == (2, Decimal("110.00"))
    survivor, merged = buyer("fay").customer, buyer("dee").customer
    with django_capture_on_commit_callbacks(execute=True):
        customer_merge(survivor=survivor, merged=merged, actor="test")
    fay = Buyer.objects.get(customer=survivor)
    assert (fay.orders, fay.first_order_at.year, fay.second_order_at.year) == (2, 2025, 2026)
    assert not Buyer.objects.filter(customer=merged).exists()
    assert buyers_rebuild(store_id=shop.pk).corrected == 0


def test_a_rebuild_finds_and_mends_what_the_events_missed(shop):
    Buyer.objects.filter(customer=buyer("ann").customer).update(orders=7)
    BuyerMonth.objects.filter(customer=buyer("bo").customer).delete()
    out = StringIO()
    call_command("insights", "rebuild", "--store", shop.slug, stdout=out)
    assert out.getvalue() == f"{shop.slug}: 6 customers recounted, 2 corrected\n"
    assert buyer("ann").orders == 3
    with pytest.raises(CommandError, match="--store 'nope': no such store"):
        call_command("insights", "rebuild", "--store", "nope")
