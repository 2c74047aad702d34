"""The summaries the retention figures read: one row per customer who ordered, and one per
customer and month they ordered in. Kept up to date by the orders' events
(``services.buyer_recount``) and rebuilt whole by ``stay insights rebuild``, which also says
whether the kept rows were right."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from stay.core.models import Store
from stay.customers.models import Customer


class Source(models.TextChoices):
    """How a buyer came to the store, where Stay knows it (the first that applies)."""

    REFERRAL = "referral", _("Referred by a friend")
    GIFT = "gift", _("Gift-card recipient")
    WELCOME = "welcome", _("Welcome gift")
    CAMPAIGN = "campaign", _("Campaign")
    OTHER = "other", _("Other or unknown")


class Buyer(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.OTHER)
    first_order_at = models.DateTimeField(_("first order"))
    first_value = models.DecimalField(_("first order's value"), max_digits=14, decimal_places=2)
    second_order_at = models.DateTimeField(_("second order"), null=True, blank=True)
    last_order_at = models.DateTimeField(_("last order"))
    orders = models.PositiveIntegerField(_("orders"))
    spent = models.DecimalField(_("spent, net of refunds"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("buyer")
        verbose_name_plural = _("buyers")
        indexes = [
            models.Index(fields=["store", "first_order_at"]),
            models.Index(fields=["store", "last_order_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.orders}"


class BuyerMonth(models.Model):
    """The orders a customer placed in one month of the store's calendar."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"))  # its first day
    cohort = models.DateField(_("first order's month"))  # the same for all the customer's rows
    orders = models.PositiveIntegerField(_("orders"))
    spent = models.DecimalField(_("spent, net of refunds"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("buyer's month")
        verbose_name_plural = _("buyers' months")
        constraints = [models.UniqueConstraint(fields=["customer", "month"], name="buyer_month_once")]
        indexes = [models.Index(fields=["store", "month"]), models.Index(fields=["store", "cohort"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.month:%Y-%m}: {self.orders}"


class Roster(models.Model):
    """The team's week as the lead typed it (``roster.parse`` reads it): the staffing plan is
    compared with it hour by hour. One per store, replaced whole."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="+")
    shifts = models.TextField(_("shifts"), blank=True, help_text=_("One a line: days, hours, people: Mon-Fri 09-18 3"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.CharField(_("updated by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("roster")
        verbose_name_plural = _("rosters")

    def __str__(self) -> str:
        return f"{self.store}: {self.shifts.count(chr(10)) + 1 if self.shifts else 0} shifts"
