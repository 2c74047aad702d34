from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReturnsConfig(AppConfig):
    name = "stay.returns"
    label = "returns"
    verbose_name = _("Returns and exchanges")

    def ready(self) -> None:
        from stay.core.privacy import register_part

        from . import privacy

        register_part("returns", export=privacy.export, erase=privacy.erase)
        from stay.conversations.macros import register_link

        from .messages import portal_url

        register_link(
            "returns_link", lambda conversation, order, language: portal_url(order, language=language) if order else ""
        )
        from stay.flows.gate import register_suppressor

        from .selectors import customers_returning

        register_suppressor("return", customers_returning)
        from stay.loyalty.services import register_return_windows

        from .selectors import return_windows_close

        register_return_windows(return_windows_close)
        from stay.recommendations.serving import register_unwanted

        from .selectors import returned_as_faulty

        register_unwanted(returned_as_faulty)
        from . import checks  # noqa: F401 (registers `stay check --database default`'s label check)
