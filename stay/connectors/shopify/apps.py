from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopifyConfig(AppConfig):
    name = "stay.connectors.shopify"
    label = "shopify"
    verbose_name = _("Shopify connector")

    def ready(self) -> None:
        from stay.core.tasks import register_sweeper

        from .calls import sweep_platform_calls
        from .services import sweep_webhooks

        register_sweeper("shopify.platform_calls", sweep_platform_calls)
        register_sweeper("shopify.webhooks", sweep_webhooks)
