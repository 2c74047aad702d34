"""Database helpers shared by every domain."""

from collections.abc import Callable
from typing import TypeVar

from django.db import IntegrityError, transaction

T = TypeVar("T")


def atomic_with_retry(work: Callable[[], T], *, attempts: int = 3) -> T:
    """Run ``work`` in a transaction (a savepoint when nested); if it hits a unique constraint
    because a concurrent transaction created the same row first, run it again: it will find
    that row now. Upserts keyed by an outside id (an order, a person's email) race this way
    when the platform sends two webhooks about the same thing at once."""
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic():
                return work()
        except IntegrityError:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")
