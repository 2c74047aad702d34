import pytest
from django.test import Client

from stay.conftest import payload
from stay.core.services import api_token_create, store_create
from stay.customers.inputs import CustomerInput
from stay.customers.services import customer_resolve

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(post_webhook):
    post_webhook("products/create", payload("products_create"))
    post_webhook("orders/create", payload("orders_create"))
    post_webhook("fulfillments/create", payload("fulfillments_create"))
    post_webhook("refunds/create", payload("refunds_create"))


@pytest.mark.parametrize("url", ["/api/v1/customers", "/api/v1/orders", "/api/v1/products", "/api/v1/customers/1"])
def test_no_token_no_data(client, store, url):
    assert client.get(url).status_code == 401
    assert Client(headers={"Authorization": "Bearer stay_wrong"}).get(url).status_code == 401


def test_revoked_token_is_refused(store, api_user):
    token, raw = api_token_create(username=api_user.username)
    token.revoked_at = token.created_at
    token.save()
    assert Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/orders").status_code == 401


def test_a_deactivated_users_token_is_refused_and_a_stores_token_reads_its_store(store, api_user, shop):
    other = store_create(name="Other", slug="other", webhook_secret="other-secret-123")
    _, raw = api_token_create(username=api_user.username, store=other)
    bound = Client(headers={"Authorization": f"Bearer {raw}"})
    assert bound.get("/api/v1/orders").json()["count"] == 0  # the other store's orders: none
    assert bound.get("/api/v1/orders", {"store": store.slug}).status_code in (403, 404)
    api_user.is_active = False
    api_user.save()
    assert bound.get("/api/v1/orders").status_code == 401


def test_customer_search(api, shop, store):
    for q in ["jon@example.com", "JON@EXAMPLE.COM", "+1 613 555 1199", "(613) 555-1199", "snow", "#1001", "1001"]:
        body = api.get("/api/v1/customers", {"q": q}).json()
        assert [c["name"] for c in body["items"]] == ["Jon Snow"], q
    assert api.get("/api/v1/customers", {"q": "nobody@example.com"}).json() == {"items": [], "count": 0}


def test_customer_with_identities_consent_and_orders(api, shop):
    customer_id = api.get("/api/v1/customers").json()["items"][0]["id"]
    body = api.get(f"/api/v1/customers/{customer_id}").json()
    assert body["email"] == "jon@example.com" and body["phone"] == "+16135551199"
    assert {i["kind"] for i in body["identities"]} == {"email", "phone", "platform"}
    assert body["consent"][0]["state"] == "subscribed"
    assert [o["name"] for o in body["recent_orders"]] == ["#1001"]
    assert body["total_spent"] == "354.00"  # 403 paid less 49 refunded


def test_order_detail(api, shop):
    order_id = api.get("/api/v1/orders", {"q": "#1001"}).json()["items"][0]["id"]
    body = api.get(f"/api/v1/orders/{order_id}").json()
    assert body["total"] == "403.00" and body["total_refunded"] == "49.00"
    assert len(body["lines"]) == 3 and body["fulfilments"][0]["tracking_number"] == "1Z2345"
    assert body["refunds"][0]["amount"] == "49.00"
    assert api.get("/api/v1/orders/999999").status_code == 404


def test_products(api, shop):
    body = api.get("/api/v1/products", {"q": "TENT-RDG2-SND"}).json()
    assert body["count"] == 1
    product = body["items"][0]
    assert [v["sku"] for v in product["variants"]] == ["TENT-RDG2-FOR", "TENT-RDG2-SND"]
    assert api.get(f"/api/v1/products/{product['id']}").json()["title"] == "Ridgeline 2P Tent"


def test_pagination(api, store, django_assert_max_num_queries):
    for n in range(120):
        customer_resolve(store=store, data=CustomerInput(email=f"c{n}@example.com", name=f"C {n:03}"), actor="t")
    first = api.get("/api/v1/customers").json()
    assert first["count"] == 120 and len(first["items"]) == 50
    third = api.get("/api/v1/customers", {"page": 3}).json()
    assert len(third["items"]) == 20
    seen = {c["id"] for p in (1, 2, 3) for c in api.get("/api/v1/customers", {"page": p}).json()["items"]}
    assert len(seen) == 120
    with django_assert_max_num_queries(6):  # token, count, page, identities: not one per customer
        api.get("/api/v1/customers")


def test_merge_over_the_api(api, store):
    a = customer_resolve(store=store, data=CustomerInput(email="a@example.com", name="A"), actor="t")
    b = customer_resolve(store=store, data=CustomerInput(phone="+14155552671"), actor="t")
    body = api.post(f"/api/v1/customers/{a.pk}/merge", {"merge_id": b.pk}, content_type="application/json").json()
    assert {i["value"] for i in body["identities"]} == {"a@example.com", "+14155552671"}
    again = api.post(f"/api/v1/customers/{a.pk}/merge", {"merge_id": b.pk}, content_type="application/json")
    assert again.status_code == 409 and "already merged" in again.json()["detail"]
    bad = api.post(f"/api/v1/customers/{a.pk}/merge", {"merge": 1}, content_type="application/json")
    assert bad.status_code == 422


def test_stores_are_kept_apart(api, store, api_user):
    other = store_create(name="Other", webhook_secret="another-secret", slug="other")
    customer_resolve(store=other, data=CustomerInput(email="x@example.com"), actor="t")
    # two stores and a token for all of them: the store must be named
    response = api.get("/api/v1/customers")
    assert response.status_code == 400 and "?store=" in response.json()["detail"]
    assert api.get("/api/v1/customers", {"store": "other"}).json()["count"] == 1
    assert api.get("/api/v1/customers", {"store": "summit"}).json()["count"] == 0
    _, raw = api_token_create(username=api_user.username, store=store)
    scoped = Client(headers={"Authorization": f"Bearer {raw}"})
    assert scoped.get("/api/v1/customers").json()["count"] == 0
    assert scoped.get("/api/v1/customers", {"store": "other"}).status_code == 404


def test_openapi_docs_are_served(client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/v1/customers/{customer_id}" in schema["paths"]
    assert client.get("/api/docs").status_code == 200
