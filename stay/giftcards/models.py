"""Gift cards and store credit, and the double-entry ledger their money lives on.

A card's money is never a number that is edited: it is the sum of its ledger entries. Every
movement is a :class:`LedgerTransaction` whose entries sum to zero across accounts (the card
on one side; sales, redemptions, refunds, goodwill, promotion, returns or breakage on the
other). Entries are appended, never changed; a mistake is undone by a reversing transaction.
``GiftCard.balance`` is a cache of that sum kept in the same transaction, and the database
refuses a negative balance or a hold larger than the balance.
"""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from stay.core.ledger import AppendOnly
from stay.core.models import EventBase, Store
from stay.core.money import CentsField
from stay.customers.models import Customer

ZERO = Decimal("0.00")


class GiftCardSettings(models.Model):
    """What a merchant decides about their cards. One row per store, made on first use."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="gift_card_settings")
    currency = models.CharField(_("currency"), max_length=3, blank=True, help_text=_("Blank: the store's currency."))
    expiry_months = models.PositiveIntegerField(
        _("expires after (months)"),
        null=True,
        blank=True,
        help_text=_("Blank: cards never expire. Some jurisdictions forbid expiry."),
    )
    max_value = CentsField(_("largest value of one card"), default=Decimal("2000"))
    card_can_buy_card = models.BooleanField(_("a card can pay for a gift card"), default=False)
    reloadable = models.BooleanField(_("cards can be topped up"), default=False)
    goodwill_limit_agent = CentsField(_("goodwill credit an agent may give"), default=Decimal("50"))
    goodwill_limit_lead = CentsField(_("goodwill credit a lead may give"), default=Decimal("500"))
    delivery_hour = models.PositiveSmallIntegerField(
        _("delivery hour"), default=8, help_text=_("A card sent on a date arrives at this hour, recipient's time.")
    )
    hold_minutes = models.PositiveIntegerField(
        _("holds last (minutes)"), default=7 * 24 * 60, help_text=_("An uncaptured hold is released after this.")
    )
    welcome_enabled = models.BooleanField(_("welcome first-time recipients"), default=True)
    first_order_incentive = models.TextField(
        _("first-order incentive"),
        blank=True,
        help_text=_("Told to a recipient in their welcome, e.g. 'WELCOME10 gives a discount on your first order.'"),
    )
    help_centre_url = models.URLField(_("help centre link"), blank=True)

    class Meta:
        verbose_name = _("gift card settings")
        verbose_name_plural = _("gift card settings")

    def __str__(self) -> str:
        return str(self.store)


class Kind(models.TextChoices):
    GIFT_CARD = "gift_card", _("Gift card")
    STORE_CREDIT = "store_credit", _("Store credit")


class CardStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DISABLED = "disabled", _("Disabled")
    EXPIRED = "expired", _("Expired")


class Source(models.TextChoices):
    ORDER = "order", _("Bought in an order")
    GOODWILL = "goodwill", _("Goodwill from an agent")
    RETURN = "return", _("A return")
    PROMOTION = "promotion", _("Promotion")
    MANUAL = "manual", _("Issued by the store")


class DeliveryChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    WHATSAPP = "whatsapp", _("WhatsApp")
    SMS = "sms", _("SMS")


class GiftCard(models.Model):
    """A gift card, or a customer's store credit (one per customer and currency, no code)."""

    # Merging customers moves store credit by a ledger transfer (services.gift_cards_on_merge).
    moved_on_customer_merge = False

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="gift_cards")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.GIFT_CARD)
    # The code itself is never stored: it derives from ``code_nonce`` and the installation's
    # key, and is found by its keyed hash (docs/adr/0007-gift-card-ledger.md).
    # NULL, not "", for store credit (no code): NULLs never clash under the unique index.
    code_hash = models.CharField(max_length=64, unique=True, null=True, editable=False)  # noqa: DJ001
    code_nonce = models.CharField(max_length=32, blank=True, editable=False)
    last4 = models.CharField(_("ends with"), max_length=4, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    initial_value = CentsField(_("initial value"), default=ZERO)
    balance = CentsField(_("balance"), default=ZERO)
    held = CentsField(_("held"), default=ZERO, help_text=_("Authorised at a checkout, not yet captured."))
    status = models.CharField(_("status"), max_length=10, choices=CardStatus.choices, default=CardStatus.ACTIVE)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, default=Source.MANUAL)
    source_ref = models.CharField(_("source reference"), max_length=100, blank=True)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="gift_cards", verbose_name=_("holder")
    )
    buyer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="gift_cards_bought"
    )
    recipient_name = models.CharField(_("recipient"), max_length=200, blank=True)
    recipient_email = models.EmailField(_("recipient email"), blank=True)
    recipient_phone = models.CharField(_("recipient phone"), max_length=32, blank=True)
    recipient_locale = models.CharField(_("recipient language"), max_length=10, blank=True)
    sender_name = models.CharField(_("from"), max_length=200, blank=True)
    message = models.TextField(_("message"), blank=True)
    delivery_channel = models.CharField(_("send by"), max_length=10, choices=DeliveryChannel.choices, blank=True)
    deliver_at = models.DateTimeField(_("send at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivery_error = models.CharField(_("delivery problem"), max_length=300, blank=True)
    first_used_at = models.DateTimeField(_("first checked or used"), null=True, blank=True)
    # Who the storefront said was checking or spending the card that first time, kept for the
    # background job that recognises and welcomes the holder (recipients.recognise_waiting).
    first_contact = models.JSONField(default=dict, blank=True, editable=False)
    recognised_at = models.DateTimeField(_("holder recognised"), null=True, blank=True)
    welcomed_at = models.DateTimeField(_("recipient welcomed"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("gift card")
        verbose_name_plural = _("gift cards")
        ordering = ["-created_at", "-id"]
        constraints = [
            # The last guard: the services check first, under the card's row lock.
            models.CheckConstraint(condition=models.Q(balance__gte=0), name="gift_card_balance_not_negative"),
            models.CheckConstraint(condition=models.Q(held__gte=0), name="gift_card_held_not_negative"),
            models.CheckConstraint(condition=models.Q(held__lte=models.F("balance")), name="gift_card_held_covered"),
            models.UniqueConstraint(
                fields=["store", "customer", "currency"],
                condition=models.Q(kind="store_credit"),
                name="one_store_credit_per_customer_currency",
            ),
        ]
        indexes = [
            models.Index(fields=["store", "kind", "-created_at"]),
            models.Index(
                fields=["deliver_at"], condition=models.Q(delivered_at__isnull=True), name="gift_card_to_deliver"
            ),
            models.Index(fields=["expires_at"], condition=models.Q(status="active"), name="gift_card_to_expire"),
            models.Index(fields=["store", "source", "source_ref"]),
            models.Index(
                fields=["first_used_at"],
                condition=models.Q(first_used_at__isnull=False, recognised_at__isnull=True),
                name="gift_card_to_recognise",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == Kind.STORE_CREDIT:
            return f"{_('Store credit')} #{self.pk}"
        return f"…{self.last4}"

    @property
    def available(self):  # type: ignore[no-untyped-def]
        return self.balance - self.held


class Account(models.TextChoices):
    CARD = "card", _("Card liability")
    SALES = "sales", _("Gift card sales")
    REDEMPTIONS = "redemptions", _("Redemptions")
    REFUNDS = "refunds", _("Refunds onto cards")
    GOODWILL = "goodwill", _("Goodwill expense")
    PROMOTION = "promotion", _("Promotion expense")
    RETURNS = "returns", _("Returns as store credit")
    RETURN_BONUS = "return_bonus", _("Return credit bonus")
    BREAKAGE = "breakage", _("Breakage")


# What a card's activity means to the person holding it (the ledger keeps the codes).
ACTIVITY_LABELS = {
    "issue": _("Card issued"),
    "reload": _("Value added"),
    "credit": _("Store credit added"),
    "capture": _("Spent on an order"),
    "refund": _("Returned to the card"),
    "reversal": _("Correction"),
    "expire": _("Expired"),
    "transfer": _("Moved between cards"),
}


class LedgerTransaction(models.Model):
    """One movement of money; its entries sum to zero. Never edited."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("what"), max_length=20)
    currency = models.CharField(_("currency"), max_length=3)
    reference = models.CharField(_("reference"), max_length=120, blank=True)
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by", verbose_name=_("reverses")
    )
    actor = models.CharField(_("by"), max_length=120)
    created_at = models.DateTimeField(_("when"), db_index=True)

    class Meta:
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class LedgerEntry(AppendOnly):
    """One side of a transaction: ``amount`` added to ``account`` (negative: taken from it).
    For the card account, ``card`` says whose; a card's balance is the sum of its entries."""

    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="entries")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    account = models.CharField(_("account"), max_length=14, choices=Account.choices)
    card = models.ForeignKey(GiftCard, null=True, blank=True, on_delete=models.PROTECT, related_name="entries")
    amount = CentsField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    created_at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["card", "created_at"]),
            models.Index(fields=["store", "account", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(account="card", card__isnull=False) | ~models.Q(account="card"),
                name="card_entry_names_its_card",
            )
        ]


class AuthorizationStatus(models.TextChoices):
    HELD = "held", _("Held")
    CAPTURED = "captured", _("Captured")
    VOIDED = "voided", _("Voided")
    EXPIRED = "expired", _("Expired")


class Authorization(models.Model):
    """A checkout's hold on one or more cards, later captured or voided."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(_("checkout reference"), max_length=120, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    requested = CentsField(_("requested"))
    amount = CentsField(_("authorised"))
    captured = CentsField(_("captured"), default=ZERO)
    refunded = CentsField(_("refunded"), default=ZERO)
    status = models.CharField(
        _("status"), max_length=10, choices=AuthorizationStatus.choices, default=AuthorizationStatus.HELD
    )
    expires_at = models.DateTimeField(_("hold expires"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("authorisation")
        verbose_name_plural = _("authorisations")
        constraints = [
            models.CheckConstraint(condition=models.Q(captured__lte=models.F("amount")), name="auth_capture_covered"),
            models.CheckConstraint(condition=models.Q(refunded__lte=models.F("captured")), name="auth_refund_covered"),
        ]
        indexes = [models.Index(fields=["expires_at"], condition=models.Q(status="held"), name="auth_to_expire")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.reference}"


class Hold(models.Model):
    """The part of an authorisation that one card covers."""

    authorization = models.ForeignKey(Authorization, on_delete=models.PROTECT, related_name="holds")
    card = models.ForeignKey(GiftCard, on_delete=models.PROTECT, related_name="holds")
    position = models.PositiveSmallIntegerField()
    amount = CentsField(_("held"))
    captured = CentsField(_("captured"), default=ZERO)
    refunded = CentsField(_("refunded"), default=ZERO)
    released = models.BooleanField(_("released"), default=False)

    class Meta:
        ordering = ["authorization_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["authorization", "card"], name="one_hold_per_card_per_authorization"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="hold_positive"),
            models.CheckConstraint(condition=models.Q(captured__lte=models.F("amount")), name="hold_capture_covered"),
            models.CheckConstraint(condition=models.Q(refunded__lte=models.F("captured")), name="hold_refund_covered"),
        ]


class IdempotencyKey(models.Model):
    """The first result of a mutating call, returned again for a repeat of its key."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    operation = models.CharField(max_length=40)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(default=200)
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "key"], name="idempotency_key_unique")]


class GiftCardEvent(EventBase):
    """The audit trail: every operation and every lookup, with who, from where, and when."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    card = models.ForeignKey(GiftCard, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    client = models.CharField(_("from"), max_length=120, blank=True, help_text=_("IP address or where it came from."))

    class Meta(EventBase.Meta):
        verbose_name = _("gift card event")
        verbose_name_plural = _("gift card events")
