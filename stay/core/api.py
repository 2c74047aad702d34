"""What every API router shares: which store a request reads, input types with sane
bounds, and errors as clear JSON (never a 500 for a value the caller got wrong)."""

from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import partial
from typing import Annotated, Any

from django.db import DataError
from django.http import HttpRequest, HttpResponse
from ninja import Field, NinjaAPI, Schema
from ninja.pagination import PageNumberPagination
from pydantic import AfterValidator

from .errors import Conflict, InvalidInput, NotAllowed, NotFound, RateLimited, StayError
from .models import ApiToken, Store

Permission = Callable[[Any], bool]
_permissions: dict[str, Permission] = {}


def register_permission(name: str, decide: Permission) -> None:
    """``decide(user)``: whether the token's user may do what ``name`` stands for. The app that
    knows roles (the inbox: agents, leads, admins) registers the deciders; an API below it asks
    through :func:`permission_required` without importing it."""
    _permissions[name] = decide


def permission_required(request: HttpRequest, name: str, what: str) -> None:
    """Raise NotAllowed (403) unless the token's user may do ``name``; nobody may do what no
    decider was registered for."""
    decide = _permissions.get(name)
    if decide is None or not decide(request.user):
        raise NotAllowed(f"{what} needs the token of a lead or an admin", code="not_allowed")


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
    for refused in (DataError, OverflowError):
        api.add_exception_handler(refused, partial(_refused_by_database, api))  # type: ignore[arg-type]


# Times and dates the API takes: between these years, so that no comparison or conversion a
# database makes can overflow (0170-09-27T01:35:05+18:19 was a 500).
EARLIEST, LATEST = 1970, 2200


def _sane_datetime(value: datetime) -> datetime:
    try:
        in_utc = value.astimezone(UTC) if value.tzinfo is not None else value
    except OverflowError:
        in_utc = None  # past year 1 or 9999 in UTC
    if in_utc is None or not EARLIEST <= in_utc.year <= LATEST:
        raise ValueError(f"must be between the years {EARLIEST} and {LATEST}")
    return value


def _sane_date(value: date) -> date:
    if not EARLIEST <= value.year <= LATEST:
        raise ValueError(f"must be between the years {EARLIEST} and {LATEST}")
    return value


When = Annotated[datetime, AfterValidator(_sane_datetime)]
Day = Annotated[date, AfterValidator(_sane_date)]


class Pages(PageNumberPagination):
    """50 a page, and a page number a database can hold (a page of 10^20 was a 500)."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int | None = Field(None, ge=1, le=100)

    def __init__(self, page_size: int = 50, **kwargs: Any) -> None:
        super().__init__(page_size=page_size, **kwargs)


def _refused_by_database(api: NinjaAPI, request: HttpRequest, exc: Exception) -> HttpResponse:
    # The last guard: a value that passed validation but that the database cannot hold.
    return api.create_response(request, {"detail": f"a value is out of range: {exc}"[:300]}, status=400)
