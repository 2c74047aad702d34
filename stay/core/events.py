"""A small bus so a lower app can wake a higher one without importing it.

A lower app calls ``publish("order.paid", order_id=...)`` inside its transaction. Subscribers
(registered in a higher app's ``AppConfig.ready()``) come in two kinds:

- ``subscribe(name, handler)``: run after the commit, from memory. For work that is safe to
  lose or has its own sweep (the assistant's answer to a message finds a lost job itself).
- ``subscribe(name, handler, durable=True)``: an *outbox*. ``publish`` writes an
  :class:`OutboxEntry` per durable subscriber in the publisher's transaction, so the event
  commits with its cause; after the commit a job runs the subscriber and marks the row done
  in one transaction, and a row left pending (job lost, process killed right after the commit)
  is swept and run again. Durable subscribers must therefore be idempotent.
- ``subscribe(name, handler, inline=True)``: run now, inside the publisher's transaction, so
  the subscriber's rows commit with their cause or not at all. For a subscriber that only
  records what it must do later, in a queue of its own worked off in batches (loyalty's
  points due): one small insert, where the outbox would cost a row, a job and a transaction
  per event.

No Django signals: the flow stays explicit and greppable.
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from .models import OutboxEntry, OutboxStatus

log = logging.getLogger(__name__)
Handler = Callable[..., Any]
_subscribers: dict[str, list[Handler]] = defaultdict(list)
_durable: dict[str, dict[str, Handler]] = defaultdict(dict)
# A durable subscriber's interest: the events it would do nothing for write no row.
_wants: dict[str, Callable[..., bool]] = {}
_inline: dict[str, list[Handler]] = defaultdict(list)
MAX_ATTEMPTS = 8


def _name(handler: Handler) -> str:
    return f"{handler.__module__}.{handler.__qualname__}"


def subscribe(
    name: str,
    handler: Handler,
    *,
    durable: bool = False,
    inline: bool = False,
    when: Callable[..., bool] | None = None,
) -> None:
    """``when(**payload)`` (durable subscribers): whether this event concerns the subscriber;
    it is asked inside the publisher's transaction, so it reads only the payload."""
    if inline:
        if handler not in _inline[name]:
            _inline[name].append(handler)
    elif durable:
        _durable[name][_name(handler)] = handler
        if when is not None:
            _wants[_name(handler)] = when
    elif handler not in _subscribers[name]:
        _subscribers[name].append(handler)


def unsubscribe(name: str, handler: Handler) -> None:
    if handler in _subscribers[name]:
        _subscribers[name].remove(handler)
    if handler in _inline[name]:
        _inline[name].remove(handler)
    _durable[name].pop(_name(handler), None)


def publish(name: str, **payload: Any) -> None:
    """Deliver ``payload`` to every subscriber of ``name`` once the current transaction commits;
    durable subscribers get it from a row written now, in that transaction; inline ones now."""
    for handler in list(_inline.get(name, ())):
        handler(**payload)
    for handler in list(_subscribers.get(name, ())):
        transaction.on_commit(partial(_deliver, name, handler, payload))
    durable = [
        subscriber for subscriber in _durable.get(name, ()) if subscriber not in _wants or _wants[subscriber](**payload)
    ]
    if durable:
        entries = OutboxEntry.objects.bulk_create(
            OutboxEntry(event=name, subscriber=subscriber, payload=payload) for subscriber in durable
        )
        ids = [entry.pk for entry in entries]
        if None in ids:  # a backend that returns no ids from a bulk insert: found by the sweep
            return
        transaction.on_commit(partial(_enqueue, ids))


def _deliver(name: str, handler: Handler, payload: dict[str, Any]) -> None:
    try:
        handler(**payload)
    except Exception:
        # One failing subscriber must not stop the others, nor the request that published.
        log.exception("subscriber %r of %s failed", handler, name)


def _enqueue(ids: list[int]) -> None:
    from .tasks import deliver_event

    for entry_id in ids:
        try:
            deliver_event(entry_id)
        except Exception:  # the queue is down: the row is committed, and the sweep finds it
            log.exception("could not enqueue event %s", entry_id)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(15 * 2 ** (attempts - 1), 3600))


def event_deliver(*, entry_id: int) -> str | None:
    """Run one durable subscriber for one event: its writes and the row's ``done`` commit
    together, so it happens once. Returns the row's status, None if another worker has it or
    it was done already. A subscriber that raises is retried with backoff, then ``failed``."""
    retry_in = None
    with transaction.atomic():
        entry = (
            OutboxEntry.objects.select_for_update(skip_locked=connection.features.has_select_for_update_skip_locked)
            .filter(pk=entry_id, status=OutboxStatus.PENDING)
            .first()
        )
        if entry is None:
            return None
        handler = _durable.get(entry.event, {}).get(entry.subscriber)
        try:
            if handler is None:
                raise LookupError(f"no durable subscriber {entry.subscriber} of {entry.event} in this process")
            with transaction.atomic():  # a savepoint: a failure undoes the subscriber's writes only
                handler(**entry.payload)
        except Exception as exc:
            log.exception("event %s to %s failed (attempt %s)", entry.event, entry.subscriber, entry.attempts + 1)
            entry.attempts += 1
            entry.error = f"{type(exc).__name__}: {exc}"[:2000]
            if entry.attempts >= MAX_ATTEMPTS:
                entry.status = OutboxStatus.FAILED
            else:
                retry_in = _backoff(entry.attempts)
                entry.next_try_at = timezone.now() + retry_in
        else:
            entry.status, entry.error, entry.done_at = OutboxStatus.DONE, "", timezone.now()
            entry.attempts += 1
        entry.save(update_fields=["status", "attempts", "error", "next_try_at", "done_at"])
    if retry_in is not None:
        from .tasks import deliver_event

        deliver_event.schedule((entry.pk,), delay=retry_in.total_seconds())
    return entry.status


def sweep_events(stale_before: datetime) -> int:
    """Enqueue again pending events whose job was lost or whose retry is overdue."""
    ids = list(
        OutboxEntry.objects.filter(status=OutboxStatus.PENDING, next_try_at__lt=stale_before).values_list(
            "pk", flat=True
        )[:1000]
    )
    _enqueue(ids)
    return len(ids)


def prune_events(before: datetime) -> int:
    """Delivered events are kept a while for audit, then deleted."""
    deleted, _ = OutboxEntry.objects.filter(status=OutboxStatus.DONE, done_at__lt=before).delete()
    return deleted
