import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection

from stay.catalog.inputs import ProductInput, VariantInput
from stay.catalog.models import InventoryChange, Variant
from stay.catalog.services import inventory_reserve, product_upsert
from stay.core.errors import InvalidInput
from stay.core.services import store_create


def _variant(store, quantity, tracked=True):
    product, _ = product_upsert(
        store=store,
        actor="t",
        data=ProductInput(
            platform_id="p1",
            title="Merino Beanie",
            variants=(
                VariantInput(
                    platform_id="v1",
                    price=Decimal("30.00"),
                    sku="BNE",
                    inventory_quantity=quantity,
                    inventory_tracked=tracked,
                ),
            ),
        ),
    )
    return Variant.objects.get(product=product)


@pytest.mark.django_db(transaction=True)
def test_two_shoppers_racing_for_the_last_unit():
    store = store_create(name="Race", webhook_secret="race-secret", slug="race")
    variant = _variant(store, quantity=1)
    barrier = threading.Barrier(6)

    def take(_):
        barrier.wait()
        try:
            return inventory_reserve(
                variant=Variant.objects.get(pk=variant.pk), quantity=1, reason="exchange", actor="t"
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(take, range(6)))
    assert results.count(True) == 1
    variant.refresh_from_db()
    assert variant.inventory_quantity == 0
    assert InventoryChange.objects.filter(variant=variant, reason="exchange").get().quantity_after == 0


@pytest.mark.django_db
def test_untracked_stock_is_always_available_and_quantities_must_be_positive(store):
    variant = _variant(store, quantity=0, tracked=False)
    assert inventory_reserve(variant=variant, quantity=3, reason="exchange", actor="t")
    with pytest.raises(InvalidInput):
        inventory_reserve(variant=variant, quantity=0, reason="exchange", actor="t")
