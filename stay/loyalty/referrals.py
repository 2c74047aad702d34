"""Referrals: a member's code brings a friend a first-order discount, and the member points
once the friend's first order has passed its pending period. The fraud rules are here, in one
place, and every refusal is recorded with its reason:

- no self-referral: the same customer, any shared mailbox (as its provider reads it: Gmail's
  dots and +tags) or phone number, and (when the friend's order comes) the same shipping
  address as one of the referrer's orders;
- the friend must be new: no order yet, and not referred before;
- at most the store's number of referrals per referrer per month.
"""

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stay.core.errors import Conflict, NotFound
from stay.core.models import Store
from stay.customers.identities import people_of
from stay.customers.inputs import CustomerInput
from stay.customers.models import Customer
from stay.customers.services import customer_resolve
from stay.orders.models import Order
from stay.orders.platform import CREATE_DISCOUNT, platform_request

from .ledger import award, lock_member
from .models import Cause, LoyaltyEvent, Member, OrderPoints, Referral, ReferralState
from .rewards import single_use_discount
from .services import settings_for

REASONS = {
    "self": gettext_lazy("A member cannot refer themselves."),
    "not_new": gettext_lazy("Only a new customer can be referred."),
    "already_referred": gettext_lazy("This friend was referred already."),
    "limit": gettext_lazy("This member has referred as many friends as the store allows this month."),
    "same_address": gettext_lazy("The friend's order went to the referrer's address."),
}
CODE_DAYS = 90


class Refused(Conflict):
    code = "referral_refused"


def referral_accept(*, store: Store, code: str, email: str = "", phone: str = "", actor: str) -> Referral:
    """A friend arrives with a member's referral code. Answers the invitation (with the
    friend's first-order code when the store gives one), or raises :class:`Refused` having
    recorded why."""
    settings = settings_for(store)
    if not settings.enabled:
        raise Conflict(_("This store has no loyalty programme."), code="programme_off")
    referrer = (
        Member.objects.select_related("customer")
        .filter(store=store, referral_code=code.strip().upper(), closed_into__isnull=True)
        .first()
    )
    if referrer is None:
        raise NotFound(_("No member has the referral code %(code)s.") % {"code": code}, code="unknown_code")
    friend = customer_resolve(store=store, data=CustomerInput(email=email, phone=phone), actor=actor)
    with transaction.atomic():
        referrer = lock_member(referrer.pk)
        reason = _refusal(referrer, friend, settings.referral_monthly_limit)
        if reason:
            referral = Referral.objects.create(
                store=store, referrer=referrer, friend=friend, state=ReferralState.REFUSED, reason=reason
            )
            _log(referral, "referral_refused", actor, reason=reason)
        else:
            referral = Referral.objects.create(
                store=store, referrer=referrer, friend=friend, state=ReferralState.INVITED
            )
            if settings.referral_friend_value > 0:
                referral.code = f"FRIEND-{referral.pk:05d}{referrer.referral_code[:3]}"
                referral.request_id = platform_request(
                    store=store,
                    action=CREATE_DISCOUNT,
                    params=_friend_discount(referral, friend, settings.referral_friend_value),
                    idempotency_key=f"referral:{referral.pk}",
                    requested_by="loyalty referral",
                ).id
                referral.save(update_fields=["code", "request_id"])
            _log(referral, "referral_invited", actor)
    if referral.state == ReferralState.REFUSED:
        raise Refused(str(REASONS[referral.reason]))
    return referral


def _refusal(referrer: Member, friend: Customer, monthly_limit: int) -> str:
    if friend.pk == referrer.customer_id or friend.merged_into_id == referrer.customer_id:
        return "self"
    if set(people_of(friend)) & set(people_of(referrer.customer)):
        return "self"
    if friend.orders_count or Order.objects.filter(customer=friend).exists():
        return "not_new"
    if Referral.objects.filter(friend=friend).exclude(state=ReferralState.REFUSED).exists():
        return "already_referred"
    month = timezone.now() - timedelta(days=30)
    made = Referral.objects.filter(referrer=referrer, created_at__gte=month).exclude(state=ReferralState.REFUSED)
    if made.count() >= monthly_limit:
        return "limit"
    return ""


def _friend_discount(referral: Referral, friend: Customer, value: Any) -> dict[str, Any]:
    now = timezone.now()
    return single_use_discount(
        customer=friend,
        code=referral.code,
        value_type="fixed_amount",
        value=value,
        starts=now,
        ends=now + timedelta(days=CODE_DAYS),
        title=f"Referral {referral.code}",
    )


def referral_reward(lot: OrderPoints, now: datetime) -> None:
    """Called as an order's points are released (in that transaction): the friend's first
    order pays the referrer, unless it went to the referrer's own address."""
    order = lot.order
    referral = (
        Referral.objects.select_for_update()
        .select_related("referrer__customer")
        .filter(friend_id=order.customer_id, state=ReferralState.INVITED)
        .first()
    )
    if referral is None:
        return
    referral.order = order
    if _address(order.shipping_address) and _address(order.shipping_address) in _addresses(referral.referrer):
        referral.state, referral.reason = ReferralState.REFUSED, "same_address"
        referral.save(update_fields=["order", "state", "reason", "updated_at"])
        _log(referral, "referral_refused", "system:loyalty", reason="same_address")
        return
    settings = settings_for(lot.store)
    referrer = lock_member(referral.referrer_id)
    if settings.referral_points:
        award(
            referrer,
            settings.referral_points,
            cause=Cause.RULE,
            key=f"referral:{referral.pk}",
            actor="system:loyalty",
            memo=_("Referral"),
            now=now,
        )
    referral.state = ReferralState.REWARDED
    referral.save(update_fields=["order", "state", "updated_at"])
    _log(referral, "referral_rewarded", "system:loyalty", points=settings.referral_points)


def _address(address: dict[str, Any] | None) -> tuple[str, ...] | None:
    if not address:
        return None
    parts = (address.get("address1"), address.get("zip"), address.get("country_code") or address.get("country"))
    found = tuple(" ".join(str(p or "").lower().split()) for p in parts)
    return found if found[0] else None


def _addresses(member: Member) -> set[tuple[str, ...]]:
    rows = Order.objects.filter(Q(customer=member.customer)).values_list("shipping_address", flat=True)
    return {a for a in (_address(row) for row in rows) if a}


def _log(referral: Referral, kind: str, actor: str, **data: Any) -> None:
    LoyaltyEvent.objects.create(
        store_id=referral.store_id,
        member=referral.referrer,
        kind=kind,
        actor=actor,
        data={"referral": referral.pk, "friend": referral.friend_id, **data},
    )
