"""A checkout's redemption in one round trip, on PostgreSQL (docs/adr/0011-redemption-in-one-call.md).

``services.gift_card_authorize`` asks here first. For a plain call (cards named by code,
nothing to refuse) the database function ``giftcards_authorize`` (migration 0004) does the
whole unit of work in one statement: the idempotency key, the row locks, the authorisation
and its holds, the ledger, the audit trail and the answer. For anything else it writes
nothing and answers NULL, and the Python service takes the call: it is the reference, and
says what is wrong in the caller's language. SQLite has no such function and always takes
the Python path; the tests hold the two paths to the same results.
"""

import json
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction

_CALL = (
    "SELECT giftcards_authorize(%s::bigint, %s::text, %s::text, %s::text[], %s::bigint[], %s::bigint, %s::text, "
    "%s::boolean, %s::text, %s::text, %s::text, %s::timestamptz, %s::jsonb)"
)


def authorize(
    *,
    store_id: int,
    key: str,
    fingerprint: str,
    code_hashes: list[str],
    wanted_cents: list[int | None],
    total_cents: int,
    currency: str,
    capture: bool,
    reference: str,
    actor: str,
    client: str,
    now: datetime,
    contact: dict[str, str],
) -> tuple[int, dict[str, Any], int] | None:
    """``(status, body, first uses)`` recorded under ``key`` (first uses: how many cards were
    used for the first time), or None where the Python service must decide."""
    if connection.vendor != "postgresql":
        return None
    params = [
        store_id,
        key,
        fingerprint,
        code_hashes,
        wanted_cents,
        total_cents,
        currency,
        capture,
        reference,
        actor,
        client,
        now,
        json.dumps(contact),
    ]
    try:
        if connection.in_atomic_block:  # a failed statement must not spoil the caller's transaction
            with transaction.atomic():
                result = _call(params)
        else:
            result = _call(params)
    except IntegrityError:
        return None  # a concurrent call with the same key got there first: the service finds its answer
    if result is None:
        return None
    if isinstance(result, str):  # Django reads jsonb as text, for its JSONField to decode
        result = json.loads(result)
    return result["status"], result["response"], result.get("first_uses", 0)


def _call(params: list[Any]) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(_CALL, params)
        return cursor.fetchone()[0]
