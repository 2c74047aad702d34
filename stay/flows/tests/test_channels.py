"""Outreach on the text channels (issue 20): a back-in-stock alert outside WhatsApp's 24-hour
window goes as the store's approved template through the fake Graph API; a marketing text
queued before the shopper replied STOP on the Twilio-format endpoint is held, not sent."""

from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from stay.catalog.models import Product, Variant
from stay.channels.sms.fake import FakeTwilio, incoming, signed_form
from stay.channels.sms.models import TwilioAccount
from stay.channels.whatsapp.fake import FakeWhatsApp
from stay.channels.whatsapp.models import WhatsAppAccount
from stay.conversations.models import Delivery, Message, Purpose
from stay.conversations.sending import message_deliver
from stay.flows import engine
from stay.flows.models import Outreach, Verdict
from stay.flows.tests.test_gate import shopper

pytestmark = pytest.mark.django_db
SID = "AC" + "2" * 32


def afternoon_at(moment):
    """A time zone where ``moment`` is in the early afternoon (texts allowed, in the US too)."""
    offset = (13 - moment.astimezone(UTC).hour + 12) % 24 - 12
    return f"Etc/GMT{'-' if offset >= 0 else '+'}{abs(offset)}"


def vest(store):
    product = Product.objects.create(store=store, platform_id="p1", title="Down Vest", handle="down-vest")
    return Variant.objects.create(
        store=store, product=product, platform_id="v1", title="M", price=90, inventory_quantity=4
    )


def test_a_whatsapp_alert_outside_the_window_goes_as_the_approved_template(
    store, outreach, django_capture_on_commit_callbacks
):
    with FakeWhatsApp() as graph:
        WhatsAppAccount.objects.create(
            store=store,
            phone_number_id=graph.phone_number_id,
            display_phone="+1 555 078 3881",
            app_secret="s" * 32,
            verify_token="v",
            access_token=graph.token,
            api_base_url=graph.base_url,
            templates=[{"name": "back_in_stock", "language": "en", "text": "{{1}}"}],
        )
        flow = store.flows.get(trigger="restock")
        flow.steps.update(whatsapp_template="back_in_stock")
        customer = shopper(store, phone="+12125550123", channels=())  # a back-in-stock request, no consent
        variant = vest(store)
        engine.enrol(
            flow=flow,
            people=[engine.Enrol(customer.pk, "restock:1", {"variant_id": variant.pk, "channel": "whatsapp"})],
        )
        with django_capture_on_commit_callbacks(execute=True):
            engine.flows_advance()
        [sent] = graph.sent
        assert sent["type"] == "template" and sent["template"]["name"] == "back_in_stock"
        [parameter] = sent["template"]["components"][0]["parameters"]
        assert "Down Vest (M) is back in stock" in parameter["text"]
        assert Message.objects.get(purpose=Purpose.MARKETING).delivery == Delivery.SENT


def test_stop_on_the_twilio_endpoint_holds_a_text_queued_before_it(store, outreach, client):
    with FakeTwilio(account_sid=SID, auth_token="tw-secret") as twilio:
        TwilioAccount.objects.create(
            store=store,
            account_sid=SID,
            auth_token="tw-secret",
            from_number="+15005550006",
            api_base_url=twilio.base_url,
        )
        later = timezone.now() + timedelta(hours=2)
        customer = shopper(store, phone="+12125550123", channels=("sms",), tz=afternoon_at(later))
        flow = store.flows.get(trigger="checkout")
        engine.enrol(flow=flow, people=[engine.Enrol(customer.pk, "checkout:1", {"channel": "sms"})])
        engine.flows_advance(now=later)  # queued, not yet sent
        [queued] = Message.objects.filter(purpose=Purpose.MARKETING)
        assert queued.delivery == Delivery.QUEUED and Outreach.objects.get().verdict == Verdict.SENT

        form = incoming("+12125550123", "STOP", sid="SM" + "e" * 32, account_sid=SID)
        url = "http://testserver/channels/sms/twilio"
        assert (
            client.post("/channels/sms/twilio", data=form, headers=signed_form(url, form, "tw-secret")).status_code
            == 200
        )
        held = message_deliver(message_id=queued.pk)
        assert held.delivery == Delivery.WITHHELD
        assert all("cart" not in sent["Body"] for sent in twilio.sent)  # only the STOP confirmation went
