"""Issue 18 #15: Shopify's mandatory privacy webhooks were answered "ignored". A customer's
data is exported from every app (one registry), erased in every app (money records kept),
from the admin, the API, the command line and the webhooks, and each read, export and
erasure is in the audit trail."""

import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from stay.channels.email.services import email_receive
from stay.conftest import mail, payload
from stay.conversations.models import Message
from stay.core.models import AuditEntry
from stay.customers.models import Customer, Identity
from stay.giftcards.models import GiftCard, LedgerEntry
from stay.giftcards.services import Caller, Recipient, gift_card_issue
from stay.orders.models import Order


@pytest.fixture
def jon(post_webhook, mailbox, store):
    """A customer known by an order, an email conversation and a card they bought for someone."""
    post_webhook("orders/create", payload("orders_create"))
    order = Order.objects.get()
    raw = mail("order_question_qp").replace(b"Jamie.Lee@Example.com", b"jon@example.com")
    email_receive(raw=raw)
    gift_card_issue(
        store=store,
        amount=Decimal("25"),
        buyer=order.customer,
        recipient=Recipient(name="Arya", email="arya@example.com"),
        caller=Caller("test"),
        idempotency_key="privacy-card",
    )
    return order.customer


def _ledger_total():
    return sum(LedgerEntry.objects.values_list("amount", flat=True), Decimal("0"))


def test_export_and_erase_through_the_api(jon, api_for, agent_user, lead_user, store):
    agent, lead = api_for(agent_user), api_for(lead_user)
    assert agent.get(f"/api/v1/customers/{jon.pk}/export").status_code == 403
    data = lead.get(f"/api/v1/customers/{jon.pk}/export").json()
    assert data["customer"]["name"] == "Jon Snow"
    assert any(i["value"] == "jon@example.com" for i in data["customer"]["identities"])
    assert data["orders"]["orders"][0]["email"] == "jon@example.com"
    assert data["conversations"] and data["conversations"][0]["messages"]
    assert "Arya" in [card["recipient_name"] for card in data["gift_cards"]]
    assert data["webhook_deliveries"][0]["topic"] == "orders/create"
    spent, ledger = jon.total_spent, _ledger_total()

    erased = lead.post(f"/api/v1/customers/{jon.pk}/erase")
    assert erased.status_code == 200, erased.content
    jon.refresh_from_db()
    assert jon.name == "" and jon.erased_at is not None and jon.total_spent == spent
    assert not Identity.objects.filter(customer=jon).exists()
    order = Order.objects.get()
    assert order.email == "" and order.shipping_address is None and order.total == Decimal("403.00")
    assert set(Message.objects.filter(conversation__customer=jon).values_list("text", flat=True)) == {"[erased]"}
    card = GiftCard.objects.get(buyer=jon, initial_value=Decimal("25"))
    assert card.recipient_name == card.recipient_email == "" and card.balance == Decimal("25.00")
    assert _ledger_total() == ledger  # the accounts are whole
    from stay.connectors.shopify.models import WebhookDelivery

    assert not WebhookDelivery.objects.filter(body__icontains="jon@example.com").exists()
    assert WebhookDelivery.objects.filter(topic="orders/create").exists()  # a redelivery is still known
    actions = list(AuditEntry.objects.filter(customer_id=jon.pk).values_list("action", "via", "actor"))
    assert ("export", "api", "api:lee") in actions and ("erase", "api", "api:lee") in actions
    assert "Jon" not in json.dumps(lead.get(f"/api/v1/customers/{jon.pk}/export").json()["customer"])


def test_reads_are_audited_in_the_console_and_the_api(jon, api_for, agent_user, client):
    from stay.conversations.models import Conversation

    conversation = Conversation.objects.get(customer=jon)
    assert client.login(username="alex", password="agent-pass")
    assert client.get(f"/console/c/{conversation.pk}").status_code == 200
    assert api_for(agent_user).get(f"/api/v1/customers/{jon.pk}").status_code == 200
    reads = set(AuditEntry.objects.filter(action="read", customer_id=jon.pk).values_list("via", "actor"))
    assert reads == {("console", "user:alex"), ("api", "api:alex")}


def test_shopify_privacy_webhooks(jon, post_webhook, store):
    request = {
        "shop_id": 954889,
        "shop_domain": "summit.myshopify.com",
        "orders_requested": [820982911946154508],
        "customer": {"id": 115310627314723954, "email": "jon@example.com", "phone": None},
        "data_request": {"id": 9999},
    }
    assert post_webhook("customers/data_request", request).status_code == 200
    assert post_webhook.last_status() == "processed"
    entry = AuditEntry.objects.get(action="data_request")
    assert entry.customer_id == jon.pk and entry.detail["export"]["customer"]["name"] == "Jon Snow"
    assert entry.detail["request"] == "9999"

    redact = {"shop_id": 954889, "shop_domain": "summit.myshopify.com", "customer": request["customer"]}
    assert post_webhook("customers/redact", {**redact, "orders_to_redact": []}).status_code == 200
    jon.refresh_from_db()
    assert jon.erased_at is not None and jon.name == ""

    other = Customer.objects.create(store=store, name="Sansa")
    assert post_webhook("shop/redact", {"shop_id": 954889, "shop_domain": "summit.myshopify.com"}).status_code == 200
    other.refresh_from_db()
    assert other.name == "" and other.erased_at is not None
    assert AuditEntry.objects.filter(action="erase", via="shopify").count() >= 2


def test_the_command_line_and_the_admin(jon, admin_client, capsys):
    call_command("privacy", "export", "--customer", str(jon.pk))
    assert "Jon Snow" in capsys.readouterr().out
    with pytest.raises(Exception, match="--yes"):
        call_command("privacy", "erase", "--customer", str(jon.pk))
    response = admin_client.post(
        "/admin/customers/customer/", {"action": "export_personal_data", "_selected_action": [jon.pk]}
    )
    assert response.status_code == 200 and b"Jon Snow" in response.content
    admin_client.post("/admin/customers/customer/", {"action": "erase_personal_data", "_selected_action": [jon.pk]})
    jon.refresh_from_db()
    assert jon.erased_at is not None
    assert set(AuditEntry.objects.filter(customer_id=jon.pk).values_list("via", flat=True)) >= {"cli", "admin"}
