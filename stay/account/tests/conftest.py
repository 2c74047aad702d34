"""A shopper with an order, 120 points, a reward to spend them on, and a phone number."""

from decimal import Decimal

import pytest

from stay.conftest import payload
from stay.conversations.models import Message
from stay.customers.models import Customer, Identity, IdentityKind
from stay.loyalty.models import Reward, RewardKind
from stay.loyalty.services import points_bonus, settings_for

HOME = "/account/summit/"


def sent_to(customer) -> str:
    return Message.objects.filter(conversation__customer=customer, meta__notice="account.sign_in").latest("id").text


@pytest.fixture
def jon(store, post_webhook):
    programme = settings_for(store)
    programme.enabled = True
    programme.save()
    post_webhook("orders/create", payload("orders_create"))
    customer = Customer.objects.get(identities__value="jon@example.com")
    Identity.objects.create(store=store, customer=customer, kind=IdentityKind.PHONE, value="+16135550123")
    points_bonus(customer=customer, rule="review", key="r", actor="t", points=120)
    Reward.objects.create(store=store, name="$5 store credit", kind=RewardKind.CREDIT, points=100, value=Decimal("5"))
    return customer
