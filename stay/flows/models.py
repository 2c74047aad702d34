"""Outreach: the store's rules for marketing, flows and their enrolments, and the record of
every decision the gate took (issue 20)."""

from datetime import time, timedelta
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stay.catalog.models import Variant
from stay.conversations.models import Conversation, Message
from stay.core.models import Store
from stay.customers.models import Customer
from stay.orders.models import Fulfilment, Order


class OutreachSettings(models.Model):
    """One per store. The defaults are what the law and the shopper expect (issue 20)."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="outreach_settings")
    quiet_start = models.TimeField(
        _("quiet hours start"),
        default=time(21, 0),
        help_text=_("No marketing from this hour of the shopper's own time zone…"),
    )
    quiet_end = models.TimeField(_("quiet hours end"), default=time(8, 0), help_text=_("…until this one."))
    email_gap = models.DurationField(
        _("e-mail: at most one marketing message per"),
        default=timedelta(hours=16),
        help_text=_("Smart sending for e-mail."),
    )
    text_gap = models.DurationField(
        _("SMS and WhatsApp: at most one marketing message per"),
        default=timedelta(hours=24),
        help_text=_("Smart sending for text messages."),
    )
    weekly_cap = models.PositiveSmallIntegerField(
        _("marketing messages per shopper per week"), default=3, validators=[MinValueValidator(1)]
    )
    holdout_percent = models.PositiveSmallIntegerField(
        _("holdout (%)"),
        default=10,
        validators=[MaxValueValidator(50)],
        help_text=_("Shoppers enrolled but not messaged, to measure what a flow really causes."),
    )
    suppress_for = models.DurationField(
        _("while a complaint or return is open, try again after"),
        default=timedelta(hours=12),
    )
    restock_batch_ratio = models.DecimalField(
        _("back in stock: shoppers told per unit in stock"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("3"),
        validators=[MinValueValidator(Decimal("0.1"))],
    )
    restock_interval = models.DurationField(_("back in stock: next batch after"), default=timedelta(hours=1))
    welcome_gift = models.CharField(
        _("welcome gift"),
        max_length=8,
        choices=[
            ("", _("None")),
            ("fixed", _("Discount code: an amount off")),
            ("percent", _("Discount code: a percentage off")),
            ("credit", _("Store credit")),
        ],
        blank=True,
        default="fixed",
    )
    welcome_value = models.DecimalField(
        _("welcome gift: value"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("10"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("An amount in the store's currency, or a percentage."),
    )
    welcome_minimum = models.DecimalField(
        _("welcome gift: minimum order"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    welcome_days = models.PositiveSmallIntegerField(
        _("welcome gift: valid for (days)"), default=30, validators=[MinValueValidator(1)]
    )
    attribution_click_days = models.PositiveSmallIntegerField(
        _("an order counts for a click within (days)"), default=5, validators=[MinValueValidator(1)]
    )
    attribution_message_days = models.PositiveSmallIntegerField(
        _("an order counts for a message within (days)"), default=1, validators=[MinValueValidator(1)]
    )
    shipping_news = models.BooleanField(
        _("shipping news"),
        default=True,
        help_text=_("Tell shoppers of a delivery problem, a parcel with no news, a delivery (service messages)."),
    )
    shipping_delay_days = models.PositiveSmallIntegerField(
        _("a parcel is late after (days without news)"), default=5, validators=[MinValueValidator(1)]
    )
    # The built-in flows installed so far (by trigger): one deleted by the store stays deleted.
    defaults = models.JSONField(default=list, editable=False)
    shop_url = models.URLField(
        _("storefront address"),
        blank=True,
        help_text=_("e.g. https://shop.example.com: links to products in messages start here."),
    )
    sender_contact = models.CharField(
        _("contact in marketing messages"),
        max_length=200,
        blank=True,
        help_text=_("The store's phone or address: Korean law asks every marketing message to carry it."),
    )

    class Meta:
        verbose_name = _("outreach settings")
        verbose_name_plural = _("outreach settings")

    def __str__(self) -> str:
        return str(self.store)


class Trigger(models.TextChoices):
    SIGNUP = "signup", _("Sign-up confirmed")
    CHECKOUT = "checkout", _("Checkout forgotten")
    RESTOCK = "restock", _("Back in stock")
    DELIVERED = "delivered", _("Order delivered")
    GIFT_CARD = "gift_card", _("Gift card received")
    SEGMENT = "segment", _("Segment entered")
    DATE = "date", _("Anniversary of the first order")
    POINTS = "points", _("Loyalty points expiring")
    POINTS_LAST = "points_last", _("Loyalty points: last chance")


class Flow(models.Model):
    """A trigger, then steps: each waits, checks its condition, and sends one message."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="flows")
    trigger = models.CharField(_("trigger"), max_length=12, choices=Trigger.choices)
    name = models.CharField(_("name"), max_length=120)
    active = models.BooleanField(_("active"), default=True)
    exit_on_order = models.BooleanField(
        _("stop when the shopper orders"), default=True, help_text=_("No step is sent after an order arrives.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("flow")
        verbose_name_plural = _("flows")
        ordering = ["store_id", "trigger", "id"]

    def __str__(self) -> str:
        return self.name


class Condition(models.TextChoices):
    ALWAYS = "", _("Always")
    NO_ORDER = "no_order", _("Only if no order since the flow began")
    CHECKOUT_OPEN = "checkout_open", _("Only if the checkout is still open")
    IN_STOCK = "in_stock", _("Only if the variant is in stock")
    GIFT_UNUSED = "gift_unused", _("Only if the welcome gift is unused and no order was placed")


class StepChannel(models.TextChoices):
    TRIGGER = "", _("The channel the shopper chose")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")


class FlowStep(models.Model):
    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("position"))
    wait = models.DurationField(_("wait before"), default=timedelta(0), help_text=_("After the previous step."))
    condition = models.CharField(_("condition"), max_length=16, choices=Condition.choices, blank=True, default="")
    channel = models.CharField(_("channel"), max_length=10, choices=StepChannel.choices, blank=True, default="")
    whatsapp_template = models.CharField(
        _("WhatsApp template"),
        max_length=120,
        blank=True,
        help_text=_("The approved template sent outside WhatsApp's 24-hour window."),
    )

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["flow_id", "position"]
        constraints = [models.UniqueConstraint(fields=["flow", "position"], name="flow_step_unique_position")]

    def __str__(self) -> str:
        return f"{self.flow} #{self.position}"


class StepText(models.Model):
    """A step's message in one language; ``{name}``, ``{store}``, ``{product}``, ``{link}``,
    ``{lines}`` are filled in for each shopper."""

    step = models.ForeignKey(FlowStep, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("message"))

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [models.UniqueConstraint(fields=["step", "language"], name="step_text_unique_language")]

    def __str__(self) -> str:
        return f"{self.step} {self.language}"


class EnrolmentState(models.TextChoices):
    ACTIVE = "active", _("Active")
    DONE = "done", _("Done")
    EXITED = "exited", _("Stopped")


class Enrolment(models.Model):
    """One shopper in one flow. ``key`` says what enrolled them (a checkout, a back-in-stock
    request), so an event delivered twice enrols once."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="enrolments")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="enrolments")
    key = models.CharField(max_length=120)
    context = models.JSONField(default=dict, blank=True)
    position = models.PositiveSmallIntegerField(_("next step"), default=1)
    next_at = models.DateTimeField(_("next step due"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=EnrolmentState.choices, default=EnrolmentState.ACTIVE)
    exit_reason = models.CharField(_("stopped because"), max_length=40, blank=True)
    holdout = models.BooleanField(_("holdout"), default=False, help_text=_("Enrolled, never messaged."))
    created_at = models.DateTimeField(_("enrolled"), auto_now_add=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [models.UniqueConstraint(fields=["flow", "key"], name="enrolment_unique_key")]
        indexes = [
            models.Index(fields=["next_at"], condition=Q(state="active"), name="enrolment_due"),
            models.Index(fields=["customer", "state"], name="enrolment_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.flow} · {self.key}"


class Verdict(models.TextChoices):
    SENT = "sent", _("Queued to send")
    WAITING = "waiting", _("Waiting")
    WITHHELD = "withheld", _("Not sent")
    HOLDOUT = "holdout", _("Holdout (not messaged)")
    SKIPPED = "skipped", _("Skipped (condition)")


class Outreach(models.Model):
    """The gate's decision on one step for one shopper, and the message it queued. One row per
    (enrolment, step): a step is never sent twice, however often a worker dies."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="outreach")
    flow = models.ForeignKey(Flow, null=True, blank=True, on_delete=models.SET_NULL, related_name="outreach")
    enrolment = models.ForeignKey(Enrolment, null=True, blank=True, on_delete=models.CASCADE, related_name="outreach")
    position = models.PositiveSmallIntegerField(_("step"), default=0)
    channel = models.CharField(_("channel"), max_length=10)
    verdict = models.CharField(_("decision"), max_length=10, choices=Verdict.choices)
    reason = models.CharField(_("reason"), max_length=40, blank=True)
    until = models.DateTimeField(_("try again at"), null=True, blank=True)
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("decided"))
    clicked_at = models.DateTimeField(_("first click"), null=True, blank=True)

    class Meta:
        verbose_name = _("outreach decision")
        verbose_name_plural = _("outreach decisions")
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "position"], condition=Q(enrolment__isnull=False), name="outreach_once_per_step"
            )
        ]
        indexes = [models.Index(fields=["customer", "-decided_at"], name="outreach_customer_recent")]

    def __str__(self) -> str:
        return f"{self.channel} {self.verdict} {self.reason}"


class OutreachThread(models.Model):
    """The conversation a shopper's marketing messages on one channel are filed in (resolved; a
    reply reopens it like any other), so outreach doesn't add a conversation per message."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=10)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer", "channel"], name="outreach_thread_unique")]


class RestockRequest(models.Model):
    """A shopper asked to hear when a variant is back. First come, first told."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="restock_requests")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(_("channel"), max_length=10)
    source = models.CharField(_("source"), max_length=40, default="form")
    evidence = models.JSONField(_("evidence"), default=dict, blank=True, help_text=_("Wording shown, IP, user agent."))
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)
    released_at = models.DateTimeField(_("told"), null=True, blank=True)

    class Meta:
        verbose_name = _("back-in-stock request")
        verbose_name_plural = _("back-in-stock requests")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "variant"], condition=Q(released_at__isnull=True), name="restock_request_open_once"
            )
        ]
        indexes = [
            models.Index(fields=["variant", "id"], condition=Q(released_at__isnull=True), name="restock_waiting"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} → {self.variant_id}"


class WelcomeGift(models.Model):
    """The one welcome gift a person gets from a store. ``person`` is their address as their
    provider reads it (Gmail ignores dots and +tags), unique per store: signing up again under
    another spelling of the same mailbox gets nothing."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="welcome_gifts")
    person = models.CharField(_("person"), max_length=254)
    kind = models.CharField(_("kind"), max_length=8)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    code = models.CharField(_("code"), max_length=40, blank=True)
    request_id = models.BigIntegerField(_("platform request"), null=True, blank=True)
    created_at = models.DateTimeField(_("given"), auto_now_add=True)

    class Meta:
        verbose_name = _("welcome gift")
        verbose_name_plural = _("welcome gifts")
        constraints = [models.UniqueConstraint(fields=["store", "person"], name="welcome_gift_once_per_person")]

    def __str__(self) -> str:
        return self.code or f"{self.kind} {self.value}"


class Conversion(models.Model):
    """An order credited to the last marketing message that touched its shopper: clicked
    within the click window, else received within the message window (store settings)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    flow = models.ForeignKey(Flow, null=True, blank=True, on_delete=models.SET_NULL, related_name="conversions")
    outreach = models.ForeignKey(Outreach, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    touch = models.CharField(_("by"), max_length=8, choices=[("click", _("Click")), ("message", _("Message"))])
    revenue = models.DecimalField(_("revenue"), max_digits=14, decimal_places=2)
    created_at = models.DateTimeField(_("credited"), auto_now_add=True)

    class Meta:
        verbose_name = _("conversion")
        verbose_name_plural = _("conversions")

    def __str__(self) -> str:
        return f"{self.order_id} → {self.flow_id}"


class CampaignState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class Campaign(models.Model):
    """A message to a segment, now or at a time. It runs as a one-step flow of its own, so it
    passes the same gate, keeps a holdout and is measured like every flow. The audience is the
    segment when the campaign is created."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="campaigns")
    name = models.CharField(_("name"), max_length=120)
    flow = models.OneToOneField(Flow, on_delete=models.CASCADE, related_name="campaign")
    segment = models.JSONField(_("segment"))
    channel = models.CharField(_("channel"), max_length=10)
    send_at = models.DateTimeField(_("send at"))
    audience = models.PositiveIntegerField(_("audience"), default=0)
    state = models.CharField(_("state"), max_length=10, choices=CampaignState.choices, default=CampaignState.SCHEDULED)
    created_by = models.CharField(_("created by"), max_length=120)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-send_at", "-id"]

    def __str__(self) -> str:
        return self.name


class ShippingNotice(models.Model):
    """Shipping news sent about a parcel: each kind once (a delay, a problem, the delivery)."""

    fulfilment = models.ForeignKey(Fulfilment, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10)
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["fulfilment", "kind"], name="shipping_notice_once")]


class ConsentReminder(models.Model):
    """The notice of a shopper's consent status, sent every two years (Korea: Network Act art.
    50, paragraph 8): evidence that it was sent, and when the next one is due."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=10)
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["customer", "channel", "-sent_at"], name="consent_reminder_recent")]
