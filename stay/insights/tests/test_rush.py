"""Contacts ahead from orders ahead (issue 23): how orders turn into contacts on the store's
own data, by hand, and the coming days' contacts from placed and forecast orders.

The store keeps New York time; today is Monday 2026-06-15. 21 weeks of orders: 4 on Mondays,
2 on the other days but Saturday (294). Then:
- lee orders Monday 06-01 and writes Wednesday 06-03: a contact 2 days after an order;
- kim orders Monday 06-08 and writes the same afternoon: 0 days after;
- ray writes Wednesday 06-10 with no order: a contact whatever the orders.
"""

from datetime import UTC, date, datetime, timedelta

import pytest

from stay.conversations.inputs import InboundMessage
from stay.conversations.models import Conversation
from stay.conversations.services import message_receive
from stay.insights.rush import contact_lags, contacts_ahead
from stay.insights.tests.conftest import order, weeks_of_orders

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 15)


def writes(store, who, at):
    message, _new = message_receive(
        store=store, data=InboundMessage(channel="email", sender_kind="email", sender=f"{who}@example.com", text="Hi")
    )
    Conversation.objects.filter(pk=message.conversation_id).update(created_at=at)


@pytest.fixture
def season(store):
    return build(store, TODAY)


def build(store, today):
    weeks_of_orders(store, today)

    def on(days_ago: int, hour: int) -> datetime:
        day = today - timedelta(days=days_ago)
        return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)

    for who, days_ago, number in (("lee", 14, 9001), ("kim", 7, 9002)):
        placed = on(days_ago, 12)
        order(store, who, (placed.year, placed.month, placed.day), "10", number=number)
    writes(store, "lee", on(12, 12))  # 08:00 in New York, two days after lee's order
    writes(store, "kim", on(7, 18))  # 14:00, the day of kim's order
    writes(store, "ray", on(5, 15))  # 11:00, no order
    return store


def test_how_orders_turn_into_contacts(season):
    """296 orders in the 26 weeks: one contact 0 days after an order and one 2 days after, so
    1/296 each; ray's is Wednesday's other contacts, 1 in 26 weeks."""
    lags = contact_lags(store=season, today=TODAY)
    assert lags.per_order[0] == pytest.approx(1 / 296) and lags.per_order[2] == pytest.approx(1 / 296)
    assert sum(lags.per_order) == pytest.approx(2 / 296)
    assert lags.other[2] == pytest.approx(1 / 26) and sum(lags.other.values()) == pytest.approx(1 / 26)
    assert lags.hours == pytest.approx({("email", 8): 1 / 3, ("email", 14): 1 / 3, ("email", 11): 1 / 3})


def test_the_coming_days_contacts_from_placed_and_forecast_orders(season):
    """Monday: its forecast orders x 1/296 (Saturday two days before had none). Tuesday: its
    own and Sunday's 2 placed. Wednesday: its own and Monday's forecast, plus 1/26."""
    mon, tue, wed = contacts_ahead(store=season, today=TODAY, days=7)[:3]
    assert mon.day == TODAY and mon.contacts == pytest.approx(mon.orders / 296)
    assert tue.contacts == pytest.approx((tue.orders + 2) / 296)
    assert wed.contacts == pytest.approx((wed.orders + mon.orders) / 296 + 1 / 26)
    assert sum(wed.by_hour.values()) == pytest.approx(wed.contacts)
    assert wed.by_hour[("email", 14)] == pytest.approx(wed.contacts / 3)
    assert contacts_ahead(store=season, today=TODAY - timedelta(weeks=3)) is None  # under 20 weeks of orders


def test_the_staffing_page_plans_the_coming_weeks(store, agent_user):
    """The same season ending today: a plan for each of the next 28 days."""
    from django.test import Client
    from django.utils import timezone

    from stay.conversations.models import Channel

    build(store, timezone.localdate(timezone.now(), store.zone))
    Conversation.objects.filter(customer__identities__value="kim@example.com").update(channel=Channel.WEBCHAT)
    client = Client()
    client.force_login(agent_user)
    html = client.get("/insights/staffing").content.decode()
    assert "Contacts in the next four weeks, and the people they need" in html
    assert html.count("<strong>") >= 28 + 3  # a plan for each of the 28 days, and the three cases above
