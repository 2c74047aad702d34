"""Tiers go up when points are released (entry points the first time only) and down only in
the daily review after the grace period, never on a single refund; a tier's multiplier and a
points campaign multiply what an order earns; signup points once per person; points expire
after months without a purchase, never sooner than a period after expiry was switched on, with
a warning and a last chance first."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import TestCase
from django.utils import timezone

from stay.conftest import payload
from stay.core.models import OutboxEntry
from stay.customers.inputs import ConsentInput
from stay.customers.models import ConsentChannel, ConsentState, Customer, Identity, IdentityKind
from stay.customers.services import consent_record
from stay.loyalty import services
from stay.loyalty.models import Cause, LoyaltyEvent, Member, Movement, OrderPoints, PointsCampaign, Tier
from stay.orders.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiers(store):
    return [
        Tier.objects.create(store=store, name="Silver", threshold=200, multiplier=Decimal("1.5"), entry_points=50),
        Tier.objects.create(store=store, name="Gold", threshold=1000, multiplier=Decimal("2"), priority_support=True),
    ]


def jon() -> Member:
    return Member.objects.select_related("tier").get(customer__identities__value="jon@example.com")


def test_a_tier_is_reached_on_release_and_lost_only_after_the_grace_period(post_webhook, programme, tiers):
    post_webhook("orders/create", payload("orders_create"))
    assert jon().tier is None  # pending points don't count
    lot = OrderPoints.objects.get()
    services.points_release_due(now=lot.release_at)
    member = jon()
    assert member.tier.name == "Silver" and member.available == 288 + 50  # entry points
    # A refund takes the score below Silver: nothing happens at once, nor before the grace.
    post_webhook("refunds/create", payload("refunds_create") | {"transactions": []})
    Order.objects.filter(pk=lot.order_id).update(total_refunded=Decimal("300"))
    services.order_points_sync(order_id=lot.order_id)
    assert jon().tier.name == "Silver"
    now = timezone.now()
    services.tiers_review(now=now)
    assert jon().tier.name == "Silver" and jon().tier_below_since is not None
    services.tiers_review(now=now + timedelta(days=29))
    assert jon().tier.name == "Silver"
    services.tiers_review(now=now + timedelta(days=31))
    assert jon().tier is None
    assert list(LoyaltyEvent.objects.order_by("pk").values_list("kind", flat=True)) == ["tier_up", "tier_down"]
    # Reached again: no second entry reward.
    services.points_bonus(customer=jon().customer, rule="review", key="big", actor="t", points=500)
    assert jon().tier.name == "Silver"
    assert Movement.objects.filter(key__startswith="tier:").count() == 1


def test_tier_and_campaign_multiply_what_an_order_earns(post_webhook, programme, tiers, store):
    customer = Customer.objects.create(store=store, name="Jon")
    Identity.objects.create(store=store, customer=customer, kind=IdentityKind.EMAIL, value="jon@example.com")
    member = services.member_of(customer)
    Member.objects.filter(pk=member.pk).update(tier=tiers[0])
    placed = Order(placed_at=timezone.now())
    PointsCampaign.objects.create(
        store=store,
        name="Double weekend",
        multiplier=2,
        starts_at=placed.placed_at - timedelta(days=400),
        ends_at=placed.placed_at + timedelta(days=1),
    )
    post_webhook("orders/create", payload("orders_create"))
    assert OrderPoints.objects.get().full == int(288 * 1.5 * 2)


def test_signup_points_once_per_person(store, programme):
    programme.signup_points = 25
    programme.save()

    def sign_up(email):
        customer = Customer.objects.create(store=store, name=email)
        Identity.objects.create(store=store, customer=customer, kind=IdentityKind.EMAIL, value=email)
        with TestCase.captureOnCommitCallbacks(execute=True):
            for n, state in enumerate((ConsentState.PENDING, ConsentState.SUBSCRIBED)):  # double opt-in
                at = timezone.now() + timedelta(seconds=n)
                consent_record(
                    customer=customer,
                    consent=ConsentInput(channel=ConsentChannel.EMAIL, state=state, occurred_at=at, source="form"),
                    actor="test",
                )
        return services.member_of(customer)

    assert sign_up("mina.kim@gmail.com").available == 25
    assert sign_up("minakim+again@googlemail.com").available == 0  # the same mailbox


def test_points_expire_after_months_without_a_purchase_with_warnings_first(post_webhook, programme, store):
    programme.expiry_months = 6
    programme.save()
    assert programme.expiry_since is not None
    post_webhook("orders/create", payload("orders_create"))
    lot = OrderPoints.objects.get()
    services.points_release_due(now=lot.release_at)
    member = jon()
    # The order was placed before expiry was switched on: a full period from the switch.
    ends = services.expires_at(member, programme)
    assert ends == services.months_after(programme.expiry_since, 6)

    assert services.points_expire_due(now=ends - timedelta(days=31)) == 0
    services.points_expire_due(now=ends - timedelta(days=29))
    services.points_expire_due(now=ends - timedelta(days=28))  # warned once
    services.points_expire_due(now=ends - timedelta(days=6))
    # The warnings are for the outreach flows to send, through the gate (stay/flows/tests/test_points.py).
    warnings = [e.payload for e in OutboxEntry.objects.filter(event="loyalty.points_expiring").order_by("id")]
    assert warnings == [
        {"customer_id": member.customer_id, "points": 288, "expires_at": ends.isoformat(), "last_chance": last}
        for last in (False, True)
    ]
    assert services.points_expire_due(now=ends) == 1
    member.refresh_from_db()
    assert member.available == 0
    assert Movement.objects.filter(cause=Cause.EXPIRY).count() == 1
    assert services.points_expire_due(now=ends + timedelta(days=1)) == 0


def test_months_after_keeps_to_the_calendar():
    at = timezone.now().replace(year=2026, month=8, day=31)
    assert services.months_after(at, 6).date().isoformat() == "2027-02-28"
    assert services.months_after(at.replace(year=2027), 18).date().isoformat() == "2029-02-28"
    assert services.months_after(at.replace(year=2027, month=8), 6).date().isoformat() == "2028-02-29"


def test_birthday_points_once_a_year_on_the_day(store, programme):
    from datetime import date

    programme.birthday_points = 30
    programme.save()
    mina = Customer.objects.create(store=store, name="Mina")
    leap = Customer.objects.create(store=store, name="Leap")
    services.birthday_set(customer=mina, birthday=date(1990, 5, 17))
    services.birthday_set(customer=leap, birthday=date(1992, 2, 29))
    assert services.birthdays_due(today=date(2027, 5, 16)) == 0
    assert services.birthdays_due(today=date(2027, 5, 17)) == 1
    assert services.birthdays_due(today=date(2027, 5, 17)) == 0  # once
    assert services.birthdays_due(today=date(2027, 2, 28)) == 1  # 29 February, in a year without one
    assert services.birthdays_due(today=date(2028, 2, 28)) == 0 and services.birthdays_due(today=date(2028, 2, 29)) == 1
    assert services.member_of(mina).available == 30 and services.member_of(leap).available == 60


def test_early_access_campaigns_reach_a_tiers_members_and_the_api_lists_benefits(store, programme, tiers, api):
    from stay.flows.segments import segment_customers

    tiers[1].early_access = True
    tiers[1].save()
    gold, silver, plain = (Customer.objects.create(store=store, name=n) for n in ("Gold", "Silver", "Plain"))
    services.points_bonus(customer=gold, rule="review", key="g", actor="t", points=1500)
    services.points_bonus(customer=silver, rule="review", key="s", actor="t", points=300)
    services.member_of(plain)
    assert list(segment_customers(store=store, segment={"kind": "tier"})) == [gold]
    named = segment_customers(store=store, segment={"kind": "tier", "tiers": ["Silver", "Gold"]})
    assert set(named) == {gold, silver}
    balance = api.get(f"/api/v1/loyalty/customers/{gold.pk}").json()
    assert balance["tier"] == "Gold" and balance["benefits"] == ["early_access", "priority_support"]
    assert api.get(f"/api/v1/loyalty/customers/{plain.pk}").json()["benefits"] == []
    from stay.core.errors import InvalidInput

    with pytest.raises(InvalidInput, match=r"segment\.tiers"):
        segment_customers(store=store, segment={"kind": "tier", "tiers": "Gold"})
