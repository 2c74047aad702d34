"""The console's fixtures: an order, a conversation about it, a signed-in agent and lead."""

import pytest
from django.test import Client

from stay.channels.email.services import email_receive
from stay.conftest import mail, payload
from stay.orders.models import Order


@pytest.fixture
def order(post_webhook):
    post_webhook("orders/create", payload("orders_create"))
    return Order.objects.get()


@pytest.fixture
def conversation(order, mailbox):
    raw = mail("order_question_qp").replace(b"Jamie.Lee@Example.com", b"jon@example.com")
    return email_receive(raw=raw).message.conversation


def logged_in(user, password):
    client = Client()
    assert client.login(username=user.username, password=password)
    return client


@pytest.fixture
def agent(agent_user):
    return logged_in(agent_user, "agent-pass")


@pytest.fixture
def lead(lead_user):
    return logged_in(lead_user, "lead-pass")
