from django.db import models
from django.utils.translation import gettext_lazy as _

from stay.core.models import Store

TWILIO_API = "https://api.twilio.com"


class TwilioAccount(models.Model):
    """A store's SMS number on Twilio (or a service that speaks Twilio's API)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="twilio_accounts")
    account_sid = models.CharField(_("account SID"), max_length=64, unique=True)
    auth_token = models.CharField(_("auth token"), max_length=200, help_text=_("Signs the webhooks Twilio sends."))
    from_number = models.CharField(_("SMS number"), max_length=32, help_text=_("E.164, e.g. +15005550006."))
    api_base_url = models.URLField(_("API base URL"), default=TWILIO_API)

    class Meta:
        verbose_name = _("SMS number")
        verbose_name_plural = _("SMS numbers")

    def __str__(self) -> str:
        return self.from_number
