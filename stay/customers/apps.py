from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "stay.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from stay.core.privacy import register_part

        from . import privacy

        register_part("customer", export=privacy.export, erase=privacy.erase)
