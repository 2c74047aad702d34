"""Writes for the catalog: products from the platform, and every change of stock."""

from datetime import datetime

from django.db.models import F, Sum
from django.utils import timezone

from stay.core.db import atomic_with_retry, is_stale, joins_transaction
from stay.core.errors import InvalidInput
from stay.core.events import publish
from stay.core.models import Store

from .inputs import ProductInput
from .models import InventoryChange, InventoryLevel, Product, ProductEvent, ProductStatus, Variant


def product_upsert(*, store: Store, data: ProductInput, actor: str) -> tuple[Product, bool]:
    """Create or update a product and its variants. Returns ``(product, applied)``: an update
    older than what is stored (by ``updated_at``) changes nothing and returns ``applied=False``.
    Variants missing from ``data`` are marked deleted; their order lines keep pointing at them.
    """
    return atomic_with_retry(lambda: _product_upsert(store, data, actor))


def _product_upsert(store: Store, data: ProductInput, actor: str) -> tuple[Product, bool]:
    if data.status not in ProductStatus.values:
        raise InvalidInput(f"product {data.platform_id}: status must be one of {', '.join(ProductStatus.values)}")
    product = Product.objects.select_for_update().filter(store=store, platform_id=data.platform_id).first()
    if product and is_stale(data.updated_at, product.platform_updated_at):
        return product, False
    created = product is None
    fields = {
        "title": data.title,
        "handle": data.handle,
        "vendor": data.vendor,
        "product_type": data.product_type,
        "tags": list(data.tags),
        "option_names": list(data.option_names),
        "status": data.status,
        "is_gift_card": data.is_gift_card,
        "platform_updated_at": data.updated_at,
        "deleted_at": None,
    }
    if product is None:
        product = Product.objects.create(store=store, platform_id=data.platform_id, **fields)
    else:
        for name, value in fields.items():
            setattr(product, name, value)
        product.save()

    existing = (
        {}
        if created
        else {v.platform_id: v for v in Variant.objects.select_for_update().filter(store=store, product=product)}
    )
    missing = [item.platform_id for item in data.variants if item.platform_id not in existing]
    # A variant the platform moved here from another product keeps its row (order lines point at it).
    moved = {v.platform_id: v for v in Variant.objects.filter(store=store, platform_id__in=missing)} if missing else {}
    seen, new = set(), []
    for item in data.variants:
        seen.add(item.platform_id)
        variant = existing.get(item.platform_id)
        values = {
            "title": item.title,
            "sku": item.sku,
            "options": item.options or {},
            "price": item.price,
            "compare_at_price": item.compare_at_price,
            "barcode": item.barcode,
            "inventory_item_id": item.inventory_item_id,
            "inventory_tracked": item.inventory_tracked,
            "position": item.position,
            "deleted_at": None,
        }
        if variant is None and item.platform_id in moved:
            variant = moved[item.platform_id]
            variant.product = product
        if variant is None:
            new.append(
                Variant(
                    store=store,
                    product=product,
                    platform_id=item.platform_id,
                    inventory_quantity=item.inventory_quantity or 0,
                    **values,
                )
            )
            continue
        for name, value in values.items():
            setattr(variant, name, value)
        variant.save()
        if item.inventory_quantity is not None and item.inventory_quantity != variant.inventory_quantity:
            inventory_set(variant=variant, quantity=item.inventory_quantity, reason="platform", actor=actor)
    Variant.objects.bulk_create(new)
    InventoryChange.objects.bulk_create(
        InventoryChange(
            variant=v, delta=v.inventory_quantity, quantity_after=v.inventory_quantity, reason="initial", actor=actor
        )
        for v in new
        if v.inventory_quantity
    )
    gone = [v.pk for pid, v in existing.items() if pid not in seen and v.deleted_at is None]
    if gone:
        Variant.objects.filter(pk__in=gone).update(deleted_at=timezone.now())
    ProductEvent.objects.create(product=product, kind="created" if created else "updated", actor=actor)
    return product, True


@joins_transaction
def product_delete(*, store: Store, platform_id: str, actor: str) -> Product | None:
    """Soft-delete: orders still refer to the product, so the row stays, marked deleted."""
    product = Product.objects.filter(store=store, platform_id=platform_id).first()
    if product is None or product.deleted_at:
        return product
    now = timezone.now()
    product.deleted_at = now
    product.status = ProductStatus.ARCHIVED
    product.save(update_fields=["deleted_at", "status", "updated_at"])
    product.variants.update(deleted_at=now)
    ProductEvent.objects.create(product=product, kind="deleted", actor=actor)
    return product


def _restocked(variant: Variant, before: int, after: int) -> None:
    """Out of stock, then in stock again: back-in-stock alerts hang off this event."""
    if before <= 0 < after:
        publish("variant.restocked", variant_id=variant.pk, available=after)


def inventory_set(*, variant: Variant, quantity: int, reason: str, actor: str) -> InventoryChange | None:
    """Set a variant's total stock, recording the change. Caller holds the variant's row lock."""
    delta = quantity - variant.inventory_quantity
    if delta == 0:
        return None
    Variant.objects.filter(pk=variant.pk).update(inventory_quantity=quantity)
    _restocked(variant, variant.inventory_quantity, quantity)
    variant.inventory_quantity = quantity
    return InventoryChange.objects.create(
        variant=variant, delta=delta, quantity_after=quantity, reason=reason, actor=actor
    )


@joins_transaction
def inventory_level_set(
    *,
    store: Store,
    inventory_item_id: str,
    location_id: str,
    available: int,
    updated_at: datetime | None,
    actor: str,
) -> Variant | None:
    """Record the stock at one location; the variant's stock becomes the sum over locations.
    Returns ``None`` when no variant has this inventory item (not synced yet)."""
    variant = Variant.objects.select_for_update().filter(store=store, inventory_item_id=inventory_item_id).first()
    if variant is None:
        return None
    level = InventoryLevel.objects.filter(variant=variant, location_id=location_id).first()
    if level and is_stale(updated_at, level.platform_updated_at):
        return variant  # a late, older level: keep the newer one
    if level is None:
        # The first level we hear of: any stock not yet attributed to a location stays with it.
        InventoryLevel.objects.create(
            variant=variant, location_id=location_id, available=available, platform_updated_at=updated_at
        )
    else:
        level.available, level.platform_updated_at = available, updated_at
        level.save(update_fields=["available", "platform_updated_at"])
    total = InventoryLevel.objects.filter(variant=variant).aggregate(total=Sum("available"))["total"] or 0
    inventory_set(variant=variant, quantity=total, reason="platform", actor=actor)
    return variant


@joins_transaction
def inventory_reserve(*, variant: Variant, quantity: int, reason: str, actor: str) -> bool:
    """Take ``quantity`` units if there are that many; atomic, so two buyers racing for the
    last unit cannot both get it. Returns whether the units were taken."""
    if quantity <= 0:
        raise InvalidInput("quantity must be positive")
    if not variant.inventory_tracked:
        return True
    taken = Variant.objects.filter(pk=variant.pk, inventory_quantity__gte=quantity).update(
        inventory_quantity=F("inventory_quantity") - quantity
    )
    if not taken:
        return False
    variant.refresh_from_db(fields=["inventory_quantity"])
    InventoryChange.objects.create(
        variant=variant, delta=-quantity, quantity_after=variant.inventory_quantity, reason=reason, actor=actor
    )
    return True


@joins_transaction
def inventory_return(*, variant: Variant, quantity: int, reason: str, actor: str) -> None:
    """Put ``quantity`` units back (a released reservation, a returned item in good condition)."""
    if quantity <= 0:
        raise InvalidInput("quantity must be positive")
    if not variant.inventory_tracked:
        return
    Variant.objects.filter(pk=variant.pk).update(inventory_quantity=F("inventory_quantity") + quantity)
    variant.refresh_from_db(fields=["inventory_quantity"])
    _restocked(variant, variant.inventory_quantity - quantity, variant.inventory_quantity)
    InventoryChange.objects.create(
        variant=variant, delta=quantity, quantity_after=variant.inventory_quantity, reason=reason, actor=actor
    )
