from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebchatChannelConfig(AppConfig):
    name = "stay.channels.webchat"
    label = "channel_webchat"
    verbose_name = _("Web chat")

    def ready(self) -> None:
        from stay.conversations.models import Channel
        from stay.conversations.sending import register_sender
        from stay.core.privacy import register_part

        from . import privacy
        from .sender import WebchatSender

        register_sender(Channel.WEBCHAT, WebchatSender())
        from stay.core.storefront import register_chat

        from .views import widget_embed

        register_chat(widget_embed)
        from stay.core.storefront import register_shopper_check

        from .services import shopper_check

        register_shopper_check(shopper_check)
        register_part("chat_visitors", export=privacy.export, erase=privacy.erase)
