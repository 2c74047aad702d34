"""Reads for the shared kernel."""

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
