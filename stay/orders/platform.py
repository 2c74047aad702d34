"""The store's platform as a port (issue 20): what Stay asks of Shopify (or any platform) goes
through here, and the platform's connector does it.

A connector registers one :class:`Platform` per platform name in its ``AppConfig.ready()``
(``connectors/shopify`` for ``shopify``, with its fake for tests). Apps above ask through the
functions below and never import a connector, so a second platform is one more adapter and
nothing above changes. A request is durable: recorded in the caller's transaction with an
idempotency key, sent after commit, retried on the platform's transient errors; its state is
asked by id. When a request has gone through (``sent``), failed for good (``failed``) or may
or may not have gone through (``unknown``), the connector publishes ``platform.settled``
with ``request_id``, ``key`` (the caller's idempotency key), ``state`` and ``error``.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from stay.core.errors import InvalidInput
from stay.core.models import Store

from .models import Order

# What may be asked of a platform.
REFUND = "create_refund"
CANCEL_ORDER = "cancel_order"
CREATE_ORDER = "create_order"
ADJUST_STOCK = "adjust_inventory"
CREATE_DISCOUNT = "create_discount"
# Free shipping under one reusable code for a list of the platform's customers (a tier's
# members); each request replaces the list. Params: code, title, customer_ids, starts_at.
MEMBERS_DISCOUNT = "members_discount"
# States of a request still on its way; and of one a person must look at.
PENDING = ("queued", "sending")
TROUBLE = ("failed", "unknown")


@dataclass(frozen=True)
class Requested:
    """A request to the platform as it stands: ``state`` is queued, sending, sent, failed or
    unknown (the worker died mid-request; a person checks)."""

    id: int
    action: str
    state: str
    result: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    amount: Decimal | None = None
    order_id: int | None = None
    created_at: datetime | None = None
    summary: str = ""  # what a person reads: "Refund of 10.00 USD on #1001"
    state_label: str = ""

    @property
    def done(self) -> bool:
        return self.state == "sent"

    @property
    def failed(self) -> bool:
        return self.state in ("failed", "unknown")


class Platform(Protocol):
    """What a store platform's connector does for Stay. Money decisions (how much of an order
    may still be refunded, an agent's limits) are the connector's, in one place, because they
    count the requests on their way to the platform as well as what it reported."""

    def request(
        self,
        *,
        store: Store,
        action: str,
        params: dict[str, Any],
        idempotency_key: str,
        requested_by: str,
        order: Order | None,
        amount: Decimal | None,
        user: Any,
        conversation_id: int | None,
    ) -> Requested: ...

    def state(self, *, store: Store, request_id: int) -> Requested:
        """Raises NotFound for a request that is not ``store``'s."""
        ...

    def retry(self, *, store: Store, request_id: int, user: Any) -> Requested: ...

    def refundable(self, order: Order) -> Decimal: ...

    def refund_check(self, *, order: Order, amount: Decimal, user: Any) -> None: ...

    def refund_request(
        self,
        *,
        order: Order,
        amount: Decimal,
        idempotency_key: str,
        requested_by: str,
        user: Any,
        line_items: list[dict[str, Any]] | None,
        note: str,
        conversation_id: int | None,
    ) -> Requested: ...

    def replacement_check(self, *, order: Order, quantities: dict[int, int], user: Any) -> Decimal: ...

    def replacement_request(
        self,
        *,
        order: Order,
        quantities: dict[int, int],
        note: str,
        idempotency_key: str,
        requested_by: str,
        user: Any,
        conversation_id: int | None,
    ) -> Requested: ...

    def requests_of_orders(self, order_ids: list[int], *, limit: int) -> dict[int, list[Requested]]: ...

    def conversations_in_trouble(self, conversation_ids: list[int]) -> set[int]: ...


_platforms: dict[str, Platform] = {}


def register_platform(name: str, platform: Platform) -> None:
    _platforms[name] = platform


def _of(store: Store) -> Platform:
    try:
        return _platforms[store.platform]
    except KeyError:
        raise InvalidInput(f"no connector is installed for the platform {store.platform!r}") from None


def platform_request(
    *,
    store: Store,
    action: str,
    params: dict[str, Any],
    idempotency_key: str,
    requested_by: str,
    order: Order | None = None,
    amount: Decimal | None = None,
    user: Any = None,
    conversation_id: int | None = None,
) -> Requested:
    """Ask the store's platform for ``action``, once per ``idempotency_key`` (the same key
    returns the first request; with other parameters it is a conflict). Sent after commit."""
    return _of(store).request(
        store=store,
        action=action,
        params=params,
        idempotency_key=idempotency_key,
        requested_by=requested_by,
        order=order,
        amount=amount,
        user=user,
        conversation_id=conversation_id,
    )


def platform_state(*, store: Store, request_id: int) -> Requested:
    """A request of ``store``'s as it stands (NotFound for any other)."""
    return _of(store).state(store=store, request_id=request_id)


def platform_retry(*, store: Store, request_id: int, user: Any) -> Requested:
    """Send a failed request again (a lead's decision; a refund is checked again)."""
    return _of(store).retry(store=store, request_id=request_id, user=user)


def refundable(order: Order) -> Decimal:
    """What may still be refunded on ``order``: its total less what the platform reported and
    what is on its way."""
    return _of(order.store).refundable(order)


def refund_check(*, order: Order, amount: Decimal, user: Any) -> None:
    """Refuse (NeedsLead, OverLimit, InvalidInput) a refund the order or the user's limits do
    not allow. Caller holds the order's lock when it goes on to request it."""
    _of(order.store).refund_check(order=order, amount=amount, user=user)


def refund_request(
    *,
    order: Order,
    amount: Decimal,
    idempotency_key: str,
    requested_by: str,
    user: Any,
    line_items: list[dict[str, Any]] | None = None,
    note: str = "",
    conversation_id: int | None = None,
) -> Requested:
    """Check and request a refund, once per key."""
    return _of(order.store).refund_request(
        order=order,
        amount=amount,
        idempotency_key=idempotency_key,
        requested_by=requested_by,
        user=user,
        line_items=line_items,
        note=note,
        conversation_id=conversation_id,
    )


def replacement_check(*, order: Order, quantities: dict[int, int], user: Any) -> Decimal:
    """The value a free replacement gives away, checked like a refund of it."""
    return _of(order.store).replacement_check(order=order, quantities=quantities, user=user)


def replacement_request(
    *,
    order: Order,
    quantities: dict[int, int],
    note: str,
    idempotency_key: str,
    requested_by: str,
    user: Any,
    conversation_id: int | None = None,
) -> Requested:
    return _of(order.store).replacement_request(
        order=order,
        quantities=quantities,
        note=note,
        idempotency_key=idempotency_key,
        requested_by=requested_by,
        user=user,
        conversation_id=conversation_id,
    )


def requests_of_orders(order_ids: Iterable[int], *, limit: int = 10) -> dict[int, list[Requested]]:
    """Each order's latest requests, newest first (every installed platform)."""
    ids = list(order_ids)
    found: dict[int, list[Requested]] = {}
    for platform in _platforms.values():
        found.update(platform.requests_of_orders(ids, limit=limit))
    return found


def conversations_in_trouble(conversation_ids: Iterable[int]) -> set[int]:
    """Which of these conversations asked for something that failed or may not have gone through."""
    ids = list(conversation_ids)
    return set().union(*(platform.conversations_in_trouble(ids) for platform in _platforms.values()))
