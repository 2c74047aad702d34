"""Issue 18, money: no over-refund on any path, cumulative limits, and the API held to the
console's permissions and limits. Each test failed on the code before the fix."""

from decimal import Decimal

import pytest
from django.urls import reverse

from stay.conftest import payload
from stay.connectors.shopify.models import CallStatus, PlatformCall
from stay.connectors.shopify.refunds import refund_request, refundable
from stay.conversations.models import AgentLimits
from stay.core.errors import Conflict
from stay.orders.models import Order


def _amounts() -> list[Decimal]:
    return [c.amount for c in PlatformCall.objects.filter(action="create_refund").order_by("id")]


def test_two_full_refunds_and_more_are_refused(lead, conversation, order):
    url = reverse("console:act", args=[conversation.pk, order.pk])
    assert lead.post(url, {"action": "refund", "key": "a"}).status_code == 200
    second = lead.post(url, {"action": "refund", "key": "b"})
    assert second.status_code == 400 and "Nothing is left to refund" in second.content.decode()
    for i, amount in enumerate(["50", "50", "50", "49.99"]):
        response = lead.post(url, {"action": "refund", "key": f"c{i}", "amount": amount})
        assert response.status_code == 409 and "At most 0" in response.content.decode()
    assert _amounts() == [order.total]


def test_a_failed_call_frees_its_amount_and_a_landed_refund_counts_once(lead_user, order, post_webhook):
    first = refund_request(
        order=order, amount=Decimal("100"), idempotency_key="x1", requested_by="test", user=lead_user
    )
    assert refundable(order) == order.total - 100
    PlatformCall.objects.filter(pk=first.pk).update(status=CallStatus.FAILED)
    assert refundable(order) == order.total
    sent = refund_request(order=order, amount=Decimal("30"), idempotency_key="x2", requested_by="test", user=None)
    PlatformCall.objects.filter(pk=sent.pk).update(status=CallStatus.SENT, result_id="509562969")
    assert refundable(order) == order.total - 30
    refund = payload("refunds_create")  # the platform reports the refund it made
    refund.update(id=509562969, order_id=int(order.platform_id))
    for tx in refund.get("transactions", []):
        tx["amount"] = "30.00"
    post_webhook("refunds/create", refund)
    order.refresh_from_db()
    assert order.total_refunded == Decimal("30.00")
    assert refundable(order) == order.total - 30  # not 60: the call and the refund are one
    with pytest.raises(Conflict):
        refund_request(order=order, amount=order.total, idempotency_key="x3", requested_by="test", user=None)


def test_agent_limits_add_up_per_order_and_per_day(agent, agent_user, conversation, order, store):
    AgentLimits.objects.create(store=store, refund_per_order=Decimal("100"), refund_per_day=Decimal("150"))
    url = reverse("console:act", args=[conversation.pk, order.pk])
    for key in ("a", "b"):
        assert agent.post(url, {"action": "refund", "key": key, "amount": "49.99"}).status_code == 200
    third = agent.post(url, {"action": "refund", "key": "c", "amount": "49.99"})
    assert third.status_code == 403 and "on this order" in third.content.decode()
    assert _amounts() == [Decimal("49.99")] * 2
    # Another order of the same day: the day's limit (150) is what is left to use.
    other = payload("orders_create")
    other.update(id=820982911946154599, name="#1002", order_number=1002)
    refund_request(
        order=order, amount=Decimal("0.02"), idempotency_key="y", requested_by="t", user=agent_user
    )  # 100.00 on the first order now
    second = Order.objects.create(
        store=store,
        platform_id="2",
        name="#2002",
        number=2002,
        currency="USD",
        total=Decimal("300"),
        placed_at=order.placed_at,
        customer=order.customer,
    )
    refund_request(order=second, amount=Decimal("50"), idempotency_key="z1", requested_by="t", user=agent_user)
    with pytest.raises(Conflict, match="today"):
        refund_request(order=second, amount=Decimal("0.01"), idempotency_key="z2", requested_by="t", user=agent_user)


def test_store_credit_through_the_api_has_the_consoles_limits(api, api_for, agent_user, lead_user, store):
    from stay.customers.services import customer_for_contact

    customer, _ = customer_for_contact(store=store, kind="email", value="mina@example.kr", actor="test")
    url = f"/api/v1/customers/{customer.pk}/credit"

    def give(client, amount, key):
        return client.post(
            url,
            {"amount": amount, "reason": "sorry"},
            content_type="application/json",
            headers={"Idempotency-Key": key},
        )

    assert give(api, "50000", "k0").status_code == 403  # not an agent
    as_agent = api_for(agent_user)
    over = give(as_agent, "100000", "k1")
    assert over.status_code == 409 and over.json()["code"] == "over_limit"
    huge = give(api_for(lead_user), "1e15", "k2")
    assert huge.status_code in (400, 409)
    assert give(as_agent, "50", "k3").status_code == 200
    assert give(as_agent, "50", "k4").status_code == 200
    assert give(as_agent, "50", "k5").status_code == 200
    day = give(as_agent, "1", "k6")  # 150 a day for an agent by default
    assert day.status_code == 409, day.content
