"""The lean statements of stay.core.db write and read exactly what the ORM does."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from stay.core.db import insert, select, update
from stay.customers.models import Customer

pytestmark = pytest.mark.django_db

FIELDS = [f.attname for f in Customer._meta.concrete_fields]


def test_insert_fills_defaults_and_stamps_as_save_does(store):
    lean = insert(Customer(store=store, name="Minji", tags=["vip"], total_spent=Decimal("12.50")))
    saved = Customer.objects.create(store=store, name="Minji", tags=["vip"], total_spent=Decimal("12.50"))
    stored = {c.pk: c for c in Customer.objects.filter(pk__in=[lean.pk, saved.pk])}
    assert lean.pk and not lean._state.adding
    for name in FIELDS:
        if name not in ("id", "created_at", "updated_at"):
            assert getattr(stored[lean.pk], name) == getattr(stored[saved.pk], name), name
    assert stored[lean.pk].created_at is not None and stored[lean.pk].created_at == lean.created_at


def test_select_loads_every_field_as_the_orm_does(store):
    made = Customer.objects.create(
        store=store,
        name="김민지",
        tags=["gift-card recipient"],
        total_spent=Decimal("99.90"),
        first_order_at=datetime(2026, 12, 24, 9, 30, tzinfo=UTC),
    )
    (lean,) = select(Customer, "id = %s", [made.pk])
    orm = Customer.objects.get(pk=made.pk)
    assert [getattr(lean, f) for f in FIELDS] == [getattr(orm, f) for f in FIELDS]
    assert isinstance(lean.total_spent, Decimal) and lean.tags == ["gift-card recipient"]
    assert not lean._state.adding
    assert select(Customer, "store_id = %s AND name = %s", [store.pk, "nobody"]) == []


def test_update_writes_the_named_fields_and_the_stamp_only(store):
    customer = Customer.objects.create(store=store, name="Before", note="kept")
    before = customer.updated_at
    customer.name, customer.note = "After", "not written"
    update(customer, ["name"])
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.name, stored.note) == ("After", "kept")
    assert stored.updated_at > before
    with pytest.raises(ValueError, match="no fields"):
        update(customer, ["nmae"])
