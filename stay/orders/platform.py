"""The store's platform as a port (issue 20): what Stay asks of Shopify (or any platform) goes
through here, and the platform's connector does it.

A connector registers one :class:`Platform` per platform name in its ``AppConfig.ready()``
(``connectors/shopify`` for ``shopify``, with its fake for tests). Apps above ask through the
functions below and never import a connector, so a second platform is one more adapter and
nothing above changes. A request is durable: recorded in the caller's transaction with an
idempotency key, sent after commit, retried on the platform's transient errors; its state is
asked by id.
"""

from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Requested:
    """A request to the platform as it stands: ``state`` is queued, sending, sent, failed or
    unknown (the worker died mid-request; a person checks)."""

    id: int
    action: str
    state: str
    result: dict[str, Any] = field(default_factory=dict)
    error: str = ""

    @property
    def done(self) -> bool:
        return self.state == "sent"

    @property
    def failed(self) -> bool:
        return self.state in ("failed", "unknown")


class Platform(Protocol):
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

    def state(self, *, request_id: int) -> Requested: ...


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
    return _of(store).state(request_id=request_id)
