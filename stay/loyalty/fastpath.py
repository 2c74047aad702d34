"""A redemption in one round trip, on PostgreSQL (docs/adr/0017).

``rewards.reward_redeem`` asks here first. For a plain call (a discount reward on offer, a
member with enough points, a key not seen before) the database function ``loyalty_redeem``
(migration 0004) does the whole unit of work in one statement: the member's row lock, the
redemption, the movement and its entry, the balance and the audit event. For anything else
it writes nothing and answers NULL, and the Python service takes the call: it is the
reference and says what is wrong in the caller's language. SQLite has no such function and
always takes the Python path; the tests hold both paths to the same books.
"""

from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction


def redeem(
    *, store_id: int, customer_id: int, reward_id: int, key: str, code: str, actor: str, now: datetime
) -> int | None:
    """The new redemption's id, or None where the Python service must decide."""
    if connection.vendor != "postgresql":
        return None
    params = [store_id, customer_id, reward_id, key, code, actor, now]
    try:
        if connection.in_atomic_block:  # a failed statement must not spoil the caller's transaction
            with transaction.atomic():
                return _call(params)
        return _call(params)
    except IntegrityError:
        return None  # the same key at the same moment: the service finds the first


def _call(params: list[Any]) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT loyalty_redeem(%s::bigint, %s::bigint, %s::bigint, %s::text, %s::text, %s::text, %s::timestamptz)",
            params,
        )
        found = cursor.fetchone()[0]
    return None if found is None else int(found)
