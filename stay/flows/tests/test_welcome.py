"""The welcome (issue 20): a confirmed sign-up gets a single-use discount code made on the
platform (Shopify's price rule and discount code, through the platform port, here its fake on
loopback) once per person, however the address is spelled; the welcome waits for the code, and
the series stops at the first order."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from stay.conftest import payload
from stay.connectors.shopify.fake import FakeShopify
from stay.conversations.models import Message, Purpose
from stay.customers.identities import mailbox_of
from stay.flows import engine
from stay.flows.models import Enrolment, EnrolmentState, Outreach, WelcomeGift
from stay.flows.welcome import welcome_start
from stay.giftcards.models import GiftCard

pytestmark = pytest.mark.django_db
WORDING = "Yes, send me news and offers by e-mail."


def sign_up(api, email, capture):
    with capture(execute=True):
        response = api.post(
            "/api/v1/subscriptions",
            {"channel": "email", "email": email, "wording": WORDING},
            content_type="application/json",
        )
    assert response.status_code == 202, response.content
    return response.json()["customer_id"]


def confirm(outbox, email, capture):
    [mail] = [m for m in outbox.unique() if m["To"] == email.lower() and "Confirm" in m["Subject"]]
    link = re.search(r"http://127\.0\.0\.1:8000(/subscribe/confirm/\S+)", mail.get_content()).group(1)
    with capture(execute=True):
        assert Client().post(link).status_code == 200


def test_mailbox_reads_addresses_as_their_provider_does():
    assert mailbox_of("M.I.N.A+shop@GoogleMail.com") == "mina@gmail.com"
    assert mailbox_of("mina+x@example.com") == "mina@example.com"
    assert mailbox_of("m.ina@example.com") == "m.ina@example.com"  # dots count elsewhere


def test_a_confirmed_sign_up_gets_a_code_made_on_the_platform_once_per_person(
    api, shopify, outreach, mailbox, outbox, django_capture_on_commit_callbacks
):
    outreach.welcome_minimum = 50
    outreach.save()
    capture = django_capture_on_commit_callbacks
    sign_up(api, "mina.kim@gmail.com", capture)
    confirm(outbox, "mina.kim@gmail.com", capture)
    gift = WelcomeGift.objects.get()
    assert gift.person == "minakim@gmail.com" and gift.code.startswith("WELCOME-")
    [rule] = shopify.price_rules.values()
    assert (rule["value_type"], rule["value"], rule["usage_limit"], rule["once_per_customer"]) == (
        "fixed_amount",
        "-10.00",
        1,
        True,
    )
    assert rule["prerequisite_subtotal_range"] == {"greater_than_or_equal_to": "50.00"}
    assert gift.code.lower() in shopify.codes

    with capture(execute=True):
        engine.flows_advance()
    [welcome] = [m for m in outbox.unique() if m["Subject"] == "Welcome to Summit Outdoor"]
    body = welcome.get_content()
    assert f"10.00 USD off your first order with the code {gift.code}" in body
    assert "(orders over 50.00 USD)" in body

    # The same mailbox spelled otherwise: a welcome, but no second gift.
    sign_up(api, "Mina.Kim+deals@googlemail.com", capture)
    confirm(outbox, "Mina.Kim+deals@googlemail.com", capture)
    assert WelcomeGift.objects.count() == 1 and len(shopify.codes) == 1


def test_the_welcome_waits_for_the_code_and_the_series_stops_at_the_order(
    api, store, outreach, mailbox, outbox, django_capture_on_commit_callbacks, post_webhook
):
    capture = django_capture_on_commit_callbacks
    with FakeShopify(token="shpat_secret") as fake:
        store.api_base_url, store.api_token = fake.base_url, "shpat_secret"
        store.save()
        customer_id = sign_up(api, "jon@example.com", capture)
        with capture(execute=False):  # confirmed, and the code's platform call not sent yet
            [mail] = [m for m in outbox.unique() if "Confirm" in m["Subject"]]
            Client().post(re.search(r"http://127\.0\.0\.1:8000(/\S+)", mail.get_content()).group(1))
            welcome_start(customer_id, "email")
        engine.flows_advance()
        enrolment = Enrolment.objects.get(customer_id=customer_id)
        assert enrolment.position == 1 and enrolment.next_at > timezone.now()  # waits for the code
        assert not Outreach.objects.exists()

        from stay.connectors.shopify.calls import platform_call_send

        platform_call_send(call_id=WelcomeGift.objects.get().request_id)
        with capture(execute=True):
            engine.flows_advance(now=timezone.now() + timedelta(minutes=2))
        assert Message.objects.filter(purpose=Purpose.MARKETING).count() == 1

        order = payload("orders_create")
        order.update(
            email="jon@example.com", created_at=timezone.now().isoformat(), processed_at=timezone.now().isoformat()
        )
        post_webhook("orders/create", order)
        engine.flows_advance(now=timezone.now() + timedelta(days=4))
        enrolment.refresh_from_db()
        assert (enrolment.state, enrolment.exit_reason) == (EnrolmentState.EXITED, "ordered")
        assert Message.objects.filter(purpose=Purpose.MARKETING).count() == 1


def test_store_credit_as_the_gift(api, store, outreach, mailbox, outbox, django_capture_on_commit_callbacks):
    outreach.welcome_gift = "credit"
    outreach.save()
    capture = django_capture_on_commit_callbacks
    customer_id = sign_up(api, "credit@example.com", capture)
    confirm(outbox, "credit@example.com", capture)
    card = GiftCard.objects.get(customer_id=customer_id)
    assert card.balance == 10
    with capture(execute=True):
        engine.flows_advance()
    [welcome] = [m for m in outbox.unique() if m["Subject"] == "Welcome to Summit Outdoor"]
    assert "10.00 USD of store credit" in welcome.get_content()
