"""The gift card API as a storefront's checkout uses it, over HTTP."""

import json
from decimal import Decimal

import pytest

from stay.core.models import RateCounter
from stay.giftcards.models import GiftCard, GiftCardEvent, GiftCardSettings

pytestmark = pytest.mark.django_db


def post(api, path, body, key):
    headers = {"Idempotency-Key": key} if key else {}
    return api.post(f"/api/v1/giftcards{path}", json.dumps(body), content_type="application/json", headers=headers)


@pytest.fixture
def card(api):
    response = post(api, "", {"amount": "100.00", "reference": "pos-1"}, "issue-1")
    assert response.status_code == 200, response.content
    return response.json()


def test_issue_returns_the_code_once_and_stores_only_a_hash(api, card):
    assert len(card["code"]) == 19 and card["balance"] == "100.00" and card["last4"] == card["code"][-4:]
    again = post(api, "", {"amount": "100.00", "reference": "pos-1"}, "issue-1").json()
    assert again["card_id"] == card["card_id"] and again["code"] == card["code"]
    assert GiftCard.objects.count() == 1
    assert card["code"].replace("-", "") not in json.dumps(list(GiftCard.objects.values()), default=str)


def test_a_mutating_call_needs_an_idempotency_key(api):
    response = post(api, "", {"amount": "10.00"}, None)
    assert response.status_code == 422 and "Idempotency-Key" in response.content.decode()
    assert post(api, "", {"amount": "10.00"}, "  ").json()["code"] == "idempotency_key_missing"
    assert GiftCard.objects.count() == 0


def test_checkout_flow(api, card):
    auth = post(
        api,
        "/authorize",
        {"amount": "120.00", "currency": "USD", "cards": [{"code": card["code"]}], "reference": "checkout-9"},
        "a-1",
    ).json()
    assert (auth["requested"], auth["amount"], auth["status"]) == ("120.00", "100.00", "held")
    captured = post(api, "/capture", {"authorization_id": auth["authorization_id"], "amount": "80.00"}, "c-1").json()
    assert captured["captured"] == "80.00" and captured["cards"][0]["balance"] == "20.00"
    again = post(api, "/capture", {"authorization_id": auth["authorization_id"]}, "c-2").json()
    assert again["captured"] == "80.00"  # captured once
    refunded = post(api, "/refund", {"authorization_id": auth["authorization_id"], "amount": "30.00"}, "r-1").json()
    assert refunded["refunded"] == "30.00"
    balance = api.get("/api/v1/giftcards/balance", {"code": card["code"]}).json()
    assert balance["balance"] == "50.00" and balance["status"] == "active"
    detail = api.get(f"/api/v1/giftcards/{card['card_id']}").json()
    assert [a["kind"] for a in detail["activity"]] == ["issue", "capture", "refund"]
    assert [a["balance"] for a in detail["activity"]] == ["100.00", "20.00", "50.00"]


def test_refusals_are_409_with_a_code(api, card):
    response = post(api, "/authorize", {"amount": "10", "currency": "KRW", "cards": [{"code": card["code"]}]}, "x-1")
    assert response.status_code == 409 and response.json()["code"] == "currency_mismatch"
    response = post(
        api, "/authorize", {"amount": "10", "currency": "USD", "cards": [{"code": "2222-2222-2222-2223"}]}, "x-2"
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_code"
    post(api, "/authorize", {"amount": "10", "currency": "USD", "cards": [{"code": card["code"]}]}, "x-3")
    response = post(api, "/authorize", {"amount": "11", "currency": "USD", "cards": [{"code": card["code"]}]}, "x-3")
    assert response.status_code == 409 and response.json()["code"] == "idempotency_key_reused"
    disabled = api.post(
        f"/api/v1/giftcards/{card['card_id']}/status",
        {"status": "disabled", "reason": "stolen"},
        content_type="application/json",
    )
    assert disabled.json()["status"] == "disabled"
    response = post(api, "/authorize", {"amount": "10", "currency": "USD", "cards": [{"code": card["code"]}]}, "x-4")
    assert response.status_code == 409 and response.json()["code"] == "card_disabled"


def test_rules_max_value_and_reload(api, store, card):
    GiftCardSettings.objects.filter(store=store).update(max_value=Decimal("150"))
    response = post(api, "", {"amount": "151"}, "too-big")
    assert response.status_code == 400 and response.json()["code"] == "over_max_value"
    response = post(api, "/reload", {"code": card["code"], "amount": "10"}, "reload-1")
    assert response.status_code == 409 and response.json()["code"] == "not_reloadable"
    GiftCardSettings.objects.filter(store=store).update(reloadable=True)
    assert post(api, "/reload", {"code": card["code"], "amount": "50"}, "reload-2").json()["balance"] == "150.00"
    response = post(api, "/reload", {"code": card["code"], "amount": "0.01"}, "reload-3")
    assert response.json()["code"] == "over_max_value"


def test_balance_checks_are_rate_limited_per_client_and_audited(api, card):
    for _ in range(10):
        wrong = api.get(
            "/api/v1/giftcards/balance", {"code": "2222-2222-2222-2223"}, headers={"X-Shopper-IP": "198.51.100.7"}
        )
        assert wrong.status_code in (400, 404)
    blocked = api.get("/api/v1/giftcards/balance", {"code": card["code"]}, headers={"X-Shopper-IP": "198.51.100.7"})
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 0
    # Another shopper is not blocked by the first one's guessing.
    assert (
        api.get(
            "/api/v1/giftcards/balance", {"code": card["code"]}, headers={"X-Shopper-IP": "198.51.100.8"}
        ).status_code
        == 200
    )
    assert RateCounter.objects.filter(key__contains="198.51.100.7").exists()
    assert GiftCardEvent.objects.filter(kind="balance_checked", client="198.51.100.8").exists()


def test_balance_checks_are_rate_limited_per_card(api, card):
    codes = []
    for i in range(11):
        codes.append(
            api.get(
                "/api/v1/giftcards/balance", {"code": card["code"]}, headers={"X-Shopper-IP": f"10.0.0.{i}"}
            ).status_code
        )
    assert codes[:10] == [200] * 10 and codes[10] == 429


def test_store_credit_endpoint(api, api_for, agent_user, store):
    from stay.customers.services import customer_for_contact

    customer, _ = customer_for_contact(store=store, kind="email", value="mina@example.kr", actor="test")
    url = f"/api/v1/customers/{customer.pk}/credit"
    agent = api_for(agent_user)  # giving credit is an agent's act, within their limits
    response = agent.post(
        url,
        {"amount": "15.00", "reason": "sorry for the wait"},
        content_type="application/json",
        headers={"Idempotency-Key": "credit-1"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["balances"][0]["balance"] == "15.00"
    agent.post(
        url,
        {"amount": "15.00", "reason": "sorry for the wait"},
        content_type="application/json",
        headers={"Idempotency-Key": "credit-1"},
    )
    body = api.get(url).json()
    assert body["balances"][0]["balance"] == "15.00" and len(body["activity"]) == 1
    paid = post(
        api,
        "/authorize",
        {"amount": "5", "currency": "USD", "cards": [{"customer_id": customer.pk}], "capture": True},
        "sc-1",
    ).json()
    assert paid["captured"] == "5.00" and paid["cards"][0]["kind"] == "store_credit"


def test_reports(api, card):
    post(
        api,
        "/authorize",
        {"amount": "40", "currency": "USD", "cards": [{"code": card["code"]}], "capture": True},
        "p-1",
    )
    assert api.get("/api/v1/giftcards/reports/liability").json() == {
        "USD": {"gift_card": "60.00", "store_credit": "0.00", "total": "60.00"}
    }
    assert api.get("/api/v1/giftcards/reports/liability", {"at": "2000-01-01T00:00:00Z"}).json() == {}
    accounts = api.get("/api/v1/giftcards/reports/accounts").json()["USD"]
    assert accounts == {"card": "60.00", "sales": "-100.00", "redemptions": "40.00"}


def test_openapi_documents_the_idempotency_header(api):
    schema = api.get("/api/openapi.json").json()
    authorize = schema["paths"]["/api/v1/giftcards/authorize"]["post"]
    assert any(
        p["name"] == "Idempotency-Key" and p["in"] == "header" and p["required"] for p in authorize["parameters"]
    )


def test_a_busy_checkout_is_not_a_shopper_guessing_codes(api, card):
    """Issue 18 #10: a store's checkout was refused after 30 redemptions a minute (and 10 per
    card) unless it sent X-Shopper-IP. A token's successful authorisations count for nothing;
    failed code look-ups still count, per shopper."""
    for i in range(35):
        paid = post(
            api,
            "/authorize",
            {"amount": "1", "currency": "USD", "cards": [{"code": card["code"]}], "capture": True},
            f"busy-{i}",
        )
        assert paid.status_code == 200, (i, paid.content)
    for i in range(10):
        wrong = post(
            api, "/authorize", {"amount": "1", "currency": "USD", "cards": [{"code": "2222-2222-2222-2223"}]}, f"w{i}"
        )
        assert wrong.status_code in (400, 404)
    blocked = post(api, "/authorize", {"amount": "1", "currency": "USD", "cards": [{"code": card["code"]}]}, "w-x")
    assert blocked.status_code == 429


def test_value_given_away_needs_a_leads_token(api, api_for, lead_user, agent_user, card):
    """Issue 18 #3: every mutating API call has the console's permission checks: a token whose
    user is no lead could mint promotion cards, reverse transactions and re-enable cards."""
    refused = post(api, "", {"amount": "20", "source": "promotion"}, "promo-1")
    assert refused.status_code == 403 and refused.json()["code"] == "not_allowed"
    assert post(api_for(agent_user), "", {"amount": "20", "source": "promotion"}, "promo-2").status_code == 403
    assert post(api_for(lead_user), "", {"amount": "20", "source": "promotion"}, "promo-3").status_code == 200
    assert post(api, "", {"amount": "20", "source": "manual"}, "sold-1").status_code == 200  # sold elsewhere
    url = f"/api/v1/giftcards/{card['card_id']}/status"
    stolen = api.post(url, {"status": "disabled", "reason": "stolen"}, content_type="application/json")
    assert stolen.status_code == 200  # disabling protects the money: any token of the store
    back = {"status": "active", "reason": "found"}
    assert api.post(url, back, content_type="application/json").status_code == 403
    assert api_for(lead_user).post(url, back, content_type="application/json").status_code == 200
    undo = {"transaction_id": card["transaction_id"], "reason": "issued by mistake"}
    assert post(api, "/reverse", undo, "rev-1").status_code == 403
    assert post(api_for(lead_user), "/reverse", undo, "rev-2").status_code == 200
