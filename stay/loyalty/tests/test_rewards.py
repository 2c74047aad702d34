"""Redeeming (issue 21): the points are spent in one transaction with the redemption; the code
is made on Shopify (its fake on loopback: price rule and discount code) and shown when it
exists; a platform that refuses gives the points back, once; store credit goes through the
gift cards' ledger; the storefront redeems for its signed-in shopper (HMAC of the id); an
agent's adjustment stays within their role's limit."""

import hashlib
import hmac
from decimal import Decimal

import pytest
from django.test import Client, TestCase
from django.utils import timezone

from stay.customers.models import Customer, Identity, IdentityKind
from stay.giftcards.models import GiftCard, Kind
from stay.loyalty.models import Bucket, Cause, LoyaltyEvent, Movement, Redemption, RedemptionState
from stay.loyalty.rewards import reward_redeem
from stay.loyalty.services import member_of, points_bonus

pytestmark = pytest.mark.django_db


@pytest.fixture
def jon(store, programme):
    customer = Customer.objects.create(store=store, name="Jon")
    Identity.objects.create(store=store, customer=customer, kind=IdentityKind.PLATFORM, value="115310627314723954")
    Identity.objects.create(store=store, customer=customer, kind=IdentityKind.EMAIL, value="jon@example.com")
    points_bonus(customer=customer, rule="review", key="seed", actor="test", points=300)
    return customer


def redeem(api, reward, key, **body):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return api.post(
            "/api/v1/loyalty/redeem",
            {"reward_id": reward.pk, **body},
            content_type="application/json",
            headers={"Idempotency-Key": key},
        )


def test_a_discount_code_is_made_on_the_platform_and_shown_once_it_exists(api, jon, rewards, shopify):
    response = redeem(api, rewards["amount"], "r-1", customer_id=jon.pk)
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["available"] == 200 and made["points"] == 100
    redemption = Redemption.objects.get()
    assert redemption.state == RedemptionState.READY and redemption.code.startswith("PTS-")
    [rule] = shopify.price_rules.values()
    assert (rule["value_type"], rule["value"], rule["usage_limit"]) == ("fixed_amount", "-10.00", 1)
    assert rule["prerequisite_customer_ids"] == [115310627314723954]
    assert redemption.code.lower() in shopify.codes
    shown = api.get(f"/api/v1/loyalty/redemptions/{redemption.pk}").json()
    assert shown["code"] == redemption.code and shown["state"] == "ready"
    # The same key again: the first redemption, nothing spent twice.
    again = redeem(api, rewards["amount"], "r-1", customer_id=jon.pk)
    assert again.status_code == 201 and again.json()["id"] == redemption.pk
    assert member_of(jon).available == 200 and len(shopify.price_rules) == 1
    other = redeem(api, rewards["percent"], "r-1", customer_id=jon.pk)
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"


def test_free_shipping_is_a_shipping_line_discount(api, jon, rewards, shopify):
    assert redeem(api, rewards["free_shipping"], "ship", customer_id=jon.pk).status_code == 201
    [rule] = shopify.price_rules.values()
    assert (rule["target_type"], rule["allocation_method"], rule["value_type"], rule["value"]) == (
        "shipping_line",
        "each",
        "percentage",
        "-100",
    )


def test_a_platform_that_refuses_gives_the_points_back_once(api, jon, rewards, store):
    store.api_base_url, store.api_token = "", ""  # not connected: fails for good at once
    store.save()
    response = redeem(api, rewards["amount"], "r-2", customer_id=jon.pk)
    assert response.status_code == 201
    redemption = Redemption.objects.get()
    assert redemption.state == RedemptionState.GIVEN_BACK and "not connected" in redemption.error
    member = member_of(jon)
    assert member.available == 300
    assert list(Movement.objects.filter(member=member).values_list("cause", flat=True).order_by("pk")) == [
        Cause.RULE,
        Cause.REWARD,
        Cause.GIVE_BACK,
    ]
    shown = api.get(f"/api/v1/loyalty/redemptions/{redemption.pk}").json()
    assert shown["state"] == "given_back" and shown["code"] == ""


def test_store_credit_goes_through_the_gift_cards_ledger(api, jon, rewards):
    assert redeem(api, rewards["credit"], "credit", customer_id=jon.pk).status_code == 201
    card = GiftCard.objects.get(customer=jon, kind=Kind.STORE_CREDIT)
    assert card.balance == Decimal("5.00")
    assert Redemption.objects.get().state == RedemptionState.READY
    assert member_of(jon).available == 250


def test_not_enough_points_is_a_409_that_says_so(api, jon, rewards, shopify):
    points_bonus(customer=jon, rule="review", key="x", actor="t", points=1)
    for n in range(3):
        assert redeem(api, rewards["amount"], f"k{n}", customer_id=jon.pk).status_code == 201
    refused = redeem(api, rewards["amount"], "k4", customer_id=jon.pk)
    assert refused.status_code == 409 and refused.json()["code"] == "not_enough_points"
    assert "1 points are available" in refused.json()["detail"]
    assert redeem(api, rewards["amount"], "k5").status_code == 400  # a token must name the customer
    assert (
        api.post(
            "/api/v1/loyalty/redeem", {"reward_id": 1, "customer_id": jon.pk}, content_type="application/json"
        ).status_code
        == 422
    )


def test_the_storefront_redeems_for_its_signed_in_shopper(jon, rewards, chat_widget, shopify):
    signature = hmac.new(b"widget-secret", b"115310627314723954", hashlib.sha256).hexdigest()
    shopper = Client(
        headers={
            "X-Stay-Key": chat_widget.public_key,
            "X-Stay-Customer": "115310627314723954",
            "X-Stay-Signature": signature,
        }
    )
    me = shopper.get("/api/v1/loyalty/me")
    assert me.status_code == 200 and me.json()["available"] == 300
    offered = shopper.get("/api/v1/loyalty/rewards").json()
    assert offered[0]["name"] == "$5 store credit"
    with TestCase.captureOnCommitCallbacks(execute=True):
        made = shopper.post(
            "/api/v1/loyalty/redeem",
            {"reward_id": rewards["amount"].pk, "customer_id": 999},  # the id in the body is ignored
            content_type="application/json",
            headers={"Idempotency-Key": "sf-1"},
        )
    assert made.status_code == 201 and made.json()["available"] == 200
    assert Redemption.objects.get().member.customer == jon
    forged = Client(
        headers={"X-Stay-Key": chat_widget.public_key, "X-Stay-Customer": "1", "X-Stay-Signature": signature}
    )
    assert forged.get("/api/v1/loyalty/me").status_code == 401
    assert forged.post("/api/v1/loyalty/redeem", {"reward_id": 1}, content_type="application/json").status_code == 401
    # A shopper reaches no one else's redemption, and none of the admin's endpoints.
    assert shopper.get(f"/api/v1/loyalty/customers/{jon.pk}").status_code == 401


def test_an_agent_adjusts_points_within_their_roles_limit(api_for, jon, agent_user, lead_user, api_user):
    agent, lead = api_for(agent_user), api_for(lead_user)

    def adjust(client, points, key, reason="Sorry for the wait"):
        return client.post(
            f"/api/v1/customers/{jon.pk}/points",
            {"points": points, "reason": reason},
            content_type="application/json",
            headers={"Idempotency-Key": key},
        )

    assert adjust(agent, 600, "a1").json()["code"] == "needs_lead"
    ok = adjust(agent, 200, "a2")
    assert ok.status_code == 200 and ok.json()["available"] == 500
    assert adjust(agent, 200, "a2").json()["available"] == 500  # the same key: once
    assert adjust(lead, -600, "l1").json()["code"] == "not_enough_points"
    assert adjust(lead, -500, "l2").json()["available"] == 0
    assert adjust(agent, 10, "a3", reason=" ").status_code == 400
    assert adjust(api_for(api_user), 10, "x").status_code == 403  # a token that is no agent's
    event = LoyaltyEvent.objects.filter(kind="adjusted").first()
    assert event.actor == "api:lee" and event.data["points"] == -500
    entries = Movement.objects.filter(cause=Cause.AGENT).values_list("entries__bucket", "entries__points")
    assert sorted(entries) == [(Bucket.AVAILABLE, -500), (Bucket.AVAILABLE, 200)]


def test_postgresql_redeems_in_one_call_and_keeps_the_same_books(jon, rewards, shopify):
    """The database function (PostgreSQL) and the Python service (SQLite, and everything the
    function leaves to it) write the same rows."""
    from django.db import connection

    from stay.loyalty import fastpath
    from stay.loyalty.models import PointsEntry

    made = fastpath.redeem(
        store_id=jon.store_id,
        customer_id=jon.pk,
        reward_id=rewards["amount"].pk,
        key="fast",
        code="PTS-FAST",
        actor="test",
        now=timezone.now(),
    )
    if connection.vendor != "postgresql":
        assert made is None  # SQLite: always the service
        made = reward_redeem(customer=jon, reward_id=rewards["amount"].pk, key="fast", actor="test").pk
    redemption = Redemption.objects.get(pk=made)
    assert (redemption.points, redemption.state, redemption.key) == (100, RedemptionState.MAKING, "fast")
    movement = Movement.objects.get(key=f"redeem:{made}")
    assert (movement.cause, movement.memo) == (Cause.REWARD, "$10 off")
    assert list(PointsEntry.objects.filter(movement=movement).values_list("bucket", "points")) == [("available", -100)]
    assert member_of(jon).available == 200
    assert LoyaltyEvent.objects.get(kind="redeemed").data["redemption"] == made
    # What the function leaves to the service: a repeat, too few points, store credit.
    args = {"store_id": jon.store_id, "customer_id": jon.pk, "code": "X", "actor": "t", "now": timezone.now()}
    assert fastpath.redeem(reward_id=rewards["amount"].pk, key="fast", **args) is None
    assert fastpath.redeem(reward_id=rewards["credit"].pk, key="credit", **args) is None
    points_bonus(customer=jon, rule="review", key="drain", actor="t", points=0)
    assert (
        fastpath.redeem(reward_id=rewards["percent"].pk, key="p1", **args) is not None
        or connection.vendor != "postgresql"
    )
    assert fastpath.redeem(reward_id=rewards["percent"].pk, key="p2", **args) is None  # 50 left < 150


def test_a_free_product_is_one_unit_of_that_variant(api, jon, shopify, store):
    from stay.catalog.models import Product, Variant
    from stay.loyalty.models import Reward, RewardKind

    variant = Variant.objects.create(
        store=store,
        product=Product.objects.create(store=store, platform_id="p9", title="Trail Socks"),
        platform_id="808950811",
        title="M",
        price=12,
    )
    socks = Reward.objects.create(store=store, name="Free socks", kind=RewardKind.PRODUCT, points=200, variant=variant)
    assert redeem(api, socks, "socks", customer_id=jon.pk).status_code == 201
    [rule] = shopify.price_rules.values()
    assert (rule["target_selection"], rule["entitled_variant_ids"], rule["allocation_limit"]) == (
        "entitled",
        [808950811],
        1,
    )
    assert (rule["value_type"], rule["value"]) == ("percentage", "-100")
    assert Redemption.objects.get(reward=socks).state == RedemptionState.READY


def test_a_balance_read_is_four_statements(api, jon, django_assert_max_num_queries):
    """The token, the store, the token's user's stores, the member's row (bench/loyalty.py)."""
    api.get(f"/api/v1/loyalty/customers/{jon.pk}")
    with django_assert_max_num_queries(4):
        balance = api.get(f"/api/v1/loyalty/customers/{jon.pk}")
    assert balance.json()["available"] == 300


def test_the_api_awards_review_points_only(api, jon, programme):
    """Sign-up and referral points through the API skipped their once-per-person and fraud
    rules (an agent's token could award a referral bonus for no referral)."""
    programme.review_points, programme.referral_points = 20, 500
    programme.save()
    url = f"/api/v1/customers/{jon.pk}/bonus".replace("/customers/", "/loyalty/customers/")
    for rule in ("referral", "signup", "birthday"):
        refused = api.post(url, {"rule": rule, "reference": "x"}, content_type="application/json")
        assert refused.status_code == 400 and refused.json()["code"] == "invalid_rule"
    assert member_of(jon).available == 300
    assert api.post(url, {"rule": "review", "reference": " "}, content_type="application/json").status_code == 400
    for _ in range(2):  # a redelivered review webhook earns once
        done = api.post(url, {"rule": "review", "reference": "review-77"}, content_type="application/json")
        assert done.status_code == 200 and done.json()["available"] == 320
