from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopifyConfig(AppConfig):
    name = "stay.connectors.shopify"
    label = "shopify"
    verbose_name = _("Shopify connector")

    def ready(self) -> None:
        from stay.core.health import backlog_check, register_check
        from stay.core.privacy import register_part
        from stay.core.tasks import register_sweeper
        from stay.orders.platform import register_platform

        from . import privacy
        from .calls import sweep_platform_calls
        from .platform import ShopifyPlatform
        from .services import oldest_unapplied, sweep_webhooks

        register_platform("shopify", ShopifyPlatform())
        register_check("webhooks", backlog_check(oldest_unapplied))
        register_sweeper("shopify.platform_calls", sweep_platform_calls)
        register_sweeper("shopify.webhooks", sweep_webhooks)
        register_part("webhook_deliveries", export=privacy.export, erase=privacy.erase)
