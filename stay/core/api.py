"""What every API router shares: which store a request reads, and errors as clear JSON."""

from collections.abc import Callable
from functools import partial
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from .errors import Conflict, InvalidInput, NotAllowed, NotFound, RateLimited, StayError
from .models import ApiToken, Store

StoreGuard = Callable[[Any, Store], bool]
_guards: list[StoreGuard] = []


def register_store_guard(guard: StoreGuard) -> None:
    """``guard(user, store)``: whether the token's user may use ``store`` (the inbox registers
    one: an agent works only the stores they were given)."""
    _guards[:] = [guard]


def request_store(request: HttpRequest, slug: str | None) -> Store:
    """The store a request is about: the token's own store, or ``?store=<slug>`` for a token
    that may read every store (optional when only one store exists); either way one that the
    token's user may use, else 404 as if it did not exist."""
    store = _request_store(request, slug)
    if any(not guard(request.user, store) for guard in _guards):
        raise NotFound(f"no store {store.slug!r} for this token")
    return store


def _request_store(request: HttpRequest, slug: str | None) -> Store:
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    if token.store_id is not None:
        store = token.store
        assert store is not None
        if slug and slug != store.slug:
            raise NotFound(f"this token cannot read store {slug!r}")
        return store
    if slug:
        store = Store.objects.filter(slug=slug).first()
        if store is None:
            raise NotFound(f"no store {slug!r}")
        return store
    stores = list(Store.objects.all()[:2])
    if len(stores) == 1:
        return stores[0]
    if not stores:
        raise NotFound("no store is connected yet; create one with `stay createstore`")
    raise InvalidInput("several stores are connected: name one with ?store=<slug>")


def _error_response(api: NinjaAPI, status: int, request: HttpRequest, exc: StayError) -> HttpResponse:
    body = {"detail": str(exc)}
    if exc.code:
        body["code"] = exc.code
    response = api.create_response(request, body, status=status)
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


def install_error_handlers(api: NinjaAPI) -> None:
    for error, status in ((InvalidInput, 400), (NotAllowed, 403), (NotFound, 404), (Conflict, 409), (RateLimited, 429)):
        api.add_exception_handler(error, partial(_error_response, api, status))  # type: ignore[arg-type]
