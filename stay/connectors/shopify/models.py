from django.db import models
from django.utils.translation import gettext_lazy as _

from stay.core.models import Store


class WebhookDelivery(models.Model):
    """One webhook we applied. Its id makes a redelivery a no-op (the platform retries)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    webhook_id = models.CharField(_("webhook id"), max_length=100)
    topic = models.CharField(_("topic"), max_length=60)
    outcome = models.CharField(_("outcome"), max_length=20)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [models.UniqueConstraint(fields=["store", "webhook_id"], name="webhook_delivered_once")]

    def __str__(self) -> str:
        return f"{self.topic} {self.webhook_id}"
