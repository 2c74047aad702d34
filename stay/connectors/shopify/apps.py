from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopifyConfig(AppConfig):
    name = "stay.connectors.shopify"
    label = "shopify"
    verbose_name = _("Shopify connector")
