"""Shopify webhooks: accepted fast (verified, validated, stored), applied by a worker in one transaction."""

import json
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import DatabaseError, DataError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from huey import crontab
from pydantic import BaseModel, ValidationError

from stay.catalog.services import inventory_level_set, product_delete, product_upsert
from stay.core.db import select, update
from stay.core.errors import Conflict, InvalidInput, StayError
from stay.core.models import Store
from stay.core.privacy import audit, customer_erase, customer_export
from stay.core.tasks import Coalesced, periodic_task, task
from stay.customers.identities import normalise_identity
from stay.customers.models import Customer, IdentityKind
from stay.customers.selectors import identity_find
from stay.customers.services import customer_resolve
from stay.orders.services import checkout_upsert, fulfilment_upsert, order_upsert, refund_create

from . import mapping
from . import schemas as s
from .models import DeliveryStatus, WebhookDelivery

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


def _privacy_customer(store: Store, who: s.PrivacyCustomer) -> Customer | None:
    """The customer a privacy webhook means: by their platform id, else their email or phone."""
    for kind, value in (
        (IdentityKind.PLATFORM, str(who.id) if who.id is not None else ""),
        (IdentityKind.EMAIL, who.email or ""),
        (IdentityKind.PHONE, who.phone or ""),
    ):
        if not value:
            continue
        try:
            found = identity_find(store=store, kind=kind, value=normalise_identity(kind, value, region=store.country))
        except InvalidInput:
            continue
        if found is not None:
            return Customer.objects.get(pk=found.customer_id)
    return None


def _data_request(store: Store, payload: Any, actor: str) -> str:
    """The store owner receives what Stay holds about the customer: kept in the audit trail
    (admin: personal data audit trail) for them to hand over."""
    request = parse(s.CustomerDataRequest, payload)
    customer = _privacy_customer(store, request.customer)
    reference = str(request.data_request.id) if request.data_request and request.data_request.id is not None else ""
    export = customer_export(store=store, customer_id=customer.pk, actor=actor, via="shopify") if customer else None
    audit(
        store=store,
        actor=actor,
        action="data_request",
        customer_id=customer.pk if customer else None,
        via="shopify",
        request=reference,
        export=export,
    )
    return "processed"


def _customer_redact(store: Store, payload: Any, actor: str) -> str:
    customer = _privacy_customer(store, parse(s.CustomerRedact, payload).customer)
    if customer is None:
        return "ignored"  # Stay holds nothing about them
    customer_erase(store=store, customer_id=customer.pk, actor=actor, via="shopify")
    return "processed"


def _shop_redact(store: Store, payload: Any, actor: str) -> str:
    """The shop uninstalled the app 48 hours ago: every customer's personal data goes."""
    parse(s.ShopRedact, payload)
    # Every stored body goes at once (a search per customer through them all would be slow).
    WebhookDelivery.objects.filter(store=store).exclude(
        status__in=[DeliveryStatus.RECEIVED, DeliveryStatus.WAITING]
    ).update(body="{}")
    for customer_id in Customer.objects.filter(store=store, erased_at__isnull=True).values_list("pk", flat=True):
        customer_erase(store=store, customer_id=customer_id, actor=actor, via="shopify")
    audit(store=store, actor=actor, action="shop_redact", customer_id=None, via="shopify")
    return "processed"


Handler = Callable[[Store, Any, str], str]
# topic -> (the schema a payload must match before we accept it, the handler that applies it)
TOPICS: dict[str, tuple[type[BaseModel], Handler]] = {
    "orders/create": (s.Order, _order),
    "orders/updated": (s.Order, _order),
    "orders/paid": (s.Order, _order),
    "orders/cancelled": (s.Order, _order),
    "orders/fulfilled": (s.Order, _order),
    "fulfillments/create": (s.Fulfillment, _fulfilment),
    "fulfillments/update": (s.Fulfillment, _fulfilment),
    "refunds/create": (s.Refund, _refund),
    "products/create": (s.Product, _product),
    "products/update": (s.Product, _product),
    "products/delete": (s.ProductDeleted, _product_deleted),
    "inventory_levels/update": (s.InventoryLevel, _inventory),
    "customers/create": (s.Customer, _customer),
    "customers/update": (s.Customer, _customer),
    "checkouts/create": (s.Checkout, _checkout),
    "checkouts/update": (s.Checkout, _checkout),
    "customers/data_request": (s.CustomerDataRequest, _data_request),
    "customers/redact": (s.CustomerRedact, _customer_redact),
    "shop/redact": (s.ShopRedact, _shop_redact),
}
# A delivery that refers to something not here yet (a fulfilment before its order) waits:
# retried with backoff, then failed for a person to look at.
MAX_WAITS = 8


def webhook_accept(*, store: Store, topic: str, webhook_id: str, body: bytes) -> tuple[str, int | None]:
    """Validate a signed webhook and store it for a worker to apply. Returns ``(status,
    delivery id)`` where status is ``accepted``, ``duplicate`` (this webhook id was stored
    before) or ``ignored`` (a topic Stay does not use). Raises :class:`InvalidInput` for a body
    that is not JSON or lacks what the topic needs; then nothing is stored.

    This runs for every webhook of a Black Friday burst, so it is one INSERT and no queue
    write of its own: a worker is woken at once, then at most every 0.1 s per process
    (:data:`apply_soon`), and applies every delivery waiting (ADR 0002)."""
    entry = TOPICS.get(topic)
    if entry is None:
        log.info("shopify webhook %s for %s: topic %r is not handled, ignored", webhook_id, store.slug, topic)
        return "ignored", None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("the body is not UTF-8 text") from None
    try:
        payload = json.loads(text)
    except ValueError as exc:
        raise InvalidInput(f"the body is not valid JSON: {exc}") from None
    except RecursionError:
        raise InvalidInput("the body is nested too deeply") from None
    if not isinstance(payload, dict):
        raise InvalidInput("the body must be a JSON object")
    parse(entry[0], payload, what=topic.split("/")[0].rstrip("s"))
    delivery_id = _store_delivery(store, webhook_id or None, topic, text)
    if delivery_id is None:
        return "duplicate", None
    apply_soon()
    return "accepted", delivery_id


# One statement: it commits on its own (or with the caller's transaction), and a redelivery
# inserts nothing instead of raising.
_INSERT_DELIVERY = (
    "INSERT INTO shopify_webhookdelivery (store_id, webhook_id, topic, body, status, attempts, error, received_at) "
    "VALUES (%s, %s, %s, %s, %s, 0, '', %s) ON CONFLICT (store_id, webhook_id) DO NOTHING RETURNING id"
)


def _store_delivery(store: Store, webhook_id: str | None, topic: str, body: str) -> int | None:
    """Insert a delivery unless its webhook id is stored already; returns the new row's id."""
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_DELIVERY, [store.pk, webhook_id, topic, body, DeliveryStatus.RECEIVED, timezone.now()])
        row = cursor.fetchone()
    return row[0] if row else None


def webhook_process(*, delivery_id: int | None = None, actor: str = "shopify:webhook") -> WebhookDelivery | None:
    """Apply a stored delivery, once (with no id: the oldest received one that no other worker
    holds). The domain writes and the delivery's new status commit together, so a worker
    killed half-way leaves it ``received`` for the sweep to retry. A delivery that cannot be
    applied is recorded as waiting (retried with backoff) or failed, in a second transaction
    once the first has rolled back. Returns None when there was nothing to apply."""
    problem: Exception
    for attempt in range(1, 4):
        try:
            with transaction.atomic():
                delivery = _lock_delivery(delivery_id)
                if delivery is None:
                    return None  # applied already, or another worker holds it
                delivery_id = delivery.pk
                return _apply_delivery(delivery, actor)
        except IntegrityError as exc:
            if connection.in_atomic_block:
                raise
            if attempt < 3:
                continue  # a concurrent webhook created the same order or person first: apply again
            problem = exc
        except (Conflict, InvalidInput) as exc:
            problem = exc
        except DataError as exc:
            # A value the database refuses (too long, out of range) is this delivery's own
            # fault, not the database's: failed with the error, so it blocks nothing behind it.
            log.warning("shopify delivery %s holds a value the database refuses: %s", delivery_id, exc)
            problem = exc
        except DatabaseError as exc:
            if _lost_a_race(exc) and attempt < 3:
                continue  # a deadlock or a lock wait given up with a concurrent worker: again
            raise  # the database itself is unwell: the delivery stays received for the sweep
        except Exception as exc:
            # A bug in applying this one delivery: recorded as failed, so that it does not
            # hold up every delivery behind it (a drain takes the oldest first).
            log.exception("shopify delivery %s could not be applied", delivery_id)
            problem = exc
        if delivery_id is None:
            raise problem
        return _record_problem(delivery_id, problem)
    raise AssertionError("unreachable")


def _lost_a_race(exc: Exception) -> bool:
    """Whether the database refused this transaction only because of a concurrent one."""
    return type(exc.__cause__).__name__ in ("DeadlockDetected", "LockNotAvailable", "SerializationFailure")


def webhooks_apply_received(*, actor: str = "shopify:webhook") -> int:
    """Apply received deliveries, oldest first, each in its own transaction, until none is left
    that another worker is not already applying. Returns how many were applied. (Batches of
    deliveries in one transaction were measured slower: a batch holds its customers' rows
    while other workers wait for them, ADR 0014.)"""
    applied = 0
    while webhook_process(actor=actor) is not None:
        applied += 1
    return applied


def _lock_delivery(delivery_id: int | None) -> WebhookDelivery | None:
    """The delivery, its row locked (the oldest received one no other worker holds, when no id
    is given). One lean statement (core.db.select): this runs once per webhook of a burst."""
    # Locks the delivery only: its store comes from a second, cached read, so concurrent
    # workers never wait on each other's store row.
    lock = " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    if delivery_id is None:
        found = select(WebhookDelivery, "status = %s", [DeliveryStatus.RECEIVED], tail=f"ORDER BY id LIMIT 1{lock}")
    else:
        found = select(
            WebhookDelivery,
            "id = %s AND status IN (%s, %s)",
            [delivery_id, DeliveryStatus.RECEIVED, DeliveryStatus.WAITING],
            tail=lock,
        )
    if not found:
        return None
    delivery = found[0]
    delivery.store = _store(delivery.store_id)
    return delivery


_stores: dict[int, tuple[float, Store]] = {}


def _store(store_id: int) -> Store:
    """A store, read at most every STORE_CACHE_SECONDS per process (the deliveries of a burst
    are nearly all for one store)."""
    now = time.monotonic()
    cached = _stores.get(store_id)
    if cached is None or now - cached[0] > settings.STORE_CACHE_SECONDS:
        cached = _stores[store_id] = (now, Store.objects.get(pk=store_id))
    return cached[1]


def _apply_delivery(delivery: WebhookDelivery, actor: str) -> WebhookDelivery:
    _, handler = TOPICS[delivery.topic]
    delivery.status = handler(delivery.store, json.loads(delivery.body), actor)
    delivery.attempts += 1
    delivery.error = ""
    delivery.processed_at = timezone.now()
    update(delivery, ["status", "attempts", "error", "processed_at"])
    return delivery


def _record_problem(delivery_id: int, problem: Exception) -> WebhookDelivery | None:
    retry_in = None
    with transaction.atomic():
        delivery = _lock_delivery(delivery_id)
        if delivery is None:
            return None
        delivery.attempts += 1
        delivery.error = str(problem) if isinstance(problem, StayError) else f"{type(problem).__name__}: {problem}"
        if isinstance(problem, Conflict) and delivery.attempts < MAX_WAITS:
            delivery.status = DeliveryStatus.WAITING
            retry_in = min(15 * 2 ** (delivery.attempts - 1), 3600)
        else:
            delivery.status = DeliveryStatus.FAILED
            log.warning("shopify %s %s failed: %s", delivery.topic, delivery.webhook_id, delivery.error)
        delivery.processed_at = timezone.now()
        delivery.save(update_fields=["status", "attempts", "error", "processed_at"])
    if retry_in is not None:
        process_webhook.schedule((delivery.pk,), delay=retry_in)
    return delivery


def oldest_unapplied() -> datetime | None:
    """When the oldest delivery still waiting to be applied arrived (None: none waits)."""
    return (
        WebhookDelivery.objects.filter(status=DeliveryStatus.RECEIVED)
        .order_by("received_at")
        .values_list("received_at", flat=True)
        .first()
    )


def webhooks_retry(*, delivery_ids: list[int]) -> int:
    """Apply failed deliveries again (after the cause was fixed): back to ``received``, drained
    like new ones. Returns how many were put back."""
    count = WebhookDelivery.objects.filter(pk__in=delivery_ids, status=DeliveryStatus.FAILED).update(
        status=DeliveryStatus.RECEIVED, error="", processed_at=None
    )
    if count:
        apply_soon()
    return count


def sweep_webhooks(stale_before: datetime) -> int:
    """Enqueue again deliveries whose job was lost (still ``received`` long after arrival) and
    waiting ones whose retry is overdue."""
    stuck = WebhookDelivery.objects.filter(
        Q(status=DeliveryStatus.RECEIVED, received_at__lt=stale_before)
        | Q(status=DeliveryStatus.WAITING, processed_at__lt=stale_before - timedelta(hours=1))
    ).values_list("pk", flat=True)[:1000]
    ids = list(stuck)
    for pk in ids:
        process_webhook(pk)
    return len(ids)


def webhook_apply(*, store: Store, topic: str, payload: Any, actor: str) -> str:
    """Apply one resource now, as its webhook would be (used by the importer)."""
    _, handler = TOPICS[topic]
    with transaction.atomic():
        return handler(store, payload, actor)


@task(retries=0)
def process_webhook(delivery_id: int) -> str | None:
    delivery = webhook_process(delivery_id=delivery_id)
    return delivery.status if delivery else None


@task(retries=0)
def apply_received_webhooks() -> int:
    return webhooks_apply_received()


# Woken once per webhook would be a queue write per webhook; a tenth of a second is soon enough.
apply_soon = Coalesced(apply_received_webhooks, window=0.1)


@periodic_task(crontab(hour="3", minute="17"))
def prune_webhooks() -> int:
    """Deliveries are kept 30 days (for dedupe, the platform retries for 48 hours, and audit)."""
    cutoff = timezone.now() - timedelta(days=30)
    deleted, _ = (
        WebhookDelivery.objects.filter(received_at__lt=cutoff)
        .exclude(status__in=[DeliveryStatus.RECEIVED, DeliveryStatus.WAITING])
        .delete()
    )
    return deleted
