from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from stay.conversations.models import Conversation
from stay.core.models import Store
from stay.core.money import money_text
from stay.orders.models import Order


class DeliveryStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    STALE = "stale", _("Older than what is stored")
    IGNORED = "ignored", _("Ignored")
    WAITING = "waiting", _("Waiting for what it refers to")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One webhook as received: verified, validated and stored before we answer, then applied
    by a worker in one transaction. The row is the truth: a delivery stays ``received`` until
    applied, so a worker that dies loses nothing. Its id makes a redelivery a no-op."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    # NULL, not "", when the platform sent no id: the unique constraint then ignores it.
    webhook_id = models.CharField(_("webhook id"), max_length=100, null=True, blank=True)  # noqa: DJ001
    topic = models.CharField(_("topic"), max_length=60)
    body = models.TextField(_("body"), help_text=_("The raw JSON, exactly as signed."))
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.RECEIVED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [models.UniqueConstraint(fields=["store", "webhook_id"], name="webhook_delivered_once")]
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.topic} {self.webhook_id}"


class CallStatus(models.TextChoices):
    QUEUED = "queued", _("Requested")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Done")
    FAILED = "failed", _("Failed")
    UNKNOWN = "unknown", _("Outcome unknown")


class CallAction(models.TextChoices):
    CREATE_REFUND = "create_refund", _("Refund")
    CANCEL_ORDER = "cancel_order", _("Cancellation")
    CREATE_ORDER = "create_order", _("Replacement order")
    ADJUST_INVENTORY = "adjust_inventory", _("Stock adjustment")
    CREATE_DISCOUNT = "create_discount", _("Discount code")
    MEMBERS_DISCOUNT = "members_discount", _("Free shipping for a tier's members")


class PlatformCall(models.Model):
    """A call back to the platform (refund, cancel, create order, adjust stock) that must happen
    once. The row is the truth: it stays ``queued`` until a worker sends it, so a worker that
    dies loses nothing (the sweep enqueues it again). A call whose worker died mid-request is
    marked ``unknown`` for a person to check, because these endpoints have no idempotency key
    and sending twice could refund twice."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(_("action"), max_length=30, choices=CallAction.choices)
    params = models.JSONField(_("parameters"))
    idempotency_key = models.CharField(_("idempotency key"), max_length=100)
    status = models.CharField(_("status"), max_length=10, choices=CallStatus.choices, default=CallStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    response = models.JSONField(_("response"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    requested_by = models.CharField(_("requested by"), max_length=120)
    # What a refund call is for and who asked: the refundable amount and the agents' limits
    # count every refund requested and not failed (connectors/shopify/refunds.py).
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("order")
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by user"),
    )
    # The conversation it was asked from: a call that fails is told there (a note, a badge).
    conversation = models.ForeignKey(
        Conversation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("conversation"),
    )
    # The platform's id of what the call made (a refund's id), once sent.
    result_id = models.CharField(_("result id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("platform call")
        verbose_name_plural = _("platform calls")
        constraints = [
            models.UniqueConstraint(fields=["store", "idempotency_key"], name="platform_call_once"),
        ]
        indexes = [
            models.Index(fields=["status", "updated_at"]),
            models.Index(fields=["order", "action"]),
            models.Index(fields=["user", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.action} ({self.status})"

    def summary(self) -> str:
        """What a person reads about the call: "Refund of 10.00 USD on #1001"."""
        money = {"money": money_text(self.amount or 0, self.params.get("currency", ""))}
        if self.action == CallAction.CREATE_REFUND and self.amount is not None:
            what = gettext("Refund of %(money)s") % money
        elif self.action == CallAction.CREATE_ORDER and self.amount is not None:
            what = gettext("Replacement worth %(money)s") % money
        else:
            what = str(self.get_action_display())
        order = self.order.name if self.order_id and self.order else ""
        return gettext("%(what)s on %(order)s") % {"what": what, "order": order} if order else what
