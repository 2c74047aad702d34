"""``/api/v1/loyalty``: a customer's points and history, the programme's rules, rewards and
tiers, redemption, bonuses, and the programme's report. Admin calls carry a token; a
storefront calls the shopper's own endpoints (``/me``, ``/redeem``) signed the way the chat
widget signs a signed-in shopper (core.auth.StorefrontShopperAuth)."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Header, Router, Schema, Status

from stay.core.api import permission_required, request_store
from stay.core.auth import ApiTokenAuth, StorefrontShopperAuth
from stay.core.errors import InvalidInput, NotFound
from stay.core.storefront import Shopper
from stay.customers.callers import caller_customer, shopper_customer
from stay.customers.models import Customer
from stay.customers.selectors import customer_get

from . import selectors, services
from .models import Redemption, Tier
from .referrals import referral_accept
from .rewards import reward_redeem

router = Router(tags=["loyalty"])

IdempotencyKey = Header(
    ..., alias="Idempotency-Key", description="Any unique string per operation; a repeat returns the first result."
)
BOTH = [ApiTokenAuth(), StorefrontShopperAuth()]


class BalanceOut(Schema):
    customer_id: int
    available: int
    pending: int
    owed: int
    tier: str
    next_tier: str
    to_next_tier: Decimal | None
    next_release_at: datetime | None
    referral_code: str
    benefits: list[str] = []
    free_shipping_code: str = ""


class MovementOut(Schema):
    id: int
    at: datetime
    cause: str
    label: str
    memo: str
    order_id: int | None
    available: int
    pending: int
    owed: int


class RewardOut(Schema):
    id: int
    name: str
    kind: str
    points: int
    value: Decimal
    minimum: Decimal | None
    valid_days: int
    variant_id: str


class TierOut(Schema):
    name: str
    threshold: Decimal
    multiplier: Decimal
    free_shipping: bool
    early_access: bool
    priority_support: bool
    entry_points: int


class RulesOut(Schema):
    enabled: bool
    earn_points: int
    earn_per: Decimal
    currency: str
    points_per_order: int
    signup_points: int
    birthday_points: int
    review_points: int
    referral_points: int
    pending_mode: str
    pending_days: int
    expiry_months: int | None
    tier_basis: str
    tier_period: str
    tiers: list[TierOut]


class RedeemIn(Schema):
    reward_id: int
    customer_id: int | None = None  # with a token; a storefront's shopper is the signed one


class RedemptionOut(Schema):
    id: int
    reward_id: int
    points: int
    state: str
    code: str
    expires_at: datetime | None
    available: int


class BonusIn(Schema):
    rule: str
    reference: str
    points: int | None = None


def balance_out(customer: Customer, *, progress: bool = True) -> dict[str, Any]:
    standing = selectors.standing_of(customer) if progress else selectors.balance_of(customer)
    zero = {"available": 0, "pending": 0, "owed": 0, "tier": "", "next_tier": "", "to_next_tier": None}
    values = zero | ({} if standing is None else standing.__dict__)
    return {
        "customer_id": customer.merged_into_id or customer.pk,
        "referral_code": "",
        "next_release_at": None,
    } | values


@router.get("/customers/{customer_id}", response=BalanceOut, summary="A customer's points and tier")
def get_balance(
    request: HttpRequest, customer_id: int, store: str | None = None, progress: bool = False
) -> dict[str, Any]:
    """One row read. ``progress=true`` adds the next tier, the points or spend still to go,
    and when the next pending points become available."""
    shop = request_store(request, store)
    if not progress:
        found = selectors.balance_by_id(store_id=shop.pk, customer_id=customer_id)
        if found is not None:
            return {"customer_id": customer_id, "next_release_at": None} | found.__dict__
    return balance_out(customer_get(store=shop, customer_id=customer_id), progress=progress)


@router.get("/customers/{customer_id}/history", response=list[MovementOut], summary="A customer's points history")
def get_history(request: HttpRequest, customer_id: int, store: str | None = None, limit: int = 50) -> list[Any]:
    if not 1 <= limit <= 500:
        raise InvalidInput(_("limit must be between 1 and 500."))
    return selectors.history_of(customer_get(store=request_store(request, store), customer_id=customer_id), limit=limit)


@router.post("/customers/{customer_id}/bonus", response={200: BalanceOut}, summary="Award a rule's bonus points")
def post_bonus(request: HttpRequest, customer_id: int, body: BonusIn, store: str | None = None) -> dict[str, Any]:
    """For a review (``rule`` review), once per ``reference`` (a review app's redelivered webhook
    earns once). Sign-up, referral and birthday points are Stay's own to give. ``points``
    overrides the store's rule, for a lead's or an admin's token only."""
    shop = request_store(request, store)
    if body.points is not None:
        permission_required(request, "give_value", _("Choosing the points of a bonus"))
    customer = customer_get(store=shop, customer_id=customer_id)
    services.bonus_from_outside(
        customer=customer,
        rule=body.rule,
        reference=body.reference,
        actor=f"api:{request.user.get_username()}",
        points=body.points,
    )
    return balance_out(customer)


@router.get("/rules", response=RulesOut, summary="The programme's earn rules and tiers")
def get_rules(request: HttpRequest, store: str | None = None) -> dict[str, Any]:
    shop = request_store(request, store)
    settings = services.settings_for(shop)
    fields = [f for f in RulesOut.model_fields if f not in ("tiers", "currency")]
    return {name: getattr(settings, name) for name in fields} | {
        "currency": shop.currency,
        "tiers": list(Tier.objects.filter(store=shop)),
    }


@router.get("/rewards", response=list[RewardOut], summary="Rewards on offer", auth=BOTH)
def get_rewards(request: HttpRequest, store: str | None = None) -> list[dict[str, Any]]:
    auth = getattr(request, "auth", None)
    shop = auth.store if isinstance(auth, Shopper) else request_store(request, store)
    return [
        {
            "id": reward.pk,
            "name": reward.name,
            "kind": reward.kind,
            "points": reward.points,
            "value": reward.value,
            "minimum": reward.minimum,
            "valid_days": reward.valid_days,
            "variant_id": reward.variant.platform_id if reward.variant else "",
        }
        for reward in selectors.rewards_of(shop)
    ]


@router.get("/me", response=BalanceOut, summary="The signed-in shopper's points", auth=[StorefrontShopperAuth()])
def get_me(request: HttpRequest) -> dict[str, Any]:
    return balance_out(shopper_customer(request.auth))  # type: ignore[attr-defined]


def redemption_out(redemption: Redemption) -> dict[str, Any]:
    return {
        "id": redemption.pk,
        "reward_id": redemption.reward_id,
        "points": redemption.points,
        "state": redemption.state,
        "code": redemption.code if redemption.state == "ready" else "",
        "expires_at": redemption.expires_at,
        "available": redemption.member.available,
    }


@router.post("/redeem", response={201: RedemptionOut}, summary="Spend points on a reward", auth=BOTH)
def post_redeem(
    request: HttpRequest, body: RedeemIn, idempotency_key: str = IdempotencyKey, store: str | None = None
) -> Status:
    """The points are spent at once; a discount code is made on the platform in the background
    (``state`` making, then ready with the ``code``; ask ``GET /redemptions/{id}``). If the
    platform refuses it, the points come back (``given_back``). Store credit is ready at once."""
    customer, actor = caller_customer(request, store, body.customer_id)
    redemption = reward_redeem(
        customer=customer, reward_id=body.reward_id, key=idempotency_key.strip()[:160], actor=actor
    )
    return Status(201, redemption_out(redemption))


@router.get("/redemptions/{redemption_id}", response=RedemptionOut, summary="A redemption as it stands", auth=BOTH)
def get_redemption(request: HttpRequest, redemption_id: int, store: str | None = None) -> dict[str, Any]:
    auth = getattr(request, "auth", None)
    found = Redemption.objects.select_related("member").filter(pk=redemption_id)
    if isinstance(auth, Shopper):
        found = found.filter(member__customer=shopper_customer(auth))
    else:
        found = found.filter(store=request_store(request, store))
    redemption = found.first()
    if redemption is None:
        raise NotFound(_("No redemption %(id)s.") % {"id": redemption_id})
    return redemption_out(redemption)


class ReferralIn(Schema):
    code: str
    email: str = ""
    phone: str = ""


class ReferralOut(Schema):
    id: int
    state: str
    code: str
    friend_id: int | None


@router.post("/referrals", response={201: ReferralOut}, summary="A friend arrives with a referral code")
def post_referral(request: HttpRequest, body: ReferralIn, store: str | None = None) -> Status:
    """The storefront's sign-up with ``?ref=CODE``: the friend's first-order discount ``code``
    (made on the platform, when the store gives one). A refusal is a 409 whose ``detail`` says
    why (the same person, not a new customer, referred already, the referrer's monthly limit);
    it is recorded either way."""
    referral = referral_accept(
        store=request_store(request, store),
        code=body.code,
        email=body.email,
        phone=body.phone,
        actor=f"api:{request.user.get_username()}",
    )
    return Status(
        201, {"id": referral.pk, "state": referral.state, "code": referral.code, "friend_id": referral.friend_id}
    )


@router.get("/report", summary="Members, points issued, redeemed, expired and outstanding")
def get_report(request: HttpRequest, store: str | None = None) -> dict[str, Any]:
    return selectors.programme_report(request_store(request, store))
