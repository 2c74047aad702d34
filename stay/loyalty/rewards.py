"""Spending points on a reward: the points are spent and the redemption recorded in one
transaction; a discount code is then made on the store's platform (through the platform
port, durable), and if the platform refuses it for good the points are given back."""

import secrets
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stay.core.db import atomic_with_retry
from stay.core.errors import Conflict, NotFound
from stay.customers.models import Customer, IdentityKind
from stay.giftcards.models import Source
from stay.giftcards.services import Caller, store_credit_grant
from stay.orders.platform import CREATE_DISCOUNT, platform_request

from .ledger import gain, lock_member, post, spend
from .models import Cause, LoyaltyEvent, Redemption, RedemptionState, Reward, RewardKind
from .services import member_of, settings_for

KEY_PREFIX = "loyalty:"


def reward_redeem(*, customer: Customer, reward_id: int, key: str, actor: str) -> Redemption:
    """Spend the member's points on a reward, once per ``key`` (a repeat returns the first
    redemption; the same key for another reward is a conflict). Every path (account page,
    chat, the storefront's API call, an agent) comes here."""
    store = customer.store
    if not key.strip():
        raise Conflict(_("Send an Idempotency-Key: any unique string per redemption."), code="idempotency_key_missing")
    if not settings_for(store).enabled:
        raise Conflict(_("This store has no loyalty programme."), code="programme_off")

    def work() -> Redemption:
        member = lock_member(member_of(customer).pk)
        first = Redemption.objects.filter(store=store, key=key).first()
        if first is not None:
            if first.reward_id != reward_id or first.member_id != member.pk:
                raise Conflict(_("This key was used for another redemption."), code="idempotency_key_reused")
            return first
        reward = Reward.objects.filter(store=store, pk=reward_id, active=True).first()
        if reward is None:
            raise NotFound(_("No reward %(id)s is offered.") % {"id": reward_id}, code="no_reward")
        changes = spend(member, reward.points)
        now = timezone.now()
        redemption = Redemption.objects.create(
            store=store,
            member=member,
            reward=reward,
            points=reward.points,
            key=key,
            state=RedemptionState.MAKING,
            actor=actor,
            expires_at=None if reward.kind == RewardKind.CREDIT else now + timedelta(days=reward.valid_days),
        )
        post(
            member=member,
            cause=Cause.REWARD,
            key=f"redeem:{redemption.pk}",
            changes=changes,
            actor=actor,
            memo=reward.name,
            now=now,
        )
        if reward.kind == RewardKind.CREDIT:
            store_credit_grant(
                customer=member.customer,
                amount=reward.value,
                reason=reward.name,
                caller=Caller(actor, "loyalty"),
                idempotency_key=f"{KEY_PREFIX}{redemption.pk}",
                source=Source.PROMOTION,
            )
            redemption.state = RedemptionState.READY
        else:
            redemption.code = f"PTS-{secrets.token_hex(4).upper()}"
            requested = platform_request(
                store=store,
                action=CREATE_DISCOUNT,
                params=discount_params(reward, redemption, member.customer),
                idempotency_key=f"{KEY_PREFIX}{redemption.pk}",
                requested_by="loyalty reward",
            )
            redemption.request_id = requested.id
        redemption.save(update_fields=["state", "code", "request_id"])
        LoyaltyEvent.objects.create(
            store=store,
            member=member,
            kind="redeemed",
            actor=actor,
            data={"reward": reward.pk, "points": reward.points, "redemption": redemption.pk},
        )
        return redemption

    # A savepoint, not the caller's transaction: a refusal (not enough points) undoes this only.
    with transaction.atomic():
        return work()


def discount_params(reward: Reward, redemption: Redemption, customer: Customer) -> dict[str, Any]:
    """The platform's discount for a reward: one use, for this customer when the platform
    knows them, valid for the reward's days."""
    platform_id = customer.identities.filter(kind=IdentityKind.PLATFORM).values_list("value", flat=True).first()
    assert redemption.expires_at is not None
    params: dict[str, Any] = {
        "code": redemption.code,
        "value_type": "percentage" if reward.kind in (RewardKind.PERCENT, RewardKind.FREE_SHIPPING) else "fixed_amount",
        "value": str(reward.value),
        "minimum": str(reward.minimum) if reward.minimum else "",
        "starts_at": redemption.created_at.isoformat(timespec="seconds"),
        "ends_at": redemption.expires_at.isoformat(timespec="seconds"),
        "customer_id": platform_id or "",
        "title": f"{reward.name} {redemption.code}",
    }
    if reward.kind == RewardKind.FREE_SHIPPING:
        params.update(value="100", target="shipping_line")
    elif reward.kind == RewardKind.PRODUCT:
        variant = reward.variant.platform_id if reward.variant else ""
        params.update(value_type="percentage", value="100", variant_id=variant)
    return params


def is_ours(*, key: str = "", **_ignored: object) -> bool:
    return key.startswith(KEY_PREFIX)


def redemption_settle(*, request_id: int, key: str, state: str, error: str = "", **_ignored: object) -> None:
    """``platform.settled`` (durable) for a reward's code: made (the code is ready), failed for
    good (the points are given back, once), or unknown (the worker died sending it: a person
    checks on the platform, the points stay spent until then)."""
    redemption_id = int(key.removeprefix(KEY_PREFIX))

    def work() -> None:
        redemption = Redemption.objects.select_for_update().filter(pk=redemption_id).first()
        if redemption is None or redemption.state == RedemptionState.GIVEN_BACK:
            return
        if state == "sent":
            redemption.state, redemption.error = RedemptionState.READY, ""
        elif state == "failed":
            member = lock_member(redemption.member_id)
            post(
                member=member,
                cause=Cause.GIVE_BACK,
                key=f"give_back:{redemption.pk}",
                changes=gain(member, redemption.points),
                actor="system:loyalty",
                memo=error[:300],
            )
            redemption.state, redemption.error = RedemptionState.GIVEN_BACK, error[:300]
        else:
            redemption.state, redemption.error = RedemptionState.CHECK, error[:300]
        redemption.save(update_fields=["state", "error", "updated_at"])

    atomic_with_retry(work)
