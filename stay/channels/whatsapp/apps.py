from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WhatsAppChannelConfig(AppConfig):
    name = "stay.channels.whatsapp"
    label = "channel_whatsapp"
    verbose_name = _("WhatsApp")

    def ready(self) -> None:
        from stay.conversations.models import Channel
        from stay.conversations.sending import register_sender

        from .sender import WhatsAppSender

        register_sender(Channel.WHATSAPP, WhatsAppSender())
