from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "stay.orders"
    label = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from stay.core.privacy import register_part

        from . import privacy

        register_part("orders", export=privacy.export, erase=privacy.erase)
