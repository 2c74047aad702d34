"""Issue 18 #14: each of these was a 500; each must be a 4xx that says what is wrong."""

import pytest
from django.test import Client

from stay.conftest import payload

GETS = [
    ("/api/v1/customers?q=a%00b", "NUL"),
    ("/api/v1/orders?q=a%00b", "NUL"),
    ("/api/v1/customers?page=99999999999999999999", "page"),
    ("/api/v1/giftcards/reports/liability?at=0170-09-27T01:35:05%2B18:19", "1970"),
    ("/api/v1/giftcards/reports/accounts?start=0170-09-27T01:35:05%2B18:19&end=9999-12-31T23:59:59-18:00", "1970"),
    ("/api/v1/assistant/report?since=0170-09-27T01:35:05%2B18:19", "1970"),
    ("/api/v1/returns/reports?since=0001-01-01T00:00:00%2B18:00", "1970"),
]
POSTS = [
    ("/api/v1/giftcards/authorize", {"amount": "1e30", "currency": "USD", "cards": [{"code": "2222-2222-2222-2222"}]}),
    ("/api/v1/giftcards", {"amount": "1e30"}),
    ("/api/v1/giftcards/refund", {"authorization_id": 1, "amount": "1e30"}),
    ("/api/v1/giftcards", {"amount": "10", "note": "a\u0000b"}),
]


@pytest.fixture
def staff_api(db, store, django_user_model, post_webhook):
    from stay.core.services import api_token_create

    django_user_model.objects.create_user(username="boss", password="x", is_staff=True)
    _, raw = api_token_create(username="boss")
    post_webhook("orders/create", payload("orders_create"))
    return Client(headers={"Authorization": f"Bearer {raw}"}, raise_request_exception=False)


@pytest.mark.parametrize(("url", "says"), GETS)
def test_bad_query_values_are_4xx(staff_api, url, says):
    response = staff_api.get(url)
    assert 400 <= response.status_code < 500, response.content
    assert says in response.content.decode()


@pytest.mark.parametrize(("path", "body"), POSTS)
def test_bad_amounts_and_text_are_4xx(staff_api, path, body):
    response = staff_api.post(path, body, content_type="application/json", headers={"Idempotency-Key": "k1"})
    assert 400 <= response.status_code < 500, response.content
    assert response.json()["detail"]
    if "\u0000" in str(body):
        assert "NUL" in response.json()["detail"]


def test_json_nested_too_deeply_is_a_400(staff_api):
    body = '{"amount": ' + "[" * 50_000 + "]" * 50_000 + "}"
    response = staff_api.post(
        "/api/v1/giftcards", body, content_type="application/json", headers={"Idempotency-Key": "deep"}
    )
    assert response.status_code == 400 and response.json()["detail"]


def test_a_nul_in_console_search_or_the_portal_is_a_400(staff_api, django_user_model):
    console = Client(raise_request_exception=False)
    console.force_login(django_user_model.objects.get(username="boss"))
    assert console.get("/console/?q=a%00b").status_code == 400
    portal = Client(raise_request_exception=False)
    assert portal.post("/returns/summit/", {"number": "#10\x0001", "secret": "x@y.com"}).status_code == 400
