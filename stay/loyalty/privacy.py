"""Loyalty's part of a person's data (core.privacy): their balances, history, redemptions and
referrals. The points ledger stays whole (it is the store's liability); erasing removes who a
referral named and the codes handed to the person."""

from typing import Any

from django.db.models import Q

from .models import Member, Movement, Redemption, Referral


def export(customer_id: int) -> dict[str, Any]:
    member = Member.objects.filter(customer_id=customer_id).select_related("tier").first()
    if member is None:
        return {}
    return {
        "available": member.available,
        "pending": member.pending,
        "owed": member.owed,
        "tier": member.tier.name if member.tier else "",
        "referral_code": member.referral_code,
        "history": [
            {
                "at": m.created_at.isoformat(),
                "cause": m.cause,
                "memo": m.memo,
                "points": {e.bucket: e.points for e in m.entries.all()},
            }
            for m in Movement.objects.filter(member=member).prefetch_related("entries").order_by("id")
        ],
        "redemptions": [
            {
                "at": r.created_at.isoformat(),
                "reward": r.reward.name,
                "points": r.points,
                "state": r.state,
                "code": r.code,
            }
            for r in Redemption.objects.filter(member=member).select_related("reward").order_by("id")
        ],
    }


def erase(customer_id: int) -> int:
    changed = Referral.objects.filter(Q(friend_id=customer_id)).update(friend=None)
    changed += Redemption.objects.filter(member__customer_id=customer_id).exclude(code="").update(code="")
    return changed
