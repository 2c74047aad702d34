"""Concurrent webhooks about the same things, on real connections (threads, each with its own
database connection). On PostgreSQL these race for real; SQLite serialises writers."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from stay.conftest import payload
from stay.connectors.shopify import mapping
from stay.connectors.shopify import schemas as s
from stay.core.services import store_create
from stay.customers.models import Customer, Identity
from stay.orders.models import Order
from stay.orders.services import order_upsert


def _run_in_threads(n, work):
    barrier = threading.Barrier(n)

    def run(i):
        barrier.wait()
        try:
            return work(i)
        finally:
            connection.close()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


@pytest.mark.django_db(transaction=True)
def test_first_orders_of_one_new_customer_at_once_make_one_customer():
    store = store_create(name="Race", webhook_secret="race-secret", slug="race")
    base = payload("orders_create")

    def place(i):
        data = {
            **base,
            "id": 1000 + i,
            "name": f"#{2000 + i}",
            "order_number": 2000 + i,
            "line_items": [{**line, "id": 50_000 + i * 10 + k} for k, line in enumerate(base["line_items"])],
        }
        order, _ = order_upsert(store=store, data=mapping.order(s.Order.model_validate(data)), actor="t")
        return order.pk

    assert len(set(_run_in_threads(8, place))) == 8
    assert Customer.objects.filter(store=store).count() == 1
    assert Identity.objects.filter(store=store).count() == 3
    customer = Customer.objects.get(store=store)
    assert customer.orders_count == 8


@pytest.mark.django_db(transaction=True)
def test_orders_create_and_orders_paid_at_once_make_one_order():
    store = store_create(name="Race", webhook_secret="race-secret", slug="race")
    data = mapping.order(s.Order.model_validate(payload("orders_create")))

    results = _run_in_threads(6, lambda i: order_upsert(store=store, data=data, actor="t")[0].pk)
    assert len(set(results)) == 1
    assert Order.objects.count() == 1 and Order.objects.get().lines.count() == 3


def _orders(count):
    """``count`` different orders/create payloads of the same shopper."""
    base = payload("orders_create")
    return [
        {
            **base,
            "id": 3000 + i,
            "name": f"#{4000 + i}",
            "order_number": 4000 + i,
            "line_items": [{**line, "id": 70_000 + i * 10 + k} for k, line in enumerate(base["line_items"])],
        }
        for i in range(count)
    ]


@pytest.mark.django_db(transaction=True)
def test_workers_applying_deliveries_at_once():
    """Eight workers apply eight accepted webhooks (orders of one new customer, plus the same
    order twice under different webhook ids): each applied once, nothing lost."""
    import json

    from stay.connectors.shopify.models import WebhookDelivery
    from stay.connectors.shopify.services import webhook_process

    store = store_create(name="Race", webhook_secret="race-secret", slug="race")
    bodies = [json.dumps(data).encode() for data in _orders(7)]
    bodies.append(bodies[0])  # orders/paid for the first order, delivered at the same moment
    # stored as the endpoint stores them (the endpoint's own job runs inline in tests)
    ids = [
        WebhookDelivery.objects.create(store=store, topic="orders/create", webhook_id=f"w{n}", body=body.decode()).pk
        for n, body in enumerate(bodies)
    ]

    statuses = _run_in_threads(8, lambda i: webhook_process(delivery_id=ids[i]).status)

    assert sorted(statuses) == ["processed"] * 8
    assert Order.objects.filter(store=store).count() == 7
    customer = Customer.objects.get(store=store)
    assert customer.orders_count == 7
    assert WebhookDelivery.objects.filter(status="processed").count() == 8


@pytest.mark.django_db(transaction=True)
def test_workers_draining_received_deliveries_at_once_apply_each_once():
    """Four workers woken by one burst work off the same backlog: every delivery is applied
    exactly once, and each worker stops when nothing is left."""
    import json

    from stay.connectors.shopify.models import WebhookDelivery
    from stay.connectors.shopify.services import webhooks_apply_received

    store = store_create(name="Drain", webhook_secret="drain-secret", slug="drain")
    for i, data in enumerate(_orders(24)):
        WebhookDelivery.objects.create(store=store, topic="orders/create", webhook_id=f"d{i}", body=json.dumps(data))

    counts = _run_in_threads(4, lambda i: webhooks_apply_received())

    assert sum(counts) == 24
    assert WebhookDelivery.objects.filter(status="processed", attempts=1).count() == 24
    assert Order.objects.filter(store=store).count() == 24
    assert Customer.objects.get(store=store).orders_count == 24
