"""Calls back to the platform, made durable: request now, send in the background, once."""

import logging
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from stay.core.errors import Conflict, InvalidInput
from stay.core.models import Store
from stay.core.tasks import task
from stay.orders.models import Order

from .client import ShopifyClient, ShopifyError
from .models import CallStatus, PlatformCall

log = logging.getLogger(__name__)

ACTIONS = {"create_refund", "cancel_order", "create_order", "adjust_inventory"}
MAX_ATTEMPTS = 6


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def platform_call_request(
    *,
    store: Store,
    action: str,
    params: dict[str, Any],
    idempotency_key: str,
    requested_by: str,
    order: Order | None = None,
    amount: Decimal | None = None,
    user: AbstractBaseUser | None = None,
) -> PlatformCall:
    """Record a call and send it after the current transaction commits. The same key returns
    the first call; the same key with other parameters is a conflict. A refund is requested
    through :func:`.refunds.refund_request`, which checks it first."""
    if action not in ACTIONS:
        raise InvalidInput(f"action must be one of {', '.join(sorted(ACTIONS))}")
    if not idempotency_key:
        raise InvalidInput("an idempotency key is required")
    existing = PlatformCall.objects.filter(store=store, idempotency_key=idempotency_key).first()
    if existing is None:
        try:
            with transaction.atomic():
                existing = PlatformCall.objects.create(
                    store=store,
                    action=action,
                    params=params,
                    idempotency_key=idempotency_key,
                    requested_by=requested_by,
                    order=order,
                    amount=amount,
                    user_id=getattr(user, "pk", None),
                )
        except IntegrityError:
            existing = PlatformCall.objects.get(store=store, idempotency_key=idempotency_key)
        else:
            transaction.on_commit(lambda: send_platform_call(existing.pk))
            return existing
    if existing.action != action or existing.params != params:
        raise Conflict(f"idempotency key {idempotency_key!r} was used for a different call")
    return existing


def platform_call_send(*, call_id: int, client: ShopifyClient | None = None) -> PlatformCall:
    """Send a queued call. Safe to run twice: only the worker that moves the row from
    ``queued`` to ``sending`` sends it."""
    claimed = PlatformCall.objects.filter(pk=call_id, status=CallStatus.QUEUED).update(
        status=CallStatus.SENDING, updated_at=timezone.now()
    )
    call = PlatformCall.objects.select_related("store").get(pk=call_id)
    if not claimed:
        return call
    call.attempts += 1
    own_client = client is None
    try:
        client = client or ShopifyClient.for_store(call.store)
        call.response = getattr(client, call.action)(**call.params)
        call.status, call.last_error = CallStatus.SENT, ""
        call.result_id = str((call.response or {}).get("id") or "")[:64]
    except ShopifyError as exc:
        call.last_error = str(exc)
        # A 4xx other than 429 will not succeed on retry; anything else might.
        retryable = exc.status in (0, 429) or exc.status >= 500
        call.status = CallStatus.QUEUED if retryable and call.attempts < MAX_ATTEMPTS else CallStatus.FAILED
        log.warning("platform call %s %s attempt %s: %s", call.pk, call.action, call.attempts, exc)
    finally:
        if own_client and client is not None:
            client.close()
    call.save(update_fields=["attempts", "response", "status", "last_error", "result_id", "updated_at"])
    if call.status == CallStatus.QUEUED:
        send_platform_call.schedule((call.pk,), delay=_backoff(call.attempts).total_seconds())
    return call


def sweep_platform_calls(stale_before: datetime) -> int:
    """Re-enqueue calls left queued (their job was lost); flag calls a worker died sending."""
    stuck = PlatformCall.objects.filter(status=CallStatus.SENDING, updated_at__lt=stale_before)
    for call in stuck:
        log.error(
            "platform call %s (%s) was being sent when its worker stopped: check it on the platform",
            call.pk,
            call.action,
        )
    stuck.update(status=CallStatus.UNKNOWN, last_error="the worker stopped while sending; check the platform")
    # Backoff retries are scheduled up to an hour ahead: only older rows count as dropped.
    waiting = list(
        PlatformCall.objects.filter(status=CallStatus.QUEUED, updated_at__lt=stale_before).values_list("pk", flat=True)[
            :500
        ]
    )
    for pk in waiting:
        send_platform_call(pk)
    return len(waiting)


@task(retries=0)
def send_platform_call(call_id: int) -> str:
    return platform_call_send(call_id=call_id).status
