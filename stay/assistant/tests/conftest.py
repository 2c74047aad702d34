"""A store with orders to ask about (the returns tests' shop), the demo help centre, and a
conversation on a channel the assistant answers."""

from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from stay.assistant.models import AssistantSettings
from stay.assistant.services import Ask, assistant_reply
from stay.channels.sms.fake import FakeTwilio
from stay.channels.sms.models import TwilioAccount
from stay.conversations.inputs import InboundMessage
from stay.conversations.models import Channel, Message
from stay.conversations.services import message_receive
from stay.customers.models import IdentityKind
from stay.demo.articles import help_centre_create
from stay.orders.models import Fulfilment
from stay.returns.tests.conftest import Shop, shop  # noqa: F401  (the fixture)

TRACKING = "https://trace.cjlogistics.example/track?no=5551234"


@pytest.fixture
def helpdesk(shop: Shop):  # noqa: F811  (the returns tests' fixture)
    """The shop with the demo help centre and the assistant answering on every channel."""
    help_centre_create(shop.store)
    AssistantSettings.objects.create(store=shop.store, enabled=True, channels=["webchat", "whatsapp", "sms"])
    return shop


@pytest.fixture
def mina_order(helpdesk: Shop):
    """Mina's shipped order, on its way with CJ and a tracking link."""
    order = helpdesk.order((helpdesk.jacket_m, 1), placed=timezone.now() - timedelta(days=3), email="mina@example.com")
    Fulfilment.objects.filter(order=order).update(
        carrier="CJ Logistics", tracking_number="5551234", tracking_url=TRACKING, delivered_at=None
    )
    return order


@pytest.fixture
def other_order(helpdesk: Shop):
    """Somebody else's order: nothing of it may reach Mina."""
    order = helpdesk.order((helpdesk.socks, 2), email="jun@example.com")
    Fulfilment.objects.filter(order=order).update(tracking_url="https://trace.example/other-person")
    return order


def sms_message(store, text: str, phone: str = "+821055501234") -> Message:
    message, _ = message_receive(
        store=store,
        data=InboundMessage(channel=Channel.SMS, sender_kind=IdentityKind.PHONE, sender=phone, text=text),
    )
    return message


def say(store, conversation, text: str, **kwargs):
    """A shopper's message filed in ``conversation``'s channel, then answered directly."""
    return assistant_reply(
        Ask(store=store, text=text, conversation=conversation, channel=conversation.channel, **kwargs)
    )


def receive_and_answer(store, text: str, phone: str = "+821055501234") -> Message:
    """As the SMS channel does it: file the message; the assistant answers after commit."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return sms_message(store, text, phone)


SID = "AC" + "7" * 32


@pytest.fixture
def twilio(helpdesk):
    """The store's SMS number, on a Twilio stand-in on loopback."""
    with FakeTwilio(account_sid=SID, auth_token="tw-secret") as fake:
        TwilioAccount.objects.create(
            store=helpdesk.store,
            account_sid=SID,
            auth_token="tw-secret",
            from_number="+15005550006",
            api_base_url=fake.base_url,
        )
        yield fake
