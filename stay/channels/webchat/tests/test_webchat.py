"""Web chat over real websockets to uvicorn: anonymous and verified visitors, live replies,
the offline email hand-off, and what a visitor may never see."""

import json
import time

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from stay.channels.webchat.services import identity_hash
from stay.conftest import payload
from stay.conversations.models import Channel, Conversation, Delivery, Message
from stay.conversations.services import message_send, note_add
from stay.customers.models import IdentityKind


def receive(ws, kind, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        data = json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic())))
        if data["type"] == kind:
            return data


def open_chat(server, widget, **query):
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    return connect(f"{server.ws_url}/ws/chat/{widget.public_key}?{qs}", open_timeout=5)


def test_unknown_widget_is_refused(asgi_server, chat_widget):
    with (
        pytest.raises((InvalidStatus, ConnectionClosed)),
        connect(f"{asgi_server.ws_url}/ws/chat/pk_nope", open_timeout=5) as ws,
    ):
        ws.recv(timeout=2)


def test_anonymous_visitor_chats_and_sees_the_agent_reply_live(asgi_server, chat_widget, agent_user):
    with open_chat(asgi_server, chat_widget) as ws:
        hello = receive(ws, "hello")
        assert hello["verified"] is False and hello["orders"] == [] and hello["messages"] == []
        ws.send(json.dumps({"type": "message", "text": "Do you ship to Busan?", "client_id": "c1"}))
        ack = receive(ws, "ack")
        assert ack["client_id"] == "c1"
        message = Message.objects.get(pk=ack["id"])
        assert (
            message.channel == Channel.WEBCHAT
            and message.conversation.customer.identities.get().kind == IdentityKind.CHAT
        )
        # A note never reaches the shopper; the reply does, without a reload.
        note_add(conversation=message.conversation, text="check carrier list", author=agent_user)
        reply = message_send(conversation=message.conversation, text="Yes, in 2-3 days.", author=agent_user)
        got = receive(ws, "message")
        while got["message"]["direction"] != "out":
            got = receive(ws, "message")
        assert got["message"]["text"] == "Yes, in 2-3 days." and got["message"]["id"] == reply.pk
        assert got["message"]["bot"] is False  # a person wrote it: not labelled as the assistant
        reply.refresh_from_db()
        assert reply.delivery == Delivery.SENT
        # The same client id again (a resend after a dropped connection) is filed once.
        ws.send(json.dumps({"type": "message", "text": "Do you ship to Busan?", "client_id": "c1"}))
        assert receive(ws, "ack")["id"] == ack["id"]
    # The visitor comes back with their token: the history is there, without the note.
    with open_chat(asgi_server, chat_widget, visitor=hello["visitor"]) as ws:
        texts = [m["text"] for m in receive(ws, "hello")["messages"]]
    assert texts == ["Do you ship to Busan?", "Yes, in 2-3 days."]


def test_only_a_verified_visitor_sees_orders(asgi_server, chat_widget, post_webhook):
    post_webhook("orders/create", payload("orders_create"))
    customer_id = str(payload("orders_create")["customer"]["id"])
    with open_chat(asgi_server, chat_widget, customer_id=customer_id, hash="0" * 64) as ws:
        hello = receive(ws, "hello")
    assert hello["verified"] is False and hello["orders"] == [] and "anonymous" in hello["notice"]
    good = identity_hash("widget-secret", customer_id)
    with open_chat(asgi_server, chat_widget, customer_id=customer_id, hash=good) as ws:
        hello = receive(ws, "hello")
        assert hello["verified"] is True
        assert [o["name"] for o in hello["orders"]] == ["#1001"]
        ws.send(json.dumps({"type": "message", "text": "Where is #1001?", "client_id": "x"}))
        message = Message.objects.get(pk=receive(ws, "ack")["id"])
    assert message.conversation.customer.orders.filter(name="#1001").exists()


def test_signing_in_keeps_what_was_written_anonymously(asgi_server, chat_widget, post_webhook):
    post_webhook("orders/create", payload("orders_create"))
    customer_id = str(payload("orders_create")["customer"]["id"])
    with open_chat(asgi_server, chat_widget) as ws:
        token = receive(ws, "hello")["visitor"]
        ws.send(json.dumps({"type": "message", "text": "hello", "client_id": "a"}))
        receive(ws, "ack")
    with open_chat(
        asgi_server,
        chat_widget,
        visitor=token,
        customer_id=customer_id,
        hash=identity_hash("widget-secret", customer_id),
    ) as ws:
        hello = receive(ws, "hello")
    assert [m["text"] for m in hello["messages"]] == ["hello"]
    assert Conversation.objects.get(channel="webchat").customer.orders.count() == 1


def test_no_agent_online_continues_by_email(asgi_server, chat_widget, mailbox, outbox, agent_user):
    with open_chat(asgi_server, chat_widget) as ws:
        hello = receive(ws, "hello")
        assert hello["agents_online"] is False
        ws.send(json.dumps({"type": "message", "text": "Is the tent waterproof?", "client_id": "q"}))
        conversation = Message.objects.get(pk=receive(ws, "ack")["id"]).conversation
        ws.send(json.dumps({"type": "email", "email": "visitor@example.com"}))
        receive(ws, "email_saved")
    time.sleep(0.2)  # the visitor has left
    from stay.channels.webchat.models import Visitor

    Visitor.objects.update(connections=0)
    reply = message_send(conversation=conversation, text="Yes: 3,000 mm.", author=agent_user)
    reply.refresh_from_db()
    assert reply.delivery == Delivery.SENT and reply.channel == Channel.EMAIL
    [mail] = outbox.unique()
    assert mail["To"] == "visitor@example.com" and "3,000 mm" in mail.get_content()


def test_widget_script_is_served_in_the_shoppers_language(client, chat_widget):
    english = client.get("/channels/webchat/widget.js", {"key": chat_widget.public_key, "lang": "en"})
    assert english.status_code == 200 and english["Content-Type"].startswith("text/javascript")
    assert "Chat with us" in english.content.decode()
    korean = client.get("/channels/webchat/widget.js", {"key": chat_widget.public_key, "lang": "ko"}).content.decode()
    assert '"lang": "ko"' in korean  # the default; the page's own language wins in the browser
    assert json.dumps("어시스턴트 · 자동 답변")[1:-1] in korean  # the label on the assistant's replies
    assert client.get("/channels/webchat/widget.js", {"key": "nope"}).status_code == 404


def test_another_visitor_never_sees_someone_elses_chat(asgi_server, chat_widget):
    with open_chat(asgi_server, chat_widget) as ws:
        receive(ws, "hello")
        ws.send(json.dumps({"type": "message", "text": "my address is 12 Main St", "client_id": "a"}))
        receive(ws, "ack")
    with open_chat(asgi_server, chat_widget) as other:  # a new browser, no token
        hello = receive(other, "hello")
    assert hello["messages"] == [] and hello["orders"] == []
    with open_chat(asgi_server, chat_widget, visitor="short-guess") as guesser:  # a guessed token
        hello = receive(guesser, "hello")
    assert hello["messages"] == [] and hello["visitor"] != "short-guess"


def test_opening_the_widget_makes_no_customer_until_the_visitor_writes(asgi_server, chat_widget):
    """Issue 18 #13: each anonymous connection created a permanent customer (300 sockets, 300
    customers); a client opening sockets in a loop is refused; visitors who never wrote are
    forgotten."""
    from datetime import timedelta

    from django.utils import timezone

    from stay.channels.webchat.models import Visitor
    from stay.channels.webchat.services import CONNECTIONS_PER_MINUTE, visitors_prune
    from stay.customers.models import Customer

    for _ in range(5):
        with open_chat(asgi_server, chat_widget) as ws:
            receive(ws, "hello")
    assert Customer.objects.count() == 0 and Visitor.objects.count() == 5
    with open_chat(asgi_server, chat_widget) as ws:
        token = receive(ws, "hello")["visitor"]
        ws.send(json.dumps({"type": "message", "text": "Hello?", "client_id": "c1"}))
        receive(ws, "ack")
    visitor = Visitor.objects.get(token=token)
    assert visitor.customer is not None and Customer.objects.count() == 1
    with open_chat(asgi_server, chat_widget, visitor=token) as ws:  # they come back: the same customer
        assert len(receive(ws, "hello")["messages"]) >= 1
    refused = 0
    for _ in range(CONNECTIONS_PER_MINUTE):
        try:
            with open_chat(asgi_server, chat_widget) as ws:
                receive(ws, "hello", timeout=2)
        except (ConnectionClosed, InvalidStatus, TimeoutError):
            refused += 1
    assert refused > 0
    Visitor.objects.update(connections=0)
    assert visitors_prune(idle_before=timezone.now() + timedelta(seconds=1)) >= 5
    assert Visitor.objects.filter(customer__isnull=True).count() == 0
    assert Visitor.objects.filter(token=token).exists() and Customer.objects.count() == 1  # who wrote stays


def test_the_empty_customers_old_visitors_made_are_pruned(chat_widget, store):
    from datetime import timedelta

    from django.utils import timezone

    from stay.channels.webchat.models import Visitor
    from stay.channels.webchat.services import visitors_prune
    from stay.customers.models import Customer, Identity

    def old_style_visitor(token):
        customer = Customer.objects.create(store=store)
        identity = Identity.objects.create(store=store, customer=customer, kind=IdentityKind.CHAT, value=token)
        return Visitor.objects.create(store=store, token=token, customer=customer, identity=identity)

    empty = old_style_visitor("e" * 40)
    kept = old_style_visitor("k" * 40)
    Identity.objects.create(store=store, customer=kept.customer, kind=IdentityKind.EMAIL, value="kept@example.com")
    assert visitors_prune(idle_before=timezone.now() + timedelta(seconds=1)) == 1
    assert not Customer.objects.filter(pk=empty.customer_id).exists()
    assert Customer.objects.filter(pk=kept.customer_id).exists()
