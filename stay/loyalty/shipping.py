"""A tier's free shipping, made real on the store's platform: one reusable free-shipping code
per tier that only the tier's members can use (a price rule naming them). Whenever the members
change, the list is pushed again through the platform port (durable, sent after commit); a
push still on its way is let finish first, so lists never arrive out of order. A tier that
stops giving free shipping, or is deleted, has its list emptied, which ends the code. Members
see the code on their account page and in the API's ``free_shipping_code``."""

import hashlib
import secrets
from datetime import timedelta
from functools import partial

from django.utils import timezone
from django.utils.text import slugify

from stay.core.db import atomic_with_retry
from stay.customers.models import Identity, IdentityKind
from stay.orders.platform import MEMBERS_DISCOUNT, PENDING, platform_request, platform_state

from .models import LoyaltySettings, Member, Tier, TierShipping

KEY_PREFIX = "loyalty-tier:"
RETRY_FAILED = timedelta(days=1)
NOBODY = hashlib.sha256(b"").hexdigest()


def tier_shipping_sync() -> int:
    """Push the member list of every free-shipping tier (and of every code whose tier no longer
    gives it) that changed since its last push. Returns how many were pushed."""
    for tier in Tier.objects.filter(free_shipping=True, shipping__isnull=True).select_related("store"):
        name = slugify(tier.name).upper()[:16] or f"TIER{tier.pk}"
        TierShipping.objects.get_or_create(
            tier=tier, defaults={"store": tier.store, "code": f"{name}-SHIP-{secrets.token_hex(3).upper()}"}
        )
    codes = TierShipping.objects.exclude(tier__isnull=True, sent=NOBODY).values_list("pk", flat=True)
    return sum(atomic_with_retry(partial(_push, pk)) for pk in list(codes))


def members_platform_ids(tier: Tier) -> list[str]:
    """The platform's ids of the tier's members (a member the platform does not know cannot be
    named in its rule), in a stable order."""
    members = Member.objects.filter(tier=tier, closed_into__isnull=True).values("customer_id")
    ids = Identity.objects.filter(kind=IdentityKind.PLATFORM, customer_id__in=members).values_list("value", flat=True)
    return sorted(set(ids), key=lambda value: (len(value), value))


def _push(code_id: int) -> int:
    shipping = TierShipping.objects.select_for_update(of=("self",)).select_related("store", "tier").get(pk=code_id)
    store, tier = shipping.store, shipping.tier
    if shipping.request_id is not None:
        last = platform_state(store=store, request_id=shipping.request_id)
        if last.state in PENDING:
            return 0  # the next run sends the list as it will be then
        if last.failed and last.created_at is not None and last.created_at < timezone.now() - RETRY_FAILED:
            shipping.sent = ""  # the platform refused or was away: try again, once a day
    running = LoyaltySettings.objects.filter(store=store, enabled=True).exists()
    ids = members_platform_ids(tier) if tier is not None and tier.free_shipping and running else []
    digest = hashlib.sha256(",".join(ids).encode()).hexdigest()
    if digest == shipping.sent or (digest == NOBODY and shipping.request_id is None):
        return 0  # nothing changed, or nobody yet to make a code for
    shipping.pushes += 1
    requested = platform_request(
        store=store,
        action=MEMBERS_DISCOUNT,
        params={
            "code": shipping.code,
            "title": f"{tier.name if tier else shipping.code}: free shipping",
            "customer_ids": ids,
            "starts_at": timezone.now().isoformat(timespec="seconds"),
        },
        idempotency_key=f"{KEY_PREFIX}{shipping.pk}:{shipping.pushes}",
        requested_by="loyalty tier",
    )
    shipping.sent, shipping.request_id = digest, requested.id
    shipping.save(update_fields=["pushes", "sent", "request_id"])
    return 1
