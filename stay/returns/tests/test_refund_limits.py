"""Issue 18: the returns API pays refunds out only within the token's user's limits."""

from stay.connectors.shopify.models import PlatformCall


def test_returns_api_refunds_only_within_the_tokens_limits(api, api_for, agent_user, shop):
    from stay.returns.models import Return, Status
    from stay.returns.tests.conftest import line_of

    order = shop.order((shop.jacket_m, 1))
    line = line_of(order, shop.jacket_m)
    body = {"order_id": order.pk, "lines": [{"line_id": line.pk, "quantity": 1, "reason": "too_small"}]}
    assert api.post("/api/v1/returns", {**body, "preferred_outcome": "refund"}, content_type="application/json")
    ret = Return.objects.get()
    received = {"items": [{"line_id": ret.lines.get().pk, "quantity": 1, "condition": "resellable"}]}
    # A token whose user is no agent may not pay a refund out (before: it could, unlimited).
    refused = api.post(f"/api/v1/returns/{ret.pk}/receive", received, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "not_an_agent"
    over = api_for(agent_user).post(f"/api/v1/returns/{ret.pk}/receive", received, content_type="application/json")
    assert over.status_code == 409 and "need a lead" in over.json()["detail"]
    ret.refresh_from_db()
    assert ret.status != Status.RESOLVED and not PlatformCall.objects.filter(action="create_refund").exists()


def test_a_refund_a_lead_resolves_counts_as_theirs(api, api_for, lead_user, shop):
    """Issue 18 #2: limits are cumulative on every path: a return's refund is recorded as the
    refund of the person who resolved it (their day's total counts it)."""
    from stay.returns.models import Return
    from stay.returns.tests.conftest import line_of

    order = shop.order((shop.jacket_m, 1))
    line = line_of(order, shop.jacket_m)
    body = {"order_id": order.pk, "lines": [{"line_id": line.pk, "quantity": 1, "reason": "too_small"}]}
    api.post("/api/v1/returns", {**body, "preferred_outcome": "refund"}, content_type="application/json")
    ret = Return.objects.get()
    received = {"items": [{"line_id": ret.lines.get().pk, "quantity": 1, "condition": "resellable"}]}
    done = api_for(lead_user).post(f"/api/v1/returns/{ret.pk}/receive", received, content_type="application/json")
    assert done.status_code == 200, done.content
    call = PlatformCall.objects.get(action="create_refund")
    assert call.user == lead_user and call.order == order and call.amount > 0
