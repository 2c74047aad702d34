import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from stay.core.models import Store
from stay.customers.models import Customer, Identity


def new_key() -> str:
    return "pk_" + secrets.token_urlsafe(12)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class ChatWidget(models.Model):
    """The chat widget of a store's storefront: its public key (in the script tag), the secret
    the storefront signs customer ids with, and the pages allowed to open it."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="chat_widget")
    public_key = models.CharField(_("public key"), max_length=40, unique=True, default=new_key)
    identity_secret = models.CharField(
        _("identity secret"),
        max_length=100,
        default=new_secret,
        help_text=_("The storefront signs a signed-in shopper's customer id with it (HMAC-SHA256)."),
    )
    allowed_origins = models.JSONField(
        _("allowed origins"),
        default=list,
        blank=True,
        help_text=_('Storefront origins, e.g. ["https://shop.example.com"]. Empty: any.'),
    )

    class Meta:
        verbose_name = _("chat widget")
        verbose_name_plural = _("chat widgets")

    def __str__(self) -> str:
        return self.public_key


class Visitor(models.Model):
    """One browser that opened the widget. Anonymous until the storefront vouches for it."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64, unique=True)
    # None until the visitor first writes (or signs in): opening the widget makes no customer.
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    identity = models.ForeignKey(Identity, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    verified = models.BooleanField(_("verified"), default=False)
    connections = models.IntegerField(default=0)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("chat visitor")
        indexes = [models.Index(fields=["customer", "last_seen_at"], name="visitor_customer_seen")]
        verbose_name_plural = _("chat visitors")

    def __str__(self) -> str:
        return self.token[:8]
