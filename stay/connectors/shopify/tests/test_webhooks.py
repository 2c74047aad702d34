import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from stay.catalog.models import InventoryChange, Product, Variant
from stay.conftest import SECRET, WebhookPoster, payload
from stay.connectors.shopify.fake import send_webhook, webhook_headers
from stay.connectors.shopify.models import WebhookDelivery
from stay.connectors.shopify.services import webhook_accept, webhook_process
from stay.core.tasks import sweep_now
from stay.customers.models import ConsentRecord, Customer, Identity
from stay.orders.models import Checkout, Fulfilment, Order, OrderEvent, Refund

pytestmark = pytest.mark.django_db


def counts():
    return (
        Order.objects.count(),
        Customer.objects.count(),
        Identity.objects.count(),
        Product.objects.count(),
        WebhookDelivery.objects.count(),
        OrderEvent.objects.count(),
    )


def test_order_create_stores_the_whole_order(post_webhook, store):
    response = post_webhook("orders/create", payload("orders_create"))
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "accepted"}
    assert post_webhook.last_status() == "processed"

    order = Order.objects.get(store=store, platform_id="820982911946154508")
    assert order.name == "#1001" and order.number == "1001"
    assert order.email == "jon@example.com"
    assert (order.subtotal, order.total_discounts, order.total_shipping, order.total_tax, order.total) == (
        Decimal("388.00"),
        Decimal("20.00"),
        Decimal("15.00"),
        Decimal("0.00"),
        Decimal("403.00"),
    )
    assert order.financial_status == "paid" and order.fulfillment_status == ""
    assert order.discount_codes == [{"code": "BLACKFRIDAY20", "amount": "20.00", "type": "fixed_amount"}]
    assert order.tags == ["black-friday", "web"]
    assert order.shipping_address["city"] == "Shippington"
    assert not order.is_gift

    lines = {ln.sku: ln for ln in order.lines.all()}
    assert len(order.lines.all()) == 3
    assert lines["TENT-RDG2-FOR"].total_discount == Decimal("20.00")
    assert lines["SOCK-TR-L"].quantity == 2 and lines["SOCK-TR-L"].unit_price == Decimal("24.50")
    assert lines[""].is_gift_card and not lines[""].requires_shipping

    customer = order.customer
    assert customer.name == "Jon Snow" and customer.tags == ["vip"]
    assert {str(i) for i in customer.identities.all()} == {
        "platform:115310627314723954",
        "email:jon@example.com",
        "phone:+16135551199",
    }
    assert customer.orders_count == 1 and customer.total_spent == Decimal("403.00")
    assert customer.first_order_at == order.placed_at
    consent = ConsentRecord.objects.get(customer=customer)
    assert (consent.channel, consent.state, consent.source) == ("email", "subscribed", "shopify:customer")
    assert order.events.get().kind == "placed"


def test_korean_gift_order(post_webhook, store):
    assert post_webhook("orders/create", payload("orders_create_kr_gift")).status_code == 200
    order = Order.objects.get(platform_id="5550001112223334")
    assert order.is_gift and order.gift_message.startswith("메리 크리스마스")
    assert order.currency == "KRW" and order.total == Decimal("192000")
    assert order.locale == "ko-KR"
    customer = order.customer
    assert customer.name == "김민준"
    assert customer.identities.get(kind="email").value == "minjun.kim@example.kr"
    # 010-… is a Korean mobile number, but this store's default region is the US: it can't be
    # read as E.164 there, so it is kept off the identities rather than guessed.
    states = {c.channel: c.state for c in ConsentRecord.objects.filter(customer=customer)}
    assert states == {"email": "not_subscribed", "sms": "subscribed"}


def test_korean_store_reads_national_phone_numbers(client, kr_store):
    poster = WebhookPoster(client, kr_store)
    assert poster("orders/create", payload("orders_create_kr_gift")).status_code == 200
    customer = Order.objects.get(store=kr_store).customer
    assert customer.identities.get(kind="phone").value == "+821012345678"


def test_redelivery_is_a_no_op(post_webhook):
    body = payload("orders_create")
    assert post_webhook("orders/create", body, webhook_id="wh-1").json() == {"status": "accepted"}
    before = counts()
    again = post_webhook("orders/create", body, webhook_id="wh-1")
    assert again.status_code == 200 and again.json() == {"status": "duplicate"}
    assert counts() == before


def test_older_update_never_overwrites_newer(post_webhook):
    created = payload("orders_create")
    newer = {**created, "updated_at": "2026-11-28T08:00:00-05:00", "financial_status": "refunded", "tags": "late"}
    older = {**created, "updated_at": "2026-11-27T12:00:00-05:00", "financial_status": "partially_paid"}
    post_webhook("orders/create", created)
    post_webhook("orders/updated", newer)
    assert post_webhook.last_status() == "processed"
    post_webhook("orders/updated", older)
    assert post_webhook.last_status() == "stale"
    order = Order.objects.get()
    assert order.financial_status == "refunded" and order.tags == ["late"]
    assert OrderEvent.objects.filter(order=order, kind="updated").count() == 1


def test_cancelled_order_leaves_customer_totals(post_webhook):
    created = payload("orders_create")
    post_webhook("orders/create", created)
    cancelled = {
        **created,
        "updated_at": "2026-11-28T08:00:00-05:00",
        "cancelled_at": "2026-11-28T08:00:00-05:00",
        "cancel_reason": "customer",
        "financial_status": "voided",
    }
    assert post_webhook("orders/cancelled", cancelled).status_code == 200
    order = Order.objects.get()
    assert order.cancelled_at is not None and order.cancel_reason == "customer"
    assert order.customer.orders_count == 0 and order.customer.total_spent == 0
    event = OrderEvent.objects.get(order=order, kind="updated")
    assert "cancelled_at" in event.data and event.data["financial_status"] == ["paid", "voided"]


def test_fulfilment_then_delivery_then_refund(post_webhook):
    post_webhook("orders/create", payload("orders_create"))
    assert post_webhook("fulfillments/create", payload("fulfillments_create")).status_code == 200
    fulfilment = Fulfilment.objects.get()
    assert (fulfilment.carrier, fulfilment.tracking_number) == ("UPS", "1Z2345")
    assert fulfilment.tracking_url.startswith("https://www.ups.com/")
    assert sorted(fl.quantity for fl in fulfilment.lines.all()) == [1, 2]

    assert post_webhook("fulfillments/update", payload("fulfillments_update_delivered")).status_code == 200
    fulfilment.refresh_from_db()
    assert fulfilment.shipment_status == "delivered"
    assert fulfilment.delivered_at is not None
    assert [e.status for e in fulfilment.events.all()] == ["delivered"]
    # the late "created" copy arriving again changes nothing
    assert post_webhook("fulfillments/update", payload("fulfillments_create")).status_code == 200
    fulfilment.refresh_from_db()
    assert fulfilment.shipment_status == "delivered"

    assert post_webhook("refunds/create", payload("refunds_create")).status_code == 200
    refund = Refund.objects.get()
    assert refund.amount == Decimal("49.00") and refund.reason == "Socks too small"
    assert refund.lines.get().quantity == 2
    order = Order.objects.get()
    assert order.total_refunded == Decimal("49.00")
    assert order.customer.total_spent == Decimal("354.00")
    kinds = list(OrderEvent.objects.filter(order=order).order_by("id").values_list("kind", flat=True))
    assert kinds == ["placed", "fulfilment_created", "shipment_status", "refunded"]


def test_a_fulfilment_before_its_order_waits_then_applies(post_webhook):
    response = post_webhook("fulfillments/create", payload("fulfillments_create"), webhook_id="f-1")
    assert response.status_code == 200 and response.json() == {"status": "accepted"}
    waiting = WebhookDelivery.objects.get(webhook_id="f-1")
    assert waiting.status == "waiting" and "820982911946154508" in waiting.error
    assert Fulfilment.objects.count() == 0

    post_webhook("orders/create", payload("orders_create"))
    webhook_process(delivery_id=waiting.pk)  # its retry was scheduled with backoff; run it now
    waiting.refresh_from_db()
    assert waiting.status == "processed" and waiting.attempts == 2 and waiting.error == ""
    assert Fulfilment.objects.get().tracking_number == "1Z2345"


def test_a_worker_that_dies_loses_nothing(store):
    """A delivery is stored before the answer; if its job is lost (the worker was killed),
    the sweep finds it still `received` and applies it."""
    body = json.dumps(payload("orders_create")).encode()
    status, delivery_id = webhook_accept(store=store, topic="orders/create", webhook_id="lost-1", body=body)
    # the commit callbacks never run here: the job never reached a worker
    assert status == "accepted" and Order.objects.count() == 0
    WebhookDelivery.objects.filter(pk=delivery_id).update(received_at=timezone.now() - timedelta(minutes=5))
    assert sweep_now()["shopify.webhooks"] == 1
    assert WebhookDelivery.objects.get(pk=delivery_id).status == "processed" and Order.objects.count() == 1
    assert sweep_now()["shopify.webhooks"] == 0


def test_products_and_inventory(post_webhook, store):
    assert post_webhook("products/create", payload("products_create")).status_code == 200
    product = Product.objects.get()
    assert product.tags == ["camping", "tents", "final-sale-excluded"] and product.option_names == ["Colour"]
    forest = Variant.objects.get(sku="TENT-RDG2-FOR")
    assert forest.options == {"Colour": "Forest"} and forest.price == Decimal("249.00")
    assert forest.compare_at_price == Decimal("279.00") and forest.inventory_quantity == 12

    assert post_webhook("inventory_levels/update", payload("inventory_levels_update")).status_code == 200
    forest.refresh_from_db()
    assert forest.inventory_quantity == 7
    change = InventoryChange.objects.filter(variant=forest).first()
    assert (change.delta, change.quantity_after, change.reason) == (-5, 7, "platform")

    # an order arriving after the product links its lines to the variant
    post_webhook("orders/create", payload("orders_create"))
    assert Order.objects.get().lines.get(sku="TENT-RDG2-FOR").variant == forest

    update = payload("products_create")
    update["updated_at"] = "2026-10-02T08:00:00-04:00"
    update["variants"] = update["variants"][:1]
    update["variants"][0]["price"] = "229.00"
    assert post_webhook("products/update", update).status_code == 200
    forest.refresh_from_db()
    assert forest.price == Decimal("229.00")
    assert Variant.objects.get(sku="TENT-RDG2-SND").deleted_at is not None

    assert post_webhook("products/delete", payload("products_delete")).status_code == 200
    product.refresh_from_db()
    assert product.deleted_at is not None and product.status == "archived"


def test_inventory_for_an_unknown_item_is_ignored(post_webhook):
    post_webhook("inventory_levels/update", payload("inventory_levels_update"))
    assert post_webhook.last_status() == "ignored"


def test_customers_and_consent_history(post_webhook):
    body = payload("customers_create")
    assert post_webhook("customers/create", body).status_code == 200
    customer = Customer.objects.get()
    assert customer.note == "This customer loves ice cream"
    withdrawn = {
        **body,
        "updated_at": "2026-12-01T12:00:00-05:00",
        "email_marketing_consent": {
            "state": "unsubscribed",
            "opt_in_level": None,
            "consent_updated_at": "2026-12-01T12:00:00-05:00",
        },
    }
    assert post_webhook("customers/update", withdrawn).status_code == 200
    history = list(
        ConsentRecord.objects.filter(customer=customer).order_by("occurred_at").values_list("state", flat=True)
    )
    assert history == ["subscribed", "unsubscribed"]  # kept, not overwritten
    # the same evidence again adds nothing
    post_webhook("customers/update", withdrawn)
    assert ConsentRecord.objects.filter(customer=customer).count() == 2


def test_checkout_for_abandoned_cart(post_webhook):
    assert post_webhook("checkouts/create", payload("checkouts_create")).status_code == 200
    checkout = Checkout.objects.get()
    assert checkout.email == "example@email.com" and checkout.completed_at is None
    assert checkout.recovery_url.endswith("recover?key=example")
    assert checkout.customer.name == "Alex Hiker"
    assert checkout.lines.get().unit_price == Decimal("249.00")
    done = {
        **payload("checkouts_create"),
        "completed_at": "2026-11-29T19:10:00-05:00",
        "updated_at": "2026-11-29T19:10:00-05:00",
    }
    post_webhook("checkouts/update", done)
    checkout.refresh_from_db()
    assert checkout.completed_at is not None and checkout.lines.count() == 1


def test_bad_or_missing_signature_is_401_and_writes_nothing(post_webhook, client, store):
    before = counts()
    assert post_webhook("orders/create", payload("orders_create"), secret="wrong-secret").status_code == 401
    body = b'{"id": 1}'
    response = client.post(
        "/webhooks/shopify/summit",
        data=body,
        content_type="application/json",
        headers={"X-Shopify-Topic": "orders/create"},
    )
    assert response.status_code == 401 and "X-Shopify-Hmac-Sha256" in response.json()["error"]
    assert counts() == before


def test_tampered_body_is_401(post_webhook, client):
    body = payload("orders_create")

    raw = json.dumps(body).encode()
    headers = webhook_headers(raw, topic="orders/create", secret=SECRET)
    tampered = raw.replace(b'"403.00"', b'"0.01"')
    response = client.post(
        "/webhooks/shopify/summit",
        data=tampered,
        content_type="application/json",
        headers={k: v for k, v in headers.items() if k != "Content-Type"},
    )
    assert response.status_code == 401 and Order.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not valid JSON"),
        ('{"id": 5}'.encode("utf-16"), "not UTF-8"),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"id": 5}', "line_items: Field required"),
        (
            b'{"id": 5, "name": "#5", "created_at": "yesterday", "currency": "USD", "total_price": "1.00",'
            b' "line_items": []}',
            "created_at",
        ),
        (
            b'{"id": 5, "name": "#5", "created_at": "2026-11-27T09:12:44Z", "currency": "USD", "total_price": "ten",'
            b' "line_items": []}',
            "total_price",
        ),
    ],
)
def test_malformed_payload_is_400_with_the_reason(post_webhook, body, message):
    response = post_webhook("orders/create", body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert Order.objects.count() == 0 and WebhookDelivery.objects.count() == 0


def test_failure_half_way_writes_nothing(post_webhook):
    """A line with a negative quantity is found after the customer was resolved: the customer
    row must roll back with the rest."""
    body = payload("orders_create")
    body["line_items"][2]["quantity"] = -1
    before = counts()
    assert post_webhook("orders/create", body).status_code == 400
    assert counts() == before


def test_unknown_topic_is_acknowledged_and_ignored(post_webhook):
    response = post_webhook("app/uninstalled", {"id": 1})
    assert response.status_code == 200 and response.json() == {"status": "ignored"}
    assert WebhookDelivery.objects.count() == 0


def test_missing_topic_and_unknown_store(client, store):
    assert client.post("/webhooks/shopify/nope", data=b"{}", content_type="application/json").status_code == 404
    from stay.connectors.shopify.signing import sign

    response = client.post(
        "/webhooks/shopify/summit",
        data=b"{}",
        content_type="application/json",
        headers={"X-Shopify-Hmac-Sha256": sign(b"{}", SECRET)},
    )
    assert response.status_code == 400 and "X-Shopify-Topic" in response.json()["error"]


def test_get_is_not_allowed(client, store):
    assert client.get("/webhooks/shopify/summit").status_code == 405


@pytest.mark.django_db(transaction=True)
def test_over_real_http(live_server):
    """The signed request crosses a real socket, as it would from Shopify."""
    from stay.core.services import store_create

    store = store_create(name="Live", webhook_secret=SECRET, slug="live")
    url = f"{live_server.url}/webhooks/shopify/{store.slug}"
    response = send_webhook(url, payload("orders_create"), topic="orders/create", secret=SECRET, webhook_id="live-1")
    assert response.status_code == 200 and response.json() == {"status": "accepted"}
    again = send_webhook(url, payload("orders_create"), topic="orders/create", secret=SECRET, webhook_id="live-1")
    assert again.json() == {"status": "duplicate"}
    assert send_webhook(url, payload("orders_create"), topic="orders/create", secret="nope").status_code == 401
    assert Order.objects.filter(store=store).count() == 1


def test_an_order_with_unreadable_contact_details_is_kept(post_webhook):
    body = payload("orders_create")
    body["customer"] = None
    body["email"], body["contact_email"], body["phone"] = "none", None, "n/a"
    post_webhook("orders/create", body)
    assert post_webhook.last_status() == "processed"
    order = Order.objects.get()
    assert order.customer is None and order.total == Decimal("403.00")

    with_id = payload("orders_create_kr_gift")
    with_id["customer"]["email"] = "not an email"
    post_webhook("orders/create", with_id)
    customer = Order.objects.get(name="#2042").customer
    assert {i.kind for i in customer.identities.all()} == {"platform"}


def test_a_delivery_that_cannot_be_applied_does_not_hold_up_the_ones_behind_it(store, monkeypatch):
    """A drain takes the oldest delivery first: one that fails with an unexpected error (a
    bug) is recorded as failed, with the error, and the next ones are applied."""
    from stay.connectors.shopify import services

    schema, apply_order = services.TOPICS["orders/create"]

    def apply_unless_first(store, data, actor):
        if data["id"] == 1:
            raise RuntimeError("a bug in applying this order")
        return apply_order(store, data, actor)

    monkeypatch.setitem(services.TOPICS, "orders/create", (schema, apply_unless_first))
    for webhook_id, body in (("poison", {**payload("orders_create"), "id": 1}), ("fine", payload("orders_create"))):
        WebhookDelivery.objects.create(store=store, topic="orders/create", webhook_id=webhook_id, body=json.dumps(body))

    assert services.webhooks_apply_received() == 2  # the worker went on past the failure

    poison = WebhookDelivery.objects.get(webhook_id="poison")
    assert poison.status == "failed" and poison.error == "RuntimeError: a bug in applying this order"
    assert WebhookDelivery.objects.get(webhook_id="fine").status == "processed"
    assert Order.objects.count() == 1


def _order_with(**change):
    body = payload("orders_create")
    for path, value in change.items():
        target = body
        *parents, last = path.split("__")
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        target[int(last) if last.isdigit() else last] = value
    return body


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"line_items__0__sku": "S" * 300}, "line_items.0.sku"),
        ({"line_items__0__title": "Jacket\x00"}, "NUL"),
        ({"line_items__0__quantity": 2**40}, "line_items.0.quantity"),
        ({"total_price": "1e20"}, "total_price"),
        ({"id": True}, "id"),
        ({"name": "#" * 100}, "name"),
    ],
)
def test_values_no_column_can_hold_are_refused_at_the_door(post_webhook, change, field):
    """Issue 18 #4: these were accepted, then failed in the worker forever."""
    response = post_webhook("orders/create", _order_with(**change))
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]
    assert WebhookDelivery.objects.count() == 0


def test_deeply_nested_json_is_a_400(post_webhook):
    response = post_webhook("orders/create", b'{"a": ' * 50_000 + b"1" + b"}" * 50_000)
    assert response.status_code == 400 and "nested" in response.json()["error"]


def test_a_value_the_database_refuses_fails_its_delivery_and_blocks_nothing(store, monkeypatch):
    """On PostgreSQL a value the database refused (DataError) was taken for an unwell database:
    the delivery stayed ``received`` and held up every delivery behind it, retried forever.
    Now it fails alone, with the database's error."""
    from django.db import DataError, connection

    from stay.connectors.shopify import services

    schema, apply_order = services.TOPICS["orders/create"]

    def refused_by_the_database(store, data, actor):
        if data["id"] == 7:
            if connection.vendor != "postgresql":
                raise DataError("value out of range")  # SQLite bounds nothing of the kind
            with connection.cursor() as cursor:
                cursor.execute("SELECT CAST('2000000000000' AS integer)")  # out of range: DataError
        return apply_order(store, data, actor)

    monkeypatch.setitem(services.TOPICS, "orders/create", (schema, refused_by_the_database))
    for webhook_id, body in (("refused", _order_with(id=7)), ("fine", payload("orders_create"))):
        WebhookDelivery.objects.create(store=store, topic="orders/create", webhook_id=webhook_id, body=json.dumps(body))
    assert services.webhooks_apply_received() == 2
    assert WebhookDelivery.objects.get(webhook_id="fine").status == "processed"
    refused = WebhookDelivery.objects.get(webhook_id="refused")
    assert refused.status == "failed" and "out of range" in refused.error


def test_failed_deliveries_can_be_applied_again_from_the_admin(store, admin_client):
    from stay.connectors.shopify import services

    delivery = WebhookDelivery.objects.create(
        store=store,
        topic="orders/create",
        webhook_id="w1",
        body=json.dumps(payload("orders_create")),
        status="failed",
        error="was broken",
    )
    response = admin_client.post(
        "/admin/shopify/webhookdelivery/", {"action": "retry", "_selected_action": [delivery.pk]}
    )
    assert response.status_code == 302
    services.webhooks_apply_received()
    delivery.refresh_from_db()
    assert delivery.status == "processed" and Order.objects.count() == 1
