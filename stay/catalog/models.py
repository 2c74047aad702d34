from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from stay.core.models import EventBase, Store


class ProductStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DRAFT = "draft", _("Draft")
    ARCHIVED = "archived", _("Archived")


class Product(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="products")
    platform_id = models.CharField(_("platform id"), max_length=64)
    title = models.CharField(_("title"), max_length=255)
    handle = models.CharField(_("handle"), max_length=255, blank=True)
    vendor = models.CharField(_("vendor"), max_length=255, blank=True)
    product_type = models.CharField(_("type"), max_length=255, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    option_names = models.JSONField(_("option names"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ProductStatus.choices, default=ProductStatus.ACTIVE)
    is_gift_card = models.BooleanField(_("gift card"), default=False)
    platform_updated_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_at = models.DateTimeField(_("deleted on the platform"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [models.UniqueConstraint(fields=["store", "platform_id"], name="product_unique_platform_id")]

    def __str__(self) -> str:
        return self.title


class Variant(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    platform_id = models.CharField(_("platform id"), max_length=64)
    inventory_item_id = models.CharField(_("inventory item id"), max_length=64, blank=True, db_index=True)
    sku = models.CharField(_("SKU"), max_length=100, blank=True, db_index=True)
    title = models.CharField(_("title"), max_length=255, blank=True)
    options = models.JSONField(
        _("options"), default=dict, blank=True, help_text=_('e.g. {"Size": "M", "Colour": "Red"}')
    )
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=2)
    compare_at_price = models.DecimalField(
        _("compare-at price"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    barcode = models.CharField(_("barcode"), max_length=64, blank=True)
    inventory_quantity = models.IntegerField(_("in stock"), default=0)
    inventory_tracked = models.BooleanField(_("stock tracked"), default=True)
    position = models.PositiveIntegerField(default=1)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        ordering = ["product_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "platform_id"], name="variant_unique_platform_id"),
            models.CheckConstraint(condition=models.Q(price__gte=Decimal("0")), name="variant_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.product.title} – {self.title}" if self.title else self.product.title


class InventoryLevel(models.Model):
    """Stock of one variant at one location; a variant's stock is the sum of its levels."""

    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="levels")
    location_id = models.CharField(_("location"), max_length=64)
    available = models.IntegerField(_("available"))
    platform_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["variant", "location_id"], name="level_unique_location")]


class InventoryChange(models.Model):
    """Every change of a variant's stock, with its reason: the stock's audit trail."""

    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="inventory_changes")
    delta = models.IntegerField(_("change"))
    quantity_after = models.IntegerField(_("in stock after"))
    reason = models.CharField(_("reason"), max_length=40)
    actor = models.CharField(_("by"), max_length=120, default="system")
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("inventory change")
        verbose_name_plural = _("inventory changes")
        ordering = ["-created_at", "-id"]


class ProductEvent(EventBase):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="events")

    class Meta(EventBase.Meta):
        verbose_name = _("product event")
        verbose_name_plural = _("product events")
