"""The assistant and outreach (issue 20): "sign me up for news" starts a double opt-in, "stop
sending me texts" opts out at once, and "when is X back?" answers from the stock and, after a
yes, asks to be told when it is back."""

import pytest

from stay.assistant.models import Outcome
from stay.catalog.models import Variant
from stay.customers.models import ConsentState
from stay.customers.selectors import consent_current
from stay.flows.models import RestockRequest

from .conftest import say, sms_message

pytestmark = pytest.mark.django_db


def test_sign_up_in_chat_asks_for_the_address_and_starts_a_double_opt_in(helpdesk, mailbox, outbox):
    conversation = sms_message(helpdesk.store, "hi").conversation
    conversation.channel = "webchat"
    conversation.save(update_fields=["channel"])
    asked = say(helpdesk.store, conversation, "Sign me up for the newsletter")
    assert asked.intent == "newsletter" and asked.action == "signup_email" and asked.outcome == Outcome.ASKED
    done = say(helpdesk.store, conversation, "mina.kim@example.com please")
    assert done.action == "signup_requested" and "mina.kim@example.com" in done.text
    pending = consent_current(conversation.customer.__class__.objects.get(identities__value="mina.kim@example.com"))
    assert pending["email"].state == ConsentState.PENDING and pending["email"].source == "chat"
    assert "“Sign me up for the newsletter / mina.kim@example.com please”" in pending["email"].evidence["wording"]


def test_stop_texts_in_chat_opts_out_at_once(helpdesk):
    conversation = sms_message(helpdesk.store, "hi").conversation
    answer = say(helpdesk.store, conversation, "Stop sending me marketing texts")
    assert answer.action == "opted_out" and answer.outcome == Outcome.ACTED
    current = consent_current(conversation.customer)
    assert current["sms"].state == ConsentState.UNSUBSCRIBED and "email" not in current


def test_when_is_it_back_offers_the_alert_and_a_yes_asks_for_it(helpdesk):
    Variant.objects.filter(pk=helpdesk.jacket_l.pk).update(inventory_quantity=0)
    conversation = sms_message(helpdesk.store, "hi").conversation
    in_stock = say(helpdesk.store, conversation, "Is the trail jacket in size M in stock?")
    assert in_stock.action == "in_stock" and "Trail Jacket (M)" in in_stock.text
    offer = say(helpdesk.store, conversation, "When will the Trail Jacket in L be back?")
    assert offer.action == "restock_offer" and "Trail Jacket (L)" in offer.text and "YES" in offer.text
    assert not RestockRequest.objects.exists()
    done = say(helpdesk.store, conversation, "yes")
    assert done.action == "restock_requested" and done.outcome == Outcome.ACTED
    request = RestockRequest.objects.get()
    assert (request.variant_id, request.channel, request.source) == (helpdesk.jacket_l.pk, "sms", "chat")
