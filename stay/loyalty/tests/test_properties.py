"""Random sequences of orders, refunds, cancellations, releases, redemptions, agents'
adjustments, expiries and redelivered events keep the points' invariants (hypothesis): no
balance is ever negative, each equals the sum of its entries, and pending is exactly what the
pending orders still count."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from stay.core.errors import StayError
from stay.customers.models import Customer
from stay.loyalty import services
from stay.loyalty.models import LotState, Member, OrderPoints, Reward, RewardKind
from stay.loyalty.rewards import reward_redeem
from stay.orders.models import Order

pytestmark = pytest.mark.django_db

cents = st.integers(min_value=1, max_value=50_000).map(lambda c: Decimal(c) / 100)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("order"), cents),
        st.tuples(st.just("refund"), st.integers(0, 9), st.integers(1, 100)),
        st.tuples(st.just("cancel"), st.integers(0, 9)),
        st.tuples(st.just("replay"), st.integers(0, 9)),
        st.tuples(st.just("release"), st.integers(0, 90)),
        st.tuples(st.just("redeem"), st.integers(0, 3)),
        st.tuples(st.just("adjust"), st.integers(-300, 300)),
        st.tuples(st.just("spend_all")),
        st.tuples(st.just("expire"), st.integers(0, 800)),
    ),
    min_size=8,
    max_size=25,
)


def invariants(member: Member) -> None:
    member.refresh_from_db()
    assert member.available >= 0 and member.pending >= 0 and member.owed >= 0
    assert services.balances_sum(member) == {
        "available": member.available,
        "pending": member.pending,
        "owed": member.owed,
    }
    pending = OrderPoints.objects.filter(member=member, state=LotState.PENDING).aggregate(t=Sum("counted"))["t"] or 0
    assert member.pending == pending


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_any_sequence_keeps_the_points_books(store, ops):
    with transaction.atomic():
        settings_ = services.settings_for(store)
        start = timezone.now()
        settings_.enabled, settings_.expiry_months = True, 6
        settings_.expiry_since = start - timedelta(days=365)
        settings_.save()
        customer = Customer.objects.create(store=store, name="Hypo")
        member = services.member_of(customer)
        rewards = [
            Reward.objects.create(store=store, name=f"r{n}", kind=RewardKind.CREDIT, points=p, value=Decimal("1"))
            for n, p in enumerate((1, 50, 120, 999))
        ]
        orders: list[Order] = []
        for number, op in enumerate(ops):
            now = start + timedelta(days=number)
            if op[0] == "order":
                order = Order.objects.create(
                    store=store,
                    platform_id=f"o{number}",
                    name=f"#{number}",
                    customer=customer,
                    placed_at=now,
                    currency="USD",
                    subtotal=op[1],
                    total=op[1],
                    financial_status="paid",
                )
                orders.append(order)
                services.order_points_sync(order_id=order.pk, now=now)
            elif op[0] in ("refund", "cancel", "replay") and orders:
                order = orders[op[1] % len(orders)]
                if op[0] == "refund":
                    back = min(
                        order.total - order.total_refunded, (order.total * op[2] / 100).quantize(Decimal("0.01"))
                    )
                    order.total_refunded += back
                    order.financial_status = "refunded" if order.total_refunded >= order.total else "partially_refunded"
                elif op[0] == "cancel":
                    order.cancelled_at = now
                order.save()
                services.order_points_sync(order_id=order.pk, now=now)
            elif op[0] == "release":
                services.points_release_due(now=now + timedelta(days=op[1]))
            elif op[0] == "redeem":
                try:
                    reward_redeem(customer=customer, reward_id=rewards[op[1]].pk, key=f"k{number}", actor="t")
                    event("redeemed")
                except StayError as exc:
                    event(f"redeem refused: {exc.code}")
            elif op[0] == "adjust" and op[1]:
                try:
                    services.points_adjust(
                        customer=customer, points=op[1], reason="r", limit=None, actor="t", key=f"a{number}"
                    )
                except StayError as exc:
                    event(f"adjust refused: {exc.code}")
            elif op[0] == "spend_all":
                member.refresh_from_db()
                if member.available:
                    services.points_adjust(
                        customer=customer, points=-member.available, reason="r", limit=None, actor="t", key=f"s{number}"
                    )
            elif op[0] == "expire":
                event(f"expired: {services.points_expire_due(now=now + timedelta(days=op[1]))}")
            invariants(member)
        transaction.set_rollback(True)
