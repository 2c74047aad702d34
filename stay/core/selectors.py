"""Reads for the shared kernel."""

import time

from django.conf import settings

from .errors import NotFound
from .models import Store


def store_get(*, slug: str) -> Store:
    try:
        return Store.objects.get(slug=slug)
    except Store.DoesNotExist:
        raise NotFound(f"no store {slug!r}") from None


def store_webhook_url(store: Store) -> str:
    return f"{settings.PUBLIC_URL}/webhooks/{store.platform}/{store.slug}"


_store_cache: dict[tuple[str, str], tuple[float, Store]] = {}


def store_for_webhook(*, platform: str, slug: str) -> Store | None:
    """The store a webhook is addressed to. Looked up on every webhook, so kept in the process
    for ``STORE_CACHE_SECONDS`` (a changed secret applies after at most that long)."""
    key = (platform, slug)
    ttl = settings.STORE_CACHE_SECONDS
    hit = _store_cache.get(key)
    now = time.monotonic()
    if hit and now - hit[0] < ttl:
        return hit[1]
    store = Store.objects.filter(slug=slug, platform=platform).first()
    if store is not None and ttl > 0:
        _store_cache[key] = (now, store)
    return store
