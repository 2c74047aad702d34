"""Who else has a conversation open, and whether they are typing (issue 25): each open
conversation page says so every few seconds; what is older than ``FRESH_SECONDS`` is gone.

Kept in the shared ``presence`` cache (a file cache every web process reads, as the insights
figures are), never in the database: it is worth nothing a few seconds later, and a lost
update only shows a moment late."""

import time

from django.core.cache import caches

FRESH_SECONDS = 8


def _key(conversation_id: int) -> str:
    return f"presence:{conversation_id}"


def here(*, conversation_id: int, username: str, name: str, typing: bool) -> list[tuple[str, bool]]:
    """Mark ``username`` on the conversation now; returns the others there (name, typing)."""
    cache, now = caches["presence"], time.time()
    seen: dict[str, tuple[str, float, bool]] = cache.get(_key(conversation_id)) or {}
    seen = {who: entry for who, entry in seen.items() if now - entry[1] < FRESH_SECONDS}
    seen[username] = (name, now, typing)
    cache.set(_key(conversation_id), seen, FRESH_SECONDS * 2)
    return sorted((entry[0], entry[2]) for who, entry in seen.items() if who != username)
