"""Refunds back to the platform: the one function that decides whether a refund may be
requested, called by every path that refunds (the console's order panel, returns, the API).

Money leaves through a :class:`PlatformCall` sent after commit, so an order's refundable amount
is its total less what the platform reports refunded *and* less every refund call requested and
not failed whose refund has not come back yet. The check and the request run under the order's
row lock, so two clicks, two agents or two workers cannot both take the last of it."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from stay.conversations.limits import NeedsLead, refund_allowance, store_day_start
from stay.conversations.models import Conversation
from stay.core.errors import Conflict, InvalidInput
from stay.core.money import amount_check
from stay.orders.models import Order
from stay.orders.selectors import line_paid, refund_platform_ids
from stay.orders.services import order_lock

from .calls import platform_call_request
from .models import CallAction, CallStatus, PlatformCall

ZERO = Decimal("0")


def _live_refunds() -> Q:
    """Refund calls that took, or may still take, money: all but the failed ones."""
    return Q(action=CallAction.CREATE_REFUND) & ~Q(status=CallStatus.FAILED)


def _live_given() -> Q:
    """What an agent gave back, for their limits: refunds and free replacements not failed."""
    return Q(action__in=(CallAction.CREATE_REFUND, CallAction.CREATE_ORDER)) & ~Q(status=CallStatus.FAILED)


def refunds_in_flight(order: Order) -> Decimal:
    """Refunds requested on ``order`` that the platform has not reported back yet: queued,
    being sent, of unknown outcome, or sent and not yet seen in a refunds webhook."""
    landed = refund_platform_ids(order=order)
    calls = PlatformCall.objects.filter(_live_refunds(), order=order).values_list("status", "result_id", "amount")
    return sum(
        (amount or ZERO for status, result, amount in calls if not (status == CallStatus.SENT and result in landed)),
        ZERO,
    )


def refundable(order: Order) -> Decimal:
    """What may still be refunded on ``order``."""
    return max(order.total - order.total_refunded - refunds_in_flight(order), ZERO)


def _requested(user: AbstractBaseUser, **where: Any) -> Decimal:
    total = PlatformCall.objects.filter(_live_given(), user_id=user.pk, **where).aggregate(t=Sum("amount"))["t"]
    return Decimal(total or 0)


def refund_check(*, order: Order, amount: Decimal, user: AbstractBaseUser | None) -> None:
    """Raise unless ``amount`` may be refunded on ``order`` now, by ``user`` (None: the store's
    own rules, e.g. a return they approved; then only the order's money bounds it). The
    caller holds the order's row lock (:func:`refund_request` takes it)."""
    store = order.store
    if amount <= 0:
        raise InvalidInput(_("Nothing is left to refund on %(name)s.") % {"name": order.name}, code="nothing_to_refund")
    amount_check(amount, limit=store.amount_max, what=_("refund"))
    left = refundable(order)
    if amount > left:
        raise Conflict(
            _("At most %(max)s %(currency)s can be refunded on this order.")
            % {"max": left, "currency": order.currency},
            code="over_refundable",
        )
    if user is not None:
        _within_allowance(order=order, amount=amount, user=user)


def _within_allowance(*, order: Order, amount: Decimal, user: AbstractBaseUser) -> None:
    """``user``'s refund limits, which also count the free replacements they sent: at once, on
    this order, today."""
    store = order.store
    allowance = refund_allowance(user, store)
    money = {"currency": order.currency}
    if allowance.at_once is not None and amount > allowance.at_once:
        raise NeedsLead(_("Refunds over %(limit)s %(currency)s need a lead.") % {"limit": allowance.at_once, **money})
    if allowance.per_order is not None:
        done = _requested(user, order=order)
        if done + amount > allowance.per_order:
            raise NeedsLead(
                _("You have refunded %(done)s %(currency)s on this order; more than %(limit)s needs a lead.")
                % {"done": done, "limit": allowance.per_order, **money}
            )
    if allowance.per_day is not None:
        done = _requested(user, created_at__gte=store_day_start(store))
        if done + amount > allowance.per_day:
            raise NeedsLead(
                _("You have refunded %(done)s %(currency)s today; more than %(limit)s a day needs a lead.")
                % {"done": done, "limit": allowance.per_day, **money}
            )


def replacement_value(order: Order, quantities: dict[int, int]) -> tuple[list[dict[str, Any]], Decimal]:
    """The lines to ship again at no charge and what they are worth (what the shopper paid)."""
    lines = {line.pk: line for line in order.lines.all()}
    items, value = [], ZERO
    for line_id, quantity in sorted(quantities.items()):
        line = lines.get(line_id)
        if line is None:
            raise InvalidInput(_("Line %(id)s is not on this order.") % {"id": line_id})
        if not 0 < quantity <= line.quantity:
            raise InvalidInput(
                _("Replace between 1 and %(max)s of %(title)s.") % {"max": line.quantity, "title": line.title}
            )
        if not line.variant_platform_id:
            raise InvalidInput(_("%(title)s is no longer sold: it cannot be sent again.") % {"title": line.title})
        items.append({"variant_id": line.variant_platform_id, "quantity": quantity, "price": "0.00"})
        value += line_paid(line, quantity)
    if not items:
        raise InvalidInput(_("Choose the items to replace and how many of each."))
    return items, value


def replacement_check(*, order: Order, quantities: dict[int, int], user: AbstractBaseUser) -> Decimal:
    """What a replacement of these lines would give away, if ``user`` may send it (raises if not):
    the confirmation an agent sees before anything is asked of the store."""
    _items, value = replacement_value(order, quantities)
    amount_check(value, limit=order.store.amount_max, what=_("replacement"))
    _within_allowance(order=order, amount=value, user=user)
    return value


def _checked_request(
    *,
    order: Order,
    action: str,
    params: dict[str, Any],
    amount: Decimal,
    check: Callable[[Order], object],
    idempotency_key: str,
    requested_by: str,
    user: AbstractBaseUser | None,
    conversation: Conversation | None,
) -> PlatformCall:
    """Under the order's row lock: ``check`` (unless the same key came before), then the call."""
    with transaction.atomic():
        locked = order_lock(order_id=order.pk)
        repeat = PlatformCall.objects.filter(store_id=locked.store_id, idempotency_key=idempotency_key).exists()
        if not repeat:
            check(locked)
        return platform_call_request(
            store=locked.store,
            action=action,
            params=params,
            idempotency_key=idempotency_key,
            requested_by=requested_by,
            order=locked,
            amount=amount,
            user=user,
            conversation=conversation,
        )


def replacement_request(
    *,
    order: Order,
    quantities: dict[int, int],
    note: str,
    idempotency_key: str,
    requested_by: str,
    user: AbstractBaseUser,
    conversation: Conversation | None = None,
) -> PlatformCall:
    """Ship chosen lines of ``order`` again at no charge (a damaged or lost item). What is given
    away, the lines' paid value, counts against ``user``'s refund limits like a refund."""
    items, value = replacement_value(order, quantities)
    params = {
        "line_items": items,
        "email": order.email,
        "shipping_address": order.shipping_address,
        "note": _("Replacement for %(name)s. %(note)s") % {"name": order.name, "note": note},
        "tags": ["replacement", f"replaces:{order.name}"],
        "financial_status": "paid",
        "currency": order.currency,
    }
    return _checked_request(
        order=order,
        action=CallAction.CREATE_ORDER,
        params=params,
        amount=value,
        check=lambda locked: replacement_check(order=locked, quantities=quantities, user=user),
        idempotency_key=idempotency_key,
        requested_by=requested_by,
        user=user,
        conversation=conversation,
    )


def refund_request(
    *,
    order: Order,
    amount: Decimal,
    idempotency_key: str,
    requested_by: str,
    user: AbstractBaseUser | None,
    line_items: list[dict[str, Any]] | None = None,
    note: str = "",
    conversation: Conversation | None = None,
) -> PlatformCall:
    """Check (:func:`refund_check`) and request a refund of ``amount`` on ``order``, sent to the
    platform after commit. The same key again returns the first call, checked nothing twice."""
    params = {
        "order_id": order.platform_id,
        "line_items": line_items or [],
        "note": note,
        "currency": order.currency,
        "transactions": [{"kind": "refund", "gateway": "original", "amount": str(amount)}],
    }
    return _checked_request(
        order=order,
        action=CallAction.CREATE_REFUND,
        params=params,
        amount=amount,
        check=lambda locked: refund_check(order=locked, amount=amount, user=user),
        idempotency_key=idempotency_key,
        requested_by=requested_by,
        user=user,
        conversation=conversation,
    )
