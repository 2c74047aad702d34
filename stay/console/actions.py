"""Acting on a customer's order from a conversation: cancel, refund, resend the order's
status, send a replacement now. Each action is requested once (an idempotency key from the
form the agent saw), checked against the agent's limits, recorded in the conversation's and
the order's timelines, and sent to the store through the platform port (orders.platform)."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from stay.conversations.limits import credit_limit, points_limit
from stay.conversations.models import Conversation, ConversationEvent
from stay.conversations.services import actor_of, message_send
from stay.core.errors import Conflict, InvalidInput
from stay.core.money import money_text
from stay.giftcards.services import Caller, store_credit_grant
from stay.loyalty.selectors import Balance, balance_of
from stay.loyalty.services import points_adjust
from stay.orders.models import Order, OrderEvent
from stay.orders.platform import (
    CANCEL_ORDER,
    Requested,
    platform_request,
    refund_request,
    refundable,
    replacement_request,
)
from stay.orders.selectors import cancellable, line_paid, status_text

ACTIONS = ("cancel", "refund", "replacement", "resend")


def _refund_lines(order: Order, quantities: dict[int, int]) -> tuple[list[dict[str, Any]], Decimal]:
    lines = {line.pk: line for line in order.lines.all()}
    chosen, amount = [], Decimal("0")
    for line_id, quantity in quantities.items():
        line = lines.get(line_id)
        if line is None:
            raise InvalidInput(_("Line %(id)s is not on this order.") % {"id": line_id})
        if not 0 < quantity <= line.quantity:
            raise InvalidInput(
                _("Refund between 1 and %(max)s of %(title)s.") % {"max": line.quantity, "title": line.title}
            )
        chosen.append({"line_item_id": line.platform_id, "quantity": quantity, "restock_type": "no_restock"})
        amount += line_paid(line, quantity)
    return chosen, amount


def _parse_amount(raw: str) -> Decimal:
    try:
        amount = Decimal(raw.strip())
    except (InvalidOperation, AttributeError):
        raise InvalidInput(_("Enter the amount as a number, e.g. 12.50.")) from None
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput(_("Enter an amount above zero with at most two decimals."))
    return amount


def order_action(
    *,
    conversation: Conversation,
    order: Order,
    action: str,
    agent: AbstractBaseUser,
    idempotency_key: str,
    amount: str = "",
    line_quantities: dict[int, int] | None = None,
    note: str = "",
) -> ConversationEvent:
    """Do ``action`` on ``order`` for the customer of ``conversation``; returns the event
    recorded in the conversation. The same key twice does it once."""
    if action not in ACTIONS:
        raise InvalidInput(_("Unknown action %(action)s.") % {"action": action})
    if order.store_id != conversation.store_id or order.customer_id != conversation.customer_id:
        raise InvalidInput(_("This order is not this customer's."))
    if not idempotency_key:
        raise InvalidInput(_("The form expired: reload the page and try again."))
    actor = actor_of(agent)
    with transaction.atomic():
        done = ConversationEvent.objects.filter(
            conversation=conversation, kind=f"order_{action}", data__key=idempotency_key
        ).first()
        if done is not None:
            return done  # the same request again (a double click, a retried post): done once
        data: dict[str, Any] = {"order": order.name, "key": idempotency_key}
        if action == "resend":
            sent = message_send(conversation=conversation, text=order_status_text(conversation, order), author=agent)
            data["message"] = sent.pk
        elif action == "refund":
            line_items, value = _refund_value(order, amount, line_quantities or {})
            call = refund_request(
                order=order,
                amount=value,
                line_items=line_items,
                note=note,
                idempotency_key=f"console:{idempotency_key}",
                requested_by=actor,
                user=agent,
                conversation_id=conversation.pk,
            )
            data.update(amount=str(value), currency=order.currency, call=call.id)
        elif action == "replacement":
            call = replacement_request(
                order=order,
                quantities=line_quantities or {},
                note=note,
                idempotency_key=f"console:{idempotency_key}",
                requested_by=actor,
                user=agent,
                conversation_id=conversation.pk,
            )
            items = sum(item["quantity"] for item in call.params["line_items"])
            data.update(amount=str(call.amount), currency=order.currency, items=items, reason=note, call=call.id)
        else:
            call = _cancel_request(conversation, order, actor, idempotency_key)
            data.update(call=call.id)
        event = ConversationEvent.objects.create(
            conversation=conversation, kind=f"order_{action}", actor=actor, data=data
        )
        OrderEvent.objects.create(
            order=order, kind=f"{action}_requested", actor=actor, data={**data, "conversation": conversation.pk}
        )
    return event


def action_summary(event: ConversationEvent) -> str:
    """What the agent is told an action did: asked for, not done (the platform answers later;
    the order panel shows when it does)."""
    data = event.data
    order = data.get("order", "")
    if event.kind == "order_refund":
        return _("Refund of %(money)s on %(order)s requested. The order shows when the store confirms it.") % {
            "money": money_text(data["amount"], data["currency"]),
            "order": order,
        }
    if event.kind == "order_replacement":
        return ngettext(
            "Replacement of %(count)s item worth %(money)s requested for %(order)s.",
            "Replacement of %(count)s items worth %(money)s requested for %(order)s.",
            data["items"],
        ) % {"count": data["items"], "money": money_text(data["amount"], data["currency"]), "order": order}
    if event.kind == "order_cancel":
        return _("Cancellation of %(order)s requested. The order shows when the store confirms it.") % {"order": order}
    return _("The status of %(order)s is on its way to the customer: the message shows whether it was sent.") % {
        "order": order
    }


def _cancel_request(conversation: Conversation, order: Order, actor: str, key: str) -> Requested:
    if order.cancelled_at:
        raise Conflict(_("Order %(name)s is already cancelled.") % {"name": order.name})
    if not cancellable(order):
        raise Conflict(_("Order %(name)s has shipped: it can no longer be cancelled.") % {"name": order.name})
    return platform_request(
        store=conversation.store,
        action=CANCEL_ORDER,
        params={"order_id": order.platform_id, "reason": "customer"},
        idempotency_key=f"console:{key}",
        requested_by=actor,
        order=order,
        conversation_id=conversation.pk,
    )


def _refund_value(order: Order, amount: str, quantities: dict[int, int]) -> tuple[list[dict[str, Any]], Decimal]:
    """What the agent asked to refund: some lines, an amount, or (neither) all that is left."""
    if quantities:
        return _refund_lines(order, quantities)
    if amount:
        return [], _parse_amount(amount)
    return [], refundable(order)


def order_status_text(conversation: Conversation, order: Order) -> str:
    """The order's status in the customer's language, with its tracking links."""
    return status_text(order, conversation.customer.locale or conversation.store.default_locale or "en")


def goodwill_credit(
    *, conversation: Conversation, agent: AbstractBaseUser, amount: str, reason: str, idempotency_key: str
) -> dict[str, Any]:
    """Give the conversation's customer store credit as goodwill, within the agent's role's
    limit, recorded in the conversation's activity."""
    value = _parse_amount(amount)
    with transaction.atomic():
        result = store_credit_grant(
            customer=conversation.customer,
            amount=value,
            reason=reason,
            limit=credit_limit(agent, conversation.store),
            caller=Caller(actor_of(agent), "console"),
            idempotency_key=f"console-{idempotency_key}",
        )
        ConversationEvent.objects.get_or_create(
            conversation=conversation,
            kind="store_credit",
            data={"amount": str(value), "reason": reason, "key": idempotency_key},
            defaults={"actor": actor_of(agent)},
        )
    return result


def loyalty_points(
    *, conversation: Conversation, agent: AbstractBaseUser, points: str, reason: str, idempotency_key: str
) -> Balance:
    """Add (or, negative, remove) the conversation's customer's loyalty points with a reason,
    within the agent's role's limit, recorded in the conversation's activity."""
    try:
        value = int(points.strip())
    except ValueError:
        raise InvalidInput(_("Points must be a whole number, e.g. 100 or -50.")) from None
    with transaction.atomic():
        points_adjust(
            customer=conversation.customer,
            points=value,
            reason=reason,
            limit=points_limit(agent, conversation.store),
            actor=actor_of(agent),
            key=f"console-{idempotency_key}",
        )
        ConversationEvent.objects.get_or_create(
            conversation=conversation,
            kind="points",
            data={"points": value, "reason": reason, "key": idempotency_key},
            defaults={"actor": actor_of(agent)},
        )
    balance = balance_of(conversation.customer)
    assert balance is not None
    return balance
