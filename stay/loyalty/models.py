"""Loyalty (issue 21): points that follow what really happened to the money, rewards, tiers.

Points are whole numbers kept on a ledger with the gift cards' invariants (docs/adr/0017):
every change is a :class:`Movement` with one cause and one idempotency key per store, made of
:class:`PointsEntry` rows that are appended, never edited. A member's three balances are caches
of the sums of their entries per bucket, changed only in the movement's transaction under the
member's row lock, and the database refuses a negative one:

- ``pending``: earned by an order whose return window is still open; not spendable, not
  counted toward tiers;
- ``available``: spendable;
- ``owed``: points taken back by a refund after they were spent; paid from future points.
"""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stay.catalog.models import Variant
from stay.core.ledger import AppendOnly
from stay.core.models import EventBase, Store
from stay.customers.models import Customer
from stay.orders.models import Order


class PendingMode(models.TextChoices):
    RETURN_WINDOW = "return_window", _("Until the order's return window closes")
    FIXED = "fixed", _("For a fixed number of days")


class TierBasis(models.TextChoices):
    POINTS = "points", _("Points earned")
    SPEND = "spend", _("Money spent")


class TierPeriod(models.TextChoices):
    LIFETIME = "lifetime", _("Lifetime")
    ROLLING = "rolling", _("The last 12 months")


class LoyaltySettings(models.Model):
    """One per store, made on first use; the programme is off until the store switches it on."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="loyalty_settings")
    enabled = models.BooleanField(_("programme on"), default=False)
    earn_points = models.PositiveIntegerField(_("points earned"), default=1)
    earn_per = models.DecimalField(
        _("per this much spent"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_(
            "In the store's currency, net of discounts; shipping, tax and gift cards earn nothing. "
            "E.g. 1 point per 100 KRW."
        ),
    )
    points_per_order = models.PositiveIntegerField(_("points per order"), default=0)
    signup_points = models.PositiveIntegerField(_("points for signing up"), default=0)
    birthday_points = models.PositiveIntegerField(_("points on the birthday"), default=0)
    review_points = models.PositiveIntegerField(_("points for a review"), default=0)
    referral_points = models.PositiveIntegerField(_("points for a referral"), default=0)
    referral_friend_value = models.DecimalField(
        _("a referred friend's first-order discount"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        help_text=_("An amount off their first order, in the store's currency; 0: none."),
    )
    referral_monthly_limit = models.PositiveIntegerField(_("referrals a member may make per month"), default=10)
    pending_mode = models.CharField(
        _("order points wait"), max_length=16, choices=PendingMode.choices, default=PendingMode.RETURN_WINDOW
    )
    pending_days = models.PositiveIntegerField(
        _("days points wait"),
        default=30,
        help_text=_("In fixed mode, the wait; with the return window, the longest wait for an order never delivered."),
    )
    expiry_months = models.PositiveIntegerField(
        _("points expire after (months without a purchase)"), null=True, blank=True, help_text=_("Blank: never.")
    )
    expiry_since = models.DateTimeField(_("expiry switched on"), null=True, blank=True, editable=False)
    tier_basis = models.CharField(_("tiers by"), max_length=8, choices=TierBasis.choices, default=TierBasis.POINTS)
    tier_period = models.CharField(
        _("tiers count"), max_length=10, choices=TierPeriod.choices, default=TierPeriod.LIFETIME
    )
    downgrade_grace_days = models.PositiveIntegerField(_("days before a tier is lost"), default=30)
    agent_points_limit = models.PositiveIntegerField(_("points an agent may add or remove at once"), default=500)
    lead_points_limit = models.PositiveIntegerField(_("points a lead may add or remove at once"), default=5000)

    class Meta:
        verbose_name = _("loyalty settings")
        verbose_name_plural = _("loyalty settings")

    def __str__(self) -> str:
        return str(self.store)

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        # Points never expire sooner than one full period after expiry is switched on.
        if self.expiry_months and self.expiry_since is None:
            self.expiry_since = timezone.now()
        elif not self.expiry_months:
            self.expiry_since = None
        super().save(*args, **kwargs)


class Tier(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="tiers")
    name = models.CharField(_("name"), max_length=60)
    threshold = models.DecimalField(
        _("reached at"), max_digits=14, decimal_places=2, help_text=_("Points, or money spent (see the settings).")
    )
    multiplier = models.DecimalField(_("points multiplier"), max_digits=4, decimal_places=2, default=Decimal("1"))
    free_shipping = models.BooleanField(_("free shipping"), default=False)
    early_access = models.BooleanField(_("early access"), default=False)
    priority_support = models.BooleanField(_("priority support"), default=False)
    entry_points = models.PositiveIntegerField(_("points on first reaching it"), default=0)

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["store", "threshold"]
        constraints = [models.UniqueConstraint(fields=["store", "name"], name="tier_name_unique")]

    def __str__(self) -> str:
        return self.name


class TierShipping(models.Model):
    """A free-shipping tier's reusable code on the platform, which only the tier's members can
    use, and what was last pushed there (``loyalty.shipping``). Kept apart from the tier, which
    the admin edits, and outliving a deleted tier until its code has been ended."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    tier = models.OneToOneField(Tier, null=True, blank=True, on_delete=models.SET_NULL, related_name="shipping")
    code = models.CharField(_("free-shipping code"), max_length=40)
    pushes = models.PositiveIntegerField(default=0)
    sent = models.CharField(max_length=64, blank=True)  # digest of the list last pushed
    request_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("tier's free-shipping code")
        verbose_name_plural = _("tiers' free-shipping codes")
        constraints = [models.UniqueConstraint(fields=["store", "code"], name="tier_shipping_code_unique")]

    def __str__(self) -> str:
        return self.code


class PointsCampaign(models.Model):
    """Double points for a weekend: orders placed inside the period earn ``multiplier`` times."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="points_campaigns")
    name = models.CharField(_("name"), max_length=100)
    multiplier = models.DecimalField(_("multiplier"), max_digits=4, decimal_places=2, default=Decimal("2"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))

    class Meta:
        verbose_name = _("points campaign")
        verbose_name_plural = _("points campaigns")
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="campaign_ends")]

    def __str__(self) -> str:
        return self.name


class Member(models.Model):
    """A customer in the programme: one per customer, made when they first earn or are looked up."""

    # Merging customers moves the points by a movement (services.members_on_merge).
    moved_on_customer_merge = False

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="members")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="memberships")
    available = models.BigIntegerField(_("points available"), default=0)
    pending = models.BigIntegerField(_("points pending"), default=0)
    owed = models.BigIntegerField(_("points owed"), default=0)
    tier = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    tier_below_since = models.DateTimeField(null=True, blank=True, editable=False)
    referral_code = models.CharField(_("referral code"), max_length=16, unique=True)
    last_purchase_at = models.DateTimeField(_("last purchase"), null=True, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True, help_text=_("The year is not used."))
    expiry_warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("joined"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(fields=["store", "customer"], name="one_membership_per_customer"),
            # The last guard: the services check first, under the member's row lock.
            models.CheckConstraint(condition=Q(available__gte=0), name="member_available_not_negative"),
            models.CheckConstraint(condition=Q(pending__gte=0), name="member_pending_not_negative"),
            models.CheckConstraint(condition=Q(owed__gte=0), name="member_owed_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.customer} ({self.available})"


class Bucket(models.TextChoices):
    PENDING = "pending", _("Pending")
    AVAILABLE = "available", _("Available")
    OWED = "owed", _("Owed")


class Cause(models.TextChoices):
    ORDER = "order", _("An order")
    REFUND = "refund", _("A refund or cancellation")
    RELEASE = "release", _("Return window closed")
    RULE = "rule", _("A bonus")
    REWARD = "reward", _("A reward")
    GIVE_BACK = "give_back", _("A reward that could not be made")
    AGENT = "agent", _("Customer service")
    EXPIRY = "expiry", _("Expired")
    MERGE = "merge", _("Accounts joined")


class Movement(models.Model):
    """One change of a member's points, with its cause; never edited."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="movements")
    cause = models.CharField(_("cause"), max_length=10, choices=Cause.choices)
    key = models.CharField(_("idempotency key"), max_length=160)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    actor = models.CharField(_("by"), max_length=120)
    created_at = models.DateTimeField(_("when"), db_index=True)

    class Meta:
        verbose_name = _("points movement")
        verbose_name_plural = _("points movements")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["store", "key"], name="one_movement_per_key")]
        indexes = [models.Index(fields=["member", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.cause} #{self.pk}"


class PointsEntry(AppendOnly):
    """``points`` added to one of a member's buckets (negative: taken from it)."""

    movement = models.ForeignKey(Movement, on_delete=models.PROTECT, related_name="entries")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="entries")
    bucket = models.CharField(_("bucket"), max_length=10, choices=Bucket.choices)
    points = models.BigIntegerField(_("points"))
    created_at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["member", "bucket", "created_at"])]
        constraints = [models.CheckConstraint(condition=~Q(points=0), name="points_entry_not_zero")]


class LotState(models.TextChoices):
    PENDING = "pending", _("Pending")
    RELEASED = "released", _("Available")


class OrderPoints(models.Model):
    """What one order earns: fixed when it is first paid (the rules and multipliers of that
    moment), then cut in proportion by refunds and cancellation; pending until it is released."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="lots")
    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="loyalty_points")
    eligible = models.DecimalField(_("spend that earns"), max_digits=14, decimal_places=2)
    full = models.BigIntegerField(_("points for the whole order"))
    counted = models.BigIntegerField(_("points it counts now"))
    # Value given back outside a platform refund (a return resolved as store credit), by the
    # return's key: it takes its share of the points as a refund does.
    credited = models.JSONField(_("given back as credit"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=LotState.choices, default=LotState.PENDING)
    release_at = models.DateTimeField(_("available from"), db_index=True)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("order's points")
        verbose_name_plural = _("orders' points")
        constraints = [
            models.CheckConstraint(condition=Q(counted__gte=0) & Q(counted__lte=models.F("full")), name="lot_counted")
        ]
        indexes = [models.Index(fields=["release_at"], condition=Q(state="pending"), name="lot_to_release")]


class PointsDue(models.Model):
    """An order whose points must be brought in line with its money (paid, refunded,
    cancelled): written in the order's own transaction, worked off in batches, deleted in the
    batch's transaction. One row per event, so news that comes while a batch runs waits for
    the next one."""

    order_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)


class RewardKind(models.TextChoices):
    AMOUNT = "amount", _("An amount off")
    PERCENT = "percent", _("A percentage off")
    FREE_SHIPPING = "free_shipping", _("Free shipping")
    PRODUCT = "product", _("A free product")
    CREDIT = "credit", _("Store credit")


class Reward(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="rewards")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=14, choices=RewardKind.choices)
    points = models.PositiveIntegerField(_("costs (points)"), validators=[MinValueValidator(1)])
    value = models.DecimalField(
        _("value"), max_digits=12, decimal_places=2, default=Decimal("0"), help_text=_("An amount, or a percentage.")
    )
    variant = models.ForeignKey(
        Variant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("product")
    )
    minimum = models.DecimalField(
        _("on orders over"), max_digits=12, decimal_places=2, null=True, blank=True, help_text=_("Blank: any order.")
    )
    valid_days = models.PositiveIntegerField(_("code valid for (days)"), default=90)
    active = models.BooleanField(_("offered"), default=True)

    class Meta:
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        ordering = ["store", "points"]

    def __str__(self) -> str:
        return self.name


class RedemptionState(models.TextChoices):
    MAKING = "making", _("Being made")
    READY = "ready", _("Ready")
    GIVEN_BACK = "given_back", _("Failed; points given back")
    CHECK = "check", _("Being checked")


class Redemption(models.Model):
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="redemptions")
    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="redemptions")
    points = models.PositiveIntegerField(_("points"))
    key = models.CharField(max_length=160)
    code = models.CharField(_("code"), max_length=40, blank=True)
    request_id = models.BigIntegerField(null=True, blank=True, editable=False)
    state = models.CharField(_("state"), max_length=12, choices=RedemptionState.choices)
    error = models.CharField(_("problem"), max_length=300, blank=True)
    expires_at = models.DateTimeField(_("valid until"), null=True, blank=True)
    actor = models.CharField(_("by"), max_length=120)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["store", "key"], name="one_redemption_per_key")]


class ReferralState(models.TextChoices):
    INVITED = "invited", _("Invited")
    REWARDED = "rewarded", _("Rewarded")
    REFUSED = "refused", _("Refused")


class Referral(models.Model):
    """A friend a member referred: the friend's first-order code, then the referrer's points
    once the friend's first order has passed its pending period; or the reason it was refused
    (every refusal is kept, for the store to see the fraud rules at work)."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    referrer = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="referrals")
    friend = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="referred_by")
    state = models.CharField(_("state"), max_length=10, choices=ReferralState.choices)
    reason = models.CharField(_("why refused"), max_length=40, blank=True)
    code = models.CharField(_("friend's code"), max_length=40, blank=True)
    request_id = models.BigIntegerField(null=True, blank=True, editable=False)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A friend is referred once (the first referrer keeps them).
            models.UniqueConstraint(
                fields=["store", "friend"], condition=~Q(state="refused"), name="one_referral_per_friend"
            )
        ]


class LoyaltyEvent(EventBase):
    """The audit trail: agents' adjustments, redemptions, tier changes, refusals."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.CASCADE, related_name="events")

    class Meta(EventBase.Meta):
        verbose_name = _("loyalty event")
        verbose_name_plural = _("loyalty events")
