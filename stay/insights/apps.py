from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "stay.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from stay.core.events import subscribe
        from stay.flows.segments import register_kind

        from . import selectors, services

        # The buyers' summary follows their orders: each event recounts one customer from their
        # orders as they are now, so a redelivery or an event out of order changes nothing.
        for event in ("order.created", "order.updated", "order.cancelled", "refund.created", "order.attributed"):
            subscribe(event, services.on_order, durable=True)
        subscribe("customer.merged", services.on_merge, durable=True)
        # A segment of the retention page is a campaign's audience: {"kind": "rfm", "segment": …}.
        register_kind("rfm", selectors.rfm_audience)
