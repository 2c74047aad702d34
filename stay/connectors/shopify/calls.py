"""Calls back to the platform, made durable: request now, send in the background, once."""

import logging
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from stay.conversations.limits import NeedsLead
from stay.conversations.models import AuthorKind, Conversation, Status
from stay.conversations.selectors import is_lead
from stay.conversations.services import conversation_set_status, note_add
from stay.core.errors import Conflict, InvalidInput
from stay.core.events import publish
from stay.core.models import Store
from stay.core.tasks import task
from stay.orders.models import Order
from stay.orders.services import order_lock

from .client import ShopifyClient, ShopifyError
from .models import CallAction, CallStatus, PlatformCall

log = logging.getLogger(__name__)

ACTIONS = set(CallAction.values)
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
    conversation: Conversation | None = None,
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
                    conversation=conversation,
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
    if own_client and not (call.store.api_base_url and call.store.api_token):
        # Retrying cannot help: say so at once rather than after an hour of attempts.
        with translation.override(call.store.default_locale or "en"):
            call.last_error = _("This store is not connected to its platform: an admin sets its API address and token.")
        call.status = CallStatus.FAILED
        return _settle(call)
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
    return _settle(call)


def _settle(call: PlatformCall) -> PlatformCall:
    with transaction.atomic():  # a failure and the word of it to the agent: together
        call.save(update_fields=["attempts", "response", "status", "last_error", "result_id", "updated_at"])
        if call.status == CallStatus.FAILED:
            _tell(call)
        if call.status in (CallStatus.SENT, CallStatus.FAILED):
            _settled(call)
    if call.status == CallStatus.QUEUED:
        send_platform_call.schedule((call.pk,), delay=_backoff(call.attempts).total_seconds())
    return call


def _settled(call: PlatformCall) -> None:
    """Whoever asked for the call may wait for its end (a loyalty reward's code): told by the
    ``platform.settled`` event (orders.platform), with the call's own idempotency key."""
    publish(
        "platform.settled",
        request_id=call.pk,
        key=call.idempotency_key,
        state=call.status,
        error=call.last_error[:300],
    )


def _tell(call: PlatformCall) -> None:
    """A call that failed (or may not have gone through) reaches the agent who asked: a note in
    the conversation, reopened if it was resolved; the inbox shows a badge while it stands."""
    if call.conversation_id is None:
        return
    conversation = Conversation.objects.select_related("store").get(pk=call.conversation_id)
    with translation.override(conversation.store.default_locale or "en"):
        what = call.summary()
        if call.status == CallStatus.UNKNOWN:
            text = _(
                "%(what)s may or may not have reached the platform (the worker stopped while sending it). "
                "Check the order on the platform before trying again."
            ) % {"what": what}
        else:
            text = _("%(what)s failed: %(reason)s Nothing was changed on the platform.") % {
                "what": what,
                "reason": call.last_error.rstrip(".") + ".",
            }
            text += " " + _("A lead can retry it from the order panel.")
    note_add(conversation=conversation, text=text, author=None, author_kind=AuthorKind.SYSTEM)
    if conversation.status != Status.OPEN:
        conversation_set_status(conversation=conversation, status=Status.OPEN, actor=None)


def platform_call_retry(*, call_id: int, user: AbstractBaseUser) -> PlatformCall:
    """Send a failed call again, once a lead has seen why it failed. A refund is checked again
    (what is left on the order and the lead's own limits), under the order's lock; a call of
    unknown outcome is never retried here: it may have gone through."""
    if not is_lead(user):
        raise NeedsLead(_("Only a lead can retry a call that failed."))
    with transaction.atomic():
        call = PlatformCall.objects.select_for_update(of=("self",)).select_related("store", "order").get(pk=call_id)
        if call.status != CallStatus.FAILED:
            raise Conflict(
                _("Only a failed call can be retried; this one is %(status)s.") % {"status": call.get_status_display()}
            )
        call.status = CallStatus.QUEUED  # counts as in flight again before the check below
        if call.action == CallAction.CREATE_REFUND and call.order_id and call.amount is not None:
            from .refunds import refund_check  # refunds builds on this module

            locked = order_lock(order_id=call.order_id)
            refund_check(order=locked, amount=call.amount, user=user)
        call.attempts, call.last_error = 0, ""
        call.user_id = user.pk
        call.save(update_fields=["status", "attempts", "last_error", "user", "updated_at"])
        transaction.on_commit(lambda: send_platform_call(call.pk))
    return call


def sweep_platform_calls(stale_before: datetime) -> int:
    """Re-enqueue calls left queued (their job was lost); flag calls a worker died sending."""
    stuck = PlatformCall.objects.filter(status=CallStatus.SENDING, updated_at__lt=stale_before)
    for call in stuck.select_related("order"):
        log.error(
            "platform call %s (%s) was being sent when its worker stopped: check it on the platform",
            call.pk,
            call.action,
        )
        with transaction.atomic():
            flagged = PlatformCall.objects.filter(pk=call.pk, status=CallStatus.SENDING).update(
                status=CallStatus.UNKNOWN, last_error="the worker stopped while sending; check the platform"
            )
            if flagged:
                call.status, call.last_error = (
                    CallStatus.UNKNOWN,
                    "the worker stopped while sending; check the platform",
                )
                _tell(call)
                _settled(call)
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
