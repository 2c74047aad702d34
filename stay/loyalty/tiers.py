"""Tiers: reached by points earned or money spent (pending points don't count), over a lifetime
or the last 12 months. A tier is given at once when it is reached, its entry points only the
first time; it is taken away only by the daily evaluation, after the store's grace period
below its threshold, never on a single refund."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from .ledger import award
from .models import Cause, LotState, LoyaltyEvent, LoyaltySettings, Member, Movement, OrderPoints, Tier, TierBasis

YEAR = timedelta(days=365)
# What counts as earned toward a tier: released order points and bonuses, less what refunds took.
EARNED = (Cause.RELEASE, Cause.RULE, Cause.REFUND)


def tier_score(member: Member, settings: LoyaltySettings, now: datetime) -> Decimal:
    since = now - YEAR if settings.tier_period == "rolling" else None
    if settings.tier_basis == TierBasis.SPEND:
        lots = OrderPoints.objects.filter(member=member, state=LotState.RELEASED)
        if since is not None:
            lots = lots.filter(order__placed_at__gte=since)
        total = Decimal("0")
        for eligible, full, counted in lots.values_list("eligible", "full", "counted"):
            total += eligible if full == counted else (eligible * counted / full if full else Decimal("0"))
        return total
    movements = Movement.objects.filter(member=member, cause__in=EARNED)
    if since is not None:
        movements = movements.filter(created_at__gte=since)
    # Points that became spendable, whether kept or paying a debt: available less owed (a
    # refund after release counts against, one while pending moved neither).
    sums = movements.aggregate(
        available=Sum("entries__points", filter=Q(entries__bucket="available")),
        owed=Sum("entries__points", filter=Q(entries__bucket="owed")),
    )
    return Decimal((sums["available"] or 0) - (sums["owed"] or 0))


def tier_for(store_id: int, score: Decimal) -> Tier | None:
    return Tier.objects.filter(store_id=store_id, threshold__lte=score).order_by("-threshold").first()


def tier_evaluate(
    member: Member, settings: LoyaltySettings, *, now: datetime | None = None, scheduled: bool = False
) -> None:
    """Move ``member`` (locked by the caller) up at once, or down when ``scheduled`` and their
    score has stayed below their tier for the grace period."""
    now = now or timezone.now()
    reached = tier_for(member.store_id, tier_score(member, settings, now))
    current = member.tier
    rank = reached.threshold if reached else Decimal("-1")
    held = current.threshold if current else Decimal("-1")
    if rank > held:
        _set(member, reached, now, "tier_up")
        assert reached is not None
        if reached.entry_points:
            award(
                member,
                reached.entry_points,
                cause=Cause.RULE,
                key=f"tier:{reached.pk}:{member.pk}",  # once per member and tier, ever
                actor="system:loyalty",
                memo=reached.name,
                now=now,
            )
    elif rank < held:
        if member.tier_below_since is None:
            member.tier_below_since = now
            member.save(update_fields=["tier_below_since"])
        elif scheduled and now - member.tier_below_since >= timedelta(days=settings.downgrade_grace_days):
            _set(member, reached, now, "tier_down")
    elif member.tier_below_since is not None:
        member.tier_below_since = None
        member.save(update_fields=["tier_below_since"])


def _set(member: Member, tier: Tier | None, now: datetime, kind: str) -> None:
    before = member.tier.name if member.tier else ""
    member.tier, member.tier_below_since = tier, None
    member.save(update_fields=["tier", "tier_below_since", "updated_at"])
    LoyaltyEvent.objects.create(
        store_id=member.store_id,
        member=member,
        kind=kind,
        actor="system:loyalty",
        data={"from": before, "to": tier.name if tier else ""},
    )
