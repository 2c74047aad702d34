"""API authentication: ``Authorization: Bearer <token>`` against hashed :class:`ApiToken` rows."""

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyHeader, HttpBearer

from .models import ApiToken, hash_token

# Touch last_used_at at most this often: a write per request would serialise the API on SQLite.
_TOUCH_EVERY = timedelta(minutes=5)


class ApiTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = (
            ApiToken.objects.select_related("user", "store")
            .filter(key_hash=hash_token(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if found is None:
            return None
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > _TOUCH_EVERY:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found


class StorefrontShopperAuth(APIKeyHeader):
    """A storefront calling for its signed-in shopper, signed as the chat widget is:
    ``X-Stay-Key`` (the widget's public key), ``X-Stay-Customer`` (the shopper's id on the
    platform) and ``X-Stay-Signature`` (HMAC-SHA256 of that id with the widget's identity
    secret, hex). Answers a :class:`~stay.core.storefront.Shopper`."""

    param_name = "X-Stay-Signature"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        from .storefront import shopper_verify

        return shopper_verify(
            request.headers.get("X-Stay-Key", ""), request.headers.get("X-Stay-Customer", ""), key or ""
        )
