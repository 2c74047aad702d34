"""Returns in the agent's console: start one from the order panel, override the rules, decide,
and receive a parcel by scanning its number."""

import pytest
from django.test import Client
from django.utils import timezone

from stay.catalog.models import Variant
from stay.conversations.models import Conversation
from stay.returns.models import Return, ReturnRule, Status, Tristate
from stay.returns.policy import policy_for
from stay.returns.services import Pick

from .conftest import ask, line_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(agent_user):
    client = Client()
    assert client.login(username="alex", password="agent-pass")
    return client


def conversation_of(order):
    return Conversation.objects.create(
        store=order.store, customer=order.customer, channel="email", subject="Sizes", last_message_at=timezone.now()
    )


def test_agent_starts_an_exchange_from_the_order_panel(agent, shop):
    order = shop.order((shop.jacket_m, 1))
    convo = conversation_of(order)
    line = line_of(order, shop.jacket_m)
    page = agent.get(f"/console/c/{convo.pk}").content.decode()
    assert "Start a return" in page and f'name="rqty_{line.pk}"' in page
    form = {
        f"rqty_{line.pk}": "1",
        f"rreason_{line.pk}": "too_small",
        f"rvariant_{line.pk}": str(shop.jacket_l.pk),
        "outcome": "exchange",
        "key": "k1",
    }
    review = agent.post(f"/console/c/{convo.pk}/orders/{order.pk}/return", form)
    assert review.status_code == 200 and "allowed" in review.content.decode()
    assert not Return.objects.exists()  # the decision is shown first: nothing is created yet
    response = agent.post(f"/console/c/{convo.pk}/orders/{order.pk}/return", {**form, "confirmed": "1"})
    assert response.status_code == 200, response.content
    ret = Return.objects.get()
    assert f"Return {ret.number} started: Label issued." in response.content.decode()
    assert ret.requested_by == "user:alex" and ret.lines.get().exchange_variant_id == shop.jacket_l.pk
    assert Variant.objects.get(pk=shop.jacket_l.pk).inventory_quantity == 0
    panel = agent.get(f"/console/c/{convo.pk}").content.decode()
    assert ret.number in panel and "Exchange for another size or colour" in panel


@pytest.fixture
def lead(lead_user):
    client = Client()
    assert client.login(username=lead_user.username, password="lead-pass")
    return client


def test_only_a_lead_overrides_the_rules(agent, lead, shop):
    order = shop.order((shop.cap, 1))
    convo = conversation_of(order)
    line = line_of(order, shop.cap)
    form = {f"rqty_{line.pk}": "1", f"rreason_{line.pk}": "changed_mind", "outcome": "store_credit"}
    url = f"/console/c/{convo.pk}/orders/{order.pk}/return"
    review = agent.post(url, {**form, "key": "k1"}).content.decode()
    assert "refused" in review and "only if they are faulty" in review and "A lead can override" in review
    assert "Start return" not in review
    refused = agent.post(url, {**form, "key": "k1", "confirmed": "1"})  # a crafted post: still nothing
    assert refused.status_code == 409 and "only if they are faulty" in refused.content.decode()
    assert not Return.objects.exists()
    assert 'name="override"' not in agent.get(f"/console/c/{convo.pk}").content.decode()
    denied = agent.post(url, {**form, "override": "on", "key": "k2", "confirmed": "1"})
    assert denied.status_code == 403 and "needs a lead" in denied.content.decode()
    assert not Return.objects.exists()
    offered = lead.post(url, {**form, "key": "k3"}).content.decode()
    assert "Override the rules and start it" in offered
    allowed = lead.post(url, {**form, "override": "on", "key": "k3", "confirmed": "1"})
    assert "started: Label issued" in allowed.content.decode()
    assert Return.objects.get().rule.startswith("overridden by user:")


def test_a_refund_over_the_agents_limit_needs_a_lead(agent, lead, shop):
    policy_for(shop.store)
    ReturnRule.objects.create(store=shop.store, position=1, name="Check all", auto_approve=Tristate.NO)
    order = shop.order((shop.jacket_m, 1))  # 120.00; Alex may refund up to 100
    ret = ask(order, Pick(line_of(order, shop.jacket_m).pk, 1, "too_small", outcome="refund"))
    denied = agent.post(f"/console/returns/{ret.pk}/act", {"action": "approve"})
    assert denied.status_code == 409 and "need a lead" in denied.content.decode()
    ret.refresh_from_db()
    assert ret.status == Status.REQUESTED
    assert lead.post(f"/console/returns/{ret.pk}/act", {"action": "approve"}).status_code == 302
    ret.refresh_from_db()
    assert ret.status == Status.LABEL_ISSUED


def test_a_quantity_that_is_not_a_number_is_an_error(agent, shop):
    order = shop.order((shop.jacket_m, 1))
    convo = conversation_of(order)
    line = line_of(order, shop.jacket_m)
    response = agent.post(
        f"/console/c/{convo.pk}/orders/{order.pk}/return",
        {f"rqty_{line.pk}": "two", f"rreason_{line.pk}": "too_small", "key": "k1"},
    )
    assert response.status_code == 400 and "whole numbers" in response.content.decode()
    assert not Return.objects.exists()


def test_agent_decides_a_return_waiting_for_a_person(agent, shop):
    policy_for(shop.store)
    ReturnRule.objects.create(store=shop.store, position=1, name="Check all", auto_approve=Tristate.NO)
    order = shop.order((shop.jacket_m, 1))
    ret = ask(order, Pick(line_of(order, shop.jacket_m).pk, 1, "too_small", outcome="refund"))
    page = agent.get(f"/console/returns/{ret.pk}").content.decode()
    assert "Check all" in page and "Approve" in page
    change = agent.post(
        f"/console/returns/{ret.pk}/act", {"action": "change", "line": ret.lines.get().pk, "outcome": "store_credit"}
    )
    assert change.status_code == 302
    assert agent.post(f"/console/returns/{ret.pk}/act", {"action": "approve"}).status_code == 302
    ret.refresh_from_db()
    assert ret.status == Status.LABEL_ISSUED and ret.lines.get().outcome == "store_credit"
    wrong = agent.post(f"/console/returns/{ret.pk}/act", {"action": "approve"})
    assert wrong.status_code == 409 and "cannot become Approved" in wrong.content.decode()


def test_warehouse_scans_the_number_and_receives(agent, shop):
    order = shop.order((shop.jacket_m, 1))
    ret = ask(order, Pick(line_of(order, shop.jacket_m).pk, 1, "too_small", outcome="refund"))
    assert agent.get("/console/returns/receive?number=R999").status_code == 404
    found = agent.get(f"/console/returns/receive?number={ret.number.lower()}")
    assert found.status_code == 302 and found["Location"] == f"/console/returns/{ret.pk}#receive"
    line = ret.lines.get()
    done = agent.post(
        f"/console/returns/{ret.pk}/act", {"action": "receive", f"got_{line.pk}": "1", f"cond_{line.pk}": "resellable"}
    )
    assert done.status_code == 302
    ret.refresh_from_db()
    assert ret.status == Status.RESOLVED
    listing = agent.get("/console/returns/?status=resolved").content.decode()
    assert ret.number in listing
