"""Refunds back to the platform: the one function that decides whether a refund may be
requested, called by every path that refunds (the console's order panel, returns, the API).

Money leaves through a :class:`PlatformCall` sent after commit, so an order's refundable amount
is its total less what the platform reports refunded *and* less every refund call requested and
not failed whose refund has not come back yet. The check and the request run under the order's
row lock, so two clicks, two agents or two workers cannot both take the last of it."""

from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from stay.conversations.limits import NeedsLead, refund_allowance, store_day_start
from stay.core.errors import Conflict, InvalidInput
from stay.core.money import amount_check
from stay.orders.models import Order
from stay.orders.selectors import refund_platform_ids
from stay.orders.services import order_lock

from .calls import platform_call_request
from .models import CallStatus, PlatformCall

ZERO = Decimal("0")


def _live_refunds() -> Q:
    """Refund calls that took, or may still take, money: all but the failed ones."""
    return Q(action="create_refund") & ~Q(status=CallStatus.FAILED)


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
    total = PlatformCall.objects.filter(_live_refunds(), user_id=user.pk, **where).aggregate(t=Sum("amount"))["t"]
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
    if user is None:
        return
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


def refund_request(
    *,
    order: Order,
    amount: Decimal,
    idempotency_key: str,
    requested_by: str,
    user: AbstractBaseUser | None,
    line_items: list[dict[str, Any]] | None = None,
    note: str = "",
) -> PlatformCall:
    """Check (:func:`refund_check`) and request a refund of ``amount`` on ``order``, sent to the
    platform after commit. The same key again returns the first call, checked nothing twice."""
    with transaction.atomic():
        locked = order_lock(order_id=order.pk)
        params = {
            "order_id": locked.platform_id,
            "line_items": line_items or [],
            "note": note,
            "currency": locked.currency,
            "transactions": [{"kind": "refund", "gateway": "original", "amount": str(amount)}],
        }
        repeat = PlatformCall.objects.filter(store_id=locked.store_id, idempotency_key=idempotency_key).exists()
        if not repeat:
            refund_check(order=locked, amount=amount, user=user)
        return platform_call_request(
            store=locked.store,
            action="create_refund",
            params=params,
            idempotency_key=idempotency_key,
            requested_by=requested_by,
            order=locked,
            amount=amount,
            user=user,
        )
