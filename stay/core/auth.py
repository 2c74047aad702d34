"""API authentication: ``Authorization: Bearer <token>`` against hashed :class:`ApiToken` rows."""

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyHeader, HttpBearer

from .db import columns, hot_cursor, load, width
from .models import ApiToken, Store, hash_token

# Touch last_used_at at most this often: a write per request would serialise the API on SQLite.
_TOUCH_EVERY = timedelta(minutes=5)


class ApiTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        # One lean statement (core.db) for the token, its user and its store: every API call
        # starts here, and the ORM composing the same join took 1.3 ms of a 4.4 ms call
        # (bench/recs.py --serve).
        user_model, q = get_user_model(), connection.ops.quote_name
        tokens, users, stores = (q(m._meta.db_table) for m in (ApiToken, user_model, Store))
        with hot_cursor() as cursor:
            cursor.execute(
                f"SELECT {columns(ApiToken, 't')}, {columns(user_model, 'u')}, {columns(Store, 's')} "  # noqa: S608 (names from the models, values as parameters)
                f"FROM {tokens} t JOIN {users} u ON u.{q(user_model._meta.pk.column)} = t.user_id "
                f"LEFT JOIN {stores} s ON s.id = t.store_id "
                "WHERE t.key_hash = %s AND t.revoked_at IS NULL AND u.is_active = %s",
                [hash_token(token), True],
            )
            row = cursor.fetchone()
        if row is None:
            return None
        found = load(ApiToken, row)
        found.user = load(user_model, row[width(ApiToken) :])
        if found.store_id is not None:
            found.store = load(Store, row[width(ApiToken) + width(user_model) :])
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
