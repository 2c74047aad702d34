"""The assistant and loyalty (issue 21): "how many points do I have" and "use my points" for
a chat visitor the storefront vouched for, spending through the one redemption service;
anyone else is sent to their account page; in Korean too."""

from decimal import Decimal

import pytest

from stay.conversations.inputs import InboundMessage
from stay.conversations.models import Channel
from stay.conversations.services import message_receive
from stay.customers.models import Identity, IdentityKind
from stay.giftcards.models import GiftCard, Kind
from stay.loyalty.models import Member, Reward, RewardKind
from stay.loyalty.services import points_bonus, settings_for

from .conftest import say, sms_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(helpdesk):
    settings = settings_for(helpdesk.store)
    settings.enabled = True
    settings.save()
    for name, points, value in (("$5 store credit", 100, "5"), ("$20 store credit", 400, "20")):
        Reward.objects.create(
            store=helpdesk.store, name=name, kind=RewardKind.CREDIT, points=points, value=Decimal(value)
        )
    return settings


def verified_chat(helpdesk, customer, text="hi"):
    Identity.objects.get_or_create(
        store=helpdesk.store, customer=customer, kind=IdentityKind.CHAT, value="v" * 40, defaults={"verified": True}
    )
    message, _ = message_receive(
        store=helpdesk.store,
        data=InboundMessage(
            channel=Channel.WEBCHAT, sender_kind=IdentityKind.CHAT, sender="v" * 40, sender_verified=True, text=text
        ),
    )
    return message.conversation


def test_a_verified_shopper_hears_their_points_and_spends_them(helpdesk, mina_order, programme):
    points_bonus(customer=mina_order.customer, rule="review", key="r", actor="t", points=150)
    conversation = verified_chat(helpdesk, mina_order.customer)
    balance = say(helpdesk.store, conversation, "how many points do I have?")
    assert balance.action == "loyalty_balance" and "You have 150 points." in balance.text
    offer = say(helpdesk.store, conversation, "I want to use my points")
    assert offer.action == "loyalty_choose" and "1: $5 store credit for 100 points" in offer.text
    assert "$20" not in offer.text  # not enough for it
    done = say(helpdesk.store, conversation, "1")
    assert done.action == "loyalty_redeemed" and "added to your store credit" in done.text
    assert Member.objects.get(customer=mina_order.customer).available == 50
    assert GiftCard.objects.get(customer=mina_order.customer, kind=Kind.STORE_CREDIT).balance == 5


def test_anyone_else_is_sent_to_their_account_page_in_their_language(helpdesk, mina_order, programme):
    by_text = sms_message(helpdesk.store, "내 포인트 얼마나 있어요?")
    answer = say(helpdesk.store, by_text.conversation, "내 포인트 얼마나 있어요?")
    assert answer.action == "loyalty_account" and "/account/" in answer.text and "계정" in answer.text
