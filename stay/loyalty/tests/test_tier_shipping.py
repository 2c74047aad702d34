"""A tier's free shipping on the platform (issue 21): one reusable free-shipping code per tier,
on Shopify (its fake on loopback) as a price rule that names the tier's members and nobody
else; pushed again when the members change, never while a push is on its way, and ended when
the tier stops giving free shipping. Members see the code on their account page and in the API;
the admin shows it, and the programme's figures beside its rules."""

import pytest
from django.test import TestCase

from stay.customers.models import Customer, Identity, IdentityKind
from stay.loyalty.models import Member, Tier, TierShipping
from stay.loyalty.selectors import balance_of
from stay.loyalty.services import member_of, points_bonus
from stay.loyalty.shipping import tier_shipping_sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def gold(store, programme):
    return Tier.objects.create(store=store, name="Gold", threshold=100, free_shipping=True)


def member(store, name, platform_id, points=150):
    customer = Customer.objects.create(store=store, name=name)
    Identity.objects.create(store=store, customer=customer, kind=IdentityKind.PLATFORM, value=platform_id)
    points_bonus(customer=customer, rule="review", key=f"seed:{name}", actor="test", points=points)
    return customer


def sync() -> int:
    with TestCase.captureOnCommitCallbacks(execute=True):  # the platform call goes after commit
        return tier_shipping_sync()


def test_the_tiers_members_and_only_they_get_free_shipping_on_the_platform(store, gold, shopify, api):
    ann, bo = member(store, "Ann", "7001"), member(store, "Bo", "7002")
    member(store, "Cy", "7003", points=20)  # below Gold
    assert sync() == 1
    [rule] = shopify.price_rules.values()
    assert rule["target_type"] == "shipping_line" and rule["value"] == "-100.0"
    assert rule["customer_selection"] == "prerequisite" and rule["prerequisite_customer_ids"] == [7001, 7002]
    assert rule.get("usage_limit") is None  # every order, not once
    code = TierShipping.objects.get(tier=gold).code
    assert code.startswith("GOLD-SHIP-") and code.lower() in shopify.codes
    assert sync() == 0  # nothing changed: nothing sent

    assert balance_of(ann).free_shipping_code == code
    me = api.get(f"/api/v1/loyalty/customers/{bo.pk}").json()
    assert me["free_shipping_code"] == code and "free_shipping" in me["benefits"]

    # Bo leaves Gold; Dee reaches it: the list follows, on the same rule and code.
    Member.objects.filter(customer=bo).update(tier=None)
    member(store, "Dee", "7004")
    assert sync() == 1
    assert len(shopify.price_rules) == 1 and rule["id"] in shopify.price_rules
    assert shopify.price_rules[rule["id"]]["prerequisite_customer_ids"] == [7001, 7004]
    assert shopify.calls[-1][0] == "PUT"

    # The store stops giving free shipping with Gold: the rule ends, the code is not shown.
    gold.free_shipping = False
    gold.save()
    assert sync() == 1
    assert shopify.price_rules[rule["id"]]["ends_at"]
    assert balance_of(ann).free_shipping_code == ""
    assert sync() == 0

    # Free shipping again, then the tier is deleted: the code's rule names the members again,
    # then is ended, and nothing more is sent for it.
    gold.free_shipping = True
    gold.save()
    assert sync() == 1 and shopify.price_rules[rule["id"]]["ends_at"] is None
    gold.delete()
    assert sync() == 1 and shopify.price_rules[rule["id"]]["ends_at"]
    assert sync() == 0


def test_a_push_on_its_way_is_let_finish_first(store, gold, shopify):
    member(store, "Ann", "7001")
    assert tier_shipping_sync() == 1  # not committed in this test: the call is still queued
    member(store, "Bo", "7002")
    assert tier_shipping_sync() == 0
    assert not shopify.price_rules


def test_a_tier_nobody_the_platform_knows_has_makes_nothing(store, gold, shopify):
    customer = Customer.objects.create(store=store, name="Guest")
    points_bonus(customer=customer, rule="review", key="seed", actor="test", points=500)
    assert member_of(customer).tier == gold
    assert sync() == 0
    assert not shopify.calls


def test_the_admin_shows_codes_and_the_programmes_figures(admin_client, store, gold, programme):
    member(store, "Ann", "7001")
    TierShipping.objects.create(store=store, tier=gold, code="GOLD-SHIP-7K2D")
    tiers = admin_client.get("/admin/loyalty/tier/").content.decode()
    assert "GOLD-SHIP-7K2D" in tiers
    page = admin_client.get(f"/admin/loyalty/loyaltysettings/{programme.pk}/change/").content.decode()
    assert "Points outstanding (the liability)" in page and "<td>150</td>" in page
    assert admin_client.get("/admin/loyalty/tiershipping/").status_code == 200
