from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoyaltyConfig(AppConfig):
    name = "stay.loyalty"
    label = "loyalty"
    verbose_name = _("Loyalty")

    def ready(self) -> None:
        from stay.core.events import subscribe

        from . import rewards, services

        # Points follow the money: a row in the order's own transaction, worked off in batches
        # that read each order as it is now (idempotent, in any order).
        for event in ("order.paid", "refund.created", "order.cancelled"):
            subscribe(event, services.points_due, inline=True)
        subscribe("customer.merged", services.members_on_merge, durable=True)
        subscribe("consent.confirmed", services.signup_points, durable=True)
        subscribe("platform.settled", rewards.redemption_settle, durable=True, when=rewards.is_ours)
