"""Cards reach their recipients (by real SMTP on loopback), at the chosen time, and a
first-time recipient is welcomed."""

import json
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from stay.conftest import payload
from stay.conversations.models import Message
from stay.customers.models import Customer
from stay.giftcards import delivery, recipients, services
from stay.giftcards.models import GiftCard, GiftCardSettings
from stay.giftcards.services import Recipient
from stay.giftcards.tasks import sweep_gift_cards

from .conftest import CALLER, code_of, key

# Real commits: deliveries and events run after them, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_card_sent_on_christmas_morning_in_the_recipients_time_zone(store, mailbox, outbox):
    result = services.gift_card_issue(
        store=store,
        amount=Decimal("75.00"),
        recipient=Recipient(
            name="Mina Park",
            email="mina@example.kr",
            timezone="Asia/Seoul",
            send_on=date(2026, 12, 25),
            message="메리 크리스마스!",
            sender_name="Jon",
            locale="ko",
        ),
        caller=CALLER,
        idempotency_key=key(),
    )
    card = GiftCard.objects.get(pk=result["card_id"])
    assert card.deliver_at == datetime(2026, 12, 25, 8, tzinfo=ZoneInfo("Asia/Seoul"))
    assert card.deliver_at == datetime(2026, 12, 24, 23, tzinfo=ZoneInfo("UTC"))
    assert delivery.deliver_due(now=card.deliver_at - timedelta(minutes=1)) == 0
    assert outbox.messages == []
    assert delivery.deliver_due(now=card.deliver_at) == 1
    assert delivery.deliver_due(now=card.deliver_at + timedelta(minutes=5)) == 0  # once
    (sent,) = outbox.messages
    body = sent.get_body(("plain",)).get_content()
    assert code_of(card.pk) in body and "메리 크리스마스!" in body and "Jon" in sent["Subject"]
    link = re.search(r"http://\S+/gift/\S+", body).group(0)
    assert "••••" not in link
    assert sent["Auto-Submitted"] == "auto-generated"
    # The inbox keeps the message without the code.
    stored = Message.objects.get(meta__notice="gift_card.delivery")
    assert code_of(card.pk) not in stored.text and f"••••-••••-••••-{card.last4}" in stored.text
    assert stored.conversation.status == "resolved"


def test_the_gift_card_page_shows_balance_code_and_qr(client, store, issue):
    card_id, code = issue("40.00", recipient=Recipient(email="ana@example.com"))
    card = GiftCard.objects.get(pk=card_id)
    page = client.get(delivery.page_url(card).removeprefix("http://127.0.0.1:8000"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "40.00 USD" in html and code in html and "<svg" in html
    assert client.get("/gift/1:forged").status_code == 404
    for _ in range(12):  # the holder reloading their own page is not a guessing attack
        assert client.get(delivery.page_url(card).removeprefix("http://127.0.0.1:8000")).status_code == 200
    korean = client.get(delivery.page_url(card).removeprefix("http://127.0.0.1:8000") + "?lang=ko").content.decode()
    assert "사용 방법" in korean


def test_the_public_balance_page(client, store, issue):
    _, code = issue("12.50")
    page = client.post(f"/stores/{store.slug}/gift-card-balance", {"code": code.lower()})
    assert page.status_code == 200 and "12.50 USD" in page.content.decode()
    assert client.post(f"/stores/{store.slug}/gift-card-balance", {"code": "nonsense"}).status_code == 400


def test_first_time_recipient_is_tagged_and_welcomed_once(store, mailbox, outbox, issue):
    GiftCardSettings.objects.create(
        store=store, first_order_incentive="WELCOME10 takes 10% off", help_centre_url="https://help.summit.test/"
    )
    _card_id, code = issue("60.00", recipient=Recipient(email="ana@example.com", name="Ana"))
    outbox.messages.clear()
    services.gift_card_balance(store=store, code=code, caller=CALLER)
    customer = Customer.objects.get(identities__value="ana@example.com")
    assert "gift-card recipient" in customer.tags
    (welcome,) = outbox.messages
    text = welcome.get_body(("plain",)).get_content()
    assert "WELCOME10" in text and "https://help.summit.test/" in text and "60.00" in text
    services.gift_card_balance(store=store, code=code, caller=CALLER)
    _other_id, other = issue("10.00", recipient=Recipient(email="ana@example.com"))
    services.gift_card_balance(store=store, code=other, caller=CALLER)
    assert len([m for m in outbox.messages if "WELCOME10" in m.get_body(("plain",)).get_content()]) == 1


def test_a_redeeming_shopper_is_recognised_from_the_checkout(store, mailbox, outbox, issue):
    _, code = issue("30.00")  # a promotion card with no recipient
    services.gift_card_authorize(
        store=store,
        amount=Decimal("10"),
        currency="USD",
        tenders=[services.Tender(code=code)],
        contact=services.Contact(email="new@example.com", name="New Shopper"),
        caller=CALLER,
        idempotency_key=key(),
    )
    customer = Customer.objects.get(identities__value="new@example.com")
    assert "gift-card recipient" in customer.tags
    assert GiftCard.objects.get(last4=code[-4:]).customer == customer


def test_a_welcome_a_crash_left_waiting_is_sent_by_the_sweep(store, mailbox, outbox, issue, monkeypatch):
    _, code = issue("20.00", recipient=Recipient(email="bo@example.com", name="Bo"))
    outbox.messages.clear()
    monkeypatch.setattr(recipients.recognise_soon, "_request", lambda: None)  # the process died before enqueueing
    services.gift_card_balance(store=store, code=code, caller=CALLER)
    card = GiftCard.objects.get(last4=code[-4:])
    assert card.first_used_at is not None and card.recognised_at is None
    assert "gift-card recipient" not in Customer.objects.get(identities__value="bo@example.com").tags
    monkeypatch.undo()
    sweep_gift_cards(timezone.now())
    assert "gift-card recipient" in Customer.objects.get(identities__value="bo@example.com").tags
    card.refresh_from_db()
    assert card.recognised_at is not None and card.welcomed_at is not None and len(outbox.messages) == 1
    sweep_gift_cards(timezone.now())  # once only
    assert len(outbox.messages) == 1


def test_a_holder_that_cannot_be_recognised_does_not_hold_up_the_others(store, issue, monkeypatch):
    first_id, first = issue("20.00")
    second_id, second = issue("20.00")
    real = recipients.recognise

    def broken_for_the_first(card):
        if card.pk == first_id:
            raise RuntimeError("the customers table is having a bad day")
        real(card)

    monkeypatch.setattr(recipients.recognise_soon, "_request", lambda: None)
    for code in (first, second):
        services.gift_card_balance(store=store, code=code, caller=CALLER)
    monkeypatch.setattr(recipients, "recognise", broken_for_the_first)
    assert recipients.recognise_waiting() == 1
    assert GiftCard.objects.get(pk=second_id).recognised_at is not None
    assert GiftCard.objects.get(pk=first_id).recognised_at is None  # left for the next sweep
    monkeypatch.setattr(recipients, "recognise", real)
    assert recipients.recognise_waiting() == 1
    assert GiftCard.objects.get(pk=first_id).recognised_at is not None


def test_a_card_bought_in_an_order_is_issued_and_sent(store, mailbox, outbox, post_webhook):
    order = payload("orders_create")
    order["created_at"] = order["processed_at"] = timezone.now().isoformat()
    order["line_items"] = order["line_items"][:1]  # the fixture's own gift card line is another test's
    line = order["line_items"][0]
    line.update(gift_card=True, price="50.00", quantity=2, total_discount="10.00", discount_allocations=[])
    line["properties"] = [
        {"name": "Recipient email", "value": "friend@example.com"},
        {"name": "Recipient name", "value": "Sam"},
        {"name": "Message", "value": "Happy birthday"},
        {"name": "_shopify_internal", "value": "x"},
    ]
    post_webhook("orders/create", order)
    post_webhook("orders/updated", order)  # a repeat issues nothing twice
    cards = GiftCard.objects.filter(source="order")
    assert cards.count() == 2 and {c.recipient_email for c in cards} == {"friend@example.com"}
    assert all(c.initial_value == Decimal("50.00") and c.buyer is not None for c in cards)
    assert len(outbox.messages) == 2
    totals = {a: s for a, s in _account_totals(store).items()}
    assert totals == {"card": Decimal("100.00"), "sales": Decimal("-90.00"), "promotion": Decimal("-10.00")}


def test_a_card_from_order_history_is_issued_but_not_sent(store, mailbox, outbox, post_webhook):
    order = payload("orders_create")
    order["created_at"] = order["processed_at"] = (timezone.now() - timedelta(days=40)).isoformat()
    post_webhook("orders/create", order)
    card = GiftCard.objects.get(source="order")
    assert card.balance == Decimal("100.00") and card.delivery_channel == "" and "history" in card.note
    assert outbox.messages == []


def _account_totals(store):
    from stay.giftcards.selectors import account_totals

    return account_totals(store=store)["USD"]


def test_delivery_failure_is_kept_for_an_agent(store, issue):
    # No WhatsApp number is connected: the card is kept with the reason, not lost.
    card_id, _ = issue("20.00", recipient=Recipient(phone="+14155550100", channel="whatsapp"))
    card = GiftCard.objects.get(pk=card_id)
    assert card.delivered_at is None and "WhatsApp" in card.delivery_error


def test_sms_delivery_through_twilio(store):
    from stay.channels.sms.fake import FakeTwilio
    from stay.channels.sms.models import TwilioAccount

    sid = "AC" + "2" * 32
    with FakeTwilio(account_sid=sid, auth_token="tw") as twilio:
        TwilioAccount.objects.create(
            store=store, account_sid=sid, auth_token="tw", from_number="+15005550006", api_base_url=twilio.base_url
        )
        result = services.gift_card_issue(
            store=store,
            amount=Decimal("25"),
            recipient=Recipient(phone="+1 415 555 0101"),
            caller=CALLER,
            idempotency_key=key(),
        )
        (sent,) = twilio.sent
        assert sent["To"] == "+14155550101" and code_of(result["card_id"]) in sent["Body"]


def test_stored_response_and_audit_never_hold_a_code(store, issue):
    from stay.giftcards.models import GiftCardEvent, IdempotencyKey

    _card_id, code = issue("20.00")
    services.gift_card_balance(store=store, code=code, caller=CALLER)
    dump = json.dumps(list(IdempotencyKey.objects.values()) + list(GiftCardEvent.objects.values()), default=str)
    assert code.replace("-", "") not in dump.replace("-", "")


def test_paid_for_cards_survive_a_process_dying_right_after_the_commit(store, monkeypatch):
    """Issue 18 #7: ``order.paid`` reached its subscriber from memory after the commit; a
    process that died in between lost the order's gift cards, and no sweep looked for them."""
    from django.db import transaction

    from stay.connectors.shopify.models import WebhookDelivery
    from stay.connectors.shopify.services import webhook_process
    from stay.core.models import OutboxEntry
    from stay.core.tasks import sweep_now

    order = payload("orders_create")
    order["created_at"] = order["processed_at"] = (timezone.now() - timedelta(days=40)).isoformat()
    WebhookDelivery.objects.create(store=store, topic="orders/create", webhook_id="w-1", body=json.dumps(order))
    # The worker applies the order and commits; it dies before any after-commit callback runs.
    monkeypatch.setattr(transaction, "on_commit", lambda *a, **k: None)
    webhook_process()
    monkeypatch.undo()
    assert not GiftCard.objects.filter(source="order").exists()
    entry = OutboxEntry.objects.get(event="order.paid")
    assert entry.status == "pending" and entry.subscriber.endswith("gift_cards_for_order")

    OutboxEntry.objects.update(next_try_at=timezone.now() - timedelta(hours=1))
    # The sweep finds it (and the order's other durable events: its attribution to outreach,
    # the insights' recount of its buyer); the job runs inline in tests.
    pending = OutboxEntry.objects.filter(status="pending").count()
    assert sweep_now()["events"] == pending == 3
    card = GiftCard.objects.get(source="order")
    assert card.balance == Decimal("100.00")
    entry.refresh_from_db()
    assert entry.status == "done"
    assert sweep_now()["events"] == 0  # and once only


def test_a_failing_durable_subscriber_is_retried_and_undoes_its_own_writes(store, django_capture_on_commit_callbacks):
    from stay.core import events
    from stay.core.models import OutboxEntry, Store

    calls = []

    def flaky(*, store_id):
        calls.append(store_id)
        Store.objects.filter(pk=store_id).update(name="half-written")
        if len(calls) == 1:
            raise RuntimeError("the first try fails")

    events.subscribe("test.flaky", flaky, durable=True)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            events.publish("test.flaky", store_id=store.pk)
        entry = OutboxEntry.objects.get(event="test.flaky")
        assert entry.status == "pending" and entry.attempts == 1 and "first try" in entry.error
        store.refresh_from_db()
        assert store.name == "Summit Outdoor"  # the failed try's write was rolled back
        assert events.event_deliver(entry_id=entry.pk) == "done"
        assert events.event_deliver(entry_id=entry.pk) is None  # done once
        assert len(calls) == 2
    finally:
        events.unsubscribe("test.flaky", flaky)
