"""After the purchase (issue 20): shipping news from Shopify's fulfilment webhooks (delivered,
a delivery problem) and for a parcel with no news for days, each once; the review request
after delivery and the gift-card recipient's follow-up as flows through the gate."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from stay.conftest import payload
from stay.customers.models import Customer
from stay.flows import engine
from stay.flows.models import Enrolment, ShippingNotice
from stay.flows.postpurchase import shipping_delays
from stay.flows.tests.test_gate import shopper
from stay.giftcards.delivery import deliver_due
from stay.giftcards.services import Caller, Recipient, gift_card_issue
from stay.orders.models import Fulfilment

pytestmark = pytest.mark.django_db


def test_delivery_news_then_the_review_request(
    post_webhook, outreach, mailbox, outbox, django_capture_on_commit_callbacks
):
    jon = shopper(post_webhook.store, email="jon@example.com")  # agreed to e-mail marketing
    post_webhook("products/create", payload("products_create"))
    post_webhook("orders/create", payload("orders_create"))
    post_webhook("fulfillments/create", payload("fulfillments_create"))
    delivered = {**payload("fulfillments_update_delivered"), "updated_at": timezone.now().isoformat()}
    post_webhook("fulfillments/update", delivered)
    [news] = [m for m in outbox.unique() if "was delivered" in m["Subject"]]
    assert news["To"] == "jon@example.com" and "Anything not right?" in news.get_content()
    post_webhook(
        "fulfillments/update", {**payload("fulfillments_update_delivered"), "updated_at": "2026-12-02T00:00:00Z"}
    )
    assert ShippingNotice.objects.filter(kind="delivered").count() == 1  # once

    enrolment = Enrolment.objects.get(customer=jon, flow__trigger="delivered")
    with django_capture_on_commit_callbacks(execute=True):
        assert engine.flows_advance() == 0  # three days after delivery
        engine.flows_advance(now=timezone.now() + timedelta(days=3, minutes=1))
    [review] = [m for m in outbox.unique() if m["Subject"].startswith("How is your")]
    assert "Ridgeline 2P Tent" in review["Subject"]
    enrolment.refresh_from_db()
    assert enrolment.state == "done"


def test_a_delivery_problem_and_a_late_parcel_are_told_once(
    post_webhook, outreach, mailbox, outbox, django_capture_on_commit_callbacks
):
    post_webhook("orders/create", payload("orders_create"))
    failed = {**payload("fulfillments_create"), "shipment_status": "failure", "updated_at": timezone.now().isoformat()}
    post_webhook("fulfillments/create", failed)
    assert [m["Subject"] for m in outbox.unique() if "problem" in m["Subject"]] == [
        "A problem delivering your order #1001"
    ]
    second = {**payload("fulfillments_create"), "id": 255858047, "tracking_number": "1Z9999"}
    second.update(created_at=(timezone.now() - timedelta(days=6)).isoformat(), updated_at=timezone.now().isoformat())
    post_webhook("fulfillments/create", second)
    late = Fulfilment.objects.get(platform_id="255858047")
    late.events.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert shipping_delays() == 1 and shipping_delays() == 0
    [mail] = [m for m in outbox.unique() if m["Subject"] == "News about your order #1001"]
    assert "no news of it for 6 days" in mail.get_content()


def test_a_gift_card_recipient_is_followed_up_unless_they_ordered(
    store, outreach, mailbox, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        gift_card_issue(
            store=store,
            amount=Decimal("50"),
            caller=Caller("test"),
            idempotency_key="gift-1",
            recipient=Recipient(name="Mina", email="mina@example.com", sender_name="Jon"),
        )
        deliver_due()
    mina = Customer.objects.get(identities__value="mina@example.com")
    shopper(store, email="mina@example.com")  # she agreed to e-mail marketing since
    assert Enrolment.objects.filter(customer=mina, flow__trigger="gift_card").exists()
    with django_capture_on_commit_callbacks(execute=True):
        engine.flows_advance(now=timezone.now() + timedelta(days=7, minutes=1))
    [follow_up] = [m for m in outbox.unique() if m["Subject"] == "Your gift card is waiting"]
    assert "Jon gave you a Summit Outdoor gift card: 50.00 USD is waiting" in follow_up.get_content()


def test_old_news_from_an_import_tells_nobody(post_webhook, outreach, mailbox, outbox):
    shopper(post_webhook.store, email="jon@example.com")
    post_webhook("orders/create", payload("orders_create"))
    post_webhook("fulfillments/create", payload("fulfillments_create"))
    long_ago = (timezone.now() - timedelta(days=10)).isoformat()
    post_webhook("fulfillments/update", {**payload("fulfillments_update_delivered"), "updated_at": long_ago})
    assert not ShippingNotice.objects.exists() and not Enrolment.objects.filter(flow__trigger="delivered").exists()


def test_the_anniversary_of_a_first_order_enrols_once(store, outreach):
    from datetime import UTC, date, datetime

    from stay.flows.models import Flow, FlowStep, StepText
    from stay.flows.postpurchase import anniversaries

    flow = Flow.objects.create(store=store, trigger="date", name="One year with us", exit_on_order=False)
    step = FlowStep.objects.create(flow=flow, position=1)
    StepText.objects.create(step=step, language="en", subject="A year ago today", body="Thank you, {name}!")
    loyal = shopper(store, email="loyal@example.com")
    new = shopper(store, email="new@example.com")
    leap = shopper(store, email="leap@example.com")
    Customer.objects.filter(pk=loyal.pk).update(first_order_at=datetime(2025, 2, 28, 12, tzinfo=UTC))
    Customer.objects.filter(pk=new.pk).update(first_order_at=datetime(2026, 2, 28, 12, tzinfo=UTC))
    Customer.objects.filter(pk=leap.pk).update(first_order_at=datetime(2024, 2, 29, 12, tzinfo=UTC))
    day = date(2026, 2, 28)  # 2026 has no 29 February: its customers are remembered today
    assert anniversaries(day) == 2 and anniversaries(day) == 0
    assert set(Enrolment.objects.filter(flow=flow).values_list("customer_id", flat=True)) == {loyal.pk, leap.pk}
    assert anniversaries(date(2027, 2, 28)) == 3  # a year on: the newer one too
