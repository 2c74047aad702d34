from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FlowsConfig(AppConfig):
    name = "stay.flows"
    label = "flows"
    verbose_name = _("Outreach")

    def ready(self) -> None:
        from stay.conversations.sending import register_marketing_gate
        from stay.core.events import subscribe

        from . import attribution, engine, points, postpurchase, reminders, tasks, welcome

        register_marketing_gate(engine.held_at_send)
        subscribe("variant.restocked", tasks.on_restocked, durable=True)
        subscribe("checkout.updated", tasks.on_checkout, durable=True)
        subscribe("consent.confirmed", welcome.welcome_start, durable=True)
        subscribe("consent.withdrawn", reminders.optout_tell, durable=True)
        subscribe("order.created", attribution.order_attribute, durable=True)
        subscribe("shipment.changed", postpurchase.on_shipment, durable=True)
        subscribe("gift_card.delivered", postpurchase.on_gift_card_delivered, durable=True)
        subscribe("loyalty.points_expiring", points.on_points_expiring, durable=True)
