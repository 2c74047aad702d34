"""The operator's preview of a step with a real customer and a test send (issue 20)."""

import pytest
from django.urls import reverse

from stay.flows.services import outreach_prepare
from stay.flows.tests.test_gate import shopper

pytestmark = pytest.mark.django_db


def test_preview_with_a_real_customer_and_a_test_send(admin_client, store, outbox):
    outreach_prepare(store=store)
    step = store.flows.get(trigger="checkout").steps.get(position=1)
    customer = shopper(store, email="mina@example.com")
    customer.name = "Mina Kim"
    customer.save()
    url = reverse("admin:flows_flowstep_preview", args=[step.pk])
    page = admin_client.get(url, {"customer": customer.pk}).content.decode()
    assert "Hi Mina, your cart at Summit Outdoor" in page and "장바구니" in page
    assert "Unsubscribe: http" in page
    assert "No customer 999999" in admin_client.get(url, {"customer": 999999}).content.decode()
    sent = admin_client.post(url, {"customer": customer.pk, "email": "owner@example.com"})
    assert "Sent to owner@example.com" in sent.content.decode()
    subjects = sorted(str(m["Subject"]).strip() for m in outbox.unique())
    assert subjects == ["[Test] You left something in your cart", "[Test] 장바구니에 담아 두신 상품이 있어요"]


def test_the_flows_list_shows_what_each_did(admin_client, store):
    outreach_prepare(store=store)
    page = admin_client.get(reverse("admin:flows_flow_changelist")).content.decode()
    assert "0 sent, 0 delivered, 0 clicked, 0 orders worth 0.00 USD, 0 opt-outs; lift: not measurable yet" in page
