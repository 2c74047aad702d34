"""Reading loyalty: a member's balances and progress (one row read), their history, the
rewards on offer, and the programme's figures (the liability, like gift cards')."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from stay.core.models import Store
from stay.customers.models import Customer

from .models import Bucket, Cause, LotState, Member, Movement, OrderPoints, Redemption, Reward, Tier, TierShipping
from .services import expires_at, settings_for
from .tiers import tier_score


@dataclass(frozen=True)
class Balance:
    available: int
    pending: int
    owed: int
    tier: str
    next_tier: str
    to_next_tier: Decimal | None
    referral_code: str
    next_release_at: datetime | None
    # The tier's benefits, for a storefront to apply at its checkout: free_shipping,
    # early_access, priority_support (the inbox applies that one itself).
    benefits: tuple[str, ...] = ()
    # The tier's reusable free-shipping code on the platform (only its members can use it).
    free_shipping_code: str = ""


def balance_of(customer: Customer) -> Balance | None:
    """What a shopper has; None for one who never earned (nothing is made for a read)."""
    return balance_by_id(store_id=customer.store_id, customer_id=customer.merged_into_id or customer.pk)


def balance_by_id(*, store_id: int, customer_id: int) -> Balance | None:
    """:func:`balance_of` by the customer's id, in one indexed read (the API's hot path)."""
    member = (
        Member.objects.select_related("tier__shipping")
        .filter(customer_id=customer_id, store_id=store_id, closed_into__isnull=True)
        .only(
            "available",
            "pending",
            "owed",
            "tier__name",
            "tier__threshold",
            "tier__free_shipping",
            "tier__shipping__code",
            "tier__early_access",
            "tier__priority_support",
            "referral_code",
            "store_id",
        )
        .first()
    )
    return None if member is None else _balance(member)


def _balance(member: Member, *, progress: bool = False) -> Balance:
    next_tier, gap = "", None
    if progress:
        above = Tier.objects.filter(store_id=member.store_id)
        if member.tier is not None:
            above = above.filter(threshold__gt=member.tier.threshold)
        following = above.order_by("threshold").first()
        if following is not None:
            score = tier_score(member, settings_for(member.store), timezone.now())
            next_tier, gap = following.name, max(following.threshold - score, Decimal("0"))
    release = (
        OrderPoints.objects.filter(member=member, state=LotState.PENDING, counted__gt=0)
        .order_by("release_at")
        .values_list("release_at", flat=True)
        .first()
        if progress and member.pending
        else None
    )
    return Balance(
        available=member.available,
        pending=member.pending,
        owed=member.owed,
        tier=member.tier.name if member.tier else "",
        next_tier=next_tier,
        to_next_tier=gap,
        referral_code=member.referral_code,
        next_release_at=release,
        benefits=tuple(
            name
            for name in ("free_shipping", "early_access", "priority_support")
            if member.tier is not None and getattr(member.tier, name)
        ),
        free_shipping_code=_shipping_code(member.tier),
    )


def _shipping_code(tier: Tier | None) -> str:
    if tier is None or not tier.free_shipping:
        return ""
    try:
        return tier.shipping.code
    except TierShipping.DoesNotExist:  # not made yet (the next push makes it)
        return ""


def has_priority_support(customer_id: int) -> bool:
    """Whether the customer's tier gives priority support (the inbox raises their new
    conversations' priority)."""
    return Member.objects.filter(customer_id=customer_id, tier__priority_support=True).exists()


def members_of_tiers(*, store: Store, names: list[str] | None) -> QuerySet[Member, Any]:
    """The customer ids of the members of the named tiers (None: of every tier with early
    access), for a campaign's audience."""
    members = Member.objects.filter(store=store, closed_into__isnull=True, tier__isnull=False)
    members = members.filter(tier__name__in=names) if names is not None else members.filter(tier__early_access=True)
    return members.values("customer_id")


def standing_of(customer: Customer) -> Balance | None:
    """:func:`balance_of` with the progress to the next tier and the next release."""
    member = (
        Member.objects.select_related("tier__shipping", "store")
        .filter(customer_id=customer.merged_into_id or customer.pk)
        .first()
    )
    return None if member is None else _balance(member, progress=True)


def history_of(customer: Customer, *, limit: int = 50) -> list[dict[str, Any]]:
    """The member's movements, newest first, each with its change per bucket."""
    member = Member.objects.filter(customer_id=customer.merged_into_id or customer.pk).first()
    if member is None:
        return []
    movements = list(Movement.objects.filter(member=member).prefetch_related("entries")[:limit])
    rows = []
    for movement in movements:
        change = dict.fromkeys(Bucket.values, 0)
        for entry in movement.entries.all():
            change[entry.bucket] += entry.points
        rows.append(
            {
                "id": movement.pk,
                "at": movement.created_at,
                "cause": movement.cause,
                "label": str(Cause(movement.cause).label),
                "memo": movement.memo,
                "order_id": movement.order_id,
                **change,
            }
        )
    return rows


def rewards_of(store: Store) -> list[Reward]:
    return list(Reward.objects.filter(store=store, active=True).select_related("variant"))


def programme_report(store: Store) -> dict[str, Any]:
    """Members; points issued, redeemed, expired and outstanding (the liability); and the
    repeat-purchase rate of members against everyone else."""
    entries = Movement.objects.filter(store=store)

    def total(cause: str, bucket: str) -> int:
        return int(
            entries.filter(cause=cause).aggregate(t=Sum("entries__points", filter=Q(entries__bucket=bucket)))["t"] or 0
        )

    balances = Member.objects.filter(store=store).aggregate(
        members=Count("pk", filter=Q(closed_into__isnull=True)),
        available=Sum("available"),
        pending=Sum("pending"),
        owed=Sum("owed"),
    )
    member_ids = Member.objects.filter(store=store, closed_into__isnull=True).values("customer_id")
    buyers = Customer.objects.filter(store=store, merged_into__isnull=True, orders_count__gte=1)

    def repeat(rows: Any) -> float | None:
        counts = rows.aggregate(all=Count("pk"), repeat=Count("pk", filter=Q(orders_count__gte=2)))
        return round(counts["repeat"] / counts["all"], 4) if counts["all"] else None

    return {
        "members": balances["members"] or 0,
        "issued": total(Cause.RELEASE, Bucket.AVAILABLE) + total(Cause.RULE, Bucket.AVAILABLE),
        "pending": int(balances["pending"] or 0),
        "redeemed": -total(Cause.REWARD, Bucket.AVAILABLE),
        "expired": -total(Cause.EXPIRY, Bucket.AVAILABLE),
        "outstanding": int(balances["available"] or 0),
        "owed": int(balances["owed"] or 0),
        "repeat_rate_members": repeat(buyers.filter(pk__in=member_ids)),
        "repeat_rate_others": repeat(buyers.exclude(pk__in=member_ids)),
    }


def expiry_of(customer: Customer) -> datetime | None:
    """When the customer's available points expire (None: they have none, or never)."""
    member = Member.objects.select_related("store").filter(customer=customer, closed_into__isnull=True).first()
    if member is None or not member.available:
        return None
    return expires_at(member, settings_for(member.store))


def birthday_of(customer: Customer) -> date | None:
    return Member.objects.filter(customer=customer).values_list("birthday", flat=True).first()


def redemptions_of(customer: Customer, *, limit: int = 10) -> list[Redemption]:
    return list(Redemption.objects.filter(member__customer=customer).select_related("reward")[:limit])
