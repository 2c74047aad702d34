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
