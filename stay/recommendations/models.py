from django.db import models
from django.utils.translation import gettext_lazy as _

from stay.core.models import Store


class RecommendationSettings(models.Model):
    """What a store never wants recommended, beyond what is never recommended anyway (gift
    cards, deleted or out-of-stock products)."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="recommendation_settings")
    excluded_tags = models.JSONField(
        _("never recommend products tagged"), default=list, blank=True, help_text=_('e.g. ["sample", "clearance"]')
    )

    class Meta:
        verbose_name = _("recommendation settings")
        verbose_name_plural = _("recommendation settings")

    def __str__(self) -> str:
        return str(self.store)
