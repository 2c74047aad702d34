"""The scorecard (issue 23) says what is really live: set up and used in the last 30 days. A
channel connected with no message is not live; each gap links to where to fix it."""

import pytest
from django.test import Client

from stay.channels.whatsapp.models import WhatsAppAccount
from stay.conversations.inputs import InboundMessage
from stay.conversations.services import message_receive
from stay.flows.services import outreach_prepare
from stay.insights.scorecard import LIVE, MISSING, UNUSED, scorecard

pytestmark = pytest.mark.django_db


@pytest.fixture
def used(store, mailbox):
    """Email connected and written to; WhatsApp connected and silent; the built-in flows set
    up (none has sent anything); an order synced; loyalty off; no model trained."""
    message_receive(
        store=store,
        data=InboundMessage(channel="email", sender_kind="email", sender="ann@example.com", text="Hello"),
    )
    WhatsAppAccount.objects.create(
        store=store, phone_number_id="1555", app_secret="s", verify_token="v", access_token="t"
    )
    outreach_prepare(store=store)
    from stay.insights.tests.conftest import order

    order(store, "ann", (2026, 6, 1), "20", number=1)
    return store


def test_each_point_from_what_is_set_up_and_used(used):
    points = {p.key: p for p in scorecard(used)}
    assert points["touchpoints"].state == UNUSED
    assert "1 of 4 live" in points["touchpoints"].found
    assert "WhatsApp connected, 0 messages in 30 days" in points["touchpoints"].found
    assert "Email connected, 1 messages in 30 days" in points["touchpoints"].found
    assert str(points["touchpoints"].survey) == "2 on average; only 2 of the 20 stores offered 4"
    assert (points["welcome_gift"].state, points["back_in_stock"].state, points["cart_reminders"].state) == (
        UNUSED,
        UNUSED,
        UNUSED,
    )
    assert points["back_in_stock"].fix == "/admin/flows/flow/"
    assert (points["loyalty"].state, points["personalisation"].state) == (MISSING, MISSING)
    assert points["order_history"].state == LIVE  # synced now, whatever its date
    assert points["one_system"].state == UNUSED  # one channel in use


def test_the_page_and_the_api(used, agent_user, api):
    client = Client()
    client.force_login(agent_user)
    html = client.get("/insights/scorecard").content.decode()
    assert "1 of 9 points are live" in html and "Set up, not used" in html and 'href="/admin/flows/flow/"' in html
    found = {p["point"]: p["state"] for p in api.get("/api/v1/insights/scorecard").json()}
    assert found["touchpoints"] == "unused" and found["order_history"] == "live"
