"""Referrals (issue 21): the friend gets a first-order code made on the platform; the referrer
gets points once the friend's first order has passed its pending period; self-referral (the
same mailbox however it is spelled, the same phone, the referrer's own shipping address), a
friend who is not new, a friend referred twice and the monthly limit are refused, each
recorded with its reason."""

from decimal import Decimal

import pytest
from django.test import TestCase

from stay.conftest import payload
from stay.customers.models import Customer, Identity, IdentityKind
from stay.loyalty.models import LoyaltyEvent, Member, OrderPoints, Referral, ReferralState
from stay.loyalty.services import member_of, points_release_due

pytestmark = pytest.mark.django_db


@pytest.fixture
def referrer(store, programme):
    programme.referral_points, programme.referral_friend_value, programme.referral_monthly_limit = 200, 10, 2
    programme.save()
    customer = Customer.objects.create(store=store, name="Mina")
    Identity.objects.create(store=store, customer=customer, kind=IdentityKind.EMAIL, value="mina.kim@gmail.com")
    Identity.objects.create(store=store, customer=customer, kind=IdentityKind.PHONE, value="+12125550123")
    return member_of(customer)


def refer(api, code, **who):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return api.post("/api/v1/loyalty/referrals", {"code": code, **who}, content_type="application/json")


def test_a_friend_gets_a_code_and_the_referrer_points_after_the_pending_period(api, referrer, shopify, post_webhook):
    made = refer(api, referrer.referral_code.lower(), email="jon@example.com")
    assert made.status_code == 201, made.content
    referral = Referral.objects.get()
    assert referral.state == ReferralState.INVITED and made.json()["code"] == referral.code
    [rule] = shopify.price_rules.values()
    assert (rule["value_type"], rule["value"]) == ("fixed_amount", "-10.00")
    assert referral.code.lower() in shopify.codes

    post_webhook("orders/create", payload("orders_create"))  # jon's first order
    assert Referral.objects.get().state == ReferralState.INVITED  # pending: nothing yet
    lot = OrderPoints.objects.get()
    points_release_due(now=lot.release_at)
    referral.refresh_from_db()
    assert referral.state == ReferralState.REWARDED and referral.order_id == lot.order_id
    assert Member.objects.get(pk=referrer.pk).available == 200
    points_release_due(now=lot.release_at)
    assert Member.objects.get(pk=referrer.pk).available == 200  # once


@pytest.mark.parametrize(
    "who, reason",
    [
        ({"email": "MinaKim+promo@googlemail.com"}, "self"),
        ({"phone": "(212) 555-0123"}, "self"),
    ],
)
def test_self_referral_is_refused_and_recorded(api, referrer, who, reason):
    refused = refer(api, referrer.referral_code, **who)
    assert refused.status_code == 409 and refused.json()["code"] == "referral_refused"
    assert "cannot refer themselves" in refused.json()["detail"]
    assert Referral.objects.get().reason == reason
    assert LoyaltyEvent.objects.get(kind="referral_refused").data["reason"] == reason


def test_a_friend_who_is_not_new_or_was_referred_and_the_monthly_limit(api, referrer, post_webhook, shopify):
    post_webhook("orders/create", payload("orders_create"))
    assert refer(api, referrer.referral_code, email="jon@example.com").json()["detail"].startswith("Only a new")
    assert refer(api, referrer.referral_code, email="a@example.com").status_code == 201
    assert "referred already" in refer(api, referrer.referral_code, email="a@example.com").json()["detail"]
    assert refer(api, referrer.referral_code, email="b@example.com").status_code == 201
    assert "as many friends" in refer(api, referrer.referral_code, email="c@example.com").json()["detail"]
    reasons = sorted(Referral.objects.filter(state="refused").values_list("reason", flat=True))
    assert reasons == ["already_referred", "limit", "not_new"]
    assert refer(api, "NOPE", email="d@example.com").status_code == 404


def test_the_friends_order_to_the_referrers_address_pays_nothing(api, referrer, shopify, post_webhook, store):
    address = payload("orders_create")["shipping_address"]
    from django.utils import timezone

    from stay.orders.models import Order

    Order.objects.create(
        store=store,
        platform_id="old",
        name="#1",
        customer=referrer.customer,
        placed_at=timezone.now(),
        currency="USD",
        shipping_address={**address, "address1": address["address1"].upper()},
    )
    assert refer(api, referrer.referral_code, email="jon@example.com").status_code == 201
    post_webhook("orders/create", payload("orders_create"))
    lot = OrderPoints.objects.get(order__platform_id="820982911946154508")
    points_release_due(now=lot.release_at)
    referral = Referral.objects.get()
    assert (referral.state, referral.reason) == (ReferralState.REFUSED, "same_address")
    assert Member.objects.get(pk=referrer.pk).available == 0
    assert Decimal(lot.eligible) == Decimal("288.00")
