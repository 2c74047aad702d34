"""Writes for the shared kernel: stores and API tokens."""

import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import slugify

from .errors import InvalidInput, NotFound
from .models import ApiToken, Platform, Store, hash_token

TOKEN_PREFIX = "stay_"


@transaction.atomic
def store_create(
    *,
    name: str,
    platform: str = Platform.SHOPIFY,
    webhook_secret: str,
    slug: str = "",
    currency: str = "USD",
    timezone: str = "UTC",
    default_locale: str = "en",
    country: str = "US",
    api_base_url: str = "",
    api_token: str = "",
) -> Store:
    if platform not in Platform.values:
        raise InvalidInput(f"platform must be one of {', '.join(Platform.values)}, not {platform!r}")
    if not name.strip():
        raise InvalidInput("name must not be empty")
    if len(webhook_secret) < 8:
        raise InvalidInput("the webhook secret must be at least 8 characters")
    slug = slug or slugify(name)[:50] or "store"
    if Store.objects.filter(slug=slug).exists():
        raise InvalidInput(f"a store with slug {slug!r} already exists; pick another name or --slug")
    store = Store(
        name=name.strip(),
        slug=slug,
        platform=platform,
        webhook_secret=webhook_secret,
        currency=currency.upper(),
        timezone=timezone,
        default_locale=default_locale,
        country=country.upper(),
        api_base_url=api_base_url,
        api_token=api_token,
    )
    try:
        store.full_clean()
    except Exception as exc:
        raise InvalidInput(str(exc)) from exc
    store.save()
    return store


def api_token_create(*, username: str, name: str = "", store: Store | None = None) -> tuple[ApiToken, str]:
    """Create a token for ``username``; returns the row and the raw token (shown only once)."""
    user_model = get_user_model()
    try:
        user = user_model.objects.get(username=username)
    except user_model.DoesNotExist:
        raise NotFound(f"no user named {username!r}; create one with `stay createsuperuser`") from None
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, store=store, name=name, prefix=raw[:10], key_hash=hash_token(raw))
    return token, raw
