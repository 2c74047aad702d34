from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "stay.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from stay.core.events import subscribe

        from . import services

        # The buyers' summary follows their orders: each event recounts one customer from their
        # orders as they are now, so a redelivery or an event out of order changes nothing.
        for event in ("order.created", "order.updated", "order.cancelled", "refund.created", "order.attributed"):
            subscribe(event, services.on_order, durable=True)
        subscribe("customer.merged", services.on_merge, durable=True)
