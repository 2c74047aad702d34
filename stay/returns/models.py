"""Returns, exchanges and replacements, and the rules that decide them.

A :class:`Return` is one shopper's request about one order: some of its lines, each with a
quantity, a reason and the outcome the shopper chose. The store's :class:`ReturnRule` rows,
in order, decide what each line may get; the decision and the rule that made it are kept on
the line. A return moves through a small state machine (:data:`TRANSITIONS`), and every move
is a :class:`ReturnTransition` row naming who made it.
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from stay.catalog.models import Variant
from stay.conversations.models import Conversation
from stay.core.models import EventBase, Store
from stay.core.money import CentsField
from stay.customers.models import Customer
from stay.orders.models import Order, OrderLine

ZERO = Decimal("0.00")


class Reason(models.TextChoices):
    TOO_SMALL = "too_small", _("Too small")
    TOO_BIG = "too_big", _("Too big")
    COLOUR = "colour", _("Colour not as expected")
    CHANGED_MIND = "changed_mind", _("Changed my mind")
    DEFECTIVE = "defective", _("Defective")
    DAMAGED = "damaged", _("Damaged in transit")
    WRONG_ITEM = "wrong_item", _("Wrong item sent")
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    LOST = "lost", _("Lost in the post")


# The store's fault: resolved in the shopper's favour.
STORE_FAULT = (Reason.DEFECTIVE, Reason.DAMAGED, Reason.WRONG_ITEM, Reason.NOT_AS_DESCRIBED, Reason.LOST)


class Outcome(models.TextChoices):
    EXCHANGE = "exchange", _("Exchange for another size or colour")
    SHOP_NOW = "shop_now", _("Credit to shop for something else now")
    STORE_CREDIT = "store_credit", _("Store credit")
    REFUND = "refund", _("Refund to the original payment")
    REPLACEMENT = "replacement", _("A replacement, sent now")


class Status(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    LABEL_ISSUED = "label_issued", _("Label issued")
    IN_TRANSIT = "in_transit", _("On its way back")
    RECEIVED = "received", _("Received")
    INSPECTED = "inspected", _("Inspected")
    RESOLVED = "resolved", _("Resolved")
    CANCELLED = "cancelled", _("Cancelled")


# Where a return may go from each state; anything else is refused.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.REQUESTED: (Status.APPROVED, Status.REJECTED, Status.CANCELLED),
    # Straight to resolved when nothing comes back (kept items, replacements, lost parcels).
    Status.APPROVED: (Status.LABEL_ISSUED, Status.RECEIVED, Status.RESOLVED, Status.CANCELLED),
    Status.LABEL_ISSUED: (Status.IN_TRANSIT, Status.RECEIVED, Status.CANCELLED),
    Status.IN_TRANSIT: (Status.RECEIVED,),
    Status.RECEIVED: (Status.INSPECTED,),
    Status.INSPECTED: (Status.RESOLVED,),
    Status.REJECTED: (),
    Status.RESOLVED: (),
    Status.CANCELLED: (),
}
OPEN_STATUSES = tuple(s for s in Status.values if s not in (Status.REJECTED, Status.CANCELLED))


class Verdict(models.TextChoices):
    """What the rules said about a line."""

    ALLOWED = "allowed", _("Allowed")
    REVIEW = "review", _("An agent decides")
    REFUSED = "refused", _("Not returnable")


class Condition(models.TextChoices):
    RESELLABLE = "resellable", _("Good: back to stock")
    DAMAGED = "damaged", _("Damaged: not restocked")


MONTH_DAY = RegexValidator(r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", _("Write a month and day as MM-DD."))


class ReturnSettings(models.Model):
    """What a merchant decides about returns besides the rules. One row per store."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="return_settings")
    return_shipping_cost = CentsField(
        _("return shipping cost"),
        default=Decimal("6.00"),
        help_text=_("What a return parcel costs the store; cheaper items can be kept (see the rules)."),
    )
    no_return_limit = models.PositiveIntegerField(
        _("resolutions without a return, per customer per year"),
        default=3,
        help_text=_("Kept items and replacements sent at once; beyond this an agent decides. 0: no limit."),
    )
    return_address = models.TextField(
        _("return address"),
        blank=True,
        help_text=_(
            "Where parcels come back to, printed on the label. Labels are offered once it and the carrier are set."
        ),
    )
    carrier = models.CharField(
        _("return carrier"),
        max_length=100,
        blank=True,
        help_text=_("The carrier shoppers hand their parcel to, as the help centre names it (e.g. CJ Logistics)."),
    )

    class Meta:
        verbose_name = _("return settings")
        verbose_name_plural = _("return settings")

    def __str__(self) -> str:
        return str(self.store)

    @property
    def labels_ready(self) -> bool:
        """A label can be printed: it has somewhere to go and someone to take it."""
        return bool(self.return_address.strip() and self.carrier.strip())


class Tristate(models.TextChoices):
    ANY = "", _("Either")
    YES = "yes", _("Yes")
    NO = "no", _("No")


class ReturnRule(models.Model):
    """One rule: when every condition set holds for a line, the actions it sets apply, unless an
    earlier rule already set them. Blank means "not a condition" or "not decided here"."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="return_rules")
    position = models.PositiveIntegerField(_("position"), default=100)
    name = models.CharField(_("name"), max_length=120)
    enabled = models.BooleanField(_("enabled"), default=True)
    explanation = models.CharField(
        _("explanation for the shopper"), max_length=300, blank=True, help_text=_("Shown when this rule decides.")
    )
    # --- conditions
    placed_from = models.CharField(_("ordered on or after (MM-DD)"), max_length=5, blank=True, validators=[MONTH_DAY])
    placed_until = models.CharField(_("ordered on or before (MM-DD)"), max_length=5, blank=True, validators=[MONTH_DAY])
    delivered_within_days = models.PositiveIntegerField(_("delivered within (days)"), null=True, blank=True)
    reasons = models.JSONField(_("reasons"), default=list, blank=True, help_text=_('e.g. ["defective", "lost"]'))
    product_tags = models.JSONField(_("product tags"), default=list, blank=True, help_text=_('e.g. ["final-sale"]'))
    product_types = models.JSONField(_("product types"), default=list, blank=True)
    skus = models.JSONField(_("SKUs"), default=list, blank=True)
    price_min = CentsField(_("item price at least"), null=True, blank=True)
    price_max = CentsField(_("item price below"), null=True, blank=True)
    below_return_shipping = models.BooleanField(_("item worth less than the return shipping"), default=False)
    gift = models.CharField(_("gift"), max_length=3, choices=Tristate.choices, blank=True, default=Tristate.ANY)
    customer_min_orders = models.PositiveIntegerField(_("customer has at least (orders)"), null=True, blank=True)
    customer_max_orders = models.PositiveIntegerField(_("customer has at most (orders)"), null=True, blank=True)
    customer_max_returns = models.PositiveIntegerField(
        _("customer returned at most (returns in the last year)"), null=True, blank=True
    )
    # --- actions
    returnable = models.CharField(
        _("returnable"), max_length=3, choices=Tristate.choices, blank=True, default=Tristate.ANY
    )
    window_days = models.PositiveIntegerField(_("window (days from delivery)"), null=True, blank=True)
    window_until = models.CharField(
        _("returnable until (MM-DD after the order)"), max_length=5, blank=True, validators=[MONTH_DAY]
    )
    outcomes = models.JSONField(
        _("allowed outcomes"), default=list, blank=True, help_text=_("Any of: %s") % ", ".join(Outcome.values)
    )
    bonus_percent = models.DecimalField(
        _("store credit bonus, percent"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    restocking_fee_percent = models.DecimalField(
        _("restocking fee on refunds, percent"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    auto_approve = models.CharField(
        _("approve at once"), max_length=3, choices=Tristate.choices, blank=True, default=Tristate.ANY
    )
    require_photos = models.CharField(
        _("photos required"), max_length=3, choices=Tristate.choices, blank=True, default=Tristate.ANY
    )
    keep_item = models.CharField(
        _("shopper keeps the item"), max_length=3, choices=Tristate.choices, blank=True, default=Tristate.ANY
    )
    replace_now = models.CharField(
        _("ship a replacement now"), max_length=3, choices=Tristate.choices, blank=True, default=Tristate.ANY
    )

    class Meta:
        verbose_name = _("return rule")
        verbose_name_plural = _("return rules")
        ordering = ["store_id", "position", "id"]

    def __str__(self) -> str:
        return self.name


class Return(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="returns")
    number = models.CharField(_("return number"), max_length=20, null=True, blank=True)  # noqa: DJ001 - set after insert; NULL keeps the unique index happy meanwhile
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="returns")
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="returns",
        help_text=_("Who asked: the buyer, or a gift's recipient."),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.REQUESTED)
    verdict = models.CharField(_("decision"), max_length=10, choices=Verdict.choices)
    rule = models.CharField(_("decided by"), max_length=120, blank=True)
    is_gift = models.BooleanField(_("gift recipient"), default=False)
    channel = models.CharField(_("updates by"), max_length=10, default="email")
    locale = models.CharField(_("language"), max_length=10, blank=True)
    overridden_by = models.CharField(_("rules overridden by"), max_length=120, blank=True)
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001 - NULL: no key
    requested_by = models.CharField(_("requested by"), max_length=120)
    conversation = models.ForeignKey(
        Conversation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Where the shopper hears about this return."),
    )
    # What was done for the shopper: platform calls, cards, credit; one entry per act.
    resolution = models.JSONField(_("resolution"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "number"], name="return_unique_number"),
            models.UniqueConstraint(fields=["store", "idempotency_key"], name="return_unique_key"),
        ]
        indexes = [models.Index(fields=["store", "status", "-created_at"])]

    def __str__(self) -> str:
        return self.number or ""

    @property
    def needs_return(self) -> bool:
        """Whether any item comes back (not kept, not refused)."""
        return self.lines.exclude(verdict=Verdict.REFUSED).filter(keep_item=False).exists()

    @property
    def has_label(self) -> bool:
        """A label exists from approval until the parcel arrives, when something comes back and
        the store has set where to and with whom (its return address and carrier)."""
        if not (self.status in (Status.LABEL_ISSUED, Status.IN_TRANSIT) and self.needs_return):
            return False
        rules = ReturnSettings.objects.filter(store_id=self.store_id).first()
        return rules is not None and rules.labels_ready


class ReturnLine(models.Model):
    ret = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="return_lines")
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    verdict = models.CharField(_("decision"), max_length=10, choices=Verdict.choices)
    rule = models.CharField(_("decided by"), max_length=120, blank=True)
    why = models.JSONField(_("which rule set what"), default=dict)
    allowed = models.JSONField(_("allowed outcomes"), default=list)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    exchange_variant = models.ForeignKey(
        Variant, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("exchange for")
    )
    reserved = models.PositiveIntegerField(_("units reserved"), default=0)
    value = CentsField(_("paid"), default=ZERO)
    bonus_percent = models.DecimalField(max_digits=5, decimal_places=2, default=ZERO)
    fee_percent = models.DecimalField(max_digits=5, decimal_places=2, default=ZERO)
    keep_item = models.BooleanField(_("kept by the shopper"), default=False)
    deadline = models.DateField(_("returnable until"), null=True, blank=True)
    received_quantity = models.PositiveIntegerField(_("received"), default=0)
    condition = models.CharField(_("condition"), max_length=12, choices=Condition.choices, blank=True)
    restocked = models.PositiveIntegerField(_("restocked"), default=0)

    class Meta:
        verbose_name = _("return line")
        verbose_name_plural = _("return lines")
        ordering = ["ret_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(received_quantity__lte=models.F("quantity")), name="return_line_received_le_quantity"
            ),
            models.CheckConstraint(
                condition=models.Q(restocked__lte=models.F("received_quantity")), name="return_line_restock_le_received"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.order_line.title}"


def photo_path(instance: "ReturnPhoto", filename: str) -> str:
    return f"returns/{instance.line.ret.store_id}/{instance.line.ret_id}/{filename}"


class ReturnPhoto(models.Model):
    line = models.ForeignKey(ReturnLine, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=photo_path)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()


RESOLUTION_LABELS = {
    "refund": _("Refund"),
    "store_credit": _("Store credit"),
    "gift_card": _("Gift card in the recipient's name"),
    "exchange_order": _("Exchange sent"),
    "replacement_order": _("Replacement sent"),
    "restock": _("Back in stock"),
}


def resolution_label(kind: str) -> str:
    return str(RESOLUTION_LABELS.get(kind, _("Other")))


class ReturnTransition(EventBase):
    """A move of the state machine, or another act on the return (an outcome changed)."""

    ret = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)

    @property
    def text(self) -> str:
        """The step as a person reads it."""
        if self.kind == "status":
            was = Status(self.from_status).label if self.from_status in Status.values else ""
            now = Status(self.to_status).label if self.to_status in Status.values else self.to_status
            return f"{was} → {now}" if was else str(now)
        if self.kind == "outcome_changed":
            return str(_("Outcome changed"))
        return str(_("Other activity"))

    class Meta(EventBase.Meta):
        ordering = ["created_at", "id"]
        verbose_name = _("return event")
        verbose_name_plural = _("return events")
