"""Shoppers racing to exchange for the last unit: exactly one gets it. Real threads, each with
its own database connection, on SQLite and on PostgreSQL (CI runs the suite on both)."""

import threading

import pytest
from django.db import connections

from stay.catalog.models import InventoryChange, Variant
from stay.core.errors import StayError
from stay.returns.models import Return, ReturnLine
from stay.returns.services import Pick, Requester, return_request

from .conftest import line_of

pytestmark = pytest.mark.django_db(transaction=True)
SHOPPERS = 12


def test_two_shoppers_cannot_both_get_the_last_unit(shop):
    assert Variant.objects.get(pk=shop.jacket_l.pk).inventory_quantity == 1
    orders = [shop.order((shop.jacket_m, 1), email=f"racer{i}@example.com") for i in range(SHOPPERS)]
    start = threading.Barrier(SHOPPERS)
    results: list = [None] * SHOPPERS

    def exchange(i: int) -> None:
        order = orders[i]
        try:
            start.wait()
            ret, _ = return_request(
                order=order,
                picks=[Pick(line_of(order, shop.jacket_m).pk, 1, "too_small", "exchange", shop.jacket_l.pk)],
                requester=Requester(actor=f"shopper:{i}"),
            )
            results[i] = ret.status
        except StayError as exc:
            results[i] = exc.code
        except Exception as exc:  # anything else fails the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=exchange, args=(i,)) for i in range(SHOPPERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(map(str, results)) == sorted(["label_issued"] + ["out_of_stock"] * (SHOPPERS - 1)), results
    assert Variant.objects.get(pk=shop.jacket_l.pk).inventory_quantity == 0
    assert ReturnLine.objects.filter(exchange_variant=shop.jacket_l, reserved=1).count() == 1
    assert Return.objects.count() == 1  # the losers' requests rolled back whole
    assert InventoryChange.objects.filter(variant=shop.jacket_l, delta=-1).count() == 1
