from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoyaltyConfig(AppConfig):
    name = "stay.loyalty"
    label = "loyalty"
    verbose_name = _("Loyalty")

    def ready(self) -> None:
        from stay.core.events import subscribe

        from . import rewards, services, tasks

        # Points follow the money: each of these reads the order as it is now (idempotent).
        for event in ("order.paid", "refund.created", "order.cancelled"):
            subscribe(event, tasks.on_order, durable=True, when=services.programme_running)
        subscribe("customer.merged", services.members_on_merge, durable=True)
        subscribe("consent.confirmed", services.signup_points, durable=True)
        subscribe("platform.settled", rewards.redemption_settle, durable=True, when=rewards.is_ours)
