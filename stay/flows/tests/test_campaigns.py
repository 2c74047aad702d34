"""Campaigns (issue 20): a segment built from orders, a message per language with the product
block, sent through the same gate and measured like a flow; bad input is a 400 naming the
field."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from stay.conftest import payload
from stay.conversations.models import Message, Purpose
from stay.customers.models import Customer
from stay.flows import engine
from stay.flows.models import Campaign, Enrolment, Outreach, Verdict
from stay.flows.segments import segment_customers
from stay.flows.tests.test_gate import shopper

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(api_for, lead_user):
    """Campaigns are a lead's to send."""
    return api_for(lead_user)


def test_only_a_lead_sends_campaigns(api_for, agent_user, store):
    body = {"name": "X", "segment": {"kind": "all"}, "channel": "sms", "messages": {"en": {"body": "Hi"}}}
    refused = api_for(agent_user).post("/api/v1/campaigns", body, content_type="application/json")
    assert refused.status_code == 403 and "lead" in refused.json()["detail"]
    assert not Campaign.objects.exists()


def test_segments_from_orders(store, post_webhook):
    post_webhook("orders/create", payload("orders_create"))
    jon = Customer.objects.get(identities__value="jon@example.com")
    never = shopper(store, email="never@example.com")
    product = payload("orders_create")["line_items"][0]["product_id"]
    assert list(segment_customers(store=store, segment={"kind": "bought", "product_id": str(product)})) == [jon]
    Customer.objects.filter(pk=jon.pk).update(last_order_at=timezone.now() - timedelta(days=45))
    assert list(segment_customers(store=store, segment={"kind": "one_order", "min_days": 30, "max_days": 90})) == [jon]
    assert list(segment_customers(store=store, segment={"kind": "one_order", "min_days": 0, "max_days": 10})) == []
    spent = jon.__class__.objects.get(pk=jon.pk).total_spent
    assert list(segment_customers(store=store, segment={"kind": "spent_over", "amount": str(spent - 1)})) == [jon]
    assert set(segment_customers(store=store, segment={"kind": "all"})) == {jon, never}


def test_a_campaign_goes_through_the_gate_with_the_product_block(
    api, store, outreach, post_webhook, mailbox, outbox, django_capture_on_commit_callbacks
):
    post_webhook("products/create", payload("products_create"))
    order = payload("orders_create")
    order.update(created_at=timezone.now().isoformat(), processed_at=timezone.now().isoformat())
    post_webhook("orders/create", order)  # makes the tent a best seller
    fans = [shopper(store, email=f"fan{n}@example.com") for n in range(3)]
    silent = shopper(store, email="silent@example.com", channels=())
    body = {
        "name": "Winter camping",
        "segment": {"kind": "all"},
        "channel": "email",
        "messages": {
            "en": {"subject": "Ready for winter, {name}?", "body": "Our favourites this month:\n{products}"},
            "ko": {"subject": "겨울 준비 되셨나요?", "body": "이달의 인기 상품:\n{products}"},
        },
    }
    created = api.post("/api/v1/campaigns", body, content_type="application/json")
    assert created.status_code == 201, created.content
    campaign = Campaign.objects.get()
    assert created.json()["audience"] == campaign.audience == Customer.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        engine.flows_advance()
    sent = [m for m in outbox.unique() if m["Subject"].startswith("Ready for winter")]
    assert {m["To"] for m in sent} >= {f.identities.get().value for f in fans}
    link = re.search(r"Ridgeline 2P Tent: http://127\.0\.0\.1:8000(/r/\S+)", sent[0].get_content()).group(1)
    went = Client().get(link)  # through the click redirect, to the store's product page
    assert went["Location"] == "https://shop.summit.test/products/ridgeline-2p-tent"
    assert Outreach.objects.get(customer=silent).verdict == Verdict.WITHHELD  # no consent: never sent
    listed = api.get(f"/api/v1/campaigns/{campaign.pk}").json()
    assert listed["flow"]["sent"] == len(fans) + 0 + (
        Message.objects.filter(purpose=Purpose.MARKETING).count() - len(fans)
    )


def test_a_scheduled_campaign_waits_and_can_be_cancelled(api, store, outreach):
    shopper(store, email="a@example.com")
    later = (timezone.now() + timedelta(days=1)).isoformat()
    body = {"name": "Later", "segment": {"kind": "all"}, "channel": "sms", "messages": {"en": {"body": "Hi"}}}
    created = api.post("/api/v1/campaigns", {**body, "send_at": later}, content_type="application/json").json()
    assert engine.flows_advance() == 0
    cancelled = api.post(f"/api/v1/campaigns/{created['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert not Enrolment.objects.filter(state="active").exists()


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"segment": {"kind": "nobody"}}, "segment.kind must be one of"),
        ({"segment": {"kind": "spent_over", "amount": "lots"}}, "segment.amount"),
        ({"segment": {"kind": "bought"}}, "segment.product_id"),
        ({"channel": "fax"}, "channel must be one of"),
        ({"messages": {}}, "messages: at least one language"),
        ({"messages": {"en": {"body": "no subject"}}}, "needs a subject"),
        ({"send_at": "2020-01-01T00:00:00Z"}, "send_at"),
        ({"name": " "}, "name"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, store, change, says):
    body = {
        "name": "X",
        "segment": {"kind": "all"},
        "channel": "email",
        "messages": {"en": {"subject": "S", "body": "B"}},
        **change,
    }
    response = api.post("/api/v1/campaigns", body, content_type="application/json")
    assert response.status_code == 400 and says in response.json()["detail"], response.content


def test_best_channel_reaches_each_shopper_on_the_channel_they_agreed_to(api, store, outreach):
    by_text = shopper(store, phone="+821012345678", channels=("sms", "email"), tz="Asia/Seoul")
    by_mail = shopper(store, email="mail@example.com")
    body = {
        "name": "Everyone, their way",
        "segment": {"kind": "all"},
        "channel": "best",
        "messages": {"en": {"subject": "News", "body": "Hello {name}"}},
    }
    assert api.post("/api/v1/campaigns", body, content_type="application/json").status_code == 201
    engine.flows_advance()
    channels = dict(Outreach.objects.values_list("customer_id", "channel"))
    assert channels == {by_text.pk: "sms", by_mail.pk: "email"}


def test_a_send_at_without_a_time_zone_is_the_stores_local_time(api, store):
    """It was a 500 (a naive time compared with an aware one)."""
    body = {
        "name": "Local time",
        "segment": {"kind": "all"},
        "channel": "email",
        "messages": {"en": {"subject": "S", "body": "B"}},
        "send_at": "2030-01-01T10:00:00",
    }
    created = api.post("/api/v1/campaigns", body, content_type="application/json")
    assert created.status_code == 201, created.content
    assert Campaign.objects.get().send_at.isoformat() == "2030-01-01T15:00:00+00:00"  # 10:00 in New York
