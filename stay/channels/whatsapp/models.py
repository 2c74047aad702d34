from django.db import models
from django.utils.translation import gettext_lazy as _

from stay.core.models import Store

GRAPH_API = "https://graph.facebook.com/v21.0"


class WhatsAppAccount(models.Model):
    """A store's WhatsApp Business number on the Cloud API."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="whatsapp_accounts")
    phone_number_id = models.CharField(_("phone number id"), max_length=40, unique=True)
    display_phone = models.CharField(_("phone number"), max_length=32, blank=True)
    app_secret = models.CharField(_("app secret"), max_length=200, help_text=_("Signs the webhooks Meta sends."))
    verify_token = models.CharField(_("verify token"), max_length=200, help_text=_("Your answer to Meta's check."))
    access_token = models.CharField(_("access token"), max_length=500)
    api_base_url = models.URLField(_("API base URL"), default=GRAPH_API)
    templates = models.JSONField(
        _("approved templates"),
        default=list,
        blank=True,
        help_text=_(
            'Templates Meta approved, with their body text so agents see what they send, e.g. [{"name": '
            '"order_update", "language": "en", "text": "Hi {{1}}, your order {{2}} has shipped."}].'
        ),
    )

    class Meta:
        verbose_name = _("WhatsApp number")
        verbose_name_plural = _("WhatsApp numbers")

    def __str__(self) -> str:
        return self.display_phone or self.phone_number_id
