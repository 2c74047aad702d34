from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from stay.core.models import EventBase, Store


class Customer(models.Model):
    """One person, however many channels they reach the store on."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="customers")
    name = models.CharField(_("name"), max_length=200, blank=True)
    locale = models.CharField(_("language"), max_length=10, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)
    # Denormalised from the customer's orders, kept current by the orders domain.
    first_order_at = models.DateTimeField(_("first order"), null=True, blank=True)
    last_order_at = models.DateTimeField(_("last order"), null=True, blank=True)
    orders_count = models.PositiveIntegerField(_("orders"), default=0)
    total_spent = models.DecimalField(_("total spent"), max_digits=14, decimal_places=2, default=Decimal("0"))
    platform_updated_at = models.DateTimeField(null=True, blank=True, editable=False)
    # A customer merged into another stays as a tombstone so old references still resolve.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("merged into")
    )
    # Set when the person's data was erased: the row stays, nameless, for the money records.
    erased_at = models.DateTimeField(_("personal data erased"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [models.Index(fields=["store", "name"])]

    def __str__(self) -> str:
        return self.name or f"#{self.pk}"


class IdentityKind(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    WHATSAPP = "whatsapp", _("WhatsApp")
    CHAT = "chat", _("Chat visitor")
    PLATFORM = "platform", _("Platform customer id")


class Identity(models.Model):
    """How a customer is recognised on a channel. One identity belongs to one customer."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(_("kind"), max_length=12, choices=IdentityKind.choices)
    value = models.CharField(_("value"), max_length=254, help_text=_("Normalised: lower-case email, E.164 phone."))
    verified = models.BooleanField(_("verified"), default=False)
    # A mail server returned a message to this address: marketing is not sent to it again
    # (the address may be gone; sending on damages the store's sender reputation).
    bounced_at = models.DateTimeField(_("bounced"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("identity")
        verbose_name_plural = _("identities")
        constraints = [models.UniqueConstraint(fields=["store", "kind", "value"], name="identity_unique_per_store")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class ConsentChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")


class ConsentState(models.TextChoices):
    SUBSCRIBED = "subscribed", _("Subscribed")
    NOT_SUBSCRIBED = "not_subscribed", _("Not subscribed")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    PENDING = "pending", _("Pending confirmation")


class ConsentRecord(models.Model):
    """One piece of evidence about marketing consent. Append-only: the history is the record.

    The current state on a channel is the record with the latest ``occurred_at``.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(_("channel"), max_length=10, choices=ConsentChannel.choices)
    state = models.CharField(_("state"), max_length=16, choices=ConsentState.choices)
    occurred_at = models.DateTimeField(_("given or withdrawn at"))
    source = models.CharField(_("source"), max_length=120)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["customer", "channel", "-occurred_at"])]

    def __str__(self) -> str:
        return f"{self.channel}={self.state}"


class CustomerEvent(EventBase):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="events")

    class Meta(EventBase.Meta):
        verbose_name = _("customer event")
        verbose_name_plural = _("customer events")


class CustomerMerge(models.Model):
    """Who merged which customer into which, and when, with a snapshot of the merged one."""

    survivor = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="merges")
    merged = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    snapshot = models.JSONField(default=dict)
    merged_by = models.CharField(_("merged by"), max_length=120)
    merged_at = models.DateTimeField(_("merged at"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")
