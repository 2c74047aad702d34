"""The service figures (issue 23) against values worked out by hand. Four conversations in
the last day (minutes after they opened):

- email 1, 10 h ago: answered by an agent after 30 (due 60), resolved after 5 h, scored 5;
- email 2, 8 h ago: answered after 90 (due 60: late), still open, scored 3;
- chat 1, 3 h ago: answered by the assistant after 1, resolved after 30 min;
- chat 2, 2 h ago: not answered, due an hour ago (late), open.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from stay.assistant.models import Outcome, Turn
from stay.conversations.inputs import InboundMessage
from stay.conversations.models import AuthorKind, Conversation, Direction, Message, Status
from stay.conversations.services import message_receive
from stay.giftcards.services import Caller, gift_card_expire, gift_card_issue
from stay.insights import service
from stay.returns.tests.conftest import shop as returns_shop  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


def opened(store, channel, who, hours_ago, *, first=None, due=None, resolved=None, score=None, by=AuthorKind.AGENT):
    kind = "email" if channel == "email" else "chat"
    message, _new = message_receive(
        store=store, data=InboundMessage(channel=channel, sender_kind=kind, sender=who, text="Where is my order?")
    )
    convo = message.conversation
    start = timezone.now() - timedelta(hours=hours_ago)
    at = lambda minutes: start + timedelta(minutes=minutes) if minutes is not None else None  # noqa: E731
    Conversation.objects.filter(pk=convo.pk).update(
        created_at=start,
        first_response_at=at(first),
        first_response_due_at=at(due),
        resolved_at=at(resolved),
        status=Status.RESOLVED if resolved is not None else Status.OPEN,
        csat_score=score,
    )
    Message.objects.filter(pk=message.pk).update(created_at=start)
    if first is not None:
        Message.objects.create(
            store=store, conversation=convo, channel=channel, direction=Direction.OUT, author_kind=by, text="On its way"
        )
    return Conversation.objects.get(pk=convo.pk)


@pytest.fixture
def day(store):
    return [
        opened(store, "email", "ann@example.com", 10, first=30, due=60, resolved=300, score=5),
        opened(store, "email", "bo@example.com", 8, first=90, due=60, score=3),
        opened(store, "webchat", "chat-1", 3, first=1, due=5, resolved=30, by=AuthorKind.BOT),
        opened(store, "webchat", "chat-2", 2, due=60),
    ]


def test_first_response_resolution_satisfaction_and_breaches_per_channel(store, day):
    """Email: first responses 30 and 90 min (median 60, p90 30 + 0.9 x 60 = 84). Chat: 1.
    All: 1, 30, 90 (median 30, p90 30 + 0.8 x 60 = 78); resolved after 5 h and 0.5 h
    (median 2.75, p90 0.5 + 0.9 x 4.5 = 4.55)."""
    rows = {row.channel: row for row in service.channels(service.last_days(store, 1))}
    email, chat, every = rows["email"], rows["webchat"], rows[""]
    assert (email.conversations, email.breaches, email.by_assistant) == (2, 1, 0)
    assert email.first_response_minutes == pytest.approx((60, 84))
    assert (email.csat, email.csat_answers) == (4.0, 2)
    assert (chat.conversations, chat.breaches, chat.by_assistant, chat.csat) == (2, 1, 1, None)
    assert chat.first_response_minutes == pytest.approx((1, 1))
    assert every.first_response_minutes == pytest.approx((30, 78))
    assert every.resolution_hours == pytest.approx((2.75, 4.55))
    assert (every.conversations, every.breaches, every.by_assistant) == (4, 2, 1)
    only_chat = service.channels(service.last_days(store, 1, channel="webchat"))
    assert [row.channel for row in only_chat] == ["webchat", ""]
    assert service.channels(service.last_days(store, 1, agent_id=999)) == [
        service.ChannelRow("", 0, (None, None), (None, None), None, 0, 0, 0)
    ]


def test_backlog_by_age_and_contacts_by_the_stores_hour(store, day):
    assert service.backlog(store) == [("< 1 h", 0), ("1-4 h", 1), ("4-24 h", 1), ("1-3 d", 0), ("> 3 d", 0)]
    grid = service.contacts_by_hour(service.last_days(store, 1))
    for convo in day:
        hour = timezone.localtime(convo.created_at, store.zone).hour
        assert grid[convo.channel][hour] >= 1
    assert sum(map(sum, grid.values())) == 4


def test_intents_with_how_often_they_were_handed_over(store, day):
    for intent, outcome in (
        ("order_status", Outcome.ANSWERED),
        ("order_status", Outcome.HANDED_OFF),
        ("refund_status", Outcome.ANSWERED),
    ):
        Turn.objects.create(
            store=store, channel="webchat", language="en", intent=intent, confidence=0.9, outcome=outcome
        )
    assert service.intents(service.last_days(store, 1)) == [("order_status", 2, 1), ("refund_status", 1, 0)]
    at = timezone.now().replace(hour=15, minute=0) - timedelta(days=1)  # 15:00 UTC: 11:00 in New York (or 10:00)
    Turn.objects.filter(intent="refund_status").update(created_at=at)
    hours = service.intents_by_hour(service.last_days(store, 7), ["order_status", "refund_status"])
    local = at.astimezone(store.zone).hour
    assert hours["refund_status"][local] == 1 and sum(hours["refund_status"]) == 1
    assert sum(hours["order_status"]) == 2


def test_gift_cards_owed_and_what_expired_unused(store):
    caller = Caller("test")
    gift_card_issue(store=store, amount=Decimal("50"), caller=caller, idempotency_key="a")
    soon = timezone.now() + timedelta(days=1)
    lapsed = gift_card_issue(store=store, amount=Decimal("20"), caller=caller, idempotency_key="b", expires_at=soon)
    assert gift_card_expire(card_id=lapsed["card_id"], caller=caller, now=soon + timedelta(hours=1))
    [usd] = service.gift_cards(service.Period(store, timezone.now() - timedelta(days=1), soon + timedelta(days=1)))
    assert (usd.currency, usd.gift_cards, usd.credit, usd.breakage) == (
        "USD",
        Decimal("50.00"),
        Decimal("0.00"),
        Decimal("20.00"),
    )


def test_returns_rate_reasons_and_the_sales_kept(store, returns_shop):  # noqa: F811 - the fixture imported above
    """Three orders in the month, one return: a jacket too small exchanged for the next size
    (the sale kept) and socks refunded as defective. Rate 1/3."""
    from stay.returns.services import Pick
    from stay.returns.tests.conftest import ask, line_of

    first = returns_shop.order((returns_shop.jacket_s, 1), (returns_shop.socks, 2))
    returns_shop.order((returns_shop.cap, 1))
    returns_shop.order((returns_shop.sticker, 3))
    ask(
        first,
        Pick(line_of(first, returns_shop.jacket_s).pk, 1, "too_small", "exchange", returns_shop.jacket_m.pk),
        Pick(line_of(first, returns_shop.socks).pk, 2, "defective", "refund"),
    )
    found = service.returns(service.last_days(store, 30))
    assert (found.orders, found.returns, found.kept) == (3, 1, 1)
    assert found.rate == pytest.approx(1 / 3)
    assert dict(found.reasons) == {"too_small": 1, "defective": 1}
    assert dict(found.outcomes) == {"exchange": 1, "refund": 1}
    assert found.exchange_share == 0.5
    assert found.kept_value == {"USD": returns_shop.jacket_s.price.quantize(Decimal("0.01"))}  # one jacket kept


def test_the_service_page_with_its_filters_and_csv(store, day, agent_user):
    from django.test import Client

    client = Client()
    client.force_login(agent_user)
    page = client.get("/insights/service?days=7")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Is the service holding up?" in html and "<td>1.0 h · 1.4 h</td>" in html  # email: 60 and 84 minutes
    assert 'src="data:image/svg+xml;base64,' in html  # when shoppers write
    chat = client.get("/insights/service?days=7&channel=webchat&format=csv").content.decode().splitlines()
    assert chat[0].startswith("channel,conversations,first response median (min)")
    assert chat[1].startswith("webchat,2,1.00,1.00,0.50,0.50,,0,1,1")
    refused = client.get("/insights/service?days=banana")
    assert refused.status_code == 400 and "days: one of 1, 7, 30, 90" in refused.content.decode()
    assert client.get("/insights/service?channel=fax").status_code == 400
    assert client.get("/insights/service?agent=x").status_code == 400
    assert client.get("/insights/?source=tv").status_code == 400


def test_the_service_page_of_each_store_the_agent_works(store, day, agent_user, django_user_model):
    """An agent given two stores picks one; the other's conversations are not counted, and a
    store they were not given is not found."""
    from django.test import Client

    from stay.core.services import store_create

    second = store_create(name="Second Shop", slug="second", webhook_secret="second-secret", currency="USD")
    store_create(name="Not Theirs", slug="other", webhook_secret="other-secret", currency="USD")
    agent_user.agent.stores.add(second)
    opened(second, "webchat", "chat-9", 1, first=2)
    client = Client()
    client.force_login(agent_user)
    html = client.get("/insights/service?store=second&days=7").content.decode()
    assert '<option value="second" selected>Second Shop</option>' in html and "Not Theirs" not in html
    assert "· Second Shop" in html and "<td>Web chat</td><td>1</td>" in html
    assert client.get("/insights/service?store=other").status_code == 404
    admin = Client()
    admin.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "x"))
    assert "Not Theirs" in admin.get("/insights/service?store=other").content.decode()  # an admin sees every store


def test_the_service_api_and_what_it_refuses(store, day, api):
    found = api.get("/api/v1/insights/service?days=7&channel=email").json()
    [email, every] = found["channels"]
    assert email["first_response_minutes"] == {"median": 60.0, "p90": pytest.approx(84.0)}
    assert (email["late_first_responses"], every["channel"]) == (1, None)
    assert sum(found["contacts_by_hour"]["email"]) == 2
    bad = api.get("/api/v1/insights/service?channel=fax")
    assert bad.status_code == 400 and "channel: one of email" in bad.json()["detail"]
    assert api.get("/api/v1/insights/service?days=0").status_code == 400


def test_handling_times_are_measured_from_the_agents_replies(store, agent_user):
    """One agent, minutes from a start an hour ago: a chat (customer at 0; replies at 2, 6 and
    10; the customer again at 8, and at 40, after the sitting), then e-mail replies at 20 and
    200. Reply times: 4 and 4 in the chat, 10 for the first e-mail (the second starts a new
    stretch). The chat held a place 2 to 10 (8) plus a reply's 4: 12 min; an e-mail took its
    2 replies of 10. A second chat the assistant answered alone: half the chats."""
    start = timezone.now() - timedelta(hours=4)
    chat = opened(store, "webchat", "chat-1", 4)
    mail = opened(store, "email", "ann@example.com", 4)
    opened(store, "webchat", "chat-2", 3, first=1, by=AuthorKind.BOT)

    def says(convo, minutes, kind=AuthorKind.AGENT):
        message = Message.objects.create(
            store=store,
            conversation=convo,
            channel=convo.channel,
            direction=Direction.IN if kind == AuthorKind.CUSTOMER else Direction.OUT,
            author_kind=kind,
            author=agent_user if kind == AuthorKind.AGENT else None,
            text="…",
        )
        Message.objects.filter(pk=message.pk).update(created_at=start + timedelta(minutes=minutes))

    for minutes in (2, 6, 10):
        says(chat, minutes)
    says(chat, 8, AuthorKind.CUSTOMER)
    says(chat, 40, AuthorKind.CUSTOMER)
    says(mail, 20)
    says(mail, 200)
    found = service.handling(store)
    assert found["webchat"].reply_minutes == pytest.approx(4) and found["webchat"].replies == 3
    assert found["webchat"].minutes == pytest.approx(12) and found["webchat"].by_assistant == 0.5
    assert found["email"].reply_minutes == pytest.approx(10) and found["email"].minutes == pytest.approx(20)
    assert found["whatsapp"].minutes is None and found["whatsapp"].conversations == 0
    from django.test import Client

    client = Client()
    client.force_login(agent_user)
    html = client.get("/insights/staffing").content.decode()
    assert 'name="handle_minutes" inputmode="decimal" value="12.0"' in html
    assert 'name="email_minutes" inputmode="decimal" value="20.0"' in html
    assert "a chat holds an agent's place 12.0 min, an e-mail takes 20.0 min" in html
    assert client.get("/insights/staffing?email_minutes=0").status_code == 400


def test_outreach_and_loyalty_for_the_period(store, day, agent_user, api):
    """Three marketing messages: two e-mails this week (one delivered and clicked, one failed)
    and an SMS 40 days ago. One order of 75 credited to the clicked e-mail; two opt-outs of
    one shopper this week and one 40 days ago. The programme is on with no members yet."""
    from stay.customers.models import ConsentChannel, ConsentRecord, ConsentState
    from stay.flows.models import Conversion, Outreach, Verdict
    from stay.insights.tests.conftest import order
    from stay.loyalty.models import LoyaltySettings

    now = timezone.now()
    ann, bo = (c.customer for c in day[:2])

    def sent(customer, channel, days_ago, *, delivery, clicked=False):
        message = Message.objects.create(
            store=store,
            conversation=day[0],
            channel=channel,
            direction=Direction.OUT,
            author_kind=AuthorKind.SYSTEM,
            text="New tents",
            delivery=delivery,
        )
        at = now - timedelta(days=days_ago)
        return Outreach.objects.create(
            store=store,
            customer=customer,
            channel=channel,
            verdict=Verdict.SENT,
            message=message,
            decided_at=at,
            clicked_at=at if clicked else None,
        )

    clicked = sent(ann, "email", 2, delivery="delivered", clicked=True)
    sent(bo, "email", 3, delivery="failed")
    sent(bo, "sms", 40, delivery="delivered")
    bought = order(store, "ann", (now.year, now.month, now.day), "75", number=501)
    Conversion.objects.create(store=store, order=bought, customer=ann, outreach=clicked, touch="click", revenue=75)
    for who, days_ago in ((bo, 1), (bo, 2), (ann, 40)):
        ConsentRecord.objects.create(
            customer=who,
            channel=ConsentChannel.EMAIL,
            state=ConsentState.UNSUBSCRIBED,
            occurred_at=now - timedelta(days=days_ago),
            source="test",
        )

    week = service.last_days(store, 7)
    found = service.outreach(week)
    assert found.channels == [service.OutreachRow("email", 2, 1, 1)]
    assert (found.orders, found.revenue, found.opt_outs) == (1, Decimal("75.00"), 1)
    assert service.outreach(service.last_days(store, 90)).channels[1] == service.OutreachRow("sms", 1, 1, 0)
    assert service.loyalty(store) is None  # no programme
    LoyaltySettings.objects.create(store=store, enabled=True)
    assert service.loyalty(store)["members"] == 0

    from django.test import Client

    client = Client()
    client.force_login(agent_user)
    html = client.get("/insights/service?days=7").content.decode()
    assert "1 order credited to these messages, worth 75.00 USD" in html
    assert "1 shopper opted out of marketing in the period" in html and "Repeat rate: members" in html
    figures = api.get("/api/v1/insights/service?days=7").json()
    assert figures["outreach"]["orders_credited"] == 1 and figures["outreach"]["revenue_credited"] == "75.00"
    assert figures["loyalty"]["members"] == 0
