"""Spending points on a reward: the points are spent and the redemption recorded in one
transaction; a discount code is then made on the store's platform (through the platform
port, durable), and if the platform refuses it for good the points are given back."""

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stay.core.db import atomic_with_retry
from stay.core.errors import Conflict, NotFound
from stay.customers.models import Customer, IdentityKind
from stay.giftcards.models import Source
from stay.giftcards.services import Caller, store_credit_grant
from stay.orders.platform import CREATE_DISCOUNT, platform_request

from . import fastpath
from .ledger import Batch, award, lock_member, spend
from .models import Cause, LoyaltyEvent, Redemption, RedemptionState, Reward, RewardKind
from .services import locked_member_of, settings_for

KEY_PREFIX = "loyalty:"
CODES_BATCH = 200


def reward_redeem(*, customer: Customer, reward_id: int, key: str, actor: str) -> Redemption:
    """Spend the member's points on a reward, once per ``key`` (a repeat returns the first
    redemption; the same key for another reward is a conflict). Every path (account page,
    chat, the storefront's API call, an agent) comes here. The points are spent and the
    redemption recorded in one transaction; a discount code is then asked of the platform by
    :func:`codes_request` (the redemption row, ``making``, is what says it must be), store
    credit is given at once."""
    store = customer.store
    if not key.strip():
        raise Conflict(_("Send an Idempotency-Key: any unique string per redemption."), code="idempotency_key_missing")
    if not customer.merged_into_id:
        made = fastpath.redeem(
            store_id=store.pk,
            customer_id=customer.pk,
            reward_id=reward_id,
            key=key,
            code=new_code(),
            actor=actor,
            now=timezone.now(),
        )
        if made is not None:
            from .tasks import codes_soon

            codes_soon()
            return Redemption.objects.select_related("member").get(pk=made)

    def work() -> Redemption:
        member = locked_member_of(customer)
        first = Redemption.objects.filter(store=store, key=key).first()
        if first is not None:
            if first.reward_id != reward_id or first.member_id != member.pk:
                raise Conflict(_("This key was used for another redemption."), code="idempotency_key_reused")
            return first
        reward = Reward.objects.filter(
            store=store, pk=reward_id, active=True, store__loyalty_settings__enabled=True
        ).first()
        if reward is None:
            if not settings_for(store).enabled:
                raise Conflict(_("This store has no loyalty programme."), code="programme_off")
            raise NotFound(_("No reward %(id)s is offered.") % {"id": reward_id}, code="no_reward")
        changes = spend(member, reward.points)
        batch = Batch()
        credit = reward.kind == RewardKind.CREDIT
        redemption = Redemption.objects.create(
            store=store,
            member=member,
            reward=reward,
            points=reward.points,
            key=key,
            code="" if credit else new_code(),
            state=RedemptionState.MAKING,
            actor=actor,
            expires_at=None if credit else batch.now + timedelta(days=reward.valid_days),
        )
        batch.add(
            member, cause=Cause.REWARD, key=f"redeem:{redemption.pk}", changes=changes, actor=actor, memo=reward.name
        )
        batch.write()
        LoyaltyEvent.objects.create(
            store=store,
            member=member,
            kind="redeemed",
            actor=actor,
            data={"reward": reward.pk, "points": reward.points, "redemption": redemption.pk},
        )
        if credit:
            store_credit_grant(
                customer=member.customer,
                amount=reward.value,
                reason=reward.name,
                caller=Caller(actor, "loyalty"),
                idempotency_key=f"{KEY_PREFIX}{redemption.pk}",
                source=Source.PROMOTION,
            )
            redemption.state = RedemptionState.READY
            redemption.save(update_fields=["state"])
        else:
            from .tasks import codes_soon

            codes_soon()
        return redemption

    # A savepoint, not the caller's transaction: a refusal (not enough points) undoes this only.
    with transaction.atomic():
        return work()


def new_code() -> str:
    return f"PTS-{secrets.token_hex(4).upper()}"


def codes_request(*, limit: int = CODES_BATCH) -> int:
    """Ask the platform for the codes of redemptions still ``making`` without a request (the
    platform port records each request durably and sends it after commit). Returns how many."""
    skip = connection.features.has_select_for_update_skip_locked

    def work() -> int:
        waiting = list(
            Redemption.objects.select_for_update(of=("self",), skip_locked=skip)
            .select_related("reward__variant", "member__customer", "store")
            .filter(state=RedemptionState.MAKING, request_id__isnull=True)
            .exclude(reward__kind=RewardKind.CREDIT)
            .order_by("pk")[:limit]
        )
        for redemption in waiting:
            requested = platform_request(
                store=redemption.store,
                action=CREATE_DISCOUNT,
                params=discount_params(redemption.reward, redemption, redemption.member.customer),
                idempotency_key=f"{KEY_PREFIX}{redemption.pk}",
                requested_by="loyalty reward",
            )
            Redemption.objects.filter(pk=redemption.pk).update(request_id=requested.id)
        return len(waiting)

    return atomic_with_retry(work)


def single_use_discount(
    *, customer: Customer, code: str, value_type: str, value: Any, starts: datetime, ends: datetime, title: str
) -> dict[str, Any]:
    """The platform's single-use discount for one shopper (theirs alone when the platform
    knows them): a reward's code, a referred friend's first-order code."""
    platform_id = customer.identities.filter(kind=IdentityKind.PLATFORM).values_list("value", flat=True).first()
    return {
        "code": code,
        "value_type": value_type,
        "value": str(value),
        "minimum": "",
        "starts_at": starts.isoformat(timespec="seconds"),
        "ends_at": ends.isoformat(timespec="seconds"),
        "customer_id": platform_id or "",
        "title": title,
    }


def discount_params(reward: Reward, redemption: Redemption, customer: Customer) -> dict[str, Any]:
    """A reward's discount, valid for the reward's days."""
    assert redemption.expires_at is not None
    params = single_use_discount(
        customer=customer,
        code=redemption.code,
        value_type="percentage" if reward.kind in (RewardKind.PERCENT, RewardKind.FREE_SHIPPING) else "fixed_amount",
        value=reward.value,
        starts=redemption.created_at,
        ends=redemption.expires_at,
        title=f"{reward.name} {redemption.code}",
    )
    if reward.minimum:
        params["minimum"] = str(reward.minimum)
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
            award(
                member,
                redemption.points,
                cause=Cause.GIVE_BACK,
                key=f"give_back:{redemption.pk}",
                actor="system:loyalty",
                memo=error[:300],
            )
            redemption.state, redemption.error = RedemptionState.GIVEN_BACK, error[:300]
        else:
            redemption.state, redemption.error = RedemptionState.CHECK, error[:300]
        redemption.save(update_fields=["state", "error", "updated_at"])

    atomic_with_retry(work)
