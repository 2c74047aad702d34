from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise
from django.utils.translation import gettext_lazy as _

from stay.catalog.models import Variant
from stay.core.models import EventBase, Store
from stay.customers.models import Customer

ZERO = Decimal("0")


def money(verbose_name: "StrOrPromise", **kwargs: Any) -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, default=ZERO, **kwargs)


# What the platform's status codes mean, as people read them (Shopify's values).
PAYMENT_LABELS = {
    "pending": _("Payment pending"),
    "authorized": _("Authorised"),
    "partially_paid": _("Partly paid"),
    "paid": _("Paid"),
    "partially_refunded": _("Partly refunded"),
    "refunded": _("Refunded"),
    "voided": _("Voided"),
    "expired": _("Expired"),
}
FULFILMENT_LABELS = {
    "": _("Not shipped yet"),
    "unfulfilled": _("Not shipped yet"),
    "partial": _("Partly shipped"),
    "fulfilled": _("Shipped"),
    "restocked": _("Restocked"),
}
SHIPMENT_LABELS = {
    "label_printed": _("Label printed"),
    "label_purchased": _("Label bought"),
    "confirmed": _("Confirmed by the carrier"),
    "in_transit": _("In transit"),
    "out_for_delivery": _("Out for delivery"),
    "attempted_delivery": _("Delivery attempted"),
    "ready_for_pickup": _("Ready for pickup"),
    "delivered": _("Delivered"),
    "failure": _("Delivery failed"),
    "success": _("Shipped"),
    "pending": _("Preparing"),
    "open": _("Preparing"),
    "cancelled": _("Cancelled"),
    "error": _("Shipping error"),
}


def _label(labels: dict[str, Any], code: str) -> str:
    return str(labels.get(code or "", code.replace("_", " ").capitalize() if code else "—"))


class Order(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="orders")
    platform_id = models.CharField(_("platform id"), max_length=64)
    name = models.CharField(_("order"), max_length=64, help_text=_("As the shopper sees it, e.g. #1001."))
    number = models.CharField(_("number"), max_length=32, blank=True)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    locale = models.CharField(_("language"), max_length=10, blank=True)
    placed_at = models.DateTimeField(_("placed"))
    platform_updated_at = models.DateTimeField(_("updated on the platform"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.CharField(_("cancel reason"), max_length=40, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    subtotal = money(_("subtotal"))
    total_discounts = money(_("discounts"))
    total_shipping = money(_("shipping"))
    total_tax = money(_("tax"))
    total = money(_("total"))
    total_refunded = money(_("refunded"))
    financial_status = models.CharField(_("payment status"), max_length=24, blank=True)
    fulfillment_status = models.CharField(_("fulfilment status"), max_length=24, blank=True)
    discount_codes = models.JSONField(_("discount codes"), default=list, blank=True)
    shipping_address = models.JSONField(_("shipping address"), null=True, blank=True)
    billing_address = models.JSONField(_("billing address"), null=True, blank=True)
    is_gift = models.BooleanField(_("gift"), default=False)
    gift_message = models.TextField(_("gift message"), blank=True)
    note = models.TextField(_("note"), blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    source = models.CharField(_("source"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "platform_id"], name="order_unique_platform_id"),
            models.CheckConstraint(condition=models.Q(total__gte=ZERO), name="order_total_not_negative"),
            models.CheckConstraint(condition=models.Q(total_refunded__gte=ZERO), name="order_refunded_not_negative"),
        ]
        indexes = [
            models.Index(fields=["store", "name"]),
            models.Index(fields=["store", "number"]),
            models.Index(fields=["store", "-placed_at"]),
            models.Index(fields=["customer", "-placed_at"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def payment_label(self) -> str:
        return _label(PAYMENT_LABELS, self.financial_status)

    @property
    def fulfilment_label(self) -> str:
        return _label(FULFILMENT_LABELS, self.fulfillment_status or "")


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    platform_id = models.CharField(_("platform id"), max_length=64)
    variant = models.ForeignKey(Variant, null=True, blank=True, on_delete=models.SET_NULL, related_name="order_lines")
    product_platform_id = models.CharField(max_length=64, blank=True)
    variant_platform_id = models.CharField(max_length=64, blank=True)
    sku = models.CharField(_("SKU"), max_length=100, blank=True)
    title = models.CharField(_("title"), max_length=255)
    variant_title = models.CharField(_("variant"), max_length=255, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = money(_("unit price"))
    total_discount = money(_("discount"))
    is_gift_card = models.BooleanField(_("gift card"), default=False)
    requires_shipping = models.BooleanField(_("requires shipping"), default=True)
    properties = models.JSONField(
        _("properties"), default=dict, blank=True, help_text=_("What the shopper entered, e.g. a gift's recipient.")
    )

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order_id", "id"]
        constraints = [models.UniqueConstraint(fields=["order", "platform_id"], name="line_unique_platform_id")]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.title}"


class Fulfilment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="fulfilments")
    platform_id = models.CharField(_("platform id"), max_length=64)
    status = models.CharField(_("status"), max_length=24, blank=True)
    shipment_status = models.CharField(_("shipment status"), max_length=32, blank=True)
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    tracking_url = models.URLField(_("tracking link"), max_length=500, blank=True)
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    platform_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("fulfilment")
        verbose_name_plural = _("fulfilments")
        constraints = [models.UniqueConstraint(fields=["order", "platform_id"], name="fulfilment_unique_platform_id")]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}".strip() or self.platform_id

    @property
    def state_label(self) -> str:
        return _label(SHIPMENT_LABELS, self.shipment_status or self.status)


class FulfilmentLine(models.Model):
    fulfilment = models.ForeignKey(Fulfilment, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()


class FulfilmentEvent(models.Model):
    """A step in the parcel's journey: in transit, out for delivery, delivered, failed."""

    fulfilment = models.ForeignKey(Fulfilment, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(_("status"), max_length=32)
    happened_at = models.DateTimeField(_("when"))
    message = models.CharField(_("message"), max_length=255, blank=True)

    class Meta:
        ordering = ["happened_at", "id"]


class Refund(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="refunds")
    platform_id = models.CharField(_("platform id"), max_length=64)
    amount = money(_("amount"))
    reason = models.TextField(_("reason"), blank=True)
    refunded_at = models.DateTimeField(_("refunded"))

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.UniqueConstraint(fields=["order", "platform_id"], name="refund_unique_platform_id"),
            models.CheckConstraint(condition=models.Q(amount__gte=ZERO), name="refund_amount_not_negative"),
        ]


class RefundLine(models.Model):
    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    subtotal = money(_("subtotal"))
    restock_type = models.CharField(max_length=20, blank=True)


class Checkout(models.Model):
    """A cart or checkout, kept for abandoned-cart recovery."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="checkouts")
    token = models.CharField(_("token"), max_length=100)
    platform_id = models.CharField(_("platform id"), max_length=64, blank=True)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="checkouts")
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    total = money(_("total"))
    recovery_url = models.URLField(_("recovery link"), max_length=1000, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    platform_updated_at = models.DateTimeField(_("updated"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        verbose_name = _("checkout")
        verbose_name_plural = _("checkouts")
        constraints = [models.UniqueConstraint(fields=["store", "token"], name="checkout_unique_token")]
        indexes = [models.Index(fields=["store", "completed_at", "-platform_updated_at"])]

    def __str__(self) -> str:
        return self.token


class CheckoutLine(models.Model):
    checkout = models.ForeignKey(Checkout, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    variant_platform_id = models.CharField(max_length=64, blank=True)
    title = models.CharField(max_length=255)
    quantity = models.PositiveIntegerField()
    unit_price = money(_("unit price"))


class OrderEvent(EventBase):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")

    class Meta(EventBase.Meta):
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
