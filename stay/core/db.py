"""Transactions: the boundary owns them, services join them.

A unit of work (a request, a job, one record of an import) runs in one transaction. The
services it calls join that transaction rather than open savepoints of their own: a
failure anywhere fails the whole unit, and on PostgreSQL each savepoint would cost two
round trips (they were a third of the statements of applying an order).
"""

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from django.db import IntegrityError, connection, transaction

T = TypeVar("T")


def atomic_with_retry(work: Callable[[], T], *, attempts: int = 3) -> T:
    """Run ``work`` as a unit of work. At the top level it gets its own transaction, run again
    if it hits a unique constraint because a concurrent transaction created the same row
    first (it will find that row now): upserts keyed by an outside id race this way when a
    platform sends two webhooks about the same thing at once. Inside a caller's transaction
    it joins it, and a unique violation goes to the caller's boundary to retry."""
    if connection.in_atomic_block:
        with transaction.atomic(savepoint=False):
            return work()
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic():
                return work()
        except IntegrityError:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")


F = TypeVar("F", bound=Callable[..., object])


def joins_transaction(service: F) -> F:
    """Decorator for a service: a transaction of its own when called alone, part of the
    caller's transaction (no savepoint) when called inside one."""
    return transaction.atomic(savepoint=False)(service)  # type: ignore[return-value]


def is_stale(incoming: datetime | None, stored: datetime | None) -> bool:
    """Whether a copy the platform stamped ``incoming`` is older than the one stored at
    ``stored``: webhooks arrive late and out of order, and an older copy never overwrites a
    newer one. Without both stamps nothing can be told, and the copy is applied."""
    return incoming is not None and stored is not None and incoming < stored
