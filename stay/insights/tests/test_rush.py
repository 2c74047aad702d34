"""Contacts ahead from orders ahead (issue 23): how orders turn into contacts on the store's
own data, by hand, and the coming days' contacts from placed and forecast orders.

The store keeps New York time; today is Monday 2026-06-15. 21 weeks of orders: 4 on Mondays,
2 on the other days but Saturday (294). Then:
- lee orders Monday 06-01 and writes Wednesday 06-03: a contact 2 days after an order;
- kim orders Monday 06-08 and writes the same afternoon: 0 days after;
- ray writes Wednesday 06-10 with no order: a contact whatever the orders;
- lee asks to exchange his order 10 days after it (06-11), kim reports hers defective the day
  after (06-09): return requests 10 and 1 days after an order, one exchange, one fault.
"""

import math
from datetime import UTC, date, datetime, timedelta

import pytest

from stay.conversations.inputs import InboundMessage
from stay.conversations.models import Conversation
from stay.conversations.services import message_receive
from stay.insights.rush import DayAhead, backtest, contact_lags, contacts_ahead, people_ahead
from stay.insights.tests.conftest import order, weeks_of_orders
from stay.returns.models import Outcome, Reason, Return, ReturnLine, Verdict

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

    for who, days_ago, number, asks, reason, outcome in (
        ("lee", 14, 9001, 10, Reason.TOO_SMALL, Outcome.EXCHANGE),
        ("kim", 7, 9002, 1, Reason.DEFECTIVE, Outcome.REFUND),
    ):
        placed = on(days_ago, 12)
        bought = order(store, who, (placed.year, placed.month, placed.day), "10", number=number)
        asked = Return.objects.create(
            store=store, order=bought, customer=bought.customer, verdict=Verdict.ALLOWED, requested_by=who
        )
        ReturnLine.objects.create(
            ret=asked,
            order_line=bought.lines.get(),
            quantity=1,
            reason=reason,
            outcome=outcome,
            verdict=Verdict.ALLOWED,
        )
        Return.objects.filter(pk=asked.pk).update(created_at=on(days_ago - asks, 15))
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
    assert lags.returns_per_order[10] == pytest.approx(1 / 296) and lags.returns_per_order[1] == pytest.approx(1 / 296)
    assert sum(lags.returns_per_order) == pytest.approx(2 / 296)
    assert lags.exchanges == 0.5 and lags.faults == 0.5


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
    # Return requests: Tuesday's are Monday's forecast orders' (1 day after) and the orders of
    # Saturday 06-06, 10 days before (none); Thursday's, Monday 06-08's 4 placed (10 days).
    thu = contacts_ahead(store=season, today=TODAY, days=7)[3]
    assert tue.returns == pytest.approx(mon.orders / 296)
    assert thu.returns == pytest.approx((wed.orders + 4 + 1) / 296)  # kim's order was Monday 06-08 too
    assert thu.exchanges == pytest.approx(thu.returns / 2) and thu.faults == pytest.approx(thu.returns / 2)


def test_the_contacts_forecast_is_tested_on_the_days_that_followed(season):
    """As of today, a week ahead; a week later, one contact came on Tuesday: the error is the
    Tuesday's alone, the total's against that one contact."""
    ahead = contacts_ahead(store=season, today=TODAY, days=7)
    writes(season, "sam", datetime(2026, 6, 16, 16, tzinfo=UTC))
    tested = backtest(store=season, days=7, today=TODAY + timedelta(days=7))
    assert tested.start == TODAY and tested.actual == [0, 1, 0, 0, 0, 0, 0]
    assert tested.forecast == pytest.approx([d.contacts for d in ahead])
    assert tested.error == pytest.approx(abs(ahead[1].contacts - 1))
    assert tested.total_error == pytest.approx(sum(d.contacts for d in ahead) - 1)
    assert backtest(store=season, today=TODAY) is None  # four weeks back there were 17 weeks of orders


def test_the_people_a_day_needs_hour_by_hour_against_the_roster():
    """At 14:00, 3 chats (the assistant answers half alone) and 1 WhatsApp: 2.5 need a person,
    3 agents at one per contact; 2 e-mails at 09:00 of 30 minutes and 4 returns of 15: an hour
    each. The roster has 1 on at 14:00 (short by 2) and 2 at 09:00, spare: 2 h at 85%."""
    by_hour = {("webchat", 14): 3.0, ("whatsapp", 14): 1.0, ("email", 9): 2.0}
    day = DayAhead(TODAY, 40.0, 6.0, by_hour, 4.0, 2.0, 1.0, from_orders=4.0)
    duty = {(0, 14): 1, (0, 9): 2}
    (found,) = people_ahead(
        [day], agents_for=math.ceil, email_minutes=30, return_minutes=15, alone={"webchat": 0.5}, duty=duty
    )
    assert found.busiest.hour == 14 and found.busiest.live == 2.5 and found.busiest.agents == 3
    assert [h.hour for h in found.short] == [14] and found.hours[9].agents == 0 and found.hours[9].email == 2
    assert found.email_hours == 1 and found.returns_hours == 1
    assert found.email_people == 1  # an hour's work within 8 h
    (hurried,) = people_ahead(
        [day], agents_for=math.ceil, email_minutes=300, return_minutes=15, alone={}, duty=None, email_within_hours=2
    )
    assert hurried.email_people == 6  # 10 h of work within 2 h at 85%: 5.9 people
    assert found.spare_hours == pytest.approx(1.7) and found.covered is False
    (alone,) = people_ahead([day], agents_for=math.ceil, email_minutes=30, return_minutes=15, alone={}, duty=None)
    assert alone.busiest.agents == 4 and alone.short == [] and alone.spare_hours is None and alone.covered is None


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


def test_what_if_there_were_30_percent_more_orders():
    """6 contacts, 4 of them brought by orders: 30% more orders bring 1.2 more, 7.2 in all,
    spread as before; return requests grow with the orders, the other contacts do not."""
    day = DayAhead(TODAY, 40.0, 6.0, {("webchat", 14): 3.0, ("email", 9): 3.0}, 4.0, 2.0, 1.0, 4.0)
    more = day.scaled(1.3)
    assert more.contacts == pytest.approx(7.2) and more.orders == pytest.approx(52)
    assert more.by_hour == pytest.approx({("webchat", 14): 3.6, ("email", 9): 3.6})
    assert (more.returns, more.exchanges, more.faults, more.from_orders) == pytest.approx((5.2, 2.6, 1.3, 5.2))
    assert day.scaled(1.0) is day
