"""The shared kernel's tables: the connected storefronts, API tokens, and the event-row base."""

import hashlib
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .brand import validate_brand_colour


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not an IANA time zone (e.g. Asia/Seoul)."), params={"value": value})


class Platform(models.TextChoices):
    SHOPIFY = "shopify", "Shopify"


class Store(models.Model):
    """A storefront connected to Stay. Everything the store owns hangs off this row."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True, help_text=_("Used in webhook URLs."))
    name = models.CharField(_("name"), max_length=200)
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices, default=Platform.SHOPIFY)
    currency = models.CharField(_("currency"), max_length=3, default="USD", validators=[RegexValidator(r"^[A-Z]{3}$")])
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC", validators=[validate_timezone])
    default_locale = models.CharField(_("default locale"), max_length=10, default="en")
    country = models.CharField(
        _("country"), max_length=2, default="US", help_text=_("ISO code; the default region for phone numbers.")
    )
    # The shared secret the platform signs webhooks with. Kept in the database because every
    # webhook needs it to check the signature; never shown in lists or logs.
    webhook_secret = models.CharField(_("webhook secret"), max_length=200)
    api_base_url = models.URLField(_("API base URL"), blank=True, help_text=_("For calls back to the platform."))
    api_token = models.CharField(_("API access token"), max_length=200, blank=True)
    amount_max = models.DecimalField(
        _("largest amount"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("10000000"),
        help_text=_("No refund, credit, gift card or payment may be larger than this, whoever asks."),
    )
    # The store's look on every shopper's page (chat, returns, gift cards, help centre): one setting.
    brand_colour = models.CharField(
        _("brand colour"),
        max_length=7,
        default="#0b6bcb",
        validators=[
            RegexValidator(r"^#[0-9a-fA-F]{6}$", _("A colour as #rrggbb, e.g. #1f3a2d.")),
            validate_brand_colour,
        ],
        help_text=_("Buttons and headings on the shopper's pages; white text must be readable on it."),
    )
    logo_url = models.URLField(
        _("logo"),
        blank=True,
        validators=[URLValidator(schemes=["https"], message=_("The logo's address must start with https://."))],
        help_text=_("An https address of the store's logo (about 160x40)."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The store's time zone: the day a date means to the store and its shoppers."""
        return zoneinfo.ZoneInfo(self.timezone or "UTC")


def hash_token(raw: str) -> str:
    # API tokens are 256-bit random strings: a plain SHA-256 is enough (no dictionary to
    # attack) and lets a request find its token with one indexed lookup.
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the HTTP API. Only its hash is stored; the raw token is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    store = models.ForeignKey(
        Store,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        help_text=_("The store this token reads; blank for every store (then name it with ?store=)."),
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class EventBase(models.Model):
    """What happened, by whom, when. Each domain's ``<Entity>Event`` extends this.

    ``actor`` names who did it: ``user:<username>``, ``shopify:webhook``, ``import``, ``demo``,
    ``system``. Rows are appended, never edited: they feed the customer's timeline.
    """

    kind = models.CharField(_("what"), max_length=60)
    actor = models.CharField(_("by"), max_length=120, default="system")
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} by {self.actor}"


class RateCounter(models.Model):
    """How many attempts one key (a client, a gift card) made in the current window. Kept in
    the database so every web process counts together."""

    key = models.CharField(max_length=200, primary_key=True)
    window_start = models.DateTimeField(db_index=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("rate counter")
        verbose_name_plural = _("rate counters")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class OutboxEntry(models.Model):
    """An event that starts work which must not be lost (cards to issue, points to award),
    written in the same transaction as its cause, one row per durable subscriber: the row is
    that subscriber's idempotency key. A worker runs the subscriber and marks the row done in
    one transaction; a row left pending (its job lost, its worker killed) is swept."""

    event = models.CharField(_("event"), max_length=60)
    subscriber = models.CharField(_("subscriber"), max_length=200)
    payload = models.JSONField(_("payload"), default=dict)
    status = models.CharField(_("status"), max_length=8, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("published"), auto_now_add=True)
    next_try_at = models.DateTimeField(_("next try"), auto_now_add=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        verbose_name = _("event to deliver")
        verbose_name_plural = _("events to deliver")
        indexes = [models.Index(fields=["status", "next_try_at"])]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscriber} ({self.status})"


class Heartbeat(models.Model):
    """When a background worker last ran its minute's sweep: `/readyz` fails when that is long
    ago (a worker that died and was not restarted)."""

    name = models.CharField(max_length=60, primary_key=True)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")


class AuditEntry(models.Model):
    """Who read, exported or erased a customer's personal data, when, and how (the console,
    the API, the admin, the command line, a platform's privacy webhook). Appended, never
    edited. ``customer_id`` is a plain number: the trail outlives what it speaks of."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    actor = models.CharField(_("by"), max_length=120)
    action = models.CharField(_("what"), max_length=20)
    customer_id = models.BigIntegerField(_("customer"), null=True, blank=True, db_index=True)
    via = models.CharField(_("through"), max_length=20)
    detail = models.JSONField(_("details"), default=dict, blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("personal data audit entry")
        verbose_name_plural = _("personal data audit trail")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} of customer {self.customer_id} by {self.actor}"
