"""Flows end to end (issue 20): back in stock from Shopify's inventory webhook to the shopper's
mailbox on a loopback SMTP server, with the unsubscribe headers honoured; forgotten carts that
stop at the order; a worker killed between claim and send; an opt-out after a message was
queued; the Korean rules in the text itself."""

import re
from datetime import timedelta
from email.message import EmailMessage

import pytest
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat, JSONObject
from django.test import Client
from django.utils import timezone

from stay.catalog.models import Product, Variant
from stay.conftest import payload
from stay.conversations.models import Delivery, Message, Purpose
from stay.conversations.sending import message_deliver
from stay.customers.models import ConsentState, Customer
from stay.customers.selectors import consent_current
from stay.flows import engine
from stay.flows.models import Enrolment, EnrolmentState, Outreach, OutreachSettings, RestockRequest, Verdict
from stay.flows.services import outreach_prepare
from stay.flows.tests.conftest import SHOP
from stay.flows.tests.test_gate import shopper

pytestmark = pytest.mark.django_db


def ask(api, email, variant="808950812", **body):
    return api.post(
        "/api/v1/subscriptions/back-in-stock",
        {"variant_id": variant, "email": email, "wording": "Tell me when it is back", **body},
        content_type="application/json",
    )


def restock(post_webhook, available):
    body = payload("inventory_levels_update")
    body.update(inventory_item_id=342917, available=available, updated_at=timezone.now().isoformat())
    assert post_webhook("inventory_levels/update", body).status_code == 200


def test_back_in_stock_from_the_webhook_to_the_mailbox(post_webhook, api, outreach, mailbox, outbox, client):
    post_webhook("products/create", payload("products_create"))
    assert ask(api, "Mina@Example.com").status_code == 201
    again = ask(api, "mina@example.com")
    assert again.status_code == 200 and again.json()["waiting_before"] == 0  # keeps its place
    for n in range(3):
        assert ask(api, f"shopper{n}@example.com").json()["waiting_before"] == n + 1
    in_stock = ask(api, "x@example.com", variant="808950810")
    assert in_stock.status_code == 409 and in_stock.json()["code"] == "in_stock"
    assert ask(api, "x@example.com", variant="404").status_code == 400

    restock(post_webhook, 1)  # one unit: three shoppers per unit are told, oldest first
    mails = [m for m in outbox.unique() if "is back" in m["Subject"]]
    assert sorted(m["To"] for m in mails) == ["mina@example.com", "shopper0@example.com", "shopper1@example.com"]
    mail: EmailMessage = next(m for m in mails if m["To"] == "mina@example.com")
    assert mail["Subject"] == "Ridgeline 2P Tent (Sand) is back"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["Auto-Submitted"] == "auto-generated"
    body = mail.get_content()
    link = re.search(r"http://127\.0\.0\.1:8000(/r/\S+)", body).group(1)
    assert "Unsubscribe: http://127.0.0.1:8000/u/" in body
    assert Message.objects.filter(purpose=Purpose.MARKETING).count() == 3
    assert RestockRequest.objects.filter(released_at__isnull=True).count() == 1

    went = client.get(link)
    assert went.status_code == 302 and went["Location"] == f"{SHOP}/products/ridgeline-2p-tent?variant=808950812"
    mina = Customer.objects.get(identities__value="mina@example.com")
    assert Outreach.objects.get(customer=mina).clicked_at is not None
    assert client.get("/r/forged").status_code == 404

    unsubscribe = "".join(mail["List-Unsubscribe"].split()).strip("<>").removeprefix("http://127.0.0.1:8000")
    one_click = Client(enforce_csrf_checks=True).post(
        unsubscribe, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert one_click.status_code == 200
    assert consent_current(mina)["email"].state == ConsentState.UNSUBSCRIBED

    # The next batch waits for the interval and checks the stock again first.
    outreach.restock_interval = timedelta(0)
    outreach.save()
    from stay.flows.services import restock_due

    restock_due()
    engine.flows_advance()
    assert RestockRequest.objects.filter(released_at__isnull=True).count() == 0
    assert Message.objects.filter(purpose=Purpose.MARKETING).count() == 4


def test_a_release_is_enrolled_by_the_database_once_with_its_holdout(post_webhook, api, outreach):
    """The release is one INSERT … SELECT: each request enrolled once with what it asked for,
    the holdout drawn there, and a request released again enrols nobody twice."""
    from stay.flows.engine import enrol_query
    from stay.flows.services import restock_release

    post_webhook("products/create", payload("products_create"))
    for n in range(4):
        ask(api, f"shopper{n}@example.com", channel="email")
    outreach.holdout_percent = 100
    outreach.save()
    variant = Variant.objects.get(platform_id="808950812")
    Variant.objects.filter(pk=variant.pk).update(inventory_quantity=10)
    assert restock_release(variant_id=variant.pk, first=True) == 4
    rows = list(Enrolment.objects.filter(flow__trigger="restock").order_by("id"))
    requests = list(RestockRequest.objects.order_by("id"))
    assert [e.key for e in rows] == [f"restock:{r.pk}" for r in requests]
    assert [e.customer_id for e in rows] == [r.customer_id for r in requests]
    assert all(e.holdout and e.state == EnrolmentState.ACTIVE and e.position == 1 for e in rows)
    assert all(e.context["variant_id"] == variant.pk and e.context["channel"] == "email" for e in rows)
    assert [engine._since(e) for e in rows] == [r.created_at for r in requests]
    again = RestockRequest.objects.filter(pk__in=[r.pk for r in requests]).annotate(
        key=Concat(Value("restock:"), Cast("pk", CharField())), context=JSONObject(since="created_at")
    )
    assert enrol_query(flow=rows[0].flow, source=again, now=timezone.now()) == 0
    assert Enrolment.objects.count() == 4


def test_who_bought_it_meanwhile_is_not_told(post_webhook, api, outreach, mailbox, outbox):
    post_webhook("products/create", payload("products_create"))
    ask(api, "jon@example.com")
    order = payload("orders_create")
    order["line_items"][0].update(variant_id=808950812, sku="TENT-RDG2-SND")
    order.update(created_at=timezone.now().isoformat(), processed_at=timezone.now().isoformat())
    post_webhook("orders/create", order)
    restock(post_webhook, 5)
    enrolment = Enrolment.objects.get(flow__trigger="restock")
    assert (enrolment.state, enrolment.exit_reason) == (EnrolmentState.EXITED, "ordered")
    assert not Message.objects.filter(purpose=Purpose.MARKETING).exists()


def checkout(post_webhook, **change):
    """A shopper who agreed to e-mail marketing leaves a checkout."""
    customer = shopper(post_webhook.store, email="example@email.com")
    customer.identities.create(store=customer.store, kind="platform", value="603851970716743426")
    body = payload("checkouts_create")
    body.update(updated_at=timezone.now().isoformat(), **change)
    assert post_webhook("checkouts/create", body).status_code == 200


def test_a_forgotten_cart_is_reminded_and_stops_at_the_order(
    post_webhook, outreach, mailbox, outbox, django_capture_on_commit_callbacks
):
    checkout(post_webhook)
    enrolment = Enrolment.objects.get()
    assert enrolment.flow.name == "Forgotten cart" and enrolment.context["channel"] == "email"
    assert engine.flows_advance() == 0  # not before the first hour
    with django_capture_on_commit_callbacks(execute=True):
        engine.flows_advance(now=timezone.now() + timedelta(hours=1, minutes=1))
    [reminder] = [m for m in outbox.unique() if "left something" in m["Subject"]]
    text = reminder.get_content()
    assert "1 × Ridgeline 2P Tent" in text and "/r/" in text

    order = payload("orders_create")
    order.update(
        email="example@email.com",
        customer={**order["customer"], "id": 603851970716743426, "email": "example@email.com"},
        created_at=timezone.now().isoformat(),
        processed_at=timezone.now().isoformat(),
    )
    post_webhook("orders/create", order)
    with django_capture_on_commit_callbacks(execute=True):
        engine.flows_advance(now=timezone.now() + timedelta(hours=25))
    enrolment.refresh_from_db()
    assert (enrolment.state, enrolment.exit_reason) == (EnrolmentState.EXITED, "ordered")
    assert len([m for m in outbox.unique() if "cart" in m["Subject"]]) == 1


def test_a_worker_killed_between_claim_and_send_loses_and_doubles_nothing(
    post_webhook, outreach, mailbox, monkeypatch, django_capture_on_commit_callbacks
):
    checkout(post_webhook)
    later = timezone.now() + timedelta(hours=2)
    real = engine.outbound_queue

    def queue_then_die(**kwargs):
        real(**kwargs)
        raise SystemExit("killed")

    monkeypatch.setattr(engine, "outbound_queue", queue_then_die)
    with pytest.raises(SystemExit):
        engine.flows_advance(now=later)
    assert not Message.objects.filter(purpose=Purpose.MARKETING).exists() and not Outreach.objects.exists()
    assert Enrolment.objects.get().position == 1  # still due: the next worker takes it
    monkeypatch.setattr(engine, "outbound_queue", real)
    with django_capture_on_commit_callbacks(execute=False):
        assert engine.flows_advance(now=later) == 1
        assert engine.flows_advance(now=later) == 0
    assert Message.objects.filter(purpose=Purpose.MARKETING).count() == 1
    assert Outreach.objects.get().verdict == Verdict.SENT


def test_an_opt_out_after_the_message_was_queued_holds_it(post_webhook, outreach, mailbox, outbox):
    checkout(post_webhook)
    engine.flows_advance(now=timezone.now() + timedelta(hours=2))
    [message] = Message.objects.filter(purpose=Purpose.MARKETING)
    Message.objects.filter(pk=message.pk).update(delivery=Delivery.QUEUED)  # as if not sent yet
    customer = message.conversation.customer
    from stay.customers.services import consent_withdraw

    consent_withdraw(customer=customer, channels=["email"], source="reply", evidence={})
    held = message_deliver(message_id=message.pk)
    assert held.delivery == Delivery.WITHHELD and "consent" in held.last_error


def test_korean_marketing_text_carries_the_ad_mark_the_store_and_a_free_opt_out(kr_store):
    settings = outreach_prepare(store=kr_store)
    OutreachSettings.objects.filter(pk=settings.pk).update(
        sender_contact="02-123-4567", quiet_start=settings.quiet_end, holdout_percent=0
    )
    # Night-time consent too: this test is about the text, and CI runs at any hour of Seoul.
    customer = shopper(kr_store, phone="+821012345678", channels=("sms",), night=True)
    variant = Variant.objects.create(
        store=kr_store,
        product=Product.objects.create(store=kr_store, platform_id="p1", title="릿지라인 텐트", handle="ridgeline"),
        platform_id="v1",
        title="Default Title",
        price=0,
        inventory_quantity=3,
    )
    flow = kr_store.flows.get(trigger="restock")
    engine.enrol(
        flow=flow, people=[engine.Enrol(customer.pk, "restock:1", {"variant_id": variant.pk, "channel": "sms"})]
    )
    engine.flows_advance()
    [message] = Message.objects.filter(purpose=Purpose.MARKETING)
    assert message.text.startswith("(광고) ")
    assert "릿지라인 텐트" in message.text and "서밋 아웃도어 02-123-4567" in message.text
    assert message.text.rstrip().splitlines()[-1].startswith("무료 수신거부")
