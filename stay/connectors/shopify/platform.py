"""The Shopify connector behind the platform port (``stay.orders.platform``): the port's
requests are this connector's durable platform calls, its refund checks are ``refunds``."""

from decimal import Decimal
from typing import Any

from stay.conversations.models import Conversation
from stay.core.errors import NotFound
from stay.core.models import Store
from stay.orders.models import Order
from stay.orders.platform import Requested

from .calls import platform_call_request, platform_call_retry
from .models import PlatformCall
from .refunds import refund_check, refund_request, refundable, replacement_check, replacement_request
from .selectors import calls_of_orders, conversations_in_trouble


class ShopifyPlatform:
    """The Shopify connector behind the platform port (``stay.orders.platform``)."""

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
    ) -> Requested:
        call = platform_call_request(
            store=store,
            action=action,
            params=params,
            idempotency_key=idempotency_key,
            requested_by=requested_by,
            order=order,
            amount=amount,
            user=user,
            conversation=_conversation(conversation_id),
        )
        return requested(call)

    def state(self, *, store: Store, request_id: int) -> Requested:
        return requested(_call(store, request_id))

    def retry(self, *, store: Store, request_id: int, user: Any) -> Requested:
        return requested(platform_call_retry(call_id=_call(store, request_id).pk, user=user))

    def refundable(self, order: Order) -> Decimal:
        return refundable(order)

    def refund_check(self, *, order: Order, amount: Decimal, user: Any) -> None:
        refund_check(order=order, amount=amount, user=user)

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
    ) -> Requested:
        return requested(
            refund_request(
                order=order,
                amount=amount,
                idempotency_key=idempotency_key,
                requested_by=requested_by,
                user=user,
                line_items=line_items,
                note=note,
                conversation=_conversation(conversation_id),
            )
        )

    def replacement_check(self, *, order: Order, quantities: dict[int, int], user: Any) -> Decimal:
        return replacement_check(order=order, quantities=quantities, user=user)

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
    ) -> Requested:
        return requested(
            replacement_request(
                order=order,
                quantities=quantities,
                note=note,
                idempotency_key=idempotency_key,
                requested_by=requested_by,
                user=user,
                conversation=_conversation(conversation_id),
            )
        )

    def requests_of_orders(self, order_ids: list[int], *, limit: int) -> dict[int, list[Requested]]:
        return {
            order_id: [requested(call) for call in calls]
            for order_id, calls in calls_of_orders(order_ids, limit=limit).items()
        }

    def conversations_in_trouble(self, conversation_ids: list[int]) -> set[int]:
        return conversations_in_trouble(conversation_ids)


def _call(store: Store, request_id: int) -> PlatformCall:
    call = PlatformCall.objects.select_related("order").filter(pk=request_id, store=store).first()
    if call is None:
        raise NotFound(f"no request {request_id} for this store")
    return call


def _conversation(conversation_id: int | None) -> Conversation | None:
    return Conversation.objects.filter(pk=conversation_id).first() if conversation_id else None


def requested(call: PlatformCall) -> Requested:
    """A call as the platform port describes it."""
    return Requested(
        id=call.pk,
        action=call.action,
        state=call.status,
        result=call.response or {},
        error=call.last_error,
        params=call.params,
        amount=call.amount,
        order_id=call.order_id,
        created_at=call.created_at,
        summary=call.summary(),
        state_label=str(call.get_status_display()),
    )
