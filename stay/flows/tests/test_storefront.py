"""The storefront's public sign-up and back-in-stock endpoints (issue 20): any origin, the
store's own wording kept as evidence, clear 4xx answers, a limit per address."""

import pytest
from django.test import Client

from stay.customers.models import Customer
from stay.customers.selectors import consent_current
from stay.flows import storefront

pytestmark = pytest.mark.django_db


def test_bad_input_is_a_4xx_that_says_what_to_fix_and_any_origin_may_post(store):
    client = Client()
    bad = client.post("/storefront/summit/subscribe", {"email": "not-an-address"})
    assert bad.status_code == 400 and "not an email address" in bad.json()["error"]
    assert bad["Access-Control-Allow-Origin"] == "*"
    unknown = client.post("/storefront/summit/back-in-stock", {"variant": "404", "email": "a@example.com"})
    assert unknown.status_code == 400 and "No such variant" in unknown.json()["error"]
    assert client.post("/storefront/nowhere/subscribe", {"email": "a@example.com"}).status_code == 404


def test_the_wording_is_the_stores_own_in_the_pages_language(store, mailbox, outbox):
    done = Client().post("/storefront/summit/subscribe", {"email": "mina@example.com", "lang": "ko", "wording": "x"})
    assert done.status_code == 202
    record = consent_current(Customer.objects.get(identities__value="mina@example.com"))["email"]
    assert (
        record.evidence["wording"] == storefront.signup_wording(store) or "Summit Outdoor" in record.evidence["wording"]
    )
    assert record.evidence["wording"] != "x"


def test_a_limit_per_address(store, monkeypatch):
    monkeypatch.setattr(storefront, "LIMIT_PER_HOUR", 2)
    client = Client()
    answers = [client.post("/storefront/summit/subscribe", {"email": "x"}).status_code for _ in range(3)]
    assert answers == [400, 400, 429]
