"""Applying Shopify webhooks: one topic, one payload, one transaction."""

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from pydantic import BaseModel, ValidationError

from stay.catalog.services import inventory_level_set, product_delete, product_upsert
from stay.core.errors import InvalidInput
from stay.core.models import Store
from stay.customers.services import customer_resolve
from stay.orders.services import checkout_upsert, fulfilment_upsert, order_upsert, refund_create

from . import mapping
from . import schemas as s
from .models import WebhookDelivery

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], payload: Any, *, what: str | None = None) -> M:
    """Validate ``payload`` as ``model``; the error names each bad field by its path."""
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}" for err in exc.errors()[:5]
        )
        raise InvalidInput(f"{what or model.__name__.lower()} payload is invalid: {problems}") from None


def _order(store: Store, payload: Any, actor: str) -> str:
    _, applied = order_upsert(store=store, data=mapping.order(parse(s.Order, payload)), actor=actor)
    return "processed" if applied else "stale"


def _fulfilment(store: Store, payload: Any, actor: str) -> str:
    fulfilment_upsert(store=store, data=mapping.fulfilment(parse(s.Fulfillment, payload)), actor=actor)
    return "processed"


def _refund(store: Store, payload: Any, actor: str) -> str:
    refund_create(store=store, data=mapping.refund(parse(s.Refund, payload)), actor=actor)
    return "processed"


def _product(store: Store, payload: Any, actor: str) -> str:
    _, applied = product_upsert(store=store, data=mapping.product(parse(s.Product, payload)), actor=actor)
    return "processed" if applied else "stale"


def _product_deleted(store: Store, payload: Any, actor: str) -> str:
    product_delete(store=store, platform_id=str(parse(s.ProductDeleted, payload).id), actor=actor)
    return "processed"


def _inventory(store: Store, payload: Any, actor: str) -> str:
    level = parse(s.InventoryLevel, payload)
    if level.available is None:
        return "ignored"  # the item stopped being tracked at this location
    variant = inventory_level_set(
        store=store,
        inventory_item_id=str(level.inventory_item_id),
        location_id=str(level.location_id),
        available=level.available,
        updated_at=level.updated_at,
        actor=actor,
    )
    return "processed" if variant else "ignored"


def _customer(store: Store, payload: Any, actor: str) -> str:
    customer_resolve(store=store, data=mapping.customer(parse(s.Customer, payload)), actor=actor)
    return "processed"


def _checkout(store: Store, payload: Any, actor: str) -> str:
    _, applied = checkout_upsert(store=store, data=mapping.checkout(parse(s.Checkout, payload)), actor=actor)
    return "processed" if applied else "stale"


Handler = Callable[[Store, Any, str], str]
TOPICS: dict[str, Handler] = {
    "orders/create": _order,
    "orders/updated": _order,
    "orders/paid": _order,
    "orders/cancelled": _order,
    "orders/fulfilled": _order,
    "fulfillments/create": _fulfilment,
    "fulfillments/update": _fulfilment,
    "refunds/create": _refund,
    "products/create": _product,
    "products/update": _product,
    "products/delete": _product_deleted,
    "inventory_levels/update": _inventory,
    "customers/create": _customer,
    "customers/update": _customer,
    "checkouts/create": _checkout,
    "checkouts/update": _checkout,
}


def webhook_apply(*, store: Store, topic: str, webhook_id: str, payload: Any, actor: str = "shopify:webhook") -> str:
    """Apply one webhook. Returns ``processed``, ``stale`` (a newer copy is stored),
    ``duplicate`` (this webhook id was applied before) or ``ignored`` (a topic we don't use).

    Raises :class:`InvalidInput` for a payload missing what it needs, and ``Conflict`` when it
    refers to an order not known yet; either way nothing is written.
    """
    handler = TOPICS.get(topic)
    if handler is None:
        log.info("shopify webhook %s for %s: topic %r is not handled, ignored", webhook_id, store.slug, topic)
        return "ignored"
    if webhook_id and WebhookDelivery.objects.filter(store=store, webhook_id=webhook_id).exists():
        return "duplicate"
    try:
        with transaction.atomic():
            outcome = handler(store, payload, actor)
            if webhook_id:
                # A twin delivered concurrently commits first; then this insert fails and
                # everything above rolls back with it.
                WebhookDelivery.objects.create(store=store, webhook_id=webhook_id, topic=topic, outcome=outcome)
    except IntegrityError:
        if webhook_id and WebhookDelivery.objects.filter(store=store, webhook_id=webhook_id).exists():
            return "duplicate"
        raise
    return outcome
