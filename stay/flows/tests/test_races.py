"""Races with real threads, on SQLite and on PostgreSQL (issue 20): a forgotten-cart reminder
and the order it reminds of; workers claiming the same due enrolments."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from stay.conftest import payload
from stay.connectors.shopify import mapping
from stay.connectors.shopify import schemas as s
from stay.connectors.shopify.services import parse
from stay.conversations import outbound
from stay.conversations.models import Delivery, Message, Purpose
from stay.conversations.sending import message_deliver
from stay.flows import engine
from stay.flows.models import Enrolment, Outreach
from stay.flows.tests.test_flows import checkout
from stay.orders.services import order_upsert


def _order_of_the_cart():
    body = payload("orders_create")
    body.update(
        email="example@email.com",
        customer={**body["customer"], "id": 603851970716743426, "email": "example@email.com"},
        created_at=timezone.now().isoformat(),
        processed_at=timezone.now().isoformat(),
        updated_at=timezone.now().isoformat(),
    )
    return mapping.order(parse(s.Order, body))


@pytest.fixture
def reminder(transactional_db, store, outreach, mailbox, outbox, post_webhook, monkeypatch):
    """A forgotten-cart reminder, queued and not yet handed to the mail relay."""
    checkout(post_webhook)
    monkeypatch.setattr(outbound, "enqueue_on_commit", lambda *a, **k: None)  # delivered by the test
    engine.flows_advance(now=timezone.now() + timedelta(hours=2))
    return Message.objects.get(purpose=Purpose.MARKETING)


def _thread(work):
    def run():
        try:
            work()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_no_reminder_leaves_after_the_order_is_in(reminder, store, outbox):
    outbox.hold_at = "data"  # the relay stalls before it accepts the reminder
    sending = _thread(lambda: message_deliver(message_id=reminder.pk))
    assert outbox.stalled.wait(10)
    committed = {}

    def place_order():
        with transaction.atomic():
            # The first thing run after the commit: when the order was in.
            transaction.on_commit(lambda: committed.setdefault("at", time.monotonic()))
            order_upsert(store=store, data=_order_of_the_cart(), actor="shopify")

    ordering = _thread(place_order)
    time.sleep(0.5)  # the order, unhindered, would be in by now
    released = time.monotonic()
    outbox.hold_at = ""
    sending.join(10), ordering.join(20)
    reminder.refresh_from_db()
    assert reminder.delivery == Delivery.SENT  # it left first...
    assert committed["at"] >= released  # ...and the order came in only after it had left


def test_a_reminder_that_finds_the_order_in_stays(reminder, store, outbox):
    with transaction.atomic():
        order_upsert(store=store, data=_order_of_the_cart(), actor="shopify")
    held = message_deliver(message_id=reminder.pk)
    assert held.delivery == Delivery.WITHHELD and "ordered" in held.last_error
    assert not [m for m in outbox.unique() if "cart" in m["Subject"]]


def test_workers_claiming_at_once_take_each_step_once(transactional_db, store, outreach, monkeypatch):
    from stay.flows.tests.test_gate import shopper

    monkeypatch.setattr(outbound, "enqueue_on_commit", lambda *a, **k: None)
    flow = store.flows.get(trigger="checkout")
    people = [shopper(store, email=f"s{n}@example.com") for n in range(60)]
    engine.enrol(flow=flow, people=[engine.Enrol(p.pk, f"k{p.pk}", {"channel": "email"}) for p in people])
    later = timezone.now() + timedelta(hours=2)
    taken = []
    workers = [
        _thread(lambda: taken.append(sum(iter(lambda: engine.flows_advance(limit=7, now=later), 0)))) for _ in range(4)
    ]
    for worker in workers:
        worker.join(60)
    assert sum(taken) == 60
    assert Outreach.objects.count() == 60 and Message.objects.filter(purpose=Purpose.MARKETING).count() == 60
    assert set(Enrolment.objects.values_list("position", flat=True)) == {2}
